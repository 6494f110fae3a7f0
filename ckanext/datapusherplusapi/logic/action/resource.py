"""Actions on one resource: the specification's submit and status, the
publisher's history, and the service's completion callback."""
from __future__ import annotations

import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan import authz
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.datapusherplusapi import backends, lifecycle
from ckanext.datapusherplusapi.backends import service
from ckanext.datapusherplusapi.backends.base import remember_contact
from ckanext.datapusherplusapi.logic import errors, resources, schema, status, submission
from ckanext.datapusherplusapi.logic.formats import resource_format
from ckanext.datapusherplusapi.model.job import LIST_LIMIT, Job

log = logging.getLogger(__name__)



@validate(schema.submit)
def datapusher_plus_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a resource's file to the portal's loader (the DataPusher+ service,
    ckanext-xloader or DataPusher+ 2.x, as ``ckanext.datapusher_plus.backend``
    says), which loads it into the DataStore.

    Every submission is recorded (see ``datapusher_plus_status``), including
    the ones the loader refuses or cannot take.

    :param resource_id: id of the resource to push
    :type resource_id: string
    :param package_id: id or name of the resource's dataset (optional; when
        given it must be the resource's dataset)
    :type package_id: string
    :param force: submit even if a job for the resource is already pending or
        running (that job is then marked ``cancelled``); also makes the loader
        reload an unchanged file. Default: ``False``
    :type force: bool

    :returns: ``message``, ``job_id``, ``resource_id`` and ``status`` of the job
    :rtype: dictionary
    """
    return submission.submit(context, data_dict)


@tk.side_effect_free
@validate(schema.status)
def datapusher_plus_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The push status of a resource: its latest job, with the loader's log
    lines.

    ``status`` is one of ``not_submitted``, ``submitting``, ``submitted``,
    ``running``, ``complete``, ``error`` or ``cancelled``.  Reading the status
    of a job without news for ``check_after`` seconds asks the loader about it.

    :param resource_id: id of the resource
    :type resource_id: string

    :returns: ``resource_id``, ``status``, ``submitted`` (ISO 8601, UTC),
        ``resource_url``, ``job_id``, ``last_updated``, ``started``,
        ``finished``, ``duration`` (seconds), ``attempt``, ``error``,
        ``error_type``, ``logs`` (list of ``{timestamp, level, message}``),
        ``datastore_active``, ``backend``, ``started_by_loader``,
        ``progress``, ``format``, ``loadable`` (whether this portal loads
        the resource's format) and ``job`` (``{id, url, tab_url}``: this
        extension's record of the latest push). Who may not push the
        resource reads no ``logs``, ``job_id`` nor ``job``, and the error
        without the loader's file paths.
    :rtype: dictionary
    """
    row = status.read(data_dict["resource_id"])  # one query for the resource and its job
    # Its auth function reads the row: a public resource needs no other query.
    tk.check_access("datapusher_plus_status", dict(context, **{status.READ_KEY: row}),
                    data_dict)
    result = status.answer(row, latest=False)[0]  # (ObjectNotFound without a row)
    assert row is not None
    fmt = resource_format(status.resource_of(row))
    result["format"] = fmt
    result["loadable"] = bool(fmt) and fmt in backends.submittable_formats()
    publisher = authz.is_sysadmin(context.get("user")) or resources.may_for_polls(
        "datapusher_plus_submit", context, row.r_id)
    if not publisher:
        return status.for_public(result)
    if row.id is not None:
        result["job"] = submission.job_links(row.id, row.r_package_id, row.r_id)
    return result


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
    # Validated after the authorization: who is not the service learns nothing.
    data, errs = tk.navl_validate(
        {key: data_dict.get(key) for key in schema.hook()}, schema.hook(), context)
    if errs:
        raise tk.ValidationError(errs)
    metadata = data["metadata"]
    session = model.Session
    job = session.execute(Job.by_service_job_id(data["job_id"])).scalars().first()
    if job is None:
        raise tk.ObjectNotFound(tk._("Unknown DataPusher+ job"))
    body_resource = str(metadata.get("resource_id") or "")
    if body_resource != job.resource_id:
        log.warning("DataPusher+ callback for job %s names resource %r, not the job's %s",
                    job.id, body_resource[:100], job.resource_id)
        raise errors.CallbackRejected(
            tk._("This callback does not match the job's resource"))
    remember_contact()
    result = {"job_id": data["job_id"], "resource_id": job.resource_id}
    if not lifecycle.may_still_change(job):
        return dict(result, status=job.status, changed=False)
    changed = lifecycle.report(session, job.id, service.news(dict(data_dict, **data)))
    session.refresh(job)
    return dict(result, status=job.status, changed=changed)


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
        ``error_type``, ``backend``, ``started_by_loader`` and
        ``submitted_by`` (``{name, display_name}`` or null)
    :rtype: list of dictionaries
    """
    resource = resources.authorized("datapusher_plus_job_history", context, data_dict)
    rows = model.Session.execute(
        status.attempts(resource.id, min(data_dict["limit"], LIST_LIMIT))).all()
    return [status.history_item(job, name, fullname) for job, name, fullname in rows]
