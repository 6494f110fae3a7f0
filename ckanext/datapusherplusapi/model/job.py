"""One row per push attempt of a resource to the portal's loader."""
from __future__ import annotations

import datetime
import uuid
from typing import Any, Callable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi import causes, messages
from ckanext.datapusherplusapi.vocabulary import (  # noqa: F401 (the model's words)
    ACTIVE,
    CANCELLED,
    COMPLETE,
    ERROR,
    NOT_SUBMITTED,
    PENDING,
    PENDING_STATUSES,
    RUNNING,
    STATUSES,
    STUCK,
    SUBMITTED,
    SUBMITTING,
    TERMINAL,
)

LOG_LIMIT = 200  # log lines kept per job, newest last
LIST_LIMIT = 1000  # jobs one call lists at most (a page of the dashboard, a history)
REASONS_LIMIT = 5  # failure reasons the dashboard shows


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


job_table = sa.Table(
    "datapusherplusapi_job",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True,
              default=lambda: str(uuid.uuid4())),
    sa.Column("resource_id", sa.UnicodeText, nullable=False),
    sa.Column("package_id", sa.UnicodeText, nullable=True),
    sa.Column("organization_id", sa.UnicodeText, nullable=True),
    sa.Column("status", sa.UnicodeText, nullable=False, default=SUBMITTING),
    sa.Column("service_job_id", sa.UnicodeText, nullable=True, unique=True),
    sa.Column("job_key", sa.UnicodeText, nullable=True),
    sa.Column("user_id", sa.UnicodeText, nullable=True),
    sa.Column("force", sa.Boolean, nullable=False, default=False),
    sa.Column("attempt", sa.Integer, nullable=False, default=1),
    sa.Column("resource_url", sa.UnicodeText, nullable=True),
    sa.Column("resource_format", sa.UnicodeText, nullable=True),
    sa.Column("submitted_at", sa.DateTime, nullable=False, default=_now),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False, default=_now),
    sa.Column("error", sa.UnicodeText, nullable=True),
    sa.Column("error_type", sa.UnicodeText, nullable=True),
    sa.Column("error_detail", sa.JSON, nullable=True),
    # NULL: ``error`` is shown as it is (a loader's words); else ``error`` is
    # our English message and these its parameters (see messages.py).
    sa.Column("error_params", sa.JSON, nullable=True),
    sa.Column("logs", sa.JSON, nullable=True),
    # The resource's most recent attempt (kept by the submit path).
    sa.Column("is_latest", sa.Boolean, nullable=False, default=False),
    # The loader that ran it (``service``, ``xloader``, ``datapusher_plus``) and
    # who started it (``submit``: this extension; ``loader``: the loader itself).
    sa.Column("backend", sa.UnicodeText, nullable=False, default="service"),
    sa.Column("origin", sa.UnicodeText, nullable=False, default="submit"),
    # Rows written so far, of how many: loaders that tell (the built-in one).
    sa.Column("rows_loaded", sa.BigInteger, nullable=True),
    sa.Column("rows_total", sa.BigInteger, nullable=True),
    # A failed job's cause (one of causes.STORED), derived when it failed.
    sa.Column("cause", sa.UnicodeText, nullable=True),
    sa.Index("datapusherplusapi_job_cause_idx", "cause", "submitted_at",
             postgresql_where=sa.text("cause IS NOT NULL")),
    sa.Index("datapusherplusapi_job_resource_idx", "resource_id", "submitted_at"),
    sa.Index("datapusherplusapi_job_status_idx", "status", "submitted_at"),
    sa.Index("datapusherplusapi_job_submitted_idx", "submitted_at"),
    sa.Index("datapusherplusapi_job_org_idx", "organization_id", "submitted_at"),
    sa.Index("datapusherplusapi_job_format_idx", "resource_format", "submitted_at"),
    sa.Index("datapusherplusapi_job_latest_idx", "submitted_at",
             postgresql_where=sa.text("is_latest")),
    sa.Index("datapusherplusapi_job_finished_idx", "finished_at",
             postgresql_where=sa.text("status = 'complete'")),
    # An organization's filter goes through its datasets: their jobs by
    # status and end (the filtered list, the median and p95 of the latest
    # completed), and by submission (the chart, the rates) (migration 009).
    sa.Index("datapusherplusapi_job_package_idx", "package_id", "status", "finished_at",
             "resource_format"),
    sa.Index("datapusherplusapi_job_package_time_idx", "package_id", "submitted_at"),
    # The ended jobs of a status by how long they took: the list sorted by
    # duration under a status filter reads its page's jobs in order instead of
    # sorting them all (migration 012).
    sa.Index("datapusherplusapi_job_duration_idx", "status",
             sa.text("(finished_at - submitted_at)")),
    # At most one active job per resource, enforced by the database.
    sa.Index("datapusherplusapi_job_one_active_idx", "resource_id", unique=True,
             postgresql_where=sa.text(
                 "status IN ('submitting', 'submitted', 'running')")),
)


