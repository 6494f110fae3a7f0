"""A run of 400 submissions mixing the service's faults: each gets the
answer its fault calls for, and nothing is lost.

Invariant: every submission that was not refused (409) has exactly one job
row, which is either terminal with a reason or still visibly active (with its
age); no resource ever has two active jobs. The tally is printed.
"""
from __future__ import annotations

import random
from collections import Counter

import pytest
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.model.job import ACTIVE, STATUSES, TERMINAL
from ckanext.datapusherplusapi.tests.fake_service import Answer, Callback
from ckanext.datapusherplusapi.tests.helpers import (
    STATUS_URL,
    SUBMIT_URL,
    free_port,
    make_resource,
    member_of,
)

pytestmark = [pytest.mark.soak, pytest.mark.once,
              pytest.mark.usefixtures("with_plugins", "clean_db")]

SUBMISSIONS = 400  # every fault several times (the rarest, weight 1, about 4 times)

# fault -> weight
FAULTS = {
    "ok": 20, "service down": 6, "slower than timeout": 1, "500": 4, "502 then ok": 4,
    "503 always": 3, "504 then ok": 3, "429 retry-after": 4, "malformed json": 4,
    "connection reset": 4, "no job_id": 4, "callback never": 6, "callback twice": 6,
    "callback out of order": 6, "callback unknown job": 4, "callback wrong token": 4,
    "callback other resource": 4, "callback error": 6, "force": 7,
}


# The answer each fault gets, unless the resource already has an active job
# (then 409 job_active; a forced submission supersedes it instead). With one
# retry (max_retries 1): a fault that lasts one try is overcome, one that lasts
# two is not; an error answer of the service (500) is not retried.
ANSWER = {
    "ok": 200, "service down": 502, "slower than timeout": 504, "500": 502,
    "502 then ok": 200, "503 always": 502, "504 then ok": 200, "429 retry-after": 200,
    "malformed json": 502, "connection reset": 502, "no job_id": 502, "force": 200,
    **{fault: 200 for fault in FAULTS if fault.startswith("callback")},  # taken; then the fault
}


def _configure(fault, fake, monkeypatch, other_resource, stranger_token):
    fake.answers.clear()
    fake.callback = Callback(delay=0.01)
    monkeypatch.setitem(tk.config, dpp_config.URL, fake.url)
    if fault == "service down":
        monkeypatch.setitem(tk.config, dpp_config.URL, "http://127.0.0.1:{}".format(free_port()))
    elif fault == "slower than timeout":
        fake.script(Answer(delay=1.3), Answer(delay=1.3))
    elif fault == "500":
        fake.script(Answer(status=500, body={"error": "boom"}))
    elif fault == "502 then ok":
        fake.script(Answer(status=502))
    elif fault == "503 always":
        fake.script(Answer(status=503), Answer(status=503))
    elif fault == "504 then ok":
        fake.script(Answer(status=504))
    elif fault == "429 retry-after":
        fake.script(Answer(status=429, headers={"Retry-After": "0"}))
    elif fault == "malformed json":
        fake.script(Answer(body="{not json"))
    elif fault == "connection reset":
        fake.script(Answer(drop=True), Answer(drop=True))
    elif fault == "no job_id":
        fake.script(Answer(body={"job_key": "k"}))
    elif fault == "callback never":
        fake.callback = None
    elif fault == "callback twice":
        fake.callback = Callback(times=2)
    elif fault == "callback out of order":
        fake.callback = Callback(times=2, statuses=["error", "complete"])
    elif fault == "callback unknown job":
        fake.callback = Callback(override={"job_id": "not-a-job-of-ours"})
    elif fault == "callback wrong token":
        fake.callback = Callback(authorization=stranger_token)
    elif fault == "callback other resource":
        fake.callback = Callback(override={"metadata": {"resource_id": other_resource}})
    elif fault == "callback error":
        fake.callback = Callback(status="error", error={"message": "bad file"})
    if fake.callback is not None:  # the protocol's faults: no DataStore row before "complete"
        fake.callback.datastore = False


@pytest.mark.ckan_config(dpp_config.TIMEOUT, 1)
@pytest.mark.ckan_config(dpp_config.MAX_RETRIES, 1)
def test_faulty_submissions_get_their_answer_and_lose_nothing(app, service_user, fake_service,
                                                              live_ckan, monkeypatch):
    rnd = random.Random(20261124)
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    stranger = factories.Sysadmin()
    stranger_token = factories.APIToken(user=stranger["name"])["token"]
    resources = [make_resource(org)["id"] for _ in range(60)]
    names, weights = zip(*FAULTS.items(), strict=True)
    answers: Counter = Counter()
    by_fault: Counter = Counter()
    recorded_expected = 0
    for _ in range(SUBMISSIONS):
        fault = rnd.choices(names, weights)[0]
        rid = rnd.choice(resources)
        _configure(fault, fake_service, monkeypatch, rnd.choice(resources), stranger_token)
        response = app.post(SUBMIT_URL, json={"resource_id": rid, "force": fault == "force"},
                            headers={"Authorization": editor["token"]})
        code = response.status_code
        answers[code] += 1
        by_fault[(fault, code)] += 1
        body = response.json
        if code == 409 and fault != "force":
            assert body["error_type"] == "job_active", body
        else:
            assert code == ANSWER[fault], (fault, code, response.get_data(as_text=True))
        if code == 200:
            assert body["success"] is True and body["job_id"]
        else:
            assert body["success"] is False and body["error"] and body["error_type"]
        if code != 409:
            recorded_expected += 1
    fake_service.stop_callbacks()

    model.Session.remove()
    rows = model.Session.execute(sa.select(Job)).scalars().all()
    statuses = Counter(job.status for job in rows)
    assert {fault for fault, _code in by_fault} == set(FAULTS)  # each fault was tried
    print("\n{} faulty submissions — answers: {}".format(SUBMISSIONS,
                                                       dict(sorted(answers.items()))))
    print("job rows: {} — by status: {}".format(len(rows), dict(statuses)))
    print("faults × answers: {}".format(
        ", ".join("{} {}: {}".format(f, c, n) for (f, c), n in sorted(by_fault.items()))))
    assert len(rows) == recorded_expected  # one row per accepted submission: none lost
    assert set(statuses) <= set(STATUSES)
    for job in rows:
        if job.status in TERMINAL and job.status != "complete":
            assert job.error and job.error_type, job.dictize()
    active_per_resource = Counter(job.resource_id for job in rows if job.status in ACTIVE)
    assert max(active_per_resource.values(), default=0) <= 1
    # What a publisher sees of each resource is its latest job, with its age
    # while it is still active. (The rows' values are read first: a status call
    # that asks the service commits, and the request then closes the session.)
    latest = [(job.id, job.resource_id) for job in rows if job.is_latest]
    for job_id, resource_id in latest:
        shown = app.get(STATUS_URL + "/" + resource_id,
                        headers={"Authorization": editor["token"]}).json
        # (the status call may have asked the service: compare with the row now)
        status = model.Session.execute(sa.select(Job.status).where(Job.id == job_id)).scalar()
        assert (shown["job_id"], shown["status"]) == (job_id, status)
        if status in ACTIVE:
            assert shown["duration"] is not None and shown["duration"] >= 0, shown
