"""Fixtures of the ckanext-datapusherplusapi test suite.

- ``clean_db``: CKAN's reset plus this plugin's migrations.
- ``service_user``: the DataPusher service's CKAN user with its API token,
  configured as ``ckanext.datapusher_plus.api_token``.
- ``fake_service``: the scriptable fake of the DataPusher service
  (``fake_service.py``), configured as ``ckanext.datapusher_plus.url``.
- ``live_ckan``: this test's CKAN application served over HTTP on 127.0.0.1,
  for whatever must reach CKAN from outside (callbacks, the real service,
  ckanapi).
- ``file_server``: a folder served over HTTP on 127.0.0.1 (resource files).
- ``real_service``: the real PyPI ``datapusher`` service (session-wide).
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import rq
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
from ckan.config.environment import update_config
from ckan.lib.redis import connect_to_redis
from ckan.plugins import core as plugins_core
from ckan.tests import factories

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.backends import base as backends_base
from ckanext.datapusherplusapi.logic import identity, resources
from ckanext.datapusherplusapi.tests.fake_service import FakeService
from ckanext.datapusherplusapi.tests.helpers import (
    DPP_HOME,
    REPO,
    free_port,
    make_resource,
    member_of,
    serve,
    submit,
    wait_until_up,
    write_ini,
)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end against the real DataPusher service (run by make test)")
    config.addinivalue_line("markers", "ckan_config(key, value): CKAN config for a test")
    config.addinivalue_line(
        "markers", "soak: a long run of mixed faults (run by make test)")
    config.addinivalue_line(
        "markers", "load: a bounded load test against gunicorn (run by make test)")
    config.addinivalue_line(
        "markers", "browser: drives Debian's headless Chromium with Playwright (run by make test)")
    config.addinivalue_line(
        "markers", "loader: a real loader's jobs run by a real `ckan jobs worker` (xloader, "
        "DataPusher+ 2.x, the JSON/XML loader)")
    config.addinivalue_line(
        "markers", "once: nothing in it depends on CKAN's version (long soak, load and outage "
        "runs, a real service's own failures): make test-matrix runs it on the default "
        "version only")
    config.addinivalue_line(
        "markers", "exclusive: acts on a server every CKAN version's run shares (restarts "
        "PostgreSQL): make test-matrix runs it alone, after the versions' runs have ended")
    # CKAN 2.11's own deprecation noise (SQLAlchemy 2.0, passlib) is not ours.
    for warning in ("ignore::DeprecationWarning", "ignore::sqlalchemy.exc.SADeprecationWarning",
                    "ignore:.*LegacyAPIWarning", "ignore::sqlalchemy.exc.SAWarning"):
        config.addinivalue_line("filterwarnings", warning)


# A test that opens a page in the browser is a ``browser`` test, one that
# talks to the real DataPusher service an ``e2e`` test, whatever its module
# says (``make test-fast`` leaves both out, and the ``loader`` tests).
MARKED_BY_FIXTURE = {"page": "browser", "browser": "browser", "real_service": "e2e"}


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        for fixture in set(getattr(item, "fixturenames", ())) & set(MARKED_BY_FIXTURE):
            item.add_marker(MARKED_BY_FIXTURE[fixture])


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """No test sees what another left behind: this extension's Redis keys
    (the loader's last contact, throttles) are deleted, every background-job
    queue is emptied (the workers a module started stay registered) and the
    per-process caches are cleared, before and after each test."""

    def reset() -> None:
        redis = connect_to_redis()
        for key in redis.scan_iter(match="*:datapusherplusapi:*"):
            redis.delete(key)
        for queue in rq.Queue.all(connection=redis):
            queue.empty()
        backends_base.forget_process_state()
        identity.forget_process_state()
        resources.forget_process_state()
        _forget_xloader_database()

    reset()
    yield
    reset()


def _forget_xloader_database() -> None:
    """ckanext-xloader binds its job database once per process, to the URI the
    config names when it is first used (``ckanext.xloader.db.init``): a test
    that used it with another URI (test.ini's, the default version's) would
    leave this test reading another database than its worker writes."""
    xloader_db = sys.modules.get("ckanext.xloader.db")
    if xloader_db is None:
        return
    if xloader_db.ENGINE is not None:
        xloader_db.ENGINE.dispose()
    xloader_db.ENGINE = xloader_db._METADATA = None
    xloader_db.JOBS_TABLE = xloader_db.METADATA_TABLE = xloader_db.LOGS_TABLE = None


# ------------------------------------------------- CKAN, once per session ---
# CKAN's own ``with_plugins``, ``clean_db`` and ``app`` redo for every test
# what most tests share: unload and load every plugin (a second per test on
# CKAN 2.10), apply the config, run this plugin's migrations (which also
# leave CKAN on an engine that opens a PostgreSQL connection per
# transaction), build a Flask app. These do each only when the test needs it:
# when its plugins, its config or the database differ from what is there.
_STATE: dict[str, Any] = {"wanted": None, "loaded": None, "config": None, "app": None}
# Options read where they are used, never kept by the Flask app: a test (or a
# fixture: the service's URL and token) may change them and keep the app.
_READ_AT_CALL_TIME = ("ckanext.datapusher_plus.", "ckanext.xloader.")
MIGRATIONS = Path(__file__).resolve().parents[1] / "migration" / "datapusherplusapi"
VERSION_TABLE = "datapusherplusapi_alembic_version"  # as migration/.../env.py names it


@pytest.fixture
def with_plugins(ckan_config: Any) -> Iterator[None]:
    """The plugins of ``ckan.plugins`` loaded, the test's config applied.

    As CKAN's fixture, but plugins already loaded as the test asks stay
    loaded (CKAN's unloads them after every test), and the config is applied
    again (``update_config``, what loading ends with) only when it is not
    the one applied last."""
    wanted = tk.aslist(ckan_config.get("ckan.plugins"))
    if wanted != _STATE["wanted"] or list(plugins_core._PLUGINS) != _STATE["loaded"]:
        plugins.load_all()
        _STATE.update(wanted=wanted, loaded=list(plugins_core._PLUGINS), config=dict(tk.config))
    elif dict(tk.config) != _STATE["config"]:
        update_config()
        _STATE["config"] = dict(tk.config)
    yield


def _app_key() -> tuple[Any, ...]:
    return (tuple(plugins_core._PLUGINS), {key: value for key, value in tk.config.items()
                                           if not key.startswith(_READ_AT_CALL_TIME)})


@pytest.fixture
def app(make_app: Any) -> Any:
    """CKAN's test app, built again only when the plugins or the config it
    was built with changed (a new test client serves each request: no
    cookie is kept from one test to the next)."""
    key = _app_key()
    if _STATE["app"] is None or _STATE["app"][0] != key:
        _STATE["app"] = (key, make_app())
    return _STATE["app"][1]


@functools.lru_cache(maxsize=None)
def _migrations_head() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def _migrated() -> bool:
    """Whether this plugin's tables are at the newest migration."""
    with model.meta.engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return False
        return connection.execute(sa.text("SELECT version_num FROM " + VERSION_TABLE)
                                  ).scalar() == _migrations_head()


@pytest.fixture
def clean_db(reset_db: Any, migrate_db_for: Any, with_plugins: Any) -> None:
    """CKAN's database reset (its rows deleted), then this plugin's
    migrations if its tables are not at the newest one."""
    reset_db()
    if not _migrated():
        migrate_db_for("datapusherplusapi")
        update_config()  # CKAN's pooled engine again (see above)
        _STATE["config"] = dict(tk.config)


@pytest.fixture
def service_user(clean_db: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The sysadmin the service acts as, with the configured token."""
    user = factories.Sysadmin(name="datapusher_service")
    token = factories.APIToken(user=user["name"])["token"]
    monkeypatch.setitem(tk.config, dpp_config.API_TOKEN, token)
    return dict(user, token=token)


@pytest.fixture
def fake_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeService]:
    fake = FakeService().start()
    monkeypatch.setitem(tk.config, dpp_config.URL, fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def pending_job(app: Any, service_user: dict[str, Any], fake_service: FakeService,
                live_ckan: str) -> dict[str, Any]:
    """A job the fake service accepted and has not called back for: its
    ``job_id``, ``resource``, the ``service`` user, the ``editor`` who
    submitted it and the ``fake`` service."""
    fake_service.callback = None
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org)
    job_id = submit(app, resource["id"], editor)["job_id"]
    return {"job_id": job_id, "resource": resource, "service": service_user, "editor": editor,
            "fake": fake_service}


@pytest.fixture
def live_port() -> int:
    """The port ``live_ckan`` listens on (0: any); a module whose background
    workers must reach CKAN at a known address overrides it."""
    return 0


@pytest.fixture
def live_ckan(app: Any, monkeypatch: pytest.MonkeyPatch, live_port: int) -> Iterator[str]:
    """The test's CKAN app over HTTP; callbacks are pointed at it."""
    server = make_server("127.0.0.1", live_port, app.app, threaded=True)
    url = "http://127.0.0.1:{}".format(server.server_port)
    monkeypatch.setitem(tk.config, dpp_config.CALLBACK_URL_BASE, url)
    serve(server)
    yield url
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """(folder, base URL): files written to the folder are served."""
    folder = tmp_path / "files"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve(server)
    yield folder, "http://127.0.0.1:{}".format(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def real_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The PyPI ``datapusher`` 0.0.17 service, started for the session.

    Its virtualenv and the Python 3.11 measures (``bin/harness``) come from
    ``bin/dpp.sh``; ``make test`` prepares both.
    """
    python = Path(os.environ.get("DPP_DATAPUSHER_PYTHON",
                                 DPP_HOME / "venv-datapusher" / "bin" / "python"))
    harness = REPO / "bin" / "harness"
    if not python.exists():
        pytest.fail("The DataPusher service's virtualenv is missing ({}): run "
                    "`make test` (or `bin/dpp.sh install`) first".format(python))
    workdir = tmp_path_factory.mktemp("datapusher")
    port = free_port()
    settings = workdir / "settings.py"
    subprocess.run([sys.executable, str(harness / "datapusher_service.py"), "write-config",
                    str(settings), str(port), str(workdir)], check=True)
    log_path = workdir / "service.log"
    env = dict(os.environ, LANG="C", LC_ALL="C", PYTHONPATH=str(harness),
               JOB_CONFIG=str(settings))
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [str(python), "-c", "from datapusher.main import serve; serve()"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=str(workdir))
    url = "http://127.0.0.1:{}".format(port)
    wait_until_up(url + "/status", process, log_path, "The DataPusher service", 60)
    yield {"url": url, "log": log_path, "process": process}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def gunicorn_ckan(service_user, fake_service, tmp_path):
    """This test's CKAN served by gunicorn with 4 worker processes, configured
    (through its own ini file) for the fake service and the service token."""
    port = free_port()
    url = "http://127.0.0.1:{}".format(port)
    ini = write_ini(tmp_path / "gunicorn.ini", url, fake_service.url, service_user["token"])
    log_path = tmp_path / "gunicorn.log"
    env = dict(os.environ, CKAN_INI=str(ini))
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind",
             "127.0.0.1:{}".format(port), "--timeout", "120",
             "ckanext.datapusherplusapi.tests.wsgi_app:application"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=str(tmp_path))
    wait_until_up(url + "/api/3/action/status_show", process, log_path, "gunicorn", 90)
    yield {"url": url, "process": process, "log": log_path}
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# ---------------------------------------------------------- loaders ---
# ---------------------------------------------------------------- browser ---
CHROMIUM = os.environ.get("DPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium (never a downloaded browser), driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing ({}): run `make test`".format(CHROMIUM))
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Pages may name hosts off this machine (CKAN's factories give organizations
# image URLs on the web): the browser is refused them at once, rather than
# waiting on a name lookup that this closed network may answer in seconds.
OFF_THIS_MACHINE = re.compile(r"^(https?|wss?)://(?!(127\.0\.0\.1|localhost)[:/])")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(OFF_THIS_MACHINE, lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()
