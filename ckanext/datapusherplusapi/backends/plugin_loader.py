"""Loaders that are CKAN plugins, their loads run by CKAN's background
workers: what ckanext-xloader and DataPusher+ 2.x share.

Both are loaded beside this one.  Each has a submit action that
records the resource's load in CKAN's ``task_status`` table (one row per
resource, under the loader's task type) and queues an RQ job on CKAN's
queues; the job, run by ``ckan jobs worker``, POSTs each change of state to the
loader's hook action on CKAN's API; a status action reads the task and the
loader's own job log.  This extension calls the submit action, learns of every
change through the hook action (chained: ``logic/action/chains.py``), and reads
the task, the loader's log and the RQ job when a job falls silent — a job whose
worker died, or whose hook never arrived, ends in ``error`` instead of staying
pending.
"""
from __future__ import annotations

import importlib.metadata
import json
import logging
from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import causes, lifecycle
from ckanext.datapusherplusapi.backends import rq
from ckanext.datapusherplusapi.backends.base import (
    ENDED,
    NOT_STARTED,
    STOPPED,
    Accepted,
    Backend,
    BackendError,
    last_success,
)
from ckanext.datapusherplusapi.lifecycle import News
from ckanext.datapusherplusapi.messages import Message, Text
from ckanext.datapusherplusapi.model.job import ACTIVE, COMPLETE, ERROR, RUNNING, SUBMITTED, Job

log = logging.getLogger(__name__)

# Set in the context of the submit action when this extension calls it, so
# that its chained version knows the job is already recorded.
SUBMITTING_JOB = "datapusherplusapi_job_id"

# The loader's task states, in this extension's words.
STATES = {"submitting": SUBMITTED, "pending": SUBMITTED, "running": RUNNING,
          "running_but_viewable": RUNNING, "complete": COMPLETE, "error": ERROR}


