"""The push jobs' figures in Prometheus' text format, for a monitoring
system that scrapes ``GET /datapusher-plus/metrics`` (``views/metrics.py``).

Written with the ``prometheus_client`` library: each scrape builds the
families from the database and RQ (nothing is kept between scrapes, so every
CKAN process answers the same).  The cost does not grow with the job table:

- jobs by status, all time: the trigger-kept counts (``model/counts.py``);
- jobs by status, back end and error type, their durations and the rows
  they loaded: the jobs of the last ``WINDOW`` (read through the submission
  and finish indexes: a day of jobs, whatever the years kept);
- stuck, silent and the oldest pending job: the active jobs only (the
  status index);
- each queue the loaders use: its length and the workers listening to it.

A fixed number of statements per scrape, whatever the number of jobs.
"""
from __future__ import annotations

import datetime
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from ckanext.datapusherplusapi import backends, config, lifecycle
from ckanext.datapusherplusapi.backends import rq
from ckanext.datapusherplusapi.model import counts as job_counts
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model.job import Job

PREFIX = "ckan_datapusherplus_"
WINDOW = datetime.timedelta(hours=24)
# Upper bounds (seconds) of the duration histogram's buckets: a push takes
# from a second (a small file) to an hour (the built-in loader's default limit).
BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
DEFAULT_QUEUE = "default"  # CKAN's, where this extension's own work and the built-in loader's go


def _queues() -> list[str]:
    """The RQ queues this portal's loaders and this extension use."""
    names = [DEFAULT_QUEUE]
    queue_names = getattr(backends.current(), "queue_names", None)
    for name in (queue_names() if queue_names else []):
        if name not in names:
            names.append(name)
    return names


class JobsCollector(Collector):
    """The families of one scrape (see the module's docstring)."""

    def __init__(self, session: Any, now: Optional[datetime.datetime] = None):
        self.session = session
        self.now = now or lifecycle.now()

    def collect(self) -> Iterator[Metric]:
        yield from self._all_time()
        yield from self._last_day()
        yield from self._active()
        yield from self._queues()

    def _all_time(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(PREFIX + "jobs", "Push jobs in the job table, by status",
                                 labels=["status"])
        if job_counts.compact(self.session, self.now):
            self.session.commit()
        totals = job_counts.totals(self.session)
        for status in job_model.STATUSES:
            jobs.add_metric([status], totals.get(status, 0))
        yield jobs

    def _last_day(self) -> Iterator[Metric]:
        since = self.now - WINDOW
        recent = GaugeMetricFamily(
            PREFIX + "jobs_last_day",
            "Push jobs submitted in the last 24 hours, by status, back end, error type and "
            "cause (both empty for jobs without an error)",
            labels=["status", "backend", "error_type", "cause"])
        rows = self.session.execute(
            sa.select(Job.status, Job.backend, Job.error_type, Job.cause, sa.func.count(Job.id))
            .where(Job.submitted_at >= since)
            .group_by(Job.status, Job.backend, Job.error_type, Job.cause)
            .order_by(Job.status, Job.backend, Job.error_type, Job.cause))
        for status, backend, error_type, cause, n in rows:
            recent.add_metric([status, backend or "", error_type or "", cause or ""], n)
        yield recent
        seconds = sa.func.extract("epoch", Job.finished_at - Job.submitted_at)
        finished = [Job.status == job_model.COMPLETE, Job.finished_at >= since]
        row = self.session.execute(sa.select(
            *[sa.func.count(Job.id).filter(seconds <= bound) for bound in BUCKETS],
            sa.func.count(Job.id), sa.func.coalesce(sa.func.sum(seconds), 0),
            sa.func.coalesce(sa.func.sum(Job.rows_loaded), 0)).where(*finished)).one()
        durations = GaugeHistogramMetricFamily(
            PREFIX + "job_duration_seconds",
            "Seconds from submission to the end of the push jobs completed in the last 24 "
            "hours", buckets=[(str(bound), row[i]) for i, bound in enumerate(BUCKETS)]
            + [("+Inf", row[len(BUCKETS)])], gsum_value=float(row[len(BUCKETS) + 1]))
        yield durations
        yield GaugeMetricFamily(PREFIX + "rows_loaded_last_day",
                                "Rows loaded by the push jobs completed in the last 24 hours "
                                "(as their loader reported them)",
                                value=int(row[len(BUCKETS) + 2]))

    def _active(self) -> Iterator[Metric]:
        stuck_before = self.now - datetime.timedelta(minutes=config.stuck_after())
        silent_before = self.now - datetime.timedelta(seconds=config.check_after())
        pending = Job.status.in_(job_model.PENDING_STATUSES)
        stuck, silent, oldest = self.session.execute(sa.select(
            sa.func.count(Job.id).filter(Job.submitted_at < stuck_before),
            sa.func.count(Job.id).filter(Job.updated_at < silent_before),
            sa.func.min(Job.submitted_at).filter(pending),
        ).where(Job.status.in_(job_model.ACTIVE))).one()
        yield GaugeMetricFamily(PREFIX + "stuck_jobs",
                                "Pending or running push jobs submitted more than stuck_after "
                                "minutes ago", value=stuck)
        yield GaugeMetricFamily(PREFIX + "silent_jobs",
                                "Pending or running push jobs without news from their loader "
                                "for check_after seconds", value=silent)
        yield GaugeMetricFamily(PREFIX + "oldest_pending_job_age_seconds",
                                "Age of the oldest push job not yet started by its loader "
                                "(0 when none waits)",
                                value=max((self.now - oldest).total_seconds(), 0) if oldest
                                else 0)

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(PREFIX + "queue_jobs", "Jobs waiting in a background-job "
                                  "queue the loaders use", labels=["queue"])
        workers = GaugeMetricFamily(PREFIX + "queue_workers", "Background workers listening "
                                    "to a queue the loaders use", labels=["queue"])
        up = GaugeMetricFamily(PREFIX + "queue_reachable", "1 when the job queue (Redis) "
                               "answers, else 0")
        names = _queues()
        try:
            figures = [(name, rq.queue_figures([name])) for name in names]
        except Exception:  # Redis down: said by queue_reachable, no per-queue figures
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for name, (listening, queued) in figures:
            depth.add_metric([name], queued)
            workers.add_metric([name], listening)
        yield up
        yield depth
        yield workers


def exposition(session: Any, accept: str = "") -> tuple[bytes, str]:
    """The whole answer and its content type: OpenMetrics when the ``Accept``
    header asks for it (as Prometheus does: the durations are then a
    ``gaugehistogram``), else Prometheus' text format (version 0.0.4, where a
    gauge histogram is written as a histogram with ``_gcount`` and ``_gsum``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(JobsCollector(session))
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type
