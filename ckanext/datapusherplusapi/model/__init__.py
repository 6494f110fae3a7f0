from __future__ import annotations

from .job import (  # noqa: F401
    ACTIVE,
    CANCELLED,
    COMPLETE,
    ERROR,
    NOT_SUBMITTED,
    RUNNING,
    STATUSES,
    SUBMITTED,
    SUBMITTING,
    TERMINAL,
    Job,
    job_table,
)
from .task import Task, task_table  # noqa: F401
