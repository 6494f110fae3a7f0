"""The sysadmins' dashboard: every push job of the portal, live; retry,
cancel, bulk work; the jobs as CSV."""
from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl

from flask import Blueprint, make_response, stream_with_context
from flask import Response as FlaskResponse

import ckan.plugins.toolkit as tk
from ckan.common import request
from ckan.config.middleware.flask_app import csrf
from ckan.types import Response

from ckanext.datapusherplusapi import backends, config, vocabulary
from ckanext.datapusherplusapi.logic import background, schema
from ckanext.datapusherplusapi.logic.action.admin import reason_text
from ckanext.datapusherplusapi.logic.errors import SubmitError
from ckanext.datapusherplusapi.views.common import (
    HTMX_STOP_POLLING,
    action_context,
    flatten,
    handle_errors_as_pages,
    is_htmx,
    render_part,
    sysadmins_only,
)

admin = Blueprint("datapusherplusapi_admin", __name__, url_prefix="/ckan-admin/datapusher-plus")
csrf.exempt(admin)

FILTER_KEYS = ("status", "organization", "format", "date_from", "date_to", "q", "latest_only",
               "reason", "cause", "sort", "order", "page")
# The export's columns: (header, field of the job list). ``id`` is the id of
# the job's page; ``loader_job_id`` the loader's own, when it has one.
CSV_COLUMNS = (("id", "id"), ("loader_job_id", "job_id"), ("resource_id", "resource_id"),
               ("resource_name", "resource_name"), ("dataset_name", "dataset_name"),
               ("organization_name", "organization_name"),
               ("resource_format", "resource_format"), ("status", "status"),
               ("submitted", "submitted"), ("finished", "finished"), ("duration", "duration"),
               ("started_by_loader", "started_by_loader"), ("user_name", "user_name"),
               ("user_display_name", "user_display_name"), ("attempt", "attempt"),
               ("error_type", "error_type"), ("error", "error"), ("cause", "cause"))
# The options each back end reads (the others: every back end).
BACKEND_OPTIONS = {
    config.URL: ("service",), config.TIMEOUT: ("service",), config.MAX_RETRIES: ("service",),
    config.BACKOFF_FACTOR: ("service",), config.CALLBACK_URL_BASE: ("service",),
    config.API_TOKEN: ("service", "datapusher_plus"),
}


handle_errors_as_pages(admin)


admin.before_request(sysadmins_only)


def filters_of(source: Any) -> tuple[dict[str, Any], Optional[str]]:
    """The dashboard's filters from ``source``, the invalid ones left out, and
    what was wrong with those (the dashboard, its live part and its export
    read them alike; see ``schema.job_list``)."""
    filters = {key: source.get(key) for key in FILTER_KEYS if source.get(key) not in (None, "")}
    _data, errors = tk.navl_validate(dict(filters), schema.job_list(), {})
    bad = {key: messages for key, messages in errors.items() if messages}
    if not bad:
        return filters, None
    return ({key: value for key, value in filters.items() if key not in bad},
            flatten(bad))


