"""The resource's DataPusher+ tab (and the resource page's push button):
publishers see the latest job live, its log and history, and submit."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint

import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.config.middleware.flask_app import csrf

from ckanext.datapusherplusapi.logic import resources, status, validators
from ckanext.datapusherplusapi.logic.errors import SubmitError
from ckanext.datapusherplusapi.views.common import (
    HTMX_STOP_POLLING,
    action_context,
    flatten,
    handle_errors_as_pages,
    is_htmx,
    page_csrf,
    render_part,
)

ui = Blueprint("datapusherplusapi", __name__)
# Every POST of the pages needs CKAN's CSRF token, checked in the view
# (page_csrf), whatever ckan.csrf_protection.ignore_extensions says.
csrf.exempt(ui)
handle_errors_as_pages(ui)

PARTS = ("status", "details", "badge")
LIVE_PARTS = ("status", "badge")  # what polls: the latest job only


def _tab_data(package_id: str, resource_id: str, page: bool = True) -> dict[str, Any]:
    """Everything the tab shows; raises NotAuthorized / ObjectNotFound.

    A fragment (``page=False``) needs no dataset: its links use the URL's own
    dataset reference, which spares every poll a whole ``package_show``; the
    status and badge parts need only the latest attempt (``_live_data``)."""
    context = action_context()
    # The history is for who may push: its authorization is the tab's own.
    history = tk.get_action("datapusher_plus_job_history")(
        dict(context), {"resource_id": resource_id})
    state = tk.get_action("datapusher_plus_status")(dict(context), {"resource_id": resource_id})
    if page:
        pkg_dict = tk.get_action("package_show")(dict(context), {"id": package_id})
        resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
        if resource["package_id"] != pkg_dict["id"]:
            raise tk.ObjectNotFound(tk._("Resource not found"))
    else:
        pkg_dict, resource = {"name": package_id}, {"id": resource_id}
    return {"pkg_dict": pkg_dict, "resource": resource, "status": state,
            "history": history, "latest": history[0] if history else None,
            "error_message": None}


def _live_data(package_id: str, resource_id: str) -> dict[str, Any]:
    """What the status and badge parts show, as they poll: the latest job
    and who submitted it, read in one query, for who may push (a yes is
    remembered a few seconds, see ``resources.check_for_polls``)."""
    resources.check_for_polls("datapusher_plus_job_history", action_context(), resource_id)
    row = status.read(resource_id)
    state, latest = status.answer(row)  # (ObjectNotFound when there is no row)
    resource = status.resource_of(row) if row is not None else {"id": resource_id}
    return {"pkg_dict": {"name": package_id}, "resource": resource,
            "status": state, "history": [latest] if latest else [], "latest": latest,
            "error_message": None}


def _submit_from_page(resource_id: str) -> Optional[str]:
    """Submit (force from the form); the refusal's message, or None."""
    try:
        force = validators.datapusherplusapi_boolean(request.form.get("force") or "false")
    except tk.Invalid:
        force = False
    try:
        tk.get_action("datapusher_plus_submit")(
            action_context(), {"resource_id": resource_id, "force": force})
    except SubmitError as e:
        return e.message
    except tk.ValidationError as e:
        return flatten(e.error_dict)
    return None


def _tab_ids(id: str, resource_id: str) -> None:
    """The URL's dataset and resource references, checked before any lookup."""
    for value in (id, resource_id):
        try:
            validators.datapusherplusapi_id(value)
        except tk.Invalid as e:
            raise tk.ValidationError({"id": [e.error]})


def _tab_part() -> str:
    part = request.values.get("part") or ""
    if part and part not in PARTS:
        raise tk.ValidationError({"part": [tk._("Unknown part")]})
    return part


def _announce(data: dict[str, Any]) -> None:
    """What the browser showed (``seen``): a change is also announced (live region)."""
    current = data["status"]["status"]
    if request.values.get("seen") not in (None, "", current):
        data["announce"] = tk._("DataPusher+: {status}").format(
            status=tk.h.datapusherplusapi_status_label(current))


