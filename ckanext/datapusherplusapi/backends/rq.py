"""What CKAN's background workers (RQ) say: how many workers listen to a
queue and how many jobs wait in it, and what became of one RQ job.

The loaders that run in CKAN's workers (``plugin_loader.py``, ``builtin.py``)
read their loads' RQ jobs here, and the dashboard the workers' health.

Two live causes come from here (``causes.py``):

- *no worker*: no ``ckan jobs worker`` listens on the queue a pending job
  waits in (``no_worker``).  Every open tab polls every few seconds, so the
  workers per queue are counted once every ``WORKERS_FRESH`` seconds per
  process, not at each poll.  A worker stopped with SIGTERM deregisters at
  once; one killed (SIGKILL) keeps its key until RQ's TTL ends (up to 480 s
  when idle, 90 s when busy).
- *the worker died*: the RQ job reads ``started`` but its worker is gone, or
  has not heartbeat for ``HEARTBEAT_LOST`` seconds (a busy worker heartbeats
  every ``job_monitoring_interval``, 30 s, while its work-horse runs); RQ
  never marks such a job, which would read running until ``stuck_after``.
  ``news`` says so (``error_type`` ``worker_died``), and also when RQ itself
  recorded its work-horse killed, or failed the job as abandoned.
"""
from __future__ import annotations

import collections
import datetime
import logging
import re
import time
from typing import Any, Optional

from rq import Worker
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job as RQJob

import ckan.plugins.toolkit as tk
from ckan.lib.jobs import DEFAULT_QUEUE_NAME, add_queue_name_prefix, get_queue
from ckan.lib.redis import connect_to_redis

from ckanext.datapusherplusapi import causes
from ckanext.datapusherplusapi.lifecycle import WORKER_SILENT, News
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import ERROR

# RQ job states that mean the job will never report again.
DEAD = ("failed", "stopped", "canceled")
WAITING = ("queued", "deferred", "scheduled")  # RQ job states before a worker takes it
STOP_WAIT = 15.0  # seconds a stopped job's worker has to confirm that it stopped it
# Seconds without a heartbeat after which a started job's worker is taken for
# dead: a busy worker heartbeats every 30 s (RQ's job_monitoring_interval,
# which ``ckan jobs worker`` keeps), so this is one and a half beats missed.
HEARTBEAT_LOST = 45
WORKERS_FRESH = 5.0  # seconds a process reuses its count of the workers per queue
UNREACHABLE_FRESH = 30.0  # seconds a process waits before it asks an unreachable Redis again
# What RQ writes of a job whose worker died: its work-horse killed under it
# (RQ 1.11 on CKAN 2.10: "Work-horse was terminated unexpectedly (waitpid
# returned 9)"; RQ 1.16 and 2.x: "Work-horse terminated unexpectedly; waitpid
# returned 9 (signal 9); "), or a started job whose worker stopped
# heartbeating, failed by another worker's clean-up ("Moved to
# FailedJobRegistry at …"; 1.16 and 2.x: "…, due to AbandonedJobError, at …").
_WORKER_DIED = re.compile(r"work-horse (?:was )?terminated unexpectedly"
                          r"|^Moved to FailedJobRegistry\b|AbandonedJobError", re.IGNORECASE)

log = logging.getLogger(__name__)


def queue_figures(names: list[Optional[str]]) -> tuple[int, int]:
    """(workers listening to any of these RQ queues, jobs waiting in them);
    ``None`` names CKAN's default queue. Raises when Redis is unreachable."""
    queues = [get_queue(name) if name else get_queue() for name in names]
    listened = {queue.name for queue in queues}
    workers = [worker for worker in Worker.all(connection=connect_to_redis())
               if listened & set(worker.queue_names())]
    return len(workers), sum(len(queue) for queue in queues)


# This process's count of the workers per queue: (when, {queue: workers}),
# the count None when Redis was unreachable.
_counted: tuple[float, Optional[dict[str, int]]] = (float("-inf"), None)


def workers_per_queue() -> Optional[dict[str, int]]:
    """How many workers listen to each RQ queue (RQ's full names), as this
    process counted them at most ``WORKERS_FRESH`` seconds ago; None when
    Redis is unreachable (asked again ``UNREACHABLE_FRESH`` seconds later)."""
    global _counted
    at, counts = _counted
    fresh = WORKERS_FRESH if counts is not None else UNREACHABLE_FRESH
    if time.monotonic() - at < fresh:
        return counts
    try:
        counts = dict(collections.Counter(
            name for worker in Worker.all(connection=connect_to_redis())
            for name in set(worker.queue_names())))
    except Exception as e:  # Redis down: no cause rather than no page
        log.warning("DataPusher+: could not count the workers (%s)", type(e).__name__)
        counts = None
    _counted = (time.monotonic(), counts)
    return counts


def forget_workers() -> None:
    """Forget this process's count of the workers (for tests)."""
    global _counted
    _counted = (float("-inf"), None)


def no_worker(queue: str) -> Optional[causes.Cause]:
    """``causes.no_worker`` when no worker listens to ``queue`` (CKAN's short
    name: ``default``, xloader's…), from the count ``workers_per_queue``
    keeps; None when one does, or when Redis is unreachable."""
    counts = workers_per_queue()
    if counts is None or counts.get(add_queue_name_prefix(queue)):
        return None
    # (``ckan jobs worker`` alone listens on the default queue)
    return causes.no_worker(None if queue == DEFAULT_QUEUE_NAME else queue)


