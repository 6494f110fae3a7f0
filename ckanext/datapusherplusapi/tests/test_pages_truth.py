"""The resource's pages and a job's page tell one truth, in Chromium (English
at 1280 px, Arabic at 390 px, French):

- the tab during a run: its status, the history's row and the log agree;
  pressing the push button (keyboard) never leaves the focus on "Delete from
  DataStore", which is disabled while the push runs; at the end the log and
  row agree again; after Delete the status is no longer "Complete" and the
  push button is offered; a loader's log lines are left to right, each
  message ``dir="auto"``;
- the resource page of a failed push: the loader's precise reason leads,
  whole, then what to do (the row it names, "Edit resource"); pushing again
  shows the table's preview without a reload;
- a job's page: Retry lands on the new attempt's page, which follows it to
  its end; the back arrow points back in right-to-left pages;
- with xloader as the back end, xloader's own tab, button and badge are not
  beside ours (they are when another back end drives the pushes).
"""
from __future__ import annotations

import time
from typing import Any

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.tests.fake_service import Callback, FakeService
from ckanext.datapusherplusapi.tests.helpers import (
    PASSWORD,
    SIDEWAYS,
    editor_and_resource,
    login,
    shot,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("with_plugins", "clean_db")]

# (language, viewport width, the words each test reads in it)
LANGUAGES = [
    pytest.param("en", 1280, {"deleted": "Deleted from the DataStore", "row": "Correct row 4",
                              "edit": "Edit resource", "pushed": "Pushed again"}, id="en-1280"),
    pytest.param("ar", 390, {"deleted": "محذوف من", "row": "صحّح السطر 4",
                             "edit": "تعديل المورد", "pushed": "أُعيد الإرسال"}, id="ar-390"),
    pytest.param("fr", 1280, {"deleted": "Supprimé du DataStore", "row": "Corrigez la ligne 4",
                              "edit": "Modifier la ressource", "pushed": "Envoyé à nouveau"},
                 id="fr-1280"),
]
REASON = "Row 4 has more values than the 3 column(s) of the header (villes.csv)"

# Whether the tab's three accounts of the latest push agree: the status
# part's status, the history's newest row's, and the log (showing ``text``).
AGREE = """(text) => {
    const status = document.querySelector('#dpp-status [data-dpp-status]');
    const row = document.querySelector('#dpp-details tbody tr');
    const log = document.querySelector('#dpp-details [data-dpp-part=log]');
    return !!(status && row && log && status.dataset.dppStatus === row.dataset.dppStatus
              && log.innerText.includes(text));
}"""


def _prefix(lang: str) -> str:
    return "" if lang == "en" else "/" + lang


def _job_of(fake: FakeService) -> dict[str, Any]:
    """The one job the fake service accepted last."""
    return wait_for(lambda: list(fake.jobs.values())[-1] if fake.jobs else None)


def _line(message: str) -> dict[str, Any]:
    return {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"), "level": "INFO",
            "message": message}


