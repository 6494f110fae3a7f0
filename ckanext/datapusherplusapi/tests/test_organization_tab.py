"""An organization's DataPusher+ tab (``/organization/datapusher-plus/<id>``):
its editors and admins see their organization's jobs — summary, table,
filters — and retry or cancel what they may push; nothing of another
organization; sysadmins keep the portal-wide dashboard."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.tests.helpers import (
    auth,
    make_resource,
    member_of,
    seed_jobs,
    sysadmin_with_token,
    user_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

HX = {"HX-Request": "true"}


def _tab(org):
    return "/organization/datapusher-plus/" + org["name"]


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _rows(page):
    return page.select("#dpp-jobs tbody tr[data-dpp-job]")


@pytest.fixture
def site(service_user, fake_service, live_ckan):
    """Two organizations with jobs: "stats" (2 failed, 1 complete) and "health" (1 failed)."""
    fake_service.callback = None  # the service accepts jobs and never calls back
    stats = factories.Organization(name="stats", title="Statistics Office")
    health = factories.Organization(name="health", title="Health Ministry")
    ours = [make_resource(stats, name="census-{}".format(i)) for i in range(3)]
    theirs = make_resource(health, name="hospitals")
    seed_jobs(ours[:2], 2, "error", error="bad header")
    seed_jobs(ours[2:], 1, "complete")
    seed_jobs([theirs], 1, "error", error="bad header")
    return {"stats": stats, "health": health, "ours": ours, "theirs": theirs,
            "editor": member_of(stats["id"], "editor"),
            "member": member_of(stats["id"], "member"),
            "other_editor": member_of(health["id"], "editor")}


def _job_of(resource):
    return model.Session.execute(sa.select(Job.id).where(Job.resource_id == resource["id"])
                                 .order_by(Job.submitted_at.desc())).scalars().first()


def test_editors_see_their_organizations_jobs_only(app, site):
    page = _soup(app.get(_tab(site["stats"]), headers=auth(site["editor"])))
    assert {r.find("td").get_text(strip=True) for r in _rows(page)} == {
        "census-0", "census-1", "census-2"}
    # Sorted by the tab's columns: no organization among them (asked for, the default order).
    assert "organization" not in [o["value"] for o in page.select("#dpp-sort option")]
    by_org = _soup(app.get(_tab(site["stats"]), query_string={"sort": "organization"},
                           headers=auth(site["editor"])))
    assert by_org.select_one("#dpp-sort option[selected]")["value"] == "submitted"
    # The summary counts what the table lists; a card's link stays on the tab.
    counts = {a["data-dpp-count"]: a for a in page.select("[data-dpp-count]")}
    assert counts["error"].find(class_="fs-4").get_text() == "2"
    assert counts["complete"].find(class_="fs-4").get_text() == "1"
    assert counts["error"]["href"] == _tab(site["stats"]) + "?status=error"
    errors = _soup(app.get(counts["error"]["href"], headers=auth(site["editor"])))
    assert len(_rows(errors)) == 2
    # What is the sysadmins' is not there: organization column and filter,
    # bulk work, CSV export, the loader's health, job pages.
    assert "Organization" not in [th.get_text(strip=True) for th in page.select("#dpp-jobs th")]
    assert not page.find(id="dpp-org") and not page.find("form", action=lambda a: a and
                                                             "/bulk" in a)
    assert not page.find("a", href=lambda h: h and "export.csv" in h)
    assert not page.find(attrs={"data-dpp-health": True})
    badge = _rows(page)[0].find("a", class_="badge")
    assert "/datapusher-plus/" in badge["href"] and "/ckan-admin/" not in badge["href"]
    # Filters work within the organization; the figures then say they follow them.
    assert not page.find(attrs={"data-dpp-summary": "filtered"})
    found = _soup(app.get(_tab(site["stats"]), query_string={"q": "census-2"},
                          headers=auth(site["editor"])))
    assert [r["data-dpp-status"] for r in _rows(found)] == ["complete"]
    assert found.find(attrs={"data-dpp-summary": "filtered"})
    # The top failure reasons are this organization's causes, each a link within the tab.
    [reason] = page.select("[data-dpp-part=reasons] li[data-dpp-cause]")
    assert reason["data-dpp-cause"] == "unknown" and "2 jobs" in reason.get_text()
    assert reason.find("a")["href"].startswith(_tab(site["stats"]) + "?")
    by_cause = _soup(app.get(reason.find("a")["href"], headers=auth(site["editor"])))
    assert len(_rows(by_cause)) == 2
    assert by_cause.select_one("#dpp-cause option[selected]")["value"] == "unknown"
    # The organization's pages show the tab to its editors.
    about = _soup(app.get("/organization/about/stats", headers=auth(site["editor"])))
    assert about.find("a", href=_tab(site["stats"]))


def test_nobody_else_sees_them(app, site):
    url = _tab(site["stats"])
    for user in (None, user_with_token(), site["member"], site["other_editor"]):
        assert app.get(url, headers=auth(user) if user else {}).status_code == 403
    about = _soup(app.get("/organization/about/stats", headers=auth(site["member"])))
    assert not about.find("a", href=url)
    assert app.get(_tab({"name": "no-such-org"}),
                   headers=auth(site["editor"])).status_code == 404
    # The actions say the same to their callers.
    context = {"user": site["other_editor"]["name"], "ignore_auth": False}
    for action, data in (("datapusher_plus_job_list", {"organization": "stats"}),
                         ("datapusher_plus_job_list", {}),
                         ("datapusher_plus_stats", {"organization": "stats"}),
                         ("datapusher_plus_job_retry", {"id": _job_of(site["ours"][0])})):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action(action, dict(context), **data)
    # Its editors read the jobs through the API as the resource's history gives
    # them: without the loader's raw error detail or the submitter's user id.
    listed = helpers.call_action("datapusher_plus_job_list",
                                 {"user": site["editor"]["name"], "ignore_auth": False},
                                 organization="stats")
    assert listed["count"] == 3
    assert not {"error_detail", "user_id"} & set().union(*listed["results"])
    # A sysadmin may look too.
    assert app.get(url, headers=auth(sysadmin_with_token())).status_code == 200


def test_retry_and_cancel_what_they_may_push(app, site):
    client = app.test_client()
    url = _tab(site["stats"])
    editor = auth(site["editor"])
    token = _soup(client.get(url, headers=editor)).find(
        "input", attrs={"name": "_csrf_token"})["value"]
    failed = _job_of(site["ours"][0])
    response = client.post(url + "/jobs/{}/retry".format(failed), headers=dict(HX, **editor),
                           data={"_csrf_token": token, "query": "status=pending"})
    part = _soup(response)
    assert response.status_code == 200 and "Pushed again" in part.find(class_="alert").get_text()
    pending = _rows(part)
    assert [r["data-dpp-status"] for r in pending] == ["submitted"]
    # Again while that push is pending: a sentence of ours, its status in words.
    again = client.post(url + "/jobs/{}/retry".format(failed), headers=dict(HX, **editor),
                        data={"_csrf_token": token, "query": "status=pending"})
    said = _soup(again).find(class_="alert").get_text(" ", strip=True)
    assert said == ("This resource is already being pushed (status: Pending). Wait for the "
                    "push to end, or cancel it first."), said
    # In Arabic: the whole sentence, its status word too (no English, no raw date).
    again = client.post("/ar" + url + "/jobs/{}/retry".format(failed), headers=dict(HX, **editor),
                        data={"_csrf_token": token, "query": "status=pending"})
    said = _soup(again).find(class_="alert").get_text(" ", strip=True)
    assert "يجري إرسال هذا المورد بالفعل (الحالة: قيد الانتظار)" in said, said
    assert not any(word in said for word in ("force", "submitted", "UTC")), said
    response = client.post(url + "/jobs/{}/cancel".format(pending[0]["data-dpp-job"]),
                           headers=dict(HX, **editor), data={"_csrf_token": token})
    assert "Job cancelled" in response.get_data(as_text=True)
    status = helpers.call_action("datapusher_plus_status", resource_id=site["ours"][0]["id"])
    shown = model.User.get(site["editor"]["name"]).display_name  # named as the pages name people
    assert status["status"] == "cancelled" and status["error"] == "Cancelled by " + shown
    # Another organization's job, through this tab: refused in place, and not pushed.
    theirs = _job_of(site["theirs"])
    response = client.post(url + "/jobs/{}/retry".format(theirs), headers=dict(HX, **editor),
                           data={"_csrf_token": token})
    assert response.status_code == 200
    assert _soup(response).find(class_="alert").get_text(strip=True) == \
        "You may not push this job's resource"
    assert helpers.call_action("datapusher_plus_status",
                               resource_id=site["theirs"]["id"])["status"] == "error"
    # Without the CSRF token: refused.
    assert client.post(url + "/jobs/{}/retry".format(failed),
                       headers=dict(HX, **editor)).status_code == 400


@pytest.mark.parametrize("as_array", [True, False], ids=["ids", "subquery"])
def test_a_moved_dataset_takes_its_jobs_along(app, site, monkeypatch, as_array):
    # An organization's filter names its datasets' ids up to ARRAY_DATASETS
    # of them, and a subquery of its datasets beyond: both read the same jobs.
    if not as_array:
        monkeypatch.setattr(job_model, "ARRAY_DATASETS", 0)
    moved = site["ours"][0]
    helpers.call_action("package_owner_org_update", id=moved["package_id"],
                        organization_id=site["health"]["id"])
    ours = _soup(app.get(_tab(site["stats"]), headers=auth(site["editor"])))
    assert {r.find("td").get_text(strip=True) for r in _rows(ours)} == {"census-1", "census-2"}
    theirs = _soup(app.get(_tab(site["health"]), headers=auth(site["other_editor"])))
    assert {r.find("td").get_text(strip=True) for r in _rows(theirs)} == {
        "census-0", "hospitals"}
    # Its jobs are named with the organization it is in now, everywhere.
    admin = sysadmin_with_token()
    page = _soup(app.get("/ckan-admin/datapusher-plus/", query_string={"organization": "health"},
                         headers=auth(admin)))
    assert {cell.get_text(strip=True) for cell in page.select(
        '#dpp-jobs tbody td[data-label="Organization"]')} == {"Health Ministry"}
    job = helpers.call_action("datapusher_plus_job_show", {"user": admin["name"]},
                              id=_job_of(moved))
    assert (job["organization_name"], job["organization_id"]) == ("health", site["health"]["id"])
