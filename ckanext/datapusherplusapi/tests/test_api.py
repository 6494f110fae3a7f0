"""The specification's JSON API, through the application, against the fake service.

Each curl example of the specification is sent as written:
same URL, same headers, same body.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.backends import service
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.tests.fake_service import Answer, Callback
from ckanext.datapusherplusapi.tests.helpers import (
    STATUS_URL,
    SUBMIT_URL,
    auth,
    free_port,
    make_resource,
    member_of,
    submit,
    sysadmin_with_token,
    user_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def publisher(service_user, fake_service, live_ckan):
    """An editor of an organization with a CSV resource, and the fake service
    calling back when a job ends."""
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org)
    fake_service.callback = Callback()
    return {"org": org, "editor": editor, "resource": resource, "fake": fake_service}


class TestSeedExamples:
    def test_submit_curl_example(self, app, publisher):
        """curl -X POST .../datapusher_plus_submit -H "Content-Type: application/json"
        -H "Authorization: your-api-key" -d '{"resource_id": ..., "force": false}'"""
        rid = publisher["resource"]["id"]
        publisher["fake"].callback = None  # the job stays as the service took it
        response = app.post(
            SUBMIT_URL,
            headers={"Content-Type": "application/json",
                     "Authorization": publisher["editor"]["token"]},
            data=json.dumps({"resource_id": rid, "force": False}))
        assert response.status_code == 200
        body = response.json
        assert body["success"] is True
        assert body["message"] == "File submitted successfully to DataPusher+"
        assert body["resource_id"] == rid
        assert body["job_id"]
        assert body["result"]["job_id"] == body["job_id"]
        assert body["result"]["resource_id"] == rid
        assert body["status"] == body["result"]["status"] == "submitted"
        # The service got the protocol's job, under the id we answered.
        post = publisher["fake"].job_posts()[0]
        assert post["path"] == "/job/" + body["job_id"]
        assert post["json"]["job_type"] == "push_to_datastore"
        assert post["json"]["metadata"]["resource_id"] == rid
        assert post["json"]["result_url"].endswith("/api/3/action/datapusher_plus_hook")

    def test_submit_message_in_french(self, app, publisher):
        """The specification's French sentence is the fr translation."""
        rid = publisher["resource"]["id"]
        response = app.post("/fr" + SUBMIT_URL, json={"resource_id": rid},
                            headers=auth(publisher["editor"]))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["message"] == "Fichier soumis avec succès au datapusher plus"

    def test_status_curl_example(self, app, publisher):
        """curl .../datapusher_plus_status/<resource_id> -H "Authorization: your-api-key" """
        rid = publisher["resource"]["id"]
        submitted = submit(app, rid, publisher["editor"])
        publisher["fake"].wait_callbacks()
        response = app.get(STATUS_URL + "/" + rid,
                           headers={"Authorization": publisher["editor"]["token"]})
        assert response.status_code == 200
        body = response.json
        assert body["success"] is True
        assert body["resource_id"] == rid
        assert body["status"] == "complete"
        assert body["job_id"] == submitted["job_id"]
        assert body["resource_url"] == publisher["resource"]["url"]
        # ISO 8601, in UTC, the moment the job was recorded
        submitted_at = tk.h.date_str_to_datetime(body["submitted"])
        job = model.Session.get(Job, submitted["job_id"])
        assert submitted_at == job.submitted_at
        assert body["last_updated"] and body["error"] is None
        assert body["logs"] and "Fetching from" in body["logs"][0]["message"]
        # result repeats the answer for CKAN's clients, all but the log
        assert body["result"] == {k: v for k, v in body.items()
                                  if k not in ("success", "result", "logs")}

    def test_error_shape(self, app, publisher):
        """{"success": false, "error": "Description de l'erreur"}"""
        response = app.post(SUBMIT_URL, json={}, headers=auth(publisher["editor"]))
        assert response.status_code == 400
        assert response.json == {"success": False, "error": "resource_id: Missing value",
                                 "error_type": "validation_error"}


