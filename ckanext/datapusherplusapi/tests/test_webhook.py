"""The operators' webhook: a failed job is reported, signed, by a background
worker (never by the request that saw it fail), and retried while the
receiver fails; nothing is sent for a success, nor without a webhook."""
from __future__ import annotations

import hashlib
import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import rq

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import webhook
from ckanext.datapusherplusapi.tests.fake_service import Callback
from ckanext.datapusherplusapi.tests.helpers import make_resource, serve

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """A local HTTP receiver answering each POST with the next status of
    ``answers`` (then 200), keeping what it was sent."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.calls = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:{}/hook".format(self.server.server_port)
        serve(self.server)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch):
    receiver = Receiver()
    monkeypatch.setitem(tk.config, dpp_config.WEBHOOK_URL, receiver.url)
    monkeypatch.setitem(tk.config, dpp_config.WEBHOOK_SECRET, SECRET)
    monkeypatch.setattr(webhook, "BACKOFF", 0.05)  # the pauses, short for the tests
    yield receiver
    receiver.stop()


def _push(fake_service, callback):
    """A push of a new resource as a sysadmin, the service answering ``callback``."""
    admin = factories.Sysadmin()
    org = factories.Organization(name="stats", title="Statistics Office")
    resource = make_resource(org, name="regions.csv")
    fake_service.callback = callback
    helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                        resource_id=resource["id"])
    fake_service.wait_callbacks()
    return admin, resource


def _webhook_jobs():
    return [job for job in ckan_jobs.get_queue().jobs if job.func_name.endswith("webhook.send")]


def _work():
    queue = ckan_jobs.get_queue()
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_a_failed_job_is_reported_signed(receiver, service_user, fake_service, live_ckan):
    admin, resource = _push(fake_service, Callback(status="error", error={
        "message": "bad header in /srv/datapusher/tmp/upload-7f3a/regions.csv"}))
    assert receiver.calls == [] and len(_webhook_jobs()) == 1  # queued, not sent by the request
    _work()
    assert len(receiver.calls) == 1
    headers, body = receiver.calls[0]
    expected = hmac.new(SECRET.encode(), headers[webhook.TIMESTAMP].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers[webhook.SIGNATURE] == "sha256=" + expected
    assert headers["Content-Type"] == "application/json"
    report = json.loads(body)
    status = helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
    assert report["event"] == "job.failed"
    assert (report["job"]["status"], report["job"]["job_id"]) == ("error", status["job_id"])
    # The error as publishers read it, and as the loader wrote it.
    assert report["job"]["error"] == "bad header in regions.csv"
    assert report["job"]["error_raw"] == "bad header in /srv/datapusher/tmp/upload-7f3a/regions.csv"
    # Its cause, as the API gives it (none of the list's: the message says more).
    assert report["job"]["cause"] == status["cause"]
    assert report["job"]["cause"]["code"] == "unknown" and report["job"]["cause"]["fix"] == (
        "Read the loader's message and its log.")
    assert "job_key" not in report["job"] and SECRET.encode() not in body
    assert report["job"]["url"].endswith("/ckan-admin/datapusher-plus/jobs/" + report["job"]["id"])
    assert report["resource"]["name"] == "regions.csv"
    assert report["organization"] == {"id": resource_org(resource), "name": "stats",
                                      "title": "Statistics Office"}
    assert report["submitted_by"] == admin["name"]


def resource_org(resource):
    return model.Package.get(resource["package_id"]).owner_org


def test_retried_while_the_receiver_fails(receiver, service_user, fake_service, live_ckan):
    receiver.answers = [503, 500]
    _push(fake_service, Callback(status="error", error={"message": "bad header"}))
    _work()
    assert len(receiver.calls) == 3  # 503, 500, then delivered
    assert len({body for _headers, body in receiver.calls}) == 1  # the same report each time


def test_given_up_after_the_last_attempt(receiver, service_user, fake_service, live_ckan):
    receiver.answers = [500] * 10
    _push(fake_service, Callback(status="error", error={"message": "bad header"}))
    _work()
    assert len(receiver.calls) == webhook.ATTEMPTS


def test_nothing_for_a_success(receiver, service_user, fake_service, live_ckan):
    _push(fake_service, Callback())
    assert _webhook_jobs() == []


def test_nothing_without_a_webhook(service_user, fake_service, live_ckan):
    _push(fake_service, Callback(status="error", error={"message": "bad header"}))
    assert _webhook_jobs() == []


def test_a_refusal_is_not_tried_again(receiver, service_user, fake_service, live_ckan):
    receiver.answers = [404]
    _push(fake_service, Callback(status="error", error={"message": "bad header"}))
    _work()
    assert len(receiver.calls) == 1
