"""The sysadmin dashboard: access, filters, paging, CSV, live part, scale."""
from __future__ import annotations

import csv
import datetime
import io

import pytest
import rq
import sqlalchemy as sa
from bs4 import BeautifulSoup

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.logic import background
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests.fake_service import Callback
from ckanext.datapusherplusapi.tests.helpers import (
    free_port,
    make_resource,
    member_of,
    seed_jobs,
    sql_statements,
    sysadmin_with_token,
    user_with_token,
    worker_command,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

URL = "/ckan-admin/datapusher-plus/"
HX = {"HX-Request": "true"}


def _as(user):
    return {"Authorization": user["token"]} if user else {}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def admin(service_user, fake_service, live_ckan):
    fake_service.callback = Callback()
    return sysadmin_with_token()


class TestAccess:
    def test_sysadmins_only(self, app, admin):
        org = factories.Organization()
        for user in (None, user_with_token(), member_of(org["id"], "admin")):
            assert app.get(URL, headers=_as(user)).status_code == 403
            assert app.get(URL + "export.csv", headers=_as(user)).status_code == 403
            assert app.post(URL + "bulk", data={"mode": "retry_failed"},
                            headers=_as(user)).status_code == 403
        assert app.get(URL, headers=_as(admin)).status_code == 200

    def test_admin_tab(self, app, admin):
        page = _soup(app.get("/ckan-admin/", headers=_as(admin)))
        assert page.find("a", href=URL.rstrip("/")) or page.find("a", href=URL)

    def test_actions_sysadmin_only(self, admin):
        user = factories.User()
        for action in ("datapusher_plus_job_list", "datapusher_plus_stats",
                       "datapusher_plus_job_retry", "datapusher_plus_job_cancel",
                       "datapusher_plus_bulk_submit", "datapusher_plus_service_status",
                       "datapusher_plus_task_list", "datapusher_plus_job_refresh",
                       "datapusher_plus_job_purge"):
            with pytest.raises(tk.NotAuthorized):
                helpers.call_auth(action, {"user": user["name"], "model": model})
            assert helpers.call_auth(action, {"user": admin["name"], "model": model})

    def test_post_needs_csrf(self, app, admin):
        assert app.post(URL + "bulk", data={"mode": "not_in_datastore"},
                        headers=_as(admin)).status_code == 400


class TestTable:
    def test_filters_sort_and_pages(self, app, admin):
        org_a = factories.Organization(name="org-a", title="Org A")
        org_b = factories.Organization(name="org-b")
        csv_a = make_resource(org_a, name="alpha csv")
        xlsx_b = make_resource(org_b, name="beta sheet", format="XLSX")
        seed_jobs([csv_a], 30, "complete")
        seed_jobs([xlsx_b], 5, "error", error="boom")
        seed_jobs([csv_a], 3, "error", days_ago=10, error="old")

        def rows(**params):
            page = _soup(app.get(URL, query_string=params, headers=_as(admin)))
            return page.select("#dpp-jobs tbody tr[data-dpp-job]"), page

        first, page = rows()
        assert len(first) == 25 and "38 jobs" in page.get_text()
        # CKAN's own pager; its links keep the filters.
        numbers = [a.get_text(strip=True) for a in page.select(".pagination a")]
        assert [n for n in numbers if n.isdigit()] == ["1", "2"]  # and CKAN's "next" link
        assert len(numbers) == 3
        assert page.select_one(".pagination li.active a").get_text() == "1"
        _rows, filtered = rows(format="CSV")
        assert filtered.select(".pagination a")[1]["href"] == URL + "?format=CSV&page=2"
        second, _ = rows(page=2)
        assert len(second) == 13
        assert len(rows(status="error")[0]) == 8
        assert len(rows(organization="org-b")[0]) == 5
        assert len(rows(format="XLSX")[0]) == 5
        assert len(rows(q="alpha")[0]) == 25
        recent = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
        assert len(rows(status="error", date_from=recent)[0]) == 5
        assert len(rows(latest_only="true")[0]) == 2
        assert [r["data-dpp-status"] for r in rows(latest_only="true", sort="status",
                                                   order="asc")[0]] == ["complete", "error"]
        oldest, _ = rows(sort="submitted", order="asc")
        assert "old" in oldest[0].get_text()
        # Filters live in the URL: a bookmark gives the same view.
        link = page.select_one('a[data-dpp-count="error"]')["href"]
        assert "status=error" in link

    def test_sorted_by_duration(self, app, admin):
        """Ended jobs by how long they took (the duration index's order, under a
        status filter); without one, a running job's time runs until now."""
        org_a = factories.Organization(name="org-a")
        org_b = factories.Organization(name="org-b")
        ours, running, theirs = (make_resource(org_a), make_resource(org_a),
                                 make_resource(org_b))
        start = datetime.datetime.utcnow() - datetime.timedelta(hours=2)
        took = {}
        for seconds, resource in ((5, ours), (500, ours), (50, ours), (5000, theirs)):
            took[seed_jobs([resource], 1, "error", error="boom", submitted_at=start,
                           finished_at=start + datetime.timedelta(seconds=seconds))[0]] = seconds
        active = seed_jobs([running], 1, "running", submitted_at=datetime.datetime.utcnow()
                           - datetime.timedelta(seconds=100))[0]

        def order(**params):
            page = _soup(app.get(URL, query_string=dict(sort="duration", **params),
                                 headers=_as(admin)))
            return [row["data-dpp-job"] for row in page.select("#dpp-jobs tbody tr[data-dpp-job]")]

        longest = sorted((j for j in took if took[j] != 5000), key=took.get, reverse=True)
        assert order(status="error", organization="org-a") == longest
        assert order(status="error", organization="org-a", order="asc") == longest[::-1]
        # 100 s and counting: between the 500 s and the 50 s
        assert order(organization="org-a") == longest[:1] + [active] + longest[1:]
        # The form sorts too (a phone's cards have no column headers), as the list is sorted.
        page = _soup(app.get(URL, query_string={"sort": "duration", "order": "asc"},
                             headers=_as(admin)))
        form = page.find("form", attrs={"aria-label": "Filter the jobs"})
        assert [o["value"] for o in form.select("#dpp-sort option")] == [
            "resource", "dataset", "organization", "format", "status", "submitted", "duration"]
        assert form.select_one("#dpp-sort option[selected]")["value"] == "duration"
        assert form.select_one("#dpp-order option[selected]")["value"] == "asc"
        assert len(form.select('[name="sort"]')) == len(form.select('[name="order"]')) == 1

    def test_bad_filter_is_said_not_fatal(self, app, admin):
        response = app.get(URL, query_string={"date_from": "yesterday"}, headers=_as(admin))
        assert response.status_code == 200
        assert "Filter ignored" in response.get_data(as_text=True)

    def test_escaping(self, app, admin):
        org = factories.Organization(title='<script>alert("org")</script>')
        resource = make_resource(org, name='<img src=x onerror=alert(1)>')
        seed_jobs([resource], 1, "error", error="<script>alert('err')</script>")
        html = app.get(URL, headers=_as(admin)).get_data(as_text=True)
        for raw in ('<script>alert("org")</script>', "<img src=x onerror",
                    "<script>alert('err')</script>"):
            assert raw not in html

    def test_confirmations_say_what_they_affect(self, app, admin):
        org = factories.Organization()
        seed_jobs([make_resource(org), make_resource(org)], 2, "error", error="x")
        # (pending: the DataPusher service cannot stop a running load, which has no Cancel)
        seed_jobs([make_resource(org, name="Villes actives")], 1, "submitted")
        page = _soup(app.get(URL, headers=_as(admin)))

        def form(mode):
            return page.find("input", attrs={"name": "mode", "value": mode}).find_parent("form")

        assert form("retry_failed")["hx-confirm"] == (
            "Retry the 2 resources whose latest push failed, among those the filter selects?")
        assert "whose data is not there yet" in form("not_in_datastore")["hx-confirm"]
        cancel = [f for f in page.find_all("form") if f["action"].endswith("/cancel")]
        assert [f["hx-confirm"] for f in cancel] == ["Cancel the push of Villes actives?"]
        retry = cancel[0].find_parent("td").find("form").find("button")  # its row's Retry
        assert retry.has_attr("disabled")
        assert retry["title"] == "This job is still pending or running: cancel it first"
        # Nothing to retry under this filter: the button says so and cannot be pressed.
        page = _soup(app.get(URL, query_string={"q": "no-such-resource"}, headers=_as(admin)))
        button = form("retry_failed").find("button")
        assert button.has_attr("disabled") and button["title"] == (
            "No resource chosen by the filter has a failed latest push")

    def test_summary_follows_the_filters(self, app, admin):
        one, other = factories.Organization(), factories.Organization()
        seed_jobs([make_resource(one)], 3, "error", error="x")  # three attempts of one resource
        seed_jobs([make_resource(other)], 2, "complete")

        def cards(**query):
            page = _soup(app.get(URL, query_string=query, headers=_as(admin)))
            return page, {key: int(page.select_one('[data-dpp-count="{}"] .fs-4'.format(key))
                                   .get_text()) for key in ("complete", "error")}

        page, counts = cards(organization=one["name"])
        assert counts == {"complete": 0, "error": 3}
        assert page.find(attrs={"data-dpp-summary": "filtered"})
        listed, _ = cards(organization=one["name"], status="error")
        assert len(listed.select("#dpp-jobs tbody tr[data-dpp-job]")) == 3  # what the card said
        page, counts = cards()
        assert counts == {"complete": 2, "error": 3}
        assert not page.find(attrs={"data-dpp-summary": "filtered"})
        stats = helpers.call_action("datapusher_plus_stats", organization=other["name"])
        assert stats["counts"]["complete"] == 2 and stats["success_rate_24h"] == 1.0
        today = datetime.datetime.utcnow().date().isoformat()
        assert stats["per_day"][-1] == {"day": today, "complete": 2}
        assert helpers.call_action("datapusher_plus_stats", latest_only=True,
                                   organization=one["name"])["counts"]["error"] == 1

    def test_settings_in_effect(self, app, admin, fake_service, monkeypatch):
        monkeypatch.setitem(tk.config, "ckanext.datapusher_plus.webhook_secret", "whsec-8d1f")
        monkeypatch.setitem(tk.config, "ckanext.datapusher_plus.metrics_token", "mtok-5c2e")
        page = _soup(app.get(URL, headers=_as(admin)))
        rows = {row.find("code").get_text(): row.find("td").get_text(strip=True)
                for row in page.select("[data-dpp-part=settings] tbody tr")}
        assert len(rows) == 22 and all(key.startswith("ckanext.datapusher_plus.") for key in rows)
        assert rows["ckanext.datapusher_plus.backend"] == "service"
        assert rows["ckanext.datapusher_plus.url"] == fake_service.url
        assert rows["ckanext.datapusher_plus.auto_submit"] == "false"
        assert rows["ckanext.datapusher_plus.formats"] == "not set: the loader's own"
        # The token only as set: never its value.
        assert rows["ckanext.datapusher_plus.api_token"] == "set"
        assert tk.config["ckanext.datapusher_plus.api_token"] not in page.decode()
        assert rows["ckanext.datapusher_plus.webhook_secret"] == "set"
        assert "whsec-8d1f" not in page.decode()
        assert rows["ckanext.datapusher_plus.metrics_token"] == "set"
        assert "mtok-5c2e" not in page.decode()

    def test_the_chart_reads_at_a_glance(self, app, admin):
        empty = _soup(app.get(URL, headers=_as(admin))).find(attrs={"data-dpp-part": "chart"})
        assert "No job in the last 30 days." in empty.get_text()
        assert not empty.find("svg", role="img")
        resource = make_resource()
        seed_jobs([resource], 2, "complete")
        seed_jobs([resource], 1, "error", error="x")
        seed_jobs([resource], 1, "complete", days_ago=2)
        chart = _soup(app.get(URL, headers=_as(admin))).find(attrs={"data-dpp-part": "chart"})
        # The vertical axis: whole numbers, from the busiest day's count (3, up to even) to 0.
        axis = [span.get_text() for span in chart.select(".dpp-chart-axis span")]
        assert axis == ["4", "2", "0"]
        assert "at most 3 jobs on one day" in chart.find("desc").get_text()
        assert chart.find("svg", role="img")["aria-labelledby"] == "dpp-chart-title dpp-chart-desc"
        # The same figures as a table, one row per day with jobs.
        table = chart.find(attrs={"data-dpp-part": "chart-table"})
        header = [th.get_text(strip=True) for th in table.select("thead th")]
        assert header == ["Day", "Complete", "Error", "Pending", "Cancelled", "Total"]
        rows = [[cell.get_text(strip=True) for cell in tr.find_all(["th", "td"])][1:]
                for tr in table.select("tbody tr")]
        assert rows == [["1", "0", "0", "0", "1"], ["2", "1", "0", "0", "3"]]

    def test_stuck_shown(self, app, admin):
        resource = make_resource()
        seed_jobs([resource], 1, "submitted", days_ago=1)
        page = _soup(app.get(URL, query_string={"status": "stuck"}, headers=_as(admin)))
        row = page.select_one("#dpp-jobs tbody tr[data-dpp-job]")
        assert row["data-dpp-status"] == "stuck"
        assert page.select_one('[data-dpp-count="stuck"] .fs-4').get_text() == "1"


class TestCsv:
    def test_export(self, app, admin):
        org = factories.Organization()
        resource = make_resource(org, name="=HYPERLINK(\"http://evil\")")
        seed_jobs([resource], 3, "error", error="+cmd|' /C calc'!A0")
        seed_jobs([make_resource(org, name="fine")], 2, "complete")
        response = app.get(URL + "export.csv", query_string={"status": "error"},
                           headers=_as(admin))
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        assert len(rows) == 3
        assert rows[0]["resource_name"] == "'=HYPERLINK(\"http://evil\")"
        assert rows[0]["error"].startswith("'+cmd")
        assert rows[0]["status"] == "error"
        assert "job_key" not in response.get_data(as_text=True)

    def test_excel_reads_it_and_its_name_says_what_it_holds(self, app, admin):
        org = factories.Organization(name="ministere-culture", title="Ministère de la Culture")
        user = factories.User(fullname="Aïcha Benali")
        jobs = seed_jobs([make_resource(org, name="Théâtres")], 2, "error", error="x",
                         user_id=user["id"])
        seed_jobs([make_resource(org)], 1, "complete", origin="loader")
        response = app.get(URL + "export.csv", headers=_as(admin),
                           query_string={"status": "error", "organization": org["name"]})
        body = response.get_data()
        # A UTF-8 byte order mark first: Excel then reads "Ministère", not "MinistÃ¨re".
        assert body.startswith(b"\xef\xbb\xbf")
        today = datetime.date.today().isoformat()
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="datapusher-plus-jobs_status-error_organization-'
            'ministere-culture_{}.csv"'.format(today))
        assert body.decode("utf-8").startswith('\ufeff"id",')
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert list(rows[0]) == [
            "id", "loader_job_id", "resource_id", "resource_name", "dataset_name",
            "organization_name", "resource_format", "status", "submitted", "finished",
            "duration", "started_by_loader", "user_name", "user_display_name", "attempt",
            "error_type", "error", "cause"]
        # ``id``: the job's page's own (this extension's id, not the loader's).
        assert sorted(row["id"] for row in rows) == sorted(jobs)
        assert app.get(URL + "jobs/" + rows[0]["id"], headers=_as(admin)).status_code == 200
        assert {row["resource_name"] for row in rows} == {"Théâtres"}
        assert {row["user_display_name"] for row in rows} == {"Aïcha Benali"}
        assert {row["started_by_loader"] for row in rows} == {"false"}
        every = list(csv.DictReader(io.StringIO(app.get(
            URL + "export.csv", headers=_as(admin)).get_data().decode("utf-8-sig"))))
        assert sorted(row["started_by_loader"] for row in every) == ["false", "false", "true"]


