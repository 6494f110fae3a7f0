"""This extension's words for people: job statuses, what went wrong and
what to do, the states and scope of bulk tasks, counts in each language's
plural forms. Every text goes through the reader's catalogue."""
from __future__ import annotations

import re
from typing import Any, Optional

from babel.lists import format_list

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import causes, vocabulary
from ckanext.datapusherplusapi.logic import reconcile, schema
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model import task as task_model
from ckanext.datapusherplusapi.presentation.numbers import locale

DELETED = "deleted"

_LABELS = {
    "not_submitted": lambda: tk._("Not pushed yet"),
    "submitting": lambda: tk._("Starting"),
    "submitted": lambda: tk._("Pending"),
    "running": lambda: tk._("Running"),
    "complete": lambda: tk._("Complete"),
    "error": lambda: tk._("Error"),
    "cancelled": lambda: tk._("Cancelled"),
    # Shown, never stored: complete, but the data left the DataStore since.
    DELETED: lambda: tk._("Deleted from the DataStore"),
}


def status_label(status: str) -> str:
    """A job status in words."""
    label = _LABELS.get(status)
    return label() if label else status


_GROUP_LABELS = {
    vocabulary.PENDING: lambda: tk._("Pending"),
    vocabulary.STUCK: lambda: tk._("Stuck"),
}


def filter_label(key: str) -> str:
    """A status filter or summary card (a status, ``pending`` or ``stuck``) in words."""
    label = _GROUP_LABELS.get(key)
    return label() if label else status_label(key)


def status_class(status: str) -> str:
    """Bootstrap (5.1, as in CKAN's themes) classes of a job status badge."""
    if status == job_model.COMPLETE:
        return "bg-success"
    if status == job_model.ERROR:
        return "bg-danger"
    if status in job_model.ACTIVE:
        return "bg-warning text-dark"
    return "bg-secondary"


_ERRORS = {
    "service_error": lambda: tk._(
        "The DataPusher+ service could not take the file: it is unreachable or refused the "
        "job. Try again later; if this goes on, tell the portal's administrators."),
    "service_timeout": lambda: tk._(
        "The DataPusher+ service did not answer in time. Try again later; if this goes on, "
        "tell the portal's administrators."),
    "service_job_error": lambda: tk._(
        "The loader could not load the file into the DataStore."),
    "internal_error": lambda: tk._(
        "Something went wrong in CKAN while pushing the file. The portal's administrators "
        "will find the details in CKAN's logs."),
    "superseded": lambda: tk._("This job was replaced by a push made again."),
    "service_lost_job": lambda: tk._(
        "The loader lost this job (it may have been restarted, or its job queue emptied). "
        "Push the file again."),
    "service_silent": lambda: tk._(
        "The DataPusher+ service stopped reporting on this job, most likely because it "
        "failed on the file. Check that the file can be downloaded and that it is a "
        "well-formed table, then push it again."),
    "loader_job_failed": lambda: tk._(
        "The loader's background job failed (its worker may have been stopped). Push the "
        "file again; if this goes on, tell the portal's administrators."),
    # The built-in JSON/XML loader's (the DataStore keeps its previous data).
    "invalid_file": lambda: tk._(
        "The file is not well-formed: correct it where the message says, then push it "
        "again. The data already in the DataStore is unchanged."),
    "mixed_structure": lambda: tk._(
        "The file mixes records with other values: every record must be an object (JSON) "
        "or an element (XML). The data already in the DataStore is unchanged."),
    "no_records": lambda: tk._(
        "No records were found in the file. If they are deeper in it, set the resource's "
        "record path (datapusher_plus_record_path). The data already in the DataStore is "
        "unchanged."),
    "hostile_xml": lambda: tk._(
        "The XML file declares entities, which are refused for the portal's safety. Export it "
        "without a DTD, then push it again."),
    "file_too_large": lambda: tk._(
        "The file is larger than this portal loads. The data already in the DataStore is "
        "unchanged."),
    "download_failed": lambda: tk._(
        "The file could not be downloaded. Check that its URL works, then push it again."),
    "type_mismatch": lambda: tk._(
        "A value does not fit the type a column has in the Data Dictionary. Correct the value "
        "or the type, then push it again. The data already in the DataStore is unchanged."),
    "datastore_error": lambda: tk._(
        "The DataStore refused the data while it was being written."),
    "load_timeout": lambda: tk._(
        "The file took longer to load than this portal allows. Ask the portal's administrators "
        "to raise the limit, or publish the data in smaller files."),
}


