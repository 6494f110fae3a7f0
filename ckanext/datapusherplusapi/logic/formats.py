"""A resource's format, as every part of this extension reads it (the submit
path, the loaders' own loads, auto-submit, the ``ckan`` command, the pages)."""
from __future__ import annotations

import mimetypes
import posixpath
from typing import Any
from urllib.parse import urlsplit


def resource_format(resource: dict[str, Any]) -> str:
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
