"""Bulk work of the dashboard (retry failed, bulk submit), done by CKAN's
background workers; one row per task, with its progress."""
from __future__ import annotations

import datetime
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk

# A task's states (not a job's: see vocabulary.py for those).
TASK_QUEUED = "queued"
TASK_RUNNING = "running"
TASK_DONE = "done"
TASK_FAILED = "failed"
TASK_ACTIVE = (TASK_QUEUED, TASK_RUNNING)
# A running task writes its progress every second; silent this long, its
# worker is gone (killed, restarted): the task is shown as interrupted.
INTERRUPTED_AFTER = datetime.timedelta(minutes=2)

task_table = sa.Table(
    "datapusherplusapi_task",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True, default=lambda: str(uuid.uuid4())),
    sa.Column("kind", sa.UnicodeText, nullable=False),
    sa.Column("status", sa.UnicodeText, nullable=False, default=TASK_QUEUED),
    sa.Column("filters", sa.JSON, nullable=True),
    sa.Column("user_id", sa.UnicodeText, nullable=True),
    sa.Column("total", sa.Integer, nullable=False, default=0),
    sa.Column("done", sa.Integer, nullable=False, default=0),
    sa.Column("submitted", sa.Integer, nullable=False, default=0),
    sa.Column("skipped", sa.Integer, nullable=False, default=0),
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.UnicodeText, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False, default=datetime.datetime.utcnow),
    sa.Column("updated_at", sa.DateTime, nullable=False, default=datetime.datetime.utcnow),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Index("datapusherplusapi_task_created_idx", "created_at"),
)


class Task(tk.BaseModel):
    """A bulk task and its progress."""

    __table__ = task_table

    id: Mapped[str]
    kind: Mapped[str]
    status: Mapped[str]
    filters: Mapped[Optional[dict[str, Any]]]
    user_id: Mapped[Optional[str]]
    total: Mapped[int]
    done: Mapped[int]
    submitted: Mapped[int]
    skipped: Mapped[int]
    failed: Mapped[int]
    error: Mapped[Optional[str]]
    created_at: Mapped[datetime.datetime]
    updated_at: Mapped[datetime.datetime]
    finished_at: Mapped[Optional[datetime.datetime]]

    @classmethod
    def recent(cls, limit: int = 5) -> sa.sql.Select:
        """The latest tasks, newest first."""
        return sa.select(cls).order_by(cls.created_at.desc()).limit(limit)

    def dictize(self) -> dict[str, Any]:
        def iso(value: Optional[datetime.datetime]) -> Optional[str]:
            return value.isoformat() if value else None
        return {
            "id": self.id, "kind": self.kind, "status": self.status,
            "filters": self.filters or {}, "total": self.total, "done": self.done,
            "submitted": self.submitted, "skipped": self.skipped, "failed": self.failed,
            "error": self.error, "created": iso(self.created_at),
            "updated": iso(self.updated_at), "finished": iso(self.finished_at),
            "active": self.status in TASK_ACTIVE and not self.interrupted,
            "interrupted": self.interrupted,
        }

    @property
    def interrupted(self) -> bool:
        """Running, but its worker stopped reporting progress."""
        return (self.status == TASK_RUNNING
                and datetime.datetime.utcnow() - self.updated_at > INTERRUPTED_AFTER)