class Job(tk.BaseModel):
    """A push of one resource to the loader (one attempt)."""

    __table__ = job_table

    id: Mapped[str]
    resource_id: Mapped[str]
    package_id: Mapped[Optional[str]]
    organization_id: Mapped[Optional[str]]
    status: Mapped[str]
    service_job_id: Mapped[Optional[str]]
    job_key: Mapped[Optional[str]]
    user_id: Mapped[Optional[str]]
    force: Mapped[bool]
    attempt: Mapped[int]
    resource_url: Mapped[Optional[str]]
    resource_format: Mapped[Optional[str]]
    submitted_at: Mapped[datetime.datetime]
    started_at: Mapped[Optional[datetime.datetime]]
    finished_at: Mapped[Optional[datetime.datetime]]
    updated_at: Mapped[datetime.datetime]
    error: Mapped[Optional[str]]
    error_type: Mapped[Optional[str]]
    error_detail: Mapped[Optional[Any]]
    error_params: Mapped[Optional[dict[str, Any]]]
    logs: Mapped[Optional[list[dict[str, Any]]]]
    is_latest: Mapped[bool]
    backend: Mapped[str]
    origin: Mapped[str]
    rows_loaded: Mapped[Optional[int]]
    rows_total: Mapped[Optional[int]]
    cause: Mapped[Optional[str]]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def duration(self) -> Optional[float]:
        """Seconds from submission to the end (or to now while active)."""
        return duration(self)

    @classmethod
    def latest_for_resource(cls, resource_id: str) -> sa.sql.Select:
        """The most recent attempt for a resource."""
        # populate_existing: rows updated in bulk by this session are read afresh.
        return (sa.select(cls).where(cls.resource_id == resource_id)
                .order_by(cls.submitted_at.desc()).limit(1)
                .execution_options(populate_existing=True))

    @classmethod
    def active_for_resource(cls, resource_id: str) -> sa.sql.Select:
        """The resource's active jobs (at most one, by the unique index)."""
        return sa.select(cls).where(cls.resource_id == resource_id,
                                    cls.status.in_(ACTIVE))

    @classmethod
    def by_service_job_id(cls, service_job_id: str) -> sa.sql.Select:
        """The job the loader knows under this id."""
        return sa.select(cls).where(cls.service_job_id == service_job_id)

    @classmethod
    def count_for_resource(cls, resource_id: str) -> sa.sql.Select:
        """How many attempts a resource has had."""
        return sa.select(sa.func.count(cls.id)).where(cls.resource_id == resource_id)

    @classmethod
    def flag_latest(cls) -> sa.sql.Update:
        """Recompute ``is_latest`` for every resource (after bulk writes);
        only the rows whose flag changes are written."""
        latest = (sa.select(cls.id).distinct(cls.resource_id)
                  .order_by(cls.resource_id, cls.submitted_at.desc(), cls.id.desc()))
        flag = cls.id.in_(latest.scalar_subquery())
        return (sa.update(cls).values(is_latest=flag).where(cls.is_latest != flag)
                .execution_options(synchronize_session="fetch"))

    def dictize(self) -> dict[str, Any]:
        """See ``dictize`` below."""
        return dictize(self)


def duration(job: Any) -> Optional[float]:
    """Seconds from a job's submission to its end (or to now while active).
    ``job``: a ``Job``, or a row of the job table's columns."""
    end = job.finished_at or (_now() if job.status in ACTIVE else job.updated_at)
    return round((end - job.submitted_at).total_seconds(), 3)


