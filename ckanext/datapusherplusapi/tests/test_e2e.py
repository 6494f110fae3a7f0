"""End to end: the real DataPusher service loads a CSV into the DataStore.

CKAN is served over HTTP (``live_ckan``), the CSV by ``file_server``, and the
PyPI ``datapusher`` 0.0.17 service runs as a process (``real_service``).
"""
from __future__ import annotations

import pytest
import requests

import ckanapi
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
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
            "service": real_service}


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
