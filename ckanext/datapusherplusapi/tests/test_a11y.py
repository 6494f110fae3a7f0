"""Accessibility and right-to-left, in Debian's Chromium (Playwright).

- axe-core (from the npm registry, pinned in ``bin/dpp.sh``, injected into each
  page) finds no serious or critical violation on the DataPusher+ tab, the
  resource page with its push button, the sysadmin dashboard, a job's page,
  an organization's DataPusher+ tab and the failure-mail choice, in English
  and in Arabic (``ckan.locale_default = ar``).
- In Arabic the document is right-to-left, our parts inherit it; nothing of
  ours overflows the viewport sideways, at 1280 px nor at 390 px, with a
  120-character resource name; a screenshot of each page is kept.
- The tab works with the keyboard alone, and its live region (never replaced
  by htmx) announces each status change once.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests.fake_service import Callback
from ckanext.datapusherplusapi.tests.helpers import (
    DPP_HOME,
    HEAR,
    PASSWORD,
    SLOW_SETTLE,
    editor_and_resource,
    login,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("with_plugins", "clean_db")]

AXE = Path(os.environ.get("DPP_AXE", DPP_HOME / "node" / "node_modules" / "axe-core" /
                          "axe.min.js"))
LANGUAGES = [
    pytest.param("en", id="en"),
    pytest.param("ar", id="ar", marks=pytest.mark.ckan_config("ckan.locale_default", "ar")),
]

# Our parts of each page (the content of our own pages, the resource page's
# button and badge, the live region): what must be free of violations, and
# what the overflow and direction checks look at.  CKAN's own chrome around
# them (header, tabs, resource page) is reported, not ours to fix — e.g. 2.12's
# header avatar link (label-content-name-mismatch), 2.10's resource page
# (link-in-text-block).
OURS = ".dpp-page, #dpp-badge, #dpp-announce"
# Every page is measured at a desktop's width and a phone's. A resource's name
# can be long (120 characters here): nothing of ours may stick out sideways,
# and our own pages (the dashboard, a job's page, an organization's tab) do
# not scroll sideways.
# CKAN's resource pages, which hold the tab, the badge and the button, scroll
# a few pixels sideways at 390 px on some versions (the sidebar's arrow): what
# is ours on them is still checked.
WIDTHS = (1280, 390)
IN_CKANS_PAGES = ("tab", "tab-error", "resource")
LONG_NAME = ("Recensement général de la population et de l'habitat, résultats détaillés "
             "par commune et par milieu de résidence, 2024 (v2)")


def _axe(page, core: Optional[list] = None) -> list[str]:
    """Serious and critical axe violations in our parts, one line per element.

    With ``core`` (a list), those in CKAN's own markup around our parts go
    there; without, they count as ours (the self-test page)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing ({}): run `make test`".format(AXE))
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async (ours) => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => { const el = document.querySelector(n.target[0]);
                return {node: n.target.join(' '),
                        ours: !el || !!el.closest(ours)}; })}));
    }""", OURS)
    found = []
    for v in violations:
        if v["impact"] not in ("serious", "critical"):
            continue
        for node in v["nodes"]:
            line = "{impact} {id} ({help}): ".format(**v) + node["node"]
            (found if node["ours"] or core is None else core).append(line)
    return found


def _layout(page) -> dict:
    """Document direction, our parts' direction, and what sticks out sideways."""
    return page.evaluate("""(selector) => {
        const width = document.documentElement.clientWidth;
        // CKAN's own page frame: on 2.12 a few pixels wider than a phone's
        // viewport on every page; ours is measured against it, not against
        // the viewport (see helpers.SIDEWAYS).
        const frame = (document.querySelector('.wrapper') || document.body)
            .getBoundingClientRect();
        const left = Math.min(0, frame.left), right = Math.max(width, frame.right);
        const ckan = Math.max(0, Math.ceil(frame.right) - width)
            + Math.max(0, Math.ceil(-frame.left));
        const ours = [...document.querySelectorAll(selector)];
        const out = [];
        for (const root of ours) {
            for (const el of [root, ...root.querySelectorAll('*')]) {
                const r = el.getBoundingClientRect();
                if (r.width === 0 && r.height === 0) continue;
                // Inside a scrolling box (a responsive table) is not overflow.
                if (el.closest('.table-responsive') && !el.matches('.table-responsive')) continue;
                if (r.left < left - 1 || r.right > right + 1)
                    out.push(el.tagName + (el.id ? '#' + el.id : '') + ' ' +
                             Math.round(r.left) + '..' + Math.round(r.right));
            }
        }
        return {dir: document.documentElement.dir, lang: document.documentElement.lang,
                ours: ours.length,
                directions: [...new Set(ours.map(el => getComputedStyle(el).direction))],
                scroll: document.documentElement.scrollWidth - width - ckan, ckan: ckan,
                out: out};
    }""", OURS)


