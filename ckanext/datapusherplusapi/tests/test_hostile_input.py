"""Every endpoint × a list of hostile values: never a 5xx, never a traceback,
and on the JSON URLs never an HTML page.

Each value goes into every parameter of every action (through the
specification's URLs, CKAN's API, the tab and the dashboard), as JSON (any
type) or as text (query strings, forms, URL paths).

Two sets of values: a sample of one value of each kind, sent on every CKAN
version (what changes with the version is CKAN's side: its API view, its
pages); and every value, the sweep, sent once (on the default version, with
the soak runs): how the values are read is this extension's alone.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories

from ckanext.datapusherplusapi.tests.helpers import (
    STATUS_URL,
    SUBMIT_URL,
    auth,
    make_resource,
    sysadmin_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

TEXTS = [
    "\x00", "abc\x00def", "\x1b[31m", "9" * 40, "-1", "0", "1e400", "NaN", "-0.5",
    "9999-12-31", "0001-01-01", "2024-13-45", "x" * 5000, "\u202ex\u202c", "\ufeff",
    "../../etc/passwd", "' OR 1=1 --", "%", "_", "\\", " ", "true", "[]", "{}",
]
TYPED = [{"a": 1}, [1, 2], [], {}, True, False, None, 10 ** 30, -10 ** 30, 1.5, -1,
         0, "\ud800", {"$gt": ""}, [[[[["deep"]]]]]]
# One of each kind: a NUL byte, a number too large for PostgreSQL, a date out
# of range, bidi controls, a very long text, SQL and path text; every JSON type.
SAMPLE_TEXTS = ["abc\x00def", "9" * 40, "1e400", "9999-12-31", "\u202ex\u202c", "x" * 5000,
                "' OR 1=1 --", "../../etc/passwd"]
SAMPLE_TYPED = [{"a": 1}, [1, 2], None, 10 ** 30, 1.5, "\ud800", [[[[["deep"]]]]]]
VALUES = [
    pytest.param((SAMPLE_TEXTS, SAMPLE_TYPED), id="sample"),
    pytest.param((TEXTS, TYPED), id="sweep", marks=[pytest.mark.once, pytest.mark.soak]),
]
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"resource_id": ' + "[" * 100_000 + "]" * 100_000 + "}"

ACTIONS = {  # action -> its parameters
    "datapusher_plus_submit": ("resource_id", "package_id", "force"),
    "datapusher_plus_status": ("resource_id",),
    "datapusher_plus_job_history": ("resource_id", "limit"),
    "datapusher_plus_job_list": ("status", "organization", "format", "date_from", "date_to",
                                 "q", "latest_only", "cause", "sort", "order", "page", "limit"),
    "datapusher_plus_job_retry": ("id",),
    "datapusher_plus_job_cancel": ("id",),
    "datapusher_plus_job_refresh": ("id",),
    "datapusher_plus_bulk_submit": ("mode", "resume", "organization", "format", "q",
                                    "date_from", "date_to", "cause"),
    "datapusher_plus_job_purge": ("older_than", "dry_run"),
    "datapusher_plus_hook": ("job_id", "status", "metadata", "error", "logs"),
    "datapusher_plus_stats": ("organization", "format", "date_from", "date_to", "q",
                              "latest_only", "cause"),
    "datapusher_plus_task_list": ("x",),
}
DASHBOARD_FILTERS = ("status", "organization", "format", "date_from", "date_to", "q",
                     "latest_only", "cause", "sort", "order", "page")


@pytest.fixture
def world(app: Any, service_user: dict[str, Any], fake_service: Any) -> dict[str, Any]:
    admin = sysadmin_with_token()
    resource = make_resource(url="http://127.0.0.1:9/a.csv")
    return {"admin": admin, "service": service_user, "resource": resource,
            "dataset": resource["package_id"]}


def _problem(response: Any, json_url: bool, signed: bool = False) -> str:
    """What is wrong with an answer to hostile input, or ''. A ``signed``
    POST carries a valid CSRF token: its value must reach validation, not
    stop at the CSRF check."""
    body = response.get_data(as_text=True)
    if response.status_code >= 500:
        return "HTTP {}".format(response.status_code)
    if "Traceback" in body or "Werkzeug Debugger" in body:
        return "traceback in the body"
    if json_url and not response.content_type.startswith("application/json"):
        return "not JSON: " + response.content_type
    if signed and "CSRF" in body:
        return "stopped by the CSRF check, not by validation"
    return ""


class Probe:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.problems: list[str] = []
        self.count = 0

    def check(self, what: str, response: Any, json_url: bool, signed: bool = False) -> None:
        self.count += 1
        problem = _problem(response, json_url, signed)
        if problem:
            self.problems.append("{}: {}".format(what, problem))

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems[:40])


def _base(action: str, world: dict[str, Any]) -> dict[str, Any]:
    """Valid parameters, so that each hostile value is the only wrong one."""
    rid = world["resource"]["id"]
    return {
        "datapusher_plus_submit": {"resource_id": rid},
        "datapusher_plus_status": {"resource_id": rid},
        "datapusher_plus_job_history": {"resource_id": rid},
        "datapusher_plus_job_retry": {"id": "no-such-job"},
        "datapusher_plus_job_cancel": {"id": "no-such-job"},
        "datapusher_plus_job_refresh": {"id": "no-such-job"},
        "datapusher_plus_bulk_submit": {"mode": "retry_failed"},
        "datapusher_plus_job_purge": {"older_than": 30, "dry_run": True},
        "datapusher_plus_hook": {"job_id": "no-such-job", "status": "complete",
                                 "metadata": {"resource_id": rid}},
    }.get(action, {})


def _signed(app: Any, page: str, user: dict[str, Any]) -> tuple[Any, str]:
    """A client with CKAN's session cookie and the CSRF token of ``page``, as
    a browser that opened it has them."""
    client = app.test_client()
    token = BeautifulSoup(client.get(page, headers=auth(user)).get_data(as_text=True),
                          "html.parser").find("input", attrs={"name": "_csrf_token"})["value"]
    return client, token


def _who(action: str, world: dict[str, Any]) -> dict[str, str]:
    return auth(world["service"] if action == "datapusher_plus_hook" else world["admin"])


@pytest.mark.parametrize("values", VALUES)
def test_ckan_api_json_bodies(app: Any, world: dict[str, Any], values: Any) -> None:
    """CKAN's API (``/api/action/<name>``), every parameter, every type."""
    texts, typed = values
    probe = Probe(app)
    for action, params in ACTIONS.items():
        for param in params:
            for value in texts + typed:
                body = dict(_base(action, world), **{param: value})
                response = app.post("/api/action/" + action, data=json.dumps(body),
                                    headers=dict(_who(action, world),
                                                 **{"Content-Type": "application/json"}))
                probe.check("{} {}={!r:.40}".format(action, param, value), response, True)
    probe.assert_clean()
    assert probe.count == sum(len(params) for params in ACTIONS.values()) * len(texts + typed)


