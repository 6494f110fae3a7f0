"""The built-in loader's background job: one JSON or XML file into the
DataStore.

``load(job_id)`` runs in CKAN's background workers (``ckan jobs worker``):

1. the file is fetched: an upload is read where CKAN stores it; a URL is
   downloaded to a temporary file with the size probe's rules (http and
   https only, at most 3 redirects within the same scheme and host, the
   ``timeout`` per request) and ``max_file_size`` counted as it arrives;
2. it is read through once (``reading.records``) to learn its columns and
   their types (``columns``), with the Data Dictionary of the existing table
   kept; every value must fit a type override;
3. only then is the DataStore table replaced: ``datastore_create`` with the
   columns, then ``datastore_upsert`` of ``CHUNK_ROWS`` rows at a time from a
   second reading, the rows written so far recorded on the job before each
   chunk (``lifecycle.progress``, which also says whether the job still runs).

A malformed or hostile file, a record path that matches nothing, a file over
the limit, a type that does not fit: the job ends in ``error`` with the reason
and where, and the previous table is untouched (nothing is written before
step 3).  Cancelling the job stops it before its next chunk; a table half
written is then removed (a load superseded by a forced resubmission leaves it
to the new job).  Memory holds one chunk of rows and one record at a time.
"""
from __future__ import annotations

import contextlib
import datetime
import logging
import os
import tempfile
import time
from resource import RUSAGE_SELF, getrusage
from typing import Any, Iterator, Optional
from urllib.parse import urljoin, urlsplit

import requests
import sqlalchemy as sa
from rq.timeouts import JobTimeoutException

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import uploader

from ckanext.datapusherplusapi import config, lifecycle
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import ACTIVE, COMPLETE, Job
from ckanext.datapusherplusapi.records import reading
from ckanext.datapusherplusapi.records.columns import Columns

log = logging.getLogger(__name__)

CHUNK_ROWS = 2000  # rows per datastore_upsert
PROGRESS_EVERY = 1.0  # seconds between two "still reading" writes of the first reading
DOWNLOAD_CHUNK = 1 << 16
RECORD_PATH_FIELD = "datapusher_plus_record_path"  # a resource's own record path


class LoadError(Exception):
    """The load cannot go on: ``error_type`` and a message for people."""

    def __init__(self, error_type: str, message: Message):
        super().__init__(message.render())
        self.error_type = error_type
        self.message = message


class Stopped(Exception):
    """The job is no longer running (cancelled, superseded)."""


