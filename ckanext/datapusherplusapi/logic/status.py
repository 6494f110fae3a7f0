"""A resource's push status and history entries, built once for the actions
(``datapusher_plus_status``, ``datapusher_plus_job_history``) and for the
tab's live parts, which poll every few seconds and so read everything they
show in one query (``read``, then ``answer``), without the ORM."""
from __future__ import annotations

import collections
import functools
import json
import logging
import os
from typing import Any, Optional

import psycopg2
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import backends, compat, watch
from ckanext.datapusherplusapi.backends import rq
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model.job import (
    NOT_SUBMITTED,
    PENDING_STATUSES,
    Job,
    job_table,
)

log = logging.getLogger(__name__)

_FROM_JOB = ("submitted", "job_id", "last_updated", "started", "finished", "duration",
             "attempt", "error", "error_type", "started_by_loader", "progress", "cause")


def attempts(resource_id: str, limit: int) -> sa.sql.Select:
    """The resource's attempts, newest first, with who submitted each:
    rows of ``(Job, user name, user full name)``."""
    return (sa.select(Job, model.User.name, model.User.fullname)
            .outerjoin(model.User, model.User.id == Job.user_id)
            .where(Job.resource_id == resource_id)
            .order_by(Job.submitted_at.desc())
            .limit(limit)
            .execution_options(populate_existing=True))


Latest = tuple[dict[str, Any], Optional[dict[str, Any]]]


def history_item(job: Any, name: Optional[str], fullname: Optional[str]) -> dict[str, Any]:
    """One attempt as the history shows it (no secrets, who submitted it);
    ``job``: a ``Job`` or a row of the job table's columns."""
    item = job_model.dictize(job)
    item.pop("error_detail", None)
    item.pop("user_id", None)
    item["submitted_by"] = {"name": name, "display_name": fullname or name} if name else None
    return item


# A resource, its dataset, its latest job and who submitted it, in one row:
# the status polls (every few seconds, from every open tab) read only this.
# A Core statement built once, so that SQLAlchemy compiles it once; the job's
# columns keep their names (``of`` and ``model.job.dictize`` read them as a
# job's; its key is left out), the others are prefixed. CKAN's JSON type of
# ``resource.extras`` would make the statement uncacheable: it is read as text.
_RESOURCE, _PACKAGE, _USER = model.resource_table, model.package_table, model.user_table
_LATEST = (sa.select(*(c for c in job_table.c if c.name not in ("job_key", "is_latest")))
           .where(job_table.c.resource_id == _RESOURCE.c.id)
           .order_by(job_table.c.submitted_at.desc()).limit(sa.literal_column("1"))
           .lateral("latest"))
_READ = (
    sa.select(_RESOURCE.c.id.label("r_id"), _RESOURCE.c.package_id.label("r_package_id"),
              _RESOURCE.c.state.label("r_state"), _RESOURCE.c.url.label("r_url"),
              _RESOURCE.c.url_type.label("r_url_type"), _RESOURCE.c.format.label("r_format"),
              _RESOURCE.c.mimetype.label("r_mimetype"),
              sa.literal_column("resource.extras", sa.UnicodeText).label("r_extras"),
              _PACKAGE.c.state.label("p_state"), _PACKAGE.c.private.label("p_private"),
              _PACKAGE.c.type.label("p_type"), *_LATEST.c,
              _USER.c.name.label("u_name"), _USER.c.fullname.label("u_fullname"))
    .select_from(_RESOURCE.outerjoin(_PACKAGE, _PACKAGE.c.id == _RESOURCE.c.package_id)
                 .outerjoin(_LATEST, sa.true())
                 .outerjoin(_USER, _USER.c.id == _LATEST.c.user_id))
    .where(_RESOURCE.c.id == sa.bindparam("resource_id")))

# The context key under which ``datapusher_plus_status`` hands its row to its
# auth function (``logic/auth.py``), which then needs no other query when the
# dataset is public.
READ_KEY = "datapusherplusapi.status_row"

# A row of ``_READ`` as ``read`` gives it: a named tuple of its columns.
Row = Any


