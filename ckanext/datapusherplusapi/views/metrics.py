"""``GET /datapusher-plus/metrics``: the push jobs' figures in Prometheus'
text format (``logic/metrics.py`` says which), for a monitoring system.

Opened by either credential, in the ``Authorization`` header:

- ``Bearer <secret>``, the secret of ``ckanext.datapusher_plus.metrics_token``
  (what a Prometheus scrape configuration sends: ``authorization:
  credentials``);
- a sysadmin's CKAN API token, as CKAN's API takes it (the token alone) or
  after ``Bearer``; a sysadmin's browser session opens it too.

Anybody else: 401 without a credential, 403 with one that does not open it,
a sentence in the reader's language, never the figures.
"""
from __future__ import annotations

import hmac
from typing import Any, Optional

from flask import Blueprint, make_response
from prometheus_client import CONTENT_TYPE_LATEST

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.lib import api_token

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.logic import metrics as figures

metrics = Blueprint("datapusherplusapi_metrics", __name__)


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


@metrics.route("/datapusher-plus/metrics", methods=["GET"])
def read() -> Any:
    refused = _refusal()
    if refused is not None:
        status, why = refused
        response = make_response(why + "\n", status)
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
    else:
        response = make_response(figures.exposition(model.Session))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