def jobs_data(filters: dict[str, Any], bad_filter: Optional[str] = None,
              organization: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """What the jobs' live part shows (``dashboard_live.html``): the whole
    portal's jobs for the dashboard, or, with ``organization``, that
    organization's for its tab (without what is the sysadmins' alone: bulk
    work, the loader's health)."""
    context = action_context()
    scoped = dict(filters, organization=organization["id"]) if organization else filters
    listing = tk.get_action("datapusher_plus_job_list")(dict(context), dict(scoped))
    # The summary, rates and chart follow the table's filters (its status aside).
    stats = tk.get_action("datapusher_plus_stats")(dict(context), {
        key: scoped[key] for key in schema.STATS_FILTERS if scoped.get(key)})
    tasks = [] if organization else tk.get_action("datapusher_plus_task_list")(dict(context), {})
    counts = stats["counts"]
    active = bool(counts["submitting"] + counts["submitted"] + counts["running"]
                  or any(task["active"] for task in tasks))
    seen = ",".join("{}:{}".format(key, counts[key]) for key in vocabulary.SUMMARY)
    data = {
        "filters": filters, "listing": listing, "stats": stats, "tasks": tasks,
        "bad_filter": bad_filter, "active": active, "seen": seen,
        "organization": organization, "formats": tk.h.datapusherplusapi_formats(),
        # The figures count what the filters select (an organization's tab: within it).
        "narrowed": any(filters.get(key) for key in schema.STATS_FILTERS),
        "health": None, "organizations": [], "retry_count": 0, "message": None,
        "acted": None, "acted_resource": None, "message_is_error": False,
        "reason": reason_text(filters["reason"]) if filters.get("reason") else None,
    }
    if not organization:
        data.update(
            health=tk.get_action("datapusher_plus_service_status")(dict(context), {}),
            organizations=organization_choices(),
            retry_count=background.count_to_retry(filters))
    return data


def collation_key(text: str) -> tuple[str, str]:
    """How a list of names is sorted for its readers: letters without their
    accents first (``Économie`` beside ``Eau``), case ignored, then as written."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    return bare.casefold(), text


def organization_choices() -> list[dict[str, str]]:
    """The organizations to filter by: ``name`` and ``title`` (in the
    reader's language where the portal translates it), sorted by title."""
    found = tk.get_action("organization_list")(action_context(), {
        "all_fields": True, "include_dataset_count": False})
    choices = [{"name": org["name"], "title": org.get("display_name") or org.get("title")
                or org["name"]} for org in found]
    return sorted(choices, key=lambda org: collation_key(org["title"]))


def settings_rows() -> list[tuple[str, Optional[str]]]:
    """The options in effect that the portal's back end reads (see
    ``config.effective``), an unset one as None (the page says "not set")."""
    backend = backends.current().name
    return [(option, value if value not in (None, "") else None)
            for option, value in config.effective()
            if backend in BACKEND_OPTIONS.get(option, (backend,))]


@admin.route("/", methods=["GET"])
def dashboard() -> Any:
    """Every push job of the portal: summary, chart, jobs table, bulk work."""
    filters, bad_filter = filters_of(request.args)
    if is_htmx() and request.args.get("part") == "live":
        return render_live(jobs_data(filters, bad_filter))
    tk.get_action("datapusher_plus_job_refresh")(action_context(), {})
    return tk.render("datapusherplusapi/dashboard.html",
                     extra_vars=dict(jobs_data(filters, bad_filter), settings=settings_rows()))


def render_live(data: dict[str, Any], message: Optional[str] = None,
                acted: Optional[str] = None, error: bool = False) -> Response:
    """The live part; ``acted``: the job a row action was about, whose row
    then shows ``message`` (else the row of its resource's latest job listed,
    its form's ``resource``: a retry's new job; else above the table)."""
    data.update(message=message, acted=acted, message_is_error=error,
                acted_resource=request.form.get("resource") if acted else None)
    # Screen readers hear the message, or the counts when they changed since
    # the browser's copy (``seen``), once, in the page's live region.
    if message:
        data["announce"] = message
    elif request.values.get("seen") not in (None, "", data["seen"]):
        counts = data["stats"]["counts"]
        data["announce"] = ", ".join("{} {}".format(tk.h.datapusherplusapi_filter_label(key),
                                                    counts[key]) for key in vocabulary.SUMMARY)
    response = make_response(tk.render("datapusherplusapi/snippets/dashboard_live.html",
                                       extra_vars=data))
    if not data["active"] and request.method == "GET":
        response.status_code = HTMX_STOP_POLLING
    return response


def scoped_filters(source: Any, organization: Optional[dict[str, Any]] = None
                   ) -> tuple[dict[str, Any], Optional[str]]:
    """``filters_of``, for the dashboard or an organization's tab (whose
    organization is its own, not a filter)."""
    filters, bad_filter = filters_of(source)
    if organization:
        filters.pop("organization", None)
        if filters.get("sort") == "organization":  # one organization: no such column
            filters.pop("sort")
            filters.pop("order", None)
    return filters, bad_filter


def after_post(message: str, error: bool = False,
               organization: Optional[dict[str, Any]] = None) -> Any:
    """The answer to a job action's form: htmx gets the live part again,
    with the message (beside the row of the job acted on: the URL's
    ``job_id``); a browser without it goes back to the page (the job's
    page when the form was on it: its ``job`` field), the message flashed.
    ``organization``: the form was on that organization's tab."""
    job_id = request.form.get("job")
    if job_id and is_htmx():
        return _render_job(job_id, message, error)
    filters, bad_filter = scoped_filters(dict(parse_qsl(request.form.get("query", ""))),
                                         organization)
    if is_htmx():
        acted = (request.view_args or {}).get("job_id")
        return render_live(jobs_data(filters, bad_filter, organization), message, acted, error)
    (tk.h.flash_error if error else tk.h.flash_success)(message)
    if job_id:
        return tk.redirect_to("datapusherplusapi_admin.job", job_id=job_id)
    return tk.redirect_to(tk.h.datapusherplusapi_jobs_url(organization, filters))


def run(action: str, data: dict[str, Any], done: str,
        after: Callable[..., Any] = after_post) -> Any:
    """Run a job action for a form; ``after(message, error=...)`` answers."""
    try:
        tk.get_action(action)(action_context(), data)
    except SubmitError as e:
        return after(e.message, error=True)
    except tk.ValidationError as e:
        return after(flatten(e.error_dict), error=True)
    except tk.ObjectNotFound as e:
        return after(str(e) or tk._("Unknown DataPusher+ job"), error=True)
    except tk.NotAuthorized as e:  # not theirs to push (an organization's tab)
        return after(str(e) or tk._("You may not push this job's resource"), error=True)
    return after(done)


@admin.route("/reconcile", methods=["GET"])
def reconcile() -> Any:
    """The resources whose DataStore state disagrees with their last push job:
    the dashboard's part (htmx loads it after the page), or a page of its own."""
    data = {"reconciliation": tk.get_action("datapusher_plus_reconcile")(action_context(), {}),
            "query": request.query_string.decode()}
    if is_htmx():
        return render_part("dashboard_reconcile", data)
    return tk.render("datapusherplusapi/reconcile.html", extra_vars=data)


@admin.route("/jobs/<job_id>", methods=["GET"])
def job(job_id: str) -> Any:
    """One job: its timeline, who, its back end, its error in the loader's
    own words, its whole log, every attempt of its resource, what may be done
    with it. Polled (htmx) while the job is pending or running."""
    if is_htmx() and request.args.get("part") == "live":
        return _render_job(job_id)
    return tk.render("datapusherplusapi/job.html", extra_vars=_job_data(job_id))


def _job_data(job_id: str) -> dict[str, Any]:
    shown = tk.get_action("datapusher_plus_job_show")(action_context(), {"id": job_id})
    return {"job": shown, "active": shown["status"] in vocabulary.ACTIVE,
            "message": None, "message_is_error": False}


def _render_job(job_id: str, message: Optional[str] = None, error: bool = False) -> Response:
    data = dict(_job_data(job_id), message=message, message_is_error=error)
    response = render_part("job_live", data)
    if not data["active"] and request.method == "GET":
        response.status_code = HTMX_STOP_POLLING
    return response


@admin.route("/jobs/<job_id>/retry", methods=["POST"])
def retry(job_id: str) -> Any:
    """Submit a job's resource again."""
    return run("datapusher_plus_job_retry", {"id": job_id},
               tk._("Retried: a new push of this resource has started"))


@admin.route("/jobs/<job_id>/cancel", methods=["POST"])
def cancel(job_id: str) -> Any:
    """Cancel a pending or running job."""
    return run("datapusher_plus_job_cancel", {"id": job_id}, tk._("Job cancelled"))


@admin.route("/bulk", methods=["POST"])
def bulk() -> Any:
    """Queue a bulk task (retry failed jobs, or push what is not in the DataStore)."""
    data = {key: request.form.get(key) for key in
            ("mode", "organization", "format", "q", "date_from", "date_to", "cause", "resume")
            if request.form.get(key)}
    return run("datapusher_plus_bulk_submit", data,
                tk._("Queued: the progress shows below"))


# Where a spreadsheet may start a cell: the text's start, or after a separator
# (the reader may split on ";" as Excel does with French settings, or on tabs).
_FORMULA_START = re.compile(r"(^|[;,\t])(\s*)(?=[=+\-@\r\t])")


def _csv_safe(value: Any) -> str:
    """A cell no spreadsheet will run as a formula, whatever separator it
    splits on: each place a cell could start with ``=``, ``+``, ``-``, ``@``
    gets a ``'`` first (and every cell is quoted)."""
    text = "" if value is None else str(value)
    return _FORMULA_START.sub(lambda m: m.group(1) + m.group(2) + "'", text)


@admin.route("/export.csv", methods=["GET"])
def export() -> Response:
    """The filtered jobs as CSV (every page). An invalid filter is refused: an
    export must not silently hold more than the filters asked for."""
    filters, bad_filter = filters_of(request.args)
    if bad_filter:
        raise tk.ValidationError({"filters": [bad_filter]})
    filters.pop("page", None)
    context = action_context()

    def rows() -> Any:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # the BOM: Excel then reads UTF-8 ("Ministère")
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        writer.writerow([header for header, _field in CSV_COLUMNS])
        page = 1
        while True:
            chunk = tk.get_action("datapusher_plus_job_list")(
                dict(context), dict(filters, page=page, limit=1000))
            for job in chunk["results"]:
                writer.writerow([_csv_cell(job.get(field)) for _header, field in CSV_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if page * chunk["limit"] >= chunk["count"]:
                break
            page += 1

    response = FlaskResponse(stream_with_context(rows()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="{}"'.format(
        export_name(filters, datetime.date.today()))
    return response


def _csv_cell(value: Any) -> str:
    if isinstance(value, dict):  # a cause: its code (docs/causes.md)
        return _csv_safe(value.get("code"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return _csv_safe(value)


_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def export_name(filters: dict[str, Any], today: datetime.date) -> str:
    """The export's file name: what the filters chose, then the day, e.g.
    ``datapusher-plus-jobs_status-error_organization-ministere_2026-12-05.csv``
    (ASCII letters and digits of each value, accents dropped)."""
    parts = ["datapusher-plus-jobs"]
    for key in FILTER_KEYS:
        value = filters.get(key)
        if key in ("page", "sort", "order") or value in (None, "", False):
            continue
        if isinstance(value, datetime.datetime):
            value = value.date().isoformat()
        text = "".join(c for c in unicodedata.normalize("NFKD", str(value))
                       if not unicodedata.combining(c))
        text = _NAME_UNSAFE.sub("-", text).strip("-").lower()[:40]
        parts.append("{}-{}".format(key.replace("_", "-"), text) if value is not True
                     else key.replace("_", "-"))
    parts.append(today.isoformat())
    return "_".join(parts) + ".csv"
