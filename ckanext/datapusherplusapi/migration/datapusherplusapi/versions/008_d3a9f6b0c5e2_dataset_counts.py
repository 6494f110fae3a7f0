"""job counts per dataset, format and status, kept by a trigger (an
organization's and a format's figures without counting their jobs)

Revision ID: d3a9f6b0c5e2
Revises: b2f84d6c1e93
Create Date: 2026-12-05 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d3a9f6b0c5e2"
down_revision = "b2f84d6c1e93"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"
COUNTS = "datapusherplusapi_dataset_counts"

# As migration 004's hourly counts: every change appends a -1 and a +1 row
# (never an update in place, which would serialise concurrent submissions),
# and model.counts.compact() folds them.  A job without a dataset or a format
# is counted under '' (the columns are NOT NULL, so that compaction's join
# is a plain equality).
FUNCTION = """
CREATE OR REPLACE FUNCTION datapusherplusapi_count_dataset_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status
     AND OLD.package_id IS NOT DISTINCT FROM NEW.package_id
     AND OLD.resource_format IS NOT DISTINCT FROM NEW.resource_format THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO datapusherplusapi_dataset_counts (package_id, resource_format, status, n)
    VALUES (coalesce(OLD.package_id, ''), coalesce(OLD.resource_format, ''), OLD.status, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO datapusherplusapi_dataset_counts (package_id, resource_format, status, n)
    VALUES (coalesce(NEW.package_id, ''), coalesce(NEW.resource_format, ''), NEW.status, 1);
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        COUNTS,
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("resource_format", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("compacted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("datapusherplusapi_dataset_counts_idx", COUNTS,
                    ["package_id", "resource_format", "status"])
    op.execute(
        "INSERT INTO datapusherplusapi_dataset_counts"
        " (package_id, resource_format, status, n, compacted)"
        " SELECT coalesce(package_id, ''), coalesce(resource_format, ''), status, count(*), true"
        " FROM datapusherplusapi_job GROUP BY 1, 2, 3")
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER datapusherplusapi_count_dataset_job"
        " AFTER INSERT OR UPDATE OF status, package_id, resource_format OR DELETE"
        " ON datapusherplusapi_job"
        " FOR EACH ROW EXECUTE FUNCTION datapusherplusapi_count_dataset_job()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS datapusherplusapi_count_dataset_job ON " + JOB)
    op.execute("DROP FUNCTION IF EXISTS datapusherplusapi_count_dataset_job()")
    op.drop_table(COUNTS)
