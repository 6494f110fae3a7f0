"""errors kept as a message and its parameters, translated when read

Revision ID: 9c3e5a1d7f20
Revises: e4a7c9d2b6f1
Create Date: 2026-12-01 12:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c3e5a1d7f20"
down_revision = "e4a7c9d2b6f1"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"


def upgrade() -> None:
    # NULL: ``error`` is text shown as it is (a loader's own words, and the
    # errors recorded before this revision); else ``error`` is the English
    # message and these its parameters, translated for each reader.
    op.add_column(JOB, sa.Column("error_params", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column(JOB, "error_params")
