"""The loaders that write the DataStore, behind one interface (``base.py``).

``ckanext.datapusher_plus.backend`` chooses one:

- ``service``: a service speaking the DataPusher job protocol over HTTP
  (``service.py``);
- ``xloader``: the ckanext-xloader plugin, its loads run by CKAN's background
  workers (``xloader.py``, on ``plugin_loader.py``);
- ``datapusher_plus``: the DataPusher+ 2.x plugin, likewise
  (``datapusher_plus.py``).

Whichever it is, the formats of ``builtin_formats`` (JSON, XML …) go to this
extension's own loader (``builtin.py``): ``for_format`` says which back end
takes a format, ``of_job`` which one ran a job.
"""
from __future__ import annotations

from typing import Any, Optional

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.backends.base import Backend
from ckanext.datapusherplusapi.backends.builtin import BuiltinBackend
from ckanext.datapusherplusapi.backends.datapusher_plus import DataPusherPlusBackend
from ckanext.datapusherplusapi.backends.service import ServiceBackend
from ckanext.datapusherplusapi.backends.xloader import XloaderBackend
from ckanext.datapusherplusapi.model.job import ACTIVE

_BY_NAME: dict[str, type[Backend]] = {
    cls.name: cls for cls in (ServiceBackend, XloaderBackend, DataPusherPlusBackend,
                              BuiltinBackend)}


def get(name: str) -> Backend:
    """The back end of this name (``service`` for a name no back end has)."""
    return _BY_NAME.get(name, ServiceBackend)()


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
    return named(job.backend)


def named(name: Optional[str]) -> Optional[Backend]:
    """The back end of this name (a job's ``backend``), if this portal runs it."""
    if name == "builtin":
        return builtin_backend()
    configured = current()
    return configured if name == configured.name else None


def can_cancel(backend_name: Optional[str], status: Optional[str]) -> bool:
    """Whether a job of this back end and status may be cancelled: an active
    job, unless its loader cannot stop it (the DataPusher service, once the
    load started).  A job of a loader this portal no longer runs may be
    (only its record changes)."""
    if status not in ACTIVE:
        return False
    backend = named(backend_name)
    return backend is None or backend.can_cancel(str(status))