class TestFiltersAndCounts:
    def test_organizations_by_title_in_the_readers_order(self, app, admin):
        for name, title in (("a-zebre", "Zèbre"), ("b-economie", "Économie"),
                            ("c-agriculture", "agriculture"), ("d-eau", "Eau")):
            factories.Organization(name=name, title=title)
        page = _soup(app.get(URL, headers=_as(admin)))
        for select in ("#dpp-org", "#dpp-bulk-org"):
            options = page.select(select + " option")[1:]
            assert [o.get_text() for o in options] == ["agriculture", "Eau", "Économie", "Zèbre"]
            assert [o["value"] for o in options] == [
                "c-agriculture", "d-eau", "b-economie", "a-zebre"]

    def test_the_bulk_retry_says_what_it_counts(self, app, admin):
        org = factories.Organization()
        resources = [make_resource(org) for _ in range(5)]
        seed_jobs(resources, 9, "error", error="x")  # 9 failed attempts of 5 resources
        seed_jobs([make_resource(org)], 1, "complete")
        page = _soup(app.get(URL, query_string={"status": "error"}, headers=_as(admin)))
        assert len(page.select("#dpp-jobs tbody tr[data-dpp-job]")) == 9
        assert page.select_one("[data-dpp-part=count]").get_text(strip=True) == "9 jobs"
        form = page.find("input", attrs={"name": "mode", "value": "retry_failed"}).find_parent(
            "form")
        # The dialog and its button count resources (whose latest push failed), and say so.
        assert form["hx-confirm"] == (
            "Retry the 5 resources whose latest push failed, among those the filter selects?")
        assert form.find("button").get_text(strip=True) == (
            "Retry 5 resources whose latest push failed")
        # ... which is what the list shows of the latest jobs, and what a retry pushes.
        latest = _soup(app.get(URL, query_string={"status": "error", "latest_only": "true"},
                               headers=_as(admin)))
        assert len(latest.select("#dpp-jobs tbody tr[data-dpp-job]")) == 5
        assert background.count_to_retry({"organization": org["name"]}) == 5

    @pytest.mark.parametrize("locale, said", [
        ("en", "Must be one of: Pending (pending), Running (running), Complete (complete)"),
        ("fr", "Doit être l’une de ces valeurs : En attente (pending), En cours (running)"),
    ])
    def test_an_invalid_filter_is_said_in_words(self, app, admin, locale, said):
        prefix = "" if locale == "en" else "/" + locale
        page = _soup(app.get(prefix + URL, query_string={"status": "bogus", "order": "up"},
                             headers=_as(admin)))
        alert = page.find(id="dpp-live").find(role="alert").get_text(" ", strip=True)
        assert said in alert, alert
        assert "[" not in alert and "'" not in alert
        # An export is refused, with the same words.
        refused = app.get(prefix + URL + "export.csv", query_string={"status": "bogus"},
                          headers=_as(admin))
        assert refused.status_code == 400 and said in refused.get_data(as_text=True)

    def test_the_top_failure_reasons_are_causes_that_lead_to_their_jobs(self, app, admin,
                                                                       monkeypatch):
        org = factories.Organization()
        first, second = make_resource(org), make_resource(org)
        missing = ("Xloader received a bad HTTP response when trying to download the data "
                   "file status=404 url=http://example.org/{}.csv")
        seed_jobs([first, second], 2, "error", error=missing.format("a"))
        seed_jobs([first], 1, "error", error=missing.format("b"))  # the same cause
        seed_jobs([second], 1, "error", error="bad header", error_type="invalid_file")
        seed_jobs([first], 4, "error", error="old failure", days_ago=10)  # before the period
        seed_jobs([make_resource(org)], 2, "complete")
        with sql_statements(monkeypatch) as statements:
            stats = helpers.call_action("datapusher_plus_stats", {"user": admin["name"]})
        # One query over the period's failed jobs, grouped by cause and message.
        assert len([sql for sql in statements if "row_number()" in sql]) == 1
        reasons = stats["failure_reasons"]
        assert [(r["cause"], r["title"], r["count"], r["error"]) for r in reasons] == [
            ("download_failed", "The file could not be downloaded", 3, missing.format("a")),
            ("invalid_file", "The file is not a well-formed table", 1, "bad header")]
        page = _soup(app.get(URL, headers=_as(admin)))
        items = page.select("[data-dpp-part=reasons] li[data-dpp-cause]")
        assert [li["data-dpp-cause"] for li in items] == ["download_failed", "invalid_file"]
        assert items[0].find("a").get_text(strip=True) == "The file could not be downloaded"
        assert "3 jobs" in items[0].get_text()
        assert missing.format("a") in items[0].select_one("[data-dpp-part=example]").get_text()
        listed = _soup(app.get(items[0].find("a")["href"], headers=_as(admin)))
        rows = listed.select("#dpp-jobs tbody tr[data-dpp-job]")
        assert len(rows) == 3 and {r["data-dpp-status"] for r in rows} == {"error"}
        assert {r.select_one(".dpp-cell-error [data-dpp-cause]").get_text(strip=True)
                for r in rows} == {"The file could not be downloaded"}
        assert listed.select_one("#dpp-cause option[selected]")["value"] == "download_failed"
        # The summary counts the jobs so chosen, and so do the top reasons
        # beside it (the figures the filter selects: that cause alone).
        assert listed.select_one('[data-dpp-count="error"] .fs-4').get_text() == "3"
        assert [li["data-dpp-cause"] for li in listed.select(
            "[data-dpp-part=reasons] li[data-dpp-cause]")] == ["download_failed"]
        # The Error card is coloured (not zero) and the active filter marked.
        card = listed.select_one('[data-dpp-count="error"]')
        assert "dpp-card-alert" in card["class"] and card["aria-current"] == "true"
        assert not listed.select_one('[data-dpp-count="stuck"]').has_attr("aria-current")
        assert "dpp-card-alert" not in listed.select_one('[data-dpp-count="stuck"]')["class"]
        # The bulk retry keeps the cause: the one resource whose latest push failed so
        # (the other's latest failed otherwise).
        retry = listed.select_one("[data-dpp-retry-count]")
        assert retry["data-dpp-retry-count"] == "1"
        assert retry.find_parent("form").select_one("input[name=cause]")["value"] == (
            "download_failed")
        # The export too: only those jobs, each with its cause's code.
        exported = list(csv.DictReader(io.StringIO(app.get(
            URL + "export.csv", query_string={"cause": "invalid_file"},
            headers=_as(admin)).get_data().decode("utf-8-sig"))))
        assert [(row["cause"], row["error"]) for row in exported] == [
            ("invalid_file", "bad header")]

    @pytest.mark.parametrize("locale, said", [
        ("en", "Must be one of: The worker died (worker_died), "),
        ("fr", "Doit être l’une de ces valeurs : "),
    ])
    def test_an_unknown_cause_is_refused_in_words(self, app, admin, locale, said):
        prefix = "" if locale == "en" else "/" + locale
        for path in ("/api/action/datapusher_plus_job_list",
                     "/api/action/datapusher_plus_stats"):
            refused = app.get(prefix + path, query_string={"cause": "no_such_cause"},
                              headers=_as(admin))
            # CKAN's API answers a validation error with its 409 ("Validation Error").
            assert refused.status_code == 409
            error = refused.json["error"]
            assert error["__type"] == "Validation Error"
            assert said in error["cause"][0] and "(download_failed)" in error["cause"][0]
            assert "(no_worker)" not in error["cause"][0]  # never stored: no filter
        # The export, the dashboard's own URL, says it with a 400.
        export = app.get(prefix + URL + "export.csv", query_string={"cause": "no_such_cause"},
                         headers=_as(admin))
        assert export.status_code == 400 and said in export.get_data(as_text=True)
        bad = _soup(app.get(prefix + URL, query_string={"cause": "' OR 1=1"},
                            headers=_as(admin)))
        assert said in bad.find(id="dpp-live").find(role="alert").get_text()

    def test_people_by_their_display_name(self, app, admin):
        user = factories.User(fullname="Fatima Zahra El Idrissi")
        seed_jobs([make_resource()], 1, "error", error="x", user_id=user["id"])
        row = _soup(app.get(URL, headers=_as(admin))).select_one("#dpp-jobs tbody tr[data-dpp-job]")
        assert "Fatima Zahra El Idrissi" in row.get_text()
        assert user["name"] not in row.get_text()


