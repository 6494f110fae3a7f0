"""What a status poll and a submit cost the database: the SQL statements of
each, counted, the same whatever the resource's history; and the size of a
finished job's poll answer."""
from __future__ import annotations

import pytest

from ckan.tests import factories

from ckanext.datapusherplusapi.tests.helpers import (
    STATUS_URL,
    auth,
    make_resource,
    member_of,
    seed_jobs,
    sql_statements,
    submit,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

HX = {"HX-Request": "true"}


@pytest.fixture
def site(service_user, fake_service, live_ckan):
    org = factories.Organization()
    fake_service.callback = None  # jobs stay as the service took them
    return {"org": org, "editor": member_of(org["id"], "editor"), "fake": fake_service}


def _tab_part(resource, part):
    return "/dataset/{}/datapusher-plus/{}?part={}".format(resource["package_id"],
                                                         resource["id"], part)


def _statements(app, monkeypatch, url, headers):
    app.get(url, headers=headers)  # warm: a user's first request writes their last activity
    with sql_statements(monkeypatch) as statements:
        assert app.get(url, headers=headers).status_code in (200, 286)
    return len(statements)


def _ours(app, monkeypatch, url, headers):
    """The statements a request runs beyond CKAN's own ``status_show`` with the
    same credentials (CKAN's part: the user, the token, the site's settings)."""
    return (_statements(app, monkeypatch, url, headers)
            - _statements(app, monkeypatch, "/api/3/action/status_show", headers))


@pytest.mark.parametrize("who, part", [
    ("token", None), ("anonymous", None),  # the JSON status
    ("token", "status"), ("token", "badge"),  # the tab's live parts (for who may push)
])
def test_a_poll_is_one_statement_whatever_the_history(app, site, monkeypatch, who, part):
    """A poll runs one statement of ours (the prepared read of the resource,
    its dataset and its latest job), at one attempt and at fifty."""
    resource = make_resource(site["org"])
    url = _tab_part(resource, part) if part else STATUS_URL + "/" + resource["id"]
    headers = dict(auth(site["editor"]) if who == "token" else {}, **(HX if part else {}))
    seed_jobs([resource], 1, "complete")
    assert _ours(app, monkeypatch, url, headers) == 1
    seed_jobs([resource], 50, "error", error="bad file")
    assert _ours(app, monkeypatch, url, headers) == 1


def test_a_submit_costs_the_same_whatever_the_history(app, site, monkeypatch):
    """Seven statements beyond CKAN's own for the request, at one earlier
    attempt and at thirty: the resource with its dataset; CKAN's "may update"
    rules (the organization twice, the membership); the previous latest
    attempt unflagged; the job inserted (its attempt counted inside the
    INSERT); the service's answer recorded."""
    counts = []
    for earlier in (1, 30):
        resource = make_resource(site["org"])
        seed_jobs([resource], earlier, "error", error="bad file")
        floor = _statements(app, monkeypatch, "/api/3/action/status_show", auth(site["editor"]))
        with sql_statements(monkeypatch) as statements:
            submit(app, resource["id"], site["editor"])
        counts.append(len(statements) - floor)
    print("SQL statements per submit:", counts)
    assert counts[0] == counts[1] == 7


def test_a_finished_jobs_poll_is_small_and_stops_polling(app, site):
    """The tab's status part at the end: HTTP 286 (htmx stops), at most 2 KB."""
    resource = make_resource(site["org"], name="x" * 120)
    seed_jobs([resource], 1, "error", error="A reason of some length " * 10)
    response = app.get(_tab_part(resource, "status"), headers=dict(HX, **auth(site["editor"])))
    assert response.status_code == 286
    assert len(response.get_data()) <= 2048, len(response.get_data())
