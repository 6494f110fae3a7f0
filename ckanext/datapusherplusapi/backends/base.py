"""What every back end is: the ``Backend`` interface, its errors and its
answer to a submission, and when the loader was last heard of.

Each back end says what it loads (``formats``), takes a job (``submit``),
answers what it knows of one (``poll``: a ``lifecycle.News``), tells its health
for the dashboard (``health``) and whether cancelling stops its work
(``cancels_work``): which of its jobs may be cancelled (``can_cancel``), how
its work is stopped before the job is recorded cancelled (``stop``) and what a
stopped load leaves to clear (``after_cancel``).  A back end never changes a job's status itself: it
returns what the loader said, and ``lifecycle`` records it.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
import time
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.lifecycle import News
from ckanext.datapusherplusapi.model.job import SUBMITTED, SUBMITTING, Job

log = logging.getLogger(__name__)


# What ``Backend.stop`` did.
NOT_STARTED = "not_started"  # the load had not started (or was taken off the queue)
STOPPED = "stopped"  # the running load was stopped
STOPPING = "stopping"  # the load stops by itself once it reads its job cancelled
ENDED = "ended"  # the load ended before it could be stopped: its result stands


class BackendError(Exception):
    """The loader could not be used; ``kind`` is ``unavailable``, ``timeout``
    or ``refused`` (``bad_answer`` for a service that answered nonsense)."""

    def __init__(self, kind: str, detail: str, status: Optional[int] = None):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status = status


@dataclasses.dataclass
class Accepted:
    """The loader took a job: its own id for it, and the key that reads it."""

    loader_job_id: Optional[str] = None
    job_key: Optional[str] = None


class Backend:
    """What every back end offers (see the module's docstring)."""

    name = ""
    label = ""  # the loader's name, for people (messages, the dashboard)
    creates_views = False  # the loader makes the resource's default views itself
    cancels_work = False  # cancelling a job stops the loader's work (else: it is ignored)
    submits_itself = False  # the loader pushes its own formats when a resource is saved

    def loadable_formats(self) -> list[str]:
        """What the loader reads, upper-cased."""
        raise NotImplementedError

    def formats(self) -> list[str]:
        """What may be submitted: ``formats`` narrows what the loader reads."""
        loadable = self.loadable_formats()
        chosen = config.formats()
        return [fmt for fmt in chosen if fmt in loadable] if chosen else loadable

    def check_config(self) -> list[str]:
        """What is missing or wrong for this back end (CKAN refuses to start)."""
        return []

    def submit(self, job: Job, resource: dict[str, Any], force: bool,
               user: Optional[str]) -> Accepted:
        """Give the job to the loader; ``BackendError`` when it cannot take it."""
        raise NotImplementedError

    def poll(self, job: Job) -> Optional[News]:
        """What the loader knows of the job now (None: nothing new to say)."""
        raise NotImplementedError

    def can_cancel(self, status: str) -> bool:
        """Whether a job of this status may be cancelled.  A loader that
        cannot stop its work lets only a job it has not started be cancelled
        (its late result is then ignored); a running one goes on."""
        return status in (SUBMITTING, SUBMITTED)

    def stop(self, job: Job) -> str:
        """Stop the loader's work on the job, before it is recorded cancelled:
        ``NOT_STARTED``, ``STOPPED``, ``STOPPING`` or ``ENDED`` (the load ended
        first: its result stands, the job is not cancelled)."""
        return NOT_STARTED

    def after_cancel(self, job: Job) -> None:
        """Clear what a running load stopped by ``stop`` left behind, once its
        job is recorded cancelled."""

    def health(self) -> dict[str, Any]:
        """``reachable``, ``name``, ``version``, ``job_types``, ``stats``, ``error``."""
        raise NotImplementedError

    def queue_of(self, package_id: Optional[str]) -> Optional[str]:
        """The queue of CKAN's background workers (its short name) where a
        job of this dataset waits for a worker; None when the loader does not
        run in CKAN's workers (the DataPusher service)."""
        return None


# ------------------------------------------------- last contact (Redis) ---
def _last_contact_key() -> str:
    return "{}:datapusherplusapi:last_contact".format(tk.config.get("ckan.site_id"))


_remembered = 0.0  # when this process last wrote the contact time (monotonic)


def remember_contact() -> None:
    """Record, for every CKAN process, when the loader last answered or
    reported (to the second: a process writes it at most once a second)."""
    global _remembered
    if time.monotonic() - _remembered < 1.0:
        return
    _remembered = time.monotonic()
    try:
        connect_to_redis().set(_last_contact_key(), datetime.datetime.utcnow().isoformat())
    except Exception:  # Redis down must not break a submission
        log.warning("DataPusher+: could not record the last contact in Redis")


def forget_process_state() -> None:
    """Forget this process's write throttle (for tests)."""
    global _remembered
    _remembered = 0.0


def last_success() -> Optional[str]:
    """When the loader last answered or reported (ISO 8601, UTC), from any
    CKAN process."""
    try:
        value = connect_to_redis().get(_last_contact_key())
    except Exception:
        return None
    return value.decode() if isinstance(value, bytes) else value
