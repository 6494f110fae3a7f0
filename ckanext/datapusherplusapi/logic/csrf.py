"""CSRF protection that our state-changing actions apply themselves.

CKAN's API view checks CSRF on cookie-authenticated POSTs on 2.10 and 2.11;
CKAN 2.12.0 lets such a POST to ``/api/action/<name>`` through without a
token. A page of another site could then make a signed-in user's browser
submit, cancel, retry or purge (SameSite=Lax cookies blunt cross-site forms,
but our actions should not depend on that). So each of them calls
``protect(context)`` first: a web request authenticated by the session
cookie must carry CKAN's CSRF token (form field ``_csrf_token`` or header
``X-CSRFToken``). Requests with an API token, anonymous ones, background jobs,
the CLI and calls with ``ignore_auth`` are not concerned.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from flask_wtf.csrf import CSRFError

import ckan.plugins.toolkit as tk
from ckan.common import g, request
from ckan.config.middleware.flask_app import csrf


class CsrfRefused(tk.NotAuthorized):
    """A cookie-authenticated request without a valid CSRF token."""


def protect(context: Any) -> None:
    """Raise ``CsrfRefused`` for a cookie-authenticated POST without a valid token."""
    if context.get("ignore_auth") or not has_request_context():
        return
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if g.get("login_via_auth_header") or not tk.current_user.is_authenticated:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        csrf.protect()
    except CSRFError as e:
        raise CsrfRefused(tk._("The CSRF token is missing or invalid: {reason}")
                          .format(reason=e.description))
