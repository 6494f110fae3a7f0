"""the latest job of each resource, flagged (fast "latest of each resource")

Revision ID: c7e1f0a9b2d4
Revises: 8a4d6e2f1c3b
Create Date: 2026-11-24 19:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c7e1f0a9b2d4"
down_revision = "8a4d6e2f1c3b"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"


def upgrade() -> None:
    op.add_column(JOB, sa.Column("is_latest", sa.Boolean, nullable=False,
                                 server_default=sa.false()))
    op.execute(
        "UPDATE datapusherplusapi_job SET is_latest = true WHERE id IN ("
        " SELECT DISTINCT ON (resource_id) id FROM datapusherplusapi_job"
        " ORDER BY resource_id, submitted_at DESC, id DESC)")
    op.create_index("datapusherplusapi_job_latest_idx", JOB, ["submitted_at"],
                    postgresql_where=sa.text("is_latest"))


def downgrade() -> None:
    op.drop_index("datapusherplusapi_job_latest_idx", JOB)
    op.drop_column(JOB, "is_latest")
