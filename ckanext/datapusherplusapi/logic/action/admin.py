"""Actions of the sysadmin dashboard and the ``ckan`` command: the jobs of the
whole portal, their figures, retry, cancel, bulk work, the loader's health."""
from __future__ import annotations

import datetime
import json
import logging
import time
import uuid
from typing import Any, Callable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan import authz
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.datapusherplusapi import (
    backends,
    causes,
    config,
    lifecycle,
    messages,
    vocabulary,
    watch,
)
from ckanext.datapusherplusapi.backends import rq
from ckanext.datapusherplusapi.backends.base import ENDED, STOPPED
from ckanext.datapusherplusapi.logic import background, csrf, reconcile, schema
from ckanext.datapusherplusapi.logic import status as status_read
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model import counts as job_counts
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model.job import ACTIVE, LIST_LIMIT, Job
from ckanext.datapusherplusapi.model.task import (
    TASK_ACTIVE,
    TASK_FAILED,
    TASK_QUEUED,
    TASK_RUNNING,
    Task,
)
from ckanext.datapusherplusapi.records import table

log = logging.getLogger(__name__)

DURATION_SAMPLE = 1000  # completed jobs behind the dashboard's median and p95
PURGE_BATCH = 10_000  # job rows a purge deletes per transaction
# The job list's filters its count can read from the counts per dataset.
COUNTED_FILTERS = {"organization", "format", "status", "sort", "order"}


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


# ------------------------------------------------------------ dashboard ---
def _stuck_before() -> datetime.datetime:
    return _now() - datetime.timedelta(minutes=config.stuck_after())


def _dashboard_filters(data_dict: DataDict) -> dict[str, Any]:
    keys = ("status", "organization", "format", "date_from", "date_to", "q", "latest_only",
            "reason", "cause", "sort", "order")
    return {key: data_dict.get(key) for key in keys
            if data_dict.get(key) not in (None, "", False)}


@tk.side_effect_free
@validate(schema.job_list)
def datapusher_plus_job_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Push jobs of the whole portal, filtered, sorted and paged (sysadmins;
    an organization's editors and admins with ``organization`` set to it).

    :param status: a status, ``pending`` (submitting or submitted) or ``stuck``
    :type status: string
    :param organization: organization id or name
    :type organization: string
    :param format: resource format (e.g. ``CSV``)
    :type format: string
    :param date_from: first day of submission (``YYYY-MM-DD``)
    :type date_from: string
    :param date_to: last day of submission (``YYYY-MM-DD``)
    :type date_to: string
    :param q: text searched in resource and dataset names and titles
    :type q: string
    :param latest_only: only the latest job of each resource (default false)
    :type latest_only: bool
    :param reason: a failure reason's ``key`` (a md5 of a failed job's error
        type, error and parameters): only the jobs that failed so
    :type reason: string
    :param cause: only the failed jobs of this cause (one of the stored
        causes of docs/causes.md: ``worker_died``, ``download_failed`` ...);
        any other value is a validation error naming them
    :type cause: string
    :param sort: ``submitted`` (default), ``status``, ``duration``, ``format``,
        ``resource``, ``dataset`` or ``organization``
    :type sort: string
    :param order: ``desc`` (default) or ``asc``
    :type order: string
    :param page: page number, from 1 (default 1)
    :type page: int
    :param limit: jobs per page (default 25, at most 1000)
    :type limit: int

    :returns: ``count``, ``page``, ``limit`` and ``results`` (jobs with
        ``resource_name``, ``dataset_name``, ``dataset_title``,
        ``organization_name``, ``organization_title``, ``user_name`` (the
        login), ``user_display_name``, ``stuck``; ``cause``: a failed job's
        ``{code, params, title, message, fix}``, or null)
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_list", context, data_dict)
    stuck_before = _stuck_before()
    filters = _dashboard_filters(data_dict)
    rows_stmt, count_stmt = job_model.listing(filters, stuck_before)
    limit = min(data_dict["limit"], LIST_LIMIT)
    page = data_dict["page"]
    session = model.Session
    if set(filters) <= {"sort", "order"}:  # every job: the trigger-kept counts
        count = sum(job_counts.totals(session).values())
    elif set(filters) <= COUNTED_FILTERS and filters.get("status") != job_model.STUCK:
        # an organization's, a format's: the trigger-kept counts per dataset
        by_status = job_counts.by_dataset(session, filters.get("organization"),
                                          filters.get("format"))
        status = filters.get("status")
        wanted = (job_model.PENDING_STATUSES if status == job_model.PENDING
                  else [status] if status else list(by_status))
        count = sum(by_status.get(one, 0) for one in wanted)
    else:
        count = session.execute(count_stmt).scalar() or 0
    results = [_for_reader(context, _listed(row, stuck_before)) for row in session.execute(
        job_model.page(rows_stmt, (page - 1) * limit, limit))]
    status_read.add_live_causes(results)  # no worker on a waiting job's queue
    return {"count": count, "page": page, "limit": limit, "results": results}