def workers_health() -> dict[str, Any]:
    """CKAN's background workers for this extension's own work (bulk tasks,
    automatic pushes, the silent-job refresh: CKAN's default queue):
    ``workers`` listening to it, ``queued`` jobs waiting, and ``error`` (why
    that work waits: no worker, or the queue is unreachable) or None."""
    try:
        workers, queued = queue_figures([None])
    except Exception as e:  # Redis down
        return {"workers": None, "queued": None, "error": tk._(
            "the job queue is unreachable: {error}").format(error=type(e).__name__)}
    error = None if workers else tk._(
        "no background worker: bulk work, automatic pushes and the silent-job refresh wait "
        "(start one: {command})").format(command=causes.worker_command(None))
    return {"workers": workers, "queued": queued, "error": error}


def job(job_id: Optional[str]) -> Any:
    """The RQ job of this id, None when RQ does not know it."""
    if not job_id:
        return None
    try:
        return RQJob.fetch(job_id, connection=connect_to_redis())
    except NoSuchJobError:
        return None


def state(job_id: Optional[str]) -> Optional[str]:
    """An RQ job's state (``queued``, ``started``, ``finished``, ``failed``
    …), None when RQ does not know it."""
    found = job(job_id)
    return _status(found) if found else None


def stop(job_id: Optional[str]) -> Optional[str]:
    """Stop an RQ job: taken off its queue while it waits; while it runs, RQ's
    stop-job command to the worker running it, which kills its work-horse
    (marked ``stopped``).  Returns the job's state once it no longer runs
    (``finished``: it ended before it could be stopped), None when RQ does
    not know it."""
    found = job(job_id)
    if found is None:
        return None
    status = _status(found)
    if status in WAITING:
        found.cancel()
        return "canceled"
    if status == "started":
        try:
            send_stop_job_command(connect_to_redis(), str(job_id))
        except (InvalidJobOperation, NoSuchJobError):
            pass  # it ended meanwhile
        deadline = time.monotonic() + STOP_WAIT
        while status == "started" and time.monotonic() < deadline:
            time.sleep(0.1)
            status = state(job_id) or "canceled"
    return status


def _status(rq_job: Any) -> str:
    return str(getattr(rq_job.get_status(), "value", rq_job.get_status()))


def news(label: str, job_id: Optional[str],
         logs: Optional[list[dict[str, Any]]] = None) -> Optional[News]:
    """What the RQ job of a load says when it will never report: gone from
    the queue (``lost``), or failed, stopped or cancelled (``error`` with RQ's
    reason); None while it is queued, running or finished."""
    rq_job = job(job_id)
    if rq_job is None:
        return News("lost", logs=logs, error=Message(
            "{loader}'s background job {job} is gone from the job queue without a result "
            "(was the queue emptied, or the worker restarted?)", {"loader": label, "job": job_id}))
    status = _status(rq_job)
    if status in DEAD:
        reason = _reason(rq_job)
        params = {"loader": label, "state": status, "reason": reason}
        killed = bool(_WORKER_DIED.search(reason))
        error_type = causes.WORKER_DIED if killed else "loader_job_failed"
        return News(ERROR, logs=logs, error_type=error_type,
                    error=Message("{loader}'s background job {state}: {reason}", params)
                    if reason else Message("{loader}'s background job {state}, without a reason",
                                           params))
    if status == "started":
        return _died(label, rq_job, logs)
    return None


def _died(label: str, rq_job: Any, logs: Optional[list[dict[str, Any]]]) -> Optional[News]:
    """``error`` (``worker_died``) when the worker running a started job is
    gone, or silent for ``HEARTBEAT_LOST`` seconds; None while it runs it."""
    params: dict[str, Any] = {"loader": label, "worker": rq_job.worker_name or "?"}
    if rq_job.worker_name and Worker.find_by_key(
            Worker.redis_worker_namespace_prefix + rq_job.worker_name,
            connection=connect_to_redis()) is None:
        return News(ERROR, logs=logs, error_type=causes.WORKER_DIED, error=Message(
            "The background worker {worker} that ran {loader}'s job is gone: it died "
            "(killed, or out of memory) before the job ended", params))
    silent = _seconds_since(rq_job.last_heartbeat)
    if silent is not None and silent > HEARTBEAT_LOST:
        # A guess (its key lives on): a worker whose clock is behind, or too
        # busy to beat, may still finish it, and its report then ends the
        # job as it really ended (``lifecycle.MAY_STILL_END``).
        return News(ERROR, logs=logs, error_type=WORKER_SILENT, error=Message(
            "The background worker {worker} that ran {loader}'s job has not been heard of "
            "for {seconds} seconds: it died (killed, or out of memory) before the job ended",
            dict(params, seconds=int(silent))))
    return None


def _seconds_since(when: Optional[datetime.datetime]) -> Optional[float]:
    """Seconds from an RQ time (UTC, naive in RQ 1.x, aware in 2.x) to now."""
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return (datetime.datetime.utcnow() - when).total_seconds()


def _reason(rq_job: Any) -> str:
    """The last line of a failed RQ job's exception, if RQ kept it."""
    text = ""
    try:
        result = rq_job.latest_result() if hasattr(rq_job, "latest_result") else None
        text = (getattr(result, "exc_string", None) or getattr(rq_job, "exc_info", None) or "")
    except Exception:
        text = getattr(rq_job, "exc_info", None) or ""
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""
