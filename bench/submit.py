"""Submit path: overhead per job, bulk submit of 10,000 resources, service down
(``DPP_BENCH_SIZE=tiny``: 30 jobs, 50 bulk submissions, a 1 s timeout and one
retry).

    bin/dpp.sh bench submit          (make bench runs every benchmark)

- Overhead: ``datapusher_plus_submit`` called in-process, in a request
  context where an editor of the dataset's organization is logged in, against
  the fake service (``tests/fake_service.py``) answering at once, beside a
  bare ``requests.post`` of the same job to the same fake: the difference is
  what our path costs beyond the service call (the time spent in the back
  end's ``submit_job``, ``backends/service.py``, is shown too).
- Bulk: ``datapusher_plus_bulk_submit`` (``not_in_datastore``) over 10,000
  resources, then a real ``ckan jobs worker --burst`` submits them: time to
  enqueue, time until the worker has resolved the resources, throughput.
- Service down: how long a submission takes to answer when the service
  refuses connections and when it accepts them but never answers, against
  the bound ``timeout × (max_retries + 1) + backoff``.

Uses the test databases, which it RESETS.
"""
from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from typing import Any, Optional

import requests
import sqlalchemy as sa
from common import Bench, Row, Section, median_ms, percentile_ms, port, sized, table
from flask_login import login_user
from urllib3.exceptions import ConnectTimeoutError
from urllib3.util.retry import Retry

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.backends import service
from ckanext.datapusherplusapi.model import Job, Task
from ckanext.datapusherplusapi.model.job import ERROR, SUBMITTED
from ckanext.datapusherplusapi.model.task import TASK_DONE, TASK_FAILED, TASK_RUNNING
from ckanext.datapusherplusapi.tests.fake_service import FakeService

JOBS = sized(300, 30)  # submitted one by one, over 3 datasets
BULK = sized(10_000, 50)  # resources of the bulk submit
BULK_DATASETS = sized(100, 10)  # that hold them
# The service down: the back end's timeout (s), max_retries, backoff_factor.
DOWN = sized((2, 2, 0.5), (1, 1, 0.5))


def _resources(package_ids: list[str], per_package: int) -> list[str]:
    """Active CSV resources written straight into CKAN's resource table."""
    ids, rows = [], []
    for package_id in package_ids:
        for position in range(per_package):
            resource_id = str(uuid.uuid4())
            ids.append(resource_id)
            rows.append(dict(id=resource_id, package_id=package_id, position=position,
                             url="http://127.0.0.1:9/{}.csv".format(resource_id),
                             format="CSV", name="r{}".format(position), size=2048,
                             state="active", extras={}))
    for start in range(0, len(rows), 5000):
        model.Session.execute(sa.insert(model.resource_table), rows[start:start + 5000])
    model.Session.commit()
    return ids


def _backoff(retries: int, factor: float) -> float:
    """Total sleep of urllib3's Retry between ``retries + 1`` failed tries."""
    retry, total = Retry(total=retries, connect=retries, backoff_factor=factor), 0.0
    for _ in range(retries):
        retry = retry.increment(method="POST", url="/job", error=ConnectTimeoutError())
        total += retry.get_backoff_time()
    return total