class TestSettings:
    @pytest.mark.ckan_config("ckan.plugins",
                             "datapusherplusapi xloader datastore datapusherplusapi_nosolr")
    @pytest.mark.ckan_config(dpp_config.BACKEND, "xloader")
    @pytest.mark.ckan_config("ckanext.xloader.api_token", "a-token")
    def test_the_options_of_the_loader_in_use(self, app):
        admin = sysadmin_with_token()
        page = _soup(app.get(URL, headers=_as(admin)))
        rows = {row.find("code").get_text(): row.find("td")
                for row in page.select("[data-dpp-part=settings] tbody tr")}
        for service_only in ("url", "timeout", "max_retries", "backoff_factor",
                             "callback_url_base", "api_token"):
            assert "ckanext.datapusher_plus." + service_only not in rows
        assert rows["ckanext.datapusher_plus.backend"].get_text(strip=True) == "xloader"
        # Unset: "not set", never an empty cell.
        assert rows["ckanext.datapusher_plus.webhook_url"].get_text(strip=True) == "not set"
        assert all(cell.get_text(strip=True) for cell in rows.values())
        # The formats line: the loader's and the JSON/XML loader's.
        formats = page.select_one("[data-dpp-part=formats]").get_text(" ", strip=True)
        assert "CSV" in formats and "JSON" in formats and "XML" in formats


