"""``GET /datapusher-plus/metrics``: the push jobs' figures in Prometheus'
text format (``logic/metrics.py`` says which), for a monitoring system.

Opened by either credential, in the ``Authorization`` header:

- ``Bearer <secret>``, the secret of ``ckanext.datapusher_plus.metrics_token``
  (what a Prometheus scrape configuration sends: ``authorization:
  credentials``);
- a sysadmin's CKAN API token, as CKAN's API takes it (the token alone) or
  after ``Bearer`` (a sysadmin's browser session opens it too).

Anybody else: 401 without a credential, 403 with one that does not open it,
a sentence in the reader's language, never the figures.

CKAN reads the ``Authorization`` header too, as an API token, before this
view: ``Bearer <…>`` is no token to it, and it logs "Cannot decode JWT
token" at ERROR.  For this URL only, with ``Bearer``, that line is dropped
(``_BearerScrape``): a scrape every minute would fill the log with errors
that are none.
"""
from __future__ import annotations

import hmac
import logging
from typing import Any, Optional

from flask import Blueprint, has_request_context, make_response

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.lib import api_token

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.logic import metrics as figures

metrics = Blueprint("datapusherplusapi_metrics", __name__)
PATH = "/datapusher-plus/metrics"


class _BearerScrape(logging.Filter):
    """Drops CKAN's "Cannot decode JWT token" for a ``Bearer`` request to
    this URL (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_request_context() or not str(record.msg).startswith("Cannot decode JWT"):
            return True
        return not (request.path.endswith(PATH) and request.headers.get(
            "Authorization", "").lower().startswith("bearer "))


logging.getLogger("ckan.lib.api_token").addFilter(_BearerScrape())


def _sysadmin(user: Any) -> bool:
    return bool(user is not None and getattr(user, "sysadmin", False)
                and getattr(user, "state", "active") == "active")


def _refusal() -> Optional[tuple[int, str]]:
    """None when the request may read the metrics, else its status and why."""
    scheme, _space, credential = request.headers.get("Authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential:
        secret = config.metrics_token()
        if secret and hmac.compare_digest(credential.encode("utf-8"), secret.encode("utf-8")):
            return None
        if _sysadmin(api_token.get_user_from_token(credential, update_access_time=False)):
            return None
        return 403, tk._("This credential does not open the metrics: send the "
                         "metrics_token secret or a sysadmin's API token")
    if tk.current_user.is_authenticated:
        if _sysadmin(tk.current_user):
            return None
        return 403, tk._("Need to be system administrator to read the metrics")
    return 401, tk._("The metrics need a credential: Authorization: Bearer and the "
                     "metrics_token secret, or a sysadmin's API token")


@metrics.route(PATH, methods=["GET"])
def read() -> Any:
    refused = _refusal()
    if refused is not None:
        status, why = refused
        response = make_response(why + "\n", status)
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
    else:
        body, content_type = figures.exposition(model.Session,
                                                request.headers.get("Accept", ""))
        response = make_response(body)
        response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "no-store"
    return response