class TestStatusForms:
    def test_not_submitted(self, app, publisher):
        rid = publisher["resource"]["id"]
        body = app.get(STATUS_URL + "/" + rid, headers=auth(publisher["editor"])).json
        assert body["status"] == "not_submitted"
        assert body["job_id"] is None and body["submitted"] is None

    def test_query_string_and_post(self, app, publisher):
        rid = publisher["resource"]["id"]
        submit(app, rid, publisher["editor"])
        by_query = app.get(STATUS_URL, query_string={"resource_id": rid},
                           headers=auth(publisher["editor"])).json
        by_post = app.post(STATUS_URL, json={"resource_id": rid},
                           headers=auth(publisher["editor"])).json
        assert by_query["job_id"] == by_post["job_id"]
        assert by_query["success"] and by_post["success"]

    def test_resource_fields_as_resource_show_gives_them(self, app, publisher):
        """The status reads the resource without CKAN's dictization: an
        upload's URL is still its download URL, ``datastore_active`` is the
        resource's own."""
        org = publisher["org"]
        upload = make_resource(org, url="My Data (2026).csv", url_type="upload")
        helpers.call_action("resource_patch", id=upload["id"], datastore_active=True)
        shown = helpers.call_action("resource_show", id=upload["id"])
        body = app.get(STATUS_URL + "/" + upload["id"], headers=auth(publisher["editor"])).json
        assert shown["url"].startswith("http") and "/download/" in shown["url"]
        assert body["resource_url"] == shown["url"]
        assert body["datastore_active"] is True
        plain = app.get(STATUS_URL + "/" + publisher["resource"]["id"]).json
        assert plain["resource_url"] == publisher["resource"]["url"]
        assert plain["datastore_active"] is False

    def test_deleted_resource_or_dataset_is_not_found(self, app, publisher):
        rid = publisher["resource"]["id"]
        other = make_resource(publisher["org"])
        helpers.call_action("resource_delete", id=rid)
        helpers.call_action("package_delete", id=other["package_id"])
        for resource_id in (rid, other["id"]):
            response = app.get(STATUS_URL + "/" + resource_id, headers=auth(publisher["editor"]))
            assert response.status_code == 404, response.get_data(as_text=True)
            assert response.json["error_type"] == "not_found"

    def test_ckan_envelope_form(self, app, publisher):
        """/api/action/<name> stays CKAN's own API, with CKAN's envelope."""
        rid = publisher["resource"]["id"]
        response = app.post("/api/action/datapusher_plus_submit", json={"resource_id": rid},
                            headers=auth(publisher["editor"]))
        assert response.status_code == 200
        assert response.json["success"] is True
        assert response.json["result"]["resource_id"] == rid
        status = app.get("/api/action/datapusher_plus_status", query_string={"resource_id": rid},
                         headers=auth(publisher["editor"])).json
        assert set(status) >= {"help", "success", "result"}
        assert status["result"]["job_id"] == response.json["result"]["job_id"]

    def test_ckan_envelope_errors(self, app, publisher):
        missing = app.get("/api/action/datapusher_plus_status",
                          query_string={"resource_id": "nope"}, headers=auth(publisher["editor"]))
        assert missing.status_code == 404
        assert missing.json["error"]["__type"] == "Not Found Error"
        rid = publisher["resource"]["id"]
        forbidden = app.post("/api/action/datapusher_plus_submit", json={"resource_id": rid},
                             headers=auth(user_with_token()))
        assert forbidden.status_code == 403
        assert forbidden.json["error"]["__type"] == "Authorization Error"
        helpers.call_action("resource_patch", id=rid, format="PDF")
        invalid = app.post("/api/action/datapusher_plus_submit", json={"resource_id": rid},
                           headers=auth(publisher["editor"]))
        assert invalid.status_code == 409
        assert invalid.json["error"]["__type"] == "Validation Error"
        assert invalid.json["error"]["error_type"] == "unsupported_format"


