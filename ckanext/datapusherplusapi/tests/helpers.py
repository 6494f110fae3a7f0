"""Helpers shared by the tests (not fixtures)."""
from __future__ import annotations

import contextlib
import datetime
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
import requests
import sqlalchemy as sa
from rq import Worker

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.jobs import get_queue
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import causes
from ckanext.datapusherplusapi.logic import status as status_read
from ckanext.datapusherplusapi.model.job import Job

SUBMIT_URL = "/api/3/action/datapusher_plus_submit"
STATUS_URL = "/api/3/action/datapusher_plus_status"


def make_resource(org: Optional[dict[str, Any]] = None, private: bool = False,
                  **resource: Any) -> dict[str, Any]:
    """An organization's dataset with one CSV resource (served nowhere)."""
    org = org or factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], private=private)
    resource.setdefault("url", "http://127.0.0.1:9/data.csv")
    resource.setdefault("format", "CSV")
    return factories.Resource(package_id=dataset["id"], **resource)


def auth(user: dict[str, Any]) -> dict[str, str]:
    """Request headers authenticating ``user`` (who has a ``token``)."""
    return {"Authorization": user["token"]}


def user_with_token(**kwargs: Any) -> dict[str, Any]:
    user = factories.User(**kwargs)
    user["token"] = factories.APIToken(user=user["name"])["token"]
    return user


def sysadmin_with_token() -> dict[str, Any]:
    user = factories.Sysadmin()
    user["token"] = factories.APIToken(user=user["name"])["token"]
    return user


def worker_command() -> str:
    """The command a no-worker fix or health line gives to start a worker on
    CKAN's default queue: it names the config file CKAN runs with (here the
    tests'); a named queue follows it."""
    return "ckan -c {} jobs worker".format(shlex.quote(tk.config["__file__"]))


def member_of(org_id: str, role: str) -> dict[str, Any]:
    """A user with a token and ``role`` (member, editor, admin) in the org."""
    user = user_with_token()
    helpers.call_action("organization_member_create", id=org_id,
                        username=user["name"], role=role)
    return user


