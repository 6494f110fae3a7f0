"""Template helpers (all prefixed ``datapusherplusapi_``)."""
from __future__ import annotations

import datetime
import mimetypes
import posixpath
from typing import Any, Optional
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import backends, compat, config, vocabulary
from ckanext.datapusherplusapi.model import job as jobs
from ckanext.datapusherplusapi.model import task as task_model


def datapusherplusapi_formats() -> list[str]:
    """The formats that may be submitted (what the portal's loader loads and
    the built-in JSON/XML loader's, narrowed by ``formats``), upper-cased."""
    return backends.submittable_formats()


def datapusherplusapi_resource_format(resource: dict[str, Any]) -> str:
    """The resource's format, upper-cased; else the one its URL's file
    extension (or its mimetype) names; "" when nothing tells."""
    fmt = (resource.get("format") or "").strip().upper()
    if fmt:
        return fmt
    path = urlsplit(resource.get("url") or "").path
    ext = posixpath.splitext(path)[1].lstrip(".").upper()
    if not ext and resource.get("mimetype"):
        ext = (mimetypes.guess_extension(resource["mimetype"]) or "").lstrip(".").upper()
    return ext


def datapusherplusapi_loadable(resource: dict[str, Any]) -> bool:
    """Whether a back end loads this resource's format (its push button is
    offered only then)."""
    return datapusherplusapi_resource_format(resource) in backends.submittable_formats()


