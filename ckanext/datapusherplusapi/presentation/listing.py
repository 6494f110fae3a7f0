"""The jobs lists (the dashboard, an organization's tab): their URLs with
filters, sorting and pages, and CKAN's own pager over them."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
from ckan.lib.pagination import Page


def jobs_url(where: Optional[dict[str, Any]], filters: dict[str, Any],
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


def sort_columns(where: Optional[dict[str, Any]]) -> list[tuple[str, str]]:
    """The columns a jobs list sorts by, ``(key, label)`` in the table's
    order: its headers' links, and the form's "Sort by" (on a phone, where
    each job is a card, the only way). An organization's tab has no
    organization column."""
    columns = [("resource", tk._("Resource")), ("dataset", tk._("Dataset")),
               ("organization", tk._("Organization")), ("format", tk._("Format")),
               ("status", tk._("Status")), ("submitted", tk._("When")),
               ("duration", tk._("Duration"))]
    return [(key, label) for key, label in columns if not (where and key == "organization")]


def sort_url(where: Optional[dict[str, Any]], filters: dict[str, Any],
             column: str) -> str:
    """The list sorted by ``column``; again on the same column flips the order."""
    same = (filters.get("sort") or "submitted") == column
    order = "asc" if same and (filters.get("order") or "desc") == "desc" else "desc"
    return jobs_url(where, filters, sort=column, order=order, page=None)


def job_action_url(where: Optional[dict[str, Any]], action: str,
                   job_id: str) -> str:
    """Where a jobs list posts ``action`` (``retry``, ``cancel``) for a job."""
    if where:
        return tk.h.url_for("datapusherplusapi_org." + action, id=where["name"], job_id=job_id)
    return tk.h.url_for("datapusherplusapi_admin." + action, job_id=job_id)


def pager(where: Optional[dict[str, Any]], filters: dict[str, Any],
          listing: dict[str, Any]) -> Any:
    """CKAN's own pager (``Page``) over a job listing, its links keeping the
    filters (see ``jobs_url``)."""

    def url(page: int, **_ignored: Any) -> str:
        return jobs_url(where, filters, page=page)

    return Page(collection=listing["results"], page=listing["page"], url=url,
                item_count=listing["count"], items_per_page=listing["limit"],
                presliced_list=True)


def last_page(listing: dict[str, Any]) -> int:
    """The number of the last page of a job listing."""
    return max(1, -(-listing["count"] // listing["limit"]))
