"""Input schemas of the actions (named after the action, without prefix)."""
from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator


@validator_args
def submit(not_empty: Validator, unicode_safe: Validator, ignore_missing: Validator,
           default: Validator, boolean_validator: Validator) -> Schema:
    return {
        "resource_id": [not_empty, unicode_safe],
        "package_id": [ignore_missing, unicode_safe],
        "force": [default(False), boolean_validator],
    }


@validator_args
def status(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {
        "resource_id": [not_empty, unicode_safe],
    }


@validator_args
def hook(not_empty: Validator, unicode_safe: Validator, one_of: Validator) -> Schema:
    """The callback's scalar fields; ``metadata``, ``error`` and ``logs`` are
    JSON structures checked by the action."""
    return {
        "job_id": [not_empty, unicode_safe],
        "status": [not_empty, unicode_safe, one_of(["complete", "error", "pending", "running"])],
    }


@validator_args
def job_history(not_empty: Validator, unicode_safe: Validator, default: Validator,
                is_positive_integer: Validator) -> Schema:
    return {
        "resource_id": [not_empty, unicode_safe],
        "limit": [default(50), is_positive_integer],
    }


@validator_args
def job_list(ignore_missing: Validator, unicode_safe: Validator, one_of: Validator,
             boolean_validator: Validator, default: Validator, is_positive_integer: Validator,
             isodate: Validator) -> Schema:
    return {
        "status": [ignore_missing, unicode_safe, one_of(
            ["submitting", "submitted", "running", "complete", "error", "cancelled",
             "pending", "stuck", ""])],
        "organization": [ignore_missing, unicode_safe],
        "format": [ignore_missing, unicode_safe],
        "date_from": [ignore_missing, isodate],
        "date_to": [ignore_missing, isodate],
        "q": [ignore_missing, unicode_safe],
        "latest_only": [default(False), boolean_validator],
        "sort": [ignore_missing, unicode_safe, one_of(
            ["submitted", "status", "duration", "format", "resource", "dataset",
             "organization", ""])],
        "order": [ignore_missing, unicode_safe, one_of(["asc", "desc", ""])],
        "page": [default(1), is_positive_integer],
        "limit": [default(25), is_positive_integer],
    }


@validator_args
def job_id(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe]}


@validator_args
def job_refresh(ignore_missing: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [ignore_missing, unicode_safe]}


@validator_args
def bulk_submit(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator,
                one_of: Validator, isodate: Validator) -> Schema:
    return {
        "mode": [ignore_missing, unicode_safe, one_of(["not_in_datastore", "retry_failed"])],
        "resume": [ignore_missing, unicode_safe],
        "organization": [ignore_missing, unicode_safe],
        "format": [ignore_missing, unicode_safe],
        "q": [ignore_missing, unicode_safe],
        "date_from": [ignore_missing, isodate],
        "date_to": [ignore_missing, isodate],
    }


@validator_args
def job_purge(not_empty: Validator, natural_number_validator: Validator,
              boolean_validator: Validator, default: Validator) -> Schema:
    return {
        "older_than": [not_empty, natural_number_validator],
        "dry_run": [default(False), boolean_validator],
    }
