"""Real headless Chromium (Debian's), driven by Playwright: live status with htmx.

An editor logs in, opens the DataPusher+ tab, clicks Submit and watches the
badge go from pending to complete without a reload; polling stops at the
terminal state (the requests are counted).  Screenshots of each page go to
``$DPP_HOME/screenshots`` for review.  The ``browser`` and ``page`` fixtures
are in conftest.py.
"""
from __future__ import annotations

import time

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.tests.fake_service import Callback
from ckanext.datapusherplusapi.tests.helpers import (
    HEAR,
    PASSWORD,
    PAYLOADS,
    SIDEWAYS,
    editor_and_resource,
    login,
    shot,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("with_plugins", "clean_db")]



def _watch(page, base, dataset, resource, name, timeout=60):
    """Open the tab, click Submit, follow the badge; return (statuses seen,
    how many elements still poll at the terminal state)."""
    page.goto("{}/dataset/{}/datapusher-plus/{}".format(base, dataset["name"], resource["id"]))
    badge = page.locator("#dpp-status [data-dpp-status]")
    assert badge.get_attribute("data-dpp-status") == "not_submitted"
    shot(page, name + "-1-before")
    page.click("#dpp-status button[type=submit]")
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = badge.get_attribute("data-dpp-status")
        if not seen or seen[-1] != status:
            seen.append(status)
            if status in ("submitted", "running"):
                shot(page, name + "-2-pending")
        if status in ("complete", "error"):
            break
        page.wait_for_timeout(100)
    page.locator("#dpp-details .dpp-logs").wait_for(timeout=10_000)
    shot(page, name + "-3-complete")
    # At the terminal state the answer (HTTP 286) stops htmx's polling and the
    # part it put in place polls no more: nothing on the page polls.
    pollers = page.locator("[hx-trigger*='every']").count()
    return seen, pollers


def test_live_status_with_the_fake_service(page, service_user, fake_service, live_ckan,
                                           monkeypatch):
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    fake_service.callback = Callback(delay=2.5)  # a job that takes a while
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    login(page, live_ckan, editor)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    seen, polls_after = _watch(page, live_ckan, dataset, resource, "tab-fake")
    assert seen[0] == "not_submitted" and seen[-1] == "complete", seen
    assert "submitted" in seen, seen  # pending was shown, then complete
    assert navigations[-1].endswith(resource["id"]) and len(navigations) == 1  # no reload
    assert polls_after == 0, "something still polls after the terminal state"
    assert page.locator("#dpp-status button[type=submit]:not([data-dpp-destructive])").is_enabled()
    assert "Fetching from" in page.locator("#dpp-details .dpp-logs").inner_text()
    assert page.locator("#dpp-details tbody tr").count() == 1


def test_resource_page_button(page, service_user, fake_service, live_ckan, monkeypatch):
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    fake_service.callback = Callback(delay=1.5)
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    login(page, live_ckan, editor)
    page.goto("{}/dataset/{}/resource/{}".format(live_ckan, dataset["name"], resource["id"]))
    badge = page.locator("#dpp-badge [data-dpp-status]")
    assert badge.get_attribute("data-dpp-status") == "not_submitted"
    page.click("#dpp-badge button")
    page.locator('#dpp-badge [data-dpp-status="complete"]').wait_for(timeout=20_000)
    shot(page, "resource-page-complete")
    assert page.locator("#dpp-badge button").is_enabled()
    # The part htmx put in place has no CSRF field (htmx sends the page's
    # token as a header): pushing again from it is accepted.
    fields = page.locator("#dpp-badge form input").evaluate_all("els => els.map(e => e.name)")
    assert fields == ["part", "seen"], fields
    page.click("#dpp-badge button")
    wait_for(lambda: len(fake_service.job_posts()) == 2)
    page.locator('#dpp-badge [data-dpp-status="complete"]').wait_for(timeout=20_000)
    assert not page.locator("#dpp-badge [role=alert]").count()