class PluginLoader(Backend):
    """A loader plugin with submit/hook/status actions, a task_status row per
    resource and RQ jobs (see the module's docstring)."""

    plugin = ""  # the loader's plugin name, as in ckan.plugins
    distribution = ""  # its PyPI name (for its version)
    submit_action = ""
    status_action = ""
    task_type = ""
    creates_views = True  # both make the default views in their hook
    cancels_work = True  # queued: taken off the queue; running: its worker stops it
    submits_itself = True  # both push their formats when a resource is created or its file changes

    def queue_names(self) -> list[str]:
        return ["default"]

    def queue_of(self, package_id: Optional[str]) -> Optional[str]:
        return self.queue_names()[0]

    def check_config(self) -> list[str]:
        # Listed is enough: CKAN 2.10 configures each plugin as it loads it, so
        # a loader listed after this plugin is not loaded yet (compat.py).
        if not (p.plugin_loaded(self.plugin)
                or self.plugin in tk.aslist(tk.config.get("ckan.plugins", ""))):
            return ["ckanext.datapusher_plus.backend = {}: {}".format(
                self.name, tk._("the {plugin} plugin must be loaded (ckan.plugins)")
                .format(plugin=self.plugin))]
        return []

    # ------------------------------------------------------------ submit ---
    def submit(self, job: Job, resource: dict[str, Any], force: bool,
               user: Optional[str]) -> Accepted:
        context = {"ignore_auth": True, "user": user or "", "model": model,
                   "session": model.Session, SUBMITTING_JOB: job.id}
        try:
            taken = tk.get_action(self.submit_action)(
                context, {"resource_id": resource["id"], "ignore_hash": bool(force)})
        except tk.ValidationError as e:
            raise BackendError("refused", _flatten(e.error_dict))
        except Exception as e:  # a loader that fails on its own settings
            log.exception("DataPusher+: %s refused resource %s", self.submit_action,
                          resource["id"])
            raise BackendError("refused", str(e)[:500] or type(e).__name__)
        task = self.task(resource["id"])
        job_id = task_job_id(task)
        if taken:
            return Accepted(job_id)
        # Not taken: the loader skips a resource whose load is already queued
        # (that load reads the file when it runs: it is this job's load).
        if task is not None and task.state in ("pending", "submitting") and (
                rq.state(job_id) in ("queued", "deferred", "scheduled")):
            return Accepted(job_id)
        raise BackendError("refused", tk._(
            "{loader} did not take the job (a plugin refused it, or the job queue "
            "is unreachable)").format(loader=self.label))

    # -------------------------------------------------------------- poll ---
    def task(self, resource_id: str, session: Any = None) -> Optional[model.TaskStatus]:
        """The loader's task_status row of the resource."""
        # populate_existing: the loader writes it through sessions of its own.
        return (session or model.Session).query(model.TaskStatus).populate_existing().filter_by(
            entity_id=resource_id, task_type=self.task_type, key=self.task_type).first()

    def loader_report(self, resource_id: str) -> dict[str, Any]:
        """The loader's status action: its state, error and log lines."""
        try:
            return tk.get_action(self.status_action)(
                {"ignore_auth": True, "user": ""}, {"resource_id": resource_id})
        except tk.ObjectNotFound:
            return {}

    def news_from_report(self, report: dict[str, Any], state: Optional[str] = None) -> News:
        """News from the status action's answer (and the state the loader's
        hook announced, when it comes from the hook)."""
        info = report.get("task_info") or {}
        logs = lifecycle.clean_logs(info.get("logs")) or None
        status = STATES.get(state or report.get("status") or "", SUBMITTED)
        if status == ERROR:
            return News(ERROR, error=self.error_of(report), logs=logs)
        return News(status, logs=logs)

    def error_of(self, report: dict[str, Any]) -> Text:
        """The loader's own message for a failed load."""
        info = report.get("task_info") or {}
        for raw in (report.get("error"), info.get("error")):
            if isinstance(raw, str):
                try:
                    raw = json.loads(raw)
                except ValueError:
                    pass
            text = lifecycle.error_text(raw)
            if text and text != "{}":
                return text
        return Message("{loader} reported an error", {"loader": self.label})

    def poll(self, job: Job) -> Optional[News]:
        task = self.task(job.resource_id)
        if task is None:
            return News("lost", error=Message("{loader} has no record of this load",
                                              {"loader": self.label}))
        report = self.loader_report(job.resource_id)
        news = self.news_from_report(report, task.state)
        if news.status in (COMPLETE, ERROR):
            return news
        # The loader's task says the load is on: is its RQ job?
        info = report.get("task_info") or {}
        if info.get("status") in ("complete", "error"):
            # The job ended but its hook never reached CKAN: its own record says how.
            return self.news_from_report(report, info["status"])
        return rq.news(self.label, task_job_id(task), news.logs) or news

    # ------------------------------------------------------------ cancel ---
    def can_cancel(self, status: str) -> bool:
        return status in ACTIVE

    def stop(self, job: Job) -> str:
        """A queued load is taken off the queue; a running one is stopped by
        its worker (RQ's stop-job command kills the work-horse), waited for."""
        if job.status not in ACTIVE:
            return ENDED
        was = rq.state(job.service_job_id)
        final = rq.stop(job.service_job_id)
        if final == "finished":
            return ENDED
        return STOPPED if was == "started" else NOT_STARTED

    def after_cancel(self, job: Job) -> None:
        """The stopped load may have written part of the table: the table goes
        (and with it the resource's DataStore views and ``datastore_active``)."""
        try:
            tk.get_action("datastore_delete")(
                {"ignore_auth": True, "user": "", "model": model, "session": model.Session},
                {"resource_id": job.resource_id, "force": True})
        except tk.ObjectNotFound:
            pass  # the load had not created it

    # ------------------------------------------------------------ health ---
    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = {"url": None, "reachable": False, "name": self.label,
                                  "version": _version(self.distribution), "job_types": [],
                                  "stats": {}, "error": None}
        try:
            workers, queued = rq.queue_figures(list(self.queue_names()))
            result["stats"] = {"workers": workers, "queued": queued}
            result["job_types"] = self.queue_names()
            result["reachable"] = bool(workers)
            if not workers:
                result["error"] = tk._("no background worker is listening to its queue "
                                       "(start one: {command})").format(
                    command=causes.worker_command(*self.queue_names()))
        except Exception as e:  # Redis down
            result["error"] = tk._("the job queue is unreachable: {error}").format(
                error=type(e).__name__)
        problem = self.runtime_problem()
        if problem:
            result["reachable"] = False
            result["error"] = problem
        result["last_success"] = last_success()
        return result

    def runtime_problem(self) -> Optional[str]:
        """Something that makes every load fail (for the dashboard)."""
        return None


def _flatten(error_dict: dict[str, Any]) -> str:
    return "; ".join("{}: {}".format(key, "; ".join(map(str, value))
                                     if isinstance(value, (list, tuple)) else value)
                     for key, value in error_dict.items())[:500]


def task_job_id(task: Optional[model.TaskStatus]) -> Optional[str]:
    """The RQ job id a loader's task holds, as text (a loader may write a
    number there)."""
    try:
        job_id = json.loads(task.value or "{}").get("job_id") if task is not None else None
    except (ValueError, AttributeError):
        return None
    return str(job_id) if isinstance(job_id, (str, int)) and job_id != "" else None


def _version(distribution: str) -> Optional[str]:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