class Logbook:
    """The job's log lines, as loaders write them."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def add(self, message: str, level: str = "INFO") -> list[dict[str, Any]]:
        self.lines.append({"timestamp": datetime.datetime.utcnow().isoformat(timespec="seconds"),
                           "level": level, "message": message})
        return self.lines


# ------------------------------------------------------------- fetching ---
def _too_large() -> LoadError:
    return LoadError("file_too_large", Message(
        "The file is larger than the limit of {limit} MB", {"limit": config.max_file_size()}))


def _get(url: str) -> requests.Response:
    """The streamed answer to GET ``url``, redirects followed as the size
    probe follows them."""
    timeout = config.timeout()
    current = url
    for _hop in range(4):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LoadError("download_failed", Message(
                "The file's URL is not an http or https URL: {url}", {"url": current[:200]}))
        try:
            response = requests.get(current, stream=True, allow_redirects=False,
                                    timeout=(timeout, timeout))
        except requests.exceptions.RequestException as e:
            raise LoadError("download_failed", Message(
                "The file could not be downloaded: {error}", {"error": type(e).__name__}))
        if not response.is_redirect:
            if response.status_code != 200:
                response.close()
                raise LoadError("download_failed", Message(
                    "The file could not be downloaded: HTTP {status}",
                    {"status": response.status_code}))
            return response
        target = urljoin(current, response.headers.get("Location", ""))
        response.close()
        if urlsplit(target)[:2] != parts[:2]:
            raise LoadError("download_failed", Message(
                "The file's URL redirects to another site ({url}), which is not followed",
                {"url": target[:200]}))
        current = target
    raise LoadError("download_failed", Message("The file's URL redirects too many times"))


@contextlib.contextmanager
def fetched(resource: dict[str, Any]) -> Iterator[str]:
    """A local path to the resource's file (see the module's docstring)."""
    limit = config.max_file_size_bytes()
    if resource.get("url_type") == "upload":
        path = uploader.get_resource_uploader(resource).get_path(resource["id"])
        if not os.path.isfile(path):
            raise LoadError("download_failed", Message(
                "The uploaded file is missing from CKAN's storage"))
        if os.path.getsize(path) > limit:
            raise _too_large()
        yield path
        return
    response = _get(resource.get("url") or "")
    with response, tempfile.NamedTemporaryFile(prefix="datapusherplus-") as out:
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > limit:
            raise _too_large()
        size = 0
        try:
            for chunk in response.iter_content(DOWNLOAD_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_large()
                out.write(chunk)
        except requests.exceptions.RequestException as e:
            raise LoadError("download_failed", Message(
                "The file could not be downloaded: {error}", {"error": type(e).__name__}))
        out.flush()
        yield out.name


# -------------------------------------------------------------- the job ---
def _context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"ignore_auth": True, "user": site_user["name"]}


def existing_fields(resource_id: str) -> Optional[list[dict[str, Any]]]:
    """The DataStore table's fields (with their Data Dictionary), None when
    the resource has no table."""
    try:
        found = tk.get_action("datastore_search")(_context(), {
            "resource_id": resource_id, "limit": 0, "include_total": False})
    except tk.ObjectNotFound:
        return None
    return [field for field in found.get("fields", []) if field.get("id") != "_id"]


class _Clock:
    """Whether ``PROGRESS_EVERY`` seconds went by since the last tick."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def due(self) -> bool:
        if time.monotonic() - self.last < PROGRESS_EVERY:
            return False
        self.last = time.monotonic()
        return True


def survey(session: Any, job_id: str, path: str, fmt: str,
           record_path: Optional[str]) -> tuple[Columns, int]:
    """The file's columns and its number of records (a first reading)."""
    columns = Columns()
    count = 0
    clock = _Clock()
    for where, record in reading.records(path, fmt, record_path):
        columns.see(record, where)
        count += 1
        if clock.due() and not lifecycle.progress(session, job_id, 0, None):
            raise Stopped()
    return columns, count


def write(session: Any, job_id: str, resource_id: str, path: str, fmt: str,
          record_path: Optional[str], columns: Columns, total: int,
          existing: Optional[list[dict[str, Any]]], book: Logbook) -> None:
    """Replace the table with the file's rows (the second reading)."""
    context = _context()
    if existing is not None:
        tk.get_action("datastore_delete")(dict(context), {"resource_id": resource_id,
                                                          "force": True})
    tk.get_action("datastore_create")(dict(context), {
        "resource_id": resource_id, "force": True, "fields": columns.fields(), "records": []})
    upsert = tk.get_action("datastore_upsert")
    loaded = 0
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        # The job must still be running before each chunk: a cancelled or
        # superseded load writes nothing more (a superseding one may own the
        # table soon).
        nonlocal loaded, chunk
        if not lifecycle.progress(session, job_id, loaded, total):
            raise Stopped()
        if chunk:
            upsert(dict(context), {"resource_id": resource_id, "force": True,
                                   "method": "insert", "records": chunk})
            loaded += len(chunk)
            chunk = []

    try:
        for _where, record in reading.records(path, fmt, record_path):
            chunk.append(columns.row(record))
            if len(chunk) >= CHUNK_ROWS:
                flush()
        flush()
        if not lifecycle.progress(session, job_id, loaded, total):
            raise Stopped()
    except Stopped:
        # Cancelled while writing: no table half written stays behind; a
        # superseded load leaves the table to the job that replaced it.
        _remove_if_cancelled(session, job_id, resource_id)
        raise