@pytest.mark.parametrize("lang, width, words", LANGUAGES)
def test_the_tab_tells_one_truth(page, service_user, fake_service, live_ckan, monkeypatch,
                                 lang, width, words):
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    page.set_viewport_size({"width": width, "height": 900})
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    # Data of an earlier load is in the DataStore: "Delete from DataStore" is offered.
    helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                        fields=[{"id": "ville", "type": "text"}], records=[{"ville": "Fès"}])
    fake_service.callback = Callback(status="running",
                                     logs=[_line("Downloaded villes.csv: 2 rows")])
    login(page, live_ckan, editor)
    page.goto("{}{}/dataset/{}/datapusher-plus/{}".format(
        live_ckan, _prefix(lang), dataset["name"], resource["id"]))
    delete = page.locator("#dpp-status [data-dpp-destructive]")
    assert delete.is_enabled()
    # The keyboard: the push button, Enter.
    page.locator("#dpp-status button[type=submit]").first.focus()
    page.keyboard.press("Enter")
    page.locator('#dpp-status [data-dpp-status="running"]').wait_for(timeout=20_000)
    # The history's row and the log follow the status (no reload).
    page.wait_for_function(AGREE, arg="Downloaded villes.csv", timeout=10_000)
    shot(page, "truth-tab-running-{}-{}".format(lang, width))
    # Delete is disabled while the push runs, and has not taken the focus.
    assert delete.is_disabled()
    assert page.evaluate("!document.activeElement.matches('[data-dpp-destructive]')")
    assert page.evaluate("document.getElementById('dpp-status')"
                         ".contains(document.activeElement)")
    # A loader's lines are machine text, left to right (time, level, message),
    # each message laid out by its own direction.
    assert page.locator("#dpp-details .dpp-logs li:not([dir=ltr])").count() == 0
    assert page.locator("#dpp-details .dpp-logs li > span:last-child:not([dir=auto])"
                        ).count() == 0
    # The end: status, row and log agree again.
    fake_service._call_back(_job_of(fake_service), Callback(
        logs=[_line("Downloaded villes.csv: 2 rows"), _line("Pushed 2 rows")]))
    page.locator('#dpp-status [data-dpp-status="complete"]').wait_for(timeout=20_000)
    page.wait_for_function(AGREE, arg="Pushed 2 rows", timeout=10_000)
    assert delete.is_enabled()
    assert page.evaluate("!document.activeElement.matches('[data-dpp-destructive]')")
    # Delete: the data is gone, and the status says so (not "Complete"); push again.
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    if tk.check_ckan_version("2.12"):  # CKAN's own dialog (htmx-ckan.js), not the browser's
        dialog = page.locator(".modal.show")
        dialog.wait_for(timeout=10_000)
        dialog.locator(".modal-footer button:not(.btn-cancel)").click()
    shown = page.locator("#dpp-status [data-dpp-status]")
    page.locator('#dpp-status [data-dpp-status="deleted"]').wait_for(timeout=10_000)
    assert words["deleted"] in shown.inner_text()
    # The history's newest row says so too: nothing on the tab says "Complete".
    page.locator('#dpp-details tbody tr[data-dpp-status="deleted"]').wait_for(timeout=10_000)
    assert page.locator("#dpp-status, #dpp-details").locator(
        "[data-dpp-status=complete], .badge.bg-success").count() == 0
    assert page.locator("#dpp-status button[type=submit]").first.is_enabled()
    assert delete.count() == 0
    assert page.evaluate(SIDEWAYS) <= 0
    shot(page, "truth-tab-deleted-{}-{}".format(lang, width))


@pytest.mark.parametrize("lang, width, words", LANGUAGES)
def test_the_resource_page_leads_with_the_reason(page, service_user, fake_service, live_ckan,
                                                 monkeypatch, lang, width, words):
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    page.set_viewport_size({"width": width, "height": 900})
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    # The download worked (the log says so); the loader names the row.
    fake_service.callback = Callback(status="error", error={"message": REASON},
                                     logs=[_line("Downloaded villes.csv")])
    helpers.call_action("datapusher_plus_submit", {"user": editor["name"]},
                        resource_id=resource["id"])
    fake_service.wait_callbacks()
    login(page, live_ckan, editor)
    url = "{}{}/dataset/{}/resource/{}".format(live_ckan, _prefix(lang), dataset["name"],
                                                resource["id"])
    page.goto(url)
    failure = page.locator("#dpp-badge [data-dpp-part=failure]")
    reason = failure.locator("[data-dpp-part=reason]")
    # The reason first, whole (not cut, no tooltip), in its own direction.
    assert reason.inner_text() == REASON
    assert reason.get_attribute("dir") == "auto" and reason.get_attribute("title") is None
    # CKAN's right-to-left theme sets ``direction: rtl`` on every paragraph: the
    # loader's English sentence still takes its own direction from its text.
    assert reason.evaluate("el => getComputedStyle(el).unicodeBidi") == "plaintext"
    assert reason.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert failure.evaluate("el => el.firstElementChild.dataset.dppPart") == "reason"
    # Then what to do, in the reader's language: the row, "Edit resource".
    step = failure.locator("[data-dpp-part=next-step]")
    assert words["row"] in step.inner_text()
    edit = step.locator("a")
    assert edit.inner_text() == words["edit"]
    assert edit.get_attribute("href").endswith(
        "/dataset/{}/resource/{}/edit".format(dataset["name"], resource["id"]))
    assert page.evaluate(SIDEWAYS) <= 0
    shot(page, "truth-resource-failed-{}-{}".format(lang, width))
    # Push again: at "Complete" the table's preview appears, without a reload.
    assert page.locator("#dpp-views iframe").count() == 0
    navigations = []
    page.on("framenavigated", lambda frame: frame == page.main_frame
            and navigations.append(frame.url))
    fake_service.callback = Callback(delay=1.0)
    page.locator("#dpp-badge button").click()
    page.locator('#dpp-badge [data-dpp-status="complete"]').wait_for(timeout=20_000)
    page.locator("#dpp-views iframe").wait_for(timeout=10_000)
    assert navigations == []
    assert page.locator("#dpp-badge [data-dpp-part=failure]").count() == 0
    shot(page, "truth-resource-preview-{}-{}".format(lang, width))


