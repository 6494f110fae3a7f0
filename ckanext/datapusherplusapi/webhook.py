"""The operators' webhook: every failed job, reported to a URL of their choice
(``ckanext.datapusher_plus.webhook_url``) as a signed JSON POST.

``lifecycle.fail`` sends ``signals.job_failed``, which ``job_failed`` hears
(``plugin.py`` connects it); it only queues the call for CKAN's background
workers: a web request never waits on the receiver. The worker
tries up to ``ATTEMPTS`` times, pausing ``BACKOFF`` seconds, then twice that,
while the receiver does not answer 2xx (a 4xx refusal other than 408 and 429
is not tried again); then it logs that the report was lost.

The receiver checks the signature: ``X-DataPusherPlus-Signature`` is
``sha256=`` + hex(HMAC-SHA256(secret, timestamp + "." + body)), the timestamp
being ``X-DataPusherPlus-Timestamp`` (seconds since the epoch).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any, Optional

import requests

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import config, messages
from ckanext.datapusherplusapi.model.job import Job

log = logging.getLogger(__name__)

ATTEMPTS = 4
BACKOFF = 1.0  # seconds before the second attempt; doubled each time
TIMEOUT = 10  # seconds per attempt
SIGNATURE = "X-DataPusherPlus-Signature"
TIMESTAMP = "X-DataPusherPlus-Timestamp"
EVENT = "job.failed"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return "sha256=" + digest


def job_failed(job_id: str) -> None:
    """A job failed: queue its report when a webhook is set. Never raises (the
    failure is already recorded; a queue that is down loses only the report)."""
    url, _secret = config.webhook()
    if not url:
        return
    try:
        tk.enqueue_job(send, [job_id], title="DataPusher+ webhook: job failed")
    except Exception:  # Redis down
        log.exception("DataPusher+: webhook report of job %s not queued", job_id)


def payload(job_id: str) -> Optional[dict[str, Any]]:
    """What the receiver gets of a failed job (None when the job is gone)."""
    job = model.Session.get(Job, job_id)
    if job is None:
        return None
    resource = model.Session.get(model.Resource, job.resource_id)
    package = model.Session.get(model.Package, job.package_id) if job.package_id else None
    org = model.Session.get(model.Group, job.organization_id) if job.organization_id else None
    user = model.Session.get(model.User, job.user_id) if job.user_id else None
    site = tk.config["ckan.site_url"].rstrip("/")
    return {
        "event": EVENT,
        "site_url": site,
        "job": dict(job.dictize(),
                    error_raw=messages.render(job.error, job.error_params, raw=True),
                    url="{}/ckan-admin/datapusher-plus/jobs/{}".format(site, job.id)),
        "resource": {"id": job.resource_id, "name": resource.name if resource else None,
                     "url": job.resource_url, "format": job.resource_format},
        "dataset": {"id": job.package_id, "name": package.name if package else None,
                    "title": package.title if package else None},
        "organization": {"id": job.organization_id, "name": org.name if org else None,
                         "title": org.title if org else None},
        "submitted_by": user.name if user else None,
    }


def send(job_id: str) -> bool:
    """The background job: POST the report, retrying; True when delivered."""
    url, secret = config.webhook()
    report = payload(job_id)
    if not url or report is None:
        return False
    body = json.dumps(report, sort_keys=True).encode("utf-8")
    pause = BACKOFF
    for attempt in range(1, ATTEMPTS + 1):
        timestamp = str(int(time.time()))
        try:
            response = requests.post(url, data=body, timeout=TIMEOUT, allow_redirects=False,
                                     headers={"Content-Type": "application/json",
                                              TIMESTAMP: timestamp,
                                              SIGNATURE: signature(secret, timestamp, body)})
            if 200 <= response.status_code < 300:
                return True
            why = "HTTP {}".format(response.status_code)
            if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                break  # refused (a wrong URL, a bad signature): trying again changes nothing
        except requests.RequestException as e:
            why = type(e).__name__
        if attempt < ATTEMPTS:
            log.info("DataPusher+: webhook for job %s: %s, trying again in %s s",
                     job_id, why, pause)
            time.sleep(pause)
            pause *= 2
    log.error("DataPusher+: webhook for job %s not delivered after %s attempt(s) (%s)",
              job_id, attempt, why)
    return False
