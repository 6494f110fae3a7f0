"""Resources whose DataStore state disagrees with their last push job, and
how each is put right.

Every active resource of an active dataset is compared with the DataStore's
tables (the write database's catalogue) and with its latest job:

- ``complete_without_table``: the latest job loaded it, but its table is gone
  (deleted outside this extension): pushed again;
- ``flag_without_table``: marked ``datastore_active`` without a table (the
  preview and the API say there is data and find none): the mark removed;
- ``table_without_flag``: a table CKAN does not know of (the resource is not
  marked ``datastore_active``, so no preview, no data API link): marked;
- ``table_not_from_last_job``: a table, but the latest job failed or was
  cancelled, so what the table holds is not what the last push was for:
  pushed again.

One kind per resource, in that order.  A resource without any job is only
compared with its mark (a table written by a script through
``datastore_create`` is not a disagreement).  The comparison reads three
lists (the resources, the tables, the latest jobs), whatever the number of
jobs; the fixes go through ``fix_mark`` (the mark) and the submit path (a
push), as the dashboard's bulk task and ``ckan datapusherplusapi reconcile``
run them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import compat
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datastore.backend import postgres as datastore_postgres

COMPLETE_WITHOUT_TABLE = "complete_without_table"
FLAG_WITHOUT_TABLE = "flag_without_table"
TABLE_WITHOUT_FLAG = "table_without_flag"
TABLE_NOT_FROM_LAST_JOB = "table_not_from_last_job"
KINDS = (COMPLETE_WITHOUT_TABLE, FLAG_WITHOUT_TABLE, TABLE_WITHOUT_FLAG, TABLE_NOT_FROM_LAST_JOB)
PUSH = "push"  # the fix: push the resource again
MARK = "mark"  # the fix: mark it datastore_active
UNMARK = "unmark"  # the fix: remove the mark
FIXES = {COMPLETE_WITHOUT_TABLE: PUSH, FLAG_WITHOUT_TABLE: UNMARK, TABLE_WITHOUT_FLAG: MARK,
         TABLE_NOT_FROM_LAST_JOB: PUSH}
FAILED = (job_model.ERROR, job_model.CANCELLED)


@dataclass(frozen=True)
class Disagreement:
    resource_id: str
    package_id: str
    package_name: str
    resource_name: str
    kind: str
    latest_status: str  # "" without a job

    @property
    def fix(self) -> str:
        return FIXES[self.kind]

    def dictize(self) -> dict[str, Any]:
        return {"resource_id": self.resource_id, "package_id": self.package_id,
                "package_name": self.package_name, "resource_name": self.resource_name,
                "kind": self.kind, "fix": self.fix, "latest_status": self.latest_status or None}


def _marked(extras: Any) -> bool:
    """Whether a resource's extras (CKAN keeps them as JSON text) mark it
    ``datastore_active``."""
    if isinstance(extras, str):
        try:
            extras = json.loads(extras or "{}")
        except ValueError:
            return False
    return tk.asbool((extras or {}).get("datastore_active", False))


def tables() -> set[str]:
    """The DataStore's tables (their names: resource ids)."""
    with datastore_postgres.get_write_engine().connect() as conn:
        return {row[0] for row in conn.execute(sa.text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"))}


def find(session: Any) -> list[Disagreement]:
    """Every disagreement (see the module's docstring), by dataset and resource."""
    present = tables()
    latest = dict(session.execute(
        sa.select(Job.resource_id, Job.status).where(Job.is_latest.is_(True))).all())
    res, pkg = model.Resource, model.Package
    rows = session.execute(
        sa.select(res.id, res.package_id, pkg.name, res.name, res.extras)
        .join(pkg, pkg.id == res.package_id)
        .where(res.state == "active", pkg.state == "active")
        .order_by(pkg.name, res.position))
    found = []
    for resource_id, package_id, package_name, name, extras in rows:
        has_table, marked = resource_id in present, _marked(extras)
        status = latest.get(resource_id) or ""
        if status == job_model.COMPLETE and not has_table:
            kind = COMPLETE_WITHOUT_TABLE
        elif marked and not has_table:
            kind = FLAG_WITHOUT_TABLE
        elif has_table and not marked:
            kind = TABLE_WITHOUT_FLAG
        elif has_table and status in FAILED:
            kind = TABLE_NOT_FROM_LAST_JOB
        else:
            continue
        found.append(Disagreement(resource_id, package_id, package_name, name or "", kind,
                                  status))
    return found


def counts(found: list[Disagreement]) -> dict[str, int]:
    """How many of each kind (every kind, zeros included)."""
    tally = dict.fromkeys(KINDS, 0)
    for item in found:
        tally[item.kind] += 1
    return tally


def fix_mark(item: Disagreement) -> None:
    """Put a resource's ``datastore_active`` mark right (fixes ``mark`` and
    ``unmark``)."""
    compat.set_datastore_active(item.resource_id, item.fix == MARK)
