"""The sysadmins' dashboard as a person sees it, in real headless Chromium:
the jobs table fits the screen (a card per job on a phone), the failing
cards stand out, the top failure reasons (causes) lead to their jobs, the
Cause menu narrows the list, a job's page says its cause, a row's
question and its answer appear beside the row with the focus there, and an
error the reader opened stays open while the page polls.

In English at 1280 px, Arabic at 390 px (right to left) and French at 1440
px. The ``browser`` and ``page`` fixtures are in conftest.py.
"""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.datapusherplusapi import compat
from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.tests.helpers import (
    PASSWORD,
    SIDEWAYS,
    login,
    make_resource,
    seed_jobs,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("with_plugins", "clean_db")]

LONG_NAME = "donnees_recensement_general_population_habitat_2024_par_commune_et_province.csv"
LONG_URL = ("https://donnees.exemple.gouv/api/v2/telechargement/recensement/2024/"
            "population-et-habitat/par-commune-et-province/fichier-complet.csv?format=csv")

# Where an element is, against the window (what the reader sees without scrolling sideways).
BOX = """element => {
    const r = element.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            width: window.innerWidth, height: window.innerHeight};
}"""

# Counts the live part's replacements (each poll's answer), once settled, in
# window.dppSwaps.
COUNT_SWAPS = """() => {
    window.dppSwaps = 0;
    document.addEventListener('htmx:afterSettle', event => {
        if (event.target && event.target.id === 'dpp-live') { window.dppSwaps++; }
    });
}"""


def _inside(box, vertical=False):
    inside = box["left"] >= 0 and box["right"] <= box["width"]
    if vertical:
        inside = inside and box["top"] >= 0 and box["bottom"] <= box["height"]
    return inside