@pytest.mark.parametrize("lang, width, words", LANGUAGES)
def test_retry_on_a_job_page_follows_the_new_attempt(page, service_user, fake_service, live_ckan,
                                                     monkeypatch, lang, width, words):
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    page.set_viewport_size({"width": width, "height": 900})
    admin = factories.Sysadmin(password=PASSWORD, fullname="Amina Démo")
    _editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    fake_service.callback = Callback(status="error", error={"message": REASON})
    helpers.call_action("datapusher_plus_submit", {"user": admin["name"]},
                        resource_id=resource["id"])
    fake_service.wait_callbacks()
    failed = helpers.call_action("datapusher_plus_job_history",
                                 resource_id=resource["id"])[0]["id"]
    login(page, live_ckan, admin)
    page.goto("{}{}/ckan-admin/datapusher-plus/jobs/{}".format(live_ckan, _prefix(lang), failed))
    # Who, by display name; the loader's reason first, in its own direction.
    assert "Amina Démo" in page.locator("#dpp-job dl").inner_text()
    assert page.locator("#dpp-job [data-dpp-part=reason]").get_attribute("dir") == "auto"
    # The back arrow points back: mirrored in right-to-left pages only.
    transform = page.locator(".dpp-back-arrow").evaluate("el => getComputedStyle(el).transform")
    assert (transform == "matrix(-1, 0, 0, 1, 0, 0)") == (lang == "ar"), transform
    fake_service.callback = Callback(delay=2.0)
    page.locator("#dpp-job form[action$='/retry/follow'] button").click()
    page.wait_for_url(lambda url: failed not in url, timeout=10_000)
    new = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])[0]["id"]
    assert new != failed and page.url.endswith("/jobs/" + new)
    assert words["pushed"] in page.content()
    # The new attempt's page follows it live, to its end.
    page.locator('#dpp-job[data-dpp-status="complete"]').wait_for(timeout=20_000)
    current = page.locator("#dpp-job tbody tr.table-active")
    assert current.get_attribute("data-dpp-status") == "complete"
    # Dates in the reader's order: "5 décembre 2026…", "5 ديسمبر 2026…", "December 5, 2026…".
    when = current.locator("td").first.inner_text().strip()
    assert when[0].isdigit() == (lang != "en") and "(UTC)" not in when, when
    assert page.evaluate(SIDEWAYS) <= 0
    shot(page, "truth-job-retried-{}-{}".format(lang, width))


XLOADER_PLUGINS = "datapusherplusapi xloader datastore datatables_view datapusherplusapi_nosolr"


@pytest.mark.loader
@pytest.mark.ckan_config("ckan.plugins", XLOADER_PLUGINS)
@pytest.mark.ckan_config("ckanext.xloader.api_token", "unused-here")
@pytest.mark.ckan_config("ckanext.xloader.debug_badges", "true")  # its badge whatever the state
@pytest.mark.parametrize("backend", ["xloader", "service"])
def test_no_xloader_status_beside_ours(page, service_user, fake_service, live_ckan, monkeypatch,
                                       backend):
    """With xloader as the back end its own tab, button and badge are gone;
    with another back end (xloader loaded beside it) they are there."""
    monkeypatch.setitem(tk.config, dpp_config.BACKEND, backend)
    editor, dataset, resource = editor_and_resource("http://127.0.0.1:9/villes.csv")
    login(page, live_ckan, editor)
    xloader_links = "a[href*='/resource_data/']"
    found = {}
    for lang, width in (("en", 1280), ("ar", 390)):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in (("page", "/dataset/{}/resource/{}"),
                           ("edit", "/dataset/{}/resource/{}/edit")):
            page.goto(live_ckan + _prefix(lang) + path.format(dataset["name"], resource["id"]))
            found[(lang, name)] = (page.locator(xloader_links).count(),
                                   page.locator(".loader-badge").count())
            # Ours is there whatever the back end.
            assert page.locator("a[href*='/datapusher-plus/']").count() >= 1
            shot(page, "truth-xloader-{}-{}-{}".format(backend, lang, name))
    if backend == "xloader":
        assert set(found.values()) == {(0, 0)}, found
    else:  # xloader's own UI, as it shows without us driving it
        assert all(links for links, _badge in found.values()), found
        assert found[("en", "page")][1] == 1, found
