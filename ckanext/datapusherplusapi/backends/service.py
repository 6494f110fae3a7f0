"""Back end ``service``: a service speaking the DataPusher job protocol over
HTTP (DataPusher, service-era DataPusher+; see docs/backends.md, "`service`:
the DataPusher job protocol").

Retries (connection errors, timeouts, 429, 502, 503, 504) are urllib3's
``Retry`` on a ``requests`` session, with exponential backoff and
``Retry-After``.  A job is queued with ``POST /job/<job id>``: we choose the id
(ckanserviceprovider accepts it), so the row exists before the service can call
back, and a retried POST cannot queue the same job twice.

Nothing here logs a token or a job key, whatever ``debug`` says.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Optional
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import config, lifecycle, probe
from ckanext.datapusherplusapi.backends.base import (
    Accepted,
    Backend,
    BackendError,
    last_success,
    remember_contact,
)
from ckanext.datapusherplusapi.lifecycle import News
from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import COMPLETE, ERROR, RUNNING, SUBMITTED, Job

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 502, 503, 504)


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
             timeout: Optional[int] = None, **kwargs: Any) -> requests.Response:
    url = urljoin(config.service_url() + "/", path.lstrip("/"))
    timeout = timeout or config.timeout()
    started = time.monotonic()
    attempts = (config.max_retries() if retries is None else retries) + 1
    with _session(retries) as session:
        try:
            response = session.request(method, url, timeout=(timeout, timeout), **kwargs)
        except requests.exceptions.ConnectTimeout as e:
            _debug(method, url, "connect timeout", started)
            raise BackendError("timeout", f"connect timeout after {attempts} attempt(s)") from e
        except requests.exceptions.ReadTimeout as e:
            _debug(method, url, "read timeout", started)
            raise BackendError("timeout", f"no answer within {timeout}s") from e
        except requests.exceptions.ConnectionError as e:
            reason = e.args[0].reason if e.args and isinstance(e.args[0], MaxRetryError) else None
            if isinstance(reason, ReadTimeoutError):
                _debug(method, url, "read timeout", started)
                raise BackendError(
                    "timeout", f"no answer within {timeout}s, {attempts} attempt(s)") from e
            _debug(method, url, "connection error", started)
            raise BackendError(
                "unavailable", f"connection failed after {attempts} attempt(s)") from e
        except requests.exceptions.RequestException as e:
            _debug(method, url, type(e).__name__, started)
            raise BackendError("unavailable", type(e).__name__) from e
    _debug(method, url, response.status_code, started)
    if response.status_code < 500:
        remember_contact()
    return response


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as e:
        raise BackendError("bad_answer", "the answer is not JSON", response.status_code) from e
    if not isinstance(body, dict):
        raise BackendError("bad_answer", "the answer is not a JSON object", response.status_code)
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
        raise BackendError("bad_answer", f"HTTP 409: {message[:500]}", 409)
    if response.status_code != 200:
        body = _safe_json(response)
        message = str(body.get("error", "") or response.reason or "")
        raise BackendError("bad_answer", f"HTTP {response.status_code}: {message[:500]}",
                           response.status_code)
    body = _json(response)
    if not body.get("job_id"):
        raise BackendError("bad_answer", "the answer has no job_id", 200)
    key = body.get("job_key")
    return {"job_id": str(body["job_id"]), "job_key": None if key is None else str(key)}


def job_status(job_id: str, job_key: Optional[str], limit: int = 200,
               retries: Optional[int] = None, timeout: Optional[int] = None) -> dict[str, Any]:
    """The service's view of a job (``GET /job/<id>``)."""
    headers = {"Authorization": job_key} if job_key else {}
    response = _request("GET", f"job/{job_id}", params={"limit": limit}, headers=headers,
                        retries=retries, timeout=timeout)
    if response.status_code != 200:
        raise BackendError("bad_answer", f"HTTP {response.status_code}", response.status_code)
    return _json(response)


def service_status() -> dict[str, Any]:
    """The service's ``GET /status`` (name, version, job types, stats), asked
    once: a health probe does not retry."""
    response = _request("GET", "status", retries=0)
    if response.status_code != 200:
        raise BackendError("bad_answer", f"HTTP {response.status_code}", response.status_code)
    return _json(response)


def _safe_json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


