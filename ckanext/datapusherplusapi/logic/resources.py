"""The resource an action is about: read once, authorized, dictized."""
from __future__ import annotations

import time
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.dictization import model_dictize
from ckan.types import Context, DataDict


def active_resource(resource_id: str) -> model.Resource:
    """An active resource of a dataset that is not deleted, or ObjectNotFound."""
    resource = model.Resource.get(resource_id)
    if not is_active(resource):
        raise tk.ObjectNotFound(tk._("Resource was not found."))
    return resource


def is_active(resource: Optional[model.Resource]) -> bool:
    """An active resource of a dataset that is not deleted."""
    return resource is not None and resource.state == "active" and (
        resource.package is None or resource.package.state != "deleted")


def authorized(action: str, context: Context, data_dict: DataDict) -> model.Resource:
    """``check_access`` for an action on a resource, then the resource (active,
    of a dataset that is not deleted).

    The resource and its dataset are read once and held: CKAN's resource and
    dataset auth functions take them from the context, and the session's
    identity map keeps only what is referenced.
    """
    resource = model.Session.get(model.Resource, data_dict["resource_id"],
                                 options=[sa.orm.joinedload(model.Resource.package)])
    if resource is not None:  # (a reused context may hold another resource)
        context["resource"] = resource
        if resource.package is not None:
            context["package"] = resource.package
    tk.check_access(action, context, data_dict)
    return active_resource(data_dict["resource_id"])


# The tab's live parts poll every few seconds, each asking "may this user push
# this resource?" (CKAN's dataset-update rules: several membership queries).
# A yes is remembered here for POLL_AUTH_TTL seconds per process, user and
# resource; a no never is. Pushing itself is always checked in full.
POLL_AUTH_TTL = 10.0
_POLL_AUTH: dict[tuple[str, str, str], float] = {}


def check_for_polls(action: str, context: Context, resource_id: str) -> None:
    """``check_access`` of ``action`` for the resource, a yes remembered for
    ``POLL_AUTH_TTL`` seconds (then no query at all)."""
    user = context.get("user") or ""
    key = (action, user, resource_id)
    now = time.monotonic()
    if user and _POLL_AUTH.get(key, 0.0) > now:
        return
    authorized(action, context, {"resource_id": resource_id})
    if user:
        if len(_POLL_AUTH) > 10_000:
            _POLL_AUTH.clear()
        _POLL_AUTH[key] = now + POLL_AUTH_TTL


# "Is this user a publisher of the resource?", asked by every status poll of
# a signed-in user to choose between the whole status and the public one: the
# answer, yes or no, is remembered as long (it decides what is shown, never
# what may be done).
_POLL_MAY: dict[tuple[str, str, str], tuple[float, bool]] = {}


def may_for_polls(action: str, context: Context, resource_id: str) -> bool:
    """Whether the signed-in user may do ``action`` on the resource, the answer
    remembered for ``POLL_AUTH_TTL`` seconds; False for anonymous callers,
    without a query."""
    user = context.get("user") or ""
    if not user:
        return False
    key = (action, user, resource_id)
    now = time.monotonic()
    until, allowed = _POLL_MAY.get(key, (0.0, False))
    if until > now:
        return allowed
    try:
        authorized(action, dict(context), {"resource_id": resource_id})
        allowed = True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        allowed = False
    if len(_POLL_MAY) > 10_000:
        _POLL_MAY.clear()
    _POLL_MAY[key] = (now + POLL_AUTH_TTL, allowed)
    return allowed


def forget_process_state() -> None:
    """Forget the remembered answers (for tests)."""
    _POLL_AUTH.clear()
    _POLL_MAY.clear()


def dictize(resource: model.Resource) -> dict[str, Any]:
    return model_dictize.resource_dictize(resource, {"model": model, "session": model.Session})
