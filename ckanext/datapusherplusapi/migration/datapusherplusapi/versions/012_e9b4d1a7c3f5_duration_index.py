"""the ended jobs of a status by how long they took (the dashboard's list
sorted by duration, under a status filter)

Revision ID: e9b4d1a7c3f5
Revises: c4e8a2f6d9b3
Create Date: 2026-12-05 14:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e9b4d1a7c3f5"
down_revision = "c4e8a2f6d9b3"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"


def upgrade() -> None:
    op.create_index("datapusherplusapi_job_duration_idx", JOB,
                    ["status", sa.text("(finished_at - submitted_at)")])


def downgrade() -> None:
    op.drop_index("datapusherplusapi_job_duration_idx", JOB)