def datapusherplusapi_status(resource_id: str) -> Optional[dict[str, Any]]:
    """The resource's DataPusher+ status for the current user, or None when
    they may not see it."""
    try:
        return tk.get_action("datapusher_plus_status")({}, {"resource_id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


def datapusherplusapi_can_push(resource_id: str) -> bool:
    """Whether the current user may push this resource (as ``resource_update``).

    Asked twice by the resource page (button, live region): answered once per
    request."""
    answers = tk.g.setdefault("datapusherplusapi_can_push", {})
    if resource_id not in answers:
        try:
            answers[resource_id] = bool(tk.check_access(
                "datapusher_plus_submit", {}, {"resource_id": resource_id}))
        except (tk.NotAuthorized, tk.ObjectNotFound):
            answers[resource_id] = False
    return answers[resource_id]


_LABELS = {
    "not_submitted": lambda: tk._("Not submitted"),
    "submitting": lambda: tk._("Submitting"),
    "submitted": lambda: tk._("Pending"),
    "running": lambda: tk._("Running"),
    "complete": lambda: tk._("Complete"),
    "error": lambda: tk._("Error"),
    "cancelled": lambda: tk._("Cancelled"),
}


def datapusherplusapi_status_label(status: str) -> str:
    """A job status in words."""
    label = _LABELS.get(status)
    return label() if label else status


_GROUP_LABELS = {
    vocabulary.PENDING: lambda: tk._("Pending"),
    vocabulary.STUCK: lambda: tk._("Stuck"),
}


def datapusherplusapi_filter_label(key: str) -> str:
    """A status filter or summary card (a status, ``pending`` or ``stuck``) in words."""
    label = _GROUP_LABELS.get(key)
    return label() if label else datapusherplusapi_status_label(key)


def datapusherplusapi_status_class(status: str) -> str:
    """Bootstrap (5.1, as in CKAN's themes) classes of a job status badge."""
    if status == jobs.COMPLETE:
        return "bg-success"
    if status == jobs.ERROR:
        return "bg-danger"
    if status in jobs.ACTIVE:
        return "bg-warning text-dark"
    return "bg-secondary"


def datapusherplusapi_is_active(status: str) -> bool:
    """Whether a job in this status may still change."""
    return status in jobs.ACTIVE


def datapusherplusapi_is_stuck(status: dict[str, Any]) -> bool:
    """Whether an active job has gone on longer than ``stuck_after`` minutes."""
    submitted = status.get("submitted")
    return vocabulary.is_stuck(
        status.get("status") or "",
        datetime.datetime.fromisoformat(submitted) if submitted else None,
        datetime.datetime.utcnow() - datetime.timedelta(minutes=config.stuck_after()))


def datapusherplusapi_vocabulary() -> Any:
    """The extension's words (statuses, filters, sorts), for the templates."""
    return vocabulary


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
}


def datapusherplusapi_backend_label(name: Optional[str]) -> str:
    """A back end's loader, for people ("ckanext-xloader")."""
    return backends.get(name or "service").label


def datapusherplusapi_error_text(error_type: Optional[str]) -> str:
    """What went wrong, in words a publisher understands."""
    text = _ERRORS.get(error_type or "")
    return text() if text else tk._("The push to the DataStore failed.")


def datapusherplusapi_duration(seconds: Optional[float]) -> str:
    """A duration in seconds, for people ("0.7 s", "3 min 5 s")."""
    if seconds is None:
        return ""
    if seconds < 60:
        from babel.numbers import format_decimal
        return tk._("{seconds} s").format(
            seconds=format_decimal(round(seconds, 1), format="#,##0.0", locale=_locale()))
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return tk._("{minutes} min {seconds} s").format(minutes=minutes, seconds=rest)
    hours, minutes = divmod(minutes, 60)
    return tk._("{hours} h {minutes} min").format(hours=hours, minutes=minutes)


def datapusherplusapi_poll_interval() -> int:
    """Seconds between two live-status refreshes."""
    return config.poll_interval()


def datapusherplusapi_core_has_htmx() -> bool:
    """Whether CKAN's own pages load htmx (CKAN 2.11 and later do)."""
    return compat.core_has_htmx()


def datapusherplusapi_jobs_url(where: Optional[dict[str, Any]], filters: dict[str, Any],
                               **changes: Any) -> str:
    """The URL of a jobs list with these filters, some changed (None removes
    one): the dashboard's, or with ``where`` (an organization) its tab's."""
    args = dict(filters)
    args.update(changes)
    if changes and "page" not in changes:
        args.pop("page", None)  # another filter or sort: back to the first page
    args = {key: value for key, value in args.items() if value not in (None, "", False)}
    if where:
        return tk.h.url_for("datapusherplusapi_org.jobs", id=where["name"], **args)
    return tk.h.url_for("datapusherplusapi_admin.dashboard", **args)


def datapusherplusapi_sort_url(where: Optional[dict[str, Any]], filters: dict[str, Any],
                               column: str) -> str:
    """The list sorted by ``column``; again on the same column flips the order."""
    same = (filters.get("sort") or "submitted") == column
    order = "asc" if same and (filters.get("order") or "desc") == "desc" else "desc"
    return datapusherplusapi_jobs_url(where, filters, sort=column, order=order, page=None)


def datapusherplusapi_job_action_url(where: Optional[dict[str, Any]], action: str,
                                     job_id: str) -> str:
    """Where a jobs list posts ``action`` (``retry``, ``cancel``) for a job."""
    if where:
        return tk.h.url_for("datapusherplusapi_org." + action, id=where["name"], job_id=job_id)
    return tk.h.url_for("datapusherplusapi_admin." + action, job_id=job_id)


def datapusherplusapi_pager(where: Optional[dict[str, Any]], filters: dict[str, Any],
                            listing: dict[str, Any]) -> Any:
    """CKAN's own pager (``Page``) over a job listing, its links keeping the
    filters (see ``datapusherplusapi_jobs_url``)."""
    from ckan.lib.pagination import Page

    def url(page: int, **_ignored: Any) -> str:
        return datapusherplusapi_jobs_url(where, filters, page=page)

    return Page(collection=listing["results"], page=listing["page"], url=url,
                item_count=listing["count"], items_per_page=listing["limit"],
                presliced_list=True)


def datapusherplusapi_last_page(listing: dict[str, Any]) -> int:
    """The number of the last page of a job listing."""
    return max(1, -(-listing["count"] // listing["limit"]))


def _locale() -> Any:
    """The reader's locale (Babel's), for numbers; English when unknown."""
    from babel import Locale, UnknownLocaleError
    try:
        return Locale.parse(tk.h.lang() or "en")
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def datapusherplusapi_percent(rate: Optional[float]) -> str:
    """A rate (0..1) as a percentage with one decimal, written as the
    reader's language writes it ("40.5%", "40,5 %"); an em dash when there
    is none."""
    if rate is None:
        return "—"
    from babel.numbers import format_percent
    locale = _locale()
    pattern = locale.percent_formats[None].pattern
    digit = pattern.rfind("0")  # CLDR's percent patterns have one: "#,##0%", "#,##0 %"
    return format_percent(rate, format=pattern[:digit + 1] + ".0" + pattern[digit + 1:],
                          locale=locale)


def datapusherplusapi_progress_text(progress: Optional[dict[str, Any]]) -> str:
    """A job's progress in words: "1,200 of 5,000 rows loaded (24%)", as the
    reader's language writes numbers; "" when the loader does not tell."""
    if not progress:
        return ""
    if progress.get("rows_total") is None:
        return tk._("Reading the file…")
    from babel.numbers import format_decimal
    locale = _locale()
    total = int(progress["rows_total"])
    return tk.ungettext("{loaded} of {total} row loaded ({percent})",
                        "{loaded} of {total} rows loaded ({percent})", total).format(
        loaded=format_decimal(int(progress["rows_loaded"]), locale=locale),
        total=format_decimal(total, locale=locale),
        percent=datapusherplusapi_percent((progress.get("percent") or 0) / 100))


_TASK_LABELS = {
    task_model.QUEUED: lambda: tk._("queued"),
    task_model.RUNNING: lambda: tk._("running"),
    task_model.DONE: lambda: tk._("done"),
    task_model.FAILED: lambda: tk._("failed"),
}


def datapusherplusapi_task_status_label(status: str) -> str:
    """The state of a bulk task (dashboard's "Background work") in words."""
    label = _TASK_LABELS.get(status)
    return label() if label else status


CHART_SERIES = (("complete", "#198754"), ("error", "#dc3545"),
                ("active", "#ffc107"), ("cancelled", "#6c757d"))


def datapusherplusapi_chart(per_day: list[dict[str, Any]], width: int = 600,
                            height: int = 160) -> dict[str, Any]:
    """Stacked bars (one per day) for an inline SVG chart of jobs by status,
    with what its axes say (``top`` and ``middle`` jobs, ``busiest`` the
    most jobs on one day; the ``first``,
    ``mid_day`` and ``last`` days), each day's ``counts`` (for the table that
    gives the same figures) and the ``total``."""
    days = []
    for entry in per_day:
        values = {"complete": entry.get("complete", 0), "error": entry.get("error", 0),
                  "cancelled": entry.get("cancelled", 0),
                  "active": sum(entry.get(s, 0) for s in ("submitting", "submitted", "running"))}
        days.append((entry["day"], values, sum(values.values())))
    busiest = max([total for _day, _values, total in days] + [1])
    top = busiest + busiest % 2  # the axis' top: even, so that its middle is a whole number
    step = width / max(len(days), 1)
    bars = []
    for i, (day, values, total) in enumerate(days):
        y = float(height)
        segments = []
        for name, colour in CHART_SERIES:
            h = values[name] * height / top
            if h:
                y -= h
                segments.append({"y": round(y, 2), "height": round(h, 2), "colour": colour,
                                 "name": name, "count": values[name]})
        bars.append({"x": round(i * step + 1, 2), "width": round(step - 2, 2), "day": day,
                     "total": total, "segments": segments, "counts": values})
    return {"width": width, "height": height, "top": top, "middle": top // 2, "busiest": busiest,
            "total": sum(total for _day, _values, total in days), "bars": bars,
            "series": CHART_SERIES, "first": days[0][0] if days else "",
            "mid_day": days[len(days) // 2][0] if days else "",
            "last": days[-1][0] if days else ""}


def datapusherplusapi_stuck_after() -> int:
    """Minutes after which an active job is shown as stuck."""
    return config.stuck_after()


def datapusherplusapi_queue_text(workers: Optional[int], queued: Optional[int]) -> str:
    """"2 workers, 1 job queued", in the reader's language and plural rules;
    "?" for a figure not known (the queue unreachable)."""
    def shown(n: Optional[int]) -> tuple[int, Any]:  # (what picks the plural form, the figure)
        return (2, "?") if n is None else (n, n)

    (w_form, w_figure), (q_form, q_figure) = shown(workers), shown(queued)
    # "{workers}, {queued}": the list's separator is the language's ("،" in Arabic).
    return tk._("{workers}, {queued}").format(
        workers=tk.ungettext("{n} worker", "{n} workers", w_form).format(n=w_figure),
        queued=tk.ungettext("{n} job queued", "{n} jobs queued", q_form).format(n=q_figure))


def datapusherplusapi_settings() -> list[tuple[str, str]]:
    """The extension's options with the values in effect (see ``config.effective``)."""
    return config.effective()


def datapusherplusapi_task_scope(filters: dict[str, Any]) -> str:
    """What a bulk task was asked to cover, in words: "organization: stats,
    format: CSV", or "the whole portal"."""
    labels = {"organization": tk._("organization"), "format": tk._("format"),
              "q": tk._("text"), "date_from": tk._("from"), "date_to": tk._("to")}
    parts = [tk._("{what}: {value}").format(what=labels[key], value=filters[key])
             for key in vocabulary.BULK_FILTERS if key in labels and filters.get(key)]
    if not parts:
        return tk._("the whole portal")
    from babel.lists import format_list
    return format_list(parts, locale=_locale())


def datapusherplusapi_plain(text: Any) -> str:
    """A name as plain text for a confirmation question (``hx-confirm``):
    without ``<``, ``>`` and ``&``. CKAN 2.12 shows the question in a dialog
    of its own, as HTML: a resource named ``<img onerror=...>`` must not
    become markup there."""
    return "".join(c for c in str(text or "") if c not in "<>&")
