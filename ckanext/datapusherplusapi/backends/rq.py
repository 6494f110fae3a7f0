"""What CKAN's background workers (RQ) say: how many workers listen to a
queue and how many jobs wait in it, and what became of one RQ job.

The loaders that run in CKAN's workers (``plugin_loader.py``, ``builtin.py``)
read their loads' RQ jobs here, and the dashboard the workers' health.
"""
from __future__ import annotations

import time
from typing import Any, Optional

from rq import Worker
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job as RQJob

import ckan.plugins.toolkit as tk
from ckan.lib.jobs import get_queue
from ckan.lib.redis import connect_to_redis

from ckanext.datapusherplusapi.lifecycle import News
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import ERROR

# RQ job states that mean the job will never report again.
DEAD = ("failed", "stopped", "canceled")
WAITING = ("queued", "deferred", "scheduled")  # RQ job states before a worker takes it
STOP_WAIT = 15.0  # seconds a stopped job's worker has to confirm that it stopped it


def queue_figures(names: list[Optional[str]]) -> tuple[int, int]:
    """(workers listening to any of these RQ queues, jobs waiting in them);
    ``None`` names CKAN's default queue. Raises when Redis is unreachable."""
    queues = [get_queue(name) if name else get_queue() for name in names]
    listened = {queue.name for queue in queues}
    workers = [worker for worker in Worker.all(connection=connect_to_redis())
               if listened & set(worker.queue_names())]
    return len(workers), sum(len(queue) for queue in queues)


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
        "(start one: ckan jobs worker)")
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
        return News(ERROR, logs=logs, error_type="loader_job_failed", error=Message(
            "{loader}'s background job {state}: {reason}", params) if reason else Message(
            "{loader}'s background job {state}, without a reason", params))
    return None


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