@pytest.mark.parametrize("lang, width, words", [
    pytest.param("en", 1280, {"yes": "Yes", "jobs": "3 jobs", "cause": "Cause: ", "fix": "Fix: "},
                 id="en-1280"),
    pytest.param("ar", 390, {"yes": "\u0646\u0639\u0645", "jobs": "3 \u0645\u0647\u0627\u0645",
                             "cause": "السبب: ", "fix": "الحل: "}, id="ar-390"),
    pytest.param("fr", 1440, {"yes": "Oui", "jobs": "3 t\u00e2ches", "cause": "Cause : ",
                              "fix": "Correctif : "}, id="fr-1440"),
])
def test_the_dashboard_shows_what_matters(page, service_user, fake_service, live_ckan,
                                          monkeypatch, lang, width, words):
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    admin = factories.Sysadmin(password=PASSWORD)
    org = factories.Organization(
        title="Minist\u00e8re de l'Agriculture, de la P\u00eache et du D\u00e9veloppement rural")
    census = make_resource(org, name=LONG_NAME)
    other = make_resource(org, name="communes.csv")
    failed = seed_jobs([census], 3, "error", error=(  # xloader's words for a 404
        "Xloader received a bad HTTP response when trying to download the data file "
        "status=404 url=" + LONG_URL))
    seed_jobs([other], 1, "error", error="bad header", error_type="validation", days_ago=0.001)
    # pending: a job the service has not started (a running one offers no Cancel)
    pending = seed_jobs([make_resource(org, name="villes.csv")], 1, "submitted")[0]
    seed_jobs([other], 2, "complete", days_ago=0.002)

    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_ckan, admin)
    base = live_ckan + ("" if lang == "en" else "/" + lang)
    page.goto(base + "/ckan-admin/datapusher-plus/", wait_until="load")
    # (the reconciliation part comes after the page: the page is whole once it is there)
    page.locator("#dpp-reconcile[data-dpp-reconcile]").wait_for(timeout=10_000)
    page.evaluate(COUNT_SWAPS)
    row = page.locator('#dpp-jobs tr[data-dpp-job="{}"]'.format(failed[0]))

    # 1. The table fits: status, reason and actions without scrolling sideways.
    assert page.evaluate(SIDEWAYS) <= 0
    for cell in (".dpp-cell-status", ".dpp-cell-error", ".dpp-cell-actions"):
        box = row.locator(cell).evaluate(BOX)
        assert _inside(box), (cell, box)
    box = page.locator("#dpp-live .dpp-jobs-box")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table scrolls sideways"
    display = row.evaluate("e => getComputedStyle(e).display")
    assert display == ("block" if width <= 576 else "table-row")  # a card on a phone

    # 2. What is failing, at a glance: the Error card is coloured, Stuck (0) is not.
    colour = "e => getComputedStyle(e).backgroundColor"
    error_card = page.locator('[data-dpp-count="error"]')
    assert error_card.evaluate(colour) == "rgb(248, 215, 218)"
    assert page.locator('[data-dpp-count="stuck"]').evaluate(colour) != "rgb(248, 215, 218)"
    shot(page, "dashboard-overview-{}-{}".format(lang, width))
    # The chart's days: the middle one in the middle of its axis (when on one line). The
    # axis and its days are read at once, once laid out: a poll may swap the chart between
    # two reads (its days then read as zero-sized).
    axis = page.wait_for_function(
        "() => { const axis = document.querySelector('#dpp-live .dpp-chart-days');"
        " if (!axis) return null; const a = axis.getBoundingClientRect();"
        " const days = [...axis.querySelectorAll('span')].map(s => {"
        " const r = document.createRange(); r.selectNodeContents(s);"
        " const b = r.getBoundingClientRect(); return [b.left, b.right, Math.round(b.top)]; });"
        " return days.length === 3 && days.every(d => d[1] > d[0])"
        " ? {left: a.left, right: a.right, days: days} : null; }").json_value()
    days = axis["days"]
    if len({top for _left, _right, top in days}) == 1:
        middle = (days[1][0] + days[1][1]) / 2
        third = (axis["right"] - axis["left"]) / 3
        assert axis["left"] + third < middle < axis["right"] - third, (axis, days)

    # 7. The settings are readable on a phone too (their values were squeezed to ~45 px).
    values = page.locator("[data-dpp-part=settings] tbody td")
    assert min(values.evaluate_all("cells => cells.map(c => c.getBoundingClientRect().width)")) \
        >= 250

    # 4. An error the reader opened survives three polls, and so do the chart's figures.
    row.locator(".dpp-cell-error summary").click()
    page.locator("#dpp-chart-figures summary").click()
    page.evaluate("window.dppSwaps = 0")
    page.wait_for_function("window.dppSwaps >= 3", timeout=30_000)
    assert page.locator("#dpp-error-" + failed[0]).evaluate("e => e.open")
    assert page.locator("#dpp-chart-figures").evaluate("e => e.open")

    # 3. A row's action: the question beside the row, the focus on its buttons; then
    #    the answer beside the row, the focus on the row's status, never the body.
    active = page.locator('#dpp-jobs tr[data-dpp-job="{}"]'.format(pending))
    active.locator(".dpp-cell-actions form[action$='/cancel'] button").click()
    question = active.locator(".dpp-confirm")
    question.wait_for()
    assert _inside(question.evaluate(BOX), vertical=True)
    assert page.evaluate("!!document.activeElement.closest('.dpp-confirm')")
    yes = question.locator("[data-dpp-yes]")
    assert yes.inner_text() == words["yes"]
    shot(page, "dashboard-question-{}-{}".format(lang, width))
    yes.click()
    page.locator('#dpp-jobs tr[data-dpp-job="{}"][data-dpp-status="cancelled"]'.format(
        pending)).wait_for(timeout=10_000)
    answer = page.locator('tr[data-dpp-message-for="{}"]'.format(pending))
    assert _inside(answer.evaluate(BOX), vertical=True)
    assert page.evaluate("document.activeElement !== document.body")
    assert page.evaluate("document.activeElement.closest('tr[data-dpp-job]')"
                         " .getAttribute('data-dpp-job')") == pending
    shot(page, "dashboard-answer-{}-{}".format(lang, width))

    # 2. The top failure reasons are causes that lead to their jobs; the list then
    #    marks its filter, the Cause menu shows it.
    reasons = page.locator("[data-dpp-part=reasons] li[data-dpp-cause]")
    assert reasons.evaluate_all("items => items.map(i => i.dataset.dppCause)") == [
        "download_failed", "unknown"]
    assert words["jobs"] in reasons.first.inner_text()
    assert "Xloader received a bad HTTP response" in reasons.first.locator(
        "[data-dpp-part=example]").inner_text()
    reasons.first.locator("a").click()
    page.wait_for_url(lambda url: "cause=download_failed" in url)
    rows = page.locator("#dpp-jobs tbody tr[data-dpp-job]")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.dppJob)")) == sorted(failed)
    current = page.locator('[data-dpp-count="error"]')
    assert current.get_attribute("aria-current") == "true"
    assert current.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    assert page.locator("[aria-current=true][data-dpp-count]").count() == 1
    menu = page.locator("#dpp-cause")
    assert menu.input_value() == "download_failed"
    assert _inside(menu.evaluate(BOX)) and page.evaluate(SIDEWAYS) <= 0
    shot(page, "dashboard-cause-{}-{}".format(lang, width))
    # The Cause menu narrows the list by itself: the other cause's one job.
    menu.select_option("unknown")
    page.locator("form:has(#dpp-cause) button[type=submit].btn-primary").click()
    page.wait_for_url(lambda url: "cause=unknown" in url)
    assert rows.count() == 1

    # 5. A job's page says its cause: its title, what happened, the fix, the code;
    #    within the screen, in the page's direction.
    page.goto(base + "/ckan-admin/datapusher-plus/jobs/" + failed[0], wait_until="load")
    cause = page.locator("#dpp-job [data-dpp-part=error] [data-dpp-part=cause]")
    assert cause.get_attribute("data-dpp-cause") == "download_failed"
    assert cause.locator("h3").inner_text().startswith(words["cause"])
    assert cause.locator("[data-dpp-part=cause-code]").inner_text() == "download_failed"
    assert cause.locator("[data-dpp-part=cause-fix]").inner_text().startswith(words["fix"])
    assert _inside(cause.evaluate(BOX)) and page.evaluate(SIDEWAYS) <= 0
    assert cause.evaluate("e => getComputedStyle(e).direction") == (
        "rtl" if lang == "ar" else "ltr")
    shot(page, "job-cause-{}-{}".format(lang, width))


