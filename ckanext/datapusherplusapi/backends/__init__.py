"""The loaders that write the DataStore, behind one interface.

``ckanext.datapusher_plus.backend`` chooses one:

- ``service``: a service speaking the DataPusher job protocol over HTTP
  (``service.py``);
- ``xloader``: the ckanext-xloader plugin, in CKAN's own background workers
  (``xloader.py``);
- ``datapusher_plus``: the DataPusher+ 2.x plugin, likewise
  (``datapusher_plus.py``).

Whichever it is, the formats of ``builtin_formats`` (JSON, XML …) go to this
extension's own loader (``builtin.py``): ``for_format`` says which back end
takes a format, ``of_job`` which one ran a job.

Each back end says what it loads (``formats``), takes a job (``submit``),
answers what it knows of one (``poll``: a ``lifecycle.News``), tells its health
for the dashboard (``health``) and whether cancelling stops its work
(``cancels_work``).  A back end never changes a job's status itself: it
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
from ckanext.datapusherplusapi.model.job import Job

log = logging.getLogger(__name__)


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

    def cancel(self, job: Job) -> bool:
        """Stop the loader's work on the job if it can; True when it did."""
        return False

    def health(self) -> dict[str, Any]:
        """``reachable``, ``name``, ``version``, ``job_types``, ``stats``, ``error``."""
        raise NotImplementedError


def get(name: str) -> Backend:
    """The back end of this name."""
    if name == "builtin":
        from ckanext.datapusherplusapi.backends.builtin import BuiltinBackend
        return BuiltinBackend()
    if name == "xloader":
        from ckanext.datapusherplusapi.backends.xloader import XloaderBackend
        return XloaderBackend()
    if name == "datapusher_plus":
        from ckanext.datapusherplusapi.backends.datapusher_plus import DataPusherPlusBackend
        return DataPusherPlusBackend()
    from ckanext.datapusherplusapi.backends.service import ServiceBackend
    return ServiceBackend()


def current() -> Backend:
    """The configured back end."""
    return get(config.backend())


def builtin_backend() -> Backend:
    """This extension's own JSON/XML loader."""
    return get("builtin")


def for_format(fmt: str) -> Backend:
    """The back end that takes a resource of this format: the built-in loader
    for its formats, else the configured one."""
    own = builtin_backend()
    return own if fmt and fmt.upper() in own.formats() else current()


def submittable_formats() -> list[str]:
    """Every format that may be submitted (upper-cased): the configured back
    end's and the built-in loader's, each narrowed by ``formats``."""
    found = current().formats()
    return found + [fmt for fmt in builtin_backend().formats() if fmt not in found]


def of_job(job: Any) -> Optional[Backend]:
    """The back end that runs ``job``, if this portal still runs it."""
    if job.backend == "builtin":
        return builtin_backend()
    configured = current()
    return configured if job.backend == configured.name else None


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


def queue_figures(names: list[Optional[str]]) -> tuple[int, int]:
    """(workers listening to any of these RQ queues, jobs waiting in them);
    ``None`` names CKAN's default queue. Raises when Redis is unreachable."""
    from rq import Worker

    from ckan.lib.jobs import get_queue
    queues = [get_queue(name) if name else get_queue() for name in names]
    listened = {queue.name for queue in queues}
    workers = [worker for worker in Worker.all(connection=connect_to_redis())
               if listened & set(worker.queue_names())]
    return len(workers), sum(len(queue) for queue in queues)


def last_success() -> Optional[str]:
    """When the loader last answered or reported (ISO 8601, UTC), from any
    CKAN process."""
    try:
        value = connect_to_redis().get(_last_contact_key())
    except Exception:
        return None
    return value.decode() if isinstance(value, bytes) else value
