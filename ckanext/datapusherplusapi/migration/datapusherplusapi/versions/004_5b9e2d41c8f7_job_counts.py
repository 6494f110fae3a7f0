"""job counts per submission hour and status, kept by a trigger (cheap dashboard figures)

Revision ID: 5b9e2d41c8f7
Revises: c7e1f0a9b2d4
Create Date: 2026-11-26 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b9e2d41c8f7"
down_revision = "c7e1f0a9b2d4"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"
COUNTS = "datapusherplusapi_counts"

# Every change of a job's status (or submission time) appends a -1 and a +1
# row; a new job appends +1, a deleted one -1.  Appending never waits on a lock
# (a counter row updated in place would serialise concurrent submissions and
# could deadlock transactions touching several jobs); model.counts.compact()
# folds the appended rows together.
FUNCTION = """
CREATE OR REPLACE FUNCTION datapusherplusapi_count_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status
     AND OLD.submitted_at = NEW.submitted_at THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO datapusherplusapi_counts (hour, status, n)
    VALUES (date_trunc('hour', OLD.submitted_at), OLD.status, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO datapusherplusapi_counts (hour, status, n)
    VALUES (date_trunc('hour', NEW.submitted_at), NEW.status, 1);
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        COUNTS,
        sa.Column("hour", sa.DateTime, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("compacted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("datapusherplusapi_counts_hour_idx", COUNTS, ["hour", "status"])
    op.create_index("datapusherplusapi_counts_new_idx", COUNTS, ["hour", "status"],
                    postgresql_where=sa.text("NOT compacted"))
    op.execute(
        "INSERT INTO datapusherplusapi_counts (hour, status, n, compacted)"
        " SELECT date_trunc('hour', submitted_at), status, count(*), true"
        " FROM datapusherplusapi_job GROUP BY 1, 2")
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER datapusherplusapi_count_job"
        " AFTER INSERT OR UPDATE OF status, submitted_at OR DELETE ON datapusherplusapi_job"
        " FOR EACH ROW EXECUTE FUNCTION datapusherplusapi_count_job()")
    # Durations of the latest completed jobs (the dashboard's median and p95).
    op.create_index("datapusherplusapi_job_finished_idx", JOB, ["finished_at"],
                    postgresql_where=sa.text("status = 'complete'"))


def downgrade() -> None:
    op.drop_index("datapusherplusapi_job_finished_idx", JOB)
    op.execute("DROP TRIGGER IF EXISTS datapusherplusapi_count_job ON datapusherplusapi_job")
    op.execute("DROP FUNCTION IF EXISTS datapusherplusapi_count_job()")
    op.drop_table(COUNTS)
