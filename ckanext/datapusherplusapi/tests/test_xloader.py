"""Back end ``xloader``: the real ckanext-xloader plugin (PyPI) loads files
through this extension's API, pages and command, run by a real ``ckan jobs
worker`` that reports to CKAN served over HTTP.

The worker (one per module) listens to a queue of its own and reaches CKAN at
a fixed local port, which each test's ``live_ckan`` takes.
"""
from __future__ import annotations

import contextlib
import http.server
import importlib.metadata
import json
import os
import signal
import threading
from typing import Any, Iterator

import pytest
import requests
from rq import Worker
from rq.job import Job as RQJob
from rq.job import JobStatus

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.jobs import get_queue
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import watch
from ckanext.datapusherplusapi.backends import rq as dpp_rq
from ckanext.datapusherplusapi.cli import datapusherplusapi
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests import tabular_files
from ckanext.datapusherplusapi.tests.helpers import (
    PASSWORD,
    descendants,
    free_port,
    login,
    member_of,
    serve,
    shot,
    start_worker,
    stop_worker,
    wait_for,
    worker_command,
    write_ini,
    xloader_jobs_db,
)

PORT = free_port()
SITE = "http://127.0.0.1:{}".format(PORT)
QUEUE = "dpp_xloader_test"
# xloader's queue only: our own work (auto-submit, the JSON/XML loader, the
# refresh of a silent job) waits on CKAN's default queue unless a test runs it,
# so that xloader's own reports are what records its loads here.
WORKER_QUEUES = (QUEUE,)
PLUGINS = "datapusherplusapi xloader datastore datatables_view datapusherplusapi_nosolr"

pytestmark = [
    pytest.mark.loader,
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config(dpp_config.BACKEND, "xloader"),
    pytest.mark.ckan_config("ckanext.xloader.queue_names", QUEUE),
    pytest.mark.ckan_config("ckanext.xloader.api_token", "set-by-each-test"),
    pytest.mark.ckan_config("ckanext.xloader.site_url", SITE),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]

TERMINAL = ("complete", "error", "cancelled")
# The worker's ckanext.xloader.max_content_length: every file of this module
# is under it but the one that tests the limit.
MAX_CONTENT_LENGTH = 100_000


@pytest.fixture
def live_port() -> int:
    return PORT


@pytest.fixture(scope="module")
def xloader_worker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``ckan jobs worker`` on xloader's queue, for the module."""
    folder = tmp_path_factory.mktemp("xloader-worker")
    # CKAN's own address stays test.ini's: xloader's callback URLs are built on
    # it, and ckanext.xloader.site_url makes the worker call this port instead.
    ini = write_ini(
        folder / "worker.ini", tk.config["ckan.site_url"], "", "",
        ckan__plugins=PLUGINS, ckanext__datapusher_plus__backend="xloader",
        ckanext__xloader__queue_names=QUEUE, ckanext__xloader__site_url=SITE,
        # the worker acts with the token each job carries, not this one
        ckanext__xloader__api_token="unused-by-the-worker",
        ckanext__xloader__jobs_db__uri=xloader_jobs_db(),
        ckanext__xloader__max_content_length=str(MAX_CONTENT_LENGTH))
    log = folder / "worker.log"
    worker = {"process": start_worker(ini, log, *WORKER_QUEUES), "ini": ini, "log": log}
    yield worker
    stop_worker(worker["process"])


@pytest.fixture
def site(service_user, live_ckan, file_server, monkeypatch, xloader_worker) -> dict[str, Any]:
    """An organization, its editor, a dataset, the file server and the worker."""
    monkeypatch.setitem(tk.config, "ckanext.xloader.api_token", service_user["token"])
    monkeypatch.setitem(tk.config, "ckanext.xloader.jobs_db.uri", xloader_jobs_db())
    folder, base = file_server
    org = factories.Organization()
    return {"ckan": live_ckan, "editor": member_of(org["id"], "editor"), "org": org,
            "dataset": factories.Dataset(owner_org=org["id"]), "folder": folder,
            "files": base, "worker": xloader_worker}