@pytest.mark.parametrize("values", VALUES)
def test_ckan_api_query_strings(app: Any, world: dict[str, Any], values: Any) -> None:
    """The read actions by GET, every parameter as text."""
    texts, typed = values
    probe = Probe(app)
    for action in ("datapusher_plus_status", "datapusher_plus_job_history",
                   "datapusher_plus_job_list"):
        for param in ACTIONS[action]:
            for value in texts:
                response = app.get("/api/action/" + action,
                                   query_string=dict(_base(action, world), **{param: value}),
                                   headers=auth(world["admin"]))
                probe.check("GET {} {}={!r:.40}".format(action, param, value), response, True)
    probe.assert_clean()


@pytest.mark.parametrize("values", VALUES)
def test_specification_urls(app: Any, world: dict[str, Any], values: Any) -> None:
    """The specification's URLs: JSON bodies of any type, query strings, paths,
    nested and oversized bodies; always a JSON answer below 500."""
    texts, typed = values
    probe = Probe(app)
    rid = world["resource"]["id"]
    headers = dict(auth(world["admin"]), **{"Content-Type": "application/json"})
    for value in texts + typed:
        for param in ("resource_id", "package_id", "force"):
            body = dict({"resource_id": rid}, **{param: value})
            probe.check("submit {}={!r:.40}".format(param, value),
                        app.post(SUBMIT_URL, data=json.dumps(body), headers=headers), True)
        probe.check("status POST {!r:.40}".format(value),
                    app.post(STATUS_URL, data=json.dumps({"resource_id": value}),
                             headers=headers), True)
    for value in texts:
        probe.check("status path {!r:.40}".format(value),
                    app.get(STATUS_URL + "/" + quote(value, safe=""),
                            headers=auth(world["admin"])), True)
        probe.check("status path anonymous {!r:.40}".format(value),
                    app.get(STATUS_URL + "/" + quote(value, safe="")), True)
        probe.check("status query {!r:.40}".format(value),
                    app.get(STATUS_URL, query_string={"resource_id": value}), True)
        probe.check("submit form {!r:.40}".format(value),
                    app.post(SUBMIT_URL, data={"resource_id": value, "force": value},
                             headers=auth(world["admin"])), True)
    for raw in (DEEP, DEEP_OBJECT, "[1, 2]", '"text"', "null", "{", "\x00", "{}" + "x" * 10,
                json.dumps({"resource_id": rid, "pad": "x" * 2_000_000})):
        for url in (SUBMIT_URL, STATUS_URL):
            probe.check("{} raw {!r:.30}".format(url, raw), app.post(url, data=raw,
                        headers=headers), True)
    probe.assert_clean()

    nested = app.post(SUBMIT_URL, data=DEEP_OBJECT, headers=headers)
    assert (nested.status_code, nested.json["error_type"]) == (400, "invalid_json")
    huge = app.post(SUBMIT_URL, data=json.dumps({"resource_id": rid, "pad": "x" * 2_000_000}),
                    headers=headers)
    assert (huge.status_code, huge.json["error_type"]) == (413, "request_too_large")
    nul = app.get(STATUS_URL + "/abc%00def")
    assert nul.status_code == 400
    assert nul.json["error_type"] == "validation_error"
    assert "control characters" in nul.json["error"]
    forced = app.post(SUBMIT_URL, json={"resource_id": rid, "force": {"a": 1}},
                      headers=auth(world["admin"]))
    assert forced.status_code == 400
    assert "true or false" in forced.json["error"]


