"""Auth functions, one per action, of the same names."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan import authz
from ckan.lib.plugins import DefaultPermissionLabels, get_permission_labels
from ckan.logic.auth import get as core_auth
from ckan.types import AuthResult, Context, DataDict

from ckanext.datapusherplusapi.logic import identity, status
from ckanext.datapusherplusapi.model.job import Job


def datapusher_plus_submit(context: Context, data_dict: DataDict) -> AuthResult:
    """Who may update the resource (as ``resource_update``) may push it."""
    return authz.is_authorized(
        "resource_update", context, {"id": data_dict.get("resource_id")})


def _core_read_rules() -> bool:
    """Whether who may read a dataset is decided by CKAN's own rules alone:
    core's ``resource_show`` and ``package_show`` auth functions (no plugin
    replaced or chained them) and CKAN's default permission labels."""
    try:
        registered = {name: authz._AuthFunctions.get(name)
                      for name in ("resource_show", "package_show")}
    except AttributeError:  # another CKAN: take the long way
        return False
    return (registered["resource_show"] is core_auth.resource_show
            and registered["package_show"] is core_auth.package_show
            and type(get_permission_labels()) is DefaultPermissionLabels)


def _public(context: Context, resource_id: Any) -> bool:
    """An active resource of an active public dataset, which CKAN's own rules
    show to everyone (its only label is "public", which every user has),
    known from the row ``datapusher_plus_status`` read (``logic/status.py``)."""
    row = context.get(status.READ_KEY)
    return bool(row is not None and row.r_id == resource_id and status.is_public(row)
                and _core_read_rules())


@tk.auth_allow_anonymous_access
def datapusher_plus_status(context: Context, data_dict: DataDict) -> AuthResult:
    """Who may see the resource (as ``resource_show``) may see its status.

    Status polls come every few seconds: when the resource is public under
    CKAN's own rules, the answer is known without working out the user's
    memberships (which ``package_show``'s auth does for every logged-in user).
    """
    if _public(context, data_dict.get("resource_id")):
        return {"success": True}
    return authz.is_authorized(
        "resource_show", context, {"id": data_dict.get("resource_id")})


@tk.auth_sysadmins_check
def datapusher_plus_hook(context: Context, data_dict: DataDict) -> AuthResult:
    """Only the service may call back: the request must be authenticated with
    the token we send it (``ckanext.datapusher_plus.api_token``)."""
    if identity.is_service_user(context.get("auth_user_obj") or context.get("user")):
        return {"success": True}
    return {"success": False,
            "msg": tk._("Only the DataPusher+ service may report job results")}


def datapusher_plus_job_history(context: Context, data_dict: DataDict) -> AuthResult:
    """A resource's push history is for who may push it."""
    return datapusher_plus_submit(context, data_dict)


def _sysadmins_only(context: Context, data_dict: DataDict) -> AuthResult:
    # Sysadmins pass before auth functions run; everybody else is refused.
    return {"success": False, "msg": tk._("Only sysadmins may use the DataPusher+ dashboard")}


def _an_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 100 and "\x00" not in value


def _publisher_of_organization(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins (who pass before auth functions run); and, for the jobs of
    one organization (``organization``: its id or name), its editors and
    admins: who may update its datasets (the organization's DataPusher+ tab)."""
    value = data_dict.get("organization")
    group = model.Group.get(value) if _an_id(value) else None
    if (group is not None and group.is_organization and group.state == "active"
            and authz.has_user_permission_for_group_or_org(
                group.id, context.get("user"), "update_dataset")):
        return {"success": True}
    return {"success": False, "msg": tk._(
        "Only sysadmins, and an organization's editors and admins for its own jobs, "
        "may see DataPusher+ jobs")}


def _may_push_the_jobs_resource(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins; and who may push the job's resource (its organization's
    editors and admins), from the organization's tab."""
    job_id = data_dict.get("id")
    job = model.Session.get(Job, job_id) if _an_id(job_id) else None
    if job is not None:
        try:
            if authz.is_authorized("datapusher_plus_submit", context,
                                   {"resource_id": job.resource_id})["success"]:
                return {"success": True}
        except tk.ObjectNotFound:  # the resource is gone
            pass
    return {"success": False, "msg": tk._("You may not push this job's resource")}


def datapusher_plus_job_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins (the dashboard); an organization's editors and admins for
    its own jobs (its DataPusher+ tab)."""
    return _publisher_of_organization(context, data_dict)


def datapusher_plus_job_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard's job page: the loader's raw error)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_stats(context: Context, data_dict: DataDict) -> AuthResult:
    """As ``datapusher_plus_job_list``."""
    return _publisher_of_organization(context, data_dict)


def datapusher_plus_job_retry(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins, and who may push the job's resource."""
    return _may_push_the_jobs_resource(context, data_dict)


def datapusher_plus_job_cancel(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins, and who may push the job's resource."""
    return _may_push_the_jobs_resource(context, data_dict)


def datapusher_plus_bulk_submit(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_reconcile(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_task_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_service_status(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_job_refresh(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_job_purge(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard, the ckan CLI)."""
    return _sysadmins_only(context, data_dict)
