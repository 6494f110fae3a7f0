"""This extension's own loader for JSON and XML (``records/``), which no
other loader reads.

Jobs of its formats (``builtin_formats``) come to it whatever back end the
portal runs; each is one RQ job on CKAN's default queue, run by ``ckan jobs
worker``, under the job's own id.  The job itself records its progress, its
end and its failures (``records/load.py``); asked about a silent job, this
back end reads the RQ job: gone or failed means the load will never report.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.backends import rq
from ckanext.datapusherplusapi.backends.base import (
    NOT_STARTED,
    STOPPING,
    Accepted,
    Backend,
    BackendError,
    last_success,
)
from ckanext.datapusherplusapi.lifecycle import News
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import ACTIVE, Job
from ckanext.datapusherplusapi.records.load import load

NAME = "builtin"


class BuiltinBackend(Backend):
    name = NAME
    label = "DataPusher+ JSON/XML"
    creates_views = False  # the job makes CKAN's default views when it ends
    cancels_work = True  # queued: taken off the queue; running: stops at its next chunk
    # (a cancel is its stop signal: it is recorded first, the load reads it)

    def loadable_formats(self) -> list[str]:
        return config.builtin_formats()

    def submit(self, job: Job, resource: dict[str, Any], force: bool,
               user: Optional[str]) -> Accepted:
        try:
            tk.enqueue_job(load, [job.id], title="DataPusher+ JSON/XML load",
                           rq_kwargs={"job_id": job.id, "timeout": config.load_timeout()})
        except Exception as e:  # Redis unreachable
            raise BackendError("unavailable", tk._("the job queue is unreachable: {error}")
                               .format(error=type(e).__name__))
        return Accepted(job.id)

    def poll(self, job: Job) -> Optional[News]:
        news = rq.news(self.label, job.id)
        if news is None and rq.state(job.id) == "finished":
            # It ended without recording its end (its process died just then).
            news = News("lost", error=Message(
                "{loader}'s background job ended without recording its result",
                {"loader": self.label}))
        return news  # None: queued or running, and the job reports itself

    def queue_of(self, package_id: Optional[str]) -> Optional[str]:
        return "default"  # ``tk.enqueue_job``'s queue (see ``submit``)

    def can_cancel(self, status: str) -> bool:
        return status in ACTIVE

    def stop(self, job: Job) -> str:
        """A queued load is taken off the queue; a running one stops by itself
        at its next chunk once its job reads cancelled (``lifecycle.progress``),
        and removes the table it was writing (``records/load.py``)."""
        rq_job = rq.job(job.id)
        if rq_job is not None and rq.state(job.id) in rq.WAITING:
            rq_job.cancel()
            return NOT_STARTED
        return STOPPING

    def health(self) -> dict[str, Any]:
        # Its jobs run on CKAN's default queue: the dashboard's background-work
        # line (``rq.workers_health``) already counts that queue's workers.
        queue = rq.workers_health()
        return {"url": None, "reachable": bool(queue["workers"]), "name": self.label,
                "version": None, "job_types": ["default"], "error": queue["error"],
                "stats": {"workers": queue["workers"], "queued": queue["queued"]},
                "last_success": last_success()}
