"""A job's page, for sysadmins: its Retry leads to the new attempt's page,
which follows that attempt live (the page itself is in ``admin``)."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, make_response

import ckan.plugins.toolkit as tk
from ckan.config.middleware.flask_app import csrf

from ckanext.datapusherplusapi import vocabulary
from ckanext.datapusherplusapi.logic import status
from ckanext.datapusherplusapi.logic.errors import JobAlreadyActive, SubmitError
from ckanext.datapusherplusapi.presentation import words
from ckanext.datapusherplusapi.views.common import (
    action_context,
    flatten,
    handle_errors_as_pages,
    is_htmx,
    render_part,
    sysadmins_only,
)

job_pages = Blueprint("datapusherplusapi_job", __name__,
                      url_prefix="/ckan-admin/datapusher-plus/jobs")
csrf.exempt(job_pages)  # its POSTs are checked by page_csrf, as the dashboard's
handle_errors_as_pages(job_pages)


job_pages.before_request(sysadmins_only)


def already_active(resource_id: str) -> str:
    """Why a push cannot start: another one of the resource is active (its
    status in words)."""
    row = status.read(resource_id)
    return words.already_active(row.status if row is not None and row.status
                                else vocabulary.SUBMITTED)


def _retry(job: dict[str, Any]) -> Optional[str]:
    """Push the job's resource again; what went wrong, or None."""
    try:
        tk.get_action("datapusher_plus_job_retry")(action_context(), {"id": job["id"]})
    except JobAlreadyActive:
        return already_active(job["resource_id"])
    except SubmitError as e:
        return e.message
    except tk.ValidationError as e:
        return flatten(e.error_dict)
    return None


@job_pages.route("/<job_id>/retry/follow", methods=["POST"])
def retry(job_id: str) -> Any:
    """Retry from a job's page: the answer is the new attempt's page (htmx:
    ``HX-Redirect``), which polls while the attempt is pending or running.
    A refusal that recorded no attempt answers on the job's own page."""
    context = action_context()
    shown = tk.get_action("datapusher_plus_job_show")(dict(context), {"id": job_id})
    error = _retry(shown)
    latest = tk.get_action("datapusher_plus_job_history")(
        dict(context), {"resource_id": shown["resource_id"]})
    before = {attempt["id"] for attempt in shown.get("attempts") or []}
    new = next((attempt["id"] for attempt in latest if attempt["id"] not in before), None)
    if new is None:  # refused before any attempt was recorded: said on this page
        if not is_htmx():
            tk.h.flash_error(error or tk._("Nothing was pushed."))
            return tk.redirect_to("datapusherplusapi_admin.job", job_id=job_id)
        return render_part("job_live", {
            "job": shown, "active": shown["status"] in vocabulary.ACTIVE,
            "message": error or tk._("Nothing was pushed."), "message_is_error": True})
    if error:
        tk.h.flash_error(error)
    else:
        tk.h.flash_success(tk._("Pushed again: this page follows the new attempt."))
    url = tk.h.url_for("datapusherplusapi_admin.job", job_id=new)
    if not is_htmx():
        return tk.redirect_to(url)
    response = make_response("", 200)
    response.headers["HX-Redirect"] = url
    return response
