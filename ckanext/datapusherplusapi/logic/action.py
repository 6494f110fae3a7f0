"""Actions of ckanext-datapusherplusapi (CKAN's API and the seed endpoints)."""
from __future__ import annotations

import datetime
import logging
import time
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.dictization import model_dictize
from ckan.logic import validate
from ckan.types import Action, Context, DataDict

from ckanext.datapusherplusapi import config, helpers, service
from ckanext.datapusherplusapi.logic import errors, identity, schema
from ckanext.datapusherplusapi.model import counts as job_counts
from ckanext.datapusherplusapi.model import job as jobs
from ckanext.datapusherplusapi.model.job import Job

log = logging.getLogger(__name__)

HOOK_PATH = "/api/3/action/datapusher_plus_hook"
LOG_MESSAGE_LIMIT = 2000
HISTORY_LIMIT = 1000
DURATION_SAMPLE = 1000  # completed jobs behind the dashboard's median and p95


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


def _file_size(resource: dict[str, Any]) -> Optional[int]:
    size = resource.get("size")
    try:
        if size not in (None, ""):
            return int(size)
    except (TypeError, ValueError):
        pass
    url = resource.get("url") or ""
    if resource.get("url_type") == "upload":
        return None  # CKAN knows the size of its uploads; absent means unknown.
    return service.probe_size(url)


def _megabytes(size: int) -> str:
    return "{:.1f}".format(size / config.MEGABYTE)


def _check_submittable(resource: dict[str, Any]) -> str:
    fmt = helpers.datapusherplusapi_resource_format(resource)
    allowed = config.formats()
    if fmt not in allowed:
        raise errors.UnsupportedFormat(
            tk._("Unsupported format {format}: DataPusher+ accepts {allowed}").format(
                format=fmt or tk._("(none)"), allowed=", ".join(allowed)))
    size = _file_size(resource)
    if size is not None and size > config.max_file_size_bytes():
        raise errors.FileTooLarge(
            tk._("The file is too large: {size} MB, the limit is {limit} MB").format(
                size=_megabytes(size), limit=config.max_file_size()))
    return fmt


def _check_package(resource: dict[str, Any], package_id: Optional[str]) -> None:
    if not package_id:
        return
    pkg = model.Package.get(package_id)
    if pkg is None:
        raise errors.PackageMismatch(
            tk._("Unknown package_id {package_id}").format(package_id=package_id))
    if pkg.id != resource["package_id"]:
        raise errors.PackageMismatch(
            tk._("Resource {resource_id} does not belong to package {package_id}").format(
                resource_id=resource["id"], package_id=package_id))


def _payload(job_id: str, resource: dict[str, Any], force: bool) -> dict[str, Any]:
    base = config.callback_url_base()
    return {
        "api_key": config.api_token(),
        "job_type": "push_to_datastore",
        "result_url": base + HOOK_PATH,
        "metadata": {
            "ckan_url": base,
            "resource_id": resource["id"],
            "set_url_type": False,
            "ignore_hash": bool(force),
            "task_created": _now().isoformat(),
            "original_url": resource.get("url"),
        },
    }


