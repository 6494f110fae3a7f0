"""Work done by CKAN's background workers (RQ): the dashboard's bulk tasks,
auto-submit and the refresh of silent jobs.

A web request only records a task and enqueues it; the worker resolves the
resources, submits them one by one through ``datapusher_plus_submit`` (as the
sysadmin who asked) and records its progress in the task's row.
"""
from __future__ import annotations

import datetime
import logging
import time
from typing import Any, Callable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.datapusherplusapi import backends, config, vocabulary, watch
from ckanext.datapusherplusapi.logic import reconcile
from ckanext.datapusherplusapi.logic.errors import JobAlreadyActive, SubmitError
from ckanext.datapusherplusapi.logic.formats import resource_format
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.model.task import TASK_DONE, TASK_FAILED, TASK_RUNNING, Task

log = logging.getLogger(__name__)

PROGRESS_EVERY = 1.0  # seconds between two progress writes
STUCK_REFRESH_KEY = "{}:datapusherplusapi:stuck_refresh"


def _date(value: Any) -> Any:
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


def _to_retry(filters: dict[str, Any]) -> tuple[sa.sql.Select, sa.sql.Select]:
    """(rows, count) of the resources whose latest job failed, among the
    dashboard's filter."""
    chosen = {key: filters[key] for key in vocabulary.BULK_FILTERS if filters.get(key)}
    chosen.update(status=job_model.ERROR, latest_only=True)
    for key in ("date_from", "date_to"):
        if chosen.get(key):
            chosen[key] = _date(chosen[key])
    return job_model.listing(chosen, datetime.datetime.utcnow())


def count_to_retry(filters: dict[str, Any]) -> int:
    """How many resources a bulk retry with these filters would push again."""
    return int(model.Session.execute(_to_retry(filters)[1]).scalar() or 0)


def _resources_to_retry(filters: dict[str, Any]) -> list[str]:
    """Resources whose latest job failed, among the dashboard's filter."""
    ids = _to_retry(filters)[0].with_only_columns(Job.resource_id).order_by(None)
    return [row[0] for row in model.Session.execute(ids)]


def _resources_not_in_datastore(filters: dict[str, Any]) -> list[str]:
    """Active resources of active datasets, in a submittable format, whose data
    is not in the DataStore and that have no active job."""
    formats = ([filters["format"].upper()] if filters.get("format")
               else backends.submittable_formats())
    res, pkg = model.Resource, model.Package
    stmt = (sa.select(res.id).join(pkg, pkg.id == res.package_id)
            .where(res.state == "active", pkg.state == "active",
                   sa.func.upper(res.format).in_(formats),
                   # datastore_active lives in the resource's JSON extras
                   sa.not_(sa.func.coalesce(sa.cast(res.extras, sa.UnicodeText), "")
                           .like('%"datastore_active": true%')),
                   res.id.notin_(sa.select(Job.resource_id).where(Job.status.in_(job_model.ACTIVE))))
            .order_by(pkg.name, res.position))
    if filters.get("organization"):
        value = filters["organization"]
        stmt = stmt.where(pkg.owner_org.in_(sa.select(model.Group.id).where(
            sa.or_(model.Group.id == value, model.Group.name == value))))
    return [row[0] for row in model.Session.execute(stmt)]


def _save(task: Task, **values: Any) -> None:
    for key, value in values.items():
        setattr(task, key, value)
    task.updated_at = datetime.datetime.utcnow()
    model.Session.commit()


def submit_one(context: dict[str, Any], resource_id: str,
               force: bool = False) -> tuple[str, Optional[str]]:
    """Submit one resource for bulk work, auto-submit and the ``ckan`` command:
    ``("submitted", None)``, ``("skipped", None)`` when a job is already
    active, or ``("failed", why)``; never raises a refusal."""
    try:
        tk.get_action("datapusher_plus_submit")(
            dict(context), {"resource_id": resource_id, "force": force})
    except JobAlreadyActive:
        return "skipped", None
    except SubmitError as e:
        return "failed", e.message
    except (tk.ValidationError, tk.ObjectNotFound, tk.NotAuthorized) as e:
        return "failed", str(getattr(e, "error_dict", None) or e)
    return "submitted", None


