"""A million jobs: the pages and the purge at 1,000 and at 1,000,000 job rows
(``DPP_BENCH_SIZE=tiny``: 1,000 and 5,000, 3 requests each).

    bin/dpp.sh bench jobs       (make bench runs every benchmark)

Five years of nightly pushes: job rows written with PostgreSQL's COPY
(psycopg2's ``copy_expert`` through CKAN's database URL) over 210 resources
of 10 datasets in 5 organizations, submitted over five years (a tenth of
them in the last ``PURGE_DAYS`` days), mostly complete, a fifth failed with
one of ten reasons, with durations and rows loaded; ``is_latest`` flagged
afterwards by ``Job.flag_latest()``. COPY fires the triggers that keep the
job counts (``ckanext/datapusherplusapi/model/counts.py``: per hour, per
dataset); once the rows are written, both are checked against the table.

Then, at each size, the median of ``REPEAT`` requests through CKAN's WSGI
app as a sysadmin (one more before them, shown apart; the pages in rounds,
each page once a round), SQL statements
counted: the dashboard's first page, a filtered page (status, organization,
format, sorted by duration), the stats (``datapusher_plus_stats``,
portal-wide), an organization's tab, the CSV export of one month and the
metrics (``GET /datapusher-plus/metrics``, a sysadmin's API token in the
``Authorization`` header). The exported month (``EXPORT_MONTH``) holds the
same jobs at both sizes: the rows seeded after the first size are drawn
outside it, so that the export's time says what the rest of the table costs
it, not how many more rows it writes.

Last, at the largest size, ``datapusher_plus_job_purge`` of the jobs older
than ``PURGE_DAYS`` days (nine tenths of them), while a second connection
inserts job rows as a submit does (clear the resource's ``is_latest``,
insert the new latest, commit) in a loop: the longest such transaction
during the purge, against the same loop's before it. Uses the test
databases, which it RESETS.
"""
from __future__ import annotations

import datetime
import io
import queue
import random
import statistics
import threading
import time
import uuid
from typing import Any, Callable, Optional

import psycopg2
import sqlalchemy as sa
from common import Bench, Row, Section, count, sized, table

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.datapusherplusapi import causes
from ckanext.datapusherplusapi.model import counts as job_counts
from ckanext.datapusherplusapi.model.job import Job

SIZES = sized((1_000, 1_000_000), (1_000, 5_000))
REPEAT = sized(15, 3)  # requests per page and size (their median), after one more
CHUNK = 100_000  # rows per COPY
COPY_SECONDS = 30  # "in seconds": the target of the million rows' COPY
YEARS = 5
PURGE_DAYS = 183  # the purge's older_than: nine tenths of five years are older
EXPORT_MONTH = 36  # the exported month: the one that began this many months ago
STATUSES = ["complete"] * 78 + ["error"] * 20 + ["cancelled"] * 2
FORMATS = ["CSV", "XLSX", "JSON", "TSV"]
# Failures as loaders word them (several causes, a few messages each), with
# the cause lifecycle.fail would store.
ERRORS = [(error_type, error, causes.code_of_failure(error_type, error, "xloader"))
          for error_type, error in [
              ("service_job_error", "bad header in line {}".format(i)) for i in range(4)] + [
              ("service_job_error", "Xloader received a bad HTTP response when trying to "
               "download the data file status=404 url=http://files.example.org/{}.csv".format(i))
              for i in range(4)] + [
              ("service_error", "Connection refused"),
              ("service_job_error", "Data too large to load into Datastore: 240004 bytes > max "
               "100000 bytes.")]]
FILTERED = {"status": "error", "organization": "bench-org-2", "format": "CSV",
            "sort": "duration"}
# An organization of thousands of datasets: one of the ten, with its jobs,
# and EMPTY_DATASETS more without any (the organization filter is a list of
# its datasets' ids).
EMPTY_DATASETS = sized(4_000, 200)
BIG = "bench-org-big"
COLUMNS = ("id", "resource_id", "package_id", "organization_id", "status", "service_job_id",
           "user_id", "force", "attempt", "resource_url", "resource_format", "submitted_at",
           "started_at", "finished_at", "updated_at", "error", "error_type", "is_latest",
           "backend", "origin", "rows_loaded", "rows_total", "cause")