HOOK_PATH = "/api/3/action/datapusher_plus_hook"
DEFAULT_FORMATS = ("CSV", "TSV", "XLS")  # what DataPusher 0.0.17 reads
POLL_TIMEOUT = 5  # seconds: a question about a silent job must not hold a page long


def payload(job_id: str, resource: dict[str, Any], force: bool) -> dict[str, Any]:
    """The body of ``POST /job/<id>``: the job, its callback and the token."""
    base = config.callback_url_base()
    return {
        "api_key": config.api_token(),
        "job_type": "push_to_datastore",
        "result_url": base + HOOK_PATH,
        "metadata": {
            "ckan_url": base,
            "resource_id": resource["id"],
            "set_url_type": False,
            "ignore_hash": bool(force),
            "task_created": lifecycle.now().isoformat(),
            "original_url": resource.get("url"),
        },
    }


def news(answer: dict[str, Any]) -> News:
    """What a job dict of the protocol (a callback, or ``GET /job/<id>``) says."""
    status = str(answer.get("status") or "")
    logs = lifecycle.clean_logs(answer.get("logs")) or None
    if status == "complete":
        return News(COMPLETE, logs=logs)
    if status == "error":
        raw = answer.get("error")
        return News(ERROR, error=(lifecycle.error_text(raw)
                                  or Message("The service reported an error")),
                    detail=raw if isinstance(raw, dict) else None, logs=logs)
    return News(RUNNING if status == "running" else SUBMITTED, logs=logs)


class ServiceBackend(Backend):
    """A DataPusher-protocol service at ``ckanext.datapusher_plus.url``."""

    name = "service"
    label = "DataPusher service"

    def loadable_formats(self) -> list[str]:
        # Only the service knows what it reads: ``formats`` replaces the default.
        return config.formats() or list(DEFAULT_FORMATS)

    def check_config(self) -> list[str]:
        missing = []
        if not config.service_url():
            missing.append("{}: {}".format(config.URL, tk._("Missing value")))
        if not config.api_token():
            missing.append("{}: {}".format(config.API_TOKEN, tk._("Missing value")))
        return missing

    def submit(self, job: Job, resource: dict[str, Any], force: bool,
               user: Optional[str]) -> Accepted:
        answer = submit_job(job.id, payload(job.id, resource, force))
        return Accepted(answer["job_id"], answer.get("job_key"))

    def poll(self, job: Job) -> Optional[News]:
        if not job.service_job_id:
            return None
        try:
            answer = job_status(job.service_job_id, job.job_key, retries=0,
                                timeout=min(config.timeout(), POLL_TIMEOUT))
        except BackendError as e:
            if e.status == 404:
                return News("lost", error=Message("The service does not know this job any more"))
            raise
        found = news(answer)
        if (found.status in (SUBMITTED, RUNNING) and found.logs
                and found.logs == (job.logs or None)):
            # Started (it logged), and nothing new since the last question,
            # ``check_after`` seconds ago at least: DataPusher stops this way
            # when it fails inside its own error path, and keeps calling the
            # job pending.  A late callback still ends the job as it says.
            return News(ERROR, error_type=lifecycle.SILENT, error=self._silence(job, found.logs),
                        logs=found.logs)
        return found

    def _silence(self, job: Job, logs: list[dict[str, Any]]) -> Message:
        params: dict[str, Any] = {
            "seconds": int((lifecycle.now() - job.updated_at).total_seconds()),
            "line": logs[-1]["message"]}
        answer = probe.head(job.resource_url or "")
        if answer is not None and answer.status_code >= 400:
            params.update(status=answer.status_code, reason=answer.reason or "")
            return Message("The service has reported nothing new on this job for {seconds} s; "
                           "its last log line: \u201c{line}\u201d. The file answers HTTP "
                           "{status} {reason}.", params)
        return Message("The service has reported nothing new on this job for {seconds} s; "
                       "its last log line: \u201c{line}\u201d.", params)

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = {"url": config.service_url(), "reachable": False, "name": None,
                                  "version": None, "job_types": [], "stats": {}, "error": None}
        try:
            body = service_status()
        except BackendError as e:
            result["error"] = e.detail
        else:
            result.update(reachable=True, name=body.get("name"), version=body.get("version"),
                          job_types=body.get("job_types") or [], stats=body.get("stats") or {})
        result["last_success"] = last_success()
        return result
