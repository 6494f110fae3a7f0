"""Run the benchmarks and print one summary table of ratios and targets.

    make bench                         every benchmark (about 22 minutes: bench/README.md)
    bin/dpp.sh bench polls|dashboard|jobs|submit|load|records   one or more of them
    DPP_BENCH_SIZE=tiny bin/dpp.sh bench                   all of them in a minute or two

``DPP_BENCH_SIZE`` chooses the sizes: ``full`` (the default: the sizes of the
figures in bench/README.md) or ``tiny`` (dashboard at 100 and 300 jobs, a few
poll rounds with 1 and 2 clients, 50 bulk submissions, a 1,000-row CSV, 1,000
and 2,000 records...): the same code paths, to see that every benchmark still
runs against today's code. Figures at tiny size mean nothing; the report says
so in its header.

Each benchmark prints its detailed table; the summary comes last. The whole
report is also written to .dev/bench/latest.md (latest-tiny.md at tiny size).
A benchmark that fails does not stop the others: its traceback goes to
stderr, the summary says it failed, and the run exits with status 1 once every
other benchmark has printed its table. Absolute times drift between runs and
machines; the ratios, measured in the same run on the same server, hold. The
benchmarks use test.ini and the test databases, which they RESET.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import logging
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Optional

from common import REPO, SIZE, TINY, Bench, Section, table

import ckan
import ckan.model as model

SECTIONS = ("polls", "dashboard", "jobs", "submit", "load", "records")


def _machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
        memory = ", {:.0f} GiB".format(kb / 1024 / 1024)
    except (OSError, ValueError, IndexError):
        pass
    return "{} cores{}, {} {}".format(os.cpu_count(), memory, platform.system(),
                                      platform.machine())


def _run(name: str, bench: Bench) -> Section:
    """The section ``name`` (module ``bench/<name>.py``): its ``run(bench)``."""
    module = importlib.import_module(name)
    section: Section = module.run(bench)
    return section


def _recover(bench: Bench) -> None:
    """After a failed section: its processes and servers stopped, the
    session's transaction rolled back, so that the next section starts clean."""
    try:
        bench.stop()
    finally:
        model.Session.rollback()
        model.Session.remove()


def _attempt(name: str, bench: Bench) -> tuple[Section, Optional[str]]:
    """The section ``name`` and None, or, when it fails (an import error and
    SystemExit included), a section that says so and its error in one line;
    the traceback goes to stderr."""
    try:
        return _run(name, bench), None
    except (Exception, SystemExit) as e:
        print("the {} benchmark FAILED:".format(name), file=sys.stderr)
        traceback.print_exc()
        sys.stderr.flush()
        error = traceback.format_exception_only(type(e), e)[-1].strip()
        if len(error) > 200:
            error = error[:199] + "…"
        try:
            _recover(bench)
        except Exception:
            traceback.print_exc()
        return Section("The {} benchmark FAILED".format(name), "`{}` (its traceback is on "
                       "stderr)".format(error.replace("`", "'"))), error


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("only", nargs="*", choices=SECTIONS + ("all",), default=["all"])
    parser.add_argument("--ckan-ini", default=str(REPO / "test.ini"))
    args = parser.parse_args()
    chosen = SECTIONS if "all" in args.only else tuple(args.only)
    bench = Bench(args.ckan_ini)
    for name in ("ckan", "ckanext", "werkzeug"):  # the tables are the output
        logging.getLogger(name).setLevel(logging.WARNING)
    sections: list[Section] = []
    failed: dict[str, str] = {}  # a failed section's name: its error, one line
    started = time.monotonic()
    try:
        for name in chosen:
            section_started = time.monotonic()
            print("running the {} benchmark ({} size)...".format(name, SIZE), file=sys.stderr,
                  flush=True)
            section, error = _attempt(name, bench)
            sections.append(section)
            if error is not None:
                failed[name] = error
            print("the {} benchmark took {:.0f} s".format(name, time.monotonic() - section_started),
                  file=sys.stderr, flush=True)
    finally:
        bench.close()
    header = "{} UTC, CKAN {}, Python {}, {}; {:.0f} s; size {}.".format(
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        ckan.__version__, platform.python_version(), _machine(), time.monotonic() - started,
        SIZE)
    report = ["# ckanext-datapusherplusapi benchmarks", "", header]
    if TINY:
        report += ["", "**DPP_BENCH_SIZE=tiny: these figures are not meaningful.** The sizes are"
                   " cut to run every benchmark's code in seconds; the ratios and targets below"
                   " are printed to show the tables work, not to be read."]
    summary = []
    for section in sections:
        report += ["", "## " + section.title, "", section.detail]
        for row in section.rows:
            summary.append([
                row.measure, row.value, row.reference,
                "{:.2f}×".format(row.ratio) if row.ratio is not None else "",
                row.target, {True: "yes", False: "**no**", None: ""}[row.met]])
    for name, error in failed.items():
        summary.append(["**the {} benchmark FAILED**: {}".format(name, error.replace("|", "\\|")),
                        "", "", "", "", "**no**"])
    report += ["", "## Summary", "", table(
        ["measure", "ours", "reference", "ratio", "target", "met"], summary, "lllrll")]
    text = "\n".join(report) + "\n"
    print(text)
    out = (Path(os.environ.get("DPP_HOME", REPO / ".dev")) / "bench"
           / ("latest-tiny.md" if TINY else "latest.md"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("written to {}".format(out), file=sys.stderr)
    if failed:
        print("FAILED: {}".format(", ".join(failed)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