def error_text(error_type: Optional[str]) -> str:
    """What went wrong, in words a publisher understands."""
    text = _ERRORS.get(error_type or "")
    return text() if text else tk._("The push to the DataStore failed.")


# What to do next, by error type: the file is at fault (replace it), the
# loader or the portal is (push again later, then ask a sysadmin).
_FILE_AT_FAULT = ("service_job_error", "invalid_file", "mixed_structure", "no_records",
                  "hostile_xml", "type_mismatch", "service_silent", "datastore_error",
                  "file_too_large", "download_failed")
_ROW = re.compile(r"\b[Rr]ow (\d+)\b")
# A loader's words for a file it could not fetch (xloader's "bad HTTP
# response … status=404", requests' "HTTPConnectionPool … Max retries
# exceeded", a refused connection, an unknown host): the link is at fault.
_NOT_FETCHED = re.compile(
    r"bad HTTP response|status[= ]?[45]\d\d\b|HTTP (?:error )?[45]\d\d\b|HTTPConnectionPool"
    r"|Max retries exceeded|Connection refused|Name or service not known"
    r"|could not (?:be )?(?:download|fetch)", re.IGNORECASE)


# A cause the publisher can remove, as the error type whose next step says how.
_CAUSE_STEPS = {causes.DOWNLOAD_FAILED: "download_failed",
                causes.FILE_TOO_LARGE: "file_too_large"}


def next_step(error_type: Optional[str], message: Optional[str] = None,
              cause: Optional[dict[str, Any]] = None) -> str:
    """What a publisher does about a failed push, in one sentence: which
    row to correct when the loader names one, how to replace the file, or
    whom to ask. ``cause`` (a job's ``cause`` dict) decides first, so that
    the step never contradicts ``cause_for_publishers``: a cause the
    portal's administrators must remove is theirs (push again later), one
    of the file is the publisher's; the unknown cause leaves it to the
    error type and the message, as without a cause."""
    code = (cause or {}).get("code")
    if code and code != causes.UNKNOWN:
        if not causes.publisher_can_fix(code):
            return tk._("Push it again later; if this goes on, ask a sysadmin.")
        error_type = _CAUSE_STEPS.get(code, "invalid_file")
    if error_type == "download_failed" or (
            error_type in _FILE_AT_FAULT and _NOT_FETCHED.search(message or "")):
        return tk._("Check the file's link, or upload the file again, through “Edit "
                    "resource”; then push it again.")
    if error_type == "file_too_large":
        return tk._("Publish the data in smaller files through “Edit resource”, or ask a "
                    "sysadmin to raise the limit.")
    if error_type in _FILE_AT_FAULT:
        row = _ROW.search(message or "")
        if row:
            return tk._("Correct row {row} of the file (or choose the format the file really "
                        "has), replace it through “Edit resource”, then push it "
                        "again.").format(row=row.group(1))
        return tk._("Correct the file where the message says (or choose the format the file "
                    "really has), replace it through “Edit resource”, then push it again.")
    return tk._("Push it again later; if this goes on, ask a sysadmin.")


def cause_choices() -> list[tuple[str, str]]:
    """The causes a failed job is filtered by (``causes.STORED``): ``(code,
    title)``, in the list's order (docs/causes.md)."""
    return list(schema.cause_words().items())


def cause_title(code: Optional[str]) -> str:
    """A cause's few words (its code when it is none of the list's)."""
    return causes.title(code) if code else ""


def cause_for_publishers(cause: Optional[dict[str, Any]]) -> str:
    """A job's cause (its ``cause`` dict) in the publisher's words: what they
    can do, or that the portal's administrators must act; "" for none, and
    for the unknown cause (the loader's message and the error type say it
    better than "another error")."""
    if not cause or not cause.get("code") or cause["code"] == causes.UNKNOWN:
        return ""
    return causes.for_publishers(causes.Cause(cause["code"], dict(cause.get("params") or {})))


def already_active(status: str) -> str:
    """Why a push cannot start while another one of the same resource is
    active, with the active one's status in words."""
    return tk._("This resource is already being pushed (status: {status}). Wait for the "
                "push to end, or cancel it first.").format(status=status_label(status))


