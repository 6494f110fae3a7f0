"""Our actions chained on a loader's (``logic/action/chains.py``), in-process:
what we record, and that an error of ours never fails the loader's action."""
from __future__ import annotations

import datetime
import json

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import lifecycle, messages
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests.helpers import make_resource

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins",
                            "datapusherplusapi xloader datastore datapusherplusapi_nosolr"),
    pytest.mark.ckan_config(dpp_config.BACKEND, "xloader"),
    pytest.mark.ckan_config("ckanext.xloader.api_token", "a-token"),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


def _xloader_task(resource_id: str, job_id: object, state: str = "pending") -> None:
    """xloader's record of a load (its task_status row), as its tests write it."""
    helpers.call_action("task_status_update", entity_id=resource_id, entity_type="resource",
                        task_type="xloader", key="xloader", state=state,
                        value=json.dumps({"job_id": job_id}),
                        last_updated=str(datetime.datetime.utcnow()))


def _resource() -> dict:
    """A resource xloader does not load by itself (it would record a load of
    its own as the resource is created)."""
    return make_resource(format="PDF", url="http://127.0.0.1:9/file.pdf")


def _jobs(resource_id: str) -> list[Job]:
    model.Session.remove()
    return list(model.Session.execute(sa.select(Job).where(Job.resource_id == resource_id))
                .scalars())


def test_a_load_xloader_started_with_a_numeric_job_id_is_recorded_as_running():
    resource = _resource()
    _xloader_task(resource["id"], 123)
    helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                        status="running")
    [job] = _jobs(resource["id"])
    assert (job.status, job.service_job_id, job.origin) == ("running", "123", "loader")


def test_an_error_of_ours_never_fails_xloaders_hook(monkeypatch):
    resource = _resource()
    _xloader_task(resource["id"], "rq-job-1")
    helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                        status="pending")
    [job] = _jobs(resource["id"])
    assert job.status == "submitted"

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")
    monkeypatch.setattr(lifecycle, "report", broken)
    helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                        status="running")  # raises nothing
    task = helpers.call_action("task_status_show", entity_id=resource["id"],
                               task_type="xloader", key="xloader")
    assert task["state"] == "running"  # xloader's own work went through
    [job] = _jobs(resource["id"])
    assert job.status == "submitted"
    assert job.logs[-1]["message"] == (
        "DataPusher+ could not record xloader's report (running): RuntimeError")


def test_a_late_report_of_a_cancelled_load_records_no_new_job():
    resource = _resource()
    _xloader_task(resource["id"], "rq-job-1")
    helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                        status="running")
    [job] = _jobs(resource["id"])
    admin = factories.Sysadmin()
    helpers.call_action("datapusher_plus_job_cancel", {"user": admin["name"]}, id=job.id)
    # The load was not stopped (RQ does not know it here): it reports on, then ends.
    for state in ("running_but_viewable", "complete"):
        helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                            status=state)
    assert [(j.status, j.service_job_id) for j in _jobs(resource["id"])] == [
        ("cancelled", "rq-job-1")]
    status = helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
    assert status["status"] == "cancelled" and status["job_id"] == "rq-job-1"
    # A new load of xloader's (a job id of its own) is recorded as before.
    _xloader_task(resource["id"], "rq-job-2")
    helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                        status="running")
    assert sorted((j.status, j.service_job_id) for j in _jobs(resource["id"])) == [
        ("cancelled", "rq-job-1"), ("running", "rq-job-2")]


BYTES_ERROR = ("b'Xloader received a bad HTTP response when trying to download the data file "
               "status=500 url=http://127.0.0.1:9/file.pdf response=500 Server Error: "
               "Internal Server Error for url: http://127.0.0.1:9/file.pdf'")


def test_an_error_written_as_a_bytes_literal_is_recorded_as_text():
    resource = _resource()
    _xloader_task(resource["id"], "rq-job-1")
    helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                        status="running")
    helpers.call_action("xloader_hook", metadata={"resource_id": resource["id"]},
                        status="error", error=BYTES_ERROR)
    [job] = _jobs(resource["id"])
    assert job.error == BYTES_ERROR[2:-1]  # the row holds the text
    status = helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
    assert status["error"].startswith("Xloader received a bad HTTP response"), status["error"]


def test_an_old_row_with_a_bytes_literal_reads_as_text():
    assert messages.render(BYTES_ERROR, None) == BYTES_ERROR[2:-1]
    assert messages.render(BYTES_ERROR, None, raw=True) == BYTES_ERROR[2:-1]
    accents = "b'Fichier introuvable : \\xc3\\xa9t\\xc3\\xa9.csv'"
    assert messages.render(accents, None) == "Fichier introuvable : été.csv"
    # text that only looks like one stays as it is
    assert messages.render("b'half", None) == "b'half"
    assert messages.render("b'a' and b'b'", None) == "b'a' and b'b'"
