"""Validators of the plugin (config declarations use the first two)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk


def datapusherplusapi_http_url(value: Any) -> Any:
    """An absolute http(s) URL with a host."""
    if value is tk.missing or value is None or value == "":
        return value
    parts = urlsplit(str(value).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise tk.Invalid(tk._("Must be an http:// or https:// URL with a host name, got {value!r}")
                         .format(value=str(value)))
    return str(value).strip()


def datapusherplusapi_non_negative_float(value: Any) -> Any:
    """A number >= 0, as a float."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("Must be a number"))
    if number < 0:
        raise tk.Invalid(tk._("Must be zero or more"))
    return number
