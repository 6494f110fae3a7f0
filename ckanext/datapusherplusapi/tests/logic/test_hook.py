"""datapusher_plus_hook: the service's callback, through CKAN's API."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.tests.fake_service import Callback
from ckanext.datapusherplusapi.tests.helpers import (
    make_resource,
    member_of,
    submit,
    user_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

HOOK = "/api/3/action/datapusher_plus_hook"


def _callback(app, job, token, **body):
    payload = {"job_id": job["job_id"], "status": "complete",
               "metadata": {"resource_id": job["resource"]["id"]}, "error": None,
               "logs": [{"timestamp": "2026-11-24T10:00:00", "level": "INFO",
                         "message": "Successfully pushed 3 entries"}]}
    payload.update(body)
    return app.post(HOOK, json=payload, headers={"Authorization": token})


def _status(job):
    return helpers.call_action("datapusher_plus_status", resource_id=job["resource"]["id"])


def test_complete(app, pending_job):
    response = _callback(app, pending_job, pending_job["service"]["token"])
    assert response.status_code == 200, response.json
    assert response.json["result"] == {"job_id": pending_job["job_id"],
                                       "resource_id": pending_job["resource"]["id"],
                                       "status": "complete", "changed": True}
    status = _status(pending_job)
    assert status["status"] == "complete"
    assert status["finished"] and status["duration"] is not None
    assert status["logs"][0]["message"] == "Successfully pushed 3 entries"


def test_error_keeps_the_services_message(app, pending_job):
    error = {"message": "DataPusher received a bad HTTP response", "HTTP status code": 404,
             "Requested URL": "http://127.0.0.1:9/data.csv", "Response": "Not found"}
    _callback(app, pending_job, pending_job["service"]["token"], status="error", error=error)
    status = _status(pending_job)
    assert status["status"] == "error"
    assert status["error"] == "DataPusher received a bad HTTP response"
    assert status["error_type"] == "service_job_error"


def test_idempotent_and_first_result_wins(app, pending_job):
    token = pending_job["service"]["token"]
    assert _callback(app, pending_job, token).json["result"]["changed"] is True
    again = _callback(app, pending_job, token)
    assert again.status_code == 200 and again.json["result"]["changed"] is False
    late_error = _callback(app, pending_job, token, status="error", error={"message": "late"})
    assert late_error.json["result"]["status"] == "complete"
    assert _status(pending_job)["status"] == "complete"


def test_other_users_token_refused(app, pending_job):
    sysadmin = factories.Sysadmin()
    token = factories.APIToken(user=sysadmin["name"])["token"]
    assert _callback(app, pending_job, token).status_code == 403
    assert _callback(app, pending_job, user_with_token()["token"]).status_code == 403
    assert app.post(HOOK, json={"job_id": pending_job["job_id"]}).status_code == 403
    assert _status(pending_job)["status"] == "submitted"


def test_unknown_job(app, pending_job):
    response = _callback(app, dict(pending_job, job_id="not-our-job"),
                         pending_job["service"]["token"])
    assert response.status_code == 404


def test_body_naming_another_resource_is_refused(app, pending_job):
    other = make_resource()
    response = _callback(app, pending_job, pending_job["service"]["token"],
                         metadata={"resource_id": other["id"]})
    assert response.status_code == 409
    assert response.json["error"]["error_type"] == "callback_rejected"
    assert _status(pending_job)["status"] == "submitted"


def test_invalid_body(app, pending_job):
    response = _callback(app, pending_job, pending_job["service"]["token"], status="weird",
                         metadata="nope")
    assert response.status_code == 409
    assert set(response.json["error"]) >= {"status", "metadata"}


def test_running_when_the_service_writes_the_datastore(app, pending_job):
    """The service's first datastore_create marks the job running."""
    rid = pending_job["resource"]["id"]
    response = app.post("/api/3/action/datastore_create", json={
        "resource_id": rid, "force": True, "fields": [{"id": "a", "type": "text"}],
        "records": [{"a": "x"}]}, headers={"Authorization": pending_job["service"]["token"]})
    assert response.status_code == 200, response.json
    status = _status(pending_job)
    assert status["status"] == "running" and status["started"]


def test_fake_service_round_trip(app, service_user, fake_service, live_ckan):
    """The fake calls back as the real service does (token header, job dict)."""
    fake_service.callback = Callback(status="complete", times=2)
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    rid = make_resource(org)["id"]
    submit(app, rid, editor)
    fake_service.wait_callbacks(2)
    assert [r.status_code for r in fake_service.callbacks_sent] == [200, 200]
    assert [r.json()["result"]["changed"] for r in fake_service.callbacks_sent] == [True, False]
    assert helpers.call_action("datapusher_plus_status", resource_id=rid)["status"] == "complete"
