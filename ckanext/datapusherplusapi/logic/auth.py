"""Auth functions, one per action, of the same names."""
from __future__ import annotations

from ckan import authz
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.datapusherplusapi.logic import identity


def datapusher_plus_submit(context: Context, data_dict: DataDict) -> AuthResult:
    """Who may update the resource (as ``resource_update``) may push it."""
    return authz.is_authorized(
        "resource_update", context, {"id": data_dict.get("resource_id")})


@tk.auth_allow_anonymous_access
def datapusher_plus_status(context: Context, data_dict: DataDict) -> AuthResult:
    """Who may see the resource (as ``resource_show``) may see its status."""
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


def datapusher_plus_job_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_stats(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_job_retry(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_job_cancel(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins only (the dashboard)."""
    return _sysadmins_only(context, data_dict)


def datapusher_plus_bulk_submit(context: Context, data_dict: DataDict) -> AuthResult:
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
