"""the job counts of inserts and deletes kept once per statement (a COPY of
a million jobs, a purge's batch of 10,000: one counting INSERT each, not one
per row)

Migrations 004 and 008 count every change of a job row by a trigger FOR
EACH ROW.  Inserts and deletes are now counted by triggers FOR EACH
STATEMENT that read the statement's rows from its transition table and
append one row per (hour, status), or (dataset, format, status), with their
number.  Updates keep their row triggers: a trigger with a transition table
cannot name the columns it watches, and would then run on every progress
report of a load.

Revision ID: c4e8a2f6d9b3
Revises: a6d2c8e4f1b7
Create Date: 2026-12-05 12:10:00
"""
from __future__ import annotations

from alembic import op

revision = "c4e8a2f6d9b3"
down_revision = "a6d2c8e4f1b7"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"

# (trigger and function of the row counts, what they count per row, the
# counts table and its key columns, their expression over a job row)
COUNTED = (
    ("datapusherplusapi_count_job", "datapusherplusapi_counts", "hour, status",
     "date_trunc('hour', j.submitted_at), j.status", "UPDATE OF status, submitted_at"),
    ("datapusherplusapi_count_dataset_job", "datapusherplusapi_dataset_counts",
     "package_id, resource_format, status",
     "coalesce(j.package_id, ''), coalesce(j.resource_format, ''), j.status",
     "UPDATE OF status, package_id, resource_format"),
)

# One function per trigger: each reads its own transition table.
STATEMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION {name}_{event}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {counts} ({key}, n)
  SELECT {value}, {sign}count(*) FROM {name}_{rows} j GROUP BY {positions};
  RETURN NULL;
END $$
"""
EVENTS = (("inserted", "INSERT", "NEW", "new", ""), ("deleted", "DELETE", "OLD", "old", "-"))


def _positions(key: str) -> str:
    return ", ".join(str(i + 1) for i in range(len(key.split(","))))


def upgrade() -> None:
    for name, counts, key, value, update in COUNTED:
        op.execute("DROP TRIGGER {} ON {}".format(name, JOB))
        op.execute("CREATE TRIGGER {} AFTER {} ON {} FOR EACH ROW EXECUTE FUNCTION {}()".format(
            name, update, JOB, name))
        for event, operation, table, rows, sign in EVENTS:
            op.execute(STATEMENT_FUNCTION.format(
                name=name, event=event, counts=counts, key=key, value=value, sign=sign,
                rows=rows, positions=_positions(key)))
            op.execute("CREATE TRIGGER {n}_{e} AFTER {op} ON {job} REFERENCING {t} TABLE AS"
                       " {n}_{r} FOR EACH STATEMENT EXECUTE FUNCTION {n}_{e}()".format(
                           n=name, e=event, op=operation, job=JOB, t=table, r=rows))


def downgrade() -> None:
    for name, _counts, _key, _value, update in COUNTED:
        for event, *_rest in EVENTS:
            op.execute("DROP TRIGGER {n}_{e} ON {job}".format(n=name, e=event, job=JOB))
            op.execute("DROP FUNCTION {n}_{e}()".format(n=name, e=event))
        op.execute("DROP TRIGGER {} ON {}".format(name, JOB))
        op.execute("CREATE TRIGGER {} AFTER INSERT OR {} OR DELETE ON {}"
                   " FOR EACH ROW EXECUTE FUNCTION {}()".format(name, update, JOB, name))
