"""Resources whose DataStore state disagrees with their last push job, and
how each is put right.

Every active resource of an active dataset is compared with the DataStore's
tables (the write database's catalogue: tables and views) and with its
latest job:

- ``complete_without_table``: the latest job loaded it and the resource is
  still marked ``datastore_active``, but its table is gone: deleted outside
  CKAN (``datastore_delete`` removes the mark too, and is not a
  disagreement): pushed again;
- ``flag_without_table``: marked ``datastore_active`` without a table (the
  preview and the API say there is data and find none): the mark removed;
- ``table_not_from_last_job``: a table, but the latest job failed or was
  cancelled, so the table holds the rows of an earlier push (the JSON/XML
  loader keeps them on failure) or a part of the failed one: shown, not
  changed (retrying the failed push is the dashboard's "Retry" or "retry
  failed": pushing it here, from cron, would fail again and again);
- ``table_without_flag``: a table CKAN does not know of (no mark, so no
  preview, no data API link) while the latest job, if any, did not fail:
  marked.

One kind per resource, in that order.  A resource whose push is under way
is none (it is changing this very state).  A resource without any job is only
compared with its mark (a table written by a script through
``datastore_create`` is not a disagreement).  ``find`` reads three lists (the
resources, the tables, the latest jobs); ``still`` compares one resource
again just before it is put right (the state may have changed since the
list was read): a push (``PUSH``) then goes through the submit path, a mark
through ``fix_mark``, as the dashboard's bulk task and ``ckan
datapusherplusapi reconcile`` run them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model

from ckanext.datapusherplusapi import compat
from ckanext.datapusherplusapi.model import job as job_model
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datastore.backend import postgres as datastore_postgres

COMPLETE_WITHOUT_TABLE = "complete_without_table"
FLAG_WITHOUT_TABLE = "flag_without_table"
TABLE_WITHOUT_FLAG = "table_without_flag"
TABLE_NOT_FROM_LAST_JOB = "table_not_from_last_job"
KINDS = (COMPLETE_WITHOUT_TABLE, FLAG_WITHOUT_TABLE, TABLE_NOT_FROM_LAST_JOB, TABLE_WITHOUT_FLAG)
PUSH = "push"  # the fix: push the resource again
MARK = "mark"  # the fix: mark it datastore_active
UNMARK = "unmark"  # the fix: remove the mark
NONE = "none"  # shown only
FIXES = {COMPLETE_WITHOUT_TABLE: PUSH, FLAG_WITHOUT_TABLE: UNMARK, TABLE_WITHOUT_FLAG: MARK,
         TABLE_NOT_FROM_LAST_JOB: NONE}
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
    ``datastore_active``; a value that is no boolean (``""``, ``null``, what
    a harvester wrote) does not."""
    if isinstance(extras, str):
        try:
            extras = json.loads(extras or "{}")
        except ValueError:
            return False
    value = (extras or {}).get("datastore_active") if isinstance(extras, dict) else None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return value is True


_TABLES = ("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')")


def tables(names: Optional[list[str]] = None) -> set[str]:
    """The DataStore's tables and views (their names: resource ids, aliases),
    or those of ``names``."""
    sql, params = _TABLES, {}
    if names is not None:
        sql, params = _TABLES + " AND c.relname = ANY(:names)", {"names": names}
    with datastore_postgres.get_write_engine().connect() as conn:
        return {row[0] for row in conn.execute(sa.text(sql), params)}


def _kind(has_table: bool, marked: bool, status: str) -> Optional[str]:
    if status in job_model.ACTIVE:
        return None  # a push under way: it is changing this very state
    if status == job_model.COMPLETE and marked and not has_table:
        return COMPLETE_WITHOUT_TABLE
    if marked and not has_table:
        return FLAG_WITHOUT_TABLE
    if has_table and status in FAILED:
        return TABLE_NOT_FROM_LAST_JOB
    if has_table and not marked:
        return TABLE_WITHOUT_FLAG
    return None


def _resources(session: Any, resource_id: Optional[str] = None) -> Any:
    res, pkg = model.Resource, model.Package
    stmt = (sa.select(res.id, res.package_id, pkg.name, res.name, res.extras)
            .join(pkg, pkg.id == res.package_id)
            .where(res.state == "active", pkg.state == "active")
            .order_by(pkg.name, res.position))
    if resource_id is not None:
        stmt = stmt.where(res.id == resource_id)
    return session.execute(stmt)


def _latest(session: Any, resource_id: Optional[str] = None) -> dict[str, str]:
    # (``Job.is_latest`` as it is, not ``IS true``: the partial index answers)
    stmt = sa.select(Job.resource_id, Job.status).where(Job.is_latest)
    if resource_id is not None:
        stmt = stmt.where(Job.resource_id == resource_id)
    return dict(session.execute(stmt).all())


def find(session: Any) -> list[Disagreement]:
    """Every disagreement (see the module's docstring), by dataset and resource."""
    present = tables()
    latest = _latest(session)
    found = []
    for resource_id, package_id, package_name, name, extras in _resources(session):
        status = latest.get(resource_id) or ""
        kind = _kind(resource_id in present, _marked(extras), status)
        if kind:
            found.append(Disagreement(resource_id, package_id, package_name, name or "", kind,
                                      status))
    return found


def still(session: Any, item: Disagreement) -> bool:
    """Whether ``item`` is still so, now (just before it is put right: a push
    may have started, the table come back, the resource gone since)."""
    session.expire_all()
    row = _resources(session, item.resource_id).first()
    if row is None:
        return False
    status = _latest(session, item.resource_id).get(item.resource_id) or ""
    has_table = bool(tables([item.resource_id]))
    return _kind(has_table, _marked(row[4]), status) == item.kind


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
