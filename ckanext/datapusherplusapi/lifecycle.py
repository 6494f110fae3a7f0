"""Every status change of a push job, in one place.

A job moves ``submitting`` → ``submitted`` → ``running`` → ``complete`` |
``error`` | ``cancelled``, and may skip steps (a fast loader can report the end
before CKAN has recorded that it accepted the job).  Each change is one guarded
``UPDATE … WHERE status IN (<the statuses it may leave>)``: when two writers race
on a job (a loader's callback, a cancel, a forced resubmission, a check of a
silent job), the first wins and the others change nothing — nobody reads a
status and then writes another.

The submission path, the loaders' callbacks and hooks, the checks of silent
jobs (``watch.py``) and the dashboard's actions all change jobs through this
module, and nothing else writes a job's status.  It changes states and
nothing else: who must hear of a change (a failure's mails and webhook)
listens to ``signals``, sent after the commit.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import JSONB

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import causes, signals
from ckanext.datapusherplusapi.messages import Message, Text, as_text, stored
from ckanext.datapusherplusapi.model.job import (
    ACTIVE,
    CANCELLED,
    COMPLETE,
    ERROR,
    LOG_LIMIT,
    RUNNING,
    SUBMITTED,
    SUBMITTING,
    Job,
)

log = logging.getLogger(__name__)

# The statuses each status may be entered from.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    SUBMITTED: (SUBMITTING,),
    RUNNING: (SUBMITTING, SUBMITTED),
    COMPLETE: ACTIVE,
    ERROR: ACTIVE,
    CANCELLED: ACTIVE,
}

# A job ended because its service fell silent may still be ended by the
# service itself: a late callback says what really happened.
SILENT = "service_silent"
# So may a job ended because its worker had not been heard of for a while (a
# guess: a worker on a machine whose clock is behind, or a busy one, may still
# finish it).  A worker whose key is gone did die: ``worker_died`` is final.
WORKER_SILENT = "worker_silent"
MAY_STILL_END = (SILENT, WORKER_SILENT)

LOG_MESSAGE_LIMIT = 2000  # characters kept of one log line or error message

# Where a job came from (column ``origin``).
SUBMIT = "submit"  # this extension: the API, the pages, the ckan command, auto-submit
LOADER = "loader"  # the loader itself (its own auto-submit, button or command)


def now() -> datetime.datetime:
    return datetime.datetime.utcnow()


@dataclasses.dataclass
class News:
    """What a loader says of a job, in this extension's words.

    ``status``: ``submitted`` (queued), ``running``, ``complete``, ``error``,
    or ``lost`` (the loader no longer knows the job); ``error``: the loader's
    message; ``logs``: its log lines (``timestamp``, ``level``, ``message``).
    """

    status: str
    error: Optional[Text] = None  # the loader's words (str), or ours (Message)
    error_type: str = "service_job_error"
    detail: Optional[dict[str, Any]] = None
    logs: Optional[list[dict[str, Any]]] = None


class AlreadyActive(Exception):
    """The resource already has an active job (the database refused a second)."""

    def __init__(self, active: Optional[Job]):
        super().__init__("a job is already active")
        self.active = active


def clean_logs(raw: Any) -> list[dict[str, Any]]:
    """A loader's log lines as ``{timestamp, level, message}`` strings, the
    last ``LOG_LIMIT``; whatever else the loader sent is dropped."""
    lines = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        lines.append({
            "timestamp": str(entry.get("timestamp") or "")[:40],
            "level": str(entry.get("level") or "")[:20],
            "message": str(entry.get("message") or "")[:LOG_MESSAGE_LIMIT],
        })
    return lines[-LOG_LIMIT:]


def error_text(raw: Any) -> Optional[str]:
    """A loader's error (text, or a dict with ``message``) as bounded text
    (a Python bytes literal as the text it holds: ``messages.as_text``)."""
    if not raw:
        return None
    if isinstance(raw, dict):
        message = raw.get("message") or raw.get("error") or ""
        return as_text(str(message))[:LOG_MESSAGE_LIMIT] or "Unknown error"
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")[:LOG_MESSAGE_LIMIT]
    return as_text(str(raw))[:LOG_MESSAGE_LIMIT]


# ----------------------------------------------------------------- start ---
def start(session: Any, resource: dict[str, Any], fmt: str, *, force: bool,
          user_id: Optional[str], organization_id: Optional[str], backend: str,
          origin: str = SUBMIT) -> Job:
    """Record a new job, ``submitting``, as the resource's latest.

    With ``force``, the resource's active job is cancelled first (superseded),
    in the same transaction.  The database refuses a second active job per
    resource (a partial unique index): then nothing is written and
    ``AlreadyActive`` is raised with the active job.
    """
    when = now()
    if force:
        error, params = stored(Message("Superseded by a forced resubmission"))
        session.execute(_guarded(
            CANCELLED, [Job.resource_id == resource["id"]], error_type="superseded",
            error=error, error_params=params, finished_at=when, updated_at=when))
    # The new row is the resource's latest; the database refuses it (and so
    # this update, rolled back with it) while another job is active.
    session.execute(
        sa.update(Job).where(Job.resource_id == resource["id"], Job.is_latest.is_(True))
        .values(is_latest=False).execution_options(synchronize_session=False))
    job = Job(
        resource_id=resource["id"],
        package_id=resource["package_id"],
        organization_id=organization_id,
        status=SUBMITTING,
        user_id=user_id,
        force=bool(force),
        # counted by the INSERT itself: one round trip less
        attempt=Job.count_for_resource(resource["id"]).scalar_subquery() + 1,
        resource_url=resource.get("url"),
        resource_format=fmt,
        submitted_at=when,
        updated_at=when,
        is_latest=True,
        backend=backend,
        origin=origin,
    )
    job.service_job_id = job.id = str(uuid.uuid4())
    session.add(job)
    try:
        session.commit()
    except sa_exc.IntegrityError:
        session.rollback()
        raise AlreadyActive(session.execute(Job.active_for_resource(resource["id"]))
                            .scalars().first())
    return job


# ----------------------------------------------------------- transitions ---
def may_still_change(job: Any) -> bool:
    """Whether a loader's report may still change the job (a ``Job``, or a
    row with its ``status`` and ``error_type``)."""
    return job.status in ACTIVE or (job.status == ERROR and job.error_type in MAY_STILL_END)


def _guarded(status: str, where: list[Any], **values: Any) -> Any:
    """``UPDATE`` of the jobs matching ``where`` that may enter ``status``."""
    allowed = Job.status.in_(ALLOWED_FROM[status])
    if status in (COMPLETE, ERROR):
        allowed = sa.or_(allowed, sa.and_(Job.status == ERROR,
                                          Job.error_type.in_(MAY_STILL_END)))
    return (sa.update(Job).where(*where, allowed)
            .values(status=status, **values).returning(Job.id)
            .execution_options(synchronize_session=False))


def _move(session: Any, status: str, where: list[Any], **values: Any) -> list[str]:
    """Apply one guarded transition and commit; the ids of the jobs it moved."""
    when = now()
    values.setdefault("updated_at", when)
    if status not in ACTIVE:
        values.setdefault("finished_at", when)
    moved = [row[0] for row in session.execute(_guarded(status, where, **values))]
    session.commit()
    return moved


def accepted(session: Any, job: Job, loader_job_id: Optional[str] = None,
             job_key: Optional[str] = None) -> str:
    """The loader took the job (``submitting`` → ``submitted``); its own id and
    key are recorded whatever the status is now (a callback may have moved
    the job on already).  Returns the job's status."""
    values: dict[str, Any] = {"updated_at": now()}
    if job_key:
        values["job_key"] = job_key
    if loader_job_id and loader_job_id != job.service_job_id:
        values["service_job_id"] = loader_job_id
        # A load an earlier (superseded) job handed over is this job's now.
        session.execute(sa.update(Job).where(Job.service_job_id == loader_job_id,
                                             Job.id != job.id, Job.status.notin_(ACTIVE))
                        .values(service_job_id=None)
                        .execution_options(synchronize_session=False))
    values["status"] = sa.case((Job.status.in_(ALLOWED_FROM[SUBMITTED]), SUBMITTED),
                               else_=Job.status)
    status = session.execute(
        sa.update(Job).where(Job.id == job.id).values(**values).returning(Job.status)
        .execution_options(synchronize_session=False)).scalar()
    session.commit()
    session.expire(job)  # later reads in this request see the row as it is now
    return status


