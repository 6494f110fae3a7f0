"""The dashboard's job page (``/ckan-admin/datapusher-plus/jobs/<id>``): one
job with its timeline, who, its back end, its error in the loader's own
words, its log, every attempt of its resource and what may be done with it;
for sysadmins only, reached from the dashboard and from the tab's history."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import lifecycle
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests.helpers import (
    auth,
    make_resource,
    member_of,
    seed_jobs,
    sysadmin_with_token,
    user_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

DASHBOARD = "/ckan-admin/datapusher-plus/"
HX = {"HX-Request": "true"}
TRACEBACK = ("Traceback (most recent call last):\n"
             '  File "/srv/app/venv/lib/python3.11/site-packages/datapusher/jobs.py", line 410,'
             " in push_to_datastore\n"
             "    raise util.JobError(message)\n"
             "datapusher.util.JobError: Could not parse /tmp/tmpa1b2/data.csv: line 3 has"
             " 4 fields, 3 expected")
READABLE = "datapusher.util.JobError: Could not parse data.csv: line 3 has 4 fields, 3 expected"
LOGS = [{"timestamp": "2026-12-01T10:00:00", "level": "INFO", "message": "Fetching the file"},
        {"timestamp": "2026-12-01T10:00:01", "level": "ERROR", "message": "Parse error"}]


def _url(job_id):
    return DASHBOARD + "jobs/" + job_id


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _job_ids(resource):
    return model.Session.execute(sa.select(Job.id, Job.status)
                                 .where(Job.resource_id == resource["id"])
                                 .order_by(Job.submitted_at.desc())).all()


@pytest.fixture
def admin(service_user, fake_service, live_ckan):
    fake_service.callback = None  # the service accepts jobs and never calls back
    return sysadmin_with_token()


@pytest.fixture
def failed():
    """A resource pushed twice: complete yesterday, failed with a traceback now."""
    org = factories.Organization(title="Statistics Office")
    resource = make_resource(org, name="regions.csv", format="CSV")
    seed_jobs([resource], 1, "complete", days_ago=1)
    seed_jobs([resource], 1, "error", error=TRACEBACK, logs=LOGS, backend="service")
    (error_id, _), (complete_id, _) = _job_ids(resource)
    return {"resource": resource, "error": error_id, "complete": complete_id}


def test_the_page_tells_what_happened(app, admin, failed):
    page = _soup(app.get(_url(failed["error"]), headers=auth(admin)))
    body = page.find(id="dpp-job")
    assert body.find("h2").get_text(strip=True) == "Push of regions.csv"
    assert body["data-dpp-status"] == "error" and not body.has_attr("hx-get")  # finished: no poll
    # The reason in plain words, the loader's own text beside it, whole.
    error = body.find(attrs={"data-dpp-part": "error"})
    assert READABLE in error.get_text()
    assert error.find(attrs={"data-dpp-part": "raw-error"}).get_text() == TRACEBACK
    # Log lines: the date in the reader's order (CKAN's render_datetime), the
    # loader's words laid out by their own direction.
    lines = body.select(".dpp-logs li")
    texts = [li.get_text(" ", strip=True) for li in lines]
    assert [t.startswith("December 1, 2026") and "10:00:0" in t for t in texts] == [True, True], \
        texts
    assert texts[0].endswith("INFO Fetching the file") and texts[1].endswith("ERROR Parse error")
    # machine text left to right (a right-to-left page would reorder "INFO" and
    # the words after it), each message in its own direction
    assert all(li["dir"] == "ltr" and li.select("span")[-1]["dir"] == "auto" for li in lines)
    timeline = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
                for dt in body.select("dl dt")}
    assert timeline["Back end"] == "DataPusher service"
    assert timeline["Format"] == "CSV" and "Statistics Office" in timeline["Resource"]
    assert timeline["Duration"] == "2.0 s"
    # Every attempt of the resource: this one marked, the other a link to its page.
    rows = body.select("table tbody tr")
    assert len(rows) == 2
    assert rows[0].find(attrs={"aria-current": "page"})
    assert rows[1].find("a")["href"] == _url(failed["complete"])
    assert [r.find(class_="badge").get_text(strip=True) for r in rows] == ["Error", "Complete"]
    retry = body.find("form", action=_url(failed["error"]) + "/retry/follow").find("button")
    assert not retry.has_attr("disabled")
    assert not body.find("form", action=_url(failed["error"]) + "/cancel")  # not active


def test_every_dashboard_row_and_the_tabs_history_lead_to_it(app, admin, failed):
    dashboard = _soup(app.get(DASHBOARD, headers=auth(admin)))
    links = [a["href"] for a in dashboard.select("#dpp-jobs tbody a.badge")]
    assert sorted(links) == sorted([_url(failed["error"]), _url(failed["complete"])])
    resource = failed["resource"]
    tab = "/dataset/{}/datapusher-plus/{}".format(resource["package_id"], resource["id"])
    history = _soup(app.get(tab, headers=auth(admin))).find(id="dpp-details")
    assert {a["href"] for a in history.select("tbody a")} == {
        _url(failed["error"]), _url(failed["complete"])}
    # An editor of the organization reads the same history, without links to a
    # page they may not open.
    editor = member_of(resource_org(resource), "editor")
    history = _soup(app.get(tab, headers=auth(editor))).find(id="dpp-details")
    assert len(history.select("tbody tr")) == 2 and not history.select("tbody a")


def resource_org(resource):
    return model.Package.get(resource["package_id"]).owner_org


def test_for_sysadmins_only(app, admin, failed):
    url = _url(failed["error"])
    editor = member_of(resource_org(failed["resource"]), "admin")
    for headers in ({}, auth(user_with_token()), auth(editor)):
        assert app.get(url, headers=headers).status_code == 403
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datapusher_plus_job_show",
                            {"user": editor["name"], "ignore_auth": False}, id=failed["error"])
    unknown = app.get(_url("0b5e7a5e-6c1f-4e0b-9a57-2c1b1d7f0a11"), headers=auth(admin))
    assert unknown.status_code == 404
    assert "Unknown DataPusher+ job" in unknown.get_data(as_text=True)
    assert app.get(_url("abc\x00def"), headers=auth(admin)).status_code == 400


def test_the_action_gives_the_raw_error_and_the_attempts(admin, failed):
    shown = helpers.call_action("datapusher_plus_job_show", {"user": admin["name"]},
                                id=failed["error"])
    assert shown["error_raw"] == TRACEBACK
    assert shown["error"] == READABLE
    assert shown["logs"] == LOGS and shown["resource_name"] == "regions.csv"
    assert [a["id"] for a in shown["attempts"]] == [failed["error"], failed["complete"]]


def test_retry_then_cancel_from_the_page(app, admin, failed):
    client = app.test_client()
    url = _url(failed["error"])
    token = _soup(client.get(url, headers=auth(admin))).find(
        "input", attrs={"name": "_csrf_token"})["value"]
    # Without JavaScript: the form posts, the browser lands on the new attempt's page.
    form = _soup(client.get(url, headers=auth(admin))).find(
        "form", action=url + "/retry/follow")
    response = client.post(form["action"], headers=auth(admin),
                           data={"_csrf_token": token, "job": failed["error"]},
                           follow_redirects=True)
    assert [s for _, s in _job_ids(failed["resource"])] == ["submitted", "error", "complete"]
    new_id = _job_ids(failed["resource"])[0][0]
    assert [r.status_code for r in response.history] == [302]
    assert response.request.path == _url(new_id)
    page = _soup(response)
    assert "Pushed again: this page follows the new attempt." in page.get_text()
    assert len(page.select("#dpp-job table tbody tr")) == 3
    # With htmx: the answer sends the browser to the new attempt's page.
    again = client.post(form["action"], headers=dict(HX, **auth(admin)),
                        data={"_csrf_token": token, "job": failed["error"]})
    assert again.status_code == 200 and "already being pushed (status: Pending)" in \
        again.get_data(as_text=True)  # the new attempt is still pending: said on the page
    # The new attempt's page polls while it is pending; htmx cancels it in place.
    new_page = _soup(response).find(id="dpp-job")
    assert new_page["hx-get"] == _url(new_id) + "?part=live"
    assert new_page.find("form", action=_url(new_id) + "/retry/follow").find(
        "button").has_attr("disabled")
    live = client.get(new_page["hx-get"], headers=dict(HX, **auth(admin)))
    assert live.status_code == 200  # still pending: polling goes on
    response = client.post(_url(new_id) + "/cancel", headers=dict(HX, **auth(admin)),
                           data={"_csrf_token": token, "job": new_id})
    part = _soup(response).find(id="dpp-job")
    assert response.status_code == 200 and "Job cancelled" in part.find(role="status").get_text()
    assert part["data-dpp-status"] == "cancelled" and not part.has_attr("hx-get")
    # Said as what it is, not as an error.
    assert part.find(attrs={"data-dpp-part": "cancelled"}).get_text(strip=True) == \
        "Cancelled by " + model.User.get(admin["name"]).display_name
    assert not part.find(attrs={"data-dpp-part": "error"})
    live = client.get(_url(new_id) + "?part=live", headers=dict(HX, **auth(admin)))
    assert live.status_code == 286  # ended: htmx stops polling


NOT_FOUND = ("Xloader received a bad HTTP response when trying to download the data file "
             "status=404 url=http://files.example.org/regions.csv")


def test_the_cause_for_sysadmins_here_for_publishers_on_the_resource(app, admin):
    """A job that xloader failed on a 404 (recorded as ``lifecycle.fail``
    records it): its page tells sysadmins the cause, what happened, the fix
    and the code; the resource's tab and badge tell the publisher what they
    can do, in a next step that agrees with it, the fix only to sysadmins."""
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org, name="regions.csv", format="CSV")
    [job_id] = seed_jobs([resource], 1, "running", backend="xloader")
    assert lifecycle.fail(model.Session, job_id, "loader_job_failed", NOT_FOUND)
    model.Session.commit()
    assert model.Session.get(Job, job_id).cause == "download_failed"  # stored

    cause = _soup(app.get(_url(job_id), headers=auth(admin))).select_one(
        "#dpp-job [data-dpp-part=error] [data-dpp-part=cause]")
    assert cause["data-dpp-cause"] == "download_failed"
    assert cause.find("h3").get_text(" ", strip=True) == (
        "Cause: The file could not be downloaded download_failed")
    assert cause.select_one("[data-dpp-part=cause-code]").get_text() == "download_failed"
    assert cause.select_one("[data-dpp-part=cause-message]").get_text(strip=True) == (
        "The file could not be downloaded: the file's server answered HTTP 404.")
    assert cause.select_one("[data-dpp-part=cause-fix]").get_text(strip=True) == (
        "Fix: Check the resource's link from the loader's machine, or ask the publisher to "
        "upload the file; then push it again.")

    tab = "/dataset/{}/datapusher-plus/{}".format(resource["package_id"], resource["id"])
    page = "/dataset/{}/resource/{}".format(resource["package_id"], resource["id"])
    for url, where in ((tab, "#dpp-status"), (page, "#dpp-badge")):
        failure = _soup(app.get(url, headers=auth(editor))).select_one(
            where + " [data-dpp-part=failure]")
        said = failure.select_one("[data-dpp-part=cause]")
        assert said["data-dpp-cause"] == "download_failed"
        assert said.get_text(strip=True) == (
            "The file could not be downloaded (the file's server answered HTTP 404): "
            "check its link.")
        assert failure.select_one("[data-dpp-part=next-step]").get_text(" ", strip=True) == (
            "Check the file's link, or upload the file again, through “Edit resource”; then "
            "push it again. Edit resource")
        assert failure.select_one("[data-dpp-part=cause-fix]") is None  # the sysadmins'
        fix = _soup(app.get(url, headers=auth(admin))).select_one(
            where + " [data-dpp-part=cause-fix]")
        assert fix.get_text(strip=True).startswith(
            "Fix (sysadmins): Check the resource's link from the loader's machine")