class TestErrors:
    def test_400_invalid_json(self, app, publisher):
        response = app.post(SUBMIT_URL, data="{not json", headers=dict(
            auth(publisher["editor"]), **{"Content-Type": "application/json"}))
        assert response.status_code == 400
        assert response.json["error_type"] == "invalid_json"

    def test_400_unknown_package(self, app, publisher):
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 400,
                      package_id="no-such-dataset")
        assert body["error_type"] == "package_mismatch"
        assert "no-such-dataset" in body["error"]

    def test_400_package_mismatch(self, app, publisher):
        other = factories.Dataset(owner_org=publisher["org"]["id"])
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 400,
                      package_id=other["name"])
        assert body["error_type"] == "package_mismatch"

    def test_package_id_matching(self, app, publisher):
        resource = publisher["resource"]
        body = submit(app, resource["id"], publisher["editor"], 200,
                      package_id=resource["package_id"])
        assert body["success"] is True

    def test_400_unsupported_format(self, app, publisher):
        helpers.call_action("resource_patch", id=publisher["resource"]["id"], format="PDF")
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 400)
        assert body["error_type"] == "unsupported_format"
        assert body["error"] == ("Unsupported format PDF: this portal loads "
                                 "CSV, TSV, XLS, JSON, JSONL, NDJSON, GEOJSON, XML")
        assert publisher["fake"].job_posts() == []

    def test_format_from_url_extension(self, app, publisher):
        helpers.call_action("resource_patch", id=publisher["resource"]["id"], format="",
                            url="http://127.0.0.1:9/table.tsv")
        assert submit(app, publisher["resource"]["id"], publisher["editor"])["success"]

    @pytest.mark.ckan_config(dpp_config.MAX_FILE_SIZE, 1)
    def test_400_too_large_by_size(self, app, publisher):
        helpers.call_action("resource_patch", id=publisher["resource"]["id"], size=2_500_000)
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 400)
        assert body["error_type"] == "file_too_large"
        assert "2.5 MB" in body["error"] and "1 MB" in body["error"]

    @pytest.mark.ckan_config(dpp_config.MAX_FILE_SIZE, 1)
    def test_400_too_large_by_head(self, app, publisher, file_server):
        folder, base = file_server
        (folder / "big.csv").write_bytes(b"a,b\n" + b"1,2\n" * 400_000)
        helpers.call_action("resource_patch", id=publisher["resource"]["id"],
                            url=base + "/big.csv")
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 400)
        assert body["error_type"] == "file_too_large"
        assert "1.6 MB" in body["error"]

    def test_403_anonymous(self, app, publisher):
        response = app.post(SUBMIT_URL, json={"resource_id": publisher["resource"]["id"]})
        assert response.status_code == 403
        assert response.json["error_type"] == "not_authorized"
        assert response.json["error"] == ("This needs a signed-in user: send your API token "
                                          "in the Authorization header")
        french = app.post("/fr" + SUBMIT_URL, json={"resource_id": publisher["resource"]["id"]})
        assert french.status_code == 403
        assert french.json["error"].startswith("Cette action demande un utilisateur connecté")

    def test_404_unknown_resource(self, app, publisher):
        body = submit(app, "12345678-1234-1234-1234-123456789012", publisher["editor"], 404)
        assert body == {"success": False, "error": "Resource not found",
                        "error_type": "not_found"}
        status = app.get(STATUS_URL + "/12345678-1234-1234-1234-123456789012",
                         headers=auth(publisher["editor"]))
        assert status.status_code == 404
        assert status.json == body

    def test_409_job_active_then_force(self, app, service_user, fake_service, live_ckan):
        fake_service.callback = None  # the job stays pending
        org = factories.Organization()
        editor = member_of(org["id"], "editor")
        rid = make_resource(org)["id"]
        first = submit(app, rid, editor)
        assert first["result"]["status"] == "submitted"
        conflict = submit(app, rid, editor, 409)
        assert conflict["error_type"] == "job_active"
        assert conflict["error"].startswith("A push of this resource is waiting for its loader")
        assert conflict["error"].endswith("Wait for it, or push it again with force.")
        french = app.post("/fr" + SUBMIT_URL, json={"resource_id": rid}, headers=auth(editor))
        assert french.status_code == 409
        assert french.json["error"].startswith("Un envoi de cette ressource attend son chargeur")
        assert "submitted" not in french.json["error"]  # no status code inside the sentence
        forced = submit(app, rid, editor, 200, force=True)
        assert forced["job_id"] != first["job_id"]
        assert fake_service.job_posts()[-1]["json"]["metadata"]["ignore_hash"] is True
        status = app.get(STATUS_URL + "/" + rid, headers=auth(editor)).json
        # The refused (409) submission created no job: the active one was the record.
        assert status["job_id"] == forced["job_id"] and status["attempt"] == 2
        first_status = helpers.call_action("datapusher_plus_status", resource_id=rid)
        assert first_status["status"] == "submitted"

    def test_502_service_down(self, app, service_user, monkeypatch):
        monkeypatch.setitem(tk.config, dpp_config.URL, "http://127.0.0.1:{}".format(free_port()))
        org = factories.Organization()
        editor = member_of(org["id"], "editor")
        rid = make_resource(org)["id"]
        body = submit(app, rid, editor, 502)
        assert body["error_type"] == "service_error"
        assert "unreachable" in body["error"] and "4 tries" in body["error"]
        # Nothing lost: the failed submission is recorded with its reason.
        status = app.get(STATUS_URL + "/" + rid, headers=auth(editor)).json
        assert status["status"] == "error"
        assert status["error_type"] == "service_error"
        assert "unreachable" in status["error"]
        # ... and does not block the next try.
        monkeypatch.setitem(tk.config, dpp_config.URL, "http://127.0.0.1:{}".format(free_port()))
        assert submit(app, rid, editor, 502)["error_type"] == "service_error"

    def test_502_service_error_answer(self, app, publisher):
        publisher["fake"].script(Answer(status=500, body={"error": "boom"}))
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 502)
        assert body["error_type"] == "service_error"
        assert "HTTP 500" in body["error"] and "boom" in body["error"]
        assert len(publisher["fake"].job_posts()) == 1  # 500 is not retried

    def test_502_answer_without_job_id(self, app, publisher):
        publisher["fake"].script(Answer(status=200, body={"job_key": "x"}))
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 502)
        assert "job_id" in body["error"]

    def test_502_malformed_json(self, app, publisher):
        publisher["fake"].script(Answer(status=200, body="{oops"))
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 502)
        assert body["error_type"] == "service_error"

    @pytest.mark.ckan_config(dpp_config.TIMEOUT, 1)
    @pytest.mark.ckan_config(dpp_config.MAX_RETRIES, 1)
    def test_504_service_timeout(self, app, publisher):
        publisher["fake"].script(Answer(delay=2.5), Answer(delay=2.5))
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 504)
        assert body["error_type"] == "service_timeout"
        assert "timed out" in body["error"] and "2 tries" in body["error"]
        status = app.get(STATUS_URL + "/" + publisher["resource"]["id"],
                         headers=auth(publisher["editor"])).json
        assert status["status"] == "error" and status["error_type"] == "service_timeout"

    def test_500_internal(self, app, publisher, monkeypatch):

        def broken(*args, **kwargs):
            raise RuntimeError("unexpected")
        monkeypatch.setattr(service, "submit_job", broken)
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 500)
        assert body == {"success": False, "error": "Internal server error",
                        "error_type": "internal_error"}
        status = app.get(STATUS_URL + "/" + publisher["resource"]["id"],
                         headers=auth(publisher["editor"])).json
        assert status["status"] == "error" and status["error_type"] == "internal_error"

    def test_no_secret_in_answers(self, app, publisher, service_user):
        rid = publisher["resource"]["id"]
        submitted = app.post(SUBMIT_URL, json={"resource_id": rid},
                             headers=auth(publisher["editor"])).get_data(as_text=True)
        publisher["fake"].wait_callbacks()
        status = app.get(STATUS_URL + "/" + rid, headers=auth(publisher["editor"])).get_data(
            as_text=True)
        job_key = next(iter(publisher["fake"].jobs.values()))["job_key"]
        for text in (submitted, status):
            assert service_user["token"] not in text
            assert job_key not in text