def _start_job(session: Any, resource: dict[str, Any], fmt: str, force: bool,
               user_id: Optional[str], organization_id: Optional[str]) -> Job:
    """Write the new job row; the database refuses a second active job."""
    now = _now()
    if force:
        session.execute(
            sa.update(Job)
            .where(Job.resource_id == resource["id"], Job.status.in_(jobs.ACTIVE))
            .values(status=jobs.CANCELLED, finished_at=now, updated_at=now,
                    error_type="superseded",
                    error=tk._("Superseded by a forced resubmission"))
            .execution_options(synchronize_session=False))
    # The new row is the resource's latest; the database refuses it (and so this
    # update, rolled back with it) while another job is active.
    session.execute(
        sa.update(Job).where(Job.resource_id == resource["id"], Job.is_latest.is_(True))
        .values(is_latest=False).execution_options(synchronize_session=False))
    job = Job(
        resource_id=resource["id"],
        package_id=resource["package_id"],
        organization_id=organization_id,
        status=jobs.SUBMITTING,
        user_id=user_id,
        force=bool(force),
        # counted by the INSERT itself: one round trip less
        attempt=Job.count_for_resource(resource["id"]).scalar_subquery() + 1,
        resource_url=resource.get("url"),
        resource_format=fmt,
        submitted_at=now,
        updated_at=now,
        is_latest=True,
    )
    job.service_job_id = job.id = str(uuid.uuid4())
    session.add(job)
    try:
        session.commit()
    except sa_exc.IntegrityError:
        session.rollback()
        active = session.execute(Job.active_for_resource(resource["id"])).scalars().first()
        since = active.submitted_at.isoformat(timespec="seconds") if active else "?"
        raise errors.JobAlreadyActive(
            tk._("A job for this resource is already {status} (since {since} UTC); "
                 "use force to submit again").format(
                status=active.status if active else jobs.SUBMITTED, since=since))
    return job


def _finish_submission(session: Any, job: Job, answer: dict[str, Any]) -> str:
    """Record the service's answer; a callback may have ended the job already."""
    now = _now()
    values: dict[str, Any] = {"updated_at": now}
    if answer.get("job_key"):
        values["job_key"] = answer["job_key"]
    if answer["job_id"] != job.service_job_id:
        values["service_job_id"] = answer["job_id"]
    # One statement: "submitted" unless a callback already moved the job on.
    values["status"] = sa.case((Job.status == jobs.SUBMITTING, jobs.SUBMITTED),
                               else_=Job.status)
    status = session.execute(
        sa.update(Job).where(Job.id == job.id).values(**values).returning(Job.status)
        .execution_options(synchronize_session=False)).scalar()
    session.commit()
    session.expire(job)  # later reads in this request see the row as it is now
    return status


