"""rows a job has loaded so far, of how many (the built-in JSON/XML loader)

Revision ID: b2f84d6c1e93
Revises: 9c3e5a1d7f20
Create Date: 2026-12-01 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b2f84d6c1e93"
down_revision = "9c3e5a1d7f20"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"


def upgrade() -> None:
    op.add_column(JOB, sa.Column("rows_loaded", sa.BigInteger, nullable=True))
    op.add_column(JOB, sa.Column("rows_total", sa.BigInteger, nullable=True))


def downgrade() -> None:
    op.drop_column(JOB, "rows_total")
    op.drop_column(JOB, "rows_loaded")