def wait_for(predicate: Callable[[], Any], timeout: float = 30, step: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met within {}s".format(timeout))


@contextlib.contextmanager
def sql_statements(monkeypatch: Any) -> Iterator[list[str]]:
    """The SQL statements run inside the block, in order: those of CKAN's
    engine, and the status polls' own reads (``logic/status._fetch``)."""
    engine = model.Session.get_bind()
    statements: list[str] = []

    def on_engine(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    fetch = status_read._fetch

    def on_polls(connection: Any, sql: str, resource_id: str) -> Any:
        statements.append(sql)
        return fetch(connection, sql, resource_id)

    sa.event.listen(engine, "before_cursor_execute", on_engine)
    monkeypatch.setattr(status_read, "_fetch", on_polls)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_engine)
        monkeypatch.setattr(status_read, "_fetch", fetch)


def submit(app: Any, resource_id: str, user: dict[str, Any], status: int = 200,
           **body: Any) -> dict[str, Any]:
    """POST the specification's submit endpoint as ``user``; check the HTTP status."""
    body.setdefault("resource_id", resource_id)
    response = app.post(SUBMIT_URL, json=body, headers=auth(user))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json



def seed_jobs(resources: Optional[list[dict[str, Any]]], count: int, status: str = "complete",
              days_ago: float = 0, error: Optional[str] = None, **extra: Any) -> list[str]:
    """The tests' one job factory: ``count`` job rows over ``resources`` (in
    turn; None: each job a resource of its own that exists nowhere, for tests
    of the job table alone), submitted ``days_ago`` (a second apart), written
    straight through the model, each resource's latest one flagged as such.
    ``extra`` overrides any column (a failed job's ``cause`` is derived from
    its error, as when it fails). Returns the jobs' ids."""
    now = datetime.datetime.utcnow() - datetime.timedelta(days=days_ago)
    rows = []
    for i in range(count):
        resource = resources[i % len(resources)] if resources else {
            "id": str(uuid.uuid4()), "package_id": None, "url": None, "format": "CSV"}
        pkg = model.Package.get(resource["package_id"]) if resource["package_id"] else None
        submitted = now - datetime.timedelta(seconds=i)
        row = dict(
            id=str(uuid.uuid4()), resource_id=resource["id"], package_id=pkg.id if pkg else None,
            organization_id=pkg.owner_org if pkg else None, status=status,
            service_job_id=str(uuid.uuid4()), force=False, attempt=1,
            resource_url=resource["url"], resource_format=resource["format"].upper(),
            submitted_at=submitted, started_at=submitted, updated_at=submitted,
            finished_at=submitted + datetime.timedelta(seconds=2) if status in (
                "complete", "error", "cancelled") else None,
            error=error, error_type="service_job_error" if error else None)
        row.update(extra)
        if row["status"] == "error" and "cause" not in extra:  # as lifecycle.fail stores it
            row["cause"] = causes.code_of_failure(row["error_type"], row["error"], None,
                                                  row.get("error_params"))
        rows.append(row)
    model.Session.execute(sa.insert(Job), rows)
    model.Session.execute(Job.flag_latest())
    model.Session.commit()
    return [row["id"] for row in rows]


# ----------------------------------------------------- processes, servers ---
REPO = Path(__file__).resolve().parents[3]
DPP_HOME = Path(os.environ.get("DPP_HOME", REPO / ".dev"))


def serve(server: Any) -> threading.Thread:
    """Serve ``server`` (a ``socketserver`` server) in a thread of its own.
    Its ``shutdown()`` then returns in a twentieth of a second, not the half
    second a server waits between looks at its stop flag by default."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return thread


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path, what: str,
                   seconds: float) -> None:
    """Wait for a server we started to answer ``url``; fail with its log if it dies."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(url, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("{} did not start:\n{}".format(what, log_path.read_text()[-3000:]))
        time.sleep(0.2)


def write_ini(path: Path, site_url: str, service_url: str, token: str,
              **extra: str) -> Path:
    """test.ini for another process: this test's service URL, token and site
    (and ``extra`` options, dots written as ``__``)."""
    overrides = {
        "ckan.site_url": site_url,
        "ckanext.datapusher_plus.url": service_url,
        "ckanext.datapusher_plus.api_token": token,
        "ckanext.datapusher_plus.callback_url_base": site_url,
    }
    overrides.update({key.replace("__", "."): value for key, value in extra.items()})
    lines = []
    # %(here)s is test.ini's folder, wherever the copy is written
    for line in (REPO / "test.ini").read_text().replace("%(here)s", str(REPO)).splitlines():
        if line.split("=", 1)[0].strip() in overrides:
            continue  # given below
        lines.append(line)
        if line.strip() == "[app:main]":
            lines.extend("{} = {}".format(key, value) for key, value in overrides.items())
    path.write_text("\n".join(lines) + "\n")
    return path


def xloader_jobs_db() -> str:
    """ckanext-xloader's job and log database: ``<CKAN's database>_xloader``
    (``bin/dpp.sh`` creates it), shared by CKAN and its workers."""
    return tk.config["sqlalchemy.url"] + "_xloader"


def start_worker(ini: Path, log_path: Path, *queues: str) -> subprocess.Popen:
    """A real ``ckan jobs worker`` (RQ) on ``queues``, once it listens."""

    wanted = {get_queue(name).name for name in queues or ("default",)}
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", str(ini), "jobs",
             "worker", *queues], stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while not any(wanted & set(w.queue_names()) and w.pid == process.pid
                  for w in Worker.all(connection=connect_to_redis())):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("ckan jobs worker did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.2)
    return process


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (a worker's RQ work-horse)."""
    found = []
    for task in Path("/proc/{}/task".format(pid)).glob("*/children"):
        for child in task.read_text().split():
            found += [int(child)] + descendants(int(child))
    return found


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# ---------------------------------------------------------------- browser ---
PASSWORD = "correct-horse-42"  # of the users the browser tests log in as
SHOTS = Path(os.environ.get("DPP_SCREENSHOTS",
                            Path(os.environ.get("DPP_HOME", Path(__file__).resolve().parents[3]
                                                / ".dev")) / "screenshots"))


def login(page: Any, base: str, user: dict[str, Any]) -> None:
    """Log ``user`` (made with ``PASSWORD``) in through CKAN's login form."""
    page.goto(base + "/user/login")
    page.fill("#field-login", user["name"])
    page.fill("#field-password", PASSWORD)
    page.locator("form:has(#field-login) button[type=submit]").click()
    page.wait_for_url(lambda url: "/user/login" not in url)


# How far a page scrolls sideways beyond what CKAN's own layout does: CKAN
# 2.12's page frame (its ``.wrapper`` row) is a few pixels wider than a 390 px
# viewport on every page, its own included; what is ours is measured against it.
SIDEWAYS = """() => {
    const width = document.documentElement.clientWidth;
    const frame = (document.querySelector('.wrapper') || document.body)
        .getBoundingClientRect();
    const ckan = Math.max(0, Math.ceil(frame.right) - width) + Math.max(0, Math.ceil(-frame.left));
    return document.documentElement.scrollWidth - width - ckan;
}"""


def shot(page: Any, name: str) -> None:
    """A full-page screenshot in ``SHOTS``, for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (name + ".png")), full_page=True)


# Hostile strings for the XSS tests (names, errors, log lines).
PAYLOADS = [
    "<script>alert('dpp-xss')</script>",
    "<img src=x onerror=alert('dpp-xss')>",
    "\"><script>alert('dpp-xss')</script>",
    "'><img src=x onerror=alert('dpp-xss')>",
    "<svg onload=alert('dpp-xss')>",
    "<svg><script>alert('dpp-xss')</script></svg>",
    "javascript:alert('dpp-xss')",
    "JaVaScRiPt:alert('dpp-xss')",
    "<a href=\"javascript:alert('dpp-xss')\">x</a>",
    "<iframe src=\"javascript:alert('dpp-xss')\"></iframe>",
    "<body onload=alert('dpp-xss')>",
    "<details open ontoggle=alert('dpp-xss')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('dpp-xss')>",
    "\" onmouseover=\"alert('dpp-xss')\" x=\"",
    "' onfocus='alert(\"dpp-xss\")' autofocus='",
    "<input autofocus onfocus=alert('dpp-xss')>",
    "<video><source onerror=alert('dpp-xss')></video>",
    "<object data=\"javascript:alert('dpp-xss')\"></object>",
    "<embed src=\"javascript:alert('dpp-xss')\">",
    "<form action=\"javascript:alert('dpp-xss')\"><button>x</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('dpp-xss')\">",
    "<style>@import 'javascript:alert(1)';</style>",
    "<div style=\"background:url(javascript:alert('dpp-xss'))\">",
    "{{ 7*7 }}<script>alert('dpp-xss')</script>",
    "${alert('dpp-xss')}",
    "\u003cscript\u003ealert('dpp-xss')\u003c/script\u003e",
    "＜script＞alert('dpp-xss')＜/script＞",
    "<scr\u200bipt>alert('dpp-xss')</scr\u200bipt>",
    "\u202e<script>alert('dpp-xss')</script>",
    "<!--<script>alert('dpp-xss')</script>-->",
    "]]><script>alert('dpp-xss')</script>",
    "<template><script>alert('dpp-xss')</script></template>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "=cmd|' /C calc'!A0",
]


# Records what the page's live region (#dpp-announce) says, in window.dppHeard,
# and keeps the node (window.dppRegion) to prove htmx never replaced it.
HEAR = """() => {
    const region = document.getElementById('dpp-announce');
    window.dppRegion = region; window.dppHeard = [];
    new MutationObserver(() => { if (region.textContent.trim())
        window.dppHeard.push(region.textContent.trim()); })
        .observe(region, {childList: true, characterData: true, subtree: true});
}"""

# htmx ends a swap 20 ms after it (its "settle": the new part's own
# triggers start then); a busy machine stretches that.  A long settle shows
# that what the reader had (the focus) is back at the swap itself, never on
# the page's body meanwhile.
SLOW_SETTLE = "() => { htmx.config.defaultSettleDelay = 800; }"


def editor_and_resource(url: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An editor (password ``PASSWORD``) of an organization, its dataset and a CSV resource."""
    org = factories.Organization(title="Ministère de la Démo")
    editor = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"],
                        role="editor")
    dataset = factories.Dataset(owner_org=org["id"], title="Villes")
    resource = factories.Resource(package_id=dataset["id"], url=url, format="CSV",
                                  name="Villes (CSV)")
    return editor, dataset, resource
