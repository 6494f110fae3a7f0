"""Template helpers (``h.datapusherplusapi_*``): what a page asks of the
extension.

Only template helpers live here.  The words, numbers, list URLs and chart
they show are made in ``presentation/`` (by topic) and handed on under their
helper names in ``__all__``, which is what CKAN registers.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import backends, compat, config, vocabulary
from ckanext.datapusherplusapi.logic.formats import resource_format
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.presentation import chart, listing, numbers, words

__all__ = [
    "datapusherplusapi_formats", "datapusherplusapi_resource_format",
    "datapusherplusapi_loadable", "datapusherplusapi_status", "datapusherplusapi_can_push",
    "datapusherplusapi_is_active", "datapusherplusapi_is_stuck", "datapusherplusapi_vocabulary",
    "datapusherplusapi_backend_label", "datapusherplusapi_poll_interval",
    "datapusherplusapi_core_has_htmx", "datapusherplusapi_secondary_button",
    "datapusherplusapi_stuck_after",
    "datapusherplusapi_settings", "datapusherplusapi_can_cancel",
    # presentation/words.py
    "datapusherplusapi_status_label", "datapusherplusapi_filter_label",
    "datapusherplusapi_status_class", "datapusherplusapi_error_text",
    "datapusherplusapi_task_status_label", "datapusherplusapi_queue_text",
    "datapusherplusapi_task_scope", "datapusherplusapi_plain",
    "datapusherplusapi_next_step", "datapusherplusapi_shown_status",
    "datapusherplusapi_disagreement_text", "datapusherplusapi_fix_text",
    "datapusherplusapi_cause_choices", "datapusherplusapi_cause_title",
    "datapusherplusapi_cause_for_publishers",
    # presentation/numbers.py
    "datapusherplusapi_duration", "datapusherplusapi_percent", "datapusherplusapi_progress_text",
    "datapusherplusapi_datetime",
    # presentation/listing.py
    "datapusherplusapi_jobs_url", "datapusherplusapi_sort_url", "datapusherplusapi_sort_columns",
    "datapusherplusapi_job_action_url", "datapusherplusapi_pager", "datapusherplusapi_last_page",
    # presentation/chart.py
    "datapusherplusapi_chart",
]


def datapusherplusapi_formats() -> list[str]:
    """The formats that may be submitted (what the portal's loader loads and
    the built-in JSON/XML loader's, narrowed by ``formats``), upper-cased."""
    return backends.submittable_formats()


def datapusherplusapi_can_cancel(job: Any) -> bool:
    """Whether Cancel may be offered for ``job`` (a job dict, or a row with
    ``status`` and ``backend``): an active job whose loader can stop it, or
    that its loader has not started (the DataPusher service cannot stop a
    running load)."""
    def read(key: str) -> Any:
        return job.get(key) if isinstance(job, dict) else getattr(job, key, None)
    return backends.can_cancel(read("backend"), read("status"))


def datapusherplusapi_resource_format(resource: dict[str, Any]) -> str:
    """The resource's format as the submit path reads it (``logic/formats.py``)."""
    return resource_format(resource)


def datapusherplusapi_loadable(resource: dict[str, Any]) -> bool:
    """Whether a back end loads this resource's format (its push button is
    offered only then)."""
    return resource_format(resource) in backends.submittable_formats()


def datapusherplusapi_status(resource_id: str) -> Optional[dict[str, Any]]:
    """The resource's DataPusher+ status for the current user, or None when
    they may not see it."""
    try:
        return tk.get_action("datapusher_plus_status")({}, {"resource_id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


def datapusherplusapi_can_push(resource_id: str) -> bool:
    """Whether the current user may push this resource (as ``resource_update``).

    Asked twice by the resource page (button, live region): answered once per
    request."""
    answers = tk.g.setdefault("datapusherplusapi_can_push", {})
    if resource_id not in answers:
        try:
            answers[resource_id] = bool(tk.check_access(
                "datapusher_plus_submit", {}, {"resource_id": resource_id}))
        except (tk.NotAuthorized, tk.ObjectNotFound):
            answers[resource_id] = False
    return answers[resource_id]


def datapusherplusapi_is_active(status: str) -> bool:
    """Whether a job in this status may still change."""
    return status in job_model.ACTIVE


def datapusherplusapi_is_stuck(status: dict[str, Any]) -> bool:
    """Whether an active job has gone on longer than ``stuck_after`` minutes."""
    submitted = status.get("submitted")
    return vocabulary.is_stuck(
        status.get("status") or "",
        datetime.datetime.fromisoformat(submitted) if submitted else None,
        datetime.datetime.utcnow() - datetime.timedelta(minutes=config.stuck_after()))


def datapusherplusapi_vocabulary() -> Any:
    """The extension's words (statuses, filters, sorts), for the templates."""
    return vocabulary


def datapusherplusapi_backend_label(name: Optional[str]) -> str:
    """A back end's loader, for people ("ckanext-xloader")."""
    return backends.get(name or "service").label


def datapusherplusapi_poll_interval() -> int:
    """Seconds between two live-status refreshes."""
    return config.poll_interval()


def datapusherplusapi_core_has_htmx() -> bool:
    """Whether CKAN's own pages load htmx (CKAN 2.11 and later do)."""
    return compat.core_has_htmx()


def datapusherplusapi_secondary_button() -> str:
    """The class of a secondary button, as CKAN's own theme names it."""
    return compat.secondary_button()


def datapusherplusapi_stuck_after() -> int:
    """Minutes after which an active job is shown as stuck."""
    return config.stuck_after()


def datapusherplusapi_settings() -> list[tuple[str, str]]:
    """The extension's options with the values in effect (see ``config.effective``)."""
    return config.effective()


datapusherplusapi_status_label = words.status_label
datapusherplusapi_filter_label = words.filter_label
datapusherplusapi_status_class = words.status_class
datapusherplusapi_error_text = words.error_text
datapusherplusapi_task_status_label = words.task_status_label
datapusherplusapi_queue_text = words.queue_text
datapusherplusapi_task_scope = words.task_scope
datapusherplusapi_plain = words.plain
datapusherplusapi_next_step = words.next_step
datapusherplusapi_shown_status = words.shown_status
datapusherplusapi_disagreement_text = words.disagreement_text
datapusherplusapi_fix_text = words.fix_text
datapusherplusapi_cause_choices = words.cause_choices
datapusherplusapi_cause_title = words.cause_title
datapusherplusapi_cause_for_publishers = words.cause_for_publishers
datapusherplusapi_datetime = numbers.datetime_text
datapusherplusapi_duration = numbers.duration
datapusherplusapi_percent = numbers.percent
datapusherplusapi_progress_text = numbers.progress_text
datapusherplusapi_jobs_url = listing.jobs_url
datapusherplusapi_sort_url = listing.sort_url
datapusherplusapi_sort_columns = listing.sort_columns
datapusherplusapi_job_action_url = listing.job_action_url
datapusherplusapi_pager = listing.pager
datapusherplusapi_last_page = listing.last_page
datapusherplusapi_chart = chart.chart


# ckanext-xloader's own "DataStore" tab, button and status label, hidden
# while this extension drives xloader (back end ``xloader``): the resource's
# pages then show one status and one way to push, ours. Chained over
# xloader's helpers of the same names (registered only while xloader is
# loaded: see ``plugin.py``).
@tk.chained_helper
def is_resource_supported_by_xloader(next_helper: Any, res_dict: dict[str, Any],
                                     check_access: bool = True) -> bool:
    if backends.current().name == "xloader":
        return False
    return bool(next_helper(res_dict, check_access))


@tk.chained_helper
def xloader_badge(next_helper: Any, resource: dict[str, Any]) -> Any:
    if backends.current().name == "xloader":
        return ""
    return next_helper(resource)


XLOADER_HELPERS = {"is_resource_supported_by_xloader": is_resource_supported_by_xloader,
                   "xloader_badge": xloader_badge}
