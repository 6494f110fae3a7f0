"""dashboard: bulk task table, listing indexes

Revision ID: 8a4d6e2f1c3b
Revises: 3f1c2a7d9b10
Create Date: 2026-11-24 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8a4d6e2f1c3b"
down_revision = "3f1c2a7d9b10"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"
TASK = "datapusherplusapi_task"


def upgrade() -> None:
    op.create_index("datapusherplusapi_job_org_idx", JOB, ["organization_id", "submitted_at"])
    op.create_index("datapusherplusapi_job_format_idx", JOB, ["resource_format", "submitted_at"])
    op.create_table(
        TASK,
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("kind", sa.UnicodeText, nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("filters", sa.JSON, nullable=True),
        sa.Column("user_id", sa.UnicodeText, nullable=True),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("submitted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.UnicodeText, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("datapusherplusapi_task_created_idx", TASK, ["created_at"])


def downgrade() -> None:
    op.drop_table(TASK)
    op.drop_index("datapusherplusapi_job_format_idx", JOB)
    op.drop_index("datapusherplusapi_job_org_idx", JOB)
