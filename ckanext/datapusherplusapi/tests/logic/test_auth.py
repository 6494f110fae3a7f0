"""Auth functions, called directly (CKAN's call_auth)."""
from __future__ import annotations

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
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


def test_hook_only_for_the_service_user(service_user):
    assert helpers.call_auth("datapusher_plus_hook", _context(service_user))
    for user in (factories.Sysadmin(), factories.User(), None):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_auth("datapusher_plus_hook", _context(user))
