"""Back end ``datapusher_plus``: the DataPusher+ 2.x plugin (see ``plugin_loader.py``).

It is driven through its own actions: ``datapusher_submit`` (``ignore_hash``
when forced), ``datapusher_hook`` (chained: every change of state) and
``datapusher_status`` (its log).  DataPusher+ 2.x shares this extension's
option namespace: it reads ``ckanext.datapusher_plus.api_token`` as its own
service-account token and ``ckanext.datapusher_plus.formats`` as its formats.
Every load runs its ``qsv`` binary (``ckanext.datapusher_plus.qsv_bin``).
"""
from __future__ import annotations

import os
from typing import Optional

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.backends.plugin_loader import PluginLoader

# DataPusher+ 2.0's own list, used when neither ckan.datapusher.formats nor
# ckanext.datapusher_plus.formats is set.
DEFAULT_FORMATS = ("CSV", "TSV", "TAB", "SSV", "XLS", "XLSX", "ODS", "GEOJSON", "SHP",
                   "QGIS", "ZIP")
QSV_BIN = "ckanext.datapusher_plus.qsv_bin"


class DataPusherPlusBackend(PluginLoader):
    name = "datapusher_plus"
    label = "DataPusher+ 2.x"
    plugin = "datapusher_plus"
    distribution = "datapusher-plus"
    submit_action = "datapusher_submit"
    status_action = "datapusher_status"
    task_type = "datapusher_plus"

    def loadable_formats(self) -> list[str]:
        configured = tk.aslist(tk.config.get("ckan.datapusher.formats") or [])
        return [fmt.upper() for fmt in configured] or list(DEFAULT_FORMATS)

    def check_config(self) -> list[str]:
        problems = super().check_config()
        if not config.api_token():
            problems.append("{}: {}".format(config.API_TOKEN, tk._(
                "Missing value (DataPusher+ 2.x's jobs act with it: a sysadmin's API token)")))
        return problems

    def runtime_problem(self) -> Optional[str]:
        qsv = tk.config.get(QSV_BIN)
        if not qsv or not os.path.isfile(qsv):
            return tk._("the qsv binary DataPusher+ runs is missing ({path})").format(path=qsv)
        return None
