"""a dataset's jobs by status and end, and by submission (an organization's
filtered list and figures through its datasets)

Revision ID: f1c8b7e4a2d6
Revises: d3a9f6b0c5e2
Create Date: 2026-12-05 09:30:00
"""
from __future__ import annotations

from alembic import op

revision = "f1c8b7e4a2d6"
down_revision = "d3a9f6b0c5e2"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"


def upgrade() -> None:
    op.create_index("datapusherplusapi_job_package_idx", JOB,
                    ["package_id", "status", "finished_at", "resource_format"])
    op.create_index("datapusherplusapi_job_package_time_idx", JOB,
                    ["package_id", "submitted_at"])


def downgrade() -> None:
    op.drop_index("datapusherplusapi_job_package_time_idx", JOB)
    op.drop_index("datapusherplusapi_job_package_idx", JOB)
