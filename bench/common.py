"""What the benchmarks share: CKAN booted once, ports, servers, figures, sizes.

Every benchmark module has ``run(bench) -> Section``: its own detailed table
(markdown) and the rows it adds to the summary table of ratios and targets
that ``bench/run.py`` prints last.

``DPP_BENCH_SIZE`` chooses the sizes: ``full`` (the default, the sizes the
figures in bench/README.md are measured at) or ``tiny`` (the same code paths
in seconds, to see that every benchmark still runs; its figures mean
nothing). A module picks each of its sizes with ``sized(full, tiny)``.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, TypeVar

import requests
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
from ckan.cli import load_config
from ckan.cli.db import _run_migrations
from ckan.config.middleware import make_app
from ckan.tests import helpers

REPO = Path(__file__).resolve().parents[1]
HARNESS = REPO / "bin" / "harness"

SIZES = ("full", "tiny")
SIZE = os.environ.get("DPP_BENCH_SIZE", "") or "full"
if SIZE not in SIZES:
    raise SystemExit("DPP_BENCH_SIZE: {!r} is neither of {}".format(SIZE, " nor ".join(SIZES)))
TINY = SIZE == "tiny"

T = TypeVar("T")


def sized(full: T, tiny: T) -> T:
    """``full`` or ``tiny``, as ``DPP_BENCH_SIZE`` says."""
    return tiny if TINY else full


def count(number: int) -> str:
    """1000 → "1k", 100000 → "100k", 1000000 → "1M", 300 → "300", 1500 →
    "1,500" (for titles)."""
    if number >= 1_000_000 and number % 1_000_000 == 0:
        return "{:,}M".format(number // 1_000_000)
    if number >= 1000 and number % 1000 == 0:
        return "{:,}k".format(number // 1000)
    return "{:,}".format(number)


@dataclass
class Row:
    """One line of the summary: a measure, its reference, their ratio, the target."""

    measure: str
    value: str
    reference: str = ""
    ratio: Optional[float] = None
    target: str = ""
    met: Optional[bool] = None


@dataclass
class Section:
    title: str
    detail: str
    rows: list[Row] = field(default_factory=list)


def port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("not up: " + url)


def ms(seconds: float) -> float:
    return seconds * 1000


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def percentile_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(q * len(ordered))) - 1)] * 1000


class Bench:
    """CKAN loaded in this process (test.ini, the test databases), plus helpers
    to serve it with gunicorn, and to run the real DataPusher service."""

    def __init__(self, ckan_ini: str) -> None:
        self.ckan_ini = os.path.abspath(ckan_ini)
        self.work = Path(tempfile.mkdtemp(prefix="dpp-bench-"))
        self._processes: list[subprocess.Popen] = []
        self._servers: list[Any] = []
        self.app = make_app(load_config(self.ckan_ini))
        plugins.load_all()

    # -- database ---------------------------------------------------------
    def reset(self) -> None:
        """CKAN's test reset, then this plugin's migrations (RESETS the test DB)."""
        helpers.reset_db()
        _run_migrations("datapusherplusapi")
        # CKAN's migration environment re-binds the model to a NullPool engine
        # (a new PostgreSQL connection per transaction), which a served CKAN
        # never uses: bind it to a pooled engine again, as CKAN's start-up does.

        model.Session.remove()
        model.init_model(sa.engine_from_config(
            {k: v for k, v in tk.config.items() if k.startswith("sqlalchemy.")},
            prefix="sqlalchemy."))

    def test_client(self) -> Any:
        return helpers._get_test_app()

    # -- processes and servers --------------------------------------------
    def write_ini(self, name: str, overrides: dict[str, str]) -> Path:
        lines = []
        for line in Path(self.ckan_ini).read_text().splitlines():
            if line.split("=", 1)[0].strip() in overrides:
                continue
            lines.append(line)
            if line.strip() == "[app:main]":
                lines += ["{} = {}".format(k, v) for k, v in overrides.items()]
        path = self.work / name
        path.write_text("\n".join(lines) + "\n")
        return path

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen:
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        process = subprocess.Popen(args, **kwargs)
        self._processes.append(process)
        return process

    def gunicorn(self, name: str, overrides: dict[str, str], workers: int = 4) -> str:
        """CKAN served by gunicorn (``workers`` processes) with test.ini and
        ``overrides`` (``ckan.site_url`` is its own URL); returns that URL."""
        ckan_port = port()
        site = "http://127.0.0.1:{}".format(ckan_port)
        ini = self.write_ini(name, dict(overrides, **{"ckan.site_url": site}))
        self.popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                    "127.0.0.1:{}".format(ckan_port), "--timeout", "120",
                    "ckanext.datapusherplusapi.tests.wsgi_app:application"],
                   env=dict(os.environ, CKAN_INI=str(ini)), cwd=str(self.work))
        wait(site + "/api/3/action/status_show")
        return site

    def datapusher(self) -> str:
        """The real PyPI DataPusher service; returns its URL."""
        service_port = port()
        subprocess.run([sys.executable, str(HARNESS / "datapusher_service.py"), "write-config",
                        str(self.work / "dp.py"), str(service_port), str(self.work)], check=True)
        dp_python = os.environ.get("DPP_DATAPUSHER_PYTHON",
                                   str(REPO / ".dev" / "venv-datapusher" / "bin" / "python"))
        self.popen([dp_python, "-c", "from datapusher.main import serve; serve()"],
                   env=dict(os.environ, LANG="C", LC_ALL="C", PYTHONPATH=str(HARNESS),
                            JOB_CONFIG=str(self.work / "dp.py")))
        url = "http://127.0.0.1:{}".format(service_port)
        wait(url + "/status")
        return url

    def files(self, contents: dict[str, str]) -> str:
        """Files served over HTTP on loopback; returns the base URL."""
        folder = self.work / "files"
        folder.mkdir(exist_ok=True)
        for name, text in contents.items():
            (folder / name).write_text(text)
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

        handler = functools.partial(Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        self._servers.append(server)
        return "http://127.0.0.1:{}".format(server.server_address[1])

    def stop(self) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self._processes.clear()
        for server in self._servers:
            server.shutdown()
        self._servers.clear()

    def close(self) -> None:
        """Everything stopped, and the work folder (its ini files, the
        records' and loads' files: hundreds of MB at full size) removed."""
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)


def table(header: list[str], rows: list[list[Any]], align: Optional[str] = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