@pytest.mark.e2e
def test_live_status_with_the_real_service(page, service_user, real_service, live_ckan,
                                           file_server, monkeypatch):
    monkeypatch.setitem(tk.config, dpp_config.URL, real_service["url"])
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    folder, base = file_server
    (folder / "villes.csv").write_text("ville,habitants\nRabat,577827\nFès,1112072\n",
                                       encoding="utf-8")
    editor, dataset, resource = editor_and_resource(base + "/villes.csv")
    login(page, live_ckan, editor)
    seen, polls_after = _watch(page, live_ckan, dataset, resource, "tab-real")
    assert seen[-1] == "complete", seen
    assert polls_after == 0
    assert "Successfully pushed 2 entries" in page.locator("#dpp-details .dpp-logs").inner_text()


def test_dashboard_retry_a_failed_job(page, service_user, fake_service, live_ckan, monkeypatch):
    """A sysadmin filters to failed jobs, clicks Retry and watches the row change."""
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    admin = factories.Sysadmin(password=PASSWORD)
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    fake_service.callback = Callback(status="error", error={"message": "bad file"})
    helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                        resource_id=resource["id"])
    fake_service.wait_callbacks()
    fake_service.callback = Callback(delay=1.5)  # the retry succeeds, after a while
    login(page, live_ckan, admin)
    page.goto(live_ckan + "/ckan-admin/datapusher-plus/")
    page.select_option("#dpp-status-filter", "error")
    page.click("form[aria-label] button[type=submit]")
    page.wait_for_url(lambda url: "status=error" in url)
    rows = page.locator("#dpp-jobs tbody tr[data-dpp-job]")
    assert rows.count() == 1 and rows.first.get_attribute("data-dpp-status") == "error"
    shot(page, "dashboard-1-failed")
    # The latest job of each resource: the row changes in place as the retry runs.
    page.goto(live_ckan + "/ckan-admin/datapusher-plus/?latest_only=true")
    row = page.locator("#dpp-jobs tbody tr[data-dpp-job]").first
    assert row.get_attribute("data-dpp-status") == "error"
    page.evaluate(HEAR)
    row.locator("button", has_text="Retry").click()
    page.locator('#dpp-jobs tbody tr[data-dpp-status="submitted"]').wait_for(timeout=10_000)
    shot(page, "dashboard-2-retried")
    page.locator('#dpp-jobs tbody tr[data-dpp-status="complete"]').wait_for(timeout=20_000)
    assert page.locator('[data-dpp-count="complete"] .fs-4').inner_text() == "1"
    # Screen readers heard the retry's message, then the counts as they changed, once each.
    page.wait_for_function("(window.dppHeard.at(-1) || '').includes('Complete 1')")
    heard = page.evaluate("window.dppHeard")
    assert page.evaluate("document.getElementById('dpp-announce') === window.dppRegion")
    assert "Complete 1" in heard[-1], heard
    assert len(heard) >= 2 and all(a != b for a, b in zip(heard, heard[1:], strict=False)), heard
    shot(page, "dashboard-3-complete")


def test_no_payload_runs_in_the_browser(page, service_user, fake_service, live_ckan):
    """XSS payloads in every field and service message: no dialog, no console marker."""

    admin = factories.Sysadmin(password=PASSWORD)
    events = []
    page.on("dialog", lambda dialog: (events.append("dialog: " + dialog.message), dialog.dismiss()))
    page.on("console", lambda message: events.append("console: " + message.text)
            if "dpp-xss" in message.text else None)
    page.set_content("<script>alert('dpp-xss self-test')</script>")  # the watch works
    assert events == ["dialog: dpp-xss self-test"]
    events.clear()
    urls = []
    for i, payload in enumerate(PAYLOADS[:12]):
        org = factories.Organization(title=payload)
        dataset = factories.Dataset(owner_org=org["id"], title=payload, notes=payload)
        resource = factories.Resource(package_id=dataset["id"], name=payload, description=payload,
                                      url="http://127.0.0.1:9/{}.csv".format(i), format="CSV")
        fake_service.callback = Callback(status="error", error={"message": payload},
                                         logs=[{"timestamp": "t", "level": "INFO",
                                                "message": payload}])
        helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                            resource_id=resource["id"])
        urls += ["/dataset/{}/datapusher-plus/{}".format(dataset["name"], resource["id"]),
                 "/dataset/{}/resource/{}".format(dataset["name"], resource["id"])]
    fake_service.wait_callbacks(12)
    login(page, live_ckan, admin)
    for url in urls + ["/ckan-admin/datapusher-plus/"]:
        page.goto(live_ckan + url)  # (waits for the load event: every script has run)
    shot(page, "xss-dashboard")
    assert events == []