@pytest.mark.parametrize("lang, width, words", [
    pytest.param("en", 1280, {"button": "Put them right", "task": "Reconcile with the DataStore"},
                 id="en-1280"),
    pytest.param("ar", 390, {"button": "تصحيحها", "task": "المطابقة مع"}, id="ar-390"),
])
def test_the_reconciliation_loads_after_the_page_and_queues_its_fix(
        page, service_user, fake_service, live_ckan, lang, width, words):
    """The reconciliation part comes after the page (htmx), lists what
    disagrees within the screen, asks before it acts, and its Yes queues the
    task the Background work list then shows."""
    admin = factories.Sysadmin(password=PASSWORD)
    unmarked = make_resource(name="sans-marque.csv")
    tk.get_action("datastore_create")({"ignore_auth": True, "user": admin["name"]}, {
        "resource_id": unmarked["id"], "force": True, "records": [{"a": 1}]})
    compat.set_datastore_active(unmarked["id"], False)  # a table CKAN does not show
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_ckan, admin)
    base = live_ckan + ("" if lang == "en" else "/" + lang)
    page.goto(base + "/ckan-admin/datapusher-plus/", wait_until="load")
    part = page.locator("#dpp-reconcile[data-dpp-reconcile='1']")
    part.wait_for(timeout=10_000)
    part.scroll_into_view_if_needed()
    assert page.evaluate(SIDEWAYS) <= 0
    row = part.locator("tr[data-dpp-kind='table_without_flag']")
    assert _inside(row.evaluate(BOX)), "the listed resource is off screen"
    button = part.locator("form button")
    assert button.inner_text() == words["button"]
    button.click()
    question = part.locator(".dpp-confirm")
    question.wait_for()
    shot(page, "dashboard-reconcile-{}-{}".format(lang, width))
    question.locator("[data-dpp-yes]").click()
    task = page.locator("#dpp-live [data-dpp-task]")
    task.wait_for(timeout=10_000)
    assert words["task"] in task.inner_text()
