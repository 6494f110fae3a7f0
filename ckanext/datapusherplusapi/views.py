"""Views: the specification's JSON endpoints, thin layers over the actions.

They claim only the specification's versioned URLs::

    POST     /api/3/action/datapusher_plus_submit
    GET      /api/3/action/datapusher_plus_status/<resource_id>
    GET|POST /api/3/action/datapusher_plus_status?resource_id=...

and answer in the specification's shape (``{"success": true, ...fields, "result": {...}}``
or ``{"success": false, "error": "...", "error_type": "..."}``).  Every other
form (``/api/action/<name>``, ``/api/3/action/datapusher_plus_hook``, ...) is
CKAN's own API with CKAN's envelope, which is what ``ckanapi`` speaks.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from typing import Any, Optional
from urllib.parse import parse_qsl

from flask import Blueprint, current_app, jsonify, make_response, stream_with_context
from flask import Response as FlaskResponse
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound

import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.config.middleware.flask_app import csrf
from ckan.types import Response

from ckanext.datapusherplusapi import vocabulary
from ckanext.datapusherplusapi.logic import schema, validators
from ckanext.datapusherplusapi.logic.csrf import CsrfRefused
from ckanext.datapusherplusapi.logic.errors import SubmitError

__all__ = ["api", "ui", "admin"]

log = logging.getLogger(__name__)

api = Blueprint("datapusherplusapi_api", __name__)
ui = Blueprint("datapusherplusapi", __name__)
# CSRF is checked below, in every case where core checks it, whatever
# ckan.csrf_protection.ignore_extensions says: for the API, on
# cookie-authenticated requests; for the pages, on every POST.
csrf.exempt(api)
csrf.exempt(ui)

HTMX_STOP_POLLING = 286  # htmx stops polling on this status


def _error(status: int, error_type: str, message: str) -> Response:
    response = jsonify({"success": False, "error": message, "error_type": error_type})
    response.status_code = status
    return response


def _success(result: dict[str, Any]) -> Response:
    body: dict[str, Any] = {"success": True}
    body.update(result)
    body["result"] = result
    return jsonify(body)


def _flatten(error_dict: dict[str, Any]) -> str:
    parts = []
    for field, messages in error_dict.items():
        if field == "error_type":
            continue
        if isinstance(messages, (list, tuple)):
            messages = "; ".join(str(m) for m in messages)
        parts.append("{}: {}".format(field, messages))
    return "; ".join(parts) or tk._("Invalid parameters")


MAX_BODY = 1024 * 1024  # bytes: a submit or a status request is a few hundred


class BadBody(Exception):
    """A request body that is not a JSON object of reasonable size."""

    def __init__(self, status: int, error_type: str, message: str):
        super().__init__(message)
        self.status, self.error_type, self.message = status, error_type, message


def _request_data() -> dict[str, Any]:
    """The parameters: JSON body, form body, then query string."""
    data: dict[str, Any] = dict(request.args.items())
    if request.method != "POST":
        return data
    if (request.content_length or 0) > MAX_BODY:
        raise BadBody(413, "request_too_large", tk._(
            "The request body is too large (at most {size} bytes)").format(size=MAX_BODY))
    if request.is_json or (request.get_data(cache=True) and not request.form):
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested deeper than Python's parser goes
            body = None
        if not isinstance(body, dict):
            raise BadBody(400, "invalid_json", tk._("The request body must be a JSON object"))
        data.update(body)
    else:
        data.update(request.form.to_dict())
    return data


def _call(action: str, data: dict[str, Any]) -> Response:
    """The action's result in the specification's envelope; its errors are
    answered by the blueprint's error handlers below."""
    return _success(tk.get_action(action)(_context(), data))


@api.errorhandler(BadBody)
def _bad_body(e: BadBody) -> Response:
    return _error(e.status, e.error_type, e.message)


@api.errorhandler(SubmitError)
def _refused(e: SubmitError) -> Response:
    return _error(e.status_code, e.error_type, e.message)


@api.errorhandler(CsrfRefused)
def _csrf_refused(e: CsrfRefused) -> Response:
    return _error(400, "csrf_error", str(e))


@api.errorhandler(tk.ValidationError)
def _invalid(e: tk.ValidationError) -> Response:
    return _error(400, "validation_error", _flatten(e.error_dict))


@api.errorhandler(tk.NotAuthorized)
def _not_authorized(e: tk.NotAuthorized) -> Response:
    return _error(403, "not_authorized", str(e) or tk._("You are not authorized to do this"))


@api.errorhandler(tk.ObjectNotFound)
def _not_found(e: tk.ObjectNotFound) -> Response:
    return _error(404, "not_found", str(e) or tk._("Resource not found"))