def shown_status(status: dict[str, Any]) -> str:
    """The status a resource's pages show: its latest job's, except that a
    complete job whose data has left the DataStore since (deleted) is shown
    as ``deleted``."""
    current = status.get("status") or ""
    if current == job_model.COMPLETE and not status.get("datastore_active"):
        return DELETED
    return current


_TASK_LABELS = {
    task_model.TASK_QUEUED: lambda: tk._("queued"),
    task_model.TASK_RUNNING: lambda: tk._("running"),
    task_model.TASK_DONE: lambda: tk._("done"),
    task_model.TASK_FAILED: lambda: tk._("failed"),
}


def task_status_label(status: str) -> str:
    """The state of a bulk task (dashboard's "Background work") in words."""
    label = _TASK_LABELS.get(status)
    return label() if label else status


def queue_text(workers: Optional[int], queued: Optional[int]) -> str:
    """"2 workers, 1 job queued", in the reader's language and plural rules;
    "?" for a figure not known (the queue unreachable)."""
    def shown(n: Optional[int]) -> tuple[int, Any]:  # (what picks the plural form, the figure)
        return (2, "?") if n is None else (n, n)

    (w_form, w_figure), (q_form, q_figure) = shown(workers), shown(queued)
    # "{workers}, {queued}": the list's separator is the language's ("،" in Arabic).
    return tk._("{workers}, {queued}").format(
        workers=tk.ungettext("{n} worker", "{n} workers", w_form).format(n=w_figure),
        queued=tk.ungettext("{n} job queued", "{n} jobs queued", q_form).format(n=q_figure))


def disagreement_text(kind: str, count: int) -> str:
    """"3 resources loaded by their last push whose table is gone", and the
    other kinds of ``logic/reconcile.py``, in the reader's language."""
    texts = {
        reconcile.COMPLETE_WITHOUT_TABLE: lambda: tk.ungettext(
            "{n} resource loaded by its last push whose DataStore table is gone (deleted "
            "outside DataPusher+)", "{n} resources loaded by their last push whose DataStore "
            "table is gone (deleted outside DataPusher+)", count),
        reconcile.FLAG_WITHOUT_TABLE: lambda: tk.ungettext(
            "{n} resource marked as in the DataStore without a table",
            "{n} resources marked as in the DataStore without a table", count),
        reconcile.TABLE_WITHOUT_FLAG: lambda: tk.ungettext(
            "{n} resource with a DataStore table CKAN does not show (not marked as in the "
            "DataStore)", "{n} resources with a DataStore table CKAN does not show (not marked "
            "as in the DataStore)", count),
        reconcile.TABLE_NOT_FROM_LAST_JOB: lambda: tk.ungettext(
            "{n} resource whose table its last push did not write (it failed or was "
            "cancelled)", "{n} resources whose table their last push did not write (it "
            "failed or was cancelled)", count),
    }
    text = texts.get(kind)
    return text().format(n=count) if text else kind


def fix_text(fix: str) -> str:
    """What putting a disagreement right does, in words."""
    texts = {reconcile.PUSH: lambda: tk._("push again"),
             reconcile.MARK: lambda: tk._("mark as in the DataStore"),
             reconcile.UNMARK: lambda: tk._("remove the mark"),
             reconcile.NONE: lambda: tk._(
                 "none here: retry its failed push once its file is right")}
    text = texts.get(fix)
    return text() if text else fix


def task_scope(filters: dict[str, Any]) -> str:
    """What a bulk task was asked to cover, in words: "organization: stats,
    format: CSV", or "the whole portal"."""
    labels = {"organization": tk._("organization"), "format": tk._("format"),
              "q": tk._("text"), "date_from": tk._("from"), "date_to": tk._("to"),
              "cause": tk._("cause")}
    shown = dict(filters, cause=cause_title(filters.get("cause")))
    parts = [tk._("{what}: {value}").format(what=labels[key], value=shown[key])
             for key in vocabulary.BULK_FILTERS if key in labels and filters.get(key)]
    if not parts:
        return tk._("the whole portal")
    return format_list(parts, locale=locale())


def plain(text: Any) -> str:
    """A name as plain text for a confirmation question (``hx-confirm``):
    without ``<``, ``>`` and ``&``. CKAN 2.12 shows the question in a dialog
    of its own, as HTML: a resource named ``<img onerror=...>`` must not
    become markup there."""
    return "".join(c for c in str(text or "") if c not in "<>&")