def running(session: Any, job_id: str, logs: Optional[list[dict[str, Any]]] = None) -> bool:
    """The loader started writing the DataStore."""
    when = now()
    values: dict[str, Any] = {"started_at": sa.func.coalesce(Job.started_at, when)}
    if logs:
        values["logs"] = logs
    return bool(_move(session, RUNNING, [Job.id == job_id], **values))


def running_for_resource(session: Any, resource_id: str, backend: str) -> bool:
    """The resource's accepted job of ``backend`` started writing (the service's
    first ``datastore_create``)."""
    when = now()
    return bool(_move(session, RUNNING, [Job.resource_id == resource_id, Job.backend == backend,
                                         Job.status == SUBMITTED], started_at=when))


def complete(session: Any, job_id: str, logs: Optional[list[dict[str, Any]]] = None,
             views: bool = True) -> bool:
    """The data is in the DataStore.  Unless the loader makes them itself
    (``views=False``), the resource gets CKAN's default views first, so that
    whoever reads "complete" finds its page previewing the data."""
    values: dict[str, Any] = {"started_at": sa.func.coalesce(Job.started_at, Job.submitted_at),
                              "error": None, "error_type": None, "error_detail": None,
                              "error_params": None, "cause": None}
    if logs:
        values["logs"] = logs
    if views:
        job = session.execute(sa.select(Job.resource_id, Job.status, Job.error_type)
                              .where(Job.id == job_id)).first()
        if job is not None and may_still_change(job):
            create_default_views(job.resource_id)
    return bool(_move(session, COMPLETE, [Job.id == job_id], **values))