def add_resource(site: dict[str, Any], name: str, fmt: str, **kwargs: Any) -> dict[str, Any]:
    return factories.Resource(package_id=site["dataset"]["id"], url=site["files"] + "/" + name,
                              format=fmt, name=name, **kwargs)


def api(site: dict[str, Any], method: str, action: str, **body: Any) -> requests.Response:
    url = "{}/api/3/action/{}".format(site["ckan"], action)
    headers = {"Authorization": site["editor"]["token"]}
    if method == "GET":
        return requests.get(url, params=body, headers=headers, timeout=30)
    return requests.post(url, json=body, headers=headers, timeout=30)


def status(site: dict[str, Any], resource_id: str) -> dict[str, Any]:
    response = api(site, "GET", "datapusher_plus_status/" + resource_id)
    assert response.status_code == 200, response.text
    return response.json()


def final_status(site: dict[str, Any], resource_id: str, timeout: float = 60) -> dict[str, Any]:
    try:
        return wait_for(lambda: (lambda s: s if s["status"] in TERMINAL else None)(
            status(site, resource_id)), timeout=timeout, step=0.3)
    except AssertionError:
        raise AssertionError("no end in sight: {}\nworker log:\n{}".format(
            status(site, resource_id), site["worker"]["log"].read_text()[-4000:]))


def records(resource_id: str) -> list[dict[str, Any]]:
    return helpers.call_action("datastore_search", resource_id=resource_id,
                               sort="_id")["records"]