def _pages(service_user, fake_service):
    """A sysadmin, a dataset with a completed and a failed push; the three URLs."""
    admin = factories.Sysadmin(password=PASSWORD)
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    failed = factories.Resource(package_id=dataset["id"], url="http://127.0.0.1:9/bad.csv",
                                format="CSV", name=LONG_NAME)
    fake_service.callback = Callback(logs=[{"timestamp": "2026-11-26T10:00:00",
                                            "level": "INFO", "message": "Fetching from…"}])
    helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                        resource_id=resource["id"])
    fake_service.wait_callbacks()
    fake_service.callback = Callback(status="error", error={"message": "bad file"})
    helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                        resource_id=failed["id"])
    fake_service.wait_callbacks()
    job = model.Session.execute(sa.select(Job.id).where(Job.resource_id == failed["id"])).scalar()
    return admin, {
        "tab": "/dataset/{}/datapusher-plus/{}".format(dataset["name"], resource["id"]),
        "job": "/ckan-admin/datapusher-plus/jobs/{}".format(job),
        "organization": "/organization/datapusher-plus/{}".format(dataset["owner_org"]),
        "mail": "/user/datapusher-plus/mail",
        "tab-error": "/dataset/{}/datapusher-plus/{}".format(dataset["name"], failed["id"]),
        "resource": "/dataset/{}/resource/{}".format(dataset["name"], resource["id"]),
        "dashboard": "/ckan-admin/datapusher-plus/",
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_serious_violation_and_rtl(lang, page, service_user, fake_service, live_ckan):
    # The check itself works: a nameless button is a critical violation.
    page.set_content("<html lang='en'><title>t</title><main><button></button></main></html>")
    assert any(line.startswith("critical button-name") for line in _axe(page))
    admin, urls = _pages(service_user, fake_service)
    login(page, live_ckan, admin)
    found, core = {}, []
    for name, url in urls.items():
        for width in WIDTHS:  # desktop, then phone
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_ckan + url)
            page.wait_for_load_state("networkidle")
            shot(page, "a11y-{}-{}-{}".format(lang, name, width))
            layout = _layout(page)
            assert layout["lang"] == lang, (name, width, layout)
            assert layout["ours"] > 0, name
            assert layout["dir"] == ("rtl" if lang == "ar" else ""), (name, width, layout)
            assert layout["directions"] == ["rtl" if lang == "ar" else "ltr"], (name, layout)
            assert layout["out"] == [], (name, width, layout)
            if name not in IN_CKANS_PAGES or width > 400:
                assert layout["scroll"] <= 0, (name, width, layout)
            found[(name, width)] = _axe(page, core)
    assert found == {(name, width): [] for name in urls for width in WIDTHS}
    if core:  # CKAN's own markup: reported, not ours to fix
        print("axe, CKAN's own markup around ours:", *sorted(set(core)), sep="\n  ")
    if lang == "ar":  # the Arabic catalogue is in use, not English
        page.goto(live_ckan + urls["tab"])
        assert "DataPusher+" in page.content() and "Push to DataStore" not in page.content()


