"""The built-in loader against its ceiling and against xloader, in one run:
rows per second, memory, and a reload without downtime.

    bin/dpp.sh bench records         (make bench runs every benchmark)
    DPP_BENCH_SIZE=tiny bin/dpp.sh bench records

The same rows (``records_files``: five keys, six typed columns) are written
as JSON Lines, a JSON array, XML and CSV, of ``LARGE`` rows each (1,000,000;
tiny: 2,000; ``DPP_BENCH_RECORDS`` sets another count), plus JSON Lines of
``SMALL`` rows (100,000; tiny: 1,000) for the memory's flatness. Each file is
served over HTTP on loopback, submitted through ``datapusher_plus_submit``
and loaded by its own real ``ckan jobs worker --burst``; rows per second are
over the job's load (started → finished), the load's own peak memory is the
one its last log line states ("peak memory N MiB"), the whole worker's is
the kernel's (``wait4``). Then, in the same run:

- the ceiling (``records_ceiling``): the same rows copied into a bare table
  with PostgreSQL's COPY, plus the DataStore trigger's full-text update;
- the CSV loaded by ckanext-xloader (``records_xloader``: ``xloader_submit``
  to CKAN on gunicorn, a burst worker on xloader's queue; seconds from its
  first log line to its finish), against the CSV loaded by the built-in
  loader when ``builtin_formats`` accepts ``csv``;
- a reload: the JSON Lines resource loaded again from a file whose rows all
  have another ``commune``, while a reader (``records_reader``) asks that
  CKAN for ``datastore_search`` every 100 ms.

Uses the test databases, which it RESETS.
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Optional

import records_files
from common import TINY, Bench, Row, Section, sized, table
from records_ceiling import ceiling
from records_reader import Reader, verdict
from records_xloader import Site

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.datapusherplusapi import config
from ckanext.datapusherplusapi.model.job import COMPLETE, Job
from ckanext.datapusherplusapi.records.table import INDEX_CONNECTIONS

SMALL = sized(100_000, 1_000)
# DPP_BENCH_RECORDS: another count for a quick look (more than SMALL)
LARGE = int(os.environ.get("DPP_BENCH_RECORDS") or sized(1_000_000, 2_000))
JSONL_RATE = 50_000  # rows/s, JSON Lines
RATE = 30_000  # rows/s, a JSON array and XML
PEAK = 128  # MiB, the load's own process
FLAT = 1.10  # the peak at LARGE against the peak at SMALL
CEILING = 1.5  # the JSON Lines load's time against the ceiling's
CSV_VS_XLOADER = 2.0
JSONL_VS_XLOADER = 3.0
FORMATS = "json jsonl ndjson geojson xml"
# The load's last log line: "... peak memory N MiB" (any wording around it).
PEAK_LINE = re.compile(r"peak memory[^0-9]{0,20}([0-9]+(?:\.[0-9]+)?) ?MiB", re.IGNORECASE)


def _target(text: str) -> str:
    return text + (" (tiny size: not meaningful)" if TINY else "")


def _seconds(seconds: float) -> str:
    return "{:.1f}".format(seconds) if seconds >= 10 else "{:.2f}".format(seconds)


def _columns(columns: tuple[tuple[str, str], ...]) -> str:
    """"as the ceiling's" when the load typed its columns as the ceiling's
    table does, else its columns."""
    if columns == records_files.COLUMNS:
        return "as the ceiling's"
    return ", ".join("{} {}".format(name, kind) for name, kind in columns)


def _megabytes(size: int) -> str:
    return "{:.0f} MB".format(size / 1e6) if size >= 10e6 else "{:.2f} MB".format(size / 1e6)


def _csv_option() -> Optional[str]:
    """None when ``builtin_formats`` accepts ``csv``, else the validator's
    refusal."""
    try:
        tk.get_validator("datapusherplusapi_builtin_formats")(FORMATS + " csv")
    except tk.Invalid as e:
        return str(e.error)
    return None


class Loads:
    """Files submitted through ``datapusher_plus_submit`` and loaded by the
    built-in loader, each by its own burst worker."""

    def __init__(self, bench: Bench, folder: Path, ini: Path) -> None:
        self.bench = bench
        self.folder = folder
        self.ini = ini
        self.base = bench.files({})
        self.admin = factories.Sysadmin()
        self.dataset = factories.Dataset(owner_org=factories.Organization()["id"])

    def resource(self, name: str, fmt: str) -> str:
        resource: dict[str, Any] = factories.Resource(
            package_id=self.dataset["id"], url=self.base + "/" + name, format=fmt, name=name)
        return resource["id"]

    def load(self, resource_id: str, name: str, fmt: str, count: int) -> dict[str, Any]:
        answer = tk.get_action("datapusher_plus_submit")(
            {"user": self.admin["name"], "ignore_auth": True},
            {"resource_id": resource_id, "force": True})
        ckan_command = os.path.join(os.path.dirname(sys.executable), "ckan")
        worker = self.bench.popen([ckan_command, "-c", str(self.ini), "jobs", "worker", "--burst"])
        _pid, _status, usage = os.wait4(worker.pid, 0)
        model.Session.expire_all()
        job = model.Session.get(Job, answer["job_id"])
        if job is None or job.status != COMPLETE:
            raise SystemExit("{} did not load: {}".format(
                name, "no job" if job is None else "{} {}".format(job.status, job.error)))
        if job.started_at is None or job.finished_at is None or not job.logs:
            raise SystemExit("{}: a complete job without its times or logs".format(name))
        peaks = [PEAK_LINE.search(line.get("message") or "") for line in reversed(job.logs)]
        peak = next((float(found.group(1)) for found in peaks if found), None)
        if peak is None:
            raise SystemExit("{}: no \"peak memory N MiB\" in the load's log: {}".format(
                name, job.logs[-1]))
        found = tk.get_action("datastore_search")(
            {"ignore_auth": True}, {"resource_id": resource_id, "limit": 0})
        rows = found["total"]
        columns = tuple((field["id"], field["type"]) for field in found["fields"]
                        if field["id"] != "_id")
        if rows != count:
            raise SystemExit("{}: {:,} rows in the DataStore, not {:,}".format(name, rows, count))
        seconds = max((job.finished_at - job.started_at).total_seconds(), 1e-3)
        return {"name": name, "fmt": fmt, "count": count,
                "size": os.path.getsize(self.folder / name), "seconds": seconds,
                "rate": count / seconds, "peak": peak, "columns": columns,
                "worker": usage.ru_maxrss / 1024,
                "started": job.started_at, "finished": job.finished_at}


def run(bench: Bench) -> Section:
    bench.reset()
    refused = _csv_option()
    formats = FORMATS + ("" if refused else " csv")
    saved = {option: tk.config.get(option) for option in (config.MAX_FILE_SIZE,
                                                          config.BUILTIN_FORMATS)}
    tk.config[config.MAX_FILE_SIZE] = 1000
    tk.config[config.BUILTIN_FORMATS] = formats
    try:
        figures = _measure(bench, formats, refused is None)
    finally:
        for option, value in saved.items():
            if value is None:
                tk.config.pop(option, None)
            else:
                tk.config[option] = value
        bench.stop()
    return _section(figures, refused)


def _measure(bench: Bench, formats: str, with_csv: bool) -> dict[str, Any]:
    folder = bench.work / "files"
    folder.mkdir(exist_ok=True)
    written = time.monotonic()
    files = [("small.jsonl", "JSONL", SMALL), ("large.jsonl", "JSONL", LARGE),
             ("large.json", "JSON", LARGE), ("large.xml", "XML", LARGE),
             ("large.csv", "CSV", LARGE)]
    for name, fmt, count in files:
        records_files.WRITERS[fmt](str(folder / name), count)
    records_files.jsonl(str(folder / "reload.jsonl"), LARGE, records_files.OTHER_TOWN)
    records_files.copy_text(str(folder / "large.copy"), LARGE)
    print("  files written in {:.0f} s".format(time.monotonic() - written), file=sys.stderr,
          flush=True)
    settings = {config.MAX_FILE_SIZE: "1000", config.BUILTIN_FORMATS: formats,
                config.URL: "http://127.0.0.1:9", config.API_TOKEN: "unused-by-the-worker"}
    loads = Loads(bench, folder, bench.write_ini("records-worker.ini", settings))
    resources = {name: loads.resource(name, fmt) for name, fmt, _count in files}
    figures: dict[str, Any] = {"loads": []}
    for name, fmt, count in files:
        if fmt == "CSV" and not with_csv:
            continue
        figures["loads"].append(loads.load(resources[name], name, fmt, count))
        print("  {} loaded".format(name), file=sys.stderr, flush=True)
    figures["ceiling"] = ceiling(str(folder / "large.copy"), LARGE)
    print("  ceiling measured", file=sys.stderr, flush=True)
    # xloader's portal: its CSV is xloader's (builtin_formats at its default)
    site = Site(bench, {k: v for k, v in settings.items() if k != config.BUILTIN_FORMATS})
    xloaded = loads.resource("large.csv", "CSV")
    figures["xloader"] = dict(site.xloader(xloaded, LARGE), size=os.path.getsize(
        folder / "large.csv"))
    print("  xloader measured", file=sys.stderr, flush=True)
    figures["reload"] = _reload(loads, site, resources["large.jsonl"], folder)
    return figures


def _reload(loads: Loads, site: Site, resource_id: str, folder: Path) -> dict[str, Any]:
    """The JSON Lines resource (loaded) loaded again from another file, with
    the reader asking all along."""
    reader = Reader(site.url, resource_id, LARGE, site.headers)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any(r.kind == "whole" for r in reader.reads):  # the old rows are read
            if time.monotonic() > deadline or not reader.is_alive():
                raise SystemExit("the reader never read the loaded resource: {}".format(
                    reader.reads[-3:]))
            reader.halt.wait(0.05)
        os.replace(folder / "reload.jsonl", folder / "large.jsonl")  # the same URL, new rows
        load = loads.load(resource_id, "large.jsonl", "JSONL", LARGE)
        deadline = time.monotonic() + 60
        while sum(1 for r in reader.reads if r.at > load["finished"]) < 3:
            if time.monotonic() > deadline or not reader.is_alive():
                raise SystemExit("the reader stopped reading after the reload")
            reader.halt.wait(0.05)
    finally:
        reader.stop()
    return dict(verdict(reader.reads, load["started"], load["finished"], records_files.TOWN,
                        records_files.OTHER_TOWN), seconds=load["seconds"], rate=load["rate"])


def _section(figures: dict[str, Any], refused: Optional[str]) -> Section:
    loads = figures["loads"]
    by = {(r["fmt"], r["count"]): r for r in loads}
    roof, xl, reload = figures["ceiling"], figures["xloader"], figures["reload"]
    xloader_rate = LARGE / xl["seconds"]
    detail = table(
        ["file", "size", "load (s)", "rows/s", "load's peak memory", "worker's peak",
         "typed columns"],
        [["{} × {:,}".format(r["fmt"], r["count"]), _megabytes(r["size"]),
          _seconds(r["seconds"]), "{:,.0f}".format(r["rate"]),
          "{:.0f} MiB".format(r["peak"]), "{:.0f} MiB".format(r["worker"]),
          _columns(r["columns"])] for r in loads]
        + [["CSV × {:,}, xloader".format(LARGE), _megabytes(xl["size"]),
            _seconds(xl["seconds"]), "{:,.0f}".format(xloader_rate), "", "",
            _columns(xl["columns"])],
           ["ceiling: COPY × {:,} + full text".format(LARGE), "",
            _seconds(roof["seconds"]), "{:,.0f}".format(LARGE / roof["seconds"]),
            "", "", "six, typed"],
           ["ceiling: COPY × {:,} + full text + the DataStore's {} indexes".format(
               LARGE, roof["index_count"]), "", _seconds(roof["with_indexes"]),
            "{:,.0f}".format(LARGE / roof["with_indexes"]), "", "", "six, typed"]], "lrrrrrl")
    detail += ("\n\nThe ceiling: COPY {:.2f} s, full-text UPDATE {:.2f} s; then the DataStore's "
               "{} indexes ({}), {} at once: {:.2f} s (each alone: {} s, {:.1f} s of a core in "
               "all).".format(
                   roof["copy"], roof["full_text"], roof["index_count"],
                   tk.config.get("ckan.datastore.default_fts_index_method") or "gist",
                   INDEX_CONNECTIONS, roof["indexes"],
                   ", ".join("{:.1f}".format(seconds) for seconds in roof["each_index"]),
                   sum(roof["each_index"])))
    detail += (" Reload of JSON Lines ×"
               " {:,} ({:.2f} s, {:,.0f} rows/s) read {:,} times ({:,} while it ran): {} errors,"
               " {} empty, {} partial, {:,} answers with the old rows and {:,} with the new{}."
               .format(LARGE, reload["seconds"],
                       reload["rate"], reload["reads"], reload["during"], reload["error"],
                       reload["empty"], reload["partial"], reload["old_seen"],
                       reload["new_seen"], "; among them: " + ", ".join(reload["details"])
                       if reload["details"] else ""))
    jsonl, small = by[("JSONL", LARGE)], by[("JSONL", SMALL)]
    rows = [
        Row("built-in loader: JSON Lines × {:,}, rows/s".format(LARGE),
            "{:,.0f}".format(jsonl["rate"]), target=_target("≥ {:,}".format(JSONL_RATE)),
            met=jsonl["rate"] >= JSONL_RATE),
    ]
    for fmt, label in (("JSON", "JSON array"), ("XML", "XML")):
        rate = by[(fmt, LARGE)]["rate"]
        rows.append(Row("built-in loader: {} × {:,}, rows/s".format(label, LARGE),
                        "{:,.0f}".format(rate), target=_target("≥ {:,}".format(RATE)),
                        met=rate >= RATE))
    heaviest = max((r for r in loads if r["count"] == LARGE), key=lambda r: r["peak"])
    flat = jsonl["peak"] / small["peak"]
    rows += [
        Row("built-in loader: the load's peak memory, largest of the {:,}-row loads ({})"
            .format(LARGE, heaviest["fmt"]), "{:.0f} MiB".format(heaviest["peak"]),
            target=_target("≤ {} MiB".format(PEAK)), met=heaviest["peak"] <= PEAK),
        Row("built-in loader: the load's peak memory, JSON Lines × {:,} vs × {:,}".format(
            LARGE, SMALL), "{:.0f} MiB".format(jsonl["peak"]),
            "{:.0f} MiB".format(small["peak"]), flat, _target("≤ {:.1f}× (flat)".format(FLAT)),
            flat <= FLAT),
    ]
    against = jsonl["seconds"] / roof["seconds"]
    rows.append(Row("built-in loader: JSON Lines × {:,}, time vs the ceiling (COPY + full text)"
                    .format(LARGE), _seconds(jsonl["seconds"]) + " s",
                    _seconds(roof["seconds"]) + " s", against,
                    _target("≤ {:.1f}×".format(CEILING)), against <= CEILING))
    against = jsonl["seconds"] / roof["with_indexes"]
    rows.append(Row("built-in loader: JSON Lines × {:,}, time vs the ceiling with the "
                    "DataStore's indexes (COPY + full text + indexes)".format(LARGE),
                    _seconds(jsonl["seconds"]) + " s", _seconds(roof["with_indexes"]) + " s",
                    against, _target("≤ {:.1f}×".format(CEILING)), against <= CEILING))
    csv = by.get(("CSV", LARGE))
    if csv is None:
        rows.append(Row("built-in loader: CSV × {:,} vs xloader, rows/s: CSV option not "
                        "available ({})".format(LARGE, refused), "",
                        "{:,.0f}".format(xloader_rate),
                        target=_target("≥ {:.0f}×".format(CSV_VS_XLOADER))))
    else:
        ratio = csv["rate"] / xloader_rate
        rows.append(Row("built-in loader: CSV × {:,} vs xloader, rows/s".format(LARGE),
                        "{:,.0f}".format(csv["rate"]), "{:,.0f}".format(xloader_rate), ratio,
                        _target("≥ {:.0f}×".format(CSV_VS_XLOADER)), ratio >= CSV_VS_XLOADER))
    ratio = jsonl["rate"] / xloader_rate
    rows.append(Row("built-in loader: JSON Lines × {:,} vs xloader's CSV, rows/s".format(LARGE),
                    "{:,.0f}".format(jsonl["rate"]), "{:,.0f}".format(xloader_rate), ratio,
                    _target("≥ {:.0f}×".format(JSONL_VS_XLOADER)), ratio >= JSONL_VS_XLOADER))
    clean = not (reload["error"] or reload["empty"] or reload["partial"])
    rows.append(Row(
        "built-in loader: reload of {:,} rows read every 100 ms ({:,} reads while it ran): "
        "errors / empty / partial; old rows until the swap, then the new".format(
            LARGE, reload["during"]),
        "{} / {} / {}; {}".format(reload["error"], reload["empty"], reload["partial"],
                                 "yes" if reload["switched"] else "no"),
        target=_target("0 / 0 / 0; yes"),
        met=clean and reload["switched"] and reload["during"] > 0))
    return Section("Built-in loader (records): speed, memory, reload", detail, rows)
