"""Jobs without news: the loader is asked about them.

An active job whose loader has said nothing for ``check_after`` seconds is
*silent*.  Reading its status (``logic/status.py``), the dashboard's "check
now" and the background refresh (``background.refresh_stuck_jobs``) ask its
back end (``poll``) and record the answer through ``lifecycle``: a job whose
loader lost it, whose worker died or whose service fell silent ends in
``error`` instead of staying pending.  One question per job every
``CHECK_EVERY`` seconds, across all CKAN processes (a Redis key).
"""
from __future__ import annotations

import datetime
import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.datapusherplusapi import backends, config, lifecycle
from ckanext.datapusherplusapi.backends.base import BackendError
from ckanext.datapusherplusapi.model.job import ACTIVE, Job

log = logging.getLogger(__name__)

CHECK_EVERY = 15  # seconds between two questions to a loader about one job (all processes)


def check_key(job_id: str) -> str:
    """The Redis key that throttles the questions about one job."""
    return "{}:datapusherplusapi:check:{}".format(tk.config.get("ckan.site_id"), job_id)


def is_silent(job: Any) -> bool:
    """An active job without news for ``check_after`` seconds (``job``: a
    ``Job`` or a row of the job table's columns)."""
    silence = datetime.timedelta(seconds=config.check_after())
    return job.status in ACTIVE and lifecycle.now() - job.updated_at > silence


def check(session: Any, job: Job, at_once: bool = False) -> bool:
    """Ask the loader about a silent job and record its answer; at most once
    every ``CHECK_EVERY`` seconds per job across all CKAN processes
    (``at_once``: about any active job, now).  True when the job changed
    (``job`` is then expired: read it again)."""
    if job.status not in ACTIVE or not (at_once or is_silent(job)):
        return False
    backend = backends.of_job(job)
    if backend is None:
        return False  # a job of a loader this portal no longer runs: stuck detection's
    if not at_once:
        try:
            if not connect_to_redis().set(check_key(job.id), "1", nx=True, ex=CHECK_EVERY):
                return False
        except Exception:  # no Redis: no throttle shared by the processes, so no question
            log.warning("DataPusher+: Redis unreachable, silent job %s not checked", job.id)
            return False
    try:
        news = backend.poll(job)
    except BackendError as e:
        log.info("DataPusher+: could not ask %s about job %s: %s", backend.name, job.id, e.detail)
        return False
    changed = news is not None and lifecycle.report(session, job.id, news,
                                                    views=not backend.creates_views)
    if changed:
        session.expire(job)
    return changed
