"""The datapusherplusapi plugin: declarative, everything through blankets."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation

from ckanext.datapusherplusapi import jobs


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.config_declarations
@tk.blanket.cli
class DatapusherPlusApiPlugin(p.SingletonPlugin, DefaultTranslation):
    """Push resources into the DataStore through a DataPusher+ service."""

    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IResourceUrlChange)

    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource(str(_webassets_folder()), "datapusherplusapi")

    # Auto-submit (ckanext.datapusher_plus.auto_submit): a background job each.
    def after_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        jobs.queue_auto_submit(resource, user=context.get("user"))

    def notify(self, resource: Any) -> None:
        """The resource's URL or uploaded file changed (called as the change
        is committed: the job waits until it can read the new URL)."""
        jobs.queue_auto_submit({"id": resource.id, "format": resource.format, "url": resource.url,
                                "mimetype": resource.mimetype}, expected_url=resource.url)


def _webassets_folder() -> Path:
    """The top-level webassets/ folder: inside the package in a wheel, at the
    repository's top in a source checkout (editable install)."""
    here = Path(__file__).resolve().parent
    installed = here / "webassets"
    return installed if installed.is_dir() else here.parent.parent / "webassets"