Outcome = tuple[str, Optional[str]]


def fix_disagreement(context: dict[str, Any], item: reconcile.Disagreement) -> Outcome:
    """Put one disagreement right (``reconcile``), if it is still so: its
    mark corrected (``submitted``), or the resource pushed again (as
    ``submit_one``); ``skipped`` when it changed meanwhile or is only shown."""
    if item.fix == reconcile.NONE or not reconcile.still(model.Session, item):
        return "skipped", None
    if item.fix == reconcile.PUSH:
        return submit_one(context, item.resource_id, force=True)
    try:
        reconcile.fix_mark(item)
    except Exception as e:  # the resource gone meanwhile, its search index refused...
        model.Session.rollback()
        log.warning("DataPusher+: could not correct the mark of %s: %s", item.resource_id, e)
        return "failed", str(e)[:500] or type(e).__name__
    return "submitted", None


def _reconcile(context: dict[str, Any]) -> tuple[list[str], Callable[[str], Outcome]]:
    """The ``reconcile`` task's resources (those it puts right), and what
    puts each right."""
    found = {item.resource_id: item for item in reconcile.find(model.Session)
             if item.fix != reconcile.NONE}
    return list(found), lambda resource_id: fix_disagreement(context, found[resource_id])


def run_bulk_task(task_id: str) -> None:
    """Run a queued bulk task (``not_in_datastore``, ``retry_failed`` or
    ``reconcile``)."""
    task = model.Session.get(Task, task_id)
    if task is None:
        log.warning("DataPusher+ bulk task %s vanished", task_id)
        return
    try:
        filters = task.filters or {}
        user = model.Session.get(model.User, task.user_id) if task.user_id else None
        context = {"user": user.name if user else "", "auth_user_obj": user,
                   "ignore_auth": user is None}
        fix: Optional[Callable[[str], Outcome]] = None
        if task.kind == "reconcile":
            resource_ids, fix = _reconcile(context)
        else:
            resource_ids = (_resources_to_retry(filters) if task.kind == "retry_failed"
                            else _resources_not_in_datastore(filters))
        _save(task, status=TASK_RUNNING, total=len(resource_ids))
        counts = {"done": 0, "submitted": 0, "skipped": 0, "failed": 0}
        last_write = time.monotonic()
        for resource_id in resource_ids:
            outcome, _why = fix(resource_id) if fix else submit_one(context, resource_id)
            counts[outcome] += 1
            counts["done"] += 1
            if time.monotonic() - last_write >= PROGRESS_EVERY:
                _save(task, **counts)
                last_write = time.monotonic()
        _save(task, status=TASK_DONE, finished_at=datetime.datetime.utcnow(), **counts)
    except Exception as e:  # recorded, then re-raised for RQ's own record
        model.Session.rollback()
        task = model.Session.get(Task, task_id)
        _save(task, status=TASK_FAILED, error=str(e)[:1000], finished_at=datetime.datetime.utcnow())
        raise


def queue_stuck_refresh() -> bool:
    """Enqueue ``refresh_stuck_jobs`` unless one was queued in the last minute."""
    key = STUCK_REFRESH_KEY.format(tk.config.get("ckan.site_id"))
    if not connect_to_redis().set(key, "1", nx=True, ex=60):
        return False
    tk.enqueue_job(refresh_stuck_jobs, [], title="DataPusher+ silent job refresh")
    return True


def refresh_stuck_jobs(limit: int = 200) -> int:
    """Ask the loader about every active job without news for ``check_after``
    seconds (the oldest news first); return how many were asked about."""
    return check_silent_jobs(limit)[0]


