"""``GET /datapusher-plus/metrics``: the push jobs' figures in Prometheus'
text format, read back with ``prometheus_client``'s own parser and checked
against the jobs the test wrote; who may read them; what they cost."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families
from rq import Worker

from ckan.lib.jobs import get_queue
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.tests.helpers import (
    REPO,
    make_resource,
    seed_jobs,
    sql_statements,
    sysadmin_with_token,
    user_with_token,
)

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

URL = "/datapusher-plus/metrics"
PREFIX = "ckan_datapusherplus_"
SECRET = "a-scrape-secret-of-thirty-two-characters"
DOCS = REPO / "docs" / "metrics.md"
# What Prometheus sends (its scrape's Accept header)
PROMETHEUS = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
              "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def scrape(app: Any, headers: dict[str, str]) -> dict[tuple[str, tuple[tuple[str, str], ...]],
                                                       float]:
    """Every sample of the answer: (name, labels) → value."""
    response = app.get(URL, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def _ago(**delta: float) -> datetime.datetime:
    return datetime.datetime.utcnow() - datetime.timedelta(**delta)


@pytest.mark.ckan_config(dpp_config.STUCK_AFTER, 60)
def test_the_figures_are_the_job_tables(app):
    """Jobs of every kind written into the job table: the answer's figures
    are theirs (all-time counts, the last day by status, back end and error
    type, durations, rows, stuck, silent, the oldest waiting job, the queue)."""
    resource = make_resource()
    seed_jobs([resource], 3, "complete", rows_loaded=100)  # two seconds each
    seed_jobs([resource], 1, "complete", rows_loaded=5,
              finished_at=_ago(minutes=1), submitted_at=_ago(minutes=3))  # 120 s
    seed_jobs([resource], 1, "error", backend="xloader", error="HTTP 404",
              error_type="download_failed")
    seed_jobs([resource], 1, "error", error="refused")  # service_job_error
    seed_jobs([resource], 2, "complete", days_ago=3, rows_loaded=1000)  # not in the last day
    waiting = _ago(hours=2)
    seed_jobs(None, 1, "submitted", submitted_at=waiting, updated_at=waiting, started_at=None)
    seed_jobs(None, 1, "running", submitted_at=_ago(minutes=5),
              updated_at=_ago(minutes=5))  # its last news five minutes ago
    sysadmin = sysadmin_with_token()
    figures = scrape(app, {"Authorization": sysadmin["token"]})

    def value(name: str, **labels: str) -> float:
        return figures[(PREFIX + name, tuple(sorted(labels.items())))]
    assert {status: value("jobs", status=status) for status in (
        "complete", "error", "submitted", "running", "submitting", "cancelled")} == {
        "complete": 6, "error": 2, "submitted": 1, "running": 1, "submitting": 0,
        "cancelled": 0}
    last_day = {labels: n for (name, labels), n in figures.items()
                if name == PREFIX + "jobs_last_day"}
    assert last_day == {
        (("backend", "service"), ("cause", ""), ("error_type", ""), ("status", "complete")): 4,
        (("backend", "service"), ("cause", ""), ("error_type", ""), ("status", "running")): 1,
        (("backend", "service"), ("cause", ""), ("error_type", ""), ("status", "submitted")): 1,
        (("backend", "xloader"), ("cause", "download_failed"), ("error_type", "download_failed"),
         ("status", "error")): 1,
        (("backend", "service"), ("cause", "unknown"), ("error_type", "service_job_error"),
         ("status", "error")): 1,
    }
    histogram = {dict(labels).get("le"): n for (name, labels), n in figures.items()
                 if name == PREFIX + "job_duration_seconds_bucket"}
    assert histogram == {"1.0": 0, "5.0": 3, "15.0": 3, "60.0": 3, "300.0": 4, "900.0": 4,
                         "3600.0": 4, "+Inf": 4}
    assert value("job_duration_seconds_gcount") == 4
    assert value("job_duration_seconds_gsum") == pytest.approx(3 * 2 + 120, abs=0.01)
    assert value("rows_loaded_last_day") == 3 * 100 + 5
    assert value("stuck_jobs") == 1  # the one submitted two hours ago (stuck_after: 60 min)
    assert value("silent_jobs") == 2  # both without news for more than check_after (20 s)
    age = value("oldest_pending_job_age_seconds")
    assert 2 * 3600 <= age < 2 * 3600 + 60
    # Prometheus asks for OpenMetrics: the durations are then a gauge histogram.
    answer = app.get(URL, headers={"Authorization": sysadmin["token"], "Accept": PROMETHEUS})
    assert answer.headers["Content-Type"].startswith("application/openmetrics-text")
    durations = next(family for family in openmetrics_families(answer.get_data(as_text=True))
                     if family.name == PREFIX + "job_duration_seconds")
    assert durations.type == "gaugehistogram"
    totals = {sample.name: sample.value for sample in durations.samples if not sample.labels}
    assert totals[PREFIX + "job_duration_seconds_gcount"] == 4
    assert totals[PREFIX + "job_duration_seconds_gsum"] == pytest.approx(126, abs=0.01)
    listening = sum(1 for worker in Worker.all(connection=connect_to_redis())
                    if get_queue().name in worker.queue_names())
    assert value("queue_reachable") == 1
    assert value("queue_workers", queue="default") == listening
    assert value("queue_jobs", queue="default") == len(get_queue())


def test_only_a_sysadmin_or_the_scrape_secret_reads_them(app, ckan_config, monkeypatch, caplog):
    """Anonymous: 401 and how to authenticate (in the reader's language);
    a user who is not a sysadmin, a deleted sysadmin, a wrong secret: 403; a
    sysadmin's token (alone, or after Bearer) and the configured secret: the
    figures, without the error CKAN logs for a header it cannot read as a
    token."""
    sysadmin = sysadmin_with_token()
    user = user_with_token()
    gone = sysadmin_with_token()
    helpers.call_action("user_delete", id=gone["id"])
    anonymous = app.get(URL)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert "metrics_token" in anonymous.get_data(as_text=True)
    assert PREFIX not in anonymous.get_data(as_text=True)
    french = app.get("/fr" + URL)
    assert french.status_code == 401
    assert french.get_data(as_text=True).startswith("Les métriques demandent")
    assert app.get(URL, headers={"Authorization": user["token"]}).status_code == 403
    assert app.get(URL, headers={"Authorization": "Bearer " + user["token"]}).status_code == 403
    assert app.get(URL, headers={"Authorization": "Bearer " + SECRET}).status_code == 403
    assert app.get(URL, headers={"Authorization": "Bearer " + gone["token"]}).status_code == 403
    caplog.clear()
    scrape(app, {"Authorization": sysadmin["token"]})
    answer = app.get(URL, headers={"Authorization": "Bearer " + sysadmin["token"]})
    assert answer.status_code == 200
    # every metric docs/metrics.md names (its table, its alert rules) is in the answer
    names = {family.name for family in text_string_to_metric_families(
        answer.get_data(as_text=True))}
    documented = set(re.findall(r"\b{}[a-z_]+".format(PREFIX), DOCS.read_text()))
    assert len(documented) == 10 and documented <= names
    monkeypatch.setitem(ckan_config, dpp_config.METRICS_TOKEN, SECRET)
    scrape(app, {"Authorization": "Bearer " + SECRET})
    assert not [r for r in caplog.records if "Cannot decode JWT" in r.getMessage()]
    refused = app.get(URL, headers={"Authorization": "Bearer " + SECRET[:-1]})
    assert refused.status_code == 403 and PREFIX not in refused.get_data(as_text=True)


def test_a_scrape_costs_the_same_statements_at_ten_jobs_and_at_five_hundred(app, monkeypatch):
    """A fixed number of SQL statements, whatever the number of jobs."""
    sysadmin = sysadmin_with_token()
    headers = {"Authorization": sysadmin["token"]}
    org = factories.Organization()
    resources = [make_resource(org) for _i in range(5)]

    def statements() -> int:
        with sql_statements(monkeypatch) as seen:
            scrape(app, headers)
        return len(seen)
    seed_jobs(resources, 10)
    scrape(app, headers)  # (a user's first request also records their last activity)
    few = statements()
    seed_jobs(resources, 490, "error", error="refused", days_ago=0.5)
    assert statements() == few