def _for_reader(context: Context, item: dict[str, Any]) -> dict[str, Any]:
    """A job as its reader may see it: an organization's publishers get what
    the resource's history gives them, without the loader's raw error detail
    nor the submitter's user id (sysadmins get everything)."""
    if not authz.is_sysadmin(context.get("user")):
        item.pop("error_detail", None)
        item.pop("user_id", None)
    return item


def _listed(row: Any, stuck_before: datetime.datetime) -> dict[str, Any]:
    """A job as the dashboard lists it, from a row of ``job_model.listing``."""
    (job, res_name, pkg_name, pkg_title, org_name, org_title, user_name, user_fullname,
     org_id) = row
    item = job.dictize()
    item.update(organization_id=org_id or item["organization_id"],
                resource_name=res_name, dataset_name=pkg_name, dataset_title=pkg_title,
                organization_name=org_name, organization_title=org_title, user_name=user_name,
                user_display_name=user_fullname or user_name,
                stuck=vocabulary.is_stuck(job.status, job.submitted_at, stuck_before))
    return item


@tk.side_effect_free
@validate(schema.job_id)
def datapusher_plus_job_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One job with everything known of it (sysadmins: the dashboard's job
    page).

    :param id: the job's id
    :type id: string

    :returns: the job as ``datapusher_plus_job_list`` lists it, with
        ``error_raw`` (the loader's own words, where ``error`` is what
        publishers read), ``logs`` (``{timestamp, level, message}``) and
        ``attempts`` (every push of its resource, newest first, as
        ``datapusher_plus_job_history`` gives them)
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_show", context, data_dict)
    stuck_before = _stuck_before()
    rows_stmt, _count = job_model.listing({}, stuck_before)
    row = model.Session.execute(rows_stmt.where(Job.id == data_dict["id"])).first()
    if row is None:
        raise tk.ObjectNotFound(tk._("Unknown DataPusher+ job"))
    job = row[0]
    item = _listed(row, stuck_before)
    item["error_raw"] = messages.render(job.error, job.error_params, raw=True)
    item["logs"] = job.logs or []
    item["attempts"] = [status_read.history_item(attempt, name, fullname)
                        for attempt, name, fullname in model.Session.execute(
                            status_read.attempts(job.resource_id, LIST_LIMIT))]
    status_read.add_live_causes([item] + item["attempts"])
    return item


