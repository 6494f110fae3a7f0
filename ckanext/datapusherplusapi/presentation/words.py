"""This extension's words for people: job statuses, what went wrong and
what to do, the states and scope of bulk tasks, counts in each language's
plural forms. Every text goes through the reader's catalogue."""
from __future__ import annotations

from typing import Any, Optional

from babel.lists import format_list

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import vocabulary
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model import task as task_model
from ckanext.datapusherplusapi.presentation.numbers import locale

_LABELS = {
    "not_submitted": lambda: tk._("Not submitted"),
    "submitting": lambda: tk._("Submitting"),
    "submitted": lambda: tk._("Pending"),
    "running": lambda: tk._("Running"),
    "complete": lambda: tk._("Complete"),
    "error": lambda: tk._("Error"),
    "cancelled": lambda: tk._("Cancelled"),
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
        "DataPusher+ could not load the file into the DataStore. Check that the file can be "
        "downloaded and that it is a well-formed table."),
    "internal_error": lambda: tk._(
        "Something went wrong in CKAN while submitting the file. The portal's administrators "
        "will find the details in CKAN's logs."),
    "superseded": lambda: tk._("This job was replaced by a forced resubmission."),
    "service_lost_job": lambda: tk._(
        "The loader lost this job (it may have been restarted, or its job queue emptied). "
        "Submit the file again."),
    "service_silent": lambda: tk._(
        "The DataPusher+ service stopped reporting on this job, most likely because it "
        "failed on the file. Check that the file can be downloaded and that it is a "
        "well-formed table, then submit it again."),
    "loader_job_failed": lambda: tk._(
        "The loader's background job failed (its worker may have been stopped). Submit the "
        "file again; if this goes on, tell the portal's administrators."),
    # The built-in JSON/XML loader's (the DataStore keeps its previous data).
    "invalid_file": lambda: tk._(
        "The file is not well-formed: correct it where the message says, then submit it "
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
        "without a DTD, then submit it again."),
    "file_too_large": lambda: tk._(
        "The file is larger than this portal loads. The data already in the DataStore is "
        "unchanged."),
    "download_failed": lambda: tk._(
        "The file could not be downloaded. Check that its URL works, then submit it again."),
    "type_mismatch": lambda: tk._(
        "A value does not fit the type a column has in the Data Dictionary. Correct the value "
        "or the type, then submit it again. The data already in the DataStore is unchanged."),
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


def task_scope(filters: dict[str, Any]) -> str:
    """What a bulk task was asked to cover, in words: "organization: stats,
    format: CSV", or "the whole portal"."""
    labels = {"organization": tk._("organization"), "format": tk._("format"),
              "q": tk._("text"), "date_from": tk._("from"), "date_to": tk._("to")}
    parts = [tk._("{what}: {value}").format(what=labels[key], value=filters[key])
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
