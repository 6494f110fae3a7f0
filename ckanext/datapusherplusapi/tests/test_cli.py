"""``ckan datapusherplusapi ...``, through CKAN's CLI fixture (and once as a
real ``ckan`` command)."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.cli import datapusherplusapi
from ckanext.datapusherplusapi.logic.action import admin as admin_actions
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.tests.fake_service import Answer
from ckanext.datapusherplusapi.tests.helpers import seed_jobs

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "service_user")
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def run(cli, app):
    def invoke(*args):
        with app.flask_app.test_request_context():
            return cli.invoke(datapusherplusapi, [str(a) for a in args])
    return invoke


@pytest.fixture
def portal():
    org = factories.Organization(name="ville")
    first = factories.Dataset(name="budget", owner_org=org["id"], resources=[
        {"url": "http://127.0.0.1:9/a.csv", "format": "CSV", "name": "a"},
        {"url": "http://127.0.0.1:9/b.pdf", "format": "PDF", "name": "b"},
        {"url": "http://127.0.0.1:9/c.tsv", "format": "TSV", "name": "c"}])
    second = factories.Dataset(name="transport", owner_org=org["id"], private=True, resources=[
        {"url": "http://127.0.0.1:9/d.csv", "format": "CSV", "name": "d"}])
    elsewhere = factories.Dataset(
        name="ailleurs", owner_org=factories.Organization()["id"], resources=[
        {"url": "http://127.0.0.1:9/e.csv", "format": "CSV", "name": "e"}])
    ids = {r["name"]: r["id"] for d in (first, second, elsewhere) for r in d["resources"]}
    return ids


def _latest(resource_id):
    return helpers.call_action("datapusher_plus_status", resource_id=resource_id)["status"]


def test_submit_a_resource_a_dataset_an_organization_everything(run, portal, fake_service):
    result = run("submit", portal["a"])
    assert result.exit_code == 0, result.output
    assert "1 submitted, 0 skipped" in result.output
    assert _latest(portal["a"]) == "submitted"

    result = run("submit", "--dataset", "budget", "--dry-run")
    assert result.exit_code == 0
    lines = {line.split("\t")[0]: line for line in result.output.splitlines() if "\t" in line}
    assert set(lines) == {portal["a"], portal["c"]}  # not the PDF
    assert lines[portal["a"]].endswith("skipped: a push is active")  # a's push is pending
    assert "1 resource would be submitted" in result.output
    assert "1 would be skipped: a push is already active" in result.output
    assert len(fake_service.job_posts()) == 1

    result = run("submit", "--organization", "ville")
    assert result.exit_code == 0, result.output
    # a is active already; c and the private dataset's d are new.
    assert "2 submitted, 1 skipped" in result.output
    assert _latest(portal["d"]) == "submitted" and _latest(portal["e"]) == "not_submitted"

    result = run("submit", "--all", "--format", "csv", "--force")
    assert result.exit_code == 0, result.output
    assert "3 submitted, 0 skipped" in result.output
    assert _latest(portal["e"]) == "submitted" and _latest(portal["b"]) == "not_submitted"


def test_usage_not_found_and_failures_have_their_exit_codes(run, portal, fake_service):
    assert run("submit").exit_code == 2
    missing = run("submit", "--dataset", "nowhere")
    assert missing.exit_code == 1 and "Error" in missing.output
    assert run("status", str(uuid.uuid4())).exit_code == 1
    fake_service.script(Answer(status=500, body={"error": "disk full"}))
    failed = run("submit", portal["a"])
    assert failed.exit_code == 1
    assert "0 submitted, 0 skipped (a job is already active), 1 failed" in failed.output
    assert portal["a"] in failed.output and "disk full" in failed.output
    assert _latest(portal["a"]) == "error"  # recorded with its reason


def test_status(run, portal, fake_service):
    run("submit", portal["c"])
    result = run("status", portal["c"])
    assert result.exit_code == 0
    assert "status: submitted" in result.output and "attempt: 1" in result.output


def _seed(resource_id, status, days_ago):
    seed_jobs([helpers.call_action("resource_show", id=resource_id)], 1, status,
              days_ago=days_ago, error="boom" if status == "error" else None)


def test_retry_failed(run, portal, fake_service):
    _seed(portal["a"], "error", 2)
    _seed(portal["e"], "complete", 3)
    _seed(portal["e"], "error", 1)
    _seed(portal["c"], "error", 5)
    _seed(portal["c"], "complete", 4)  # failed once, then fine: not retried
    dry = run("retry-failed", "--dry-run")
    assert dry.exit_code == 0 and "2 resources would be submitted" in dry.output
    assert portal["c"] not in dry.output
    result = run("retry-failed")
    assert result.exit_code == 0, result.output
    assert "2 submitted" in result.output
    assert _latest(portal["a"]) == _latest(portal["e"]) == "submitted"


def test_purge_keeps_each_resources_latest_job(run, portal):
    for days in (40, 35, 33):
        _seed(portal["a"], "complete", days)
    _seed(portal["a"], "error", 31)  # old, but the resource's latest: kept
    _seed(portal["e"], "complete", 10)
    dry = run("purge", "--older-than", 30, "--dry-run")
    assert dry.exit_code == 0 and "3 job rows would be deleted" in dry.output
    result = run("purge", "--older-than", 30)
    assert result.exit_code == 0 and "3 job rows deleted" in result.output
    assert model.Session.execute(sa.select(sa.func.count(Job.id))).scalar() == 2
    stats = helpers.call_action("datapusher_plus_stats")
    assert stats["total"] == 2  # the trigger-kept counts followed the delete
    assert run("purge").exit_code == 2  # --older-than is required


def test_purge_larger_than_a_batch_deletes_every_old_row_in_batches(run, portal, monkeypatch):
    monkeypatch.setattr(admin_actions, "PURGE_BATCH", 2)
    a, c, e = (helpers.call_action("resource_show", id=portal[name]) for name in "ace")
    seed_jobs([a, e], 7, "complete", days_ago=60)  # 4 of a, 3 of e
    seed_jobs([a], 2, "error", days_ago=50, error="boom")
    running = seed_jobs([a], 1, "running", days_ago=45)  # a's latest, and active
    c_latest = seed_jobs([c], 3, "complete", days_ago=40)[0]  # the first is the newest
    e_latest = seed_jobs([e], 1, "complete", days_ago=1)
    deletes = []

    def count_deletes(conn, cursor, statement, *args):
        if statement.startswith("DELETE FROM datapusherplusapi_job"):
            deletes.append(statement)

    engine = model.Session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count_deletes)
    try:
        result = run("purge", "--older-than", 30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_deletes)
    assert result.exit_code == 0 and "11 job rows deleted" in result.output, result.output
    assert len(deletes) >= 6  # 11 rows, 2 a transaction
    left = model.Session.execute(sa.select(Job.id, Job.is_latest)).all()
    assert sorted(left) == sorted([(running[0], True), (c_latest, True), (e_latest[0], True)])
    assert helpers.call_action("datapusher_plus_stats")["total"] == 3


def test_the_ckan_command(portal):
    ckan = Path(sys.executable).parent / "ckan"
    ini = REPO / "test.ini"
    shown = subprocess.run([str(ckan), "-c", str(ini), "datapusherplusapi", "status", portal["a"]],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "status: not_submitted" in shown.stdout
    usage = subprocess.run([str(ckan), "-c", str(ini), "datapusherplusapi", "submit"],
                           capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2


def test_check_ends_the_silent_jobs_their_loader_lost(run, portal, fake_service):
    """``check`` (cron, every minute) asks the loader about each job without
    news, even with no page open: one the service no longer knows ends in
    error with its cause; one with recent news is left alone."""
    silent = {"id": portal["a"], "package_id": None, "url": "http://127.0.0.1:9/a.csv",
              "format": "CSV"}
    fresh = dict(silent, id=portal["c"])
    seed_jobs([silent], 1, "submitted", days_ago=1)
    seed_jobs([fresh], 1, "submitted")
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 silent job asked about, 1 changed"
    status = helpers.call_action("datapusher_plus_status", resource_id=portal["a"])
    assert (status["status"], status["cause"]["code"]) == ("error", "job_lost")
    assert _latest(portal["c"]) == "submitted"
