"""The resource page's DataPusher+ tab, button and htmx fragments (BeautifulSoup)."""
from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests.fake_service import Answer, Callback
from ckanext.datapusherplusapi.tests.helpers import (
    make_resource,
    member_of,
    seed_jobs,
    submit,
    sysadmin_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

HX = {"HX-Request": "true"}


def _tab_url(resource, **params):
    with_params = "&".join("{}={}".format(k, v) for k, v in params.items())
    url = "/dataset/{}/datapusher-plus/{}".format(resource["package_id"], resource["id"])
    return url + ("?" + with_params if with_params else "")


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _as(user):
    return {"Authorization": user["token"]} if user else {}


@pytest.fixture
def site(service_user, fake_service, live_ckan):
    org = factories.Organization()
    other_org = factories.Organization()
    resource = make_resource(org, name="Villes")
    private = make_resource(org, private=True, name="Secret")
    fake_service.callback = None  # jobs stay pending unless a test says otherwise
    return {
        "org": org, "resource": resource, "private": private, "fake": fake_service,
        "editor": member_of(org["id"], "editor"),
        "member": member_of(org["id"], "member"),
        "other_editor": member_of(other_org["id"], "editor"),
    }


class TestWhoSeesTheTab:
    @pytest.mark.parametrize("who, expected", [
        ("anonymous", 403), ("member", 403), ("other_editor", 403), ("editor", 200),
    ])
    def test_tab_page(self, app, site, who, expected):
        user = None if who == "anonymous" else site[who]
        for resource in (site["resource"], site["private"]):
            response = app.get(_tab_url(resource), headers=_as(user))
            assert response.status_code == expected, (who, resource["name"])

    def test_sysadmin(self, app, site):
        sysadmin = sysadmin_with_token()
        assert app.get(_tab_url(site["private"]), headers=_as(sysadmin)).status_code == 200

    def test_unknown_resource_404(self, app, site):
        url = "/dataset/{}/datapusher-plus/nope".format(site["resource"]["package_id"])
        assert app.get(url, headers=_as(site["editor"])).status_code == 404

    def test_resource_of_another_dataset_404(self, app, site):
        other = factories.Dataset(owner_org=site["org"]["id"])
        url = "/dataset/{}/datapusher-plus/{}".format(other["id"], site["resource"]["id"])
        assert app.get(url, headers=_as(site["editor"])).status_code == 404

    def test_nav_tab_on_the_edit_pages(self, app, site):
        resource = site["resource"]
        page = _soup(app.get("/dataset/{}/resource/{}/edit".format(
            resource["package_id"], resource["id"]), headers=_as(site["editor"])))
        link = page.find("a", href=_tab_url(resource).replace(
            resource["package_id"], helpers.call_action(
                "package_show", id=resource["package_id"])["name"]))
        assert link is not None and "DataPusher+" in link.get_text()


class TestTabContents:
    def test_never_pushed(self, app, site):
        page = _soup(app.get(_tab_url(site["resource"]), headers=_as(site["editor"])))
        status = page.find(id="dpp-status")
        assert status.find(attrs={"data-dpp-status": True}).get_text(strip=True) == "Not pushed yet"
        assert "hx-trigger" not in status.attrs  # nothing to poll
        assert page.find(attrs={"hx-trigger": lambda v: v and v.startswith("every")}) is None
        button = status.find("button", type="submit")
        assert button.get_text(strip=True) == "Push to DataStore"
        assert not button.has_attr("disabled")
        assert status.find("input", attrs={"name": "_csrf_token"})
        assert "This resource was never pushed." in page.find(id="dpp-details").get_text()

    def test_pending_job_polls_and_disables_the_button(self, app, site):
        submit(app, site["resource"]["id"], site["editor"])
        page = _soup(app.get(_tab_url(site["resource"]), headers=_as(site["editor"])))
        status = page.find(id="dpp-status")
        assert status["hx-trigger"] == "every 3s"
        assert status["hx-get"].endswith("part=status")
        assert status.find(attrs={"data-dpp-status": True}).get_text(strip=True) == "Pending"
        assert status.find("button")["disabled"] is not None
        assert "by " + (site["editor"]["fullname"] or site["editor"]["name"]) in status.get_text()
        # The live region is outside the part htmx replaces (it would not be heard).
        region = page.find(id="dpp-announce")
        assert region["aria-live"] == "polite" and region["role"] == "status"
        assert not status.find(attrs={"aria-live": True})
        assert region.find_parent(id="dpp-status") is None
        details = page.find(id="dpp-details")
        assert details.find("tbody").find_all("tr")
        # Between the status's polls the history does not show a stale duration,
        # and the log says the push waits for its loader rather than that
        # nothing came (or that a load runs: none does yet).
        assert details.find("tbody").find("tr").find_all("td")[-2].get_text(strip=True) == "—"
        assert details.find(attrs={"data-dpp-part": "log"}).get_text(strip=True) == (
            "The push waits for its loader to take it; the loader's log lines appear here once "
            "it starts.")

    @pytest.mark.ckan_config(dpp_config.POLL_INTERVAL, 7)
    def test_poll_interval(self, app, site):
        submit(app, site["resource"]["id"], site["editor"])
        page = _soup(app.get(_tab_url(site["resource"]), headers=_as(site["editor"])))
        assert page.find(id="dpp-status")["hx-trigger"] == "every 7s"

    def test_error_in_words_with_the_raw_message_under_it(self, app, site):
        site["fake"].callback = Callback(status="error", error={
            "message": "<script>alert(1)</script>Resource too large to download: 9000 > max (10)."})
        submit(app, site["resource"]["id"], site["editor"])
        site["fake"].wait_callbacks()
        response = app.get(_tab_url(site["resource"]), headers=_as(site["editor"]))
        html = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        status = _soup(response).find(id="dpp-status")
        alert = status.find(class_="alert-danger")
        # The reason first, whole (the loader's own words, as text), then
        # its cause in the publisher's words and a next step that agrees.
        reason = alert.find(attrs={"data-dpp-part": "reason"})
        assert reason.get_text(strip=True) == (
            "<script>alert(1)</script>Resource too large to download: 9000 > max (10).")
        assert reason["dir"] == "auto"
        cause = alert.find(attrs={"data-dpp-part": "cause"})
        assert cause["data-dpp-cause"] == "file_too_large"
        assert cause.get_text(strip=True) == (
            "The file is larger than this portal loads: publish smaller files.")
        assert alert.find(attrs={"data-dpp-part": "cause-fix"}) is None  # the sysadmins'
        step = alert.find(attrs={"data-dpp-part": "next-step"})
        assert "Publish the data in smaller files through “Edit resource”" in step.get_text()
        assert step.find("a")["href"].endswith("/edit")

    def test_logs_escaped_newest_last(self, app, site):
        site["fake"].callback = Callback(logs=[
            {"timestamp": "t1", "level": "INFO", "message": "first"},
            {"timestamp": "t2", "level": "INFO", "message": "<img src=x onerror=alert(1)>"}])
        submit(app, site["resource"]["id"], site["editor"])
        site["fake"].wait_callbacks()
        response = app.get(_tab_url(site["resource"]), headers=_as(site["editor"]))
        assert "<img src=x" not in response.get_data(as_text=True)
        lines = _soup(response).select(".dpp-logs li")
        assert "first" in lines[0].get_text() and "onerror" in lines[-1].get_text()

    @pytest.mark.ckan_config(dpp_config.STUCK_AFTER, 1)
    def test_stuck_job_offers_force(self, app, site):
        submit(app, site["resource"]["id"], site["editor"])

        job = model.Session.query(Job).filter(Job.resource_id == site["resource"]["id"]).one()
        job.submitted_at = datetime.datetime.utcnow() - datetime.timedelta(minutes=5)
        model.Session.commit()
        status = _soup(app.get(_tab_url(site["resource"]), headers=_as(site["editor"]))).find(
            id="dpp-status")
        assert "Stuck" in status.get_text()
        force = status.find("button", attrs={"name": "force"})
        assert force["value"] == "true" and "Push again" in force.get_text()


class TestFragments:
    def test_poll_answer_small_and_200_while_active(self, app, site):
        submit(app, site["resource"]["id"], site["editor"])
        response = app.get(_tab_url(site["resource"], part="status"),
                           headers=dict(HX, **_as(site["editor"])))
        assert response.status_code == 200
        body = response.get_data()
        print("htmx poll answer: {} bytes".format(len(body)))
        assert len(body) <= 2048, len(body)
        assert b"<html" not in body
        assert _soup(response).find(id="dpp-status")["hx-trigger"] == "every 3s"

    def test_286_at_terminal_status(self, app, site):
        site["fake"].callback = Callback()
        submit(app, site["resource"]["id"], site["editor"])
        site["fake"].wait_callbacks()
        response = app.get(_tab_url(site["resource"], part="status"),
                           headers=dict(HX, **_as(site["editor"])))
        assert response.status_code == 286
        # The log and history reload; so does the resource page's preview.
        assert response.headers["HX-Trigger"] == "dpp-changed, dpp-complete"
        status = _soup(response).find(id="dpp-status")
        assert "hx-trigger" not in status.attrs
        assert status.find(attrs={"data-dpp-status": True}).get_text(strip=True) == "Complete"

    @pytest.mark.parametrize("part", ["status", "badge"])
    def test_a_change_is_announced_once(self, app, site, part):
        """The live region is filled when the job changed since the browser's copy."""
        site["fake"].callback = Callback()
        submit(app, site["resource"]["id"], site["editor"])
        site["fake"].wait_callbacks()
        heard = {}
        for seen in ("submitted", "complete", ""):
            response = app.get(_tab_url(site["resource"], part=part, seen=seen),
                               headers=dict(HX, **_as(site["editor"])))
            region = _soup(response).find(id="dpp-announce")
            heard[seen] = region and (region["hx-swap-oob"], region.get_text(strip=True))
        assert heard == {"submitted": ("innerHTML", "DataPusher+: Complete"),
                         "complete": None, "": None}

    def test_never_submitted_fragment_stops_polling(self, app, site):
        response = app.get(_tab_url(site["resource"], part="badge"),
                           headers=dict(HX, **_as(site["editor"])))
        assert response.status_code == 286

    def test_details_fragment(self, app, site):
        submit(app, site["resource"]["id"], site["editor"])
        response = app.get(_tab_url(site["resource"], part="details"),
                           headers=dict(HX, **_as(site["editor"])))
        assert response.status_code == 200
        assert _soup(response).find(id="dpp-details")["hx-trigger"] == "dpp-changed from:body"

    def test_unknown_part(self, app, site):
        response = app.get(_tab_url(site["resource"], part="nope"),
                           headers=dict(HX, **_as(site["editor"])))
        assert response.status_code == 400

    def test_fragments_need_the_same_rights(self, app, site):
        for user in (None, site["member"], site["other_editor"]):
            response = app.get(_tab_url(site["resource"], part="status"),
                               headers=dict(HX, **_as(user)))
            assert response.status_code == 403


def _client_and_token(app, user, resource):
    """A test client signed in as ``user``, and the CSRF token of its tab page."""
    client = app.test_client()
    page = client.get(_tab_url(resource), headers=_as(user))
    token = _soup(page).find("input", attrs={"name": "_csrf_token"})["value"]
    return client, token


class TestSubmitFromThePage:

    def test_csrf_required(self, app, site):
        response = app.post(_tab_url(site["resource"]), data={"part": "status"},
                            headers=dict(HX, **_as(site["editor"])))
        assert response.status_code == 400
        assert site["fake"].job_posts() == []

    def test_htmx_post_answers_the_fragment(self, app, site):
        client, token = _client_and_token(app, site["editor"], site["resource"])
        response = client.post(_tab_url(site["resource"]), headers=dict(HX, **_as(site["editor"])),
                               data={"part": "status", "_csrf_token": token})
        assert response.status_code == 200
        assert response.headers["HX-Trigger"] == "dpp-changed"
        status = _soup(response).find(id="dpp-status")
        assert status.find(attrs={"data-dpp-status": True})["data-dpp-status"] == "submitted"
        assert status["hx-trigger"] == "every 3s"
        assert len(site["fake"].job_posts()) == 1

    def test_errors_inline_and_translated(self, app, site):
        helpers.call_action("resource_patch", id=site["resource"]["id"], format="PDF")
        client, token = _client_and_token(app, site["editor"], site["resource"])
        response = client.post("/fr" + _tab_url(site["resource"]),
                               headers=dict(HX, **_as(site["editor"])),
                               data={"part": "status", "_csrf_token": token})
        assert response.status_code == 200
        alert = _soup(response).find(attrs={"role": "alert"})
        assert "Format PDF non pris en charge : ce portail charge" in alert.get_text()

    def test_service_down_inline(self, app, site):
        site["fake"].script(*[Answer(status=503)] * 4)
        client, token = _client_and_token(app, site["editor"], site["resource"])
        response = client.post(_tab_url(site["resource"]), headers=dict(HX, **_as(site["editor"])),
                               data={"part": "status", "_csrf_token": token})
        status = _soup(response).find(id="dpp-status")
        assert "HTTP 503" in status.find(attrs={"role": "alert"}).get_text()
        assert status.find(attrs={"data-dpp-status": True})["data-dpp-status"] == "error"

    def test_force_from_the_page(self, app, site):
        first = submit(app, site["resource"]["id"], site["editor"])
        client, token = _client_and_token(app, site["editor"], site["resource"])
        client.post(_tab_url(site["resource"]), headers=dict(HX, **_as(site["editor"])),
                    data={"part": "status", "_csrf_token": token, "force": "true"})
        status = helpers.call_action("datapusher_plus_status", resource_id=site["resource"]["id"])
        assert status["job_id"] != first["job_id"] and status["attempt"] == 2

    def test_plain_post_redirects_with_a_flash(self, app, site):
        client, token = _client_and_token(app, site["editor"], site["resource"])
        response = client.post(_tab_url(site["resource"]), headers=_as(site["editor"]),
                               data={"_csrf_token": token}, follow_redirects=True)
        assert response.status_code == 200
        assert "Pushed to the DataStore: follow the push below." in response.get_data(as_text=True)


class TestDeleteFromDataStore:
    def _in_datastore(self, resource):
        helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                            fields=[{"id": "ville", "type": "text"}], records=[{"ville": "Fès"}])

    def _delete_url(self, resource):
        return _tab_url(resource).replace("?", "") + "/delete-data"

    def test_offered_with_a_confirmation_only_when_there_is_data(self, app, site):
        status = _soup(app.get(_tab_url(site["resource"]), headers=_as(site["editor"])))
        assert not status.find("form", action=lambda a: a and a.endswith("/delete-data"))
        self._in_datastore(site["resource"])
        page = _soup(app.get(_tab_url(site["resource"]), headers=_as(site["editor"])))
        form = page.find("form", action=lambda a: a and a.endswith("/delete-data"))
        assert form["hx-confirm"].startswith("Delete the data of this resource from the DataStore?")
        assert form.find("button").get_text(strip=True) == "Delete from DataStore"

    def test_refused_while_a_push_is_active(self, app, site):
        self._in_datastore(site["resource"])
        submit(app, site["resource"]["id"], site["editor"])  # pending: the fake never calls back
        client, token = _client_and_token(app, site["editor"], site["resource"])
        page = _soup(client.get(_tab_url(site["resource"]), headers=_as(site["editor"])))
        form = page.find("form", action=lambda a: a and a.endswith("/delete-data"))
        assert form.find("button").has_attr("disabled")
        response = client.post(self._delete_url(site["resource"]),
                               headers=dict(HX, **_as(site["editor"])),
                               data={"part": "status", "_csrf_token": token})
        alert = _soup(response).find(attrs={"role": "alert"})
        assert "is pending or running" in alert.get_text()
        assert helpers.call_action("datastore_search", resource_id=site["resource"]["id"])["total"]

    def test_deletes_the_table_for_who_may_push(self, app, site):
        self._in_datastore(site["resource"])
        url = self._delete_url(site["resource"])
        client, token = _client_and_token(app, site["editor"], site["resource"])
        # Who may not push: refused, the data stays.
        assert client.post(url, headers=dict(HX, **_as(site["member"])),
                           data={"_csrf_token": token}).status_code == 403
        assert client.post(url, headers=dict(HX, **_as(site["editor"])),
                           data={"part": "status"}).status_code == 400  # no CSRF token
        assert helpers.call_action("datastore_search", resource_id=site["resource"]["id"])["total"]
        response = client.post(url, headers=dict(HX, **_as(site["editor"])),
                               data={"part": "status", "_csrf_token": token})
        assert response.status_code == 200
        part = _soup(response)
        assert "was deleted from the DataStore" in part.find(attrs={"role": "status"}).get_text()
        assert not part.find("form", action=lambda a: a and a.endswith("/delete-data"))
        shown = helpers.call_action("resource_show", id=site["resource"]["id"])
        assert not shown.get("datastore_active")
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("datastore_search", resource_id=site["resource"]["id"])
        # Again: nothing to delete, said in words.
        again = client.post(url, headers=dict(HX, **_as(site["editor"])),
                            data={"part": "status", "_csrf_token": token})
        alert = _soup(again).find(attrs={"role": "alert"})
        assert "has no data in the DataStore" in alert.get_text()


