"""a failed job's cause (causes.py), filtered and counted by the dashboard

The jobs that failed before this revision get theirs from their error type
and message, read 5,000 at a time in the order of their ids, and written back
by id: one pass over the failed jobs, however many distinct messages they
have (xloader's hold URLs: nearly one per job).  The cause is derived by
today's causes.py: a later version's patterns may name a few old jobs'
causes differently than this one did.

Revision ID: a6d2c8e4f1b7
Revises: f1c8b7e4a2d6
Create Date: 2026-12-05 12:00:00
"""
from __future__ import annotations

import collections
import json

import sqlalchemy as sa
from alembic import op

from ckanext.datapusherplusapi import causes

revision = "a6d2c8e4f1b7"
down_revision = "f1c8b7e4a2d6"
branch_labels = None
depends_on = None

JOB = "datapusherplusapi_job"
BATCH = 5000  # failed jobs read and written back at a time


def upgrade() -> None:
    op.add_column(JOB, sa.Column("cause", sa.UnicodeText, nullable=True))
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, error_type, error, error_params::text FROM {} WHERE status = 'error'"
            " AND id > :last ORDER BY id LIMIT :batch".format(JOB)),
            {"last": last, "batch": BATCH}).all()
        if not rows:
            break
        ids_of: dict[str, list[str]] = collections.defaultdict(list)
        for job_id, error_type, error, params in rows:
            code = causes.code_of_failure(error_type, error, None,
                                          json.loads(params) if params else None)
            ids_of[code or ""].append(job_id)
        for code, ids in ids_of.items():
            bind.execute(sa.text("UPDATE {} SET cause = :cause WHERE id = ANY(:ids)".format(JOB)),
                         {"cause": code or None, "ids": ids})
        last = rows[-1][0]
    op.create_index("datapusherplusapi_job_cause_idx", JOB, ["cause", "submitted_at"],
                    postgresql_where=sa.text("cause IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("datapusherplusapi_job_cause_idx", JOB)
    op.drop_column(JOB, "cause")
