"""Submitting a resource: the checks, the job's record, the hand-over to the
configured back end, and what a refusal answers.

``submit`` is the body of the ``datapusher_plus_submit`` action, which the
JSON API, the pages, the ``ckan`` command, bulk work and auto-submit all call.
Every submission that passes the checks is recorded (``lifecycle.start``) and
ends in a recorded state: ``submitted`` (or later) when the loader took it,
``error`` with the reason when it did not.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.datapusherplusapi import backends, config, lifecycle, probe
from ckanext.datapusherplusapi.backends.base import Backend, BackendError
from ckanext.datapusherplusapi.logic import csrf, errors, resources
from ckanext.datapusherplusapi.logic.formats import resource_format
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import RUNNING

log = logging.getLogger(__name__)


def file_size(resource: dict[str, Any]) -> Optional[int]:
    """The resource's size in bytes: its ``size``, else what its URL's HEAD
    says (uploads excepted: CKAN knows their size), else None."""
    size = resource.get("size")
    try:
        if size is not None and size != "":
            return int(size)
    except (TypeError, ValueError):
        pass
    if resource.get("url_type") == "upload":
        return None  # CKAN knows the size of its uploads; absent means unknown.
    return probe.size(resource.get("url") or "")


def _megabytes(size: int) -> str:
    return "{:.1f}".format(size / config.MEGABYTE)


def check_submittable(resource: dict[str, Any]) -> tuple[str, Backend]:
    """The resource's format and the back end that loads it, if one does and
    the file is not too large; else ``UnsupportedFormat`` or ``FileTooLarge``."""
    fmt = resource_format(resource)
    backend = backends.for_format(fmt)
    if fmt not in backend.formats():
        allowed = backends.submittable_formats()
        raise errors.UnsupportedFormat(
            tk._("Unsupported format {format}: this portal loads {allowed}")
            .format(format=fmt or tk._("(none)"), allowed=", ".join(allowed) or tk._("(none)")))
    size = file_size(resource)
    if size is not None and size > config.max_file_size_bytes():
        raise errors.FileTooLarge(
            tk._("The file is too large: {size} MB, the limit is {limit} MB").format(
                size=_megabytes(size), limit=config.max_file_size()))
    return fmt, backend


def check_package(resource: dict[str, Any], package_id: Optional[str]) -> None:
    """``package_id``, when given, must be the resource's dataset."""
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


def refusal(e: BackendError, backend: Backend) -> errors.SubmitError:
    """The answer to a loader that could not take a job."""
    attempts = config.max_retries() + 1
    if backend.name != "service":
        return errors.ServiceFailed(Message("{loader} did not take the job: {detail}", {
            "loader": backend.label, "detail": str(e.detail)}))
    if e.kind == "timeout":
        return errors.ServiceTimeout(Message(
            "The DataPusher+ service timed out ({timeout} s per try, {attempts} tries)",
            {"timeout": config.timeout(), "attempts": attempts}))
    if e.kind == "unavailable":
        return errors.ServiceFailed(Message(
            "The DataPusher+ service is unreachable ({attempts} tries)", {"attempts": attempts}))
    return errors.ServiceFailed(Message("The DataPusher+ service refused the job: {detail}",
                                        {"detail": str(e.detail)}))


def submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Check, record and hand over one resource (see the module's docstring)."""
    resource_obj = resources.authorized("datapusher_plus_submit", context, data_dict)
    csrf.protect(context)
    resource = resources.dictize(resource_obj)
    check_package(resource, data_dict.get("package_id"))
    fmt, backend = check_submittable(resource)

    session = model.Session
    user = context.get("auth_user_obj") or (
        model.User.get(context["user"]) if context.get("user") else None)
    force = bool(data_dict["force"])
    try:
        job = lifecycle.start(
            session, resource, fmt, force=force, user_id=user.id if user else None,
            organization_id=resource_obj.package.owner_org if resource_obj.package else None,
            backend=backend.name)
    except lifecycle.AlreadyActive as e:
        raise errors.JobAlreadyActive(already_active(e.active))
    job_id = job.id
    try:
        accepted = backend.submit(job, resource, force, user.name if user else None)
        status = lifecycle.accepted(session, job, accepted.loader_job_id, accepted.job_key)
    except BackendError as e:
        failure = refusal(e, backend)
        session.rollback()
        lifecycle.fail(session, job_id, failure.error_type, failure.text,
                       {"kind": e.kind, "detail": e.detail, "status": e.status})
        log.warning("DataPusher+ submission of resource %s to %s failed: %s",
                    resource["id"], backend.name, e.detail)
        raise failure
    except Exception:
        session.rollback()
        lifecycle.fail(session, job_id, "internal_error",
                       Message("Internal error while submitting"))
        raise
    return {
        "message": tk._("File submitted successfully to DataPusher+"),
        "job_id": accepted.loader_job_id or job_id,
        "resource_id": resource["id"],
        "status": status,
        "job": job_links(job_id, resource["package_id"], resource["id"]),
    }


def already_active(active: Optional[Any]) -> str:
    """Why a push is refused while another is active: what that push is doing
    and since when, in the reader's words (no status code in the sentence)."""
    since = active.submitted_at.isoformat(timespec="seconds") if active else "?"
    if active is not None and active.status == RUNNING:
        return tk._("This resource is being loaded into the DataStore (since {since} UTC). "
                    "Wait for the load to end, or push it again with force.").format(since=since)
    return tk._("A push of this resource is waiting for its loader (since {since} UTC). "
                "Wait for it, or push it again with force.").format(since=since)


def job_links(job_id: str, package_id: str, resource_id: str) -> dict[str, str]:
    """This extension's record of a push, for scripts: its ``id`` (what
    ``datapusher_plus_job_retry`` and ``datapusher_plus_job_cancel`` take),
    the job page (``url``, for sysadmins) and the resource's tab (``tab_url``,
    for who may push the resource)."""
    return {
        "id": job_id,
        "url": tk.url_for("datapusherplusapi_admin.job", job_id=job_id, _external=True),
        "tab_url": tk.url_for("datapusherplusapi.resource_tab", id=package_id,
                              resource_id=resource_id, _external=True),
    }
