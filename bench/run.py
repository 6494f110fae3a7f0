"""Run the benchmarks and print one summary table of ratios and targets.

    make bench                         every benchmark (about 10 minutes)
    bin/dpp.sh bench polls|dashboard|submit|load|records   one of them

Each benchmark prints its detailed table; the summary comes last. The whole
report is also written to .dev/bench/latest.md. Absolute times drift between
runs and machines; the ratios, measured in the same run on the same server,
hold. The benchmarks use test.ini and the test databases, which they RESET.
"""
from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import sys
import time
from pathlib import Path

from common import REPO, Bench, table

import ckan

SECTIONS = ("polls", "dashboard", "submit", "load", "records")


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("only", nargs="*", choices=SECTIONS + ("all",), default=["all"])
    parser.add_argument("--ckan-ini", default=str(REPO / "test.ini"))
    args = parser.parse_args()
    chosen = SECTIONS if "all" in args.only else tuple(args.only)
    bench = Bench(args.ckan_ini)
    for name in ("ckan", "ckanext", "werkzeug"):  # the tables are the output
        logging.getLogger(name).setLevel(logging.WARNING)
    sections = []
    started = time.monotonic()
    for name in chosen:
        module = __import__(name)
        print("running the {} benchmark...".format(name), file=sys.stderr, flush=True)
        sections.append(module.run(bench))
    report = ["# ckanext-datapusherplusapi benchmarks",
              "",
              "{} UTC, CKAN {}, Python {}, {}; {:.0f} s.".format(
                  datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), ckan.__version__,
                  platform.python_version(), _machine(), time.monotonic() - started)]
    summary = []
    for section in sections:
        report += ["", "## " + section.title, "", section.detail]
        for row in section.rows:
            summary.append([
                row.measure, row.value, row.reference,
                "{:.2f}×".format(row.ratio) if row.ratio is not None else "",
                row.target, {True: "yes", False: "**no**", None: ""}[row.met]])
    report += ["", "## Summary", "", table(
        ["measure", "ours", "reference", "ratio", "target", "met"], summary, "lllrll")]
    text = "\n".join(report) + "\n"
    print(text)
    out = Path(os.environ.get("DPP_HOME", REPO / ".dev")) / "bench" / "latest.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("written to {}".format(out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