class TestDebugLogging:
    @pytest.mark.ckan_config(dpp_config.DEBUG, True)
    def test_summaries_without_secrets(self, app, publisher, service_user, caplog):
        logger = logging.getLogger("ckanext.datapusherplusapi")
        logger.addHandler(caplog.handler)
        try:
            caplog.set_level(logging.DEBUG, logger="ckanext.datapusherplusapi")
            publisher["fake"].script(Answer(status=503))
            submit(app, publisher["resource"]["id"], publisher["editor"])
        finally:
            logger.removeHandler(caplog.handler)
        text = caplog.text
        assert "DataPusher+ POST {}/job/".format(publisher["fake"].url) in text
        assert "-> 200 in" in text
        assert service_user["token"] not in text
        job_key = next(iter(publisher["fake"].jobs.values()))["job_key"]
        assert job_key not in text

    def test_quiet_by_default(self, app, publisher, caplog):
        caplog.set_level(logging.DEBUG, logger="ckanext.datapusherplusapi")
        logger = logging.getLogger("ckanext.datapusherplusapi")
        logger.addHandler(caplog.handler)
        try:
            submit(app, publisher["resource"]["id"], publisher["editor"])
        finally:
            logger.removeHandler(caplog.handler)
        assert "DataPusher+ POST" not in caplog.text


