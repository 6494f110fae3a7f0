"""Our actions chained on a loader's (``logic/action/chains.py``), in-process:
what we record, and that an error of ours never fails the loader's action."""
from __future__ import annotations

import datetime
import json

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import lifecycle
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