def dictize(job: Any) -> dict[str, Any]:
    """A job as a JSON-ready dict (never its key), its error in the reader's
    language. ``job``: a ``Job``, or a row of the job table's columns (the
    status polls read rows, see ``logic/status.py``)."""
    def iso(value: Optional[datetime.datetime]) -> Optional[str]:
        return value.isoformat() if value else None

    return {
        "id": job.id,
        "job_id": job.service_job_id,
        "resource_id": job.resource_id,
        "package_id": job.package_id,
        "organization_id": job.organization_id,
        "status": job.status,
        "user_id": job.user_id,
        "force": job.force,
        "attempt": job.attempt,
        "resource_url": job.resource_url,
        "resource_format": job.resource_format,
        "submitted": iso(job.submitted_at),
        "started": iso(job.started_at),
        "finished": iso(job.finished_at),
        "last_updated": iso(job.updated_at),
        "duration": duration(job),
        "error": messages.render(job.error, job.error_params),
        "error_type": job.error_type,
        "error_detail": job.error_detail,
        "backend": job.backend,
        "started_by_loader": job.origin == "loader",
        "progress": progress(job),
        "cause": cause_dict(job),
    }


def cause_of(job: Any) -> Optional[causes.Cause]:
    """A failed job's cause, its parameters derived again from its error (the
    stored code wins where they differ); None for any other job.  An active
    job's live cause (no worker) is ``logic/status.py``'s."""
    if job.status != ERROR:
        return None
    derived = causes.of_failure(job.error_type, job.error, getattr(job, "backend", None),
                                getattr(job, "error_params", None))
    stored = getattr(job, "cause", None)
    if stored and (derived is None or derived.code != stored):
        return causes.with_options(stored, getattr(job, "backend", None))
    return derived


def cause_dict(job: Any) -> Optional[dict[str, Any]]:
    """``cause_of`` as the API gives it (code, parameters, words, fix)."""
    cause = cause_of(job)
    return cause.as_dict() if cause else None


def progress(job: Any) -> Optional[dict[str, Any]]:
    """Rows written so far, of how many (None while the file is still being
    read), at what speed, when the loader tells: ``{"rows_loaded": …,
    "rows_total": …, "percent": …, "rows_per_second": …}``, else None.  The
    speed is the rows over the time from the job's start to its last
    progress (its end, once ended)."""
    loaded = getattr(job, "rows_loaded", None)
    if loaded is None:
        return None
    total = getattr(job, "rows_total", None)
    percent = min(100, int(loaded * 100 / total)) if total else None
    started = getattr(job, "started_at", None)
    until = getattr(job, "finished_at", None) or getattr(job, "updated_at", None)
    seconds = (until - started).total_seconds() if started and until else 0
    rate = int(loaded / seconds) if seconds > 0 and loaded else None
    return {"rows_loaded": loaded, "rows_total": total, "percent": percent,
            "rows_per_second": rate}


