"""Live causes of waiting jobs: no background worker listens on the queue a
job waits in. Jobs of the JSON/XML loader wait in CKAN's default queue, which
no worker of these tests listens to unless a test starts one; jobs of the
DataPusher service wait in no queue of CKAN's. (The real loaders, their
workers stopped and killed: ``test_xloader.py``.)
"""
from __future__ import annotations

import datetime
import re
from typing import Any, Iterator

import pytest
import redis
from rq import Worker
from rq.job import Job as RQJob
from rq.utils import utcformat

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.jobs import add_queue_name_prefix, get_queue
from ckan.lib.redis import connect_to_redis
from ckan.tests import helpers as ckan_helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import lifecycle
from ckanext.datapusherplusapi.backends import rq as dpp_rq
from ckanext.datapusherplusapi.records import load as loader
from ckanext.datapusherplusapi.tests.helpers import (
    STATUS_URL,
    auth,
    free_port,
    make_resource,
    seed_jobs,
    start_worker,
    stop_worker,
    sysadmin_with_token,
    worker_command,
    write_ini,
)

PLUGINS = "datapusherplusapi datastore datapusherplusapi_nosolr"

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins", "clean_db")]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times RQ's workers are listed (the real listing, counted),
    this process's count of them forgotten before and after."""
    calls: list[int] = []
    listing = Worker.all

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return listing(*args, **kwargs)

    monkeypatch.setattr(Worker, "all", counting)
    dpp_rq.forget_workers()
    yield calls
    dpp_rq.forget_workers()


def waiting(count: int, backend: str = "builtin", fmt: str = "JSON") -> list[dict[str, Any]]:
    """``count`` resources of public datasets, each with a job waiting (submitted)."""
    resources = [make_resource(format=fmt, url="http://127.0.0.1:9/data.json")
                 for _ in range(count)]
    seed_jobs(resources, count, status="submitted", backend=backend, finished_at=None)
    return resources


