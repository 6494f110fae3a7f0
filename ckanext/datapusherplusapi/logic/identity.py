"""Who the DataPusher+ service is: the owner of the configured API token."""
from __future__ import annotations

import time
from typing import Any, Optional

import ckan.model as model
from ckan.lib import api_token

from ckanext.datapusherplusapi import config


def service_user() -> Optional[model.User]:
    """The user of ``ckanext.datapusher_plus.api_token``, if the token is valid."""
    return api_token.get_user_from_token(config.api_token(), update_access_time=False)


# token -> (monotonic expiry, owner id, owner name); for is_service_user(cached=True)
_OWNERS: dict[str, tuple[float, Optional[str], Optional[str]]] = {}
OWNER_TTL = 30.0


def forget_process_state() -> None:
    """Forget the cached token owners (for tests)."""
    _OWNERS.clear()


def _owner(cached: bool) -> tuple[Optional[str], Optional[str]]:
    token = config.api_token()
    now = time.monotonic()
    if cached and token in _OWNERS and _OWNERS[token][0] > now:
        return _OWNERS[token][1:]
    owner = service_user()
    found = (owner.id, owner.name) if owner is not None else (None, None)
    if cached:
        _OWNERS.clear()  # one token at a time
        _OWNERS[token] = (now + OWNER_TTL,) + found
    return found


def is_service_user(user: Any, cached: bool = False) -> bool:
    """Whether ``user`` (a name, an id or a ``model.User``) is the service's user.

    ``cached``: the token's owner as read within the last ``OWNER_TTL``
    seconds, for the DataStore hook, which runs on every DataStore write (it
    only marks a job running).  Authorization (the callback) never uses it."""
    if not user:
        return False
    owner_id, owner_name = _owner(cached)
    if owner_id is None:
        return False
    if isinstance(user, model.User):
        return user.id == owner_id
    return user in (owner_name, owner_id)
