"""which loader ran each job, and who started it

Revision ID: e4a7c9d2b6f1
Revises: 5b9e2d41c8f7
Create Date: 2026-12-01 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e4a7c9d2b6f1"
down_revision = "5b9e2d41c8f7"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"


def upgrade() -> None:
    # Jobs recorded before this revision all went to a DataPusher-protocol
    # service, through this extension.
    op.add_column(JOB, sa.Column("backend", sa.UnicodeText, nullable=False,
                                 server_default="service"))
    op.add_column(JOB, sa.Column("origin", sa.UnicodeText, nullable=False,
                                 server_default="submit"))


def downgrade() -> None:
    op.drop_column(JOB, "origin")
    op.drop_column(JOB, "backend")