class TestRetries:
    def test_fails_then_succeeds(self, app, publisher):
        publisher["fake"].script(Answer(status=503), Answer(status=502),
                                 Answer(status=429, headers={"Retry-After": "0"}))
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 200)
        assert body["success"] is True
        assert len(publisher["fake"].job_posts()) == 4

    def test_connection_dropped_then_succeeds(self, app, publisher):
        publisher["fake"].script(Answer(drop=True))
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 200)
        assert body["success"] is True
        assert len(publisher["fake"].job_posts()) == 2

    def test_fails_past_max_retries(self, app, publisher):
        publisher["fake"].script(*[Answer(status=503)] * 4)
        body = submit(app, publisher["resource"]["id"], publisher["editor"], 502)
        assert body["error_type"] == "service_error" and "503" in body["error"]
        assert len(publisher["fake"].job_posts()) == 4  # 1 + max_retries (3)

    @pytest.mark.ckan_config(dpp_config.MAX_RETRIES, 0)
    def test_no_retries(self, app, publisher):
        publisher["fake"].script(Answer(status=503))
        submit(app, publisher["resource"]["id"], publisher["editor"], 502)
        assert len(publisher["fake"].job_posts()) == 1


class TestAuth:
    def test_who_may_submit(self, app, service_user, fake_service, live_ckan):
        org = factories.Organization()
        rid = make_resource(org)["id"]
        other_org = factories.Organization()
        expectations = [
            (user_with_token(), 403),  # logged in, not a member
            (member_of(org["id"], "member"), 403),
            (member_of(other_org["id"], "editor"), 403),
            (member_of(org["id"], "editor"), 200),
            (member_of(org["id"], "admin"), 200),
            (sysadmin_with_token(), 200),
        ]
        for user, status in expectations:
            body = submit(app, rid, user, status, force=True)
            assert body["success"] is (status == 200)

    def test_private_dataset_status(self, app, service_user, fake_service, live_ckan):
        org = factories.Organization()
        rid = make_resource(org, private=True)["id"]
        url = STATUS_URL + "/" + rid
        assert app.get(url).status_code == 403
        assert app.get(url, headers=auth(user_with_token())).status_code == 403
        assert app.get(url, headers=auth(member_of(org["id"], "member"))).status_code == 200

    def test_public_dataset_status_anonymous(self, app, service_user):
        rid = make_resource()["id"]
        response = app.get(STATUS_URL + "/" + rid)
        assert response.status_code == 200 and response.json["status"] == "not_submitted"

    @pytest.mark.ckan_config("apitoken_header_name", "X-CKAN-API-Key")
    def test_x_ckan_api_key_header(self, app, publisher):
        """The token header is CKAN's (apitoken_header_name), as in core's API."""
        response = app.post(SUBMIT_URL, json={"resource_id": publisher["resource"]["id"]},
                            headers={"X-CKAN-API-Key": publisher["editor"]["token"]})
        assert response.status_code == 200