TABLE = Job.__table__.name
DATASET_COUNTS = job_counts.dataset_counts.name
MIN_INSERTS = 20  # the submit-like inserts timed before the purge
FILTERED_PAGE, MANY_DATASETS = 1, 2  # the filtered pages' places in run()'s list


def _month(now: datetime.datetime, back: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month that began ``back`` months before ``now``'s."""
    index = now.year * 12 + now.month - 1 - back
    first = datetime.date(index // 12, index % 12 + 1, 1)
    after = datetime.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return first, after - datetime.timedelta(days=1)


class Seeder:
    """Job rows, as a portal's five years of pushes, written with COPY."""

    def __init__(self, resources: list[tuple[dict[str, Any], dict[str, Any]]], user_id: str,
                 now: datetime.datetime, hole: tuple[datetime.date, datetime.date]) -> None:
        self.resources = resources
        self.user_id = user_id
        self.now = now
        self.rnd = random.Random(42)
        self.written = 0
        self.hole = (datetime.datetime.combine(hole[0], datetime.time()),
                     datetime.datetime.combine(hole[1] + datetime.timedelta(days=1),
                                               datetime.time()))
        self.keep_hole_from = 0  # rows from this index on are drawn outside the hole
        self.indexing = 0.0  # seconds the last copy spent building the indexes again

    def _submitted(self, index: int) -> datetime.datetime:
        rnd = self.rnd
        recent = PURGE_DAYS * 86400
        while True:
            if index % 10 == 0:  # a tenth in the last PURGE_DAYS days
                seconds = rnd.randint(60, recent - 3600)
            else:
                seconds = rnd.randint(recent + 3600, YEARS * 365 * 86400)
            when = self.now - datetime.timedelta(seconds=seconds)
            if index < self.keep_hole_from or not self.hole[0] <= when < self.hole[1]:
                return when.replace(microsecond=0)

    def _line(self, submitted: datetime.datetime) -> str:
        rnd = self.rnd
        resource, dataset = self.resources[rnd.randrange(len(self.resources))]
        status = STATUSES[rnd.randrange(len(STATUSES))]
        started = submitted + datetime.timedelta(seconds=rnd.randint(0, 5))
        error_type: Optional[str] = None
        error: Optional[str] = None
        cause: Optional[str] = None
        rows: Optional[int] = None
        if status == "complete":
            seconds = 2 + int(rnd.expovariate(1 / 60))
            rows = rnd.randint(10, 500_000)
        elif status == "error":
            seconds = rnd.randint(1, 30)
            error_type, error, cause = ERRORS[rnd.randrange(len(ERRORS))]
        else:
            seconds = rnd.randint(1, 10)
        finished = started + datetime.timedelta(seconds=seconds)
        values = [
            str(uuid.UUID(int=rnd.getrandbits(128), version=4)), resource["id"], dataset["id"],
            dataset["owner_org"], status, str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            self.user_id, "f", "1", resource["url"], resource["format"], submitted.isoformat(),
            started.isoformat(), finished.isoformat(), finished.isoformat(), error, error_type,
            "f", "service", "submit", rows, rows, cause]
        return "\t".join("\\N" if v is None else str(v) for v in values) + "\n"

    def copy(self, jobs: int) -> float:
        """Write ``jobs`` more rows with COPY; returns the seconds it took.

        As ``pg_restore`` loads a table: the job table's indexes that no
        constraint needs are dropped, the rows copied, and the same indexes
        (their definitions read from the catalogue) built again, in one
        transaction. Kept up row by row, the table's thirteen indexes of
        the time made the COPY of a million rows 94 s; built once the rows
        are in, they take a few seconds (``self.indexing``). The triggers
        (the counts) fire as on any insert. The rows go in the order of
        their submission, as a portal appends them (a month's jobs sit
        together in the table, not on a page each); the next chunk's lines
        are written by a thread while the current one is copied."""
        started = time.perf_counter()
        connection = psycopg2.connect(tk.config["sqlalchemy.url"])
        chunks: "queue.Queue[Optional[io.StringIO]]" = queue.Queue(maxsize=1)
        first = self.written
        failed: list[BaseException] = []

        def write() -> None:
            try:
                # in the order a portal writes them: by submission
                times = sorted(self._submitted(first + i) for i in range(jobs))
                for start in range(0, jobs, CHUNK):
                    chunks.put(io.StringIO("".join(
                        self._line(when) for when in times[start:start + CHUNK])))
            except BaseException as e:  # the COPY's thread raises it
                failed.append(e)
            chunks.put(None)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                # DROP INDEX waits for every reader of the table: an error, not a hang
                cursor.execute("SET LOCAL lock_timeout = '60s'")
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x"
                    " JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = %s::regclass"
                    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
                    " WHERE k.conindid = x.indexrelid)", (TABLE,))
                indexes = cursor.fetchall()
                for name, _definition in indexes:
                    cursor.execute('DROP INDEX "{}"'.format(name))
                while (buffer := chunks.get()) is not None:
                    cursor.copy_expert("COPY {} ({}) FROM STDIN".format(
                        TABLE, ", ".join(COLUMNS)), buffer, size=1 << 20)
                if failed:
                    raise failed[0]
                building = time.perf_counter()
                for _name, definition in indexes:
                    cursor.execute(definition)
                self.indexing = time.perf_counter() - building
            self.written += jobs
        finally:
            connection.close()
            while writer.is_alive():  # a failed COPY: let the writer finish
                try:
                    chunks.get(timeout=0.1)
                except queue.Empty:
                    pass
        return time.perf_counter() - started


def _autocommit(sql: str) -> None:
    connection = psycopg2.connect(tk.config["sqlalchemy.url"])
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def _settle(most: float = 120) -> float:
    """The server's writes of a seeding done before the pages are measured:
    a ``CHECKPOINT`` (a million rows are more WAL than ``max_wal_size``,
    which otherwise brings checkpoints while they are), then no autovacuum
    worker on any table (at most ``most`` seconds). Returns the seconds it
    took. The benchmark's role may checkpoint: ``bin/dpp.sh bench`` grants
    it ``pg_checkpoint`` (PostgreSQL 15 and later; before, no checkpoint)."""
    started = time.perf_counter()
    try:
        _autocommit("CHECKPOINT")
    except psycopg2.errors.InsufficientPrivilege:  # before PostgreSQL 15: no pg_checkpoint
        pass
    connection = psycopg2.connect(tk.config["sqlalchemy.url"])
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            while time.perf_counter() - started < most:
                cursor.execute("SELECT count(*) FROM pg_stat_activity"
                               " WHERE backend_type = 'autovacuum worker'")
                if not cursor.fetchone()[0]:
                    break
                time.sleep(0.5)
    finally:
        connection.close()
    return time.perf_counter() - started


def _table_counts() -> dict[str, int]:
    rows = model.Session.execute(sa.select(Job.status, sa.func.count(Job.id))
                                 .group_by(Job.status)).all()
    return {status: int(n) for status, n in rows}


class Inserter:
    """A second connection inserting job rows as a submit does, in a loop:
    each transaction's seconds, from its first statement to its commit."""

    def __init__(self, resources: list[tuple[dict[str, Any], dict[str, Any]]],
                 now: datetime.datetime) -> None:
        self.resources = resources
        self.now = now
        self.times: list[float] = []
        self.stop = threading.Event()
        self.failure: Optional[BaseException] = None
        self.connection = psycopg2.connect(tk.config["sqlalchemy.url"])

    def once(self, index: int) -> None:
        resource, dataset = self.resources[index % len(self.resources)]
        when = self.now + datetime.timedelta(seconds=index)
        started = time.perf_counter()
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute("UPDATE {} SET is_latest = false WHERE resource_id = %s"
                           " AND is_latest IS TRUE".format(TABLE), (resource["id"],))
            cursor.execute(
                "INSERT INTO {0} (id, resource_id, package_id, organization_id, status,"
                " service_job_id, force, attempt, resource_format, submitted_at, updated_at,"
                " finished_at, is_latest, backend, origin) VALUES (%s, %s, %s, %s, 'complete',"
                " %s, false, (SELECT count(id) + 1 FROM {0} WHERE resource_id = %s), %s, %s,"
                " %s, %s, true, 'service', 'submit')".format(TABLE),
                (str(uuid.uuid4()), resource["id"], dataset["id"], dataset["owner_org"],
                 str(uuid.uuid4()), resource["id"], resource["format"], when, when, when))
        self.times.append(time.perf_counter() - started)

    def loop(self, index: int) -> None:
        try:
            while not self.stop.is_set() or not self.times:
                self.once(index)
                index += 1
        except BaseException as e:  # the purge's thread reports it
            self.failure = e

    def close(self) -> None:
        self.connection.close()


def run(bench: Bench, repeat: int = REPEAT) -> Section:
    bench.reset()
    admin = factories.Sysadmin()
    token = factories.APIToken(user=admin["name"])["token"]
    orgs = [factories.Organization(name="bench-org-{}".format(i)) for i in range(5)]
    big = factories.Organization(name=BIG)
    resources = []
    for i in range(10):
        owner = big if i == 9 else orgs[i % 5]
        dataset = factories.Dataset(owner_org=owner["id"], name="bench-{}".format(i),
                                    resources=[{"url": "http://127.0.0.1:9/{}-{}.csv".format(i, j),
                                                "format": FORMATS[j % 4],
                                                "name": "r{}-{}".format(i, j)}
                                               for j in range(21)])
        resources += [(r, dataset) for r in dataset["resources"]]
    model.Session.execute(sa.insert(model.package_table), [
        {"id": str(uuid.uuid4()), "name": "bench-empty-{}".format(i), "type": "dataset",
         "state": "active", "private": False, "owner_org": big["id"]}
        for i in range(EMPTY_DATASETS)])
    model.Session.commit()
    _autocommit("ANALYZE package")  # as autovacuum would, a minute after so many new rows
    client = bench.test_client()
    headers = {"Authorization": token}
    now = datetime.datetime.utcnow().replace(microsecond=0)
    month = _month(now, EXPORT_MONTH)
    seeder = Seeder(resources, admin["id"], now, month)
    pages: list[tuple[str, str, dict[str, str], Callable[[Any], str]]] = [
        ("dashboard, first page", "/ckan-admin/datapusher-plus/", {}, lambda r: ""),
        ("dashboard, filtered page (status, organization, format; by duration)",
         "/ckan-admin/datapusher-plus/", FILTERED, lambda r: ""),
        ("dashboard, filtered page of an organization of {:,} datasets (status, format; by"
         " duration)".format(EMPTY_DATASETS + 1), "/ckan-admin/datapusher-plus/",
         dict(FILTERED, organization=BIG), lambda r: ""),
        ("stats (datapusher_plus_stats, portal-wide)", "/api/3/action/datapusher_plus_stats",
         {}, lambda r: "{:,} jobs".format(r.get_json()["result"]["total"])),
        ("organization's tab", "/organization/datapusher-plus/bench-org-2", {}, lambda r: ""),
        ("CSV export of one month ({} to {})".format(month[0], month[1]),
         "/ckan-admin/datapusher-plus/export.csv",
         {"date_from": month[0].isoformat(), "date_to": month[1].isoformat()},
         lambda r: "{:,} rows".format(r.get_data(as_text=True).count("\n") - 1)),
        ("metrics (GET /datapusher-plus/metrics)", "/datapusher-plus/metrics", {},
         lambda r: "{:,} B".format(len(r.get_data()))),
    ]

    def request(path: str, params: dict[str, str], what: Callable[[Any], str]
                ) -> tuple[float, int, str]:
        """(seconds, SQL statements, what it answered) of one request."""
        engine = model.Session.get_bind()
        statements: list[int] = []

        def listener(*args: Any) -> None:
            statements.append(1)

        sa.event.listen(engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        response = client.get(path, query_string=params, headers=headers)
        response.get_data()  # a streamed answer (the export) is read to its end
        elapsed = time.perf_counter() - started
        sa.event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200, (path, response.status_code)
        return elapsed, len(statements), what(response)

    def measure() -> list[tuple[float, int, float, str]]:
        """Per page: (median ms, SQL statements, first request ms, what it
        answered). The pages are requested in rounds, each page once a
        round, ``repeat`` rounds after a first: a page's requests are spread
        over the whole measurement, so that a pause of the machine (a
        checkpoint of the database, another process) weighs on every page
        alike, not on the one measured while it lasts."""
        rounds = [[request(path, params, what) for _title, path, params, what in pages]
                  for _ in range(repeat + 1)]
        return [(statistics.median(r[i][0] for r in rounds[1:]) * 1000, rounds[-1][i][1],
                 rounds[0][i][0] * 1000, rounds[-1][i][2]) for i in range(len(pages))]

    seeding: list[list[str]] = []
    copies: list[float] = []  # seconds of each size's COPY
    results: list[list[tuple[float, int, float, str]]] = []
    for size in SIZES:
        seeder.keep_hole_from = SIZES[0]
        new = size - seeder.written
        model.Session.remove()  # no session of the pages' still reading the table
        copied = seeder.copy(new)
        copies.append(copied)
        started = time.perf_counter()
        # As autovacuum would after such a write: planned on the statistics
        # of empty tables, the counts' compaction joins a million appended
        # rows in a nested loop (minutes instead of seconds).
        _autocommit("ANALYZE {}".format(TABLE))
        _autocommit("ANALYZE {}".format(job_counts.TABLE))
        analyzed = time.perf_counter() - started
        started = time.perf_counter()
        model.Session.execute(Job.flag_latest())
        model.Session.commit()
        flagged = time.perf_counter() - started
        started = time.perf_counter()
        job_counts.compact(model.Session, datetime.datetime.utcnow())
        model.Session.commit()
        compacted = time.perf_counter() - started
        started = time.perf_counter()
        # The counts' tables, once folded, hold a few thousand rows; a portal
        # folds them as its jobs come, not a million at once: their space
        # given back, as it would never have grown.
        _autocommit("VACUUM FULL ANALYZE {}, {}".format(job_counts.TABLE, DATASET_COUNTS))
        _autocommit("VACUUM ANALYZE {}".format(TABLE))
        vacuumed = time.perf_counter() - started
        settled = _settle()
        in_table = _table_counts()
        kept = job_counts.totals(model.Session)
        per_dataset = job_counts.by_dataset(model.Session)
        if not in_table == kept == per_dataset:
            raise AssertionError("the trigger-kept counts {} (per dataset: {}) differ from the"
                                 " table's {}".format(kept, per_dataset, in_table))
        latest = model.Session.execute(sa.select(sa.func.count(Job.id)).where(Job.is_latest)
                                       ).scalar()
        seeding.append(["{:,}".format(size), "{:.1f}".format(copied),
                        "{:.1f}".format(seeder.indexing),
                        "{:,.0f}".format(new / copied), "{:.1f}".format(analyzed),
                        "{:.1f}".format(flagged), "{:.1f}".format(compacted),
                        "{:.1f}".format(vacuumed), "{:.1f}".format(settled), "{:,}".format(latest),
                        ", ".join("{} {:,}".format(k, v) for k, v in sorted(kept.items())),
                        "yes"])
        results.append(measure())

    purge = _purge(resources, now)
    smallest, largest = count(SIZES[0]), count(SIZES[-1])
    detail = "Seeding (COPY through CKAN's database URL, which fires the counts' triggers; then"
    detail += " ANALYZE, flag_latest, the counts' compaction, VACUUM FULL of the counts' tables and"
    detail += " VACUUM ANALYZE of the job table):\n\n" + table(
        ["jobs", "COPY (s)", "of which indexes (s)", "rows/s", "analyze (s)",
         "flag_latest (s)", "compact (s)", "vacuum (s)", "settle (s)", "latest",
         "trigger-kept counts",
         "match the table"], seeding)
    header = ["page"]
    for size in SIZES:
        header += ["{} (ms)".format(count(size)), "statements", "first (ms)", "answered"]
    header.append("{} vs {}".format(largest, smallest))
    lines = []
    for i, (title, _path, _params, _what) in enumerate(pages):
        line: list[Any] = [title]
        for per_size in results:
            median, statements, first, said = per_size[i]
            line += ["{:.1f}".format(median), statements, "{:.1f}".format(first), said]
        line.append("{:.2f}×".format(results[-1][i][0] / results[0][i][0]))
        lines.append(line)
    detail += ("\n\nPages (median of {} requests as a sysadmin, after one more: \"first\"; in"
               " rounds, each page once a round):\n\n")\
        .format(repeat) + table(header, lines)
    detail += ("\n\nPurge at {} jobs (older than {} days): {:,} rows deleted in {:.1f} s"
               " ({:,.0f} rows/s). A submit-like insert on a second connection: {} transactions"
               " before the purge (p50 {:.1f} ms, longest {:.1f} ms), {} during it (p50 {:.1f} ms,"
               " longest {:.1f} ms).").format(
        largest, PURGE_DAYS, purge["deleted"], purge["seconds"],
        purge["deleted"] / purge["seconds"], len(purge["before"]),
        statistics.median(purge["before"]) * 1000, max(purge["before"]) * 1000,
        len(purge["during"]), statistics.median(purge["during"]) * 1000,
        max(purge["during"]) * 1000)
    rows = []
    for i, (title, _path, _params, _what) in enumerate(pages):
        if i == MANY_DATASETS:  # compared with the small organization's below
            continue
        big, small = results[-1][i][0], results[0][i][0]
        rows.append(Row("{}, {} vs {} jobs".format(title, largest, smallest),
                        "{:.1f} ms".format(big), "{:.1f} ms".format(small), big / small,
                        "≤ 1.5×", big / small <= 1.5))
    # What the organization's size costs, at the same number of jobs: the
    # page of an organization of thousands of datasets against that of two
    # (its ratio between the two sizes is in the table: it lists a handful
    # of jobs at the first size and a page of 25 at the largest).
    many, two = results[-1][MANY_DATASETS][0], results[-1][FILTERED_PAGE][0]
    rows.append(Row("{} against the same filters on an organization of 2 datasets, at {} jobs"
                    .format(pages[MANY_DATASETS][0], largest), "{:.1f} ms".format(many),
                    "{:.1f} ms".format(two), many / two, "≤ 1.5×", many / two <= 1.5))
    counted = [[r[1] for r in per_size] for per_size in results]
    rows.append(Row("million jobs: SQL statements of the {} pages at {}".format(
        len(pages), " / ".join(count(s) for s in SIZES)),
        " / ".join("+".join(str(n) for n in c) for c in counted), target="identical",
        met=all(c == counted[0] for c in counted)))
    rows.append(Row("seeding: COPY of {:,} job rows (the counts' triggers firing, the indexes"
                    " built after)".format(SIZES[-1]), "{:.1f} s".format(sum(copies)),
                    "{:,.0f} rows/s".format(SIZES[-1] / sum(copies)),
                    target="≤ {} s".format(COPY_SECONDS), met=sum(copies) <= COPY_SECONDS))
    longest = max(purge["during"])
    rows.append(Row("purge of {:,} rows at {} jobs: the longest submit-like insert during it"
                    .format(purge["deleted"], largest), "{:.0f} ms".format(longest * 1000),
                    "{:.1f} s purge".format(purge["seconds"]), target="< 1 s",
                    met=longest < 1))
    bench.reset()
    return Section("A million jobs: pages at {} and {} jobs, and the purge".format(
        smallest, largest), detail, rows)


def _purge(resources: list[tuple[dict[str, Any], dict[str, Any]]], now: datetime.datetime
           ) -> dict[str, Any]:
    """The purge of the rows older than PURGE_DAYS, with the submit-like
    inserts of a second connection before and during it."""
    inserter = Inserter(resources, now)
    try:
        for index in range(MIN_INSERTS):
            inserter.once(index)
        before = list(inserter.times)
        inserter.times.clear()
        thread = threading.Thread(target=inserter.loop, args=(MIN_INSERTS,), daemon=True)
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        thread.start()
        started = time.perf_counter()
        result = tk.get_action("datapusher_plus_job_purge")(
            {"user": site_user}, {"older_than": PURGE_DAYS})
        seconds = time.perf_counter() - started
        inserter.stop.set()
        thread.join()
        if inserter.failure is not None:
            raise inserter.failure
        return {"deleted": result["deleted"], "seconds": seconds, "before": before,
                "during": list(inserter.times)}
    finally:
        inserter.close()
