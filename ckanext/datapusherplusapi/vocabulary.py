"""The words of the extension, defined once: job statuses, the dashboard's
status filters, sorts and orders, the bulk modes and what "stuck" means.

The model, the actions' schemas, the views and the templates (through the
``datapusherplusapi_vocabulary`` helper) all read them from here.
"""
from __future__ import annotations

import datetime
from typing import Optional

# Statuses of a job (docs/api.md, "Status vocabulary").
NOT_SUBMITTED = "not_submitted"  # no job row: never submitted (status only)
SUBMITTING = "submitting"  # row written, the loader has not answered yet
SUBMITTED = "submitted"  # the loader accepted the job and queued it
RUNNING = "running"  # the loader is writing the DataStore
COMPLETE = "complete"
ERROR = "error"
CANCELLED = "cancelled"  # superseded by a forced resubmission, or cancelled by a sysadmin

ACTIVE = (SUBMITTING, SUBMITTED, RUNNING)
TERMINAL = (COMPLETE, ERROR, CANCELLED)
STATUSES = ACTIVE + TERMINAL

# The dashboard's groups: "pending" is submitting or submitted; "stuck" is an
# active job submitted more than ``stuck_after`` minutes ago.
PENDING = "pending"
STUCK = "stuck"
PENDING_STATUSES = (SUBMITTING, SUBMITTED)
FILTER_CHOICES = (PENDING, RUNNING, COMPLETE, ERROR, STUCK, CANCELLED)  # the dashboard's menu
STATUS_FILTERS = FILTER_CHOICES + (SUBMITTING, SUBMITTED)  # what the API also takes
SUMMARY = (PENDING, RUNNING, COMPLETE, ERROR, STUCK)  # the dashboard's cards, in order

SORTS = ("submitted", "status", "duration", "format", "resource", "dataset", "organization")
ORDERS = ("desc", "asc")
BULK_MODES = ("not_in_datastore", "retry_failed", "reconcile")
HOOK_STATUSES = (COMPLETE, ERROR, "pending", RUNNING)  # what the DataPusher protocol reports


def is_stuck(status: str, submitted_at: Optional[datetime.datetime],
             stuck_before: datetime.datetime) -> bool:
    """Whether a job with this status and submission time is stuck."""
    return status in ACTIVE and submitted_at is not None and submitted_at < stuck_before

# The dashboard's filters a bulk task (retry failed, submit what is not in the
# DataStore) keeps and applies.
BULK_FILTERS = ("organization", "format", "q", "date_from", "date_to", "cause")
