"""The authorization matrix, in one table (docs/security.md, "Authorization matrix").

Users × endpoints × resources (public, private dataset; deleted resource).
Expected answers follow CKAN's rules: pushing is ``resource_update``, seeing
the status is ``resource_show``, the dashboard is for sysadmins, the callback
only for the service's token.
"""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.tests.fake_service import Callback
from ckanext.datapusherplusapi.tests.helpers import member_of, sysadmin_with_token, user_with_token

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

USERS = ("anonymous", "non_member", "member", "editor", "admin", "other_editor", "sysadmin")
PUSHERS = {"editor", "admin", "sysadmin"}
READERS = {"member", "editor", "admin", "sysadmin"}
EVERYONE = set(USERS)
NOBODY: set = set()

# endpoint -> resource kind -> (users who get the "allowed" answer, allowed, refused)
MATRIX = {
    "submit": {"public": (PUSHERS, 200, 403), "private": (PUSHERS, 200, 403),
               "deleted": (NOBODY, 200, (403, 404))},
    "status (path)": {"public": (EVERYONE, 200, 403), "private": (READERS, 200, 403),
                      "deleted": (NOBODY, 200, (403, 404))},
    "status (query)": {"public": (EVERYONE, 200, 403), "private": (READERS, 200, 403),
                       "deleted": (NOBODY, 200, (403, 404))},
    "status (ckan api)": {"public": (EVERYONE, 200, 403), "private": (READERS, 200, 403),
                          "deleted": (NOBODY, 200, (403, 404))},
    "hook": {"public": (NOBODY, 200, 403), "private": (NOBODY, 200, 403),
             "deleted": (NOBODY, 200, 403)},
    "tab": {"public": (PUSHERS, 200, 403), "private": (PUSHERS, 200, 403),
            "deleted": (NOBODY, 200, (403, 404))},
    "tab fragment": {"public": (PUSHERS, 200, 403), "private": (PUSHERS, 200, 403),
                     "deleted": (NOBODY, 200, (403, 404))},
    # Without a CSRF token: who may push is refused for CSRF ("csrf": 400 naming
    # the token), everybody else for authorization first.
    "tab post (no csrf)": {"public": (PUSHERS, "csrf", 403), "private": (PUSHERS, "csrf", 403),
                           "deleted": (PUSHERS, "csrf", (403, 404))},
    "resource page button": {"public": (PUSHERS, "button", "no button"),
                             "private": (PUSHERS, "button", ("no button", 403, 404))},
    "dashboard": {"any": ({"sysadmin"}, 200, 403)},
    "dashboard export": {"any": ({"sysadmin"}, 200, 403)},
    "dashboard retry (no csrf)": {"any": ({"sysadmin"}, "csrf", 403)},
    "job list (ckan api)": {"any": ({"sysadmin"}, 200, 403)},
    "stats (ckan api)": {"any": ({"sysadmin"}, 200, 403)},
}


@pytest.fixture
def world(app, service_user, fake_service, live_ckan):
    fake_service.callback = Callback()
    org = factories.Organization()
    other = factories.Organization()
    users = {
        "anonymous": None,
        "non_member": user_with_token(),
        "member": member_of(org["id"], "member"),
        "editor": member_of(org["id"], "editor"),
        "admin": member_of(org["id"], "admin"),
        "other_editor": member_of(other["id"], "editor"),
        "sysadmin": sysadmin_with_token(),
    }
    public = factories.Dataset(owner_org=org["id"])
    private = factories.Dataset(owner_org=org["id"], private=True)
    resources = {
        "public": factories.Resource(package_id=public["id"], url="http://127.0.0.1:9/a.csv",
                                     format="CSV"),
        "private": factories.Resource(package_id=private["id"], url="http://127.0.0.1:9/b.csv",
                                      format="CSV"),
        "deleted": factories.Resource(package_id=public["id"], url="http://127.0.0.1:9/c.csv",
                                      format="CSV"),
    }
    job = helpers.call_action("datapusher_plus_submit", {"user": users["sysadmin"]["name"]},
                              resource_id=resources["public"]["id"])
    fake_service.wait_callbacks()
    helpers.call_action("resource_delete", id=resources["deleted"]["id"])
    return {"users": users, "resources": resources, "job_id": job["job_id"]}