def _changed(state: dict[str, Any]) -> bool:
    """Whether the job changed since the browser's copy of the part: its
    status (``seen``) or its number of log lines (``lines``, the tab's)."""
    if request.values.get("seen") not in (None, "", state["status"]):
        return True
    lines = request.values.get("lines")
    return lines not in (None, "") and lines != str(len(state.get("logs") or []))


@ui.route("/dataset/<id>/datapusher-plus/<resource_id>", methods=["GET"])
def resource_tab(id: str, resource_id: str) -> Any:
    """The resource's DataPusher+ tab; its parts for htmx (``?part=``)."""
    _tab_ids(id, resource_id)
    part = _tab_part()
    fragment = is_htmx() and bool(part)
    if fragment and part in LIVE_PARTS:
        data = _live_data(id, resource_id)
    else:
        data = _tab_data(id, resource_id, page=not fragment)
    _announce(data)
    if not fragment:
        return tk.render("datapusherplusapi/resource_tab.html", extra_vars=data)
    if part == "details":
        return render_part(part, data)
    if tk.h.datapusherplusapi_is_active(data["status"]["status"]):
        # The log and history part reloads when what the page shows changed
        # (the status, or the number of log lines): they agree at every poll.
        return render_part(part, data, changed=_changed(data["status"]))
    return render_part(part, data, HTMX_STOP_POLLING, changed=True,
                       complete=data["status"]["status"] == "complete")


@ui.route("/dataset/<id>/datapusher-plus/<resource_id>", methods=["POST"])
def resource_tab_submit(id: str, resource_id: str) -> Any:
    """The tab's (or the resource page's) Submit button."""
    _tab_ids(id, resource_id)
    part = _tab_part()
    # Who may not push gets 403/404 before anything else, then CSRF.
    tk.check_access("datapusher_plus_submit", action_context(), {"resource_id": resource_id})
    refused = page_csrf()
    if refused is not None:
        return refused
    error_message = _submit_from_page(resource_id)
    if not is_htmx():
        if error_message:
            tk.h.flash_error(error_message)
        else:
            tk.h.flash_success(tk._("Pushed to the DataStore: follow the push below."))
        return tk.redirect_to("datapusherplusapi.resource_tab", id=id, resource_id=resource_id)
    part = part or "status"
    data = (_live_data(id, resource_id) if part in LIVE_PARTS
            else _tab_data(id, resource_id, page=False))
    _announce(data)
    data["error_message"] = error_message
    return render_part(part, data, changed=True)


@ui.route("/dataset/<id>/datapusher-plus/<resource_id>/delete-data", methods=["POST"])
def resource_tab_delete_data(id: str, resource_id: str) -> Any:
    """The tab's "Delete from DataStore": the resource's DataStore table goes
    (CKAN's ``datastore_delete``, for who may update the resource)."""
    _tab_ids(id, resource_id)
    tk.check_access("datastore_delete", action_context(), {"resource_id": resource_id})
    refused = page_csrf()
    if refused is not None:
        return refused
    error_message, notice = None, tk._("The data of this resource was deleted from the DataStore.")
    row = status.read(resource_id)
    if row is not None and row.r_url_type == "datastore":
        error_message = tk._(
            "This resource's data lives in the DataStore only: it is not deleted here.")
    elif row is not None and tk.h.datapusherplusapi_is_active(row.status or ""):
        error_message = tk._("A push of this resource is pending or running: wait for its end "
                             "(or cancel it) before deleting its data.")
    else:
        try:
            tk.get_action("datastore_delete")(action_context(),
                                              {"resource_id": resource_id, "force": True})
        except tk.ObjectNotFound:
            error_message = tk._("This resource has no data in the DataStore.")
        except tk.ValidationError as e:
            error_message = flatten(e.error_dict)
    if not is_htmx():
        if error_message:
            tk.h.flash_error(error_message)
        else:
            tk.h.flash_success(notice)
        return tk.redirect_to("datapusherplusapi.resource_tab", id=id, resource_id=resource_id)
    data = _live_data(id, resource_id)
    data["error_message"] = error_message
    data["notice"] = None if error_message else notice
    return render_part("status", data, changed=True)
