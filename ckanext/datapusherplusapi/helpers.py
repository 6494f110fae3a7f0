"""Template helpers (all prefixed ``datapusherplusapi_``)."""
from __future__ import annotations

import mimetypes
import posixpath
from typing import Any, Optional
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import config


def datapusherplusapi_formats() -> list[str]:
    """The formats that may be submitted, upper-cased."""
    return config.formats()


def datapusherplusapi_resource_format(resource: dict[str, Any]) -> str:
    """The resource's format, upper-cased; else the one its URL's file
    extension (or its mimetype) names; "" when nothing tells."""
    fmt = (resource.get("format") or "").strip().upper()
    if fmt:
        return fmt
    path = urlsplit(resource.get("url") or "").path
    ext = posixpath.splitext(path)[1].lstrip(".").upper()
    if not ext and resource.get("mimetype"):
        ext = (mimetypes.guess_extension(resource["mimetype"]) or "").lstrip(".").upper()
    return ext


def datapusherplusapi_is_submittable(resource: dict[str, Any]) -> bool:
    """Whether the resource's format is one DataPusher+ accepts."""
    return datapusherplusapi_resource_format(resource) in config.formats()


def datapusherplusapi_status(resource_id: str) -> Optional[dict[str, Any]]:
    """The resource's DataPusher+ status for the current user, or None when
    they may not see it."""
    try:
        return tk.get_action("datapusher_plus_status")({}, {"resource_id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