class TestResourcePage:
    def _page(self, app, resource, user):
        return _soup(app.get("/dataset/{}/resource/{}".format(
            resource["package_id"], resource["id"]), headers=_as(user)))

    def test_editor_sees_the_button_and_badge(self, app, site):
        page = self._page(app, site["resource"], site["editor"])
        badge = page.find(id="dpp-badge")
        assert "Push to DataStore" in badge.find("button").get_text()
        assert badge.find(attrs={"data-dpp-status": True}).get_text(strip=True) == "Not pushed yet"
        assert "hx-trigger" not in badge.attrs

    def test_the_badge_links_to_the_tab_and_says_why_a_push_failed(self, app, site):
        seed_jobs([site["resource"]], 1, "error", error=(
            "Traceback (most recent call last):\n"
            '  File "/srv/venv/lib/python3.11/site-packages/loader/jobs.py", line 9, in load\n'
            "    parse(path)\n"
            "ValueError: bad header in /tmp/loader-1/villes.csv"))
        badge = self._page(app, site["resource"], site["editor"]).find(id="dpp-badge")
        link = badge.find("a", attrs={"data-dpp-status": "error"})
        name = helpers.call_action("package_show", id=site["resource"]["package_id"])["name"]
        assert link["href"] == "/dataset/{}/datapusher-plus/{}".format(name, site["resource"]["id"])
        assert link.get_text(strip=True) == "Error"
        # The reason first and whole (the loader's words, its paths as file
        # names), then what it means and what to do, with "Edit resource".
        reason = badge.find(class_="dpp-reason")
        first = reason.find(attrs={"data-dpp-part": "reason"})
        assert first.get_text(strip=True) == "ValueError: bad header in villes.csv"
        assert first["dir"] == "auto" and not first.has_attr("title")
        assert "could not load the file" in reason.get_text()
        assert reason.find("a", string="Edit resource")["href"].endswith("/edit")
        reason = reason.get_text(strip=True)
        # The same in the part the badge polls, and nothing of it for others.
        part = _soup(app.get(_tab_url(site["resource"], part="badge"),
                             headers=dict(HX, **_as(site["editor"]))))
        assert part.find(class_="dpp-reason").get_text(strip=True) == reason
        member_page = self._page(app, site["resource"], site["member"])
        assert "bad header" not in member_page.get_text()
        assert "Not in the DataStore" in member_page.get_text()

    def test_no_push_button_for_a_format_the_loader_does_not_load(self, app, site):
        pdf = make_resource(site["org"], url="http://127.0.0.1:9/report.pdf", format="PDF")
        badge = self._page(app, pdf, site["editor"]).find(id="dpp-badge")
        assert badge.find("button") is None and badge.find("form") is None
        assert badge.find(attrs={"data-dpp-status": True}).get_text(strip=True) == "Not pushed yet"
        tab = _soup(app.get(_tab_url(pdf), headers=_as(site["editor"])))
        status = tab.find(id="dpp-status")
        assert status.find("button") is None
        assert "does not load PDF files" in status.get_text()
        # A CSV of the same dataset keeps its button, in the page and in the poll's part.
        assert self._page(app, site["resource"], site["editor"]).find(id="dpp-badge").find("button")
        part = _soup(app.get(_tab_url(site["resource"], part="badge"),
                             headers=dict(HX, **_as(site["editor"]))))
        assert part.find("button") is not None

    def test_badge_polls_while_active(self, app, site):
        submit(app, site["resource"]["id"], site["editor"])
        badge = self._page(app, site["resource"], site["editor"]).find(id="dpp-badge")
        assert badge["hx-trigger"] == "every 3s" and badge.find("button").has_attr("disabled")

    @pytest.mark.parametrize("who", ["anonymous", "member", "other_editor"])
    def test_others_see_only_the_datastore_state(self, app, site, who):
        user = None if who == "anonymous" else site[who]
        page = self._page(app, site["resource"], user)
        assert page.find(id="dpp-badge") is None
        assert "Push to DataStore" not in page.get_text()
        assert "Not in the DataStore" in page.get_text()
        helpers.call_action("datastore_create", resource_id=site["resource"]["id"], force=True,
                            fields=[{"id": "a", "type": "text"}])
        assert "In the DataStore" in self._page(app, site["resource"], user).get_text()

    def test_private_resource_hidden_from_others(self, app, site):
        url = "/dataset/{}/resource/{}".format(site["private"]["package_id"], site["private"]["id"])
        # CKAN answers 404 for a private dataset to who may not see it (it does
        # not tell that the dataset exists)
        assert app.get(url).status_code == 404
        assert app.get(url, headers=_as(site["other_editor"])).status_code == 404
        member_page = _soup(app.get(url, headers=_as(site["member"])))
        assert "Not in the DataStore" in member_page.get_text()

    def test_one_htmx_copy(self, app, site):
        """The page carries exactly one copy of htmx: core's from CKAN 2.11 on,
        ours (vendored) on 2.10."""
        core = tk.check_ckan_version(min_version="2.11")
        for url in ("/dataset/{}/resource/{}".format(site["resource"]["package_id"],
                                                     site["resource"]["id"]),
                    _tab_url(site["resource"])):
            page = _soup(app.get(url, headers=_as(site["editor"])))
            scripts = [tag["src"] for tag in page.find_all("script", src=True)
                       if "htmx" in tag["src"]]
            assert len(scripts) == 1, scripts
            assert ("/vendor/" in scripts[0]) if core else ("/datapusherplusapi/" in scripts[0])
            styles = [tag["href"] for tag in page.find_all("link", rel="stylesheet")]
            assert any("datapusherplusapi/" in href for href in styles)
