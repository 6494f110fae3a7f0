"""HTTP client of the DataPusher job protocol (see README, "The service").

Retries (connection errors, timeouts, 429, 502, 503, 504) are urllib3's
``Retry`` on a ``requests`` session, with exponential backoff and
``Retry-After``.  A job is queued with ``POST /job/<job id>``: we choose the id
(ckanserviceprovider accepts it), so the row exists before the service can call
back, and a retried POST cannot queue the same job twice.

Nothing here logs a token or a job key, whatever ``debug`` says.
"""
from __future__ import annotations

import datetime
import logging
import time
from typing import Any, Optional
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

import ckan.plugins.toolkit as tk
from ckan.lib.redis import connect_to_redis

from ckanext.datapusherplusapi import config

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 502, 503, 504)


class ServiceError(Exception):
    """The service could not be used; ``kind`` is ``unavailable``,
    ``timeout`` or ``bad_answer``."""

    def __init__(self, kind: str, detail: str, status: Optional[int] = None):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status = status


def _session(retries: Optional[int] = None) -> requests.Session:
    total = config.max_retries() if retries is None else retries
    retry = Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        other=0,
        backoff_factor=config.backoff_factor(),
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _debug(method: str, url: str, status: Any, started: float) -> None:
    if config.debug():
        log.info("DataPusher+ %s %s -> %s in %.3fs", method, url, status,
                 time.monotonic() - started)


def _request(method: str, path: str, retries: Optional[int] = None,
             **kwargs: Any) -> requests.Response:
    url = urljoin(config.service_url() + "/", path.lstrip("/"))
    timeout = config.timeout()
    started = time.monotonic()
    attempts = (config.max_retries() if retries is None else retries) + 1
    with _session(retries) as session:
        try:
            response = session.request(method, url, timeout=(timeout, timeout), **kwargs)
        except requests.exceptions.ConnectTimeout as e:
            _debug(method, url, "connect timeout", started)
            raise ServiceError("timeout", f"connect timeout after {attempts} attempt(s)") from e
        except requests.exceptions.ReadTimeout as e:
            _debug(method, url, "read timeout", started)
            raise ServiceError("timeout", f"no answer within {timeout}s") from e
        except requests.exceptions.ConnectionError as e:
            reason = e.args[0].reason if e.args and isinstance(e.args[0], MaxRetryError) else None
            if isinstance(reason, ReadTimeoutError):
                _debug(method, url, "read timeout", started)
                raise ServiceError(
                    "timeout", f"no answer within {timeout}s, {attempts} attempt(s)") from e
            _debug(method, url, "connection error", started)
            raise ServiceError(
                "unavailable", f"connection failed after {attempts} attempt(s)") from e
        except requests.exceptions.RequestException as e:
            _debug(method, url, type(e).__name__, started)
            raise ServiceError("unavailable", type(e).__name__) from e
    _debug(method, url, response.status_code, started)
    if response.status_code < 500:
        _remember_contact()
    return response


def _last_contact_key() -> str:
    return "{}:datapusherplusapi:last_contact".format(tk.config.get("ckan.site_id"))


_remembered = 0.0  # when this process last wrote the contact time (monotonic)


def _remember_contact() -> None:
    """Record, for every CKAN process, when the service last answered (to
    the second: a process writes it at most once a second)."""
    global _remembered
    if time.monotonic() - _remembered < 1.0:
        return
    _remembered = time.monotonic()
    try:
        connect_to_redis().set(_last_contact_key(), datetime.datetime.utcnow().isoformat())
    except Exception:  # Redis down must not break a submission
        log.warning("DataPusher+: could not record the last contact in Redis")


def last_success() -> Optional[str]:
    """When the service last answered (ISO 8601, UTC), from any CKAN process."""
    try:
        value = connect_to_redis().get(_last_contact_key())
    except Exception:
        return None
    return value.decode() if isinstance(value, bytes) else value


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as e:
        raise ServiceError("bad_answer", "the answer is not JSON", response.status_code) from e
    if not isinstance(body, dict):
        raise ServiceError("bad_answer", "the answer is not a JSON object", response.status_code)
    return body


def submit_job(job_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Queue a job under ``job_id``; return ``{"job_id", "job_key"}``.

    A 409 saying that the id already exists means that an earlier try of
    this very request was accepted: the job is queued (its key is lost).
    """
    response = _request("POST", f"job/{job_id}", json=payload)
    if response.status_code == 409:
        body = _safe_json(response)
        message = str(body.get("error", ""))
        if "already exists" in message:
            return {"job_id": job_id, "job_key": None}
        raise ServiceError("bad_answer", f"HTTP 409: {message[:500]}", 409)
    if response.status_code != 200:
        body = _safe_json(response)
        message = str(body.get("error", "") or response.reason or "")
        raise ServiceError("bad_answer", f"HTTP {response.status_code}: {message[:500]}",
                           response.status_code)
    body = _json(response)
    if not body.get("job_id"):
        raise ServiceError("bad_answer", "the answer has no job_id", 200)
    return {"job_id": str(body["job_id"]), "job_key": body.get("job_key")}


def job_status(job_id: str, job_key: Optional[str], limit: int = 200) -> dict[str, Any]:
    """The service's view of a job (``GET /job/<id>``)."""
    headers = {"Authorization": job_key} if job_key else {}
    response = _request("GET", f"job/{job_id}", params={"limit": limit}, headers=headers)
    if response.status_code != 200:
        raise ServiceError("bad_answer", f"HTTP {response.status_code}", response.status_code)
    return _json(response)


def service_status() -> dict[str, Any]:
    """The service's ``GET /status`` (name, version, job types, stats), asked
    once: a health probe does not retry."""
    response = _request("GET", "status", retries=0)
    if response.status_code != 200:
        raise ServiceError("bad_answer", f"HTTP {response.status_code}", response.status_code)
    return _json(response)


def _safe_json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def probe_size(url: str) -> Optional[int]:
    """Size in bytes announced by an http(s) HEAD request, or None.

    Only http and https are spoken; redirects are followed (at most 3) only
    within the same scheme and host; the configured timeout applies; any
    failure means "unknown".
    """
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
        if response.is_redirect:
            target = urljoin(current, response.headers.get("Location", ""))
            target_parts = urlsplit(target)
            if (target_parts.scheme, target_parts.netloc) != (parts.scheme, parts.netloc):
                return None
            current = target
            continue
        if response.status_code != 200:
            return None
        try:
            return int(response.headers.get("Content-Length", ""))
        except ValueError:
            return None
    return None
