"""What a resource's URL answers to one HEAD request (its size, its status),
within the limits in docs/security.md, "What the size probe can reach": only http and
https, redirects (3 at most) only within the same scheme and host, the
configured timeout, no body read; any failure means "unknown"."""
from __future__ import annotations

from typing import Optional
from urllib.parse import urljoin, urlsplit

import requests

from ckanext.datapusherplusapi import config


def head(url: str) -> Optional[requests.Response]:
    """The final answer to a HEAD request on ``url``, or None."""
    timeout = config.timeout()
    current = url
    for _hop in range(4):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        try:
            response = requests.head(current, allow_redirects=False, timeout=(timeout, timeout))
        except requests.exceptions.RequestException:
            return None
        if not response.is_redirect:
            return response
        target = urljoin(current, response.headers.get("Location", ""))
        target_parts = urlsplit(target)
        if (target_parts.scheme, target_parts.netloc) != (parts.scheme, parts.netloc):
            return None
        current = target
    return None


def size(url: str) -> Optional[int]:
    """Size in bytes announced by the URL, or None."""
    response = head(url)
    if response is None or response.status_code != 200:
        return None
    try:
        return int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
