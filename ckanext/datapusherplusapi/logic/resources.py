"""The resource an action is about: read once, authorized, dictized."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.dictization import model_dictize
from ckan.types import Context, DataDict


def active_resource(resource_id: str) -> model.Resource:
    """An active resource of a dataset that is not deleted, or ObjectNotFound."""
    resource = model.Resource.get(resource_id)
    if resource is None or resource.state != "active" or (
            resource.package is not None and resource.package.state == "deleted"):
        raise tk.ObjectNotFound(tk._("Resource was not found."))
    return resource


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


def dictize(resource: model.Resource) -> dict[str, Any]:
    return model_dictize.resource_dictize(resource, {"model": model, "session": model.Session})
