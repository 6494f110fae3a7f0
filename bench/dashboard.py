"""Dashboard scale: first page and a filtered page at 1k, 10k and 100k jobs
(``DPP_BENCH_SIZE=tiny``: 100 and 300 jobs, 3 requests each).

    bin/dpp.sh bench dashboard       (make bench runs every benchmark)

Job rows are written straight through the model (200 resources, 5
organizations, 30 days, failed ones with one of ten reasons, which the
summary's top failure reasons group); the pages are requested through CKAN's WSGI app as a
sysadmin: median time and SQL statement count. Uses the test databases, which
it RESETS.
"""
from __future__ import annotations

import datetime
import random
import statistics
import time
import uuid
from typing import Any

import sqlalchemy as sa
from common import Bench, Row, Section, count, sized, table

import ckan.model as model
from ckan.tests import factories

from ckanext.datapusherplusapi.model import Job

SIZES = sized((1_000, 10_000, 100_000), (100, 300))
REPEAT = sized(15, 3)  # requests per page and size (their median), after one more
STATUSES = ["complete"] * 8 + ["error"] * 2
FORMATS = ["CSV", "XLSX", "JSON", "TSV"]
# What failed jobs say (the summary groups them into its top failure reasons).
ERRORS = [("service_job_error", "bad header in line {}".format(i)) for i in range(8)] + [
    ("service_error", "Connection refused"), ("validation", "Unknown encoding")]
FILTERED = {"status": "error", "organization": "bench-org-2", "format": "CSV",
            "latest_only": "true", "sort": "duration"}


def run(bench: Bench, repeat: int = REPEAT) -> Section:
    bench.reset()
    admin = factories.Sysadmin()
    token = factories.APIToken(user=admin["name"])["token"]
    orgs = [factories.Organization(name="bench-org-{}".format(i)) for i in range(5)]
    resources = []
    for i in range(10):
        dataset = factories.Dataset(owner_org=orgs[i % 5]["id"], name="bench-{}".format(i),
                                    resources=[{"url": "http://127.0.0.1:9/{}-{}.csv".format(i, j),
                                                "format": FORMATS[j % 4],
                                                "name": "r{}-{}".format(i, j)}
                                               for j in range(20)])
        resources += [(r, dataset) for r in dataset["resources"]]
    client = bench.test_client()
    headers = {"Authorization": token}
    url = "/ckan-admin/datapusher-plus/"
    rnd = random.Random(42)
    now = datetime.datetime.utcnow()

    def seed(jobs: int) -> None:
        for start in range(0, jobs, 10_000):
            rows = []
            for _ in range(min(10_000, jobs - start)):
                resource, dataset = rnd.choice(resources)
                status = rnd.choice(STATUSES)
                error_type, error = rnd.choice(ERRORS) if status == "error" else (None, None)
                submitted = now - datetime.timedelta(seconds=rnd.randint(0, 30 * 86400))
                rows.append(dict(
                    id=str(uuid.uuid4()), resource_id=resource["id"], package_id=dataset["id"],
                    organization_id=dataset["owner_org"], status=status,
                    service_job_id=str(uuid.uuid4()), force=False, attempt=1,
                    resource_format=resource["format"], submitted_at=submitted,
                    updated_at=submitted, finished_at=submitted + datetime.timedelta(seconds=3),
                    error=error, error_type=error_type))
            model.Session.execute(sa.insert(Job), rows)
            model.Session.commit()
        model.Session.execute(Job.flag_latest())
        model.Session.commit()
        model.Session.execute(sa.text("ANALYZE datapusherplusapi_job"))
        model.Session.commit()

    def measure(params: dict[str, str]) -> tuple[float, int, float]:
        """(median ms, SQL statements, first request ms) of ``repeat`` requests."""
        engine = model.Session.get_bind()
        times, counts = [], []
        for _ in range(repeat + 1):
            statements: list[int] = []

            def listener(*args: Any, statements: list[int] = statements) -> None:
                statements.append(1)

            sa.event.listen(engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            response = client.get(url, query_string=params, headers=headers)
            elapsed = time.perf_counter() - started
            sa.event.remove(engine, "before_cursor_execute", listener)
            assert response.status_code == 200, response.status_code
            times.append(elapsed)
            counts.append(len(statements))
        return statistics.median(times[1:]) * 1000, counts[-1], times[0] * 1000

    results = []
    seeded = 0
    for size in SIZES:
        seed(size - seeded)
        seeded = size
        first_ms, first_q, cold_ms = measure({})
        filt_ms, filt_q, _ = measure(FILTERED)
        results.append((size, first_ms, first_q, filt_ms, filt_q, cold_ms))

    base_first, base_filt = results[0][1], results[0][3]
    smallest, largest = count(SIZES[0]), count(SIZES[-1])
    detail = table(
        ["jobs", "first page (ms)", "queries", "filtered page (ms)", "queries",
         "first page vs {}".format(smallest), "filtered vs {}".format(smallest),
         "first request after seeding (ms)"],
        [["{:,}".format(size), "{:.1f}".format(first_ms), first_q, "{:.1f}".format(filt_ms),
          filt_q, "{:.2f}×".format(first_ms / base_first), "{:.2f}×".format(filt_ms / base_filt),
          "{:.1f}".format(cold_ms)]
         for size, first_ms, first_q, filt_ms, filt_q, cold_ms in results])
    detail += ("\n\nThe first request after seeding also folds the trigger's appended count"
               " rows (one per seeded job) into hourly rows.")
    last = results[-1]
    rows = [
        Row("dashboard first page, {} vs {} jobs".format(largest, smallest),
            "{:.1f} ms".format(last[1]), "{:.1f} ms".format(base_first), last[1] / base_first,
            "≤ 1.5×", last[1] / base_first <= 1.5),
        Row("dashboard filtered page, {} vs {} jobs".format(largest, smallest),
            "{:.1f} ms".format(last[3]), "{:.1f} ms".format(base_filt), last[3] / base_filt,
            "≤ 1.5×", last[3] / base_filt <= 1.5),
        Row("dashboard SQL statements at {} jobs".format(" / ".join(count(s) for s in SIZES)),
            " / ".join("{}+{}".format(r[2], r[4]) for r in results), target="identical",
            met=len({(r[2], r[4]) for r in results}) == 1),
    ]
    bench.reset()
    return Section("Dashboard at {} jobs (median of {} requests)".format(
        _and([count(s) for s in SIZES]), repeat), detail, rows)


def _and(words: list[str]) -> str:
    """["1k", "10k", "100k"] → "1k, 10k and 100k"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
