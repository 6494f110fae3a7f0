"""Input schemas of the actions (named after the action, without prefix).

Every parameter is checked as what it is (``validators.py``): ids as short
text without control characters, filters as bounded text, numbers, pages and
dates within ranges the database can hold, booleans as booleans. Whatever
fails is a ``ValidationError`` (HTTP 400 on the specification's URLs, 409 on
CKAN's API), never a database error.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator

from ckanext.datapusherplusapi import causes, vocabulary
from ckanext.datapusherplusapi.model.job import LIST_LIMIT

MAX_PAGE = 100_000  # 100,000 pages of 1,000 jobs: far more than any portal has
MAX_AGE_DAYS = 100 * 366  # datapusher_plus_job_purge's older_than


@validator_args
def submit(not_empty: Validator, ignore_missing: Validator, default: Validator,
           datapusherplusapi_id: Validator, datapusherplusapi_boolean: Validator) -> Schema:
    return {
        "resource_id": [not_empty, datapusherplusapi_id],
        "package_id": [ignore_missing, datapusherplusapi_id],
        "force": [default(False), datapusherplusapi_boolean],
    }


@validator_args
def status(not_empty: Validator, datapusherplusapi_id: Validator) -> Schema:
    return {
        "resource_id": [not_empty, datapusherplusapi_id],
    }


@validator_args
def hook(not_empty: Validator, one_of: Validator, datapusherplusapi_id: Validator,
         datapusherplusapi_json_object: Validator) -> Schema:
    """The service's callback. Its ``error`` and ``logs`` may take any JSON
    shape and are read leniently by the lifecycle (``lifecycle.error_text``,
    ``lifecycle.clean_logs``), not here: a schema would flatten the log list."""
    return {
        "job_id": [not_empty, datapusherplusapi_id],
        "status": [not_empty, one_of(list(vocabulary.HOOK_STATUSES))],
        "metadata": [not_empty, datapusherplusapi_json_object],
    }


@validator_args
def job_history(not_empty: Validator, default: Validator, datapusherplusapi_id: Validator,
                datapusherplusapi_int_between: Validator) -> Schema:
    return {
        "resource_id": [not_empty, datapusherplusapi_id],
        "limit": [default(50), datapusherplusapi_int_between(1, LIST_LIMIT)],
    }


def _status_words() -> dict[str, str]:
    """The job list's status filters in words (as the dashboard's menu says them)."""
    return {
        vocabulary.PENDING: tk._("Pending"), vocabulary.RUNNING: tk._("Running"),
        vocabulary.COMPLETE: tk._("Complete"), vocabulary.ERROR: tk._("Error"),
        vocabulary.STUCK: tk._("Stuck"), vocabulary.CANCELLED: tk._("Cancelled"),
        vocabulary.SUBMITTING: tk._("Starting"),
        vocabulary.SUBMITTED: tk._("Handed to the loader"),
    }


def _sort_words() -> dict[str, str]:
    """The job list's sorts in words (its columns)."""
    return {
        "submitted": tk._("When"), "status": tk._("Status"), "duration": tk._("Duration"),
        "format": tk._("Format"), "resource": tk._("Resource"), "dataset": tk._("Dataset"),
        "organization": tk._("Organization"),
    }


def cause_words() -> dict[str, str]:
    """The causes a failed job is filtered by (``causes.STORED``), each with
    its title (as the dashboard's menu says them)."""
    return {code: causes.title(code) for code in causes.STORED}


def _order_words() -> dict[str, str]:
    return {"desc": tk._("newest or largest first"), "asc": tk._("oldest or smallest first")}


@validator_args
def job_list(ignore_missing: Validator, default: Validator,
             datapusherplusapi_text: Validator, datapusherplusapi_boolean: Validator,
             datapusherplusapi_date: Validator, datapusherplusapi_int_between: Validator,
             datapusherplusapi_choice: Validator, datapusherplusapi_reason: Validator
             ) -> Schema:
    return {
        "status": [ignore_missing, datapusherplusapi_choice(_status_words)],
        "organization": [ignore_missing, datapusherplusapi_text],
        "format": [ignore_missing, datapusherplusapi_text],
        "date_from": [ignore_missing, datapusherplusapi_date],
        "date_to": [ignore_missing, datapusherplusapi_date],
        "q": [ignore_missing, datapusherplusapi_text],
        "latest_only": [default(False), datapusherplusapi_boolean],
        "reason": [ignore_missing, datapusherplusapi_reason],
        "cause": [ignore_missing, datapusherplusapi_choice(cause_words)],
        "sort": [ignore_missing, datapusherplusapi_choice(_sort_words)],
        "order": [ignore_missing, datapusherplusapi_choice(_order_words)],
        "page": [default(1), datapusherplusapi_int_between(1, MAX_PAGE)],
        "limit": [default(25), datapusherplusapi_int_between(1, LIST_LIMIT)],
    }


# The filters the dashboard's summary follows (the table's, status aside).
STATS_FILTERS = ("organization", "format", "date_from", "date_to", "q", "latest_only", "cause")


def stats() -> Schema:
    """``datapusher_plus_stats``: the job list's validators for the filters
    the summary follows."""
    return {key: value for key, value in job_list().items() if key in STATS_FILTERS}


@validator_args
def job_id(not_empty: Validator, datapusherplusapi_id: Validator) -> Schema:
    return {"id": [not_empty, datapusherplusapi_id]}


@validator_args
def job_refresh(ignore_missing: Validator, datapusherplusapi_id: Validator) -> Schema:
    return {"id": [ignore_missing, datapusherplusapi_id]}


@validator_args
def bulk_submit(ignore_missing: Validator, one_of: Validator, datapusherplusapi_id: Validator,
                datapusherplusapi_text: Validator, datapusherplusapi_date: Validator,
                datapusherplusapi_choice: Validator) -> Schema:
    """``mode`` or ``resume``: a new task, or an interrupted one again."""
    return {
        "mode": [ignore_missing, one_of(list(vocabulary.BULK_MODES))],
        "resume": [ignore_missing, datapusherplusapi_id],
        "organization": [ignore_missing, datapusherplusapi_text],
        "format": [ignore_missing, datapusherplusapi_text],
        "q": [ignore_missing, datapusherplusapi_text],
        "date_from": [ignore_missing, datapusherplusapi_date],
        "date_to": [ignore_missing, datapusherplusapi_date],
        "cause": [ignore_missing, datapusherplusapi_choice(cause_words)],
        "__after": [_mode_or_resume],
    }


def _mode_or_resume(key: tuple[str, ...], data: dict[tuple[str, ...], object],
                    errors: dict[tuple[str, ...], list[str]], context: object) -> None:
    if not data.get(("mode",)) and not data.get(("resume",)) and not errors.get(("mode",)):
        errors.setdefault(("mode",), []).append(tk._("Missing value"))


@validator_args
def reconcile(default: Validator, datapusherplusapi_int_between: Validator) -> Schema:
    return {"limit": [default(100), datapusherplusapi_int_between(0, 1000)]}


@validator_args
def job_purge(not_missing: Validator, default: Validator, datapusherplusapi_boolean: Validator,
              datapusherplusapi_int_between: Validator) -> Schema:
    return {
        "older_than": [not_missing, datapusherplusapi_int_between(0, MAX_AGE_DAYS)],
        "dry_run": [default(False), datapusherplusapi_boolean],
    }