class TestLive:
    def test_nothing_active_286(self, app, admin):
        seed_jobs([make_resource()], 2, "complete")
        page = _soup(app.get(URL, headers=_as(admin)))
        assert "hx-trigger" not in page.find(id="dpp-live").attrs
        live = app.get(URL, query_string={"part": "live"}, headers=dict(HX, **_as(admin)))
        assert live.status_code == 286
        assert b"<html" not in live.get_data()

    def test_active_polls(self, app, admin):
        seed_jobs([make_resource()], 1, "submitted")
        page = _soup(app.get(URL, query_string={"status": "pending"}, headers=_as(admin)))
        live = page.find(id="dpp-live")
        assert live["hx-trigger"] == "every 3s"
        assert "status=pending" in live["hx-get"] and "part=live" in live["hx-get"]
        response = app.get(live["hx-get"], headers=dict(HX, **_as(admin)))
        assert response.status_code == 200


class TestActions:
    def _token(self, app, admin):
        client = app.test_client()
        token = _soup(client.get(URL, headers=_as(admin))).find(
            "input", attrs={"name": "_csrf_token"})["value"]
        return client, token

    def test_retry_and_cancel(self, app, admin, fake_service):
        fake_service.callback = None
        resource = make_resource()
        seed_jobs([resource], 1, "error", error="boom")
        failed = model.Session.execute(sa.select(Job.id)).scalar()
        client, token = self._token(app, admin)
        response = client.post(URL + "jobs/{}/retry".format(failed), headers=dict(HX, **_as(admin)),
                               data={"_csrf_token": token, "query": "status=pending",
                                     "resource": resource["id"]})
        assert response.status_code == 200
        live = _soup(response)
        done = "Retried: a new push of this resource has started"
        assert done in live.find(class_="alert").get_text()
        # ... and, for screen readers, in the page's live region (out-of-band content).
        announce = live.find(id="dpp-announce")
        assert announce["hx-swap-oob"] == "innerHTML" and done in announce.get_text()
        rows = live.select("#dpp-jobs tbody tr[data-dpp-job]")
        assert [r["data-dpp-status"] for r in rows] == ["submitted"]
        new_job = rows[0]["data-dpp-job"]
        # The failed job is not listed under this filter: the answer is beside its
        # resource's new job, whose row is marked for the focus.
        assert rows[0].has_attr("data-dpp-acted")
        assert done in live.select_one('tr[data-dpp-message-for="{}"]'.format(new_job)).get_text()
        response = client.post(URL + "jobs/{}/cancel".format(new_job),
                               headers=dict(HX, **_as(admin)), data={"_csrf_token": token})
        assert "Job cancelled" in response.get_data(as_text=True)
        status = helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
        # The person is named by their display name, as everywhere on the pages.
        shown = model.User.get(admin["name"]).display_name
        assert shown != admin["name"]
        assert status["status"] == "cancelled" and status["error"] == "Cancelled by " + shown

    def test_cancel_only_active(self, admin):
        seed_jobs([make_resource()], 1, "complete")
        job_id = model.Session.execute(sa.select(Job.id)).scalar()
        with pytest.raises(tk.ValidationError):
            helpers.call_action("datapusher_plus_job_cancel", {"user": admin["name"]}, id=job_id)

    def test_stats(self, admin):
        resource = make_resource()
        seed_jobs([resource], 3, "complete")
        seed_jobs([resource], 1, "error", error="x")
        seed_jobs([resource], 2, "complete", days_ago=3)
        stats = helpers.call_action("datapusher_plus_stats")
        assert stats["total"] == 6
        assert stats["counts"]["complete"] == 5 and stats["counts"]["error"] == 1
        assert stats["success_rate_24h"] == 0.75
        assert stats["success_rate_7d"] == round(5 / 6, 4)
        assert stats["median_duration"] == 2.0 and stats["p95_duration"] == 2.0
        assert len(stats["per_day"]) == 30
        assert stats["per_day"][-1]["complete"] == 3

    def test_service_status(self, admin, fake_service):
        status = helpers.call_action("datapusher_plus_service_status")
        assert status["reachable"] is True and status["name"] == "datapusher"
        assert status["job_types"] == ["push_to_datastore"]
        assert status["last_success"]
        assert status["response_time_ms"] >= 0

    def test_service_down(self, admin, monkeypatch):

        monkeypatch.setitem(tk.config, dpp_config.URL, "http://127.0.0.1:{}".format(free_port()))
        status = helpers.call_action("datapusher_plus_service_status")
        assert status["reachable"] is False and status["error"]


