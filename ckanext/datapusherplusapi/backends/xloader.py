"""Back end ``xloader``: the ckanext-xloader plugin (see ``plugin_loader.py``).

It is driven through its own actions: ``xloader_submit`` (``ignore_hash`` when
forced), ``xloader_hook`` (chained: every change of state) and
``xloader_status`` (its log).  What it loads is its own
``ckanext.xloader.formats`` (CSV, TSV, XLS, XLSX, ODS by default).

Tested with ckanext-xloader 2.5.2 (CKAN 2.10 and 2.11, under CKAN's pins) and
2.6.0 (CKAN 2.12, with the newer requests, urllib3, certifi, idna… it
requires): what this back end uses — those actions, ``IXloader``, its
``task_status`` row, its job log and messages, ``ckanext.xloader.api_token`` —
is the same in both (2.6.0 changed its declared requirements, one import and
formatting), so nothing here depends on which one the operator has.
"""
from __future__ import annotations

from typing import Optional

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi.backends.plugin_loader import PluginLoader

# ckanext-xloader's own default formats (its ``utils.DEFAULT_FORMATS``, less
# the MIME types): used when ``ckanext.xloader.formats`` is not set.
DEFAULT_FORMATS = ("CSV", "TSV", "XLS", "XLSX", "ODS")


class XloaderBackend(PluginLoader):
    name = "xloader"
    label = "ckanext-xloader"
    plugin = "xloader"
    distribution = "ckanext-xloader"
    submit_action = "xloader_submit"
    status_action = "xloader_status"
    task_type = "xloader"

    def loadable_formats(self) -> list[str]:
        configured = tk.config.get("ckanext.xloader.formats")
        if configured is None:
            return list(DEFAULT_FORMATS)
        return [fmt.upper() for fmt in str(configured).split() if "/" not in fmt]

    def queue_names(self) -> list[str]:
        return str(tk.config.get("ckanext.xloader.queue_names") or "").split() or ["default"]

    def queue_of(self, package_id: Optional[str]) -> Optional[str]:
        # As xloader chooses (its ``jobs.get_default_queue_name``): a
        # dataset's loads all go to one of its queues, by the first character
        # of the dataset's id.
        names = self.queue_names()
        return names[ord(package_id[0]) % len(names)] if package_id else names[0]

    def check_config(self) -> list[str]:
        problems = super().check_config()
        token = tk.config.get("ckanext.xloader.api_token")
        if not token or token == "NOT_SET":
            problems.append("ckanext.xloader.api_token: {}".format(tk._(
                "Missing value (ckanext-xloader's jobs act with it: a sysadmin's API token)")))
        return problems
