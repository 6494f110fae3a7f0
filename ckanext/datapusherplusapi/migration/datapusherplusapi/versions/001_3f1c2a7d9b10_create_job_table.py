"""create the datapusherplusapi_job table

Revision ID: 3f1c2a7d9b10
Revises:
Create Date: 2026-11-24 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3f1c2a7d9b10"
down_revision = None
branch_labels = None
depends_on = None

TABLE = "datapusherplusapi_job"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("resource_id", sa.UnicodeText, nullable=False),
        sa.Column("package_id", sa.UnicodeText, nullable=True),
        sa.Column("organization_id", sa.UnicodeText, nullable=True),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("service_job_id", sa.UnicodeText, nullable=True, unique=True),
        sa.Column("job_key", sa.UnicodeText, nullable=True),
        sa.Column("user_id", sa.UnicodeText, nullable=True),
        sa.Column("force", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
        sa.Column("resource_url", sa.UnicodeText, nullable=True),
        sa.Column("resource_format", sa.UnicodeText, nullable=True),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("error", sa.UnicodeText, nullable=True),
        sa.Column("error_type", sa.UnicodeText, nullable=True),
        sa.Column("error_detail", sa.JSON, nullable=True),
        sa.Column("logs", sa.JSON, nullable=True),
    )
    op.create_index("datapusherplusapi_job_resource_idx", TABLE, ["resource_id", "submitted_at"])
    op.create_index("datapusherplusapi_job_status_idx", TABLE, ["status", "submitted_at"])
    op.create_index("datapusherplusapi_job_submitted_idx", TABLE, ["submitted_at"])
    # At most one active job per resource, enforced by the database.
    op.create_index(
        "datapusherplusapi_job_one_active_idx", TABLE, ["resource_id"], unique=True,
        postgresql_where=sa.text("status IN ('submitting', 'submitted', 'running')"))


def downgrade() -> None:
    op.drop_table(TABLE)