class TestScale:
    """The page's SQL query count does not grow with the number of jobs."""

    def _queries(self, app, admin, **params):
        engine = model.Session.get_bind()
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert app.get(URL, query_string=params, headers=_as(admin)).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    def test_constant_query_count(self, app, admin):
        resources = [make_resource(name="r{}".format(i)) for i in range(5)]
        seed_jobs(resources, 10, "complete")
        self._queries(app, admin)  # warm-up: the user's first request writes last_active
        small = self._queries(app, admin)
        small_filtered = self._queries(app, admin, status="error", latest_only="true")
        seed_jobs(resources, 990, "error", error="e")
        large = self._queries(app, admin)
        large_filtered = self._queries(app, admin, status="error", latest_only="true")
        print("dashboard SQL queries: {} (10 jobs), {} (1,000 jobs)".format(small, large))
        assert small == large, (small, large)
        assert small_filtered == large_filtered


class TestBackground:
    def test_bulk_submit_with_a_real_worker(self, app, admin, fake_service, file_server):
        """The page only queues the work; an RQ worker does it and records progress."""

        fake_service.callback = None
        org = factories.Organization(name="bulk-org")
        todo = [make_resource(org, name="csv{}".format(i)) for i in range(4)]
        make_resource(org, name="a pdf", format="PDF")  # not submittable
        make_resource(name="elsewhere")  # another organization
        queue = ckan_jobs.get_queue()
        queue.empty()
        client, token = TestActions()._token(app, admin)
        response = client.post(URL + "bulk", headers=dict(HX, **_as(admin)), data={
            "_csrf_token": token, "mode": "not_in_datastore", "organization": "bulk-org"})
        assert "Queued" in response.get_data(as_text=True)
        assert fake_service.job_posts() == []  # the web request made no service call
        bulk_jobs = [job for job in queue.jobs if "run_bulk_task" in job.func_name]
        assert len(bulk_jobs) == 1
        rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert len(fake_service.job_posts()) == 4
        task = helpers.call_action("datapusher_plus_task_list", {"user": admin["name"]})[0]
        assert (task["status"], task["total"], task["done"], task["submitted"]) == (
            "done", 4, 4, 4)
        page = _soup(app.get(URL, headers=_as(admin)))
        task_line = page.find(attrs={"data-dpp-task": True})
        assert "4 of 4 done" in task_line.get_text()
        assert task_line.find(attrs={"data-dpp-task-scope": True}).get_text(strip=True) == \
            "(organization: bulk-org)"
        # The same again matches nothing (all four have a job under way): it says why.
        # A cause selects failed pushes: it does not narrow (nor describe) this task.
        client.post(URL + "bulk", headers=dict(HX, **_as(admin)), data={
            "_csrf_token": token, "mode": "not_in_datastore", "organization": "bulk-org",
            "format": "CSV", "cause": "download_failed"})
        rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
        latest = _soup(app.get(URL, headers=_as(admin))).find(attrs={"data-dpp-task": True})
        assert "0 of 0 done" in latest.get_text()
        assert " ".join(latest.find(attrs={"data-dpp-task-scope": True}).get_text().split()) == \
            "(organization: bulk-org and format: CSV)"
        assert latest.find(attrs={"data-dpp-task-nothing": True}).get_text(strip=True) == (
            "Nothing matched: every resource so chosen is in the DataStore already, being pushed,"
            " or in a format the loader does not read.")
        statuses = {helpers.call_action("datapusher_plus_status", resource_id=r["id"])["status"]
                    for r in todo}
        assert statuses == {"submitted"}

    def test_background_work_health(self, app, admin):
        """Whether a worker takes this extension's background work, and the queue."""

        def shown():
            cell = _soup(app.get(URL, headers=_as(admin))).find(attrs={"data-dpp-workers": True})
            return cell["data-dpp-workers"], " ".join(cell.get_text().split())

        # Opening the dashboard queued the silent-job refresh; nobody takes it.
        state, text = shown()
        assert state == "down" and text.startswith("No worker 0 workers, 1 job queued")
        # the command names the config file this CKAN runs with
        assert "(start one: {})".format(worker_command()) in text
        queue = ckan_jobs.get_queue()
        ckan_jobs.enqueue(len, [[]], title="another job")
        worker = rq.Worker([queue], connection=queue.connection)
        worker.register_birth()  # a worker listening to the queue, as `ckan jobs worker` is
        try:
            assert shown() == ("up", "Running 1 worker, 2 jobs queued")
        finally:
            worker.register_death()

    def test_retry_failed_matching_the_filter(self, admin, fake_service):

        fake_service.callback = None
        org = factories.Organization(name="retry-org")
        failing = [make_resource(org) for _ in range(3)]
        seed_jobs(failing, 3, "error", error="x")
        other = make_resource()
        seed_jobs([other], 1, "error", error="x")
        queue = ckan_jobs.get_queue()
        queue.empty()
        helpers.call_action("datapusher_plus_bulk_submit", {"user": admin["name"]},
                            mode="retry_failed", organization="retry-org")
        rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert sorted(p["json"]["metadata"]["resource_id"] for p in fake_service.job_posts()) \
            == sorted(r["id"] for r in failing)

    def test_silent_job_refresh_asks_the_service(self, admin, fake_service):
        fake_service.callback = None
        resource = make_resource()
        job = submit_as(admin, resource)
        row = model.Session.get(Job, job)
        row.submitted_at = row.updated_at = (datetime.datetime.utcnow()
                                             - datetime.timedelta(hours=2))
        model.Session.commit()
        fake_service.jobs[job]["status"] = "complete"
        assert background.refresh_stuck_jobs() == 1
        assert helpers.call_action("datapusher_plus_status",
                                   resource_id=resource["id"])["status"] == "complete"

    def test_stuck_unknown_to_the_service(self, admin, fake_service):
        resource = make_resource()
        seed_jobs([resource], 1, "submitted", days_ago=1)
        background.refresh_stuck_jobs()
        status = helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
        assert status["status"] == "error" and status["error_type"] == "service_lost_job"


def submit_as(user, resource):
    return helpers.call_action("datapusher_plus_submit", {"user": user["name"]},
                               resource_id=resource["id"])["job_id"]


def test_the_submit_path_keeps_the_latest_flag(admin, fake_service):
    """Exactly one row per resource is flagged latest: its newest attempt."""
    fake_service.callback = None
    resource = make_resource()
    ids = [submit_as(admin, resource)]
    for _ in range(2):
        ids.append(helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                                       resource_id=resource["id"], force=True)["job_id"])
    rows = model.Session.execute(sa.select(Job.id, Job.is_latest).where(
        Job.resource_id == resource["id"])).all()
    assert {row.id for row in rows if row.is_latest} == {ids[-1]}
    listed = helpers.call_action("datapusher_plus_job_list", {"user": admin["name"]},
                                 latest_only=True)
    assert [job["job_id"] for job in listed["results"]] == [ids[-1]]