@pytest.mark.parametrize("values", VALUES)
def test_resource_tab(app: Any, world: dict[str, Any], values: Any) -> None:
    """The tab and its parts: ids in the path, ``part``, ``seen``, ``force``."""
    texts, typed = values
    probe = Probe(app)
    rid, dataset = world["resource"]["id"], world["dataset"]
    headers = auth(world["admin"])
    client, token = _signed(app, "/dataset/{}/datapusher-plus/{}".format(dataset, rid),
                            world["admin"])
    for value in texts:
        quoted = quote(value, safe="")
        for url in ("/dataset/{}/datapusher-plus/{}".format(quoted, rid),
                    "/dataset/{}/datapusher-plus/{}".format(dataset, quoted)):
            probe.check("tab GET " + url[:60], app.get(url, headers=headers), False)
            probe.check("tab fragment " + url[:60], app.get(
                url, query_string={"part": "status"},
                headers=dict(headers, **{"HX-Request": "true"})), False)
            probe.check("tab POST " + url[:60], client.post(
                url, data={"part": "status", "_csrf_token": token}, headers=headers),
                False, signed=True)
        tab = "/dataset/{}/datapusher-plus/{}".format(dataset, rid)
        for param in ("part", "seen"):
            probe.check("tab {}={!r:.40}".format(param, value), app.get(
                tab, query_string={param: value},
                headers=dict(headers, **{"HX-Request": "true"})), False)
    probe.assert_clean()
    nul = app.get("/dataset/{}/datapusher-plus/abc%00def".format(dataset), headers=headers)
    assert nul.status_code == 400
    assert "control characters" in nul.get_data(as_text=True)


@pytest.mark.parametrize("values", VALUES)
def test_dashboard(app: Any, world: dict[str, Any], values: Any) -> None:
    """The dashboard, its live part and its export, every filter; retry,
    cancel and bulk work with hostile ids and fields."""
    texts, typed = values
    probe = Probe(app)
    headers = auth(world["admin"])
    base = "/ckan-admin/datapusher-plus"
    client, token = _signed(app, base + "/", world["admin"])
    for value in texts:
        for key in DASHBOARD_FILTERS:
            query = {key: value}
            probe.check("dashboard {}={!r:.40}".format(key, value),
                        app.get(base + "/", query_string=query, headers=headers), False)
            probe.check("live {}={!r:.40}".format(key, value), app.get(
                base + "/", query_string=dict(query, part="live"),
                headers=dict(headers, **{"HX-Request": "true"})), False)
            probe.check("export {}={!r:.40}".format(key, value),
                        app.get(base + "/export.csv", query_string=query, headers=headers),
                        False)
        for action in ("retry", "cancel"):
            probe.check("{} {!r:.40}".format(action, value), client.post(
                "{}/jobs/{}/{}".format(base, quote(value, safe=""), action),
                data={"_csrf_token": token}, headers=headers), False, signed=True)
        for field in ("mode", "organization", "format", "q", "date_from", "date_to", "resume",
                      "query"):
            probe.check("bulk {}={!r:.40}".format(field, value), client.post(
                base + "/bulk", data={"mode": "retry_failed", field: value,
                                      "_csrf_token": token},
                headers=headers), False, signed=True)
    probe.assert_clean()

    # The same filter: the dashboard leaves it out and says so; the export refuses it.
    page = app.get(base + "/", query_string={"date_to": "9999-12-31"}, headers=headers)
    assert page.status_code == 200
    assert "Filter ignored" in page.get_data(as_text=True)
    assert "2999-12-31" in page.get_data(as_text=True)
    export = app.get(base + "/export.csv", query_string={"date_to": "9999-12-31"},
                     headers=headers)
    assert export.status_code == 400
    assert "2999-12-31" in export.get_data(as_text=True)


def test_csv_export_cells_are_never_formulas(app: Any, world: dict[str, Any]) -> None:
    """A name a spreadsheet would run (with ``,`` or ``;`` as separator) is
    written as text: quoted, and prefixed with ``'``."""
    org = factories.Organization()
    for name in ("x;=1+1;", "=HYPERLINK(\"http://evil\")", "+1", "@SUM(A1)", "-2+3"):
        resource = make_resource(org, name=name, url="http://127.0.0.1:9/x.csv")
        app.post(SUBMIT_URL, json={"resource_id": resource["id"]}, headers=auth(world["admin"]))
    export = app.get("/ckan-admin/datapusher-plus/export.csv", headers=auth(world["admin"]))
    assert export.status_code == 200
    lines = export.get_data(as_text=True).splitlines()[1:]
    assert len(lines) == 5
    for line in lines:
        for cell in line.split(";") + line.split(","):
            assert not cell.strip().strip('"').startswith(("=", "+", "@", "-")), line
