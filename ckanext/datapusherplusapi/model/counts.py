"""Job counts per submission hour and status (table ``datapusherplusapi_counts``).

A database trigger (migration 004) appends a ``+1`` row when a job is written
in a status and a ``-1`` row when it leaves it, so the counts are right
whatever writes the job table (this extension, a bulk insert, a manual SQL
fix).  ``compact()`` folds the appended rows: one row per hour and status for
the last ``DETAIL_DAYS`` days, one row per status for everything older.  The
dashboard's figures then read a few thousand rows at most, whatever the size
of the job table.

A second table, ``datapusherplusapi_dataset_counts`` (migration 008), counts
the jobs per dataset, format and status, all time, kept and folded the same
way: an organization's or a format's figures (the dashboard's filters, an
organization's tab) sum a few rows per dataset instead of counting its jobs.

The tables are deliberately not part of CKAN's model metadata: CKAN's test
reset deletes the job rows, whose trigger then cancels their counts.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model

TABLE = "datapusherplusapi_counts"
DETAIL_DAYS = 35  # hours kept apart (the dashboard charts 30 days)
OLDER = datetime.datetime(1970, 1, 1)  # the hour of everything older
COMPACT_LOCK = 0x44505043  # pg advisory lock key: one compaction at a time

counts = sa.table(
    TABLE,
    sa.column("hour", sa.DateTime),
    sa.column("status", sa.UnicodeText),
    sa.column("n", sa.BigInteger),
    sa.column("compacted", sa.Boolean),
)

dataset_counts = sa.table(
    "datapusherplusapi_dataset_counts",
    sa.column("package_id", sa.UnicodeText),
    sa.column("resource_format", sa.UnicodeText),
    sa.column("status", sa.UnicodeText),
    sa.column("n", sa.BigInteger),
    sa.column("compacted", sa.Boolean),
)

_COMPACT_DATASETS = sa.text("""
WITH touched AS (
    SELECT DISTINCT package_id, resource_format, status
    FROM datapusherplusapi_dataset_counts WHERE NOT compacted
), gone AS (
    DELETE FROM datapusherplusapi_dataset_counts c USING touched t
    WHERE t.package_id = c.package_id AND t.resource_format = c.resource_format
      AND t.status = c.status
    RETURNING c.package_id, c.resource_format, c.status, c.n
)
INSERT INTO datapusherplusapi_dataset_counts (package_id, resource_format, status, n, compacted)
SELECT package_id, resource_format, status, sum(n), true FROM gone
GROUP BY package_id, resource_format, status HAVING sum(n) <> 0
""")

_COMPACT = sa.text("""
WITH touched AS (
    SELECT DISTINCT CASE WHEN hour < :cutoff THEN :older ELSE hour END AS bucket, status
    FROM datapusherplusapi_counts WHERE NOT compacted OR (hour < :cutoff AND hour <> :older)
), gone AS (
    DELETE FROM datapusherplusapi_counts c USING touched t
    WHERE t.status = c.status
      AND t.bucket = CASE WHEN c.hour < :cutoff THEN :older ELSE c.hour END
    RETURNING t.bucket, c.status, c.n
)
INSERT INTO datapusherplusapi_counts (hour, status, n, compacted)
SELECT bucket, status, sum(n), true FROM gone GROUP BY bucket, status HAVING sum(n) <> 0
""")


def compact(session: Any, now: datetime.datetime) -> bool:
    """Fold the appended rows; False when another process is compacting.

    Rows appended while this runs are not seen by its snapshot and stay for
    the next time: no count is lost or counted twice.
    """
    if not session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(COMPACT_LOCK))).scalar():
        return False
    cutoff = datetime.datetime.combine((now - datetime.timedelta(days=DETAIL_DAYS)).date(),
                                       datetime.time())
    session.execute(_COMPACT, {"cutoff": cutoff, "older": OLDER})
    session.execute(_COMPACT_DATASETS)
    return True


def totals(session: Any) -> dict[str, int]:
    """Jobs per status, all time."""
    stmt = (sa.select(counts.c.status, sa.func.sum(counts.c.n)).group_by(counts.c.status)
            .having(sa.func.sum(counts.c.n) != 0))
    return {status: int(n) for status, n in session.execute(stmt)}


def since(session: Any, start: datetime.datetime) -> dict[str, int]:
    """Jobs per status among those submitted from ``start`` on (to the hour)."""
    stmt = (sa.select(counts.c.status, sa.func.sum(counts.c.n)).where(counts.c.hour >= start)
            .group_by(counts.c.status).having(sa.func.sum(counts.c.n) != 0))
    return {status: int(n) for status, n in session.execute(stmt)}


def per_day(session: Any, start: datetime.datetime) -> list[tuple[datetime.date, str, int]]:
    """(day, status, jobs) of the jobs submitted from ``start`` on."""
    day = sa.func.date_trunc("day", counts.c.hour)
    stmt = (sa.select(day, counts.c.status, sa.func.sum(counts.c.n))
            .where(counts.c.hour >= start).group_by(day, counts.c.status)
            .having(sa.func.sum(counts.c.n) != 0))
    return [(when.date(), status, int(n)) for when, status, n in session.execute(stmt)]


def by_dataset(session: Any, organization: Optional[str] = None,
               fmt: Optional[str] = None) -> dict[str, int]:
    """Jobs per status, all time, of the datasets now in ``organization`` (id
    or name) and of the format ``fmt``: what the dashboard's ``organization``
    and ``format`` filters select (see ``job.listing``), without reading a job."""
    stmt = (sa.select(dataset_counts.c.status, sa.func.sum(dataset_counts.c.n))
            .group_by(dataset_counts.c.status).having(sa.func.sum(dataset_counts.c.n) != 0))
    if organization:
        stmt = stmt.where(dataset_counts.c.package_id.in_(
            sa.select(model.Package.id).where(model.Package.owner_org.in_(
                sa.select(model.Group.id).where(sa.or_(model.Group.id == organization,
                                                       model.Group.name == organization))))))
    if fmt:
        stmt = stmt.where(dataset_counts.c.resource_format == fmt.upper())
    return {status: int(n) for status, n in session.execute(stmt)}
