"""A 100,000-row CSV loaded by ckanext-xloader: through ``datapusher_plus_submit``
(back end ``xloader``) against ``xloader_submit`` directly, in the same run
(``DPP_BENCH_SIZE=tiny``: a 1,000-row CSV, 2 runs of each).

    bin/dpp.sh bench load            (make bench runs every benchmark)

CKAN is served by gunicorn with the xloader plugin beside this one, a real
``ckan jobs worker`` runs xloader's jobs, and the file is served on loopback.
Each run submits a resource of its own (the same file) and polls the matching
status action (``datapusher_plus_status`` / ``xloader_status``) every 50 ms
until the load is complete; the two kinds of run alternate. Uses the test
databases, which it RESETS.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from typing import Any, Callable

import requests
from common import Bench, Row, Section, ms, sized, table

import ckan.plugins.toolkit as tk
from ckan.tests import factories

ROWS = sized(100_000, 1_000)
RUNS = sized(5, 2)  # of each kind, alternating which goes first
QUEUE = "dpp_bench_xloader"
TARGET = 1.05


def _csv(rows: int) -> str:
    lines = ["id,city,region,population,area_km2,founded"]
    lines += ["{0},Ville {0},Région {1},{2},{3},{4}".format(
        i, i % 97, 1000 + (i * 7919) % 3_000_000, 50 + i % 400, 800 + i % 1200)
        for i in range(rows)]
    return "\n".join(lines) + "\n"


def _until(check: Callable[[], bool], limit: float = 600) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > limit:
            raise SystemExit("a load did not finish within {} s".format(limit))
        time.sleep(0.05)
    return time.monotonic() - started


def run(bench: Bench) -> Section:
    bench.reset()
    admin = factories.Sysadmin()
    token = factories.APIToken(user=admin["name"])["token"]
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"])
    base = bench.files({"big.csv": _csv(ROWS)})
    # made in this process, whose plugins do not include xloader: no load yet
    resources = [factories.Resource(package_id=dataset["id"], url=base + "/big.csv",
                                    format="CSV")["id"] for _ in range(2 * RUNS + 1)]
    overrides = {
        "ckan.plugins": "datapusherplusapi xloader datastore datatables_view "
                        "datapusherplusapi_nosolr",
        "ckanext.datapusher_plus.backend": "xloader",
        "ckanext.xloader.api_token": token,
        "ckanext.xloader.queue_names": QUEUE,
        "ckanext.xloader.jobs_db.uri": tk.config["sqlalchemy.url"] + "_xloader",
    }
    site = bench.gunicorn("xloader.ini", overrides, workers=2)
    worker_ini = bench.write_ini("xloader-worker.ini", dict(overrides, **{"ckan.site_url": site}))
    bench.popen([os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", str(worker_ini),
                 "jobs", "worker", QUEUE])
    headers = {"Authorization": token}

    def call(method: str, action: str, **data: Any) -> dict[str, Any]:
        url = "{}/api/3/action/{}".format(site, action)
        response = (requests.get(url, params=data, headers=headers, timeout=60) if method == "GET"
                    else requests.post(url, json=data, headers=headers, timeout=60))
        body = response.json()
        if not body.get("success"):
            raise SystemExit("{} failed: {}".format(action, body))
        return body.get("result", body)

    def timed(submit: str, status: str, **options: Any) -> Callable[[str], float]:
        """A load: ``submit``, then ``status`` until complete; its seconds."""
        def load(resource_id: str) -> float:
            started = time.monotonic()
            call("POST", submit, resource_id=resource_id, **options)

            def done() -> bool:
                state = call("GET", status, resource_id=resource_id)
                if state["status"] == "error":
                    raise SystemExit("load failed: {}".format(state["error"]))
                return state["status"] == "complete"
            _until(done)
            return time.monotonic() - started
        return load

    ours = timed("datapusher_plus_submit", "datapusher_plus_status", force=True)
    theirs = timed("xloader_submit", "xloader_status", ignore_hash=True)

    try:
        ours(resources[0])  # warm-up: the worker, the caches, the DataStore
        fresh = iter(resources[1:])
        timings: dict[str, list[float]] = {"ours": [], "xloader": []}
        for i in range(RUNS):
            pair = [("ours", ours), ("xloader", theirs)]
            if i % 2:
                pair.reverse()  # alternate which goes first
            for name, load in pair:
                timings[name].append(load(next(fresh)))
        rows = call("GET", "datastore_search", resource_id=resources[1], limit=0)["total"]
    finally:
        bench.stop()
    mine, reference = statistics.median(timings["ours"]), statistics.median(timings["xloader"])
    ratio = mine / reference
    detail = table(["submitted through", "runs", "median (ms)", "min (ms)", "max (ms)"], [
        [name, len(values), "{:.0f}".format(ms(statistics.median(values))),
         "{:.0f}".format(ms(min(values))), "{:.0f}".format(ms(max(values)))]
        for name, values in (("datapusher_plus_submit", timings["ours"]),
                             ("xloader_submit", timings["xloader"]))])
    detail += "\n\n{:,} rows per load ({:,} in the DataStore after the first measured).".format(
        ROWS, rows)
    return Section("Loads through xloader", detail, [Row(
        "{:,}-row CSV loaded, datapusher_plus_submit vs xloader_submit (median of {})"
        .format(ROWS, RUNS), "{:.2f} s".format(mine), "{:.2f} s".format(reference), ratio,
        "≤ {:.2f}×".format(TARGET), ratio <= TARGET)])