def check_silent_jobs(limit: int = 200) -> tuple[int, int]:
    """``refresh_stuck_jobs``'s work: (jobs asked about, jobs whose status
    the answer changed: ended, most often)."""
    silent_since = datetime.datetime.utcnow() - datetime.timedelta(seconds=config.check_after())
    silent = model.Session.execute(
        sa.select(Job).where(Job.status.in_(job_model.ACTIVE), Job.updated_at < silent_since)
        # the running ones first (a queue of pushes waiting for a busy worker
        # must not keep a load whose worker died from being asked about)
        .order_by((Job.status == job_model.RUNNING).desc(), Job.updated_at)
        .limit(limit)).scalars().all()
    changed = sum(1 for job in silent if watch.check(model.Session, job, at_once=True))
    return len(silent), changed


# ------------------------------------------------------------ auto-submit ---
AUTO_SUBMIT_WAIT = 30.0  # seconds a job waits for the change it was queued for


def _acting_user() -> Any:
    """The logged-in user of this request, if any (who saved the resource)."""
    try:
        return tk.current_user.name if tk.current_user.is_authenticated else None
    except (AttributeError, RuntimeError):  # no request: a CLI, a worker
        return None


def queue_auto_submit(resource: dict[str, Any], expected_url: Any = None,
                      user: Any = None) -> bool:
    """Queue ``auto_submit`` when auto-submit is on and the resource's format
    (as the submit path reads it) is one of ``formats``; True when queued.
    A format whose loader pushes it by itself when a resource is saved
    (xloader's, DataPusher+ 2.x's) is left to it: that load is recorded
    (``logic/action/chains.py``), and pushing it again would load it twice.
    Never raises: a save must not fail for it."""
    if not config.auto_submit():
        return False
    fmt = resource_format(resource)
    if fmt not in backends.submittable_formats() or backends.for_format(fmt).submits_itself:
        return False
    resource_id = resource["id"]
    try:
        tk.enqueue_job(auto_submit, [resource_id],
                       {"expected_url": expected_url, "user": user or _acting_user(),
                        "force": expected_url is not None},
                       title="DataPusher+ auto-submit {}".format(resource_id))
    except Exception:  # Redis down: the resource is saved, the push can be done by hand
        log.exception("DataPusher+: could not queue the auto-submission of %s", resource_id)
        return False
    return True


def loader_may_load(resource_id: str) -> bool:
    """Whether the back end's loader may load this resource by itself (its
    own auto-submit, button or command: ckanext-xloader and DataPusher+ 2.x
    ask their plugins first): not when the resource's format goes to the
    built-in loader (``builtin_formats`` may take CSV and TSV from them),
    which loads it, once."""
    # (asked while CKAN saves the resource: what the session holds, unflushed)
    with model.Session.no_autoflush:
        resource = model.Session.get(model.Resource, resource_id)
        if resource is None:
            return True
        values = {"format": resource.format, "url": resource.url,
                  "mimetype": resource.mimetype}
    return backends.for_format(resource_format(values)).name != "builtin"


def auto_submit(resource_id: str, expected_url: Any = None, user: Any = None,
                force: bool = False) -> str:
    """Submit a created or changed resource (background job); returns what
    happened: ``submitted``, ``skipped`` (a job is active, or the resource
    changed again or is gone) or ``failed`` (the job row says why)."""
    deadline = time.monotonic() + AUTO_SUBMIT_WAIT
    while True:  # the change this job was queued for may not be committed yet
        model.Session.remove()
        resource = model.Session.get(model.Resource, resource_id)
        if resource is None or resource.state != "active":
            log.info("DataPusher+ auto-submit: resource %s is gone", resource_id)
            return "skipped"
        if expected_url is None or resource.url == expected_url:
            break
        if time.monotonic() > deadline:
            log.info("DataPusher+ auto-submit: resource %s changed again; its own job submits it",
                     resource_id)
            return "skipped"
        time.sleep(0.5)
    saver = model.User.get(user) if user else None
    if saver is not None and saver.state == "active":
        name = saver.name
    else:  # saved by the site, a script without a user, or a user since removed
        name = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    outcome, why = submit_one({"user": name}, resource_id, force)
    if outcome == "skipped":
        log.info("DataPusher+ auto-submit: resource %s already has an active job", resource_id)
    elif outcome == "failed":
        log.warning("DataPusher+ auto-submit of resource %s failed: %s", resource_id, why)
    return outcome
