"""Cancel (``datapusher_plus_job_cancel``) where the loader cannot stop a load:
the DataPusher service.  A job it has not started may be cancelled (its late
result is ignored); a running one is refused, goes on, and no page offers
Cancel for it."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.datapusherplusapi import helpers as dpp_helpers
from ckanext.datapusherplusapi import lifecycle
from ckanext.datapusherplusapi.tests.helpers import auth, sysadmin_with_token

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

CANCEL_URL = "/api/3/action/datapusher_plus_job_cancel"


def _status(resource_id):
    return helpers.call_action("datapusher_plus_status", resource_id=resource_id)


def _job_page_cancel_forms(app, job_id, user):
    response = app.get("/ckan-admin/datapusher-plus/jobs/" + job_id, headers=auth(user))
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [form for form in page.find_all("form") if form["action"].endswith("/cancel")]


def test_a_running_service_load_cannot_be_cancelled_and_goes_on(app, pending_job):
    job_id, resource_id = pending_job["job_id"], pending_job["resource"]["id"]
    assert lifecycle.running(model.Session, job_id)  # the service started writing
    admin = sysadmin_with_token()
    assert _job_page_cancel_forms(app, job_id, admin) == []  # no Cancel offered

    response = app.post(CANCEL_URL, json={"id": job_id}, headers=auth(pending_job["editor"]))
    assert response.status_code == 409 or response.status_code == 400, response.json
    assert response.json["success"] is False
    assert "DataPusher service cannot stop a load it has started" in str(response.json["error"])
    with pytest.raises(tk.ValidationError) as refused:
        helpers.call_action("datapusher_plus_job_cancel", {"user": admin["name"]}, id=job_id)
    assert refused.value.error_dict["id"] == [
        "DataPusher service cannot stop a load it has started: this push goes on until it "
        "ends, and cannot be cancelled"]
    assert _status(resource_id)["status"] == "running"

    # It goes on: the service's result is recorded as it comes.
    assert lifecycle.report(model.Session, job_id, lifecycle.News("complete"))
    assert _status(resource_id)["status"] == "complete"


def test_a_service_job_not_started_may_be_cancelled(app, pending_job):
    job_id, resource_id = pending_job["job_id"], pending_job["resource"]["id"]
    admin = sysadmin_with_token()
    assert len(_job_page_cancel_forms(app, job_id, admin)) == 1
    response = app.post(CANCEL_URL, json={"id": job_id}, headers=auth(pending_job["editor"]))
    assert response.status_code == 200, response.json
    assert response.json["result"]["status"] == "cancelled"
    # its late result is ignored
    assert not lifecycle.report(model.Session, job_id, lifecycle.News("complete"))
    assert _status(resource_id)["status"] == "cancelled"


@pytest.mark.parametrize("backend, status, offered", [
    ("service", "submitting", True), ("service", "submitted", True),
    ("service", "running", False), ("service", "complete", False),
    ("builtin", "submitted", True), ("builtin", "running", True),
    ("builtin", "cancelled", False),
    # a loader this portal no longer runs: only the record changes
    ("xloader", "running", True),
])
def test_the_template_helper_says_when_cancel_is_offered(backend, status, offered):
    assert dpp_helpers.datapusherplusapi_can_cancel(
        {"backend": backend, "status": status}) is offered
    assert "datapusherplusapi_can_cancel" in dpp_helpers.__all__


@pytest.mark.parametrize("lang, words", [
    ("en", "DataPusher service cannot stop a load it has started: this push goes on"),
    ("fr", "DataPusher service ne peut pas arrêter un chargement commencé : cet envoi se "
           "poursuit"),
    ("ar", "لا يستطيع \u2066DataPusher service\u2069 إيقاف تحميل بدأ"),
])
def test_a_cancel_from_a_page_opened_before_the_load_started_is_refused(app, pending_job, lang,
                                                                       words):
    """The job page was opened while the job was pending (Cancel offered);
    the service has started since: the cancel answers why not, in the
    reader's language, and the job runs on."""
    job_id = pending_job["job_id"]
    admin = sysadmin_with_token()
    client = app.test_client()
    url = ("" if lang == "en" else "/" + lang) + "/ckan-admin/datapusher-plus/jobs/" + job_id
    opened = BeautifulSoup(client.get(url, headers=auth(admin)).get_data(as_text=True),
                           "html.parser")
    assert opened.find("form", action=url + "/cancel")
    token = opened.find("input", attrs={"name": "_csrf_token"})["value"]
    assert lifecycle.running(model.Session, job_id)
    response = client.post(url + "/cancel", headers={"HX-Request": "true", **auth(admin)},
                           data={"_csrf_token": token, "job": job_id})
    assert response.status_code == 200
    part = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="dpp-job")
    assert words in part.find(role="status").get_text(), part.find(role="status")
    assert part["data-dpp-status"] == "running"
    assert not part.find("form", action=url + "/cancel")  # no Cancel offered any more