def _scope(filters: dict[str, Any], stuck_before: datetime.datetime
           ) -> tuple[Callable[[sa.sql.Select], sa.sql.Select], Any]:
    """(a function that joins and filters a statement over the jobs as
    ``filters`` say, the organization alias it joins); see ``listing``."""
    org = sa.orm.aliased(model.Group)
    conditions: list[Any] = []
    if filters.get("latest_only"):
        conditions.append(Job.is_latest)  # as the partial index says it: the planner uses it
    status = filters.get("status")
    if status == STUCK:  # vocabulary.is_stuck, in SQL
        conditions += [Job.status.in_(ACTIVE), Job.submitted_at < stuck_before]
    elif status == PENDING:
        conditions.append(Job.status.in_(PENDING_STATUSES))
    elif status:
        conditions.append(Job.status == status)
    if filters.get("organization"):
        # Its datasets' jobs, where each dataset is now (a dataset moved to
        # another organization takes its history with it).
        conditions.append(organization_filter(filters["organization"]))
    if filters.get("format"):
        conditions.append(Job.resource_format == filters["format"].upper())
    if filters.get("reason"):
        conditions.append(reason_key() == filters["reason"])
    if filters.get("cause"):
        # as the partial index says it (``cause IS NOT NULL``): the planner uses it
        conditions += [Job.cause == filters["cause"], Job.cause.isnot(None)]
    if filters.get("date_from"):
        conditions.append(Job.submitted_at >= filters["date_from"])
    if filters.get("date_to"):
        conditions.append(Job.submitted_at < filters["date_to"] + datetime.timedelta(days=1))
    q = (filters.get("q") or "").strip()
    if q:
        like = "%{}%".format(q.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_"))
        conditions.append(sa.or_(model.Resource.name.ilike(like), model.Package.name.ilike(like),
                                 model.Package.title.ilike(like)))

    def joined(stmt: sa.sql.Select) -> sa.sql.Select:
        return (stmt.select_from(Job)
                .outerjoin(model.Resource, model.Resource.id == Job.resource_id)
                .outerjoin(model.Package, model.Package.id == Job.package_id)
                # the dataset's organization now, as the organization filter
                # reads it (none for a dataset of no organization); the
                # job's own, of its submission, once the dataset is gone
                # (purged: the filter, which reads datasets, lists it no more)
                .outerjoin(org, org.id == sa.case(
                    (model.Package.id.is_(None), Job.organization_id),
                    else_=model.Package.owner_org))
                .outerjoin(model.User, model.User.id == Job.user_id)
                .where(*conditions))

    return joined, org


ARRAY_DATASETS = 100  # an organization of at most this many datasets: their ids in the statements


def organization_filter(value: str) -> Any:
    """The jobs of the datasets now in the organization ``value`` (its id or
    name), as a condition; one query first reads the organization's id and
    up to ``ARRAY_DATASETS`` + 1 of its datasets.

    - Up to ``ARRAY_DATASETS`` datasets: their ids, as one array parameter
      (``package_id = ANY(ARRAY[...])``). PostgreSQL counts each dataset's
      jobs when it plans (the sorted list of a small organization reads its
      page's jobs in index order) and hashes the array once.
    - More: ``package_id IN (SELECT id FROM package WHERE owner_org = ...)``
      with the organization's id as a constant, whose datasets PostgreSQL
      counts from ``package``'s statistics; each job's dataset is looked up
      once (a memoized lookup, or a hash). An array of thousands of ids would
      be planned element by element on every statement.

    Tried before: a join to ``package`` filtered by a subquery of the
    organization's id or name, which PostgreSQL estimated at one dataset
    (it sorted every failed job of the organization to keep a page of 25);
    and ``ANY(ARRAY(SELECT ...))``, which it compares with each dataset in
    turn for every job row."""
    group = sa.select(model.Group.id).where(
        sa.or_(model.Group.id == value, model.Group.name == value)).limit(1).subquery()
    rows = model.Session.execute(
        sa.select(group.c.id, model.Package.id).select_from(group)
        .outerjoin(model.Package, model.Package.owner_org == group.c.id)
        .limit(ARRAY_DATASETS + 1)).all()
    datasets = [dataset for _org, dataset in rows if dataset is not None]
    if len(datasets) <= ARRAY_DATASETS:
        return Job.package_id == sa.any_(sa.bindparam(
            "datasets", datasets, type_=postgresql.ARRAY(sa.UnicodeText), unique=True))
    return Job.package_id.in_(sa.select(model.Package.id).where(
        model.Package.owner_org == sa.bindparam("owner", rows[0][0], unique=True)))


def reason_key() -> Any:
    """A failure reason's key, in SQL: the md5 of the job's error type, its
    error (message or the loader's words) and that message's parameters. The
    dashboard's top failure reasons group on it; its ``reason`` filter
    selects the jobs of one."""
    def text(column: Any) -> Any:
        return sa.func.coalesce(sa.cast(column, sa.UnicodeText), "")

    return sa.func.md5(sa.func.concat(text(Job.error_type), "\x1f", text(Job.error), "\x1f",
                                      text(Job.error_params)))


def failure_reasons(filters: dict[str, Any], since: datetime.datetime,
                    limit: int = REASONS_LIMIT) -> sa.sql.Select:
    """The most frequent causes of the failed jobs submitted from ``since``
    on, among those ``filters`` select (their ``status`` and ``reason``
    aside; under a ``cause`` filter, that cause alone, as the figures beside
    them count), each with its most frequent message as an example: one
    query over the failed jobs of the period, which the index on (status,
    submitted_at) finds, grouped by cause and message, then ranked within
    each cause. Rows are ``(cause, jobs of that cause, the example's error
    type, error and parameters as JSON text)``, most frequent cause first."""
    joined = _scope({key: value for key, value in filters.items()
                     if key not in ("status", "reason")}, _now())[0]
    params = sa.cast(Job.error_params, sa.UnicodeText)
    jobs = sa.func.count(Job.id)
    by_message = (joined(sa.select(
        Job.cause.label("cause"), Job.error_type.label("error_type"),
        Job.error.label("error"), params.label("params"), jobs.label("jobs"),
        sa.cast(sa.func.sum(jobs).over(partition_by=Job.cause), sa.BigInteger).label("total"),
        sa.func.row_number().over(partition_by=Job.cause, order_by=(
            jobs.desc(), Job.error_type, Job.error)).label("rank")))
        .where(Job.status == ERROR, Job.submitted_at >= since, Job.cause.isnot(None))
        .group_by(Job.cause, Job.error_type, Job.error, params)).subquery()
    return (sa.select(by_message.c.cause, by_message.c.total, by_message.c.error_type,
                      by_message.c.error, by_message.c.params)
            .where(by_message.c.rank == 1)
            .order_by(by_message.c.total.desc(), by_message.c.cause).limit(limit))


def reason_of(key: str) -> sa.sql.Select:
    """One job with the failure reason ``key`` (its error type, error and
    parameters), for the words of a ``reason`` filter."""
    return (sa.select(Job.error_type, Job.error, Job.error_params)
            .where(reason_key() == key).limit(1))


def scope(filters: dict[str, Any]) -> Callable[[sa.sql.Select], sa.sql.Select]:
    """What the dashboard's filters select, for any statement over the jobs
    (its summary): ``scope(filters)(sa.select(...))`` reads the jobs the
    table lists under ``filters``, their ``status`` aside."""
    return _scope({key: value for key, value in filters.items() if key != "status"}, _now())[0]


def listing(filters: dict[str, Any], stuck_before: datetime.datetime
            ) -> tuple[sa.sql.Select, sa.sql.Select]:
    """(rows, count) statements for the dashboard's jobs table.

    ``filters``: ``status`` (a status, ``pending`` or ``stuck``),
    ``organization`` (id or name), ``format``, ``date_from``/``date_to``
    (dates, on submission), ``q`` (resource or dataset name/title),
    ``latest_only`` (the latest job of each resource), ``reason`` (a failure
    reason's key, see ``reason_key``), ``cause`` (a failed job's cause, one
    of ``causes.STORED``), ``sort`` and ``order``.
    Rows are ``(Job, resource name, dataset name, dataset title,
    organization name, organization title, user name, user full name,
    organization id)``: the dataset's organization now (a dataset moved
    takes its history along, as the organization filter reads it).
    """
    joined, org = _scope(filters, stuck_before)
    if filters.get("status") in TERMINAL:
        # ended jobs all have an end: the duration index's expression, so
        # the page's jobs are read in order (migration 012)
        duration = Job.finished_at - Job.submitted_at
    else:  # an active job's duration runs until now
        duration = sa.func.coalesce(Job.finished_at, sa.func.now()) - Job.submitted_at
    columns = {
        "submitted": Job.submitted_at, "status": Job.status, "duration": duration,
        "format": Job.resource_format, "resource": model.Resource.name,
        "dataset": model.Package.title, "organization": org.title,
    }
    column = columns.get(filters.get("sort") or "submitted", Job.submitted_at)
    ordered = column.asc() if filters.get("order") == "asc" else column.desc()
    rows = joined(sa.select(Job, model.Resource.name, model.Package.name, model.Package.title,
                            org.name, org.title, model.User.name, model.User.fullname, org.id)
                   ).order_by(ordered, Job.id)
    count = joined(sa.select(sa.func.count(Job.id)))
    return rows, count


def page(rows: sa.sql.Select, offset: int, limit: int) -> sa.sql.Select:
    """The rows of ``listing`` from ``offset`` on, at most ``limit``: the
    page's jobs are chosen first by their ids alone, then those jobs read
    with their resource, dataset, organization and submitter (thousands of
    matching jobs sorted by duration are not each joined to their names)."""
    ids = rows.with_only_columns(Job.id).offset(offset).limit(limit)
    return rows.where(Job.id.in_(ids.scalar_subquery()))
