"""The specification's JSON endpoints, thin layers over the actions.

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

import logging
from typing import Any, Optional

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.config.middleware.flask_app import csrf
from ckan.types import Response

from ckanext.datapusherplusapi.logic.csrf import CsrfRefused
from ckanext.datapusherplusapi.logic.errors import SubmitError
from ckanext.datapusherplusapi.views.common import action_context, flatten

log = logging.getLogger(__name__)

api = Blueprint("datapusherplusapi_api", __name__)
# CSRF: our state-changing actions check it themselves (logic/csrf.py), for
# cookie-authenticated requests, as core's API view does.
csrf.exempt(api)


def _error(status: int, error_type: str, message: str) -> Response:
    response = jsonify({"success": False, "error": message, "error_type": error_type})
    response.status_code = status
    return response


# Sent once, at the top level only: a status's log is most of its size.
_ONCE = ("logs",)


def _success(result: dict[str, Any]) -> Response:
    """The specification's fields at the top level; ``result`` repeats them
    for clients of CKAN's API, which read ``result`` (but not the log)."""
    body: dict[str, Any] = {"success": True}
    body.update(result)
    body["result"] = {key: value for key, value in result.items() if key not in _ONCE}
    return jsonify(body)


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
    return _success(tk.get_action(action)(action_context(), data))


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
    return _error(400, "validation_error", flatten(e.error_dict))


@api.errorhandler(tk.NotAuthorized)
def _not_authorized(e: tk.NotAuthorized) -> Response:
    # CKAN's refusal of an anonymous caller names the action, in English
    # whatever the language: say what to do instead, in the reader's.
    if not tk.current_user.is_authenticated:
        return _error(403, "not_authorized", _unknown_token() or tk._(
            "This needs a signed-in user: send your API token in the Authorization header"))
    return _error(403, "not_authorized", str(e) or tk._("You are not authorized to do this"))


def _unknown_token() -> Optional[str]:
    """What to say when the request carried a token CKAN did not recognise
    (it then treats the caller as anonymous): None when it carried none."""
    header = tk.config.get("apitoken_header_name") or "Authorization"
    sent = (request.headers.get(header) or "").strip()
    if not sent:
        return None
    if sent.lower().startswith("bearer "):
        return tk._("The API token in the {header} header was not recognised: CKAN takes the "
                    "token itself, without \"Bearer\" ({header}: <your API token>)").format(
                        header=header)
    return tk._("The API token in the {header} header was not recognised: it may be mistyped, "
                "revoked or expired. Create one on your user page, under API Tokens").format(
                    header=header)


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


@api.route("/api/3/action/datapusher_plus_submit",
           methods=["GET", "PUT", "PATCH", "DELETE"])
def submit_other_methods() -> Response:
    """Any other method than POST on the submit URL: the specification's
    envelope, 405, and the method to use."""
    response = _error(405, "method_not_allowed", tk._(
        "Use POST to push a resource: {method} is not accepted here").format(
            method=request.method))
    response.headers["Allow"] = "POST"
    return response


@api.route("/api/3/action/datapusher_plus_status/<path:resource_id>", methods=["GET"])
@api.route("/api/3/action/datapusher_plus_status", methods=["GET", "POST"])
def status(resource_id: Optional[str] = None) -> Response:
    """Seed endpoint: the DataPusher+ status of a resource."""
    data = _request_data()
    if resource_id is not None:
        data["resource_id"] = resource_id
    return _call("datapusher_plus_status", data)