def _remove_if_cancelled(session: Any, job_id: str, resource_id: str) -> None:
    """Delete the table of a stopped load (cancelled), not of a superseded
    one: the table is the superseding job's."""
    status, error_type = session.execute(sa.select(Job.status, Job.error_type).where(
        Job.id == job_id)).one()
    if status != COMPLETE and error_type != "superseded":
        try:
            tk.get_action("datastore_delete")(_context(), {"resource_id": resource_id,
                                                           "force": True})
        except tk.ObjectNotFound:
            pass


def _peak_mib() -> float:
    """This process's peak resident memory (Linux counts kilobytes)."""
    return getrusage(RUSAGE_SELF).ru_maxrss / 1024


def load(job_id: str) -> None:
    """The background job (see the module's docstring)."""
    session = model.Session
    job = session.get(Job, job_id)
    if job is None or job.status not in ACTIVE:
        return  # cancelled while it waited in the queue
    book = Logbook()
    fmt = (job.resource_format or "").upper()
    try:
        resource = tk.get_action("resource_show")(_context(), {"id": job.resource_id})
    except tk.ObjectNotFound:
        lifecycle.fail(session, job_id, "resource_gone",
                       Message("The resource was deleted before its load"))
        return
    record_path = (resource.get(RECORD_PATH_FIELD) or "").strip() or None
    if not lifecycle.running(session, job_id, book.add(
            "Reading the {} file{}".format(fmt, " at " + record_path if record_path else ""))):
        return
    try:
        with fetched(resource) as path:
            columns, total = survey(session, job_id, path, fmt, record_path)
            if not total or not len(columns):
                raise reading.ReadError(Message("The file holds no records"), kind="no_records")
            existing = existing_fields(resource["id"])
            columns.keep(existing or [])
            for column in columns:
                misfit = column.misfit()
                if misfit:
                    raise LoadError("type_mismatch", misfit)
            book.add("{} records, {} columns: {}".format(total, len(columns), ", ".join(
                "{} ({})".format(column.name, column.type) for column in columns))[:2000])
            if not lifecycle.progress(session, job_id, 0, total, book.lines):
                raise Stopped()  # cancelled while reading: the table is untouched
            write(session, job_id, resource["id"], path, fmt, record_path, columns, total,
                  existing, book)
    except reading.ReadError as e:
        lifecycle.fail(session, job_id, e.kind, e.message, logs=book.add(e.message.render(),
                                                                        "ERROR"))
    except LoadError as e:
        lifecycle.fail(session, job_id, e.error_type, e.message,
                       logs=book.add(e.message.render(), "ERROR"))
    except Stopped:
        log.info("DataPusher+: load of job %s stopped (the job is no longer running)", job_id)
    except JobTimeoutException:  # RQ stops a job after its timeout: load_timeout
        session.rollback()
        message = Message("The load took longer than {seconds} s ({option}) and was stopped",
                          {"seconds": config.load_timeout(), "option": config.LOAD_TIMEOUT})
        lifecycle.fail(session, job_id, "load_timeout", message,
                       logs=book.add(message.render(), "ERROR"))
    except tk.ValidationError as e:
        session.rollback()
        lifecycle.fail(session, job_id, "datastore_error", Message(
            "The DataStore refused the data: {error}", {"error": str(e.error_dict)[:500]}),
            logs=book.add("DataStore: {}".format(e.error_dict)[:2000], "ERROR"))
    except Exception as e:
        log.exception("DataPusher+: the built-in load of job %s failed", job_id)
        session.rollback()
        lifecycle.fail(session, job_id, "internal_error", Message(
            "The JSON/XML loader failed: {error}", {"error": type(e).__name__}),
            logs=book.add("{}: {}".format(type(e).__name__, e)[:2000], "ERROR"))
    else:
        book.add("{} rows loaded; peak memory {:.0f} MiB".format(total, _peak_mib()))
        if not lifecycle.complete(session, job_id, book.lines, views=True):
            # Cancelled after its last chunk: no table of a cancelled load stays.
            _remove_if_cancelled(session, job_id, resource["id"])
