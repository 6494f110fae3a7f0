"""The built-in JSON/XML loader: rows per second and peak memory, from
100,000 to 1,000,000 records.

Each file is written here, served over HTTP on loopback, submitted through
``datapusher_plus_submit`` and loaded by a real ``ckan jobs worker --burst``
(one per file), whose peak resident memory the kernel reports when it exits
(``wait4``), and the load's own process (RQ's work horse) in the job's last
log line. Memory is flat when the load's peak for 1,000,000 records stays
within 1.25× its peak for 100,000 (CKAN itself is most of it). The 1,000,000
JSON records are loaded a second time with the DataStore's inserts batched
(``ckan.datastore.sqlalchemy.executemany_mode = values_plus_batch``).
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from common import Bench, Row, Section, table

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.datapusherplusapi.model.job import Job

SMALL = 100_000
LARGE = int(os.environ.get("DPP_BENCH_RECORDS", "1000000"))  # fewer for a quick look
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


def run(bench: Bench) -> Section:


    bench.reset()
    tk.config["ckanext.datapusher_plus.max_file_size"] = 1000
    folder = bench.work / "files"
    folder.mkdir(exist_ok=True)
    cases = [("JSON", SMALL, {}), ("JSON", LARGE, {}), ("XML", LARGE, {}), ("JSON", LARGE, BATCH)]
    for fmt, count in {(fmt, count) for fmt, count, _extra in cases}:
        (_json if fmt == "JSON" else _xml)(str(folder / "{}.{}".format(count, fmt.lower())), count)
    base = bench.files({})
    settings = {"ckanext.datapusher_plus.max_file_size": "1000",
                "ckanext.datapusher_plus.url": "http://127.0.0.1:9",
                "ckanext.datapusher_plus.api_token": "unused-by-the-worker"}
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
        if job.status != "complete":
            raise SystemExit("{} did not load: {} {}".format(name, job.status, job.error))
        loading = (job.finished_at - job.started_at).total_seconds()
        # The load's own process (RQ's work horse) reports its peak in its last log line.
        peak = float(job.logs[-1]["message"].rsplit("peak memory ", 1)[1].split()[0])
        results.append({"fmt": fmt, "count": count, "size": os.path.getsize(folder / name),
                        "seconds": loading, "wall": wall, "peak": peak,
                        "worker": usage.ru_maxrss / 1024, "batch": bool(extra)})
    bench.stop()

    detail = table(
        ["file", "DataStore inserts", "size", "load (s)", "rows/s", "load's peak memory",
         "worker's peak"],
        [["{} × {:,}".format(r["fmt"], r["count"]),
          "batched" if r["batch"] else "CKAN's default", "{:.0f} MB".format(r["size"] / 1e6),
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
