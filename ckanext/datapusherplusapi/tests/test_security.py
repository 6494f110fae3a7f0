"""Secrets, SSRF and XSS."""
from __future__ import annotations

import csv
import http.server
import io
import logging
import threading

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import probe
from ckanext.datapusherplusapi.tests.fake_service import Answer, Callback
from ckanext.datapusherplusapi.tests.helpers import (
    PAYLOADS,
    STATUS_URL,
    make_resource,
    member_of,
    serve,
    submit,
    sysadmin_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

# At least 30 payloads: tags, attribute breaks, javascript: URLs, SVG, unicode tricks.

OUR_REGIONS = ("dpp-status", "dpp-details", "dpp-badge", "dpp-live")


def _injected(html: str) -> list[str]:
    """Elements or attributes a payload created inside this extension's regions."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for region_id in OUR_REGIONS:
        region = soup.find(id=region_id)
        if region is None:
            continue
        for tag in [region] + region.find_all(True):
            if tag.name in ("script", "iframe", "object", "embed", "img", "video", "math",
                            "style", "meta", "template", "body", "input") and tag is not region:
                if not (tag.name == "input" and tag.get("type") == "hidden"):
                    found.append("<{}> in #{}".format(tag.name, region_id))
            for attr, value in tag.attrs.items():
                text = " ".join(value) if isinstance(value, list) else str(value)
                if attr.lower().startswith("on"):
                    found.append("{}= in #{}".format(attr, region_id))
                if attr in ("href", "src", "action", "hx-get", "hx-post") and \
                        text.strip().lower().startswith(("javascript:", "data:")):
                    found.append("{}={} in #{}".format(attr, text[:30], region_id))
    return found


@pytest.fixture
def hostile(app, service_user, fake_service, live_ckan):
    """Every payload in organization and dataset titles, resource fields, and
    in the service's error message and log lines."""
    admin = sysadmin_with_token()
    resources = []
    for i, payload in enumerate(PAYLOADS):
        org = factories.Organization(title=payload)
        dataset = factories.Dataset(owner_org=org["id"], title=payload, notes=payload)
        resource = factories.Resource(package_id=dataset["id"], name=payload, description=payload,
                                      url="http://127.0.0.1:9/{}.csv".format(i), format="CSV")
        fake_service.callback = Callback(status="error", error={"message": payload}, logs=[
            {"timestamp": payload, "level": payload, "message": payload}])
        submit(app, resource["id"], admin)
        resources.append(resource)
    fake_service.wait_callbacks(len(PAYLOADS))
    return {"admin": admin, "resources": resources}


def test_payloads_escaped_everywhere(app, hostile):
    admin = hostile["admin"]
    headers = {"Authorization": admin["token"]}
    problems = []
    for resource in hostile["resources"]:
        for url in ("/dataset/{}/datapusher-plus/{}".format(resource["package_id"], resource["id"]),
                    "/dataset/{}/resource/{}".format(resource["package_id"], resource["id"])):
            html = app.get(url, headers=headers).get_data(as_text=True)
            problems += [url + ": " + p for p in _injected(html)]
            assert "<script>alert('dpp-xss')</script>" not in html.split('id="dpp-')[-1]
    for page in (1, 2):
        dashboard = app.get("/ckan-admin/datapusher-plus/", query_string={"page": page},
                            headers=headers).get_data(as_text=True)
        assert len(BeautifulSoup(dashboard, "html.parser").select("tr[data-dpp-job]")) > 0
        problems += ["dashboard: " + p for p in _injected(dashboard)]
    assert problems == []
    status = helpers.call_action("datapusher_plus_status",
                                 resource_id=hostile["resources"][0]["id"])
    assert status["error"] == PAYLOADS[0]  # the API gives the text as it is (JSON)


def test_the_check_finds_injections():
    html = ('<div id="dpp-status"><img src=x onerror=alert(1)>'
            '<a href="javascript:alert(1)">x</a><input type="hidden" name="t"></div>')
    assert sorted(_injected(html)) == [
        "<img> in #dpp-status", "href=javascript:alert(1) in #dpp-status",
        "onerror= in #dpp-status"]


def test_csv_export_neutralised(app, hostile):
    response = app.get("/ckan-admin/datapusher-plus/export.csv",
                       headers={"Authorization": hostile["admin"]["token"]})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(PAYLOADS)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


# ``/slow.csv`` answers only once this is set (or after 30 s): a probe that
# ignored the timeout would get its size.
SLOW_ANSWER = threading.Event()


class _Files(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        host = self.headers.get("Host", "")
        if self.path == "/big.csv":
            self.send_response(200)
            self.send_header("Content-Length", "5000000")
        elif self.path == "/same-host":
            self.send_response(302)
            self.send_header("Location", "/big.csv")
        elif self.path == "/other-host":
            self.send_response(302)
            other = host.replace("127.0.0.1", "localhost") if "127.0.0.1" in host \
                else host.replace("localhost", "127.0.0.1")
            self.send_header("Location", "http://{}/big.csv".format(other))
        elif self.path == "/slow.csv":
            SLOW_ANSWER.wait(30)
            self.send_response(200)
            self.send_header("Content-Length", "5000000")
        else:
            self.send_response(404)
        self.end_headers()


@pytest.fixture
def files():
    SLOW_ANSWER.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    serve(server)
    yield "http://127.0.0.1:{}".format(server.server_address[1])
    SLOW_ANSWER.set()
    server.shutdown()
    server.server_close()


class TestSizeProbe:
    """The size probe (HEAD) is the only request CKAN makes to a resource URL."""

    def test_only_http_and_https(self):
        for url in ("ftp://127.0.0.1/x.csv", "file:///etc/passwd", "gopher://127.0.0.1:70/x",
                    "javascript:alert(1)", "//127.0.0.1/x", "http:///nohost"):
            assert probe.size(url) is None

    def test_same_host_redirect_followed(self, files):
        assert probe.size(files + "/big.csv") == 5_000_000
        assert probe.size(files + "/same-host") == 5_000_000

    def test_no_redirect_to_another_host(self, files):
        assert probe.size(files + "/other-host") is None

    @pytest.mark.ckan_config(dpp_config.TIMEOUT, 1)
    def test_timeout(self, files):
        """The server answers only after the probe has given up: the probe
        returned, with no size, because the timeout ran out."""
        assert probe.size(files + "/slow.csv") is None
        SLOW_ANSWER.set()


def test_secrets_never_in_answers_pages_exports_or_logs(app, service_user, fake_service,
                                                         live_ckan, caplog, monkeypatch):
    """The service token and the job keys: not in API answers, pages, the CSV
    export, nor the logs at any level, with debug on."""
    monkeypatch.setitem(tk.config, dpp_config.DEBUG, True)
    names = ("", "ckan", "ckanext", "werkzeug", "urllib3", "requests")
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    texts = []
    try:
        org = factories.Organization()
        editor = member_of(org["id"], "editor")
        admin = sysadmin_with_token()
        resource = make_resource(org)
        fake_service.callback = Callback()
        fake_service.script(Answer(status=503), Answer(status=500, body={"error": "nope"}))
        texts.append(app.post("/api/3/action/datapusher_plus_submit", json={
            "resource_id": resource["id"]}, headers={"Authorization": editor["token"]}
        ).get_data(as_text=True))
        texts.append(app.post("/api/action/datapusher_plus_submit", json={
            "resource_id": resource["id"]}, headers={"Authorization": editor["token"]}
        ).get_data(as_text=True))
        fake_service.wait_callbacks()
        headers = {"Authorization": admin["token"]}
        for url in (STATUS_URL + "/" + resource["id"],
                    "/api/action/datapusher_plus_job_list",
                    "/api/action/datapusher_plus_job_history?resource_id=" + resource["id"],
                    "/dataset/{}/datapusher-plus/{}".format(resource["package_id"], resource["id"]),
                    "/dataset/{}/resource/{}".format(resource["package_id"], resource["id"]),
                    "/ckan-admin/datapusher-plus/",
                    "/ckan-admin/datapusher-plus/export.csv"):
            texts.append(app.get(url, headers=headers).get_data(as_text=True))
    finally:
        for logger in loggers:
            logger.removeHandler(caplog.handler)
    job_keys = [job["job_key"] for job in fake_service.jobs.values()]
    assert job_keys and caplog.records
    assert any("DataPusher+ POST" in r.getMessage() for r in caplog.records)  # debug was on
    everything = "\n".join(texts + [record.getMessage() for record in caplog.records])
    for secret in [service_user["token"]] + job_keys:
        assert secret not in everything