def _fail_submission(session: Any, job_id: str, error_type: str, message: str,
                     detail: Any = None) -> None:
    now = _now()
    session.rollback()
    session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status.in_(jobs.ACTIVE))
        .values(status=jobs.ERROR, error=message, error_type=error_type,
                error_detail=detail, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    session.commit()


def _service_error(e: service.ServiceError) -> errors.SubmitError:
    attempts = config.max_retries() + 1
    if e.kind == "timeout":
        return errors.ServiceTimeout(
            tk._("The DataPusher+ service timed out ({timeout} s per try, {attempts} tries)")
            .format(timeout=config.timeout(), attempts=attempts))
    if e.kind == "unavailable":
        return errors.ServiceFailed(
            tk._("The DataPusher+ service is unreachable ({attempts} tries)")
            .format(attempts=attempts))
    return errors.ServiceFailed(
        tk._("The DataPusher+ service refused the job: {detail}").format(detail=e.detail))


@validate(schema.submit)
def datapusher_plus_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a resource's file to the DataPusher+ service, which loads it into
    the DataStore.

    Every submission is recorded (see ``datapusher_plus_status``), including
    the ones the service refuses or cannot take.

    :param resource_id: id of the resource to push
    :type resource_id: string
    :param package_id: id or name of the resource's dataset (optional; when
        given it must be the resource's dataset)
    :type package_id: string
    :param force: submit even if a job for the resource is already pending or
        running (that job is then marked ``cancelled``); also makes the service
        reload an unchanged file. Default: ``False``
    :type force: bool

    :returns: ``message``, ``job_id``, ``resource_id`` and ``status`` of the job
    :rtype: dictionary
    """
    resource_obj = _authorized_resource("datapusher_plus_submit", context, data_dict)
    resource = _dictize(resource_obj)
    _check_package(resource, data_dict.get("package_id"))
    fmt = _check_submittable(resource)

    session = model.Session
    user = context.get("auth_user_obj") or (
        model.User.get(context["user"]) if context.get("user") else None)
    job = _start_job(session, resource, fmt, data_dict["force"], user.id if user else None,
                     resource_obj.package.owner_org if resource_obj.package else None)
    job_id = job.id
    try:
        answer = service.submit_job(job_id, _payload(job_id, resource, data_dict["force"]))
    except service.ServiceError as e:
        failure = _service_error(e)
        _fail_submission(session, job_id, failure.error_type, failure.message,
                         {"kind": e.kind, "detail": e.detail, "status": e.status})
        log.warning("DataPusher+ submission of resource %s failed: %s",
                    resource["id"], e.detail)
        raise failure
    except Exception:
        _fail_submission(session, job_id, "internal_error",
                         tk._("Internal error while submitting"))
        raise
    status = _finish_submission(session, job, answer)
    return {
        "message": tk._("File submitted successfully to DataPusher+"),
        "job_id": answer["job_id"],
        "resource_id": resource["id"],
        "status": status,
    }


def _resource_obj(resource_id: str) -> model.Resource:
    """An active resource of a dataset that is not deleted, or ObjectNotFound."""
    resource = model.Resource.get(resource_id)
    if resource is None or resource.state != "active" or (
            resource.package is not None and resource.package.state == "deleted"):
        raise tk.ObjectNotFound(tk._("Resource was not found."))
    return resource


def _authorized_resource(action: str, context: Context, data_dict: DataDict) -> model.Resource:
    """``check_access`` for an action on a resource, then the resource (active,
    of a dataset that is not deleted).

    The resource and its dataset are read once and held: CKAN's resource and
    dataset auth functions take them from the context, and the session's
    identity map keeps only what is referenced.
    """
    resource = model.Session.get(model.Resource, data_dict["resource_id"],
                                 options=[sa.orm.joinedload(model.Resource.package)])
    if resource is not None:  # (a reused context may hold another resource)
        context["resource"] = resource
        if resource.package is not None:
            context["package"] = resource.package
    tk.check_access(action, context, data_dict)
    return _resource_obj(data_dict["resource_id"])


def _dictize(resource: model.Resource) -> dict[str, Any]:
    return model_dictize.resource_dictize(resource, {"model": model, "session": model.Session})


def _log_lines(job: Optional[Job]) -> list[dict[str, Any]]:
    return list(job.logs or []) if job else []


@tk.side_effect_free
@validate(schema.status)
def datapusher_plus_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The DataPusher+ status of a resource: its latest job, with the service's
    log lines.

    ``status`` is one of ``not_submitted``, ``submitting``, ``submitted``,
    ``running``, ``complete``, ``error`` or ``cancelled``.

    :param resource_id: id of the resource
    :type resource_id: string

    :returns: ``resource_id``, ``status``, ``submitted`` (ISO 8601, UTC),
        ``resource_url``, ``job_id``, ``last_updated``, ``started``,
        ``finished``, ``duration`` (seconds), ``attempt``, ``error``,
        ``error_type``, ``logs`` (list of ``{timestamp, level, message}``) and
        ``datastore_active``
    :rtype: dictionary
    """
    resource = _dictize(_authorized_resource("datapusher_plus_status", context, data_dict))
    job = model.Session.execute(Job.latest_for_resource(resource["id"])).scalars().first()
    result: dict[str, Any] = {
        "resource_id": resource["id"],
        "status": job.status if job else jobs.NOT_SUBMITTED,
        "submitted": None,
        "resource_url": resource.get("url"),
        "job_id": None,
        "last_updated": None,
        "started": None,
        "finished": None,
        "duration": None,
        "attempt": 0,
        "error": None,
        "error_type": None,
        "logs": _log_lines(job),
        "datastore_active": bool(resource.get("datastore_active")),
    }
    if job:
        data = job.dictize()
        for key in ("submitted", "job_id", "last_updated", "started", "finished",
                    "duration", "attempt", "error", "error_type"):
            result[key] = data[key]
    return result


def _parse_logs(raw: Any) -> list[dict[str, Any]]:
    lines = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        lines.append({
            "timestamp": str(entry.get("timestamp") or "")[:40],
            "level": str(entry.get("level") or "")[:20],
            "message": str(entry.get("message") or "")[:LOG_MESSAGE_LIMIT],
        })
    return lines[-jobs.LOG_LIMIT:]


def _error_message(raw: Any) -> Optional[str]:
    if not raw:
        return None
    if isinstance(raw, dict):
        message = raw.get("message") or raw.get("error") or ""
        return str(message)[:LOG_MESSAGE_LIMIT] or "Unknown error"
    return str(raw)[:LOG_MESSAGE_LIMIT]


def _record_result(job: Job, status: str, raw_error: Any, raw_logs: Any) -> None:
    """Apply what the service says of a job (callback or GET /job/<id>)."""
    now = _now()
    logs = _parse_logs(raw_logs)
    if logs:
        job.logs = logs
    if status in ("complete", "error"):
        job.status = jobs.COMPLETE if status == "complete" else jobs.ERROR
        job.finished_at = now
        if job.started_at is None:
            job.started_at = job.submitted_at
        if job.status == jobs.ERROR:
            job.error = _error_message(raw_error) or tk._("The service reported an error")
            job.error_type = "service_job_error"
            job.error_detail = raw_error if isinstance(raw_error, dict) else None
    elif status == "running" and job.status != jobs.RUNNING:
        job.status = jobs.RUNNING
        job.started_at = job.started_at or now
    job.updated_at = now


def datapusher_plus_hook(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Callback of the DataPusher+ service when a job ends (its ``result_url``).

    Accepted only from the service (authenticated with
    ``ckanext.datapusher_plus.api_token``) for a job this CKAN created, whose
    resource is the one the body names. Idempotent: a job that has ended keeps
    its first result.

    :param job_id: the service's job id
    :type job_id: string
    :param status: ``complete`` or ``error`` (``pending`` updates logs only)
    :type status: string
    :param metadata: the metadata sent with the job (``resource_id`` ...)
    :type metadata: dictionary
    :param error: the service's error (``{"message": ...}``) or null
    :type error: dictionary
    :param logs: the service's log lines
    :type logs: list

    :returns: ``job_id``, ``resource_id``, ``status`` and ``changed`` (false
        when the callback repeated a result already recorded)
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_hook", context, data_dict)
    data, errs = tk.navl_validate(
        {key: data_dict.get(key) for key in ("job_id", "status")}, schema.hook(), context)
    metadata = data_dict.get("metadata")
    if not isinstance(metadata, dict):
        errs["metadata"] = [tk._("Must be a JSON object")]
    if errs:
        raise tk.ValidationError(errs)
    session = model.Session
    job = session.execute(
        Job.by_service_job_id(data["job_id"]).with_for_update()).scalars().first()
    if job is None:
        raise tk.ObjectNotFound(tk._("Unknown DataPusher+ job"))
    body_resource = str(metadata.get("resource_id") or "")
    if body_resource != job.resource_id:
        session.rollback()
        log.warning("DataPusher+ callback for job %s names resource %r, not the job's %s",
                    job.id, body_resource[:100], job.resource_id)
        raise errors.CallbackRejected(
            tk._("This callback does not match the job's resource"))
    result = {"job_id": data["job_id"], "resource_id": job.resource_id}
    if job.status in jobs.TERMINAL:
        session.rollback()
        return dict(result, status=job.status, changed=False)
    _record_result(job, data["status"], data_dict.get("error"), data_dict.get("logs"))
    session.commit()
    return dict(result, status=job.status, changed=True)


@tk.chained_action
def datastore_create(next_action: Action, context: Context,
                     data_dict: DataDict) -> Any:
    """Mark the resource's submitted job ``running`` when the service starts
    writing the DataStore, then create as core does."""
    resource_id = data_dict.get("resource_id")
    if resource_id and identity.is_service_user(context.get("user"), cached=True):
        now = _now()
        model.Session.execute(
            sa.update(Job)
            .where(Job.resource_id == resource_id, Job.status == jobs.SUBMITTED)
            .values(status=jobs.RUNNING, started_at=now, updated_at=now)
            .execution_options(synchronize_session=False))
        model.Session.commit()
    return next_action(context, data_dict)


@tk.side_effect_free
@validate(schema.job_history)
def datapusher_plus_job_history(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Every push attempt of a resource, newest first (for its publishers).

    :param resource_id: id of the resource
    :type resource_id: string
    :param limit: how many attempts at most (default 50, at most 1000)
    :type limit: int

    :returns: the attempts: ``job_id``, ``status``, ``submitted``,
        ``finished``, ``duration``, ``attempt``, ``force``, ``error``,
        ``error_type`` and ``submitted_by`` (``{name, display_name}`` or null)
    :rtype: list of dictionaries
    """
    resource = _authorized_resource("datapusher_plus_job_history", context, data_dict)
    rows = model.Session.execute(
        sa.select(Job, model.User.name, model.User.fullname)
        .outerjoin(model.User, model.User.id == Job.user_id)
        .where(Job.resource_id == resource.id)
        .order_by(Job.submitted_at.desc())
        .limit(min(data_dict["limit"], HISTORY_LIMIT))
        .execution_options(populate_existing=True)).all()
    history = []
    for job, name, fullname in rows:
        item = job.dictize()
        item.pop("error_detail", None)
        item.pop("user_id", None)
        item["submitted_by"] = ({"name": name, "display_name": fullname or name}
                                if name else None)
        history.append(item)
    return history


# ------------------------------------------------------------ dashboard ---
def _stuck_before() -> datetime.datetime:
    return _now() - datetime.timedelta(minutes=config.stuck_after())


def _dashboard_filters(data_dict: DataDict) -> dict[str, Any]:
    keys = ("status", "organization", "format", "date_from", "date_to", "q", "latest_only",
            "sort", "order")
    return {key: data_dict.get(key) for key in keys
            if data_dict.get(key) not in (None, "", False)}


@tk.side_effect_free
@validate(schema.job_list)
def datapusher_plus_job_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Push jobs of the whole portal, filtered, sorted and paged (sysadmins).

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
        ``organization_name``, ``organization_title``, ``user_name``, ``stuck``)
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_list", context, data_dict)
    stuck_before = _stuck_before()
    filters = _dashboard_filters(data_dict)
    rows_stmt, count_stmt = jobs.listing(filters, stuck_before)
    limit = min(data_dict["limit"], HISTORY_LIMIT)
    page = data_dict["page"]
    session = model.Session
    if set(filters) <= {"sort", "order"}:  # every job: the trigger-kept counts
        count = sum(job_counts.totals(session).values())
    else:
        count = session.execute(count_stmt).scalar() or 0
    results = []
    for job, res_name, pkg_name, pkg_title, org_name, org_title, user_name in session.execute(
            rows_stmt.offset((page - 1) * limit).limit(limit)):
        item = job.dictize()
        item.update(resource_name=res_name, dataset_name=pkg_name, dataset_title=pkg_title,
                    organization_name=org_name, organization_title=org_title,
                    user_name=user_name,
                    stuck=job.status in jobs.ACTIVE and job.submitted_at < stuck_before)
        results.append(item)
    return {"count": count, "page": page, "limit": limit, "results": results}


@tk.side_effect_free
def datapusher_plus_stats(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Portal-wide figures of the push jobs (sysadmins).

    :returns: ``counts`` by status (with ``pending`` = submitting + submitted
        and ``stuck``), ``success_rate_24h`` and ``success_rate_7d`` (complete /
        (complete + error) of the jobs submitted in the last 24 hours and 7
        days, to the hour, or null), ``median_duration`` and ``p95_duration``
        (seconds, the latest 1,000 jobs completed in the last 7 days),
        ``per_day`` (30 days of ``{day, status: count}``, by day of
        submission) and ``total``
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_stats", context, data_dict)
    session = model.Session
    now = _now()
    # The counts come from the trigger-kept table (model/counts.py): a few
    # thousand rows at most, whatever the number of jobs.
    if job_counts.compact(session, now):
        session.commit()
    by_status = dict.fromkeys(jobs.STATUSES, 0)
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
        complete, failed = figures.get(jobs.COMPLETE, 0), figures.get(jobs.ERROR, 0)
        rates[key] = round(complete / (complete + failed), 4) if complete + failed else None
    stuck = session.execute(sa.select(sa.func.count(Job.id)).where(
        Job.status.in_(jobs.ACTIVE), Job.submitted_at < _stuck_before())).scalar()
    latest = (sa.select(sa.func.extract("epoch", Job.finished_at - Job.submitted_at)
                        .label("seconds"))
              .where(Job.status == jobs.COMPLETE,
                     Job.finished_at >= now - datetime.timedelta(days=7))
              .order_by(Job.finished_at.desc()).limit(DURATION_SAMPLE).subquery())
    median, p95 = session.execute(sa.select(
        sa.func.percentile_cont(0.5).within_group(latest.c.seconds),
        sa.func.percentile_cont(0.95).within_group(latest.c.seconds))).one()
    counts = dict(by_status, stuck=stuck,
                  pending=by_status[jobs.SUBMITTING] + by_status[jobs.SUBMITTED])
    return {
        "total": sum(by_status.values()), "counts": counts,
        "success_rate_24h": rates["24h"], "success_rate_7d": rates["7d"],
        "median_duration": round(median, 3) if median is not None else None,
        "p95_duration": round(p95, 3) if p95 is not None else None,
        "per_day": [{"day": key, **value} for key, value in sorted(per_day.items())],
    }


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
    before = _now() - datetime.timedelta(days=data_dict["older_than"])
    old = (Job.status.in_(jobs.TERMINAL), Job.submitted_at < before, Job.is_latest.is_(False))
    session = model.Session
    if data_dict["dry_run"]:
        count = session.execute(sa.select(sa.func.count(Job.id)).where(*old)).scalar()
        return {"would_delete": count}
    deleted = session.execute(sa.delete(Job).where(*old)
                              .execution_options(synchronize_session=False)).rowcount
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
    """Submit a job's resource again (sysadmins).

    :param id: the job's id
    :type id: string

    :returns: what ``datapusher_plus_submit`` returns
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_retry", context, data_dict)
    job = _job_or_404(data_dict["id"])
    return tk.get_action("datapusher_plus_submit")(
        {"user": context.get("user")}, {"resource_id": job.resource_id})


@validate(schema.job_id)
def datapusher_plus_job_cancel(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Cancel a pending or running job (sysadmins). A late result from the
    service is then ignored.

    :param id: the job's id
    :type id: string

    :returns: the job
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_cancel", context, data_dict)
    job = _job_or_404(data_dict["id"])
    if job.status not in jobs.ACTIVE:
        raise tk.ValidationError({"id": [tk._("Only a pending or running job can be cancelled")]})
    now = _now()
    job.status = jobs.CANCELLED
    job.error = tk._("Cancelled by {user}").format(user=context.get("user") or "?")
    job.error_type = "cancelled"
    job.finished_at = job.updated_at = now
    model.Session.commit()
    return job.dictize()


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
    :param resume: id of an interrupted task (its worker was killed) to run
        again; the resources it already submitted are not submitted twice
    :type resume: string

    :returns: the task, whose progress ``datapusher_plus_task_list`` shows
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_bulk_submit", context, data_dict)
    from ckanext.datapusherplusapi import jobs as background
    from ckanext.datapusherplusapi.model import Task
    if data_dict.get("resume"):
        task = model.Session.get(Task, data_dict["resume"])
        if task is None:
            raise tk.ObjectNotFound(tk._("Unknown task"))
        if task.status not in ("running", "failed") or (task.status == "running"
                                                       and not task.interrupted):
            raise tk.ValidationError({"resume": [tk._("Only an interrupted or failed task can be resumed")]})
        task.status, task.updated_at, task.error = "queued", _now(), None
        model.Session.commit()
        tk.enqueue_job(background.run_bulk_task, [task.id],
                       title="DataPusher+ {}".format(task.kind), rq_kwargs={"timeout": 6 * 3600})
        return task.dictize()
    if not data_dict.get("mode"):
        raise tk.ValidationError({"mode": [tk._("Missing value")]})
    user = model.User.get(context.get("user") or "")
    filters = {key: (value.isoformat() if isinstance(value, datetime.date) else value)
               for key, value in _dashboard_filters(data_dict).items()
               if key in ("organization", "format", "q", "date_from", "date_to")}
    task = Task(id=str(uuid.uuid4()), kind=data_dict["mode"], status="queued", filters=filters,
                user_id=user.id if user else None, created_at=_now(), updated_at=_now())
    model.Session.add(task)
    model.Session.commit()
    tk.enqueue_job(background.run_bulk_task, [task.id],
                   title="DataPusher+ {}".format(task.kind), rq_kwargs={"timeout": 6 * 3600})
    return task.dictize()


@tk.side_effect_free
def datapusher_plus_task_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The latest bulk tasks with their progress, newest first (sysadmins).

    :returns: tasks: ``kind``, ``status``, ``total``, ``done``, ``submitted``,
        ``skipped``, ``failed``, ``active`` ...
    :rtype: list of dictionaries
    """
    tk.check_access("datapusher_plus_task_list", context, data_dict)
    from ckanext.datapusherplusapi.model import Task
    return [task.dictize() for task in model.Session.execute(Task.recent()).scalars()]


@tk.side_effect_free
def datapusher_plus_service_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Health of the DataPusher+ service: ``GET /status``, once, no retries
    (sysadmins).

    :returns: ``reachable``, ``url``, ``name``, ``version``, ``job_types``,
        ``stats``, ``response_time_ms``, ``error`` and ``last_success`` (ISO 8601,
        the last successful contact with the service, from any CKAN process)
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_service_status", context, data_dict)
    result: dict[str, Any] = {"url": config.service_url(), "reachable": False, "name": None,
                              "version": None, "job_types": [], "stats": {}, "error": None}
    started = time.monotonic()
    try:
        body = service.service_status()
    except service.ServiceError as e:
        result["error"] = e.detail
    else:
        result.update(reachable=True, name=body.get("name"), version=body.get("version"),
                      job_types=body.get("job_types") or [], stats=body.get("stats") or {})
    result["response_time_ms"] = round((time.monotonic() - started) * 1000, 1)
    result["last_success"] = service.last_success()
    return result


@validate(schema.job_refresh)
def datapusher_plus_job_refresh(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Ask the service about a job (``GET /job/<id>``) and record its answer;
    without ``id``, queue that for every stuck job (at most once a minute)
    (sysadmins).

    :param id: a job's id (optional)
    :type id: string

    :returns: the job, or ``{"queued": true|false}``
    :rtype: dictionary
    """
    tk.check_access("datapusher_plus_job_refresh", context, data_dict)
    if not data_dict.get("id"):
        from ckanext.datapusherplusapi import jobs as background
        return {"queued": background.queue_stuck_refresh()}
    job = _job_or_404(data_dict["id"])
    _refresh_from_service(job)
    return job.dictize()


def _refresh_from_service(job: Job) -> None:
    """Record what the service says of an active job (stuck detection)."""
    if job.status not in jobs.ACTIVE or not job.service_job_id:
        return
    try:
        answer = service.job_status(job.service_job_id, job.job_key)
    except service.ServiceError as e:
        if e.status == 404:
            now = _now()
            job.status, job.error_type = jobs.ERROR, "service_lost_job"
            job.error = tk._("The service does not know this job any more")
            job.finished_at = job.updated_at = now
            model.Session.commit()
        return
    _record_result(job, str(answer.get("status") or ""), answer.get("error"), answer.get("logs"))
    model.Session.commit()