def fail(session: Any, job_id: str, error_type: str, message: Text,
         detail: Optional[dict[str, Any]] = None,
         logs: Optional[list[dict[str, Any]]] = None) -> bool:
    """The job failed: ``error_type`` says how, ``message`` (the loader's own
    words, or our ``Message``, translated when read) why."""
    error, params = stored(message)
    values: dict[str, Any] = {
        "error": error, "error_params": params, "error_type": error_type, "error_detail": detail,
        "cause": causes.code_of_failure(error_type, error, None, params),
        "started_at": sa.func.coalesce(Job.started_at, Job.submitted_at)}
    if logs:
        values["logs"] = logs
    if not _move(session, ERROR, [Job.id == job_id, Job.status.in_(ACTIVE)], **values):
        # A job already ended for silence may still get the loader's own
        # error (it was told of when it ended: no second notification).
        return bool(_move(session, ERROR, [Job.id == job_id], **values))
    # Told once, after the commit above: the publishers' mails and the
    # operators' webhook listen (they only queue work for CKAN's workers).
    try:
        signals.job_failed.send(job_id)
    except Exception:  # a receiver's error never hides the recorded failure
        log.exception("DataPusher+: a receiver of job_failed failed for job %s", job_id)
    return True


def cancel(session: Any, job_id: str, message: Text,
           only: tuple[str, ...] = ACTIVE) -> bool:
    """Cancelled by someone, once its loader's work is stopped (or where the
    loader cannot stop it, before it started: ``only`` the statuses it may be
    cancelled from).  A late result from the loader is then ignored."""
    error, params = stored(message)
    return bool(_move(session, CANCELLED, [Job.id == job_id, Job.status.in_(only)], error=error,
                      error_params=params, error_type="cancelled"))


def progress(session: Any, job_id: str, loaded: int, total: Optional[int],
             logs: Optional[list[dict[str, Any]]] = None) -> bool:
    """Rows written so far by a running job; False when the job is no longer
    running (cancelled, superseded): its loader then stops."""
    values: dict[str, Any] = {"rows_loaded": loaded, "rows_total": total, "updated_at": now()}
    if logs:
        values["logs"] = logs
    moved = session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status == RUNNING).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return bool(moved)


def note_logs(session: Any, job_id: str, logs: list[dict[str, Any]]) -> bool:
    """New log lines of an active job: news, without a change of status (the
    same lines again are no news)."""
    changed = session.execute(
        sa.update(Job).where(
            Job.id == job_id, Job.status.in_(ACTIVE),
            sa.cast(Job.logs, JSONB).is_distinct_from(sa.type_coerce(logs, JSONB)))
        .values(logs=logs, updated_at=now())
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return bool(changed)


def note_problem(session: Any, resource_id: str, backend: str, message: str) -> bool:
    """A line of ours at the end of the log of the resource's active job of
    ``backend`` (a report of the loader this extension could not record);
    the job's status and its time of news stay as they are."""
    line = {"timestamp": now().isoformat(timespec="seconds"), "level": "WARNING",
            "message": message[:LOG_MESSAGE_LIMIT]}
    logs = sa.func.coalesce(sa.cast(Job.logs, JSONB), sa.literal_column("'[]'::jsonb"))
    changed = session.execute(
        sa.update(Job).where(Job.resource_id == resource_id, Job.backend == backend,
                             Job.status.in_(ACTIVE))
        .values(logs=sa.cast(logs.op("||")(sa.type_coerce([line], JSONB)), sa.JSON))
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return bool(changed)


def report(session: Any, job_id: str, news: News, views: bool = True) -> bool:
    """Apply what a loader says of an active job (a callback, a hook, or the
    answer to a question); True when the job changed."""
    if news.status == COMPLETE:
        return complete(session, job_id, news.logs, views=views)
    if news.status == ERROR:
        return fail(session, job_id, news.error_type,
                    news.error or Message("The loader reported an error"), news.detail,
                    news.logs)
    if news.status == "lost":
        return fail(session, job_id, "service_lost_job",
                    news.error or Message("The loader does not know this job any more"),
                    news.detail, news.logs)
    if news.status == RUNNING:
        if running(session, job_id, news.logs):
            return True
    if not news.logs:
        return False
    return note_logs(session, job_id, news.logs)


# -------------------------------------------------------------- views ---
def create_default_views(resource_id: str) -> None:
    """CKAN's default views of a resource whose data is in the DataStore (as
    core's DataPusher and xloader make them); a failure is only logged."""
    context = {"ignore_auth": True, "user": "", "model": model, "session": model.Session}
    try:
        resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
        package = tk.get_action("package_show")(dict(context), {"id": resource["package_id"]})
        tk.get_action("resource_create_default_resource_views")(dict(context), {
            "resource": resource, "package": package, "create_datastore_views": True})
    except Exception:  # a preview is not worth failing a finished load
        log.exception("DataPusher+: could not create the default views of resource %s",
                      resource_id)
        model.Session.rollback()
