"""Auth functions, called directly (CKAN's call_auth)."""
from __future__ import annotations

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan import authz
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.tests.helpers import make_resource, member_of

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _context(user):
    return {"user": user["name"] if user else "", "model": model}


def test_submit_follows_resource_update():
    org = factories.Organization()
    rid = make_resource(org)["id"]
    editor = member_of(org["id"], "editor")
    assert helpers.call_auth("datapusher_plus_submit", _context(editor), resource_id=rid)
    for user in (member_of(org["id"], "member"), factories.User(), None):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("datapusher_plus_submit", _context(user), resource_id=rid)


def test_status_follows_resource_show():
    org = factories.Organization()
    public = make_resource(org)["id"]
    private = make_resource(org, private=True)["id"]
    assert helpers.call_auth("datapusher_plus_status", _context(None), resource_id=public)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_auth("datapusher_plus_status", _context(None), resource_id=private)
    member = member_of(org["id"], "member")
    assert helpers.call_auth("datapusher_plus_status", _context(member), resource_id=private)


def test_status_of_a_public_resource_still_asks_a_plugin_that_replaced_resource_show(
        monkeypatch):
    """The status action's shortcut for public resources (no membership
    lookup) is taken only under CKAN's own read rules."""
    org = factories.Organization()
    public = make_resource(org)["id"]
    user = factories.User()
    context = dict(_context(user), ignore_auth=False)  # (call_action ignores auth)
    assert helpers.call_action("datapusher_plus_status", dict(context), resource_id=public)
    authz._AuthFunctions.keys()  # built

    def nobody(context, data_dict):
        return {"success": False, "msg": "a plugin's own rule"}

    monkeypatch.setitem(authz._AuthFunctions._functions, "resource_show", nobody)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("datapusher_plus_status", dict(context), resource_id=public)


def test_hook_only_for_the_service_user(service_user):
    assert helpers.call_auth("datapusher_plus_hook", _context(service_user))
    for user in (factories.Sysadmin(), factories.User(), None):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("datapusher_plus_hook", _context(user))
