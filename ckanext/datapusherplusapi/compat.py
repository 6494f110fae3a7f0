"""Where CKAN versions differ (2.10, 2.11, 2.12): handled here, and only here.

- htmx: CKAN 2.11 and later load it on every page; 2.10 does not, so the
  plugin's vendored copy is loaded there (never two copies).
- Invalid options: CKAN 2.11 and later refuse to start when a declared option
  fails its validators; 2.10 only logs a warning unless ``config.mode =
  strict``.  On 2.10 the plugin refuses for its own options.
- CKAN 2.10 refuses every action when a chained action has nothing under it:
  see ``plugin._actions`` (the DataStore hook only with the datastore plugin).
- CKAN 2.10 configures each plugin as it loads it (2.11+: once all are
  loaded): the back end's check that its loader's plugin is there accepts a
  plugin listed in ``ckan.plugins`` (``backends/plugin_loader.py``).
- An upload's download URL is the view ``resource.download`` on 2.10 and
  ``<dataset type>_resource.download`` on 2.11+ (``upload_url``).
- CKAN 2.10 reads the API-token and session secret from
  ``beaker.session.secret`` (2.11+: ``SECRET_KEY``): ``test.ini`` sets both.
- A resource is marked ``datastore_active`` by the DataStore's own
  ``set_datastore_active_flag`` on CKAN 2.10 and 2.11 (a direct UPDATE of
  its extras, then a reindex); CKAN 2.12 removed it and patches the
  resource instead (``set_datastore_active``).  CKAN 2.12's DataStore also
  keeps each table's row count in a ``_table_stats`` table (the total of
  ``datastore_search``): the JSON/XML loader's swap writes the new count in
  the same transaction when that table exists.  The DataStore's table layout,
  its full-text trigger, index names, aliases (views) and the Data
  Dictionary's column comments are the same on all three for what the
  JSON/XML loader reads and writes (``records/table.py`` copies the comments
  as they are, whatever their version's format).
- A secondary button is ``btn-default`` in CKAN 2.10 and 2.11's themes;
  CKAN 2.12's theme dropped that class for Bootstrap's ``btn-secondary``
  (``secondary_button``).
"""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import config_declaration
from ckan.exceptions import CkanConfigurationException
from ckan.lib.munge import munge_filename

from ckanext.datastore.logic import action as datastore_action

PREFIX = "ckanext.datapusher_plus."


def core_has_htmx() -> bool:
    """Whether CKAN's own pages load htmx (CKAN 2.11 and later do)."""
    return tk.check_ckan_version(min_version="2.11")


def secondary_button() -> str:
    """The class of a secondary button in CKAN's own theme."""
    return "btn-secondary" if tk.check_ckan_version(min_version="2.12") else "btn-default"


def core_refuses_invalid_options() -> bool:
    return tk.check_ckan_version(min_version="2.11")


def refuse_invalid_options(config: Any) -> None:
    """On CKAN 2.10: raise, as 2.11 does, when one of our options is invalid."""
    if core_refuses_invalid_options():
        return
    _, errors = config_declaration.validate(config)
    ours = {str(key): issues for key, issues in errors.items() if str(key).startswith(PREFIX)}
    if ours:
        raise CkanConfigurationException("Invalid configuration values provided:\n" + "\n".join(
            "{}: {}".format(key, "; ".join(issues)) for key, issues in sorted(ours.items())))


def upload_url(package_id: str, package_type: str, resource_id: str, url: str) -> str:
    """An uploaded resource's URL as ``resource_show`` gives it: its download
    URL on this site (computed as CKAN's resource dictization does)."""
    if not url:
        return url
    endpoint = ("{}_resource.download".format(package_type or "dataset")
                if tk.check_ckan_version(min_version="2.11") else "resource.download")
    return tk.h.url_for(endpoint, id=package_id, resource_id=resource_id,
                        filename=munge_filename(url.rsplit("/")[-1]), qualified=True)


def set_datastore_active(resource_id: str, active: bool = True) -> None:
    """Mark the resource ``datastore_active`` (or, ``active`` false, remove
    the mark) as ``datastore_create`` (``datastore_delete``) does (see the
    module's docstring)."""
    set_flag = getattr(datastore_action, "set_datastore_active_flag", None)
    if set_flag is not None:  # CKAN 2.10, 2.11
        set_flag({"model": model, "ignore_auth": True, "user": ""},
                 {"resource_id": resource_id}, active)
        return
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    tk.get_action("resource_patch")({"ignore_auth": True, "user": site_user["name"]},
                                    {"id": resource_id, "datastore_active": active})
