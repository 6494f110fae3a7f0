"""Chained actions: how this extension hears of what the DataStore and the
in-process loaders do.

- ``datastore_create`` (back end ``service``): the service's first write marks
  its job ``running``.
- ``datastore_delete`` of a whole table (no filters): the resource's views that
  need the DataStore go with the data, and the resource is no longer
  ``datastore_active``.
- ``xloader_submit`` / ``datapusher_submit``: a load the loader started itself
  (its own auto-submit, its "Upload to DataStore" button, its command) is
  recorded as a job started by the loader, so the history and the dashboard
  show every load.
- ``xloader_hook`` / ``datapusher_hook``: each change of state the loader's
  background job reports (queued again, running, complete, error) is recorded
  on the resource's active job; a report of a load whose job is already
  recorded and ended (cancelled, superseded) is ignored.

``plugin._actions`` offers each chain only while the plugin under it is
loaded, and each does its work only while that loader is the configured back
end; otherwise it only calls the action it chains.  Our part never makes the
loader's action fail (``_ours``): the loader's answer goes through, and what
went wrong is logged and noted on the resource's active job.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import datapreview
from ckan.types import Action, Context, DataDict

from ckanext.datapusherplusapi import backends, config, lifecycle
from ckanext.datapusherplusapi.backends.base import remember_contact
from ckanext.datapusherplusapi.backends.plugin_loader import (
    STATES,
    SUBMITTING_JOB,
    PluginLoader,
    task_job_id,
)
from ckanext.datapusherplusapi.lifecycle import News
from ckanext.datapusherplusapi.logic import identity
from ckanext.datapusherplusapi.logic.formats import resource_format
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import ACTIVE, COMPLETE, ERROR, Job

log = logging.getLogger(__name__)


@tk.chained_action
def datastore_create(next_action: Action, context: Context,
                     data_dict: DataDict) -> Any:
    """Mark the resource's submitted job ``running`` when the service starts
    writing the DataStore, then create as core does."""
    resource_id = data_dict.get("resource_id")
    if resource_id and config.backend() == "service":
        _ours("service", "the service's first write", resource_id, model.Session, lambda: (
            identity.is_service_user(context.get("user"), cached=True)
            and lifecycle.running_for_resource(model.Session, resource_id, "service")))
    return next_action(context, data_dict)


@tk.chained_action
def datastore_delete(next_action: Action, context: Context,
                     data_dict: DataDict) -> Any:
    """Delete as core does; a whole table deleted takes the resource's views
    that need the DataStore with it (their preview would be empty), and the
    resource is no longer ``datastore_active``."""
    whole = data_dict.get("filters") is None
    result = next_action(context, data_dict)
    resource_id = data_dict.get("resource_id") or data_dict.get("id")
    if whole and isinstance(resource_id, str):
        _ours(config.backend(), "the deletion of the DataStore table", resource_id,
              model.Session, lambda: _table_deleted(resource_id))
    return result


def _table_deleted(resource_id: str) -> None:
    """The resource's DataStore table is gone: so are its views that read it,
    and its ``datastore_active`` flag.  A load that replaces the table (the
    resource has an active job) keeps them: it makes them again when it ends,
    and a view configured by hand stays as it was."""
    resource = model.Session.get(model.Resource, resource_id)
    if resource is None or resource.state != "active" or model.Session.execute(
            Job.active_for_resource(resource_id)).first():
        return
    context = {"ignore_auth": True, "user": "", "model": model, "session": model.Session}
    for view in tk.get_action("resource_view_list")(dict(context), {"id": resource_id}):
        plugin = datapreview.get_view_plugin(view["view_type"])
        if plugin is not None and plugin.info().get("requires_datastore"):
            tk.get_action("resource_view_delete")(dict(context), {"id": view["id"]})
    model.Session.refresh(resource)
    if tk.asbool((resource.extras or {}).get("datastore_active")):
        # core clears the flag only when it is the JSON true
        tk.get_action("resource_patch")(dict(context), {"id": resource_id,
                                                        "datastore_active": False})


def _submit_chain(name: str, action: str) -> Action:
    @tk.chained_action
    def chained(next_action: Action, context: Context, data_dict: DataDict) -> Any:
        taken = next_action(context, data_dict)
        if taken and SUBMITTING_JOB not in context:
            resource_id = data_dict.get("resource_id") or data_dict.get("id")
            # (in a session of its own, which it closes: the request's may be
            # in the middle of saving the resource, and is left alone)
            _ours(name, "a load {} started".format(name), resource_id, None,
                  lambda: _started_by_loader(name, resource_id, context.get("user")))
        return taken
    chained.__name__ = chained.__qualname__ = action
    chained.__doc__ = "{}, then: a load the loader started itself is recorded.".format(action)
    return chained


def _hook_chain(name: str, action: str) -> Action:
    @tk.chained_action
    def chained(next_action: Action, context: Context, data_dict: DataDict) -> Any:
        result = next_action(context, data_dict)
        metadata = data_dict.get("metadata")
        resource_id = metadata.get("resource_id") if isinstance(metadata, dict) else None
        _ours(name, "{}'s report ({})".format(name, data_dict.get("status")), resource_id,
              model.Session, lambda: _loader_reported(name, data_dict))
        return result
    chained.__name__ = chained.__qualname__ = action
    chained.__doc__ = "{} (the loader's job reporting), then: the report is recorded.".format(
        action)
    return chained


xloader_submit = _submit_chain("xloader", "xloader_submit")
xloader_hook = _hook_chain("xloader", "xloader_hook")
datapusher_submit = _submit_chain("datapusher_plus", "datapusher_submit")
datapusher_hook = _hook_chain("datapusher_plus", "datapusher_hook")


def _ours(loader: str, what: str, resource_id: Any, session: Any,
          work: Callable[[], Any]) -> None:
    """Do this extension's part of a loader's action (``work``, writing with
    ``session``, which is rolled back if it fails).  An error of ours never
    fails the loader's action: it is logged, and noted in the log of the
    resource's active job of that loader (which the silent-job check will ask
    the loader about, so the job still ends as the load did)."""
    try:
        work()
    except Exception as e:
        log.exception("DataPusher+: could not record %s of resource %s", what, resource_id)
        if session is not None:
            session.rollback()
        if not isinstance(resource_id, str):
            return
        own = model.meta.create_local_session()
        try:
            lifecycle.note_problem(own, resource_id, loader, "DataPusher+ could not record "
                                   "{}: {}".format(what, type(e).__name__))
        except Exception:  # the database itself may be what failed
            log.exception("DataPusher+: could not note that on resource %s's job", resource_id)
        finally:
            own.close()


def _loader(name: str) -> Optional[PluginLoader]:
    backend = backends.current()
    return backend if backend.name == name and isinstance(backend, PluginLoader) else None


def _record_loader_job(session: Any, backend: PluginLoader, resource_id: str,
                       user: Optional[str]) -> Optional[Job]:
    """A job for a load the loader started itself (None when the resource
    already has an active job: that job is this load's record)."""
    # The loader may be called while CKAN saves the resource (before the
    # commit): read what is already in the request's session, without flushing.
    with model.Session.no_autoflush:
        resource = model.Session.get(model.Resource, resource_id)
        if resource is None:
            return None
        package = resource.package
        values = {"id": resource.id, "package_id": resource.package_id, "url": resource.url,
                  "format": resource.format, "mimetype": resource.mimetype}
        user_obj = model.User.get(user) if user else None
        organization_id = package.owner_org if package is not None else None
    try:
        job = lifecycle.start(session, values, resource_format(values),
                              force=False, user_id=user_obj.id if user_obj else None,
                              organization_id=organization_id, backend=backend.name,
                              origin=lifecycle.LOADER)
    except lifecycle.AlreadyActive:
        return None
    try:
        lifecycle.accepted(session, job, task_job_id(backend.task(resource_id, session)))
    except Exception:  # never a row left "submitting"
        session.rollback()
        lifecycle.fail(session, job.id, "internal_error",
                       Message("Internal error while recording the loader's job"))
        raise
    return job


def _started_by_loader(name: str, resource_id: Any, user: Optional[str]) -> None:
    backend = _loader(name)
    if backend is None or not resource_id:
        return
    # A session of its own: the request's may be in the middle of saving.
    session = model.meta.create_local_session()
    try:
        _record_loader_job(session, backend, resource_id, user)
    finally:
        session.close()


def _loader_reported(name: str, data_dict: DataDict) -> None:
    backend = _loader(name)
    metadata = data_dict.get("metadata")
    state = data_dict.get("status")
    if backend is None or not isinstance(metadata, dict) or state not in STATES:
        return
    resource_id = str(metadata.get("resource_id") or "")
    remember_contact()
    session = model.Session
    job = session.execute(Job.active_for_resource(resource_id)
                          .where(Job.backend == backend.name)).scalars().first()
    status = STATES[state]
    loader_job_id = task_job_id(backend.task(resource_id, session))
    # With no active job, a report of a load whose job is recorded and ended
    # (cancelled, superseded) is late: it starts no new job. (With an active
    # job the report is its: the loader's task may still name the previous
    # load while the new one starts.)
    if job is None and loader_job_id and session.execute(
            sa.select(Job.id).where(Job.service_job_id == loader_job_id,
                                    Job.status.notin_(ACTIVE))).first():
        return
    if job is None:
        if status in (COMPLETE, ERROR):
            return  # the late result of a job cancelled or superseded here
        job = _record_loader_job(session, backend, resource_id, None)
        if job is None:
            return
    news = News(status)
    if status in (COMPLETE, ERROR):
        news = backend.news_from_report(backend.loader_report(resource_id), state)
        if status == ERROR and data_dict.get("error"):
            news.error = lifecycle.error_text(data_dict["error"])
    lifecycle.report(session, job.id, news, views=False)
