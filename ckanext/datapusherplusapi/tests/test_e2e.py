"""End to end: the real DataPusher service loads a CSV into the DataStore.

CKAN is served over HTTP (``live_ckan``), the CSV by ``file_server``, and the
PyPI ``datapusher`` 0.0.17 service runs as a process (``real_service``).
"""
from __future__ import annotations

import ckanapi
import pytest
import requests

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.tests import tabular_files
from ckanext.datapusherplusapi.tests.helpers import member_of, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("with_plugins", "clean_db")]

CSV = "city,population,founded\nRabat,577827,1146\nTunis,638845,-814\nAlger,2988145,944\n"


@pytest.fixture
def pipeline(service_user, real_service, live_ckan, file_server, monkeypatch):
    monkeypatch.setitem(tk.config, dpp_config.URL, real_service["url"])
    folder, base = file_server
    (folder / "cities.csv").write_text(CSV, encoding="utf-8")
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    dataset = factories.Dataset(owner_org=org["id"])
    resource = factories.Resource(package_id=dataset["id"], url=base + "/cities.csv",
                                  format="CSV", name="Cities")
    return {"ckan": live_ckan, "editor": editor, "resource": resource,
            "service": real_service, "folder": folder, "files": base}


def _status(pipeline):
    response = requests.get(
        "{}/api/3/action/datapusher_plus_status/{}".format(
            pipeline["ckan"], pipeline["resource"]["id"]),
        headers={"Authorization": pipeline["editor"]["token"]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_csv_lands_in_the_datastore(pipeline):
    rid = pipeline["resource"]["id"]
    response = requests.post(
        pipeline["ckan"] + "/api/3/action/datapusher_plus_submit",
        json={"resource_id": rid, "force": False},
        headers={"Authorization": pipeline["editor"]["token"]}, timeout=60)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["resource_id"] == rid

    final = wait_for(lambda: (lambda s: s if s["status"] in ("complete", "error") else None)(
        _status(pipeline)), timeout=60)
    log_text = pipeline["service"]["log"].read_text(errors="replace")[-3000:]
    assert final["status"] == "complete", (final, log_text)
    assert final["job_id"] == body["job_id"]
    assert final["error"] is None
    assert final["datastore_active"] is True
    messages = [line["message"] for line in final["logs"]]
    assert any("Fetching from" in m for m in messages), messages
    assert any("Successfully pushed 3 entries" in m for m in messages), messages

    records = helpers.call_action("datastore_search", resource_id=rid)["records"]
    assert [r["city"] for r in records] == ["Rabat", "Tunis", "Alger"]
    assert str(records[2]["population"]) == "2988145"


def test_ckanapi_remote(pipeline):
    """A real ckanapi client: results and CKAN's exceptions, as its users expect."""
    remote = ckanapi.RemoteCKAN(pipeline["ckan"], apikey=pipeline["editor"]["token"])
    rid = pipeline["resource"]["id"]
    submitted = remote.action.datapusher_plus_submit(resource_id=rid)
    assert submitted["resource_id"] == rid and submitted["job_id"]
    wait_for(lambda: remote.action.datapusher_plus_status(resource_id=rid)["status"]
             in ("complete", "error"), timeout=60)
    assert remote.action.datapusher_plus_status(resource_id=rid)["status"] == "complete"
    with pytest.raises(ckanapi.NotFound):
        remote.action.datapusher_plus_status(resource_id="no-such-resource")
    with pytest.raises(ckanapi.NotAuthorized):
        ckanapi.RemoteCKAN(pipeline["ckan"]).action.datapusher_plus_submit(resource_id=rid)
    helpers.call_action("resource_patch", id=rid, format="PDF")
    with pytest.raises(ckanapi.ValidationError) as raised:
        remote.action.datapusher_plus_submit(resource_id=rid)
    assert raised.value.error_dict["error_type"] == "unsupported_format"


def _submit(pipeline, resource_id):
    response = requests.post(
        pipeline["ckan"] + "/api/3/action/datapusher_plus_submit",
        json={"resource_id": resource_id}, headers={"Authorization": pipeline["editor"]["token"]},
        timeout=60)
    assert response.status_code == 200, response.text


def _status_of(pipeline, resource_id):
    response = requests.get(
        "{}/api/3/action/datapusher_plus_status/{}".format(pipeline["ckan"], resource_id),
        headers={"Authorization": pipeline["editor"]["token"]}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("fmt", ["TSV", "XLS"])
def test_the_other_formats_the_service_reads(pipeline, fmt):
    name = "cities." + fmt.lower()
    tabular_files.WRITERS[fmt](pipeline["folder"] / name)
    resource = factories.Resource(package_id=pipeline["resource"]["package_id"], format=fmt,
                                  url=pipeline["files"] + "/" + name)
    _submit(pipeline, resource["id"])
    final = wait_for(lambda: (lambda s: s if s["status"] in ("complete", "error") else None)(
        _status_of(pipeline, resource["id"])), timeout=60)
    assert final["status"] == "complete", final
    records = helpers.call_action("datastore_search", resource_id=resource["id"])["records"]
    assert [r["city"] for r in records] == ["Casablanca", "Rabat", "Fès", "Tunis", "Alger"]
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert [v["view_type"] for v in views] == ["datatables_view"]


@pytest.mark.once
@pytest.mark.ckan_config(dpp_config.FORMATS, "csv xlsx json")
@pytest.mark.ckan_config(dpp_config.BUILTIN_FORMATS, "")  # JSON to the service, for this test
@pytest.mark.ckan_config(dpp_config.CHECK_AFTER, 5)  # the default's 20 s, sooner
def test_jobs_the_service_fails_silently_end_in_error_within_a_minute(pipeline):
    """DataPusher 0.0.17 fails on an XLSX, a JSON and a missing file inside its
    own error path: it never calls back and its records keep the job
    "pending".  Reading the status asks the service after ``check_after``
    seconds of silence; a second question as far apart (and at least the
    throttle's 15 s) with nothing new ends the job with the service's last
    words (and the file's HTTP status)."""
    folder = pipeline["folder"]
    tabular_files.write_xlsx(folder / "cities.xlsx")
    (folder / "cities.json").write_text('[{"city": "Rabat", "population": 577827}]')
    made = {name: factories.Resource(package_id=pipeline["resource"]["package_id"],
                                     format=name.rsplit(".", 1)[1].upper(),
                                     url=pipeline["files"] + "/" + name)
            for name in ("cities.xlsx", "cities.json", "missing.csv")}
    for resource in made.values():
        _submit(pipeline, resource["id"])

    def all_ended():
        states = {name: _status_of(pipeline, r["id"]) for name, r in made.items()}
        return states if all(s["status"] not in ("submitting", "submitted", "running")
                             for s in states.values()) else None

    final = wait_for(all_ended, timeout=60, step=3)  # as the tab polls: every 3 s
    for name, state in final.items():
        assert state["status"] == "error", (name, state)
        assert state["error_type"] == "service_silent", (name, state)
        assert "its last log line: \u201cFetching from: {}/{}\u201d".format(
            pipeline["files"], name) in state["error"], (name, state)
    assert final["missing.csv"]["error"].endswith("The file answers HTTP 404 File not found.")
    assert "HTTP" not in final["cities.xlsx"]["error"]
    # the missing file's cause is its download; the others', the silence
    assert {name: (state["cause"]["code"], state["cause"]["params"])
            for name, state in final.items()} == {
        "missing.csv": ("download_failed", {"detail": "http_404"}),
        "cities.xlsx": ("silent", {}), "cities.json": ("silent", {})}


@pytest.mark.ckan_config(dpp_config.CHECK_AFTER, 5)
def test_a_token_ckan_refuses_ends_in_error_with_its_cause(pipeline, monkeypatch):
    """The token the service acts with is one CKAN does not know: the service
    reads the public resource, its DataStore write and its report are refused
    (HTTP 403), and it records "Process completed but unable to post to
    result_url", which the question after ``check_after`` reads."""
    monkeypatch.setitem(tk.config, dpp_config.API_TOKEN, "not-a-token")
    _submit(pipeline, pipeline["resource"]["id"])
    final = wait_for(lambda: (lambda s: s if s["status"] in ("complete", "error") else None)(
        _status(pipeline)), timeout=60, step=1)
    assert (final["status"], final["error"]) == (
        "error", "Process completed but unable to post to result_url"), final
    assert (final["cause"]["code"], final["cause"]["params"]) == (
        "callback_refused", {"option": "ckanext.datapusher_plus.api_token"}), final["cause"]
    assert "Set ckanext.datapusher_plus.api_token to the API token of an active sysadmin" \
        in final["cause"]["fix"]
