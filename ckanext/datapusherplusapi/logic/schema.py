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