class TestCsrf:
    def _login(self, client, user):
        page = client.get("/user/login")
        token = BeautifulSoup(page.get_data(as_text=True), "html.parser").find(
            "input", {"name": "_csrf_token"})["value"]
        response = client.post("/user/login", data={
            "login": user["name"], "password": "correct123", "_csrf_token": token},
            follow_redirects=False)
        # signed in: sent on (a wrong password shows the form again, 200)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert "/user/login" not in response.headers["Location"]

    def test_cookie_post_needs_csrf_token(self, app, publisher):
        org = publisher["org"]
        editor = factories.User(password="correct123")
        helpers.call_action("organization_member_create", id=org["id"],
                            username=editor["name"], role="editor")
        client = app.test_client()
        self._login(client, editor)
        token = BeautifulSoup(client.get("/dashboard/datasets").get_data(as_text=True),
                              "html.parser").find("meta", {"name": "_csrf_token"})["content"]
        rid = publisher["resource"]["id"]
        refused = client.post(SUBMIT_URL, json={"resource_id": rid})
        assert refused.status_code == 400
        assert refused.json["error_type"] == "csrf_error"
        accepted = client.post(SUBMIT_URL, json={"resource_id": rid},
                               headers={"X-CSRFToken": token})
        assert accepted.status_code == 200, accepted.get_data(as_text=True)

    def test_every_state_changing_action_refuses_a_cookie_post_without_token(
            self, app, pending_job):
        """On every CKAN version (2.12.0's API view lets such a POST through to
        the action): refused for CSRF, not for authorization, and nothing
        changes; the same POST with the page's token goes through."""

        admin = factories.Sysadmin(password="correct123")
        client = app.test_client()
        self._login(client, admin)
        token = BeautifulSoup(client.get("/dashboard/datasets").get_data(as_text=True),
                              "html.parser").find("meta", {"name": "_csrf_token"})["content"]
        job_id, rid = pending_job["job_id"], pending_job["resource"]["id"]
        calls = [
            ("datapusher_plus_submit", {"resource_id": rid, "force": True}),
            ("datapusher_plus_job_retry", {"id": job_id}),
            ("datapusher_plus_job_refresh", {"id": job_id}),
            ("datapusher_plus_bulk_submit", {"mode": "retry_failed"}),
            ("datapusher_plus_job_purge", {"older_than": 0}),
            ("datapusher_plus_job_cancel", {"id": job_id}),
        ]

        def jobs():
            model.Session.expire_all()
            return sorted((job.id, job.status) for job in model.Session.query(Job))

        # CKAN 2.10 and 2.11 refuse in their API view (400); 2.12.0's lets the
        # POST through, and our action refuses it (403, logic/csrf.py).
        expected = 403 if tk.check_ckan_version(min_version="2.12") else 400
        before = jobs()
        for action, body in calls:
            refused = client.post("/api/action/" + action, json=body)
            text = refused.get_data(as_text=True)
            assert refused.status_code == expected and "CSRF" in text, (action, text[:300])
            assert "not authorized to" not in text.lower(), action
        assert jobs() == before
        refused = client.post(SUBMIT_URL, json={"resource_id": rid, "force": True})
        assert (refused.status_code, refused.json["error_type"]) == (400, "csrf_error")
        assert jobs() == before

        for action, body in calls:
            if action in ("datapusher_plus_submit", "datapusher_plus_job_retry"):
                continue  # each would supersede the job the others act on
            accepted = client.post("/api/action/" + action, json=body,
                                   headers={"X-CSRFToken": token})
            assert accepted.status_code == 200, (action, accepted.get_data(as_text=True)[:300])
        assert dict(jobs())[job_id] == "cancelled"

    def test_token_post_needs_no_csrf_token(self, app, publisher):
        assert submit(app, publisher["resource"]["id"], publisher["editor"])["success"]