def run(bench: Bench) -> Section:
    bench.reset()
    fake = FakeService().start()  # accepts every job at once, never calls back
    robot = factories.Sysadmin(name="bench_service")
    robot_token = factories.APIToken(user=robot["name"])["token"]
    admin = factories.Sysadmin(name="bench_admin")
    editor = factories.User(name="bench_editor")
    org = factories.Organization(name="bench-one")
    helpers.call_action("member_create", id=org["id"], object=editor["name"],
                        object_type="user", capacity="editor")
    settings = {config.URL: fake.url, config.API_TOKEN: robot_token,
                config.TIMEOUT: 30, config.MAX_RETRIES: 2, config.BACKOFF_FACTOR: 0.5}
    saved = {key: tk.config.get(key) for key in settings}
    tk.config.update(settings)
    real_submit = service.submit_job
    try:
        # -- overhead per job -----------------------------------------------
        packages = [factories.Dataset(owner_org=org["id"])["id"] for _ in range(3)]
        resource_ids = _resources(packages, JOBS // 3)
        in_service: list[float] = []

        def timed_submit(job_id: str, payload: dict[str, Any]) -> dict[str, Any]:
            started = time.perf_counter()
            try:
                return real_submit(job_id, payload)
            finally:
                in_service.append(time.perf_counter() - started)

        # The service back end calls its module's submit_job: time it there.
        service.submit_job = timed_submit
        submit = tk.get_action("datapusher_plus_submit")
        totals = []
        # As in a web request: the editor is the logged-in user (CKAN's
        # authorization then finds the user without asking the database).
        with bench.test_client().flask_app.test_request_context():
            login_user(model.User.get(editor["name"]))
            for resource_id in resource_ids:
                started = time.perf_counter()
                submit({"user": editor["name"]}, {"resource_id": resource_id})
                totals.append(time.perf_counter() - started)
        service.submit_job = real_submit
        if len(in_service) != len(totals):
            raise SystemExit("{} submits, {} calls of backends.service.submit_job: the submit "
                             "path no longer goes through it".format(len(totals),
                                                                     len(in_service)))
        payload = {"api_key": robot_token, "job_type": "push_to_datastore",
                   "result_url": "http://127.0.0.1/api/3/action/datapusher_plus_hook",
                   "metadata": {"resource_id": resource_ids[0], "ckan_url": "http://127.0.0.1"}}
        bare = []
        for _ in range(len(resource_ids)):
            started = time.perf_counter()
            response = requests.post("{}/job/{}".format(fake.url, uuid.uuid4()), json=payload,
                                     timeout=30)
            bare.append(time.perf_counter() - started)
            assert response.ok
        overheads = sorted(t - b for t, b in zip(sorted(totals), sorted(bare), strict=True))
        overhead = median_ms(totals) - median_ms(bare)
        detail = [table(["per job ({} jobs)".format(len(totals)), "p50 (ms)", "p95 (ms)"], [
            ["datapusher_plus_submit (an editor, in-process)", "{:.1f}".format(median_ms(totals)),
             "{:.1f}".format(percentile_ms(totals, 0.95))],
            ["of which in backends.service.submit_job", "{:.1f}".format(median_ms(in_service)),
             "{:.1f}".format(percentile_ms(in_service, 0.95))],
            ["bare requests.post of a job to the same fake", "{:.1f}".format(median_ms(bare)),
             "{:.1f}".format(percentile_ms(bare, 0.95))],
            ["overhead (submit − bare post)", "{:.1f}".format(overhead),
             "{:.1f}".format(percentile_ms(overheads, 0.95))],
        ])]
        rows = [Row("submit overhead per job beyond the service call (p50)",
                    "{:.1f} ms".format(overhead), "{:.1f} ms bare POST".format(median_ms(bare)),
                    None, "≤ 20 ms", overhead <= 20)]

        # -- bulk submit of BULK resources ----------------------------------
        bulk_org = factories.Organization(name="bench-bulk")
        bulk_packages = [factories.Dataset(owner_org=bulk_org["id"])["id"]
                         for _ in range(BULK_DATASETS)]
        _resources(bulk_packages, BULK // BULK_DATASETS)
        ini = bench.write_ini("worker.ini", {
            config.URL: fake.url,
            config.API_TOKEN: robot_token,
        })
        started = time.perf_counter()
        task = tk.get_action("datapusher_plus_bulk_submit")(
            {"user": admin["name"]}, {"mode": "not_in_datastore", "organization": "bench-bulk"})
        enqueue = time.perf_counter() - started
        worker_started = time.perf_counter()
        worker = bench.popen([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c",
                              str(ini), "jobs", "worker", "--burst"])
        resolved: Optional[float] = None
        while True:
            model.Session.remove()
            row = model.Session.get(Task, task["id"])
            if row is None:
                raise SystemExit("the bulk task {} is gone".format(task["id"]))
            now = time.perf_counter()
            if resolved is None and row.status in (TASK_RUNNING, TASK_DONE) and row.total:
                resolved = now
            if row.status in (TASK_DONE, TASK_FAILED):
                finished = now
                break
            if worker.poll() is not None:
                raise SystemExit("the worker stopped (status {}) before the task ended: {}"
                                 .format(worker.returncode, row.status))
            time.sleep(0.05)
        if resolved is None:  # done between two looks: resolved and finished at once
            resolved = finished
        worker.wait(timeout=60)
        model.Session.remove()
        row = model.Session.get(Task, task["id"])
        jobs = model.Session.execute(sa.select(sa.func.count(Job.id)).where(
            Job.organization_id == bulk_org["id"], Job.status == SUBMITTED)).scalar()
        if row is None or not (row.status == TASK_DONE and row.submitted == BULK == jobs):
            raise SystemExit("bulk submit of {}: task {}, {} submitted, {} jobs recorded".format(
                BULK, row and row.status, row and row.submitted, jobs))
        throughput = row.submitted / max(finished - resolved, 1e-6)
        detail.append(table(["bulk submit of {:,} resources".format(BULK), "seconds"], [
            ["datapusher_plus_bulk_submit answers (task recorded and enqueued)",
             "{:.3f}".format(enqueue)],
            ["worker started → resources resolved (total known)",
             "{:.2f}".format(resolved - worker_started)],
            ["resolved → every resource submitted", "{:.1f}".format(finished - resolved)],
            ["throughput through one worker", "{:.0f} jobs/s".format(throughput)],
        ]))
        rows += [
            Row("bulk submit of {:,}: enqueued (action answers)".format(BULK),
                "{:.3f} s".format(enqueue), target="≤ 10 s", met=enqueue <= 10),
            Row("bulk submit of {:,}: resolved by the worker".format(BULK),
                "{:.2f} s".format(resolved - worker_started), target="≤ 10 s",
                met=resolved - worker_started <= 10),
            Row("bulk submit throughput (one worker, instant service)",
                "{:.0f} jobs/s".format(throughput), "{:.1f} s for {:,}".format(
                    finished - resolved, BULK)),
        ]

        # -- service down ---------------------------------------------------
        timeout, retries, factor = DOWN
        tk.config.update({config.TIMEOUT: timeout, config.MAX_RETRIES: retries,
                          config.BACKOFF_FACTOR: factor})
        bound = timeout * (retries + 1) + _backoff(retries, factor)
        silent = socket.socket()  # accepts connections (kernel backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        cases = {
            "connection refused": "http://127.0.0.1:{}".format(port()),
            "accepts, never answers": "http://127.0.0.1:{}".format(silent.getsockname()[1]),
        }
        spare = _resources([packages[0]], len(cases))
        down_rows = []
        for (case, url), resource_id in zip(cases.items(), spare, strict=True):
            tk.config[config.URL] = url
            started = time.perf_counter()
            try:
                submit({"user": editor["name"]}, {"resource_id": resource_id})
                outcome = "accepted?!"
            except tk.ValidationError as e:
                outcome = str(e.error_dict.get("error_type") or e.error_dict)[:60]
            except Exception as e:  # the specification's error answers
                outcome = getattr(e, "error_type", type(e).__name__)
            elapsed = time.perf_counter() - started
            model.Session.remove()
            job = model.Session.execute(Job.latest_for_resource(resource_id)).scalars().first()
            recorded = "{} ({})".format(job.status, job.error_type) if job else "not recorded"
            down_rows.append([case, "{:.2f}".format(elapsed), "{:.2f}".format(bound),
                              outcome, recorded])
            rows.append(Row("service down ({}): submit answers in".format(case),
                            "{:.2f} s".format(elapsed), "{:.2f} s bound".format(bound),
                            elapsed / bound, "≤ 1× the bound, job recorded",
                            elapsed <= bound * 1.05 and job is not None
                            and job.status == ERROR))
        silent.close()
        detail.append(table(["service down (timeout {} s, max_retries {}, backoff_factor {})"
                             .format(timeout, retries, factor), "answer (s)", "bound (s)",
                             "error", "job recorded"], down_rows))
    finally:
        service.submit_job = real_submit
        for key, value in saved.items():
            if value is None:
                tk.config.pop(key, None)
            else:
                tk.config[key] = value
        fake.stop()
        bench.stop()
    bench.reset()
    return Section("Submit path", "\n\n".join(detail), rows)