@api.errorhandler(Exception)
def _internal(e: Exception) -> Response:
    if isinstance(e, HTTPException):  # werkzeug's own answers (405 ...), as JSON
        return _error(e.code or 500, "http_error", e.description or e.name)
    log.exception("datapusherplusapi: %s failed", request.path)
    return _error(500, "internal_error", tk._("Internal server error"))


@api.route("/api/3/action/datapusher_plus_submit", methods=["POST"])
def submit() -> Response:
    """Seed endpoint: submit a resource to DataPusher+."""
    return _call("datapusher_plus_submit", _request_data())


@api.route("/api/3/action/datapusher_plus_status/<path:resource_id>", methods=["GET"])
@api.route("/api/3/action/datapusher_plus_status", methods=["GET", "POST"])
def status(resource_id: Optional[str] = None) -> Response:
    """Seed endpoint: the DataPusher+ status of a resource."""
    data = _request_data()
    if resource_id is not None:
        data["resource_id"] = resource_id
    return _call("datapusher_plus_status", data)


# -------------------------------------------------------------- the pages ---
PARTS = ("status", "details", "badge")


def _tab_data(package_id: str, resource_id: str, page: bool = True,
              latest_only: bool = False) -> dict[str, Any]:
    """Everything the tab shows; raises NotAuthorized / ObjectNotFound.

    A fragment (``page=False``) needs no dataset: its links use the URL's own
    dataset reference, which spares every poll a whole ``package_show``; the
    status and badge parts (``latest_only``) need only the latest attempt."""
    context = _context()
    # The history is for who may push: its authorization is the tab's own.
    history = tk.get_action("datapusher_plus_job_history")(dict(context), dict(
        {"resource_id": resource_id}, **({"limit": 1} if latest_only else {})))
    status = tk.get_action("datapusher_plus_status")(dict(context), {"resource_id": resource_id})
    if page:
        pkg_dict = tk.get_action("package_show")(dict(context), {"id": package_id})
        resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
        if resource["package_id"] != pkg_dict["id"]:
            raise tk.ObjectNotFound(tk._("Resource not found"))
    else:
        pkg_dict, resource = {"name": package_id}, {"id": resource_id}
    return {"pkg_dict": pkg_dict, "resource": resource, "status": status,
            "history": history, "latest": history[0] if history else None,
            "error_message": None}


def _page_csrf() -> Any:
    """The pages' POSTs all need CKAN's CSRF token (form field or htmx header)."""
    if request.method != "POST":
        return None
    try:
        csrf.protect()
    except CSRFError:
        return tk.abort(400, tk._("The CSRF token is missing or invalid"))
    return None


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _render_part(part: str, data: dict[str, Any], status_code: int = 200,
                 changed: bool = False) -> Response:
    response = make_response(
        tk.render("datapusherplusapi/snippets/{}.html".format(part), extra_vars=data))
    response.status_code = status_code
    if changed:
        # The log and history part (hx-trigger="dpp-changed from:body") reloads once.
        response.headers["HX-Trigger"] = "dpp-changed"
    return response


def _submit_from_page(resource_id: str) -> Optional[str]:
    """Submit (force from the form); the refusal's message, or None."""
    try:
        force = validators.datapusherplusapi_boolean(request.form.get("force") or "false")
    except tk.Invalid:
        force = False
    try:
        tk.get_action("datapusher_plus_submit")(
            _context(), {"resource_id": resource_id, "force": force})
    except SubmitError as e:
        return e.message
    except tk.ValidationError as e:
        return _flatten(e.error_dict)
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
    status = data["status"]["status"]
    if request.values.get("seen") not in (None, "", status):
        data["announce"] = tk._("DataPusher+: {status}").format(
            status=tk.h.datapusherplusapi_status_label(status))


@ui.route("/dataset/<id>/datapusher-plus/<resource_id>", methods=["GET"])
def resource_tab(id: str, resource_id: str) -> Any:
    """The resource's DataPusher+ tab; its parts for htmx (``?part=``)."""
    _tab_ids(id, resource_id)
    part = _tab_part()
    fragment = _is_htmx() and bool(part)
    data = _tab_data(id, resource_id, page=not fragment,
                     latest_only=fragment and part in ("status", "badge"))
    _announce(data)
    if not fragment:
        return tk.render("datapusherplusapi/resource_tab.html", extra_vars=data)
    if part == "details" or tk.h.datapusherplusapi_is_active(data["status"]["status"]):
        return _render_part(part, data)
    return _render_part(part, data, HTMX_STOP_POLLING, changed=True)