# The polls read through a small pool of their own, whose connections each
# prepare ``_READ`` once (PostgreSQL then skips parsing and planning it:
# a poll's query costs a third of its unprepared time), run in autocommit (a
# one-statement read needs no BEGIN and ROLLBACK around it) and are not pinged
# before each use as CKAN's engine's are (``sqlalchemy.pool_pre_ping``): one
# round trip per poll where the request's session would make four, at the
# cost of at most one more idle connection per CKAN process. A connection the
# database dropped (a restart) is found out when used: the read is then tried
# once more, on a new one. Where a prepared statement cannot be kept (a
# connection pooler in transaction mode), the statement is sent as it is.
_PREPARED = "datapusherplusapi_status"
# The prepared statement is gone (invalid_sql_statement_name: a pooler's
# DISCARD ALL), or the tables changed under it (feature_not_supported: "cached
# plan must not change result type", after a migration): send it as it is.
_STALE_STATEMENT = ("26000", "0A000")
_POLL_ENGINES: dict[tuple[int, str], sa.engine.Engine] = {}


@functools.lru_cache(maxsize=None)
def _sql() -> str:
    """``_READ`` as PostgreSQL reads it (``%(resource_id)s``: the resource id)."""
    return str(_READ.compile(dialect=model.meta.engine.dialect))


def _prepare(dbapi_connection: Any, record: Any) -> None:
    """On each new connection of the polls' pool: autocommit, and ``_READ``
    prepared (``$1``: the resource id)."""
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PREPARE {} (text) AS {}".format(
            _PREPARED, _sql().replace("%(resource_id)s", "$1")))
        record.info[_PREPARED] = True
    except Exception as e:  # a pooler, a read-only replica: send the statement each time
        log.info("DataPusher+: status statement not prepared (%s)", e)
    finally:
        cursor.close()


def _poll_engine() -> sa.engine.Engine:
    main = model.meta.engine
    key = (os.getpid(), main.url.render_as_string(hide_password=False))  # one per process
    engine = _POLL_ENGINES.get(key)
    if engine is None:
        engine = sa.create_engine(main.url, pool_size=1, max_overflow=10,
                                  pool_pre_ping=False, isolation_level="AUTOCOMMIT")
        sa.event.listen(engine, "connect", _prepare)
        _POLL_ENGINES[key] = engine
    return engine


@functools.lru_cache(maxsize=None)
def _row_type(names: tuple[str, ...]) -> Any:
    return collections.namedtuple("StatusRow", names)