def test_keyboard_only_and_live_region(page, service_user, fake_service, live_ckan,
                                       monkeypatch):
    """Tab to the button, press Enter, hear each change once; focus is not lost."""
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    fake_service.callback = Callback(delay=2.5)
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    login(page, live_ckan, editor)
    page.goto("{}/dataset/{}/datapusher-plus/{}".format(live_ckan, dataset["name"],
                                                       resource["id"]))
    page.evaluate(HEAR)
    page.evaluate(SLOW_SETTLE)
    _tab_to(page, page.locator("#dpp-status button[type=submit]"))
    assert page.evaluate("""() => { const el = document.activeElement;
        const s = getComputedStyle(el); return s.outlineStyle !== 'none' ||
        s.boxShadow !== 'none'; }"""), "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    page.locator('#dpp-status [data-dpp-status="complete"]').wait_for(timeout=20_000)
    # The terminal answer announces it, and stops the polling.
    page.wait_for_function("window.dppHeard.at(-1) === 'DataPusher+: Complete'")
    assert page.locator("[hx-trigger*='every']").count() == 0
    heard = page.evaluate("window.dppHeard")
    assert page.evaluate("document.getElementById('dpp-announce') === window.dppRegion")
    assert heard[0] == "DataPusher+: Pending" and heard[-1] == "DataPusher+: Complete", heard
    assert len(heard) == len(set(heard)), heard  # each change once, no repeats per poll
    # Focus stays in the tab's status part (htmx keeps it on the swapped part),
    # and the button is reachable again for a second push.
    assert page.evaluate("document.activeElement !== document.body"), \
        page.evaluate("document.activeElement.outerHTML")
    shot(page, "a11y-keyboard-complete")


def _tab_to(page, locator, presses=80):
    """Press Tab until ``locator`` has the focus (the keyboard alone)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    pytest.fail("cannot reach {} with the Tab key".format(locator))


def test_keyboard_only_resource_page_and_dashboard(page, service_user, fake_service, live_ckan,
                                                   monkeypatch):
    """The resource page's push button and the dashboard's Retry, by keyboard."""
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    fake_service.callback = Callback(delay=1.5)
    admin = factories.Sysadmin(password=PASSWORD)
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    login(page, live_ckan, admin)
    page.goto("{}/dataset/{}/resource/{}".format(live_ckan, dataset["name"], resource["id"]))
    page.evaluate(HEAR)
    page.evaluate(SLOW_SETTLE)
    _tab_to(page, page.locator("#dpp-badge button"))
    page.keyboard.press("Enter")
    page.locator('#dpp-badge [data-dpp-status="complete"]').wait_for(timeout=20_000)
    page.wait_for_function("window.dppHeard.at(-1) === 'DataPusher+: Complete'")
    assert page.evaluate("document.activeElement !== document.body")
    # The dashboard: the job failed this time; Retry it with the keyboard.
    fake_service.callback = Callback(status="error", error={"message": "bad file"})
    helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                        resource_id=resource["id"])
    # the second callback of the test: the job has failed (its Retry can be
    # pressed) before the dashboard is opened
    fake_service.wait_callbacks(2)
    fake_service.callback = Callback(delay=1.0)
    page.goto(live_ckan + "/ckan-admin/datapusher-plus/?latest_only=true")
    page.evaluate(SLOW_SETTLE)
    retry = page.locator("#dpp-jobs tbody tr[data-dpp-job] button", has_text="Retry").first
    _tab_to(page, retry, presses=150)
    page.keyboard.press("Enter")
    page.locator('#dpp-jobs tbody tr[data-dpp-status="complete"]').wait_for(timeout=20_000)
    # The answer is beside the resource's row (the new job's: the old one left the
    # list), the focus on its status; the polls since kept it there, never on the body.
    new_row = page.locator('#dpp-jobs tbody tr[data-dpp-status="complete"]')
    assert page.locator('tr[data-dpp-message-for="{}"]'.format(
        new_row.get_attribute("data-dpp-job"))).count() == 1
    assert page.evaluate("document.activeElement.closest('tr[data-dpp-job]')"
                         " .getAttribute('data-dpp-status')") == "complete"
    shot(page, "a11y-keyboard-dashboard")