@ui.route("/dataset/<id>/datapusher-plus/<resource_id>", methods=["POST"])
def resource_tab_submit(id: str, resource_id: str) -> Any:
    """The tab's (or the resource page's) Submit button."""
    _tab_ids(id, resource_id)
    part = _tab_part()
    # Who may not push gets 403/404 before anything else, then CSRF.
    tk.check_access("datapusher_plus_submit", _context(), {"resource_id": resource_id})
    refused = _page_csrf()
    if refused is not None:
        return refused
    error_message = _submit_from_page(resource_id)
    if not _is_htmx():
        if error_message:
            tk.h.flash_error(error_message)
        else:
            tk.h.flash_success(tk._("File submitted successfully to DataPusher+"))
        return tk.redirect_to("datapusherplusapi.resource_tab", id=id, resource_id=resource_id)
    data = _tab_data(id, resource_id, page=False, latest_only=part in ("", "status", "badge"))
    _announce(data)
    data["error_message"] = error_message
    return _render_part(part or "status", data, changed=True)


def _page_error(e: HTTPException) -> Any:
    """CKAN's own error page (translated, in the site's layout) for ``e``."""
    return current_app.handle_http_exception(e)


def _page_invalid(e: tk.ValidationError) -> Any:
    return _page_error(BadRequest(_flatten(e.error_dict)))


def _page_forbidden(e: tk.NotAuthorized) -> Any:
    if isinstance(e, CsrfRefused):
        return _page_error(BadRequest(str(e)))
    return _page_error(Forbidden(tk._("Not authorized to see this page")))


def _page_not_found(e: tk.ObjectNotFound) -> Any:
    return _page_error(NotFound(str(e) or tk._("Resource not found")))


# ------------------------------------------------------------ dashboard ---
admin = Blueprint("datapusherplusapi_admin", __name__, url_prefix="/ckan-admin/datapusher-plus")
csrf.exempt(admin)

FILTER_KEYS = ("status", "organization", "format", "date_from", "date_to", "q", "latest_only",
               "sort", "order", "page")
CSV_FIELDS = ("job_id", "resource_id", "resource_name", "dataset_name", "organization_name",
              "resource_format", "status", "submitted", "finished", "duration", "user_name",
              "attempt", "error_type", "error")


for _blueprint in (ui, admin):
    _blueprint.register_error_handler(tk.ValidationError, _page_invalid)
    _blueprint.register_error_handler(tk.NotAuthorized, _page_forbidden)
    _blueprint.register_error_handler(tk.ObjectNotFound, _page_not_found)


