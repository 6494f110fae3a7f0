"""Outages of the parts around us: PostgreSQL restarted, a worker killed."""
from __future__ import annotations

import datetime
import gc
import os
import signal
import subprocess
import sys
import time

import pytest
import requests
import rq
import sqlalchemy as sa

import ckan.model as model
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.model import Job, Task
from ckanext.datapusherplusapi.tests.fake_service import Answer, Callback
from ckanext.datapusherplusapi.tests.helpers import (
    REPO,
    make_resource,
    member_of,
    sysadmin_with_token,
    write_ini,
)

pytestmark = [pytest.mark.soak, pytest.mark.once,
              pytest.mark.usefixtures("with_plugins", "clean_db")]


def _forget_pooled_connections() -> None:
    """A restart ends every pooled connection of this process; an engine that
    does not test a connection before using it (xloader's job database's)
    would hand a dead one to the next test: every engine starts afresh."""
    for engine in [o for o in gc.get_objects() if isinstance(o, sa.engine.Engine)]:
        engine.dispose()


@pytest.mark.exclusive  # every connection to the server ends, other suites' too
def test_postgres_restarted_between_submit_and_callback(app, service_user, fake_service,
                                                        live_ckan, request):
    fake_service.callback = Callback(delay=4)  # the callback comes after the restart
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org)
    submitted = app.post("/api/3/action/datapusher_plus_submit",
                         json={"resource_id": resource["id"]},
                         headers={"Authorization": editor["token"]})
    assert submitted.status_code == 200
    restart = subprocess.run(["bash", str(REPO / "bin" / "dpp.sh"), "pg-restart"],
                             capture_output=True, text=True, timeout=120)
    request.addfinalizer(_forget_pooled_connections)
    assert restart.returncode == 0, restart.stderr
    fake_service.wait_callbacks(timeout=30)
    assert [r.status_code for r in fake_service.callbacks_sent] == [200]
    status = requests.get(live_ckan + "/api/3/action/datapusher_plus_status/" + resource["id"],
                          headers={"Authorization": editor["token"]}, timeout=30).json()
    assert status["status"] == "complete" and status["job_id"] == submitted.json["job_id"]


def test_worker_killed_during_a_bulk_submit(app, service_user, fake_service, live_ckan,
                                            tmp_path):
    """Killed mid-task: what it submitted is recorded once, the task shows as
    interrupted, and resuming it submits the rest — nothing twice."""
    fake_service.callback = None
    fake_service.script(*[Answer(delay=0.4)] * 200)  # a slow service: time to kill
    admin = sysadmin_with_token()
    org = factories.Organization(name="killed-org")
    resources = [make_resource(org)["id"] for _ in range(12)]
    ini = write_ini(tmp_path / "worker.ini", live_ckan, fake_service.url, service_user["token"])
    ckan_jobs.get_queue().empty()
    task = helpers.call_action("datapusher_plus_bulk_submit", {"user": admin["name"]},
                               mode="not_in_datastore", organization="killed-org")
    worker = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c",
                               str(ini), "jobs", "worker"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(fake_service.job_posts()) < 3:
            assert time.monotonic() < deadline, "the worker did not start the task"
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    model.Session.remove()
    row = model.Session.get(Task, task["id"])
    assert row.status == "running" and row.done < 12
    # Two minutes of silence later, the task is shown as interrupted.
    row.updated_at = datetime.datetime.utcnow() - datetime.timedelta(minutes=3)
    model.Session.commit()
    listed = helpers.call_action("datapusher_plus_task_list", {"user": admin["name"]})[0]
    assert listed["interrupted"] is True and listed["active"] is False
    before = len(fake_service.job_posts())
    jobs_before = model.Session.execute(sa.select(sa.func.count(Job.id))).scalar()
    # every call the service saw has its row (one may be in flight)
    assert jobs_before >= before - 1
    helpers.call_action("datapusher_plus_bulk_submit", {"user": admin["name"]},
                        resume=task["id"])
    queue = ckan_jobs.get_queue()
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
    model.Session.remove()
    rows = model.Session.execute(sa.select(Job)).scalars().all()
    per_resource = {}
    for job in rows:
        per_resource.setdefault(job.resource_id, []).append(job.status)
    assert sorted(per_resource) == sorted(resources)  # every resource was submitted
    assert all(len(statuses) == 1 for statuses in per_resource.values()), per_resource
    assert model.Session.get(Task, task["id"]).status == "done"


def test_two_job_workers_give_the_same_result_as_one(app, service_user, fake_service, live_ckan,
                                                     tmp_path):
    """Two bulk tasks over the same resources, run at once by two worker
    processes: every resource is submitted exactly once (the others skip)."""
    fake_service.callback = None
    fake_service.script(*[Answer(delay=0.05)] * 100)
    admin = sysadmin_with_token()
    org = factories.Organization(name="two-workers")
    resources = [make_resource(org)["id"] for _ in range(10)]
    ini = write_ini(tmp_path / "worker.ini", live_ckan, fake_service.url, service_user["token"])
    ckan_jobs.get_queue().empty()
    tasks = [helpers.call_action("datapusher_plus_bulk_submit", {"user": admin["name"]},
                                 mode="not_in_datastore", organization="two-workers")
             for _ in range(2)]
    ckan = os.path.join(os.path.dirname(sys.executable), "ckan")
    workers = [subprocess.Popen([ckan, "-c", str(ini), "jobs", "worker", "--burst"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    model.Session.remove()
    rows = model.Session.execute(sa.select(Job.resource_id)).scalars().all()
    assert sorted(rows) == sorted(resources)  # one job per resource, none twice
    done = [model.Session.get(Task, task["id"]) for task in tasks]
    assert all(task.status == "done" for task in done)
    assert sum(task.submitted for task in done) == 10
    assert len(fake_service.job_posts()) == 10
