"""Hardening: concurrency and load against CKAN served by gunicorn (4 workers)."""
from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories

from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.model.job import ACTIVE
from ckanext.datapusherplusapi.tests.fake_service import Answer, Callback
from ckanext.datapusherplusapi.tests.helpers import make_resource, member_of

pytestmark = [pytest.mark.once, pytest.mark.usefixtures("with_plugins", "clean_db")]


def _active_jobs(resource_id):
    model.Session.remove()
    return model.Session.execute(sa.select(sa.func.count(Job.id)).where(
        Job.resource_id == resource_id, Job.status.in_(ACTIVE))).scalar()


def test_50_simultaneous_submits_give_one_active_job(gunicorn_ckan, fake_service):
    """Enforced by the database (a partial unique index), not a check-then-insert."""
    fake_service.callback = None
    fake_service.script(*[Answer(delay=0.3)] * 5)  # a slow service widens the race
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org)
    barrier = threading.Barrier(50)

    def submit(_):
        barrier.wait()
        return requests.post(gunicorn_ckan["url"] + "/api/3/action/datapusher_plus_submit",
                             json={"resource_id": resource["id"]},
                             headers={"Authorization": editor["token"]}, timeout=120)

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(submit, range(50)))
    codes = Counter(answer.status_code for answer in answers)
    print("50 simultaneous submits:", dict(codes))
    assert codes == {200: 1, 409: 49}, dict(codes)
    assert {a.json()["error_type"] for a in answers if a.status_code == 409} == {"job_active"}
    assert _active_jobs(resource["id"]) == 1
    assert len(fake_service.job_posts()) == 1


def test_two_processes_see_the_same_state(gunicorn_ckan, fake_service):
    """No process-local state: a job submitted through one worker is seen by all."""
    fake_service.callback = Callback(delay=0.5)
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org)
    url = gunicorn_ckan["url"] + "/api/3/action/datapusher_plus_status/" + resource["id"]
    headers = {"Authorization": editor["token"]}
    submitted = requests.post(gunicorn_ckan["url"] + "/api/3/action/datapusher_plus_submit",
                              json={"resource_id": resource["id"]}, headers=headers, timeout=60)
    assert submitted.status_code == 200
    with ThreadPoolExecutor(16) as pool:  # spread over the 4 workers
        seen = list(pool.map(lambda _: requests.get(url, headers=headers, timeout=60).json(),
                             range(32)))
    assert {s["job_id"] for s in seen} == {submitted.json()["job_id"]}
    fake_service.wait_callbacks()
    deadline = time.monotonic() + 10
    while requests.get(url, headers=headers, timeout=60).json()["status"] != "complete":
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.load
def test_50_clients_polling_at_once_get_no_error(gunicorn_ckan, fake_service):
    """50 clients at once, 10 polls each: every answer right (the latencies
    are printed, not asserted: bench/polls.py measures them)."""
    fake_service.callback = None
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org)
    requests.post(gunicorn_ckan["url"] + "/api/3/action/datapusher_plus_submit",
                  json={"resource_id": resource["id"]},
                  headers={"Authorization": editor["token"]}, timeout=60)
    url = gunicorn_ckan["url"] + "/api/3/action/datapusher_plus_status/" + resource["id"]
    polls = 10  # per client
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(_):
        session = requests.Session()
        mine, bad = [], []
        for _poll in range(polls):
            started = time.perf_counter()
            try:
                response = session.get(url, headers={"Authorization": editor["token"]}, timeout=30)
                ok = response.status_code == 200 and response.json()["status"] == "submitted"
            except requests.RequestException as e:
                ok, response = False, e
            mine.append(time.perf_counter() - started)
            if not ok:
                bad.append(str(getattr(response, "status_code", response))[:100])
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    with ThreadPoolExecutor(50) as pool:
        list(pool.map(client, range(50)))
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print("status polling, 50 clients: {} requests, {} errors, p50 {:.1f} ms, "
          "p99 {:.1f} ms".format(len(latencies), len(errors), p50, p99))
    assert len(latencies) == 50 * polls
    assert errors == []
    assert len(latencies) > 100