@admin.before_request
def _sysadmins_only() -> Any:
    try:
        tk.check_access("datapusher_plus_job_list", _context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Need to be system administrator to administer"))
    return _page_csrf()


def _context() -> dict[str, Any]:
    """An action context for this request's user, as CKAN's API view makes
    it: with the user object already loaded, which spares a query."""
    if tk.current_user.is_authenticated:
        user = tk.current_user._get_current_object()  # the model.User, not the proxy
        return {"user": user.name, "auth_user_obj": user}
    return {"user": ""}


def _filters(source: Any) -> tuple[dict[str, Any], Optional[str]]:
    """The dashboard's filters from ``source``, the invalid ones left out, and
    what was wrong with those (the dashboard, its live part and its export
    read them alike; see ``schema.job_list``)."""
    filters = {key: source.get(key) for key in FILTER_KEYS if source.get(key) not in (None, "")}
    _data, errors = tk.navl_validate(dict(filters), schema.job_list(), {})
    bad = {key: messages for key, messages in errors.items() if messages}
    if not bad:
        return filters, None
    return ({key: value for key, value in filters.items() if key not in bad},
            _flatten(bad))


def _dashboard_data(filters: dict[str, Any], bad_filter: Optional[str] = None
                    ) -> dict[str, Any]:
    context = _context()
    listing = tk.get_action("datapusher_plus_job_list")(dict(context), dict(filters))
    stats = tk.get_action("datapusher_plus_stats")(dict(context), {})
    tasks = tk.get_action("datapusher_plus_task_list")(dict(context), {})
    counts = stats["counts"]
    active = bool(counts["submitting"] + counts["submitted"] + counts["running"]
                  or any(task["active"] for task in tasks))
    seen = ",".join("{}:{}".format(key, counts[key]) for key in vocabulary.SUMMARY)
    return {
        "filters": filters, "listing": listing, "stats": stats, "tasks": tasks,
        "bad_filter": bad_filter, "active": active, "seen": seen,
        "health": tk.get_action("datapusher_plus_service_status")(dict(context), {}),
        "organizations": tk.get_action("organization_list")(dict(context), {}),
        "formats": tk.h.datapusherplusapi_formats(),
        "message": None,
    }


@admin.route("/", methods=["GET"])
def dashboard() -> Any:
    """Every push job of the portal: summary, chart, jobs table, bulk work."""
    filters, bad_filter = _filters(request.args)
    if _is_htmx() and request.args.get("part") == "live":
        return _render_live(_dashboard_data(filters, bad_filter))
    tk.get_action("datapusher_plus_job_refresh")(_context(), {})
    return tk.render("datapusherplusapi/dashboard.html",
                     extra_vars=_dashboard_data(filters, bad_filter))


def _render_live(data: dict[str, Any], message: Optional[str] = None) -> Response:
    data["message"] = message
    # Screen readers hear the message, or the counts when they changed since
    # the browser's copy (``seen``), once, in the page's live region.
    if message:
        data["announce"] = message
    elif request.values.get("seen") not in (None, "", data["seen"]):
        counts = data["stats"]["counts"]
        data["announce"] = ", ".join("{} {}".format(tk.h.datapusherplusapi_filter_label(key),
                                                    counts[key]) for key in vocabulary.SUMMARY)
    response = make_response(tk.render("datapusherplusapi/snippets/dashboard_live.html",
                                       extra_vars=data))
    if not data["active"] and request.method == "GET":
        response.status_code = HTMX_STOP_POLLING
    return response


def _after_post(message: str, error: bool = False) -> Any:
    """htmx: the live part again, with the message; else back to the page."""
    filters, bad_filter = _filters(dict(parse_qsl(request.form.get("query", ""))))
    if _is_htmx():
        return _render_live(_dashboard_data(filters, bad_filter), message)
    (tk.h.flash_error if error else tk.h.flash_success)(message)
    return tk.redirect_to("datapusherplusapi_admin.dashboard", **filters)


def _run(action: str, data: dict[str, Any], done: str) -> Any:
    try:
        tk.get_action(action)(_context(), data)
    except SubmitError as e:
        return _after_post(e.message, error=True)
    except tk.ValidationError as e:
        return _after_post(_flatten(e.error_dict), error=True)
    except tk.ObjectNotFound as e:
        return _after_post(str(e) or tk._("Unknown DataPusher+ job"), error=True)
    return _after_post(done)


@admin.route("/jobs/<job_id>/retry", methods=["POST"])
def retry(job_id: str) -> Any:
    """Submit a job's resource again."""
    return _run("datapusher_plus_job_retry", {"id": job_id}, tk._("Submitted again"))


@admin.route("/jobs/<job_id>/cancel", methods=["POST"])
def cancel(job_id: str) -> Any:
    """Cancel a pending or running job."""
    return _run("datapusher_plus_job_cancel", {"id": job_id}, tk._("Job cancelled"))


@admin.route("/bulk", methods=["POST"])
def bulk() -> Any:
    """Queue a bulk task (retry failed jobs, or submit what is not in the DataStore)."""
    data = {key: request.form.get(key) for key in
            ("mode", "organization", "format", "q", "date_from", "date_to", "resume")
            if request.form.get(key)}
    return _run("datapusher_plus_bulk_submit", data,
                tk._("Queued: the progress shows below"))


# Where a spreadsheet may start a cell: the text's start, or after a separator
# (the reader may split on ";" as Excel does with French settings, or on tabs).
_FORMULA_START = re.compile(r"(^|[;,\t])(\s*)(?=[=+\-@\r\t])")


def _csv_safe(value: Any) -> str:
    """A cell no spreadsheet will run as a formula, whatever separator it
    splits on: each place a cell could start with ``=``, ``+``, ``-``, ``@``
    gets a ``'`` first (and every cell is quoted)."""
    text = "" if value is None else str(value)
    return _FORMULA_START.sub(lambda m: m.group(1) + m.group(2) + "'", text)


@admin.route("/export.csv", methods=["GET"])
def export() -> Response:
    """The filtered jobs as CSV (every page). An invalid filter is refused: an
    export must not silently hold more than the filters asked for."""
    filters, bad_filter = _filters(request.args)
    if bad_filter:
        raise tk.ValidationError({"filters": [bad_filter]})
    filters.pop("page", None)
    context = _context()

    def rows() -> Any:
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        writer.writerow(CSV_FIELDS)
        page = 1
        while True:
            chunk = tk.get_action("datapusher_plus_job_list")(
                dict(context), dict(filters, page=page, limit=1000))
            for job in chunk["results"]:
                writer.writerow([_csv_safe(job.get(field)) for field in CSV_FIELDS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if page * chunk["limit"] >= chunk["count"]:
                break
            page += 1

    response = FlaskResponse(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="datapusher-plus-jobs.csv"'
    return response