@pytest.mark.parametrize("width", [1280, 390])
def test_an_editor_on_the_organizations_tab(page, service_user, fake_service, live_ckan,
                                            monkeypatch, width):
    """An editor opens their organization's DataPusher+ tab from its page,
    retries a failed push, confirms a cancel; another organization's is 403."""
    # The page's own polling would replace the row under the clicks: not
    # what this test is about.
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 600)
    page.set_viewport_size({"width": width, "height": 900})
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    org = helpers.call_action("organization_show", id=dataset["owner_org"])
    other = factories.Organization()
    fake_service.callback = Callback(status="error", error={"message": "bad file"})
    helpers.call_action("datapusher_plus_submit", {"user": editor["name"]},
                        resource_id=resource["id"])
    fake_service.wait_callbacks()
    fake_service.callback = None  # the retry stays pending: it can be cancelled
    login(page, live_ckan, editor)
    page.goto("{}/organization/about/{}".format(live_ckan, org["name"]))
    page.locator("a[href='/organization/datapusher-plus/{}']".format(org["name"])).click()
    # The page loaded, its scripts run: htmx posts the forms (not the browser).
    page.wait_for_url(lambda url: "/organization/datapusher-plus/" in url, wait_until="load")
    row = page.locator("#dpp-jobs tbody tr[data-dpp-job]").first
    assert row.get_attribute("data-dpp-status") == "error"
    assert page.evaluate(SIDEWAYS) <= 0  # no sideways scroll (beyond CKAN's own frame)
    row.locator("button", has_text="Retry").click()
    page.locator('#dpp-jobs tbody tr[data-dpp-status="submitted"]').wait_for(timeout=10_000)
    page.locator('#dpp-jobs tbody tr[data-dpp-status="submitted"] button',
                 has_text="Cancel").click()
    # The question opens beside the row (neither the browser's dialog nor CKAN's).
    question = page.locator("#dpp-jobs .dpp-confirm")
    asked = [question.locator("[data-dpp-question]").inner_text()]
    question.locator("[data-dpp-yes]").click()
    page.locator('#dpp-jobs tbody tr[data-dpp-status="cancelled"]').wait_for(timeout=10_000)
    assert asked == ["Cancel the push of Villes (CSV)?"]
    shot(page, "organization-tab-{}".format(width))
    refused = page.goto("{}/organization/datapusher-plus/{}".format(live_ckan, other["name"]))
    assert refused.status == 403


@pytest.mark.parametrize("lang, width, meaning", [
    pytest.param("en", 1280, "The loader could not load the file", id="en-1280"),
    pytest.param("ar", 390, "\u062a\u0639\u0630\u0651\u0631", id="ar-390",
                 marks=pytest.mark.ckan_config("ckan.locale_default", "ar")),
])
def test_the_reason_of_a_failure_in_one_click(page, service_user, fake_service, live_ckan,
                                              lang, width, meaning):
    """A publisher reads why a push failed on the resource page, the
    loader's words first and whole, and one click on the badge opens the tab,
    which leads with the same words."""
    page.set_viewport_size({"width": width, "height": 900})
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    fake_service.callback = Callback(status="error",
                                     error={"message": "bad header in /tmp/dp-1/villes.csv"})
    helpers.call_action("datapusher_plus_submit", {"user": editor["name"]},
                        resource_id=resource["id"])
    fake_service.wait_callbacks()
    login(page, live_ckan, editor)
    page.goto("{}/dataset/{}/resource/{}".format(live_ckan, dataset["name"], resource["id"]))
    reason = page.locator("#dpp-badge .dpp-reason")
    # The loader's words (its server paths as file names), then what they mean.
    assert reason.locator("[data-dpp-part=reason]").inner_text() == "bad header in villes.csv"
    assert meaning in reason.inner_text()
    page.locator('#dpp-badge a[data-dpp-status="error"]').click()
    page.wait_for_url(lambda url: "/datapusher-plus/" in url)
    failure = page.locator("#dpp-status [data-dpp-part=failure]")
    assert failure.locator("[data-dpp-part=reason]").inner_text() == "bad header in villes.csv"
    assert meaning in failure.inner_text()
    shot(page, "reason-in-one-click-{}-{}".format(lang, width))
