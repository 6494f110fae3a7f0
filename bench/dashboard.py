"""Dashboard scale benchmark: first page and a filtered page at 1k, 10k and 100k jobs.

    bin/dpp.sh bench            (or: make bench)

Runs on the test set-up (test.ini and the test databases, which it RESETS, as
the test suite does). Job rows are written straight through the model; the
pages are requested through CKAN's WSGI app as a sysadmin. Prints one markdown
table: median time of 5 requests and SQL query count, per size.
"""
from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import uuid

import sqlalchemy as sa

SIZES = (1_000, 10_000, 100_000)
STATUSES = ["complete"] * 8 + ["error", "submitted"]
FORMATS = ["CSV", "XLSX", "JSON", "TSV"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckan-ini", default=os.path.join(os.path.dirname(__file__), "..", "test.ini"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.plugins as plugins
    app = make_app(load_config(os.path.abspath(args.ckan_ini)))
    plugins.load_all()

    import ckan.model as model
    from ckan.cli.db import _run_migrations
    from ckan.tests import factories, helpers
    from ckanext.datapusherplusapi.model import Job

    helpers.reset_db()
    _run_migrations("datapusherplusapi")
    admin = factories.Sysadmin()
    token = factories.APIToken(user=admin["name"])["token"]
    orgs = [factories.Organization(name="bench-org-{}".format(i)) for i in range(5)]
    resources = []
    for i in range(10):
        dataset = factories.Dataset(owner_org=orgs[i % 5]["id"], name="bench-{}".format(i),
                                    resources=[{"url": "http://127.0.0.1:9/{}-{}.csv".format(i, j),
                                                "format": FORMATS[j % 4], "name": "r{}-{}".format(i, j)}
                                               for j in range(20)])
        resources += [(r, dataset) for r in dataset["resources"]]
    client = app.test_client() if hasattr(app, "test_client") else helpers._get_test_app()
    headers = {"Authorization": token}
    url = "/ckan-admin/datapusher-plus/"
    rnd = random.Random(42)
    now = datetime.datetime.utcnow()

    def seed(count: int) -> None:
        for start in range(0, count, 10_000):
            rows = []
            for _ in range(min(10_000, count - start)):
                resource, dataset = rnd.choice(resources)
                status = rnd.choice(STATUSES)
                submitted = now - datetime.timedelta(seconds=rnd.randint(0, 30 * 86400))
                rows.append(dict(
                    id=str(uuid.uuid4()), resource_id=resource["id"], package_id=dataset["id"],
                    organization_id=dataset["owner_org"],
                    status=status if status != "submitted" else "error",
                    service_job_id=str(uuid.uuid4()), force=False, attempt=1,
                    resource_format=resource["format"], submitted_at=submitted,
                    updated_at=submitted, finished_at=submitted + datetime.timedelta(seconds=3),
                    error="e" if status == "error" else None))
            model.Session.execute(sa.insert(Job), rows)
            model.Session.commit()
        model.Session.execute(Job.flag_latest())
        model.Session.commit()
        model.Session.execute(sa.text("ANALYZE datapusherplusapi_job"))
        model.Session.commit()

    def measure(params: dict) -> tuple[float, int]:
        engine = model.Session.get_bind()
        times, counts = [], []
        for _ in range(args.repeat + 1):
            statements = []
            listener = lambda *a: statements.append(1)  # noqa: E731
            sa.event.listen(engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            response = client.get(url, query_string=params, headers=headers)
            elapsed = time.perf_counter() - started
            sa.event.remove(engine, "before_cursor_execute", listener)
            assert response.status_code == 200, response.status_code
            times.append(elapsed)
            counts.append(len(statements))
        return statistics.median(times[1:]) * 1000, counts[-1]

    filtered = {"status": "error", "organization": "bench-org-2", "format": "CSV",
                "latest_only": "true", "sort": "duration"}
    results = []
    seeded = 0
    for size in SIZES:
        seed(size - seeded)
        seeded = size
        first_ms, first_q = measure({})
        filt_ms, filt_q = measure(filtered)
        results.append((size, first_ms, first_q, filt_ms, filt_q))
        print("seeded {:,} jobs".format(size), file=sys.stderr)

    base_first, base_filt = results[0][1], results[0][3]
    print("| jobs | first page (ms) | queries | filtered page (ms) | queries | first page vs 1k | filtered vs 1k |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, first_ms, first_q, filt_ms, filt_q in results:
        print("| {:,} | {:.1f} | {} | {:.1f} | {} | {:.2f}× | {:.2f}× |".format(
            size, first_ms, first_q, filt_ms, filt_q, first_ms / base_first, filt_ms / base_filt))
    helpers.reset_db()
    return 0


if __name__ == "__main__":
    sys.exit(main())