class TestForScripts:
    """What a script needs: this extension's record of a push and where to see
    it, whether a format loads, the log for publishers only, answers that say
    what to do."""

    def test_submit_and_status_lead_to_the_job_and_its_actions(self, app, publisher):
        rid = publisher["resource"]["id"]
        publisher["fake"].callback = None
        body = submit(app, rid, publisher["editor"])
        job = model.Session.get(Job, body["job"]["id"])
        assert job.resource_id == rid and body["job_id"] == job.service_job_id
        job_page, tab = (urlsplit(body["job"][key]) for key in ("url", "tab_url"))
        assert job_page.scheme == tab.scheme == "http" and job_page.netloc == tab.netloc != ""
        assert job_page.path == "/ckan-admin/datapusher-plus/jobs/" + job.id
        assert tab.path == "/dataset/{}/datapusher-plus/{}".format(
            publisher["resource"]["package_id"], rid)
        status = app.get(STATUS_URL + "/" + rid, headers=auth(publisher["editor"])).json
        assert status["job"] == body["job"]
        # The pages the links name, for whom they are: the tab for the publisher,
        # the job page for a sysadmin; the id is what the job actions take.
        assert app.get(tab.path, headers=auth(publisher["editor"])).status_code == 200
        assert app.get(job_page.path, headers=auth(sysadmin_with_token())).status_code == 200
        cancelled = app.post("/api/3/action/datapusher_plus_job_cancel",
                             json={"id": body["job"]["id"]}, headers=auth(publisher["editor"]))
        assert cancelled.status_code == 200, cancelled.get_data(as_text=True)
        assert cancelled.json["result"]["status"] == "cancelled"

    def test_status_says_whether_the_format_loads(self, app, publisher):
        pdf = make_resource(publisher["org"], format="PDF", url="http://127.0.0.1:9/guide.pdf")
        body = app.get(STATUS_URL + "/" + pdf["id"], headers=auth(publisher["editor"])).json
        assert (body["status"], body["format"], body["loadable"]) == ("not_submitted", "PDF", False)
        csv = app.get(STATUS_URL + "/" + publisher["resource"]["id"]).json  # anonymous too
        assert (csv["format"], csv["loadable"]) == ("CSV", True)

    def test_who_may_not_push_reads_the_public_status(self, app, publisher):
        """The log (with the loader's file paths) and the job's ids are for
        publishers; the public reads the state, its times and the reason."""
        rid = publisher["resource"]["id"]
        publisher["fake"].callback = Callback(
            status="error", error={"message": "Could not read /tmp/tmpq81x/data.csv: bad header"},
            logs=[{"timestamp": "2026-12-01T10:00:00", "level": "ERROR",
                   "message": "Reading /tmp/tmpq81x/data.csv"}])
        submit(app, rid, publisher["editor"])
        publisher["fake"].wait_callbacks()
        full = app.get(STATUS_URL + "/" + rid, headers=auth(publisher["editor"])).json
        assert full["error"].endswith("Could not read data.csv: bad header")  # (its file name)
        assert "/tmp/tmpq81x/data.csv" in full["logs"][0]["message"] and full["job"]["id"]
        for headers in ({}, auth(user_with_token()), auth(member_of(publisher["org"]["id"],
                                                                   "member"))):
            public = app.get(STATUS_URL + "/" + rid, headers=headers).json
            assert public["status"] == "error" and public["finished"] == full["finished"]
            assert public["error"] == full["error"]
            assert not {"logs", "job", "job_id"} & set(public), sorted(public)
            assert "logs" not in public["result"] and "/tmp/" not in json.dumps(public)

    def test_a_token_sent_as_bearer_is_named(self, app, publisher):
        rid = publisher["resource"]["id"]
        bearer = app.post(SUBMIT_URL, json={"resource_id": rid},
                          headers={"Authorization": "Bearer " + publisher["editor"]["token"]})
        assert bearer.status_code == 403
        assert bearer.json["error"] == (
            'The API token in the Authorization header was not recognised: CKAN takes the token '
            'itself, without "Bearer" (Authorization: <your API token>)')
        wrong = app.post(SUBMIT_URL, json={"resource_id": rid},
                         headers={"Authorization": "not-a-token"})
        assert wrong.status_code == 403
        assert wrong.json["error"].startswith(
            "The API token in the Authorization header was not recognised: it may be mistyped")
        french = app.post("/fr" + SUBMIT_URL, json={"resource_id": rid},
                          headers={"Authorization": "Bearer x"})
        assert french.json["error"].startswith("Le jeton d'API de l'en-tête Authorization")

    @pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
    def test_another_method_on_the_submit_url(self, app, publisher, method):
        response = app.test_client().open(SUBMIT_URL, method=method,
                                          headers=auth(publisher["editor"]))
        assert response.status_code == 405 and response.headers["Allow"] == "POST"
        assert response.json == {
            "success": False, "error_type": "method_not_allowed",
            "error": "Use POST to push a resource: {} is not accepted here".format(method)}
        assert not publisher["fake"].job_posts()
