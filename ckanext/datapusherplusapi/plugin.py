"""The datapusherplusapi plugin: declarative, everything through blankets."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import ckan.logic
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.authz import get_local_functions
from ckan.common import CKANConfig
from ckan.exceptions import CkanConfigurationException
from ckan.lib.plugins import DefaultTranslation

from ckanext.datapusherplusapi import backends, compat, helpers, mail, signals, webhook
from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.logic import background
from ckanext.datapusherplusapi.logic.action import admin, chains, resource

# The loaders that are CKAN plugins ask their IXloader / IDataPusher plugins
# whether to load a resource (``can_upload``); neither need be installed.
try:
    from ckanext.xloader.interfaces import IXloader
except ImportError:
    IXloader = None
try:
    from ckanext.datapusher_plus.interfaces import IDataPusher
except ImportError:
    IDataPusher = None

# The chained actions, and the plugin each chains an action of.
_CHAINED_FROM = {"datastore_create": "datastore", "datastore_delete": "datastore",
                 "xloader_submit": "xloader",
                 "xloader_hook": "xloader", "datapusher_submit": "datapusher_plus",
                 "datapusher_hook": "datapusher_plus"}


def _actions() -> dict[str, Any]:
    """The public functions of the action modules (as the module blanket),
    each chained action only while the plugin under it is loaded: CKAN 2.10
    refuses every action when a chained one has nothing under it (as when
    plugins are unloaded one by one, datastore first; see compat)."""
    actions: dict[str, Any] = {}
    for module in (resource, admin, chains):
        actions.update(get_local_functions(module))
    for name, plugin in _CHAINED_FROM.items():
        if not p.plugin_loaded(plugin):
            actions.pop(name)
    return actions


def _helpers() -> dict[str, Any]:
    """The template helpers (``helpers.__all__``), and, while ckanext-xloader
    is loaded, ours chained over its own tab's and badge's helpers."""
    found = {name: getattr(helpers, name) for name in helpers.__all__}
    if p.plugin_loaded("xloader"):
        found.update(helpers.XLOADER_HELPERS)
    return found


def _declare_options(declaration: Any, key: Any) -> None:
    """Our options (``config_declaration.yaml``), whose validators are ours.

    CKAN builds its list of validators once, the first time one is asked for,
    and clears it only after it has checked the config.  A plugin listed
    before this one can ask first (the DataStore's schema module does so when
    it is imported), before our validators are registered: our options would
    then name unknown validators and CKAN would refuse to start.  Clearing the
    list here, once every plugin is registered and before the config is
    checked, lets the next question build it whole, in any plugin order.
    """
    ckan.logic.clear_validators_cache()
    with open(Path(__file__).with_name("config_declaration.yaml"), encoding="utf-8") as f:
        declaration.load_dict(yaml.safe_load(f))


@tk.blanket.actions(_actions)
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers(_helpers)
@tk.blanket.blueprints
@tk.blanket.config_declarations(_declare_options)
@tk.blanket.cli
class DatapusherPlusApiPlugin(p.SingletonPlugin, DefaultTranslation):
    """Push resources into the DataStore through the portal's loader, and watch it."""

    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITranslation)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IResourceUrlChange)
    p.implements(p.ISignal)
    if IXloader is not None:
        p.implements(IXloader, inherit=True)
    if IDataPusher is not None:
        p.implements(IDataPusher, inherit=True)

    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource(str(_webassets_folder()), "datapusherplusapi")

    def configure(self, config: CKANConfig) -> None:
        compat.refuse_invalid_options(config)  # CKAN 2.10 only warns
        problems = backends.current().check_config()
        url, secret = dpp_config.webhook()
        if url and not secret:
            problems.append("{}: required with {}".format(dpp_config.WEBHOOK_SECRET,
                                                          dpp_config.WEBHOOK_URL))
        if problems:
            raise CkanConfigurationException(
                "Invalid configuration values provided:\n" + "\n".join(problems))

    def get_signal_subscriptions(self) -> dict[Any, list[Any]]:
        """Who hears of a failed job: the publishers' mails, the operators' webhook."""
        return {signals.job_failed: [mail.job_failed, webhook.job_failed]}

    # Auto-submit (ckanext.datapusher_plus.auto_submit): a background job each.
    def after_resource_create(self, context: Any, resource: dict[str, Any]) -> None:
        background.queue_auto_submit(resource, user=context.get("user"))

    def notify(self, resource: Any) -> None:
        """The resource's URL or uploaded file changed (called as the change
        is committed: the job waits until it can read the new URL)."""
        background.queue_auto_submit({"id": resource.id, "format": resource.format,
                                      "url": resource.url, "mimetype": resource.mimetype},
                                     expected_url=resource.url)

    # IXloader, IDataPusher (DataPusher+ 2.x): their own loads (auto-submit,
    # button, command) of a format that goes to the built-in loader are refused.
    def can_upload(self, resource_id: str) -> bool:
        return background.loader_may_load(resource_id)


def _webassets_folder() -> Path:
    """The top-level webassets/ folder: inside the package in a wheel, at the
    repository's top in a source checkout (editable install)."""
    here = Path(__file__).resolve().parent
    installed = here / "webassets"
    return installed if installed.is_dir() else here.parent.parent / "webassets"