def status(app: Any, resource_id: str, user: Any = None) -> dict[str, Any]:
    response = app.get(STATUS_URL, query_string={"resource_id": resource_id},
                       headers=auth(user) if user else {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["result"]


def test_waiting_jobs_say_no_worker_listens_counted_once_per_process(app, counted):
    """Every poll and every list reads the workers this process counted at
    most a few seconds ago: one listing of RQ's workers for five polls, a
    list of six jobs and a job's page."""
    counts = dpp_rq.workers_per_queue()
    assert counts is not None and not counts.get(add_queue_name_prefix("default"))
    pushed = waiting(4)
    serviced = waiting(1, backend="service", fmt="CSV")
    seed_jobs([make_resource(format="JSON")], 1, status="error", backend="builtin",
              error="boom")
    admin = sysadmin_with_token()
    expected = {"code": "no_worker", "params": {"queue": "default", "command": worker_command()},
                "title": "No worker on the queue",
                "message": "No background worker listens on the queue “default”: the job "
                           "waits there and nothing will take it.",
                "fix": "Start a worker on the queue “default”: " + worker_command()}
    for _ in range(5):
        found = status(app, pushed[0]["id"], admin)
        assert (found["status"], found["cause"]) == ("submitted", expected)
    # what a reader who may not push it reads: the code and its few words
    assert status(app, pushed[0]["id"])["cause"] == {"code": "no_worker",
                                                     "title": "No worker on the queue"}
    assert status(app, serviced[0]["id"], admin)["cause"] is None  # no queue of CKAN's
    listed = ckan_helpers.call_action("datapusher_plus_job_list", {"user": admin["name"]})
    causes = {job["resource_id"]: (job["status"], (job["cause"] or {}).get("code"))
              for job in listed["results"]}
    assert len(causes) == 6
    assert [causes[resource["id"]] for resource in pushed] == [("submitted", "no_worker")] * 4
    assert causes[serviced[0]["id"]] == ("submitted", None)
    assert ("error", "unknown") in causes.values()  # a failed job keeps its own cause
    job = next(job for job in listed["results"] if job["resource_id"] == pushed[1]["id"])
    shown = ckan_helpers.call_action("datapusher_plus_job_show", {"user": admin["name"]},
                                     id=job["id"])
    assert shown["cause"] == expected
    assert [attempt["cause"] for attempt in shown["attempts"]] == [expected]
    assert len(counted) == 1  # (the check above of the default queue's workers included)


def test_no_cause_and_no_error_when_redis_is_unreachable(app, counted, monkeypatch):
    pushed = waiting(1)
    nowhere = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    monkeypatch.setattr(dpp_rq, "connect_to_redis", lambda: nowhere)
    admin = sysadmin_with_token()
    for _ in range(3):
        found = status(app, pushed[0]["id"], admin)
        assert (found["status"], found["cause"]) == ("submitted", None)
    listed = ckan_helpers.call_action("datapusher_plus_job_list", {"user": admin["name"]})
    assert [job["cause"] for job in listed["results"]] == [None]
    assert len(counted) == 1  # asked once, not at every poll


@pytest.mark.loader
def test_a_listening_worker_leaves_a_waiting_job_without_cause(app, counted, tmp_path):
    """A real ``ckan jobs worker`` on CKAN's default queue: the job waiting
    there has no cause; stopped (it deregisters), the cause comes back."""
    pushed = waiting(1)
    admin = sysadmin_with_token()
    ini = write_ini(tmp_path / "worker.ini", tk.config["ckan.site_url"], "http://127.0.0.1:9",
                    "unused-by-the-worker", ckan__plugins=PLUGINS)
    process = start_worker(ini, tmp_path / "worker.log")
    try:
        dpp_rq.forget_workers()
        assert status(app, pushed[0]["id"], admin)["cause"] is None
    finally:
        stop_worker(process)
    dpp_rq.forget_workers()
    assert status(app, pushed[0]["id"], admin)["cause"]["code"] == "no_worker"


@pytest.mark.parametrize("worker", ["gone", "silent", "alive"])
def test_a_started_load_whose_worker_died_ends_in_error_saying_so(app, monkeypatch, worker):
    """The JSON/XML loader's RQ job reads started, as RQ writes it when a
    worker takes it, by a worker whose key is gone (killed, then RQ's TTL
    ended), or still registered but silent for longer than
    ``HEARTBEAT_LOST`` (killed moments ago): once the job is silent, the
    first read of its status ends it in ``error``, ``worker_died``. A worker
    registered that heartbeat a second ago runs it still."""
    monkeypatch.setitem(tk.config, dpp_config.CHECK_AFTER, 1)
    resource = make_resource(format="JSON", url="http://127.0.0.1:9/data.json")
    before = datetime.datetime.utcnow() - datetime.timedelta(minutes=1)
    [job_id] = seed_jobs([resource], 1, status="running", backend="builtin", finished_at=None,
                         submitted_at=before, started_at=before, updated_at=before)
    tk.enqueue_job(loader.load, [job_id], rq_kwargs={"job_id": job_id})
    rq_job = RQJob.fetch(job_id, connection=connect_to_redis())
    get_queue().remove(rq_job)
    beat = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(
        seconds=dpp_rq.HEARTBEAT_LOST + 5 if worker == "silent" else 1)
    registered = Worker([get_queue()], connection=connect_to_redis())
    if worker != "gone":
        registered.register_birth()
    connect_to_redis().hset(rq_job.key, mapping={
        "status": "started", "worker_name": registered.name, "last_heartbeat": utcformat(beat)})
    try:
        found = status(app, resource["id"], sysadmin_with_token())  # silent: its loader is asked
    finally:
        if worker != "gone":
            registered.register_death()
        rq_job.delete()
    if worker == "alive":
        assert (found["status"], found["error"], found["cause"]) == ("running", None, None)
        return
    assert (found["status"], found["error_type"]) == (
        "error", "worker_silent" if worker == "silent" else "worker_died"), found
    assert found["cause"]["code"] == "worker_died"
    assert found["error"].startswith("The background worker {} that ran DataPusher+ JSON/XML's "
                                     "job ".format(registered.name)), found["error"]
    assert re.search("is gone:" if worker == "gone" else "has not been heard of for 5[0-9] "
                     "seconds:", found["error"]), found["error"]
    # The silent worker was a guess: its late report still ends the job as it
    # really ended, and the cause goes with the error. A worker whose key is
    # gone did die: a report after that changes nothing.
    assert lifecycle.complete(model.Session, job_id, views=False) is (worker == "silent")
    after = status(app, resource["id"], sysadmin_with_token())
    assert (after["status"], after["cause"] is None) == (
        ("complete", True) if worker == "silent" else ("error", False)), after