@tk.side_effect_free
@validate(schema.stats)
def datapusher_plus_stats(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Figures of the push jobs (sysadmins; an organization's editors and
    admins with ``organization`` set to it): portal-wide, or of the jobs the
    dashboard's filters select.

    :param organization: id or name of an organization (optional)
    :type organization: string
    :param format: resource format (optional)
    :type format: string
    :param date_from: first day of submission, ``YYYY-MM-DD`` (optional)
    :type date_from: string
    :param date_to: last day of submission, ``YYYY-MM-DD`` (optional)
    :type date_to: string
    :param q: text in the resource's or dataset's name or title (optional)
    :type q: string
    :param latest_only: only the latest job of each resource (default false)
    :type latest_only: bool
    :param cause: only the failed jobs of this cause (as ``datapusher_plus_job_list``)
    :type cause: string

    :returns: ``counts`` by status (with ``pending`` = submitting + submitted
        and ``stuck``), ``success_rate_24h`` and ``success_rate_7d`` (complete /
        (complete + error) of the jobs submitted in the last 24 hours and 7
        days, to the hour, or null), ``median_duration`` and ``p95_duration``
        (seconds, the latest 1,000 jobs completed in the last 7 days),
        ``per_day`` (30 days of ``{day, status: count}``, by day of
        submission), ``total``, and ``failure_reasons``: the most frequent
        causes of the failed jobs of the period (``date_from`` to
        ``date_to``, else the last 7 days: ``reasons_since``; under a
        ``cause`` filter, that cause alone), each with its ``cause`` (the code: the job list's
        ``cause`` filter), ``title``, ``count``, and its most frequent
        message as an example: ``error_type`` and ``error`` (in the
        reader's language)
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_stats", context, data_dict)
    filters = {key: data_dict[key] for key in schema.STATS_FILTERS if data_dict.get(key)}
    if filters:
        return dict(_filtered_stats(filters), **_failure_reasons(filters))
    session = model.Session
    now = _now()
    # The counts come from the trigger-kept table (model/counts.py): a few
    # thousand rows at most, whatever the number of jobs.
    if job_counts.compact(session, now):
        session.commit()
    by_status = dict.fromkeys(job_model.STATUSES, 0)
    by_status.update({status: n for status, n in job_counts.totals(session).items()
                      if status in by_status})
    hour = now.replace(minute=0, second=0, microsecond=0)
    windows = {"24h": hour - datetime.timedelta(hours=23),
               "7d": hour - datetime.timedelta(hours=7 * 24 - 1)}
    start = (now - datetime.timedelta(days=29)).date()
    per_day: dict[str, dict[str, int]] = {
        (start + datetime.timedelta(days=i)).isoformat(): {} for i in range(30)}
    for when, status, n in job_counts.per_day(session, datetime.datetime.combine(
            start, datetime.time())):
        per_day.setdefault(when.isoformat(), {})[status] = n
    rates = {}
    for key, since in windows.items():
        figures = job_counts.since(session, since)
        complete, failed = figures.get(job_model.COMPLETE, 0), figures.get(job_model.ERROR, 0)
        rates[key] = round(complete / (complete + failed), 4) if complete + failed else None
    return dict(_figures(lambda stmt: stmt, now, by_status, rates, per_day, filtered=False),
                **_failure_reasons(filters))


REASONS_DAYS = 7  # the top failure reasons' period when no date is chosen


def _failure_reasons(filters: dict[str, Any]) -> dict[str, Any]:
    """``failure_reasons`` and ``reasons_since`` (the period's first day) of
    ``datapusher_plus_stats``: one grouped query (``job_model.failure_reasons``)."""
    since = filters.get("date_from") or datetime.datetime.combine(
        _now().date() - datetime.timedelta(days=REASONS_DAYS - 1), datetime.time())
    rows = model.Session.execute(job_model.failure_reasons(filters, since))
    reasons = [{"cause": cause, "title": causes.title(cause), "count": count,
                "error_type": error_type,
                "error": messages.render(error, json.loads(params) if params else None)}
               for cause, count, error_type, error, params in rows]
    return {"failure_reasons": reasons, "reasons_since": since.date().isoformat()}


def reason_text(key: str) -> Optional[str]:
    """A failure reason's words (the ``reason`` filter's), None if no job has it."""
    row = model.Session.execute(job_model.reason_of(key)).first()
    return messages.render(row.error, row.error_params) if row else None


Scope = Callable[[sa.sql.Select], sa.sql.Select]


def _figures(scoped: Scope, now: datetime.datetime, by_status: dict[str, int],
             rates: dict[str, Optional[float]], per_day: dict[str, dict[str, int]],
             filtered: bool) -> dict[str, Any]:
    """``datapusher_plus_stats``'s answer: the counts, rates and days given,
    with the stuck jobs and the durations of the jobs ``scoped`` selects."""
    session = model.Session
    stuck = session.execute(scoped(sa.select(sa.func.count(Job.id))).where(
        Job.status.in_(job_model.ACTIVE), Job.submitted_at < _stuck_before())).scalar()
    latest = scoped(sa.select(sa.func.extract("epoch", Job.finished_at - Job.submitted_at)
                              .label("seconds"))
                    .where(Job.status == job_model.COMPLETE,
                           Job.finished_at >= now - datetime.timedelta(days=7))
                    .order_by(Job.finished_at.desc()).limit(DURATION_SAMPLE)).subquery()
    median, p95 = session.execute(sa.select(
        sa.func.percentile_cont(0.5).within_group(latest.c.seconds),
        sa.func.percentile_cont(0.95).within_group(latest.c.seconds))).one()
    counts = dict(by_status, stuck=stuck,
                  pending=by_status[job_model.SUBMITTING] + by_status[job_model.SUBMITTED])
    return {
        "total": sum(by_status.values()), "counts": counts,
        "success_rate_24h": rates["24h"], "success_rate_7d": rates["7d"],
        "median_duration": round(median, 3) if median is not None else None,
        "p95_duration": round(p95, 3) if p95 is not None else None,
        "per_day": [{"day": key, **value} for key, value in sorted(per_day.items())],
        "filtered": filtered,
    }


def _filtered_stats(filters: dict[str, Any]) -> dict[str, Any]:
    """``datapusher_plus_stats`` of the jobs ``filters`` select, read from the
    job table itself, but for the counts of an organization's or a format's
    jobs (the trigger-kept counts per dataset)."""
    session = model.Session
    now = _now()
    scoped = job_model.scope(filters)
    by_status = dict.fromkeys(job_model.STATUSES, 0)
    if set(filters) <= {"organization", "format"}:
        # The trigger-kept counts per dataset: a few rows per dataset,
        # whatever the number of its jobs.
        if job_counts.compact(session, now):
            session.commit()
        by_status.update({status: n for status, n in job_counts.by_dataset(
            session, filters.get("organization"), filters.get("format")).items()
            if status in by_status})
    else:
        by_status.update(session.execute(scoped(
            sa.select(Job.status, sa.func.count(Job.id)).group_by(Job.status))).all())
    hour = now.replace(minute=0, second=0, microsecond=0)
    rates: dict[str, Optional[float]] = {}
    for key, hours in (("24h", 23), ("7d", 7 * 24 - 1)):
        figures = dict(session.execute(scoped(
            sa.select(Job.status, sa.func.count(Job.id))
            .where(Job.submitted_at >= hour - datetime.timedelta(hours=hours),
                   Job.status.in_([job_model.COMPLETE, job_model.ERROR]))
            .group_by(Job.status))).all())
        complete, failed = figures.get(job_model.COMPLETE, 0), figures.get(job_model.ERROR, 0)
        rates[key] = round(complete / (complete + failed), 4) if complete + failed else None
    start = (now - datetime.timedelta(days=29)).date()
    per_day: dict[str, dict[str, int]] = {
        (start + datetime.timedelta(days=i)).isoformat(): {} for i in range(30)}
    day = sa.func.date(Job.submitted_at)
    for when, status, n in session.execute(scoped(
            sa.select(day, Job.status, sa.func.count(Job.id))
            .where(Job.submitted_at >= datetime.datetime.combine(start, datetime.time()))
            .group_by(day, Job.status))):
        per_day.setdefault(when.isoformat(), {})[status] = n
    return _figures(scoped, now, by_status, rates, per_day, filtered=True)


@validate(schema.job_purge)
def datapusher_plus_job_purge(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Delete old job rows (sysadmins): finished jobs (complete, error,
    cancelled) submitted more than ``older_than`` days ago. Each resource's
    latest job is kept, so its status and its last push stay known.

    :param older_than: age in days (0: every finished job but the latest ones)
    :type older_than: int
    :param dry_run: only count them (default false)
    :type dry_run: bool

    :returns: ``deleted`` (or, with ``dry_run``, ``would_delete``): a number
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_purge", context, data_dict)
    csrf.protect(context)
    before = _now() - datetime.timedelta(days=data_dict["older_than"])
    old = (Job.status.in_(job_model.TERMINAL), Job.submitted_at < before, Job.is_latest.is_(False))
    session = model.Session
    if data_dict["dry_run"]:
        count = session.execute(sa.select(sa.func.count(Job.id)).where(*old)).scalar()
        return {"would_delete": count}
    # In batches, each its own transaction: a submit (which inserts a job and
    # clears its resource's ``is_latest``) never waits for more than one
    # batch, and no transaction holds millions of row locks. Each batch is
    # the oldest rows left, by the index on ``submitted_at``, from where the
    # previous one ended (the rows kept before it are not read again).
    # The ids are read first and deleted by their primary key: a DELETE whose
    # ids come from a subquery was planned as a scan of the whole table per
    # batch (a million-row table purged 4x slower than in one DELETE).
    deleted = 0
    since: Optional[datetime.datetime] = None
    while True:
        chosen = sa.select(Job.id, Job.submitted_at).where(*old)
        if since is not None:
            chosen = chosen.where(Job.submitted_at >= since)
        batch = session.execute(chosen.order_by(Job.submitted_at).limit(PURGE_BATCH)).all()
        if not batch:
            break
        deleted += session.execute(
            sa.delete(Job).where(Job.id.in_([row.id for row in batch]), *old)
            .execution_options(synchronize_session=False)).rowcount
        session.commit()
        since = batch[-1].submitted_at
    if deleted:
        # The counts' triggers appended a -1 row per deleted job: fold them
        # now, planned on fresh statistics (on those of the tables before
        # the purge, folding a million rows is a nested loop of minutes).
        for counted in (job_counts.TABLE, job_counts.dataset_counts.name):
            session.execute(sa.text("ANALYZE " + counted))
        job_counts.compact(session, _now())
        session.commit()
    log.info("DataPusher+: purged %s job rows older than %s days", deleted,
             data_dict["older_than"])
    return {"deleted": deleted}


def _job_or_404(job_id: str) -> Job:
    job = model.Session.get(Job, job_id)
    if job is None:
        raise tk.ObjectNotFound(tk._("Unknown DataPusher+ job"))
    return job


@validate(schema.job_id)
def datapusher_plus_job_retry(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a job's resource again (sysadmins, and who may push it).

    :param id: the job's id
    :type id: string

    :returns: what ``datapusher_plus_submit`` returns
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_retry", context, data_dict)
    csrf.protect(context)
    job = _job_or_404(data_dict["id"])
    return tk.get_action("datapusher_plus_submit")(
        {"user": context.get("user")}, {"resource_id": job.resource_id})


@validate(schema.job_id)
def datapusher_plus_job_cancel(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Cancel a pending or running job (sysadmins, and who may push its
    resource).  The loader's work is stopped first, then the job is recorded
    cancelled: xloader and DataPusher+ 2.x take a queued load off the queue
    and have their worker stop a running one (whose table is then removed);
    the JSON/XML loader stops at its next chunk and removes its table; the
    DataPusher service cannot stop a load, so only a job it has not started
    may be cancelled (its late result is then ignored).  A load that ended
    before it could be stopped keeps its result, and the job is not cancelled.

    :param id: the job's id
    :type id: string

    :returns: the job
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_cancel", context, data_dict)
    csrf.protect(context)
    job = _job_or_404(data_dict["id"])
    session = model.Session
    not_active = tk.ValidationError(
        {"id": [tk._("Only a pending or running job can be cancelled")]})
    if job.status not in ACTIVE:
        raise not_active
    backend = backends.of_job(job)
    cannot_stop = tk.ValidationError({"id": [tk._(
        "{loader} cannot stop a load it has started: this push goes on until it ends, "
        "and cannot be cancelled").format(loader=backend.label if backend else "")]})
    if backend is not None and not backend.can_cancel(job.status):
        raise cannot_stop
    stopped = backend.stop(job) if backend is not None else None
    if stopped == ENDED:
        raise tk.ValidationError({"id": [tk._(
            "The load ended before it could be stopped: its result stands")]})
    only = tuple(status for status in ACTIVE if backend is None or backend.can_cancel(status))
    # The message names the person as the pages do: their display name.
    user = model.User.get(context.get("user") or "")
    who = user.display_name if user else (context.get("user") or "?")
    if not lifecycle.cancel(session, job.id, Message("Cancelled by {user}", {"user": who}),
                            only=only):
        session.refresh(job)
        raise cannot_stop if job.status in ACTIVE else not_active
    session.refresh(job)
    if backend is not None and stopped == STOPPED:
        backend.after_cancel(job)
    return _for_reader(context, job.dictize())


@validate(schema.bulk_submit)
def datapusher_plus_bulk_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Queue bulk work for CKAN's background workers (sysadmins).

    :param mode: ``not_in_datastore`` (submit every submittable resource whose
        data is not in the DataStore) or ``retry_failed`` (submit again every
        resource whose latest job failed)
    :type mode: string
    :param organization: only this organization's resources (id or name)
    :type organization: string
    :param format: only this format
    :type format: string
    :param q: (``retry_failed``) the dashboard's text filter
    :type q: string
    :param date_from: (``retry_failed``) first day of submission
    :type date_from: string
    :param date_to: (``retry_failed``) last day of submission
    :type date_to: string
    :param cause: (``retry_failed``) only the resources whose latest job
        failed of this cause
    :type cause: string
    :param resume: id of an interrupted task (its worker was killed) to run
        again; the resources it already submitted are not submitted twice
    :type resume: string

    :returns: the task, whose progress ``datapusher_plus_task_list`` shows
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_bulk_submit", context, data_dict)
    csrf.protect(context)
    if data_dict.get("resume"):
        task = model.Session.get(Task, data_dict["resume"])
        if task is None:
            raise tk.ObjectNotFound(tk._("Unknown task"))
        if task.status not in (TASK_RUNNING, TASK_FAILED) or (task.status == TASK_RUNNING
                                                              and not task.interrupted):
            raise tk.ValidationError(
                {"resume": [tk._("Only an interrupted or failed task can be resumed")]})
        task.status, task.updated_at, task.error = TASK_QUEUED, _now(), None
        model.Session.commit()
        tk.enqueue_job(background.run_bulk_task, [task.id],
                       title="DataPusher+ {}".format(task.kind), rq_kwargs={"timeout": 6 * 3600})
        return task.dictize()
    user = model.User.get(context.get("user") or "")
    filters = {key: (value.isoformat() if isinstance(value, datetime.date) else value)
               for key, value in _dashboard_filters(data_dict).items()
               if key in vocabulary.BULK_FILTERS}
    if data_dict["mode"] == "not_in_datastore":
        filters.pop("cause", None)  # a cause selects failed pushes, which this does not push
    if data_dict["mode"] == "reconcile":
        if filters:
            raise tk.ValidationError({"mode": [tk._(
                "The reconciliation covers the whole portal: it takes no filter")]})
        under_way = model.Session.execute(sa.select(Task).where(
            Task.kind == "reconcile", Task.status.in_(TASK_ACTIVE))).scalars().all()
        if any(not task.interrupted for task in under_way):
            raise tk.ValidationError({"mode": [tk._(
                "A reconciliation is already under way: its progress shows in the "
                "background work")]})
    task = Task(id=str(uuid.uuid4()), kind=data_dict["mode"], status=TASK_QUEUED, filters=filters,
                user_id=user.id if user else None, created_at=_now(), updated_at=_now())
    model.Session.add(task)
    model.Session.commit()
    tk.enqueue_job(background.run_bulk_task, [task.id],
                   title="DataPusher+ {}".format(task.kind), rq_kwargs={"timeout": 6 * 3600})
    return task.dictize()


@tk.side_effect_free
@validate(schema.reconcile)
def datapusher_plus_reconcile(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The resources whose DataStore state disagrees with their last push job
    (sysadmins; ``logic/reconcile.py`` says how each kind is told and put
    right): ``datastore_active`` without a table, a table without it, a
    complete latest job whose table is gone, a table while the latest job
    failed.
    ``datapusher_plus_bulk_submit`` with ``mode`` ``reconcile`` puts them
    right in the background (``ckan datapusherplusapi reconcile`` at once).

    :param limit: how many to list (default 100, at most 1000)
    :type limit: int

    :returns: ``counts`` of each kind (``complete_without_table``,
        ``flag_without_table``, ``table_not_from_last_job``,
        ``table_without_flag``), their ``total``, ``to_fix`` (those the
        bulk task puts right: all but ``table_not_from_last_job``, shown
        only), and ``resources``: the first ``limit``, each with
        ``resource_id``, ``package_id``, ``package_name``,
        ``resource_name``, ``kind``, ``fix`` (``push``, ``mark``,
        ``unmark``, ``none``) and ``latest_status``
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_reconcile", context, data_dict)
    found = reconcile.find(model.Session)
    return {"counts": reconcile.counts(found), "total": len(found),
            "to_fix": sum(1 for item in found if item.fix != reconcile.NONE),
            "resources": [item.dictize() for item in found[:data_dict["limit"]]]}


@tk.side_effect_free
def datapusher_plus_task_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The latest bulk tasks with their progress, newest first (sysadmins).

    :returns: tasks: ``kind``, ``status``, ``total``, ``done``, ``submitted``,
        ``skipped``, ``failed``, ``active`` ...
    :rtype: list of dictionaries
    """
    tk.check_access("datapusher_plus_task_list", context, data_dict)
    return [task.dictize() for task in model.Session.execute(Task.recent()).scalars()]


@tk.side_effect_free
def datapusher_plus_service_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Health of the portal's loader (sysadmins). For the DataPusher+ service:
    ``GET /status``, once, no retries; for ckanext-xloader and DataPusher+ 2.x:
    CKAN's background workers listening to its queue, and the queue's length.

    :returns: ``backend``, ``reachable``, ``url``, ``name``, ``version``,
        ``job_types``, ``stats``, ``response_time_ms``, ``error``,
        ``cancels_work``, ``formats``, ``builtin_formats`` (what the built-in
        JSON/XML loader takes, whatever the back end), ``last_success`` (ISO 8601, the last
        answer or report of the loader, from any CKAN process) and
        ``background`` (CKAN's workers for this extension's own background
        work: ``workers``, ``queued``, ``error``), ``leftover_tables`` (with
        the built-in loader in use: its new tables that no load is writing,
        left by a worker killed after building one; ``ckan datapusherplusapi
        leftovers --drop`` removes them)
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_service_status", context, data_dict)
    backend = backends.current()
    started = time.monotonic()
    result = backend.health()
    result.update(backend=backend.name, label=backend.label, formats=backend.formats(),
                  cancels_work=backend.cancels_work,
                  builtin_formats=backends.builtin_backend().formats(),
                  response_time_ms=round((time.monotonic() - started) * 1000, 1))
    result["background"] = rq.workers_health()
    if result["builtin_formats"]:
        result["leftover_tables"] = table.leftovers()
    return result


@validate(schema.job_refresh)
def datapusher_plus_job_refresh(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Ask the loader about an active job now and record its answer; without
    ``id``, queue that for every active job without news for ``check_after``
    seconds (at most once a minute) (sysadmins).

    :param id: a job's id (optional)
    :type id: string

    :returns: the job, or ``{"queued": true|false}``
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_refresh", context, data_dict)
    csrf.protect(context)
    if not data_dict.get("id"):
        return {"queued": background.queue_stuck_refresh()}
    job = _job_or_404(data_dict["id"])
    watch.check(model.Session, job, at_once=True)
    model.Session.refresh(job)
    return job.dictize()
