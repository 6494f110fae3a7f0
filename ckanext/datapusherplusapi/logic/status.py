"""A resource's push status and history entries, built once for the actions
(``datapusher_plus_status``, ``datapusher_plus_job_history``) and for the
tab's live parts, which poll every few seconds and so read everything they
show in one query (``read``, then ``answer``)."""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import backends, lifecycle
from ckanext.datapusherplusapi.logic import resources
from ckanext.datapusherplusapi.model.job import NOT_SUBMITTED, Job

_FROM_JOB = ("submitted", "job_id", "last_updated", "started", "finished", "duration",
             "attempt", "error", "error_type", "started_by_loader")


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


def history_item(job: Job, name: Optional[str], fullname: Optional[str]) -> dict[str, Any]:
    """One attempt as the history shows it (no secrets, who submitted it)."""
    item = job.dictize()
    item.pop("error_detail", None)
    item.pop("user_id", None)
    item["submitted_by"] = {"name": name, "display_name": fullname or name} if name else None
    return item


Row = tuple[Optional[model.Resource], Optional[Job], Optional[str], Optional[str]]


def read(resource_id: str) -> Row:
    """The resource (with its dataset), its latest job and who submitted it,
    in one query: ``(resource or None, job or None, user name, full name)``."""
    newest = (sa.select(Job.id).where(Job.resource_id == model.Resource.id)
              .order_by(Job.submitted_at.desc()).limit(1)
              .correlate(model.Resource).scalar_subquery())
    row = model.Session.execute(
        sa.select(model.Resource, Job, model.User.name, model.User.fullname)
        .outerjoin(Job, Job.id == newest)
        .outerjoin(model.User, model.User.id == Job.user_id)
        .where(model.Resource.id == resource_id)
        .options(sa.orm.joinedload(model.Resource.package))
        .execution_options(populate_existing=True)).first()
    return (row[0], row[1], row[2], row[3]) if row else (None, None, None, None)


def answer(row: Row) -> Latest:
    """(the status, the latest attempt as the history shows it) from ``read``;
    ObjectNotFound unless the resource is active in a dataset not deleted. A
    job without news for ``check_after`` seconds is asked about first."""
    resource_obj, job, name, fullname = row
    if resource_obj is None or not resources.is_active(resource_obj):
        raise tk.ObjectNotFound(tk._("Resource was not found."))
    if job is not None and lifecycle.check(model.Session, job):
        resource_obj = resources.active_resource(resource_obj.id)  # datastore_active may be new
        model.Session.refresh(job)
    return of(resource_obj, job), (history_item(job, name, fullname) if job else None)


def of(resource_obj: model.Resource, job: Optional[Job]) -> dict[str, Any]:
    """The status of a resource whose latest job is ``job`` (or None)."""
    result: dict[str, Any] = {
        "resource_id": resource_obj.id,
        "status": job.status if job else NOT_SUBMITTED,
        "submitted": None,
        "resource_url": _url(resource_obj),
        "job_id": None,
        "last_updated": None,
        "started": None,
        "finished": None,
        "duration": None,
        "attempt": 0,
        "error": None,
        "error_type": None,
        "logs": list(job.logs or []) if job else [],
        "datastore_active": (resource_obj.extras or {}).get("datastore_active") in (
            True, "true", "True"),
        "backend": job.backend if job else backends.current().name,
        "started_by_loader": False,
    }
    if job:
        data = job.dictize()
        for key in _FROM_JOB:
            result[key] = data[key]
    return result


def _url(resource_obj: model.Resource) -> Optional[str]:
    """The resource's URL as ``resource_show`` gives it (an upload's is its
    download URL on this site)."""
    if resource_obj.url_type == "upload":
        return resources.dictize(resource_obj).get("url")
    return resource_obj.url