def _fetch(connection: Any, sql: str, resource_id: str) -> Optional[Row]:
    """One row of ``sql`` on a driver connection, as a named tuple. The polls
    call the driver directly: SQLAlchemy's execution and result layers cost a
    third of the read, and this statement needs none of their processing
    (psycopg2 decodes its JSON and timestamps itself)."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, {"resource_id": resource_id})
        values = cursor.fetchone()
        names = tuple(column[0] for column in cursor.description)
    finally:
        cursor.close()
    return None if values is None else _row_type(names)(*values)


def _read_on(connection: Any, resource_id: str) -> Optional[Row]:
    if connection.info.get(_PREPARED):
        try:
            return _fetch(connection, "EXECUTE {}(%(resource_id)s)".format(_PREPARED),
                          resource_id)
        except psycopg2.Error as e:
            if e.pgcode not in _STALE_STATEMENT:
                raise
            connection.info[_PREPARED] = False
    return _fetch(connection, _sql(), resource_id)


def read(resource_id: str) -> Optional[Row]:
    """The resource's row (the columns of ``_READ`` as attributes; its job
    columns are all None when it has no job), or None when there is no such
    resource. It sees what is committed: every writer of jobs (``lifecycle``)
    commits before it returns."""
    engine = _poll_engine()
    for attempt in (1, 2):
        connection: Any = engine.raw_connection()  # the pool's proxy of a driver connection
        try:
            return _read_on(connection, resource_id)
        except psycopg2.Error:
            if attempt == 2 or not connection.dbapi_connection.closed:
                raise
            connection.invalidate()  # the database dropped it: once more, on a new one
        finally:
            connection.close()
    return None  # (not reached)


def resource_of(row: Row) -> dict[str, Any]:
    """What the live parts need of the resource ``read`` gave (its id, and
    what tells its format)."""
    return {"id": row.r_id, "format": row.r_format, "url": row.r_url,
            "mimetype": row.r_mimetype, "url_type": row.r_url_type}


def is_active(row: Row) -> bool:
    """An active resource of a dataset that is not deleted."""
    return row.r_state == "active" and row.p_state != "deleted"


def is_public(row: Row) -> bool:
    """An active resource of an active public dataset."""
    return row.r_state == "active" and row.p_state == "active" and row.p_private is False


def answer(row: Optional[Row], latest: bool = True) -> Latest:
    """(the status, the latest attempt as the history shows it, or None
    unless ``latest``) from ``read``; ObjectNotFound unless the resource is
    active in a dataset not deleted. A job without news for ``check_after``
    seconds is asked about first; a job still waiting gets its live cause
    (``live_cause``: no worker listens on its queue)."""
    if row is None or not is_active(row):
        raise tk.ObjectNotFound(tk._("Resource was not found."))
    if row.id is not None and watch.is_silent(row):
        job = model.Session.get(Job, row.id)
        if job is not None and watch.check(model.Session, job):
            row = read(row.r_id)  # the job changed, and datastore_active may be new
            if row is None or not is_active(row):
                raise tk.ObjectNotFound(tk._("Resource was not found."))
    item = history_item(row, row.u_name, row.u_fullname) if latest and row.id else None
    result = of(row)
    add_live_causes([result] + ([item] if item else []), row.package_id)
    return result, item


def live_cause(backend: Optional[str], status: Optional[str],
               package_id: Optional[str]) -> Optional[dict[str, Any]]:
    """An active job's live cause (``causes.no_worker``, as the API gives
    it): a job still waiting (submitting, submitted) in a queue of CKAN's
    workers that no worker listens to; None otherwise, for a loader that
    does not run in CKAN's workers, and when Redis is unreachable. The
    workers are counted once every few seconds per process (``rq``), never
    once per job."""
    if status not in PENDING_STATUSES or not backend:
        return None
    loader = backends.named(backend)
    queue = loader.queue_of(package_id) if loader is not None else None
    cause = rq.no_worker(queue) if queue else None
    return cause.as_dict() if cause else None


def add_live_causes(items: list[dict[str, Any]], package_id: Optional[str] = None) -> None:
    """Set the live cause of each waiting job among ``items`` (job dicts, or
    statuses: ``backend``, ``status``, and ``package_id`` or the one given)
    that has no cause yet."""
    for item in items:
        if item.get("cause") is None:
            item["cause"] = live_cause(item.get("backend"), item.get("status"),
                                       item.get("package_id") or package_id)


def of(row: Row) -> dict[str, Any]:
    """The status of the resource ``read`` gave."""
    has_job = row.id is not None
    extras = json.loads(row.r_extras) if row.r_extras else {}
    result: dict[str, Any] = {
        "resource_id": row.r_id,
        "status": row.status if has_job else NOT_SUBMITTED,
        "submitted": None,
        "resource_url": _url(row),
        "job_id": None,
        "last_updated": None,
        "started": None,
        "finished": None,
        "duration": None,
        "attempt": 0,
        "error": None,
        "error_type": None,
        "logs": list(row.logs or []) if has_job else [],
        "datastore_active": isinstance(extras, dict) and extras.get("datastore_active") in (
            True, "true", "True"),
        "backend": row.backend if has_job else backends.current().name,
        "started_by_loader": False,
        "progress": None,
        "cause": None,
    }
    if has_job:
        data = job_model.dictize(row)
        for key in _FROM_JOB:
            result[key] = data[key]
    return result


# What a caller who may not push the resource reads of its status: what the
# resource page shows everyone (the state, its times, the reason — a loader's
# text without its file paths, see ``messages.readable``), not the loader's
# log nor the job's ids.
PUBLIC = ("resource_id", "status", "submitted", "resource_url", "last_updated", "started",
          "finished", "duration", "attempt", "error", "error_type", "datastore_active",
          "backend", "started_by_loader", "progress", "format", "loadable")


def for_public(result: dict[str, Any]) -> dict[str, Any]:
    """The status as a caller who may not push the resource reads it (of
    its cause, the code and its few words: the fix is for sysadmins)."""
    public = {key: result[key] for key in PUBLIC if key in result}
    cause = result.get("cause")
    public["cause"] = {"code": cause["code"], "title": cause["title"]} if cause else None
    return public


def _url(row: Row) -> Optional[str]:
    """The resource's URL as ``resource_show`` gives it (an upload's is its
    download URL on this site)."""
    if row.r_url_type == "upload":
        return compat.upload_url(row.r_package_id, row.p_type, row.r_id, row.r_url)
    return row.r_url