@pytest.mark.parametrize("fmt", ["CSV", "TSV", "XLSX", "XLS", "ODS"])
def test_each_format_xloader_reads_lands_in_the_datastore(site, fmt):
    name = "cities." + fmt.lower()
    tabular_files.WRITERS[fmt](site["folder"] / name)
    resource = add_resource(site, name, fmt)
    # xloader loads a new resource by itself: that load is recorded too.
    first = final_status(site, resource["id"])
    assert first["status"] == "complete" and first["started_by_loader"] is True, first
    answer = api(site, "POST", "datapusher_plus_submit", resource_id=resource["id"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["success"] is True
    final = final_status(site, resource["id"])
    assert final["status"] == "complete", final
    assert final["backend"] == "xloader" and final["started_by_loader"] is False
    assert final["error"] is None and final["datastore_active"] is True
    assert any("Express Load" in line["message"] for line in final["logs"]), final["logs"]
    rows = records(resource["id"])
    assert [r["city"] for r in rows] == ["Casablanca", "Rabat", "Fès", "Tunis", "Alger"]
    assert [str(r["region"]) for r in rows][1] == "Rabat-Salé-Kénitra"
    # CKAN's default views: the resource page previews the table
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert [v["view_type"] for v in views] == ["datatables_view"]
    history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
    assert [(job["status"], job["started_by_loader"], job["attempt"]) for job in history] \
        == [("complete", False, 2), ("complete", True, 1)]


def test_a_latin1_file_keeps_its_accents(site):
    tabular_files.write_delimited(site["folder"] / "villes.csv", encoding="latin-1")
    resource = add_resource(site, "villes.csv", "CSV")
    final = final_status(site, resource["id"])
    assert final["status"] == "complete", final
    assert [r["city"] for r in records(resource["id"])][2] == "Fès"


def test_a_missing_file_ends_in_error_with_xloader_reason(site):
    resource = add_resource(site, "not-there.csv", "CSV")
    final = final_status(site, resource["id"], timeout=30)  # (within 30 s)
    assert final["status"] == "error", final
    assert final["error_type"] == "service_job_error"
    # xloader writes it as a Python bytes literal (b'…'): it reads as text
    assert final["error"].startswith(
        "Xloader received a bad HTTP response when trying to download the data file "
        "status=404"), final["error"]
    assert not helpers.call_action("resource_show", id=resource["id"]).get("datastore_active")
    cause = final["cause"]
    assert (cause["code"], cause["params"]) == ("download_failed", {"detail": "http_404"})
    assert cause["message"] == ("The file could not be downloaded: the file's server answered "
                                "HTTP 404.")


@pytest.mark.parametrize("case, code, params, words", [
    ("too_large", "file_too_large", {"option": "ckanext.xloader.max_content_length"},
     "Data too large to load into Datastore: 240004 bytes > max 100000 bytes."),
    ("unresolved_host", "download_failed", {"detail": "name"}, "nowhere.invalid"),
    # A token CKAN does not know, and another organization's editor's: xloader
    # cannot read the private resource, and its reports are refused (HTTP 403):
    # the job falls silent, and the check of a silent job reads xloader's own
    # record of the error.
    ("invalid_token", "callback_refused", {"option": "ckanext.xloader.api_token"},
     "not authorized to read"),
    ("other_users_token", "callback_refused", {"option": "ckanext.xloader.api_token"},
     "not authorized to read"),
], ids=["too_large", "unresolved_host", "invalid_token", "other_users_token"])
def test_each_failure_xloader_reports_has_its_cause(site, monkeypatch, case, code, params,
                                                     words):
    monkeypatch.setitem(tk.config, dpp_config.CHECK_AFTER, 1)
    url = site["files"] + "/cities.csv"
    tabular_files.write_delimited(site["folder"] / "cities.csv")
    dataset = site["dataset"]
    if case == "too_large":
        (site["folder"] / "big.csv").write_text("a,b\n" + "1,2\n" * 60_000)
        url = site["files"] + "/big.csv"
    elif case == "unresolved_host":
        url = "http://nowhere.invalid/x.csv"
    else:
        dataset = factories.Dataset(owner_org=site["org"]["id"], private=True)
        token = "not-a-token" if case == "invalid_token" else member_of(
            factories.Organization()["id"], "editor")["token"]
        monkeypatch.setitem(tk.config, "ckanext.xloader.api_token", token)
    resource = factories.Resource(package_id=dataset["id"], url=url, format="CSV")
    final = final_status(site, resource["id"], timeout=30)
    assert (final["status"], final["backend"]) == ("error", "xloader"), final
    assert words in final["error"], final["error"]
    assert (final["cause"]["code"], final["cause"]["params"]) == (code, params), final["cause"]
    if "option" in params:
        assert params["option"] in final["cause"]["fix"]


def test_formats_xloader_does_not_read_are_refused(site):
    (site["folder"] / "cities.pdf").write_text("%PDF-1.4")
    resource = add_resource(site, "cities.pdf", "PDF")
    answer = api(site, "POST", "datapusher_plus_submit", resource_id=resource["id"])
    assert answer.status_code == 400
    assert answer.json() == {
        "success": False, "error_type": "unsupported_format",
        "error": "Unsupported format PDF: this portal loads "
                 "CSV, TSV, XLS, XLSX, ODS, JSON, JSONL, NDJSON, GEOJSON, XML"}
    assert model.Session.query(Job).filter_by(resource_id=resource["id"]).count() == 0


@contextlib.contextmanager
def worker_paused(site: dict[str, Any]) -> Iterator[None]:
    """No worker, as on a portal whose worker is down: what is queued
    meanwhile stays queued (and is dropped after, when the worker is back)."""
    worker = site["worker"]
    stop_worker(worker["process"])
    try:
        yield
    finally:
        for name in WORKER_QUEUES:
            get_queue(name).empty()
        worker["process"] = start_worker(worker["ini"], worker["log"], *WORKER_QUEUES)


@contextlib.contextmanager
def loaded_then_queued(site: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Job]]:
    """A resource loaded once, then queued again by xloader (its own button,
    as a sysadmin) while the worker is paused: its job stays active."""
    tabular_files.write_delimited(site["folder"] / "cities.csv")
    resource = add_resource(site, "cities.csv", "CSV")
    assert final_status(site, resource["id"])["status"] == "complete"
    sysadmin = factories.Sysadmin()
    with worker_paused(site):
        assert tk.get_action("xloader_submit")({"user": sysadmin["name"]}, {
            "resource_id": resource["id"]}) is True
        job = model.Session.query(Job).filter_by(resource_id=resource["id"],
                                                 status="submitted").one()
        assert job.origin == "loader" and job.user_id == sysadmin["id"]
        yield resource, job


@pytest.mark.parametrize("fate", ["gone", "failed"])
def test_a_silent_job_whose_rq_job_died_ends_in_error(site, monkeypatch, fate):

    monkeypatch.setitem(tk.config, dpp_config.CHECK_AFTER, 1)
    with loaded_then_queued(site) as (resource, job):
        rq_job = RQJob.fetch(job.service_job_id, connection=connect_to_redis())
        if fate == "gone":
            rq_job.delete()
        else:  # what RQ records when the work-horse is killed
            rq_job.set_status(JobStatus.FAILED)
            get_queue(QUEUE).remove(rq_job)
        assert status(site, resource["id"])["status"] == "submitted"  # news not yet overdue
        final = final_status(site, resource["id"], timeout=20)
    assert final["status"] == "error"
    if fate == "gone":
        assert final["error_type"] == "service_lost_job"
        assert "gone from the job queue" in final["error"]
    else:
        assert final["error_type"] == "loader_job_failed"
        assert "background job failed" in final["error"]


def test_cancel_takes_a_queued_job_off_the_queue(site):
    with loaded_then_queued(site) as (resource, job):
        queue = get_queue(QUEUE)
        assert job.service_job_id in queue.job_ids
        admin = factories.Sysadmin()
        cancelled = helpers.call_action("datapusher_plus_job_cancel", {"user": admin["name"]},
                                        id=job.id)
        assert cancelled["status"] == "cancelled"
        assert job.service_job_id not in queue.job_ids


class _SlowCSV(http.server.BaseHTTPRequestHandler):
    """A CSV whose first rows come at once and the rest when the test says
    (``release``): a load that stays running while the test acts, and that
    would end, its rows loaded, if it were not stopped."""

    requested: threading.Event
    release: threading.Event

    def do_GET(self) -> None:
        self.send_response(200)  # HTTP/1.0: the file ends when the connection closes
        self.send_header("Content-Type", "text/csv")
        self.end_headers()
        self.wfile.write(b"city,population\nRabat,577827\n")
        self.wfile.flush()
        self.requested.set()
        if self.release.wait(120):
            self.wfile.write(b"Fes,1112072\nTunis,638845\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def slow_csv() -> Iterator[dict[str, Any]]:
    handler = type("Handler", (_SlowCSV,), {"requested": threading.Event(),
                                            "release": threading.Event()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve(server)
    yield {"url": "http://127.0.0.1:{}/villes.csv".format(server.server_address[1]),
           "requested": handler.requested, "release": handler.release}
    handler.release.set()
    server.shutdown()
    server.server_close()


def worker_idle() -> bool:
    """The module's worker runs nothing and nothing waits in its queues."""
    queues = [get_queue(name) for name in WORKER_QUEUES]
    workers = [worker for worker in Worker.all(connection=connect_to_redis())
               if queues[0].name in worker.queue_names()]
    return bool(workers) and all(worker.get_state() == "idle" for worker in workers) \
        and not any(len(queue) for queue in queues)


def test_cancel_stops_a_running_load(site, slow_csv):
    resource = factories.Resource(package_id=site["dataset"]["id"], url=slow_csv["url"],
                                  format="CSV", name="villes.csv")
    # xloader's own load of the new resource is downloading the file
    assert slow_csv["requested"].wait(60), site["worker"]["log"].read_text()[-4000:]
    running = wait_for(lambda: (lambda s: s if s["status"] == "running" else None)(
        status(site, resource["id"])), timeout=30, step=0.2)
    assert running["started_by_loader"] is True
    job = model.Session.query(Job).filter_by(resource_id=resource["id"]).one()
    answer = api(site, "POST", "datapusher_plus_job_cancel", id=job.id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"]["status"] == "cancelled"
    slow_csv["release"].set()  # the rest of the file: a load still running would end now
    # stopped for real: RQ stopped xloader's job, and the worker is idle again
    assert RQJob.fetch(running["job_id"], connection=connect_to_redis()).get_status() == "stopped"
    wait_for(worker_idle, timeout=30, step=0.2)
    final = status(site, resource["id"])
    assert (final["status"], final["datastore_active"]) == ("cancelled", False), final
    history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
    assert [(job["status"], job["started_by_loader"]) for job in history] == [
        ("cancelled", True)], history  # no new job after it
    with pytest.raises(tk.ObjectNotFound):  # no rows of it in the DataStore
        helpers.call_action("datastore_search", resource_id=resource["id"])
    assert helpers.call_action("resource_view_list", id=resource["id"]) == []


def test_a_load_that_ended_before_its_cancel_keeps_its_result(site):
    with loaded_then_queued(site) as (resource, job):
        # RQ ran it to its end (its report not yet recorded) as the cancel comes
        rq_job = RQJob.fetch(job.service_job_id, connection=connect_to_redis())
        get_queue(QUEUE).remove(rq_job)
        rq_job.set_status(JobStatus.FINISHED)
        admin = factories.Sysadmin()
        with pytest.raises(tk.ValidationError) as refused:
            helpers.call_action("datapusher_plus_job_cancel", {"user": admin["name"]},
                                id=job.id)
        assert refused.value.error_dict["id"] == [
            "The load ended before it could be stopped: its result stands"]
        assert status(site, resource["id"])["status"] == "submitted"  # not cancelled


def test_force_while_a_load_is_queued_adopts_it(site):
    with loaded_then_queued(site) as (resource, job):
        answer = api(site, "POST", "datapusher_plus_submit", resource_id=resource["id"],
                     force=True)
        assert answer.status_code == 200, answer.text
        assert answer.json()["job_id"] == job.service_job_id  # xloader's queued load: this one
        history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
        assert [h["status"] for h in history] == ["submitted", "cancelled", "complete"]


def test_health_counts_the_workers(site):
    admin = factories.Sysadmin()
    health = helpers.call_action("datapusher_plus_service_status", {"user": admin["name"]})
    assert health["backend"] == "xloader" and health["name"] == "ckanext-xloader"
    # the version installed (2.5.2 on CKAN 2.10 and 2.11, 2.6.0 on 2.12 here)
    assert health["version"] == importlib.metadata.version("ckanext-xloader")
    assert health["reachable"] is True and health["stats"]["workers"] >= 1
    assert health["formats"] == ["CSV", "TSV", "XLS", "XLSX", "ODS"]
    assert health["cancels_work"] is True


def test_the_ckan_command(site, cli):
    tabular_files.write_xlsx(site["folder"] / "cities.xlsx")
    resource = add_resource(site, "cities.xlsx", "XLSX")
    assert final_status(site, resource["id"])["status"] == "complete"
    result = cli.invoke(datapusherplusapi, ["submit", resource["id"]])
    assert result.exit_code == 0, result.output
    final = final_status(site, resource["id"])
    assert final["status"] == "complete" and final["attempt"] == 2, final
    shown = cli.invoke(datapusherplusapi, ["status", resource["id"]])
    assert shown.exit_code == 0 and "complete" in shown.output


@pytest.fixture
def default_worker(site, tmp_path):
    """A second ``ckan jobs worker``, on CKAN's default queue (our own work)."""
    process = start_worker(site["worker"]["ini"], tmp_path / "default-worker.log", "default")
    yield process
    stop_worker(process)


def test_auto_submit_pushes_json_and_xml_and_leaves_what_xloader_loads_to_it(
        site, monkeypatch, default_worker):
    monkeypatch.setitem(tk.config, dpp_config.AUTO_SUBMIT, True)
    (site["folder"] / "villes.json").write_text(json.dumps(
        [{"city": "Rabat", "population": 577827}, {"city": "Fès", "population": 1112072}]),
        encoding="utf-8")
    (site["folder"] / "villes.xml").write_text(
        "<cities><city><city>Rabat</city><population>577827</population></city>"
        "<city><city>Fès</city><population>1112072</population></city></cities>",
        encoding="utf-8")
    tabular_files.write_delimited(site["folder"] / "cities.csv")
    for name, fmt in (("villes.json", "JSON"), ("villes.xml", "XML")):
        resource = add_resource(site, name, fmt)
        final = final_status(site, resource["id"])
        assert (final["status"], final["backend"], final["started_by_loader"]) == (
            "complete", "builtin", False), final
        assert [(r["city"], r["population"]) for r in records(resource["id"])] == [
            ("Rabat", 577827), ("Fès", 1112072)]
    resource = add_resource(site, "cities.csv", "CSV")
    final = final_status(site, resource["id"])
    assert (final["status"], final["backend"], final["started_by_loader"]) == (
        "complete", "xloader", True), final
    wait_for(worker_idle, timeout=30, step=0.2)
    history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
    assert len(history) == 1, history  # xloader's own load, not pushed a second time


@pytest.mark.browser
def test_the_tab_and_the_preview_in_a_browser(site, page, monkeypatch):
    """An editor sees xloader's own load in the tab's history, submits again
    from the tab, and the resource page previews the table."""
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    monkeypatch.setitem(tk.config, "ckan.site_url", SITE)  # the preview's iframe is built on it
    editor = factories.User(password=PASSWORD)
    helpers.call_action("organization_member_create", id=site["org"]["id"],
                        username=editor["name"], role="editor")
    tabular_files.write_ods(site["folder"] / "villes.ods")
    resource = add_resource(site, "villes.ods", "ODS")
    assert final_status(site, resource["id"])["status"] == "complete"
    login(page, SITE, editor)
    page.goto("{}/dataset/{}/datapusher-plus/{}".format(SITE, site["dataset"]["name"],
                                                       resource["id"]))
    history = page.locator("#dpp-details tbody tr")
    assert history.count() == 1 and "ckanext-xloader itself" in history.first.inner_text()
    page.click("#dpp-status button[type=submit]")
    page.wait_for_function(
        "() => document.querySelectorAll('#dpp-details tbody tr').length === 2"
        " && document.querySelector('#dpp-status [data-dpp-status]').dataset.dppStatus"
        " === 'complete'", timeout=60_000)
    assert editor["display_name"] in history.first.inner_text()
    shot(page, "xloader-tab")
    page.goto("{}/dataset/{}/resource/{}".format(SITE, site["dataset"]["name"], resource["id"]))
    cells = page.frame_locator("iframe").locator("table tbody td")
    cells.filter(has_text="Casablanca").first.wait_for(timeout=30_000)
    shown = cells.all_inner_texts()
    assert {"Casablanca", "Rabat", "Fès", "Tunis", "Alger", "Rabat-Salé-Kénitra"} <= set(shown)
    shot(page, "xloader-preview")


def test_a_csv_through_xloader_and_through_the_builtin_loader_gives_the_same_rows(
        site, monkeypatch, default_worker):
    """One CSV file, loaded by xloader, and by the built-in loader once
    ``builtin_formats`` names csv: the same rows, value for value (xloader's
    as text, the built-in loader's typed), in the same columns (xloader
    removes the accents from the header's names; the built-in loader keeps
    them)."""
    (site["folder"] / "villes.csv").write_text(
        "commune,code postal,population,surface,créée\n"
        "Bourg-en-Bresse,01000,41365,23.86,2026-11-30\n"
        "Sète,34200,44270,24.12,\n"
        "\"Évry, Courcouronnes\",91000,,0.5,2025-01-02\n", encoding="utf-8")
    theirs = add_resource(site, "villes.csv", "CSV")
    assert final_status(site, theirs["id"])["backend"] == "xloader"
    monkeypatch.setitem(tk.config, dpp_config.BUILTIN_FORMATS, "json xml csv")
    ours = add_resource(site, "villes.csv", "CSV")
    answer = api(site, "POST", "datapusher_plus_submit", resource_id=ours["id"])
    assert answer.status_code == 200, answer.text
    final = final_status(site, ours["id"])
    assert (final["status"], final["backend"]) == ("complete", "builtin"), final

    def text(value: Any) -> Any:
        if value in (None, ""):
            return None
        return str(value).replace("T00:00:00", "").replace(".000", "")

    def rows(resource_id: str) -> tuple[list[str], list[list[Any]]]:
        found = helpers.call_action("datastore_search", resource_id=resource_id, sort="_id")
        names = [f["id"] for f in found["fields"] if f["id"] != "_id"]
        return names, [[text(r[name]) for name in names] for r in found["records"]]
    (names, values), (their_names, their_values) = rows(ours["id"]), rows(theirs["id"])
    assert values == their_values and len(values) == 3
    assert values[2] == ["Évry, Courcouronnes", "91000", None, "0.5", "2025-01-02"]
    assert names == ["commune", "code postal", "population", "surface", "créée"]
    assert their_names == names[:4] + ["creee"]


# ------------------------------------------------- live causes (workers) ---


def cause_of(site: dict[str, Any], resource_id: str, code: str) -> Any:
    """The resource's status once its cause is ``code``, else None."""
    found = status(site, resource_id)
    return found if (found["cause"] or {}).get("code") == code else None


def test_a_push_waiting_for_a_missing_worker_says_so_until_one_starts(site, tmp_path):
    """No worker on xloader's queue nor on CKAN's default queue: xloader's
    own load of a new CSV and a JSON pushed through the API (the JSON/XML
    loader's) wait, and the status, the dashboard's list, an organization's
    list and the job page say that no worker listens, on which queue, and
    the command that starts one. Workers started, both loads complete and
    the cause is gone."""
    worker = site["worker"]
    stop_worker(worker["process"])  # SIGTERM: it deregisters at once
    default = None
    try:
        tabular_files.write_delimited(site["folder"] / "cities.csv")
        csv = add_resource(site, "cities.csv", "CSV")  # xloader queues its own load
        (site["folder"] / "villes.json").write_text(json.dumps([{"city": "Rabat"}]))
        pushed = add_resource(site, "villes.json", "JSON")
        answer = api(site, "POST", "datapusher_plus_submit", resource_id=pushed["id"])
        assert answer.status_code == 200, answer.text
        waiting = wait_for(lambda: cause_of(site, csv["id"], "no_worker"), timeout=30)
        assert waiting["status"] == "submitted", waiting
        assert waiting["cause"]["params"] == {"queue": QUEUE,
                                              "command": worker_command() + " " + QUEUE}
        assert QUEUE in waiting["cause"]["message"]
        assert waiting["cause"]["fix"] == "Start a worker on the queue “{}”: {} {}".format(
            QUEUE, worker_command(), QUEUE)
        json_waiting = cause_of(site, pushed["id"], "no_worker")
        assert json_waiting and json_waiting["backend"] == "builtin", status(site, pushed["id"])
        assert json_waiting["cause"]["params"] == {"queue": "default", "command": worker_command()}
        # the dicts the dashboard, an organization's tab and the job page show
        admin = factories.Sysadmin()
        listed = helpers.call_action("datapusher_plus_job_list", {"user": admin["name"]})
        assert {(job["resource_id"], job["cause"]["code"], job["cause"]["params"]["queue"])
                for job in listed["results"]} == {(csv["id"], "no_worker", QUEUE),
                                                  (pushed["id"], "no_worker", "default")}
        mine = helpers.call_action("datapusher_plus_job_list", {"user": site["editor"]["name"]},
                                   organization=site["org"]["id"])
        assert [job["cause"]["code"] for job in mine["results"]] == ["no_worker"] * 2
        shown = helpers.call_action("datapusher_plus_job_show", {"user": admin["name"]},
                                    id=listed["results"][0]["id"])
        assert shown["cause"]["code"] == "no_worker"
        assert [attempt["cause"]["code"] for attempt in shown["attempts"]] == ["no_worker"]
        worker["process"] = start_worker(worker["ini"], worker["log"], *WORKER_QUEUES)
        default = start_worker(worker["ini"], tmp_path / "default-worker.log", "default")
        for resource in (csv, pushed):
            final = final_status(site, resource["id"])
            assert (final["status"], final["cause"]) == ("complete", None), final
    finally:
        if worker["process"].poll() is not None:
            worker["process"] = start_worker(worker["ini"], worker["log"], *WORKER_QUEUES)
        if default is not None:
            stop_worker(default)


@pytest.mark.parametrize("killed", ["worker", "work-horse"])
def test_a_load_whose_worker_is_killed_ends_in_error_saying_so(site, slow_csv, monkeypatch,
                                                                killed):
    """SIGKILL in the middle of a load: the whole ``ckan jobs worker`` (it
    never tells RQ: its job reads started, its key lives on until RQ's TTL,
    its heartbeats stop), or its work-horse alone (the worker tells RQ).
    The job ends in ``error``, its cause ``worker_died``, instead of reading
    running until it is stuck."""
    resource = factories.Resource(package_id=site["dataset"]["id"], url=slow_csv["url"],
                                  format="CSV", name="villes.csv")
    assert slow_csv["requested"].wait(60), site["worker"]["log"].read_text()[-4000:]
    wait_for(lambda: status(site, resource["id"])["status"] == "running", timeout=30, step=0.2)
    process = site["worker"]["process"]
    horses = descendants(process.pid)
    assert horses, "the worker runs the load in a work-horse"
    try:
        for pid in horses + ([process.pid] if killed == "worker" else []):
            os.kill(pid, signal.SIGKILL)
        monkeypatch.setitem(tk.config, dpp_config.CHECK_AFTER, 1)
        monkeypatch.setattr(watch, "CHECK_EVERY", 1)
        if killed == "worker":
            process.wait(timeout=30)
            # heartbeats every 30 s: taken for dead after 45 s without, here 2
            monkeypatch.setattr(dpp_rq, "HEARTBEAT_LOST", 2)
        final = final_status(site, resource["id"], timeout=30)
    finally:
        if killed == "worker":
            for dead in Worker.all(connection=connect_to_redis()):  # it could not say it died
                if dead.pid == process.pid:
                    dead.register_death()
            site["worker"]["process"] = start_worker(site["worker"]["ini"], site["worker"]["log"],
                                                     *WORKER_QUEUES)
    # the whole worker: a guess (its key lives on), which its late report
    # could still overturn; the work-horse: RQ's own record
    assert (final["status"], final["error_type"]) == (
        "error", "worker_silent" if killed == "worker" else "worker_died"), final
    assert final["cause"]["code"] == "worker_died", final
    assert final["cause"]["title"] == "The worker died"
    if killed == "worker":
        assert "has not been heard of for" in final["error"], final["error"]
    else:  # RQ's own words (RQ 1.11: "Work-horse was terminated unexpectedly (…)")
        assert "erminated unexpectedly" in final["error"], final["error"]
    if killed == "work-horse":
        wait_for(worker_idle, timeout=30, step=0.2)  # the worker itself goes on
