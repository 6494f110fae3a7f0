"""Actions of ckanext-datapusherplusapi (CKAN's API and the seed endpoints)."""
from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Action, Context, DataDict

from ckanext.datapusherplusapi import config, helpers, service
from ckanext.datapusherplusapi.logic import errors, identity, schema
from ckanext.datapusherplusapi.model import job as jobs
from ckanext.datapusherplusapi.model.job import Job

log = logging.getLogger(__name__)

HOOK_PATH = "/api/3/action/datapusher_plus_hook"
LOG_MESSAGE_LIMIT = 2000
HISTORY_LIMIT = 1000


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
               user_id: Optional[str]) -> Job:
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
    attempt = session.execute(Job.count_for_resource(resource["id"])).scalar() + 1
    pkg = model.Package.get(resource["package_id"])
    job = Job(
        resource_id=resource["id"],
        package_id=resource["package_id"],
        organization_id=pkg.owner_org if pkg else None,
        status=jobs.SUBMITTING,
        user_id=user_id,
        force=bool(force),
        attempt=attempt,
        resource_url=resource.get("url"),
        resource_format=fmt,
        submitted_at=now,
        updated_at=now,
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
    session.execute(sa.update(Job).where(Job.id == job.id).values(**values)
                    .execution_options(synchronize_session=False))
    session.execute(
        sa.update(Job).where(Job.id == job.id, Job.status == jobs.SUBMITTING)
        .values(status=jobs.SUBMITTED).execution_options(synchronize_session=False))
    session.commit()
    return session.execute(sa.select(Job.status).where(Job.id == job.id)).scalar()


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
    tk.check_access("datapusher_plus_submit", context, data_dict)
    resource = tk.get_action("resource_show")(
        {"ignore_auth": True}, {"id": data_dict["resource_id"]})
    _check_package(resource, data_dict.get("package_id"))
    fmt = _check_submittable(resource)

    session = model.Session
    user = model.User.get(context.get("user") or "") if context.get("user") else None
    job = _start_job(session, resource, fmt, data_dict["force"], user.id if user else None)
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
    tk.check_access("datapusher_plus_status", context, data_dict)
    resource = tk.get_action("resource_show")(
        {"ignore_auth": True}, {"id": data_dict["resource_id"]})
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
    now = _now()
    logs = _parse_logs(data_dict.get("logs"))
    if logs:
        job.logs = logs
    if data["status"] in ("complete", "error"):
        job.status = jobs.COMPLETE if data["status"] == "complete" else jobs.ERROR
        job.finished_at = now
        if job.started_at is None:
            job.started_at = job.submitted_at
        if job.status == jobs.ERROR:
            raw_error = data_dict.get("error")
            job.error = _error_message(raw_error) or tk._("The service reported an error")
            job.error_type = "service_job_error"
            job.error_detail = raw_error if isinstance(raw_error, dict) else None
    elif data["status"] == "running" and job.status != jobs.RUNNING:
        job.status = jobs.RUNNING
        job.started_at = job.started_at or now
    job.updated_at = now
    session.commit()
    return dict(result, status=job.status, changed=True)


@tk.chained_action
def datastore_create(next_action: Action, context: Context,
                     data_dict: DataDict) -> Any:
    """Mark the resource's submitted job ``running`` when the service starts
    writing the DataStore, then create as core does."""
    resource_id = data_dict.get("resource_id")
    if resource_id and identity.is_service_user(context.get("user")):
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
    tk.check_access("datapusher_plus_job_history", context, data_dict)
    resource = tk.get_action("resource_show")(
        {"ignore_auth": True}, {"id": data_dict["resource_id"]})
    rows = model.Session.execute(
        sa.select(Job, model.User.name, model.User.fullname)
        .outerjoin(model.User, model.User.id == Job.user_id)
        .where(Job.resource_id == resource["id"])
        .order_by(Job.submitted_at.desc())
        .limit(min(data_dict["limit"], HISTORY_LIMIT))).all()
    history = []
    for job, name, fullname in rows:
        item = job.dictize()
        item.pop("error_detail", None)
        item.pop("user_id", None)
        item["submitted_by"] = ({"name": name, "display_name": fullname or name}
                                if name else None)
        history.append(item)
    return history
