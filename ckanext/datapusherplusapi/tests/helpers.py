"""Helpers shared by the tests (not fixtures)."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Optional

from ckan.tests import factories, helpers

SUBMIT_URL = "/api/3/action/datapusher_plus_submit"
STATUS_URL = "/api/3/action/datapusher_plus_status"


def make_resource(org: Optional[dict[str, Any]] = None, private: bool = False,
                  **resource: Any) -> dict[str, Any]:
    """An organization's dataset with one CSV resource (served nowhere)."""
    org = org or factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], private=private)
    resource.setdefault("url", "http://127.0.0.1:9/data.csv")
    resource.setdefault("format", "CSV")
    return factories.Resource(package_id=dataset["id"], **resource)


def auth(user: dict[str, Any]) -> dict[str, str]:
    """Request headers authenticating ``user`` (who has a ``token``)."""
    return {"Authorization": user["token"]}


def user_with_token(**kwargs: Any) -> dict[str, Any]:
    user = factories.User(**kwargs)
    user["token"] = factories.APIToken(user=user["name"])["token"]
    return user


def sysadmin_with_token() -> dict[str, Any]:
    user = factories.Sysadmin()
    user["token"] = factories.APIToken(user=user["name"])["token"]
    return user


def member_of(org_id: str, role: str) -> dict[str, Any]:
    """A user with a token and ``role`` (member, editor, admin) in the org."""
    user = user_with_token()
    helpers.call_action("organization_member_create", id=org_id,
                        username=user["name"], role=role)
    return user


def wait_for(predicate: Callable[[], Any], timeout: float = 30, step: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met within {}s".format(timeout))


def submit(app: Any, resource_id: str, user: dict[str, Any], status: int = 200,
           **body: Any) -> dict[str, Any]:
    """POST the specification's submit endpoint as ``user``; check the HTTP status."""
    body.setdefault("resource_id", resource_id)
    response = app.post(SUBMIT_URL, json=body, headers=auth(user))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json



# ---------------------------------------------------------------- browser ---
PASSWORD = "correct-horse-42"  # of the users the browser tests log in as
SHOTS = Path(os.environ.get("DPP_SCREENSHOTS",
                            Path(os.environ.get("DPP_HOME", Path(__file__).resolve().parents[3]
                                                / ".dev")) / "screenshots"))


def login(page: Any, base: str, user: dict[str, Any]) -> None:
    """Log ``user`` (made with ``PASSWORD``) in through CKAN's login form."""
    page.goto(base + "/user/login")
    page.fill("#field-login", user["name"])
    page.fill("#field-password", PASSWORD)
    page.locator("form:has(#field-login) button[type=submit]").click()
    page.wait_for_url(lambda url: "/user/login" not in url)


def shot(page: Any, name: str) -> None:
    """A full-page screenshot in ``SHOTS``, for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (name + ".png")), full_page=True)
