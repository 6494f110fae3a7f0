"""The built-in loader's background job: one JSON, XML (or, when listed in
``builtin_formats``, CSV/TSV) file into the DataStore, without downtime.

``load(job_id)`` runs in CKAN's background workers (``ckan jobs worker``):

1. the file is fetched: an upload is read where CKAN stores it; a URL is
   downloaded to a temporary file with the size probe's rules (http and
   https only, at most 3 redirects within the same scheme and host, the
   ``timeout`` per request) and ``max_file_size`` counted as it arrives;
2. it is read through once (``reading.records``): each record teaches the
   columns their types (``columns``; the existing table's Data Dictionary
   kept) and goes, as a line of COPY's text format, into a new table beside
   the live one (``table.NewTable``), ``CHUNK_LINES`` lines per COPY, the rows
   read so far recorded on the job about every second (``lifecycle.progress``,
   which also says whether the job still runs);
3. the new table is typed, given its full-text column, indexes, triggers,
   Data Dictionary and grants, and then put in the live table's place in the
   same transaction (``table``'s docstring says how).

Readers see the previous table, whole, until that last instant.  A malformed
or hostile file, a record path that matches nothing, a file over the limit, a
value that does not fit a type override, the DataStore refusing something, a
cancel, the worker killed: the job ends (error, cancelled) and the live table,
its Data Dictionary and its views are exactly as they were.  Memory holds one
chunk of lines and one record at a time.  The job's log says how long each
step took.
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

import psycopg2
import requests
import sqlalchemy as sa
from rq.timeouts import JobTimeoutException

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import uploader

from ckanext.datapusherplusapi import compat, config, lifecycle
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import ACTIVE, Job
from ckanext.datapusherplusapi.records import reading, table
from ckanext.datapusherplusapi.records.columns import Columns

log = logging.getLogger(__name__)

CHUNK_LINES = 10_000  # records per COPY
PROGRESS_EVERY = 1.0  # seconds between two progress writes while reading
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
        self.last = time.monotonic() - PROGRESS_EVERY  # due at once

    def due(self) -> bool:
        if time.monotonic() - self.last < PROGRESS_EVERY:
            return False
        self.last = time.monotonic()
        return True


def copy(session: Any, job_id: str, new: table.NewTable, path: str, fmt: str,
         record_path: Optional[str], columns: Columns) -> int:
    """Every record of the file into the new table (typed later); their
    number."""
    lines: list[tuple[str, int]] = []
    clock = _Clock()
    count = 0
    for where, record in reading.records(path, fmt, record_path):
        lines.append((columns.copy_line(record, where), columns.width))
        if len(lines) >= CHUNK_LINES:
            new.copy(lines, columns)
            count += len(lines)
            lines = []
            if clock.due() and not lifecycle.progress(session, job_id, count, None):
                raise Stopped()
    if lines:
        new.copy(lines, columns)
        count += len(lines)
    return count


class _Steps:
    """How long each step of the load took, for its log."""

    def __init__(self) -> None:
        self.began = self.last = time.monotonic()

    def lap(self) -> float:
        now = time.monotonic()
        seconds, self.last = now - self.last, now
        return seconds

    def total(self) -> float:
        return time.monotonic() - self.began


def _rate(rows: int, seconds: float) -> str:
    return "{:,.0f}".format(rows / seconds) if seconds > 0 else "—"


def write(session: Any, job_id: str, resource_id: str, path: str, fmt: str,
          record_path: Optional[str], book: Logbook) -> tuple[int, float]:
    """The file read, its new table built and swapped in; the rows loaded and
    the seconds it took."""
    steps = _Steps()
    if reading.kind_of(fmt) == "csv":
        found = reading.dialect(path, fmt)
        book.add("Encoding {}, delimiter {}".format(
            found["encoding"], "tab" if found["delimiter"] == "\t" else found["delimiter"]))
    columns = Columns(existing_fields(resource_id))
    with table.NewTable(resource_id, job_id) as new:
        total = copy(session, job_id, new, path, fmt, record_path, columns)
        if not total or not len(columns):
            raise reading.ReadError(Message("The file holds no records"), kind="no_records")
        for column in columns:
            misfit = column.misfit()
            if misfit:
                raise LoadError("type_mismatch", misfit)
        seconds = steps.lap()
        book.add("Read and copied {:,} records in {:.1f} s ({} rows/s)".format(
            total, seconds, _rate(total, seconds)))
        book.add("{:,} records, {} columns: {}".format(total, len(columns), ", ".join(
            "{} ({})".format(column.name, column.type) for column in columns))[:2000])
        if not lifecycle.progress(session, job_id, total, total, book.lines):
            raise Stopped()
        new.build(columns)
        book.add("Typed the values and computed the full-text column in {:.1f} s".format(
            steps.lap()))
        lost = new.indexes(columns)
        for what in lost:
            book.add("Not kept: " + what, "WARNING")
        new.finish(table.readers())
        book.add("Built the indexes, triggers, Data Dictionary and grants in {:.1f} s".format(
            steps.lap()))
        # The last moment a cancel stops the load: after it, the new rows stand.
        if not lifecycle.progress(session, job_id, total, total, book.lines):
            raise Stopped()
        locked = new.swap()
    book.add("Put the new table in the previous one's place in {:.3f} s: readers saw the "
             "previous rows until then".format(locked))
    if not _active(resource_id):
        compat.set_datastore_active(resource_id)
    return total, steps.total()


def _active(resource_id: str) -> bool:
    resource = model.Session.get(model.Resource, resource_id)
    model.Session.refresh(resource)
    return tk.asbool((resource.extras or {}).get("datastore_active"))


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
            total, seconds = write(session, job_id, resource["id"], path, fmt, record_path,
                                   book)
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
    except table.TableError as e:
        session.rollback()
        lifecycle.fail(session, job_id, "datastore_error", e.message,
                       logs=book.add(e.message.render(), "ERROR"))
    except (psycopg2.Error, sa.exc.DBAPIError) as e:
        session.rollback()
        said = (str(getattr(e, "orig", None) or e).strip().splitlines() or [type(e).__name__])[0]
        lifecycle.fail(session, job_id, "datastore_error", Message(
            "The DataStore refused the data: {error}", {"error": said[:500]}),
            logs=book.add("DataStore: {}".format(e)[:2000], "ERROR"))
    except Exception as e:
        log.exception("DataPusher+: the built-in load of job %s failed", job_id)
        session.rollback()
        lifecycle.fail(session, job_id, "internal_error", Message(
            "The JSON/XML loader failed: {error}", {"error": type(e).__name__}),
            logs=book.add("{}: {}".format(type(e).__name__, e)[:2000], "ERROR"))
    else:
        book.add("{:,} rows loaded in {:.1f} s ({} rows/s); peak memory {:.0f} MiB".format(
            total, seconds, _rate(total, seconds), _peak_mib()))
        if not lifecycle.complete(session, job_id, book.lines, views=True):
            # A cancel that came in the instant between the last check and
            # the swap: the new rows stand (they replaced the previous ones).
            log.warning("DataPusher+: job %s was cancelled as its table was swapped in; "
                        "its rows stand", job_id)
