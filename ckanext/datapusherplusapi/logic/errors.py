"""Errors of the submit path.

Each one is a ``ValidationError``, so CKAN's own API (``/api/action/...``)
answers it as core answers any action error and ``ckanapi`` raises
``ValidationError``; the specification's endpoints answer it with its own HTTP
status and ``error_type`` (see docs/api.md, "Errors").
"""
from __future__ import annotations

from typing import Union

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi.messages import Message


class SubmitError(tk.ValidationError):
    """A submission refused or failed, with its HTTP status for the
    specification's API. ``message`` is the caller's language; ``text`` is
    what a job records (a ``Message``: every later reader gets their own)."""

    status_code = 400
    error_type = "validation_error"
    field = "datapusher_plus"

    def __init__(self, text: Union[str, Message]):
        message = str(text)
        super().__init__({self.field: [message], "error_type": self.error_type})
        self.message = message
        self.text = text


class PackageMismatch(SubmitError):
    error_type = "package_mismatch"
    field = "package_id"


class UnsupportedFormat(SubmitError):
    error_type = "unsupported_format"
    field = "resource_id"


class FileTooLarge(SubmitError):
    error_type = "file_too_large"
    field = "resource_id"


class JobAlreadyActive(SubmitError):
    status_code = 409
    error_type = "job_active"
    field = "resource_id"


class ServiceFailed(SubmitError):
    status_code = 502
    error_type = "service_error"


class ServiceTimeout(SubmitError):
    status_code = 504
    error_type = "service_timeout"


class CallbackRejected(SubmitError):
    """A callback that does not belong to the job it names."""

    status_code = 409
    error_type = "callback_rejected"