def _csrf_or_code(response):
    """"csrf" for a refusal that names the missing CSRF token, else the status."""
    if response.status_code == 400 and "CSRF token" in response.get_data(as_text=True):
        return "csrf"
    return response.status_code


def _answer(app, endpoint, resource, user, job_id):
    headers = {"Authorization": user["token"]} if user else {}
    rid = resource["id"] if resource else None
    pkg = resource["package_id"] if resource else None
    if endpoint == "submit":
        return app.post("/api/3/action/datapusher_plus_submit", json={"resource_id": rid,
                        "force": True}, headers=headers).status_code
    if endpoint == "status (path)":
        return app.get("/api/3/action/datapusher_plus_status/" + rid, headers=headers).status_code
    if endpoint == "status (query)":
        return app.get("/api/3/action/datapusher_plus_status", query_string={"resource_id": rid},
                       headers=headers).status_code
    if endpoint == "status (ckan api)":
        return app.get("/api/action/datapusher_plus_status", query_string={"resource_id": rid},
                       headers=headers).status_code
    if endpoint == "hook":
        return app.post("/api/3/action/datapusher_plus_hook", json={
            "job_id": job_id, "status": "complete", "metadata": {"resource_id": rid}},
            headers=headers).status_code
    tab = "/dataset/{}/datapusher-plus/{}".format(pkg, rid)
    if endpoint == "tab":
        return app.get(tab, headers=headers).status_code
    if endpoint == "tab fragment":
        code = app.get(tab, query_string={"part": "status"},
                       headers=dict(headers, **{"HX-Request": "true"})).status_code
        return 200 if code == 286 else code
    if endpoint == "tab post (no csrf)":
        return _csrf_or_code(app.post(tab, data={"part": "status"}, headers=headers))
    if endpoint == "resource page button":
        response = app.get("/dataset/{}/resource/{}".format(pkg, rid), headers=headers)
        if response.status_code != 200:
            return response.status_code
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        return "button" if page.find(id="dpp-badge") else "no button"
    if endpoint == "dashboard":
        return app.get("/ckan-admin/datapusher-plus/", headers=headers).status_code
    if endpoint == "dashboard export":
        return app.get("/ckan-admin/datapusher-plus/export.csv", headers=headers).status_code
    if endpoint == "dashboard retry (no csrf)":
        return _csrf_or_code(app.post("/ckan-admin/datapusher-plus/jobs/{}/retry".format(job_id),
                                      headers=headers))
    if endpoint == "job list (ckan api)":
        return app.get("/api/action/datapusher_plus_job_list", headers=headers).status_code
    if endpoint == "stats (ckan api)":
        return app.get("/api/action/datapusher_plus_stats", headers=headers).status_code
    raise AssertionError(endpoint)


def test_authorization_matrix(app, world):
    mismatches = []
    checked = 0
    for endpoint, kinds in MATRIX.items():
        for kind, (allowed_users, allowed, refused) in kinds.items():
            resource = world["resources"].get(kind)
            for who in USERS:
                got = _answer(app, endpoint, resource, world["users"][who], world["job_id"])
                expected = allowed if who in allowed_users else refused
                ok = got in expected if isinstance(expected, tuple) else got == expected
                checked += 1
                if not ok:
                    mismatches.append("{} / {} / {}: got {!r}, expected {!r}".format(
                        endpoint, kind, who, got, expected))
    print("authorization matrix: {} cases checked".format(checked))
    assert mismatches == [], "\n".join(mismatches)


def test_hook_with_the_service_token(app, world, service_user):
    """The one caller the hook accepts (the matrix's users are all refused)."""
    response = app.post("/api/3/action/datapusher_plus_hook", json={
        "job_id": world["job_id"], "status": "complete",
        "metadata": {"resource_id": world["resources"]["public"]["id"]}},
        headers={"Authorization": service_user["token"]})
    assert response.status_code == 200
