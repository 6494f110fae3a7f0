"""lifecycle.py: guarded status changes, and the questions asked about silent
jobs (against the fake service)."""
from __future__ import annotations

import datetime

import pytest

import ckan.model as model
from ckan.lib.redis import connect_to_redis
from ckan.tests import helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import lifecycle, signals, watch
from ckanext.datapusherplusapi.model import Job

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def job(pending_job):
    return dict(pending_job, id=pending_job["job_id"],
                service_token=pending_job["service"]["token"])


def _row(job_id: str) -> Job:
    return model.Session.query(Job).populate_existing().filter_by(id=job_id).one()


def _silent_for(job_id: str, seconds: int) -> None:
    row = _row(job_id)
    row.updated_at = datetime.datetime.utcnow() - datetime.timedelta(seconds=seconds)
    model.Session.commit()


def _questions(fake) -> int:
    return sum(1 for r in fake.requests if r["method"] == "GET" and r["path"].startswith("/job/"))


def _status(job) -> dict:
    return helpers.call_action("datapusher_plus_status", resource_id=job["resource"]["id"])


class TestGuardedChanges:
    def test_the_first_end_wins(self, job):
        session = model.Session
        assert lifecycle.cancel(session, job["id"], "by a test") is True
        assert lifecycle.complete(session, job["id"]) is False
        assert lifecycle.fail(session, job["id"], "service_job_error", "late") is False
        assert lifecycle.running(session, job["id"]) is False
        row = _row(job["id"])
        assert (row.status, row.error) == ("cancelled", "by a test")

    def test_an_ended_job_stays_ended(self, job):
        session = model.Session
        assert lifecycle.complete(session, job["id"]) is True
        assert lifecycle.complete(session, job["id"]) is False
        assert lifecycle.fail(session, job["id"], "service_job_error", "late") is False
        assert _row(job["id"]).status == "complete"

    def test_running_never_goes_back_to_submitted(self, job):
        session = model.Session
        assert lifecycle.running(session, job["id"]) is True
        assert lifecycle.accepted(session, _row(job["id"]), job["id"]) == "running"

    def test_a_failure_is_announced_once_and_after_its_commit(self, job):
        heard = []

        def receiver(job_id):
            other = model.meta.create_local_session()  # sees only what is committed
            try:
                heard.append((job_id, other.get(Job, job_id).status))
            finally:
                other.close()

        signals.job_failed.connect(receiver)
        try:
            assert lifecycle.fail(model.Session, job["id"], "service_job_error", "bad CSV")
            assert not lifecycle.fail(model.Session, job["id"], "service_job_error", "again")
        finally:
            signals.job_failed.disconnect(receiver)
        assert heard == [(job["id"], "error")]

    def test_the_same_log_lines_again_are_no_news(self, job):
        lines = [{"timestamp": "2026-12-01T10:00:00", "level": "INFO", "message": "Fetching"}]
        session = model.Session
        assert lifecycle.note_logs(session, job["id"], lines) is True
        assert lifecycle.note_logs(session, job["id"], lines) is False
        assert lifecycle.note_logs(session, job["id"], lines + lines) is True
        assert _row(job["id"]).logs == lines + lines


class TestQuestionsAboutSilentJobs:
    def test_no_question_within_the_grace(self, job):
        assert _status(job)["status"] == "submitted"
        assert _questions(job["fake"]) == 0

    def test_a_silent_job_is_asked_about_once_per_throttle(self, job):
        _silent_for(job["id"], dpp_config.check_after() + 1)
        assert _status(job)["status"] == "submitted"
        _status(job)
        _status(job)
        assert _questions(job["fake"]) == 1

    def test_the_answer_is_recorded(self, job):
        job["fake"].jobs[job["id"]].update(status="error", error={"message": "bad CSV"})
        _silent_for(job["id"], 60)
        state = _status(job)
        assert state["status"] == "error" and state["error"] == "bad CSV"
        assert state["error_type"] == "service_job_error"

    def test_silence_ends_the_job_and_a_late_callback_revives_it(self, job, app):
        fake = job["fake"]
        fake.jobs[job["id"]]["logs"] = [{"timestamp": "2026-12-01T10:00:00", "level": "INFO",
                                         "message": "Fetching from: x"}]
        _silent_for(job["id"], 60)
        first = _status(job)  # the first question: its log is news
        assert first["status"] == "submitted" and first["logs"][0]["message"] == "Fetching from: x"
        _silent_for(job["id"], 60)
        # the throttle (15 s per job) ends sooner for the test
        connect_to_redis().delete(watch.check_key(job["id"]))
        second = _status(job)
        assert second["status"] == "error" and second["error_type"] == "service_silent"
        assert "its last log line: \u201cFetching from: x\u201d" in second["error"]
        late = app.post("/api/3/action/datapusher_plus_hook", headers={
            "Authorization": job["service_token"]}, json={
            "job_id": job["id"], "status": "complete", "error": None,
            "metadata": {"resource_id": job["resource"]["id"]}})
        assert late.status_code == 200 and late.json["result"]["changed"] is True
        final = _status(job)
        assert final["status"] == "complete" and final["error"] is None
        assert final["error_type"] is None

    def test_a_job_the_service_forgot_is_lost(self, job):
        del job["fake"].jobs[job["id"]]
        _silent_for(job["id"], 60)
        state = _status(job)
        assert state["status"] == "error" and state["error_type"] == "service_lost_job"
