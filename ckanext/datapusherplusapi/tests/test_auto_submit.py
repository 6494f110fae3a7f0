"""ckanext.datapusher_plus.auto_submit: new resources and new files are pushed
by a background job; metadata-only edits are not."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import ckan.plugins.toolkit as tk
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.logic import background
from ckanext.datapusherplusapi.tests.fake_service import Answer

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "service_user")


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, list[Any], dict[str, Any]]]:
    """What the save enqueues, held instead of sent to Redis (run by hand)."""
    calls: list[tuple[Any, list[Any], dict[str, Any]]] = []
    monkeypatch.setattr(tk, "enqueue_job", lambda fn, args=None, kwargs=None, **_: calls.append(
        (fn, list(args or []), dict(kwargs or {}))))
    return calls


def _run(calls):
    results = [fn(*args, **kwargs) for fn, args, kwargs in calls]
    calls.clear()
    return results


def _status(resource_id):
    return helpers.call_action("datapusher_plus_status", resource_id=resource_id)


@pytest.mark.ckan_config(dpp_config.AUTO_SUBMIT, True)
class TestOn:
    def test_a_new_resource_is_pushed_by_a_background_job(self, queued, fake_service):
        editor = factories.User()
        org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
        dataset = factories.Dataset(owner_org=org["id"])
        resource = helpers.call_action(
            "resource_create", {"user": editor["name"], "ignore_auth": False},
            package_id=dataset["id"], url="http://127.0.0.1:9/data.csv", format="CSV")
        # The save itself did not call the service: the job is only queued.
        assert fake_service.job_posts() == []
        assert [fn for fn, _a, _k in queued] == [background.auto_submit]
        assert _status(resource["id"])["status"] == "not_submitted"
        assert _run(queued) == ["submitted"]
        assert len(fake_service.job_posts()) == 1
        assert _status(resource["id"])["status"] == "submitted"
        history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
        assert history[0]["submitted_by"]["name"] == editor["name"]

    def test_a_new_url_is_pushed_again_a_metadata_edit_is_not(self, queued, fake_service):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                       url="http://127.0.0.1:9/v1.csv", format="CSV")
        assert _run(queued) == ["submitted"]
        first = _status(resource["id"])["job_id"]

        helpers.call_action("resource_patch", id=resource["id"], description="Nouvelle description")
        assert queued == []

        helpers.call_action("resource_patch", id=resource["id"], url="http://127.0.0.1:9/v2.csv")
        assert len(queued) == 1 and queued[0][2]["expected_url"] == "http://127.0.0.1:9/v2.csv"
        # The first job was still active: the new file supersedes it.
        assert _run(queued) == ["submitted"]
        status = _status(resource["id"])
        assert status["job_id"] != first and status["resource_url"].endswith("/v2.csv")
        history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
        assert [job["status"] for job in history] == ["submitted", "cancelled"]
        assert len(fake_service.job_posts()) == 2

    def test_formats_outside_the_list_are_left_alone(self, queued, fake_service):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        helpers.call_action("resource_create", package_id=dataset["id"],
                            url="http://127.0.0.1:9/report.pdf", format="PDF")
        assert queued == []

    def test_a_job_queued_before_the_change_is_committed_waits_for_it(self, monkeypatch,
                                                                        queued, fake_service):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                       url="http://127.0.0.1:9/v1.csv", format="CSV")
        queued.clear()
        waiting = threading.Event()

        class Clock:  # background.py's clock, telling when the job starts waiting
            monotonic = staticmethod(time.monotonic)

            @staticmethod
            def sleep(seconds: float) -> None:
                waiting.set()
                time.sleep(seconds)

        monkeypatch.setattr(background, "time", Clock)
        new_url = "http://127.0.0.1:9/v2.csv"
        outcome: list[str] = []
        job = threading.Thread(target=lambda: outcome.append(background.auto_submit(
            resource["id"], expected_url=new_url, force=True)))
        job.start()
        assert waiting.wait(10)  # it read the resource before the change, and waits
        helpers.call_action("resource_patch", id=resource["id"], url=new_url)
        job.join(10)
        assert outcome == ["submitted"]
        assert _status(resource["id"])["resource_url"] == new_url
        assert len(fake_service.job_posts()) == 1

    def test_a_job_queued_for_a_change_that_never_comes_gives_up(self, monkeypatch, queued,
                                                                 fake_service):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                       url="http://127.0.0.1:9/v1.csv", format="CSV")
        queued.clear()
        monkeypatch.setattr(background, "AUTO_SUBMIT_WAIT", 1.0)
        # Queued for a URL the resource never gets (a later change won): skipped.
        assert background.auto_submit(resource["id"], expected_url="http://127.0.0.1:9/never.csv",
                                      force=True) == "skipped"
        assert fake_service.job_posts() == []

    def test_a_failed_push_is_recorded_not_raised(self, queued, fake_service):
        fake_service.script(Answer(status=500, body={"error": "boom"}))
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                       url="http://127.0.0.1:9/data.csv", format="CSV")
        assert _run(queued) == ["failed"]
        status = _status(resource["id"])
        assert status["status"] == "error" and status["error"]


def test_off_by_default(queued, fake_service):
    assert tk.config[dpp_config.AUTO_SUBMIT] is False
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                   url="http://127.0.0.1:9/data.csv", format="CSV")
    helpers.call_action("resource_patch", id=resource["id"], url="http://127.0.0.1:9/v2.csv")
    assert queued == []
    assert fake_service.job_posts() == []


@pytest.mark.ckan_config("ckan.plugins",
                         "datapusherplusapi xloader datastore datapusherplusapi_nosolr")
@pytest.mark.ckan_config(dpp_config.BACKEND, "xloader")
@pytest.mark.ckan_config("ckanext.xloader.api_token", "a-token")
@pytest.mark.ckan_config(dpp_config.AUTO_SUBMIT, True)
class TestUnderXloader:
    """xloader pushes its own formats (CSV …) when a resource is saved; our
    auto-submit pushes the built-in loader's (JSON, XML), and never what
    xloader already pushes."""

    def test_json_and_xml_are_pushed_when_created_and_when_their_file_changes(self, queued):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        for fmt in ("JSON", "XML"):
            url = "http://127.0.0.1:9/villes.{}".format(fmt.lower())
            resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                           url=url, format=fmt)
            assert [fn for fn, _a, _k in queued] == [background.auto_submit]
            # pushed, then the load it queued runs (its file is served nowhere: it fails)
            assert _run(queued)[0] == "submitted"
            status = _status(resource["id"])
            assert (status["backend"], status["started_by_loader"], status["attempt"]) == (
                "builtin", False, 1), status
            helpers.call_action("resource_patch", id=resource["id"], url=url + "?v=2")
            assert [fn for fn, _a, _k in queued] == [background.auto_submit]
            assert _run(queued)[0] == "submitted"
            status = _status(resource["id"])
            assert status["resource_url"] == url + "?v=2" and status["backend"] == "builtin"
            assert status["attempt"] == 2
            queued.clear()

    def test_what_xloader_pushes_itself_is_not_pushed_twice(self, queued):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                       url="http://127.0.0.1:9/villes.csv", format="CSV")
        # (no worker here: xloader (2.5.2, 2.6.0) on RQ 2 fails to submit a resource whose
        # earlier load still waits on its queue, so that one is taken off first)
        ckan_jobs.get_queue().empty()
        helpers.call_action("resource_patch", id=resource["id"],
                            url="http://127.0.0.1:9/villes-v2.csv")
        assert background.auto_submit not in [fn for fn, _a, _k in queued]
        history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
        # xloader's own loads only, none of ours
        assert history and all((job["backend"], job["started_by_loader"]) == ("xloader", True)
                               for job in history), history

    @pytest.mark.ckan_config(dpp_config.BUILTIN_FORMATS, "json xml csv")
    def test_a_csv_of_builtin_formats_is_the_builtin_loaders_and_xloader_loads_it_not(
            self, queued):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"])
        resource = helpers.call_action("resource_create", package_id=dataset["id"],
                                       url="http://127.0.0.1:9/villes.csv", format="CSV")
        assert [fn for fn, _a, _k in queued] == [background.auto_submit]
        assert _run(queued)[0] == "submitted"  # (then its load, which fails: no file)
        helpers.call_action("resource_patch", id=resource["id"],
                            url="http://127.0.0.1:9/villes-v2.csv")
        assert [fn for fn, _a, _k in queued] == [background.auto_submit]
        assert _run(queued)[0] == "submitted"
        # xloader asked this plugin (IXloader.can_upload) and queued no load of
        # its own, on saving nor when asked directly
        assert helpers.call_action("xloader_submit", resource_id=resource["id"]) is False
        assert ckan_jobs.get_queue().count == 0
        history = helpers.call_action("datapusher_plus_job_history", resource_id=resource["id"])
        assert [(job["backend"], job["started_by_loader"], job["attempt"]) for job in history] \
            == [("builtin", False, 2), ("builtin", False, 1)], history
