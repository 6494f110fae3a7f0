"""The built-in JSON/XML loader: rows per second and peak memory, from
100,000 to 1,000,000 records (``DPP_BENCH_SIZE=tiny``: 1,000 and 2,000;
``DPP_BENCH_RECORDS`` sets the larger count at either size).

    bin/dpp.sh bench records         (make bench runs every benchmark)

Each file is written here, served over HTTP on loopback, submitted through
``datapusher_plus_submit`` and loaded by a real ``ckan jobs worker --burst``
(one per file), whose peak resident memory the kernel reports when it exits
(``wait4``), and the load's own process (RQ's work horse) in the job's last
log line. Memory is flat when the load's peak for 1,000,000 records stays
within 1.25× its peak for 100,000 (CKAN itself is most of it). The 1,000,000
JSON records are loaded a second time with the DataStore's inserts batched
(``ckan.datastore.sqlalchemy.executemany_mode = values_plus_batch``). Uses the
test databases, which it RESETS.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from common import Bench, Row, Section, sized, table

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.model.job import COMPLETE, Job

SMALL = sized(100_000, 1_000)
# DPP_BENCH_RECORDS: another count for a quick look (more than SMALL)
LARGE = int(os.environ.get("DPP_BENCH_RECORDS") or sized(1_000_000, 2_000))
TARGET = 1.25
# The DataStore's own write engine option that batches its inserts (psycopg2's
# execute_batch: 100 rows per round trip instead of one).
BATCH = {"ckan.datastore.sqlalchemy.executemany_mode": "values_plus_batch"}


def _json(path: str, count: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        for i in range(count):
            f.write(json.dumps({"id": i, "commune": "Saint-Étienne", "valeur": "{},25".format(i),
                                "date": "2026-11-{:02d}".format(i % 28 + 1),
                                "lieu": {"code": "{:05d}".format(i % 99999), "actif": i % 2 == 0}},
                               ensure_ascii=False))
            f.write(",\n" if i < count - 1 else "\n")
        f.write("]\n")


def _xml(path: str, count: int) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<lignes>\n')
        for i in range(count):
            f.write('<ligne id="{0}"><commune>Saint-Étienne</commune><valeur>{0},25</valeur>'
                    '<date>2026-11-{1:02d}</date></ligne>\n'.format(i, i % 28 + 1))
        f.write("</lignes>\n")


def _megabytes(size: int) -> str:
    return "{:.0f} MB".format(size / 1e6) if size >= 10e6 else "{:.2f} MB".format(size / 1e6)


def run(bench: Bench) -> Section:
    bench.reset()
    saved = tk.config.get(config.MAX_FILE_SIZE)
    tk.config[config.MAX_FILE_SIZE] = 1000
    try:
        results = _loads(bench)
    finally:
        if saved is None:
            tk.config.pop(config.MAX_FILE_SIZE, None)
        else:
            tk.config[config.MAX_FILE_SIZE] = saved
        bench.stop()

    detail = table(
        ["file", "DataStore inserts", "size", "load (s)", "rows/s", "load's peak memory",
         "worker's peak"],
        [["{} × {:,}".format(r["fmt"], r["count"]),
          "batched" if r["batch"] else "CKAN's default", _megabytes(r["size"]),
          "{:.1f}".format(r["seconds"]), "{:,.0f}".format(r["count"] / r["seconds"]),
          "{:.0f} MiB".format(r["peak"]), "{:.0f} MiB".format(r["worker"])] for r in results])
    small, large, xml, batched = results
    ratio = large["peak"] / small["peak"]
    speed = batched["count"] / batched["seconds"] / (large["count"] / large["seconds"])
    rows = [
        Row("JSON/XML loader: peak memory, {:,} JSON records".format(LARGE),
            "{:.0f} MiB".format(large["peak"]), "{:.0f} MiB ({:,})".format(small["peak"], SMALL),
            ratio, "≤ {:.2f}× (flat)".format(TARGET), ratio <= TARGET),
        Row("JSON/XML loader: rows per second, {:,} JSON / XML records".format(LARGE),
            "{:,.0f} / {:,.0f}".format(large["count"] / large["seconds"],
                                      xml["count"] / xml["seconds"])),
        Row("JSON/XML loader: rows per second, DataStore inserts batched / CKAN's default",
            "{:,.0f}".format(batched["count"] / batched["seconds"]),
            "{:,.0f}".format(large["count"] / large["seconds"]), speed),
    ]
    return Section("Built-in JSON/XML loader (records)", detail, rows)


def _loads(bench: Bench) -> list[dict[str, Any]]:
    """Each case written, served, submitted and loaded by its own worker."""
    folder = bench.work / "files"
    folder.mkdir(exist_ok=True)
    cases = [("JSON", SMALL, {}), ("JSON", LARGE, {}), ("XML", LARGE, {}), ("JSON", LARGE, BATCH)]
    for fmt, count in {(fmt, count) for fmt, count, _extra in cases}:
        (_json if fmt == "JSON" else _xml)(str(folder / "{}.{}".format(count, fmt.lower())), count)
    base = bench.files({})
    settings = {config.MAX_FILE_SIZE: "1000",
                config.URL: "http://127.0.0.1:9",
                config.API_TOKEN: "unused-by-the-worker"}
    admin = factories.Sysadmin()
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    ckan_command = os.path.join(os.path.dirname(sys.executable), "ckan")
    results: list[dict[str, Any]] = []
    for number, (fmt, count, extra) in enumerate(cases):
        name = "{}.{}".format(count, fmt.lower())
        ini = bench.write_ini("worker-{}.ini".format(number), dict(settings, **extra))
        resource = factories.Resource(package_id=dataset["id"], url=base + "/" + name,
                                      format=fmt, name=name)
        answer = tk.get_action("datapusher_plus_submit")(
            {"user": admin["name"], "ignore_auth": True}, {"resource_id": resource["id"]})
        started = time.monotonic()
        worker = bench.popen([ckan_command, "-c", str(ini), "jobs", "worker", "--burst"])
        _pid, _status, usage = os.wait4(worker.pid, 0)
        wall = time.monotonic() - started
        model.Session.expire_all()
        job = model.Session.get(Job, answer["job_id"])
        if job is None or job.status != COMPLETE:
            raise SystemExit("{} did not load: {}".format(
                name, "no job" if job is None else "{} {}".format(job.status, job.error)))
        if job.started_at is None or job.finished_at is None or not job.logs:
            raise SystemExit("{}: a complete job without its times or logs".format(name))
        loading = (job.finished_at - job.started_at).total_seconds()
        # The load's own process (RQ's work horse) reports its peak in its last log line.
        peak = float(job.logs[-1]["message"].rsplit("peak memory ", 1)[1].split()[0])
        results.append({"fmt": fmt, "count": count, "size": os.path.getsize(folder / name),
                        "seconds": max(loading, 1e-3), "wall": wall, "peak": peak,
                        "worker": usage.ru_maxrss / 1024, "batch": bool(extra)})
    return results
