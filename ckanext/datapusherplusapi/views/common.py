"""What the views of every audience share: the action context of the
request's user, the CSRF check of the pages, htmx fragments, and the one
mapping of action errors to CKAN's error pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, make_response
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound

import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.config.middleware.flask_app import csrf
from ckan.types import Response

from ckanext.datapusherplusapi.logic.csrf import CsrfRefused

HTMX_STOP_POLLING = 286  # htmx stops polling on this status


def action_context() -> dict[str, Any]:
    """An action context for this request's user, as CKAN's API view makes
    it: with the user object already loaded, which spares a query."""
    if tk.current_user.is_authenticated:
        user = tk.current_user._get_current_object()  # the model.User, not the proxy
        return {"user": user.name, "auth_user_obj": user}
    return {"user": ""}


def flatten(error_dict: dict[str, Any]) -> str:
    """A ValidationError's messages as one line: ``field: message; ...``."""
    parts = []
    for field, messages in error_dict.items():
        if field == "error_type":
            continue
        if isinstance(messages, (list, tuple)):
            messages = "; ".join(str(m) for m in messages)
        parts.append("{}: {}".format(field, messages))
    return "; ".join(parts) or tk._("Invalid parameters")


def page_csrf() -> Any:
    """The pages' POSTs all need CKAN's CSRF token (form field or htmx header)."""
    if request.method != "POST":
        return None
    try:
        csrf.protect()
    except CSRFError:
        return tk.abort(400, tk._("The CSRF token is missing or invalid"))
    return None


def sysadmins_only() -> Any:
    """A ``before_request`` for the sysadmins' pages (the dashboard, a job's
    page): 403 for everybody else, then the CSRF check of a POST."""
    try:
        tk.check_access("datapusher_plus_job_list", action_context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Need to be system administrator to administer"))
    return page_csrf()


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_part(part: str, data: dict[str, Any], status_code: int = 200,
                changed: bool = False, complete: bool = False) -> Response:
    """A part of the tab or the resource page, for htmx. Its forms carry no
    CSRF field (``htmx_fragment``): htmx sends the page's token as a header
    (webassets/js/datapusherplusapi.js). ``changed``: the log and history
    part reloads; ``complete``: so does the resource page's preview."""
    response = make_response(tk.render("datapusherplusapi/snippets/{}.html".format(part),
                                       extra_vars=dict(data, htmx_fragment=True)))
    response.status_code = status_code
    if changed:
        # The log and history part (hx-trigger="dpp-changed from:body") reloads once.
        response.headers["HX-Trigger"] = "dpp-changed, dpp-complete" if complete else "dpp-changed"
    return response


def _page_error(e: HTTPException) -> Any:
    """CKAN's own error page (translated, in the site's layout) for ``e``."""
    return current_app.handle_http_exception(e)


def _page_invalid(e: tk.ValidationError) -> Any:
    return _page_error(BadRequest(flatten(e.error_dict)))


def _page_forbidden(e: tk.NotAuthorized) -> Any:
    if isinstance(e, CsrfRefused):
        return _page_error(BadRequest(str(e)))
    return _page_error(Forbidden(tk._("Not authorized to see this page")))


def _page_not_found(e: tk.ObjectNotFound) -> Any:
    return _page_error(NotFound(str(e) or tk._("Resource not found")))


def handle_errors_as_pages(blueprint: Blueprint) -> None:
    """Action errors raised in ``blueprint``'s views answer as CKAN's error
    pages: invalid input 400, refused 403 (a missing CSRF token: 400), not
    found 404."""
    blueprint.register_error_handler(tk.ValidationError, _page_invalid)
    blueprint.register_error_handler(tk.NotAuthorized, _page_forbidden)
    blueprint.register_error_handler(tk.ObjectNotFound, _page_not_found)
