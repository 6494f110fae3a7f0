"""Who the DataPusher+ service is: the owner of the configured API token."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
from ckan.lib import api_token

from ckanext.datapusherplusapi import config


def service_user() -> Optional[model.User]:
    """The user of ``ckanext.datapusher_plus.api_token``, if the token is valid."""
    return api_token.get_user_from_token(config.api_token(), update_access_time=False)


def is_service_user(user: Any) -> bool:
    """Whether ``user`` (a name, an id or a ``model.User``) is the service's user."""
    if not user:
        return False
    owner = service_user()
    if owner is None:
        return False
    if isinstance(user, model.User):
        return user.id == owner.id
    return user in (owner.name, owner.id)
