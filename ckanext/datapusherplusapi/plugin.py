"""The datapusherplusapi plugin: declarative, everything through blankets."""
from __future__ import annotations

from pathlib import Path

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.config_declarations
class DatapusherPlusApiPlugin(p.SingletonPlugin, DefaultTranslation):
    """Push resources into the DataStore through a DataPusher+ service."""

    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource(str(_webassets_folder()), "datapusherplusapi")


def _webassets_folder() -> Path:
    """The top-level webassets/ folder: inside the package in a wheel, at the
    repository's top in a source checkout (editable install)."""
    here = Path(__file__).resolve().parent
    installed = here / "webassets"
    return installed if installed.is_dir() else here.parent.parent / "webassets"
