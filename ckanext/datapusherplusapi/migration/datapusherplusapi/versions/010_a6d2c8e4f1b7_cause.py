"""a failed job's cause (causes.py), filtered and counted by the dashboard

The jobs that failed before this revision get theirs from their error type
and message, once per distinct pair.

Revision ID: a6d2c8e4f1b7
Revises: f1c8b7e4a2d6
Create Date: 2026-12-05 12:00:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from ckanext.datapusherplusapi import causes

revision = "a6d2c8e4f1b7"
down_revision = "f1c8b7e4a2d6"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"


def upgrade() -> None:
    op.add_column(JOB, sa.Column("cause", sa.UnicodeText, nullable=True))
    bind = op.get_bind()
    pairs = bind.execute(sa.text(
        "SELECT DISTINCT error_type, error, error_params::text FROM {}"
        " WHERE status = 'error'".format(JOB))).all()
    for error_type, error, params in pairs:
        bind.execute(sa.text(
            "UPDATE {} SET cause = :cause WHERE status = 'error'"
            " AND error_type IS NOT DISTINCT FROM :error_type"
            " AND error IS NOT DISTINCT FROM :error"
            " AND error_params::text IS NOT DISTINCT FROM :params".format(JOB)),
            {"cause": causes.code_of_failure(error_type, error, None,
                                             json.loads(params) if params else None),
             "error_type": error_type, "error": error, "params": params})
    op.create_index("datapusherplusapi_job_cause_idx", JOB, ["cause", "submitted_at"],
                    postgresql_where=sa.text("cause IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("datapusherplusapi_job_cause_idx", JOB)
    op.drop_column(JOB, "cause")
