"""Status poll latency, side by side, on one multi-process server.

    bin/dpp.sh bench polls        (make bench runs every benchmark)

CKAN is served by gunicorn (4 workers) with this plugin *and* core's
``datapusher`` plugin, both pointed at the real DataPusher service. One CSV
resource is pushed through each; then, at 1, 20 and 50 concurrent clients,
the same number of polls is sent to: ``status_show`` (the floor of any action
through the same stack), ``datapusher_plus_status`` (ours, JSON), our htmx
status fragment, and core's ``datapusher_status`` (which calls the service on
every poll). Prints one markdown table of p50/p99 and ratios. Uses the test
databases, which it RESETS.
"""
from __future__ import annotations

import argparse
import http.server
import functools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
LEVELS = (1, 20, 50)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("not up: " + url)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(q * len(ordered))) - 1)] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckan-ini", default=str(REPO / "test.ini"))
    parser.add_argument("--polls", type=int, default=600, help="polls per endpoint and level")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dpp-bench-"))

    # The real DataPusher service and a CSV served on loopback.
    service_port, files_port, ckan_port = _port(), _port(), _port()
    harness = REPO / "bin" / "harness"
    subprocess.run([sys.executable, str(harness / "datapusher_service.py"), "write-config",
                    str(work / "dp.py"), str(service_port), str(work)], check=True)
    dp_python = os.environ.get("DPP_DATAPUSHER_PYTHON",
                               str(REPO / ".dev" / "venv-datapusher" / "bin" / "python"))
    service = subprocess.Popen(
        [dp_python, "-c", "from datapusher.main import serve; serve()"],
        env=dict(os.environ, LANG="C", LC_ALL="C", PYTHONPATH=str(harness),
                 JOB_CONFIG=str(work / "dp.py")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (work / "files").mkdir()
    (work / "files" / "cities.csv").write_text("city,population\nRabat,577827\nFes,1112072\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(work / "files"))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    files = http.server.ThreadingHTTPServer(("127.0.0.1", files_port), handler)
    threading.Thread(target=files.serve_forever, daemon=True).start()
    _wait("http://127.0.0.1:{}/status".format(service_port))

    # Users and data, through CKAN's actions in this process.
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.plugins as plugins
    make_app(load_config(os.path.abspath(args.ckan_ini)))
    plugins.load_all()
    from ckan.cli.db import _run_migrations
    from ckan.tests import factories, helpers
    helpers.reset_db()
    _run_migrations("datapusherplusapi")
    robot = factories.Sysadmin(name="bench_service")
    robot_token = factories.APIToken(user=robot["name"])["token"]
    admin = factories.Sysadmin(name="bench_admin")
    token = factories.APIToken(user=admin["name"])["token"]
    org = factories.Organization(name="bench-polls")
    dataset = factories.Dataset(name="bench-polls-data", owner_org=org["id"], resources=[
        {"url": "http://127.0.0.1:{}/cities.csv".format(files_port), "format": "CSV",
         "name": "ours"},
        {"url": "http://127.0.0.1:{}/cities.csv".format(files_port), "format": "CSV",
         "name": "core's"}])
    ours, core = dataset["resources"][0]["id"], dataset["resources"][1]["id"]

    # CKAN with both clients, on gunicorn.
    site = "http://127.0.0.1:{}".format(ckan_port)
    service_url = "http://127.0.0.1:{}".format(service_port)
    overrides = {
        "ckan.site_url": site,
        "ckan.plugins": "datapusherplusapi datastore datapusherplusapi_nosolr datapusher",
        "ckanext.datapusher_plus.url": service_url,
        "ckanext.datapusher_plus.api_token": robot_token,
        "ckan.datapusher.url": service_url,
        "ckan.datapusher.api_token": robot_token,
        "ckan.datapusher.formats": "csv",
    }
    lines = []
    for line in Path(args.ckan_ini).read_text().splitlines():
        if line.split("=", 1)[0].strip() in overrides:
            continue
        lines.append(line)
        if line.strip() == "[app:main]":
            lines += ["{} = {}".format(k, v) for k, v in overrides.items()]
    (work / "bench.ini").write_text("\n".join(lines) + "\n")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind",
         "127.0.0.1:{}".format(ckan_port), "--timeout", "120",
         "ckanext.datapusherplusapi.tests.wsgi_app:application"],
        env=dict(os.environ, CKAN_INI=str(work / "bench.ini")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(work))
    try:
        _wait(site + "/api/3/action/status_show")
        auth = {"Authorization": token}
        assert requests.post(site + "/api/3/action/datapusher_plus_submit",
                             json={"resource_id": ours}, headers=auth, timeout=60).ok
        assert requests.post(site + "/api/action/datapusher_submit",
                             json={"resource_id": core}, headers=auth, timeout=60).ok
        time.sleep(3)  # both jobs end (3 rows)

        fragment_url = "{}/dataset/bench-polls-data/datapusher-plus/{}?part=status".format(site, ours)
        endpoints = {
            "status_show": lambda s: s.get(site + "/api/3/action/status_show", timeout=60),
            "datapusher_plus_status": lambda s: s.get(
                site + "/api/3/action/datapusher_plus_status/" + ours, headers=auth, timeout=60),
            "htmx fragment": lambda s: s.get(fragment_url, headers=dict(auth, **{
                "HX-Request": "true"}), timeout=60),
            "core datapusher_status": lambda s: s.post(
                site + "/api/action/datapusher_status", json={"resource_id": core},
                headers=auth, timeout=60),
        }
        fragment = requests.get(fragment_url, headers=dict(auth, **{"HX-Request": "true"}),
                                timeout=60)
        results = {}
        for name, call in endpoints.items():
            for level in LEVELS:
                latencies: list[float] = []
                failures = []
                per_client = max(1, args.polls // level)

                def client(_):
                    session = requests.Session()
                    mine = []
                    for _ in range(per_client):
                        started = time.perf_counter()
                        response = call(session)
                        mine.append(time.perf_counter() - started)
                        if response.status_code not in (200, 286):
                            failures.append(response.status_code)
                    return mine

                with ThreadPoolExecutor(level) as pool:
                    for mine in pool.map(client, range(level)):
                        latencies.extend(mine)
                results[(name, level)] = (statistics.median(latencies) * 1000,
                                          _percentile(latencies, 0.99), len(failures))
        print("| endpoint | clients | p50 (ms) | p99 (ms) | errors | p50 vs status_show |")
        print("|---|---:|---:|---:|---:|---:|")
        for (name, level), (p50, p99, errors) in results.items():
            floor = results[("status_show", level)][0]
            print("| {} | {} | {:.1f} | {:.1f} | {} | {:.2f}× |".format(
                name, level, p50, p99, errors, p50 / floor))
        print()
        for level in LEVELS:
            ours_p50 = results[("datapusher_plus_status", level)][0]
            core_p50 = results[("core datapusher_status", level)][0]
            print("- {} clients: core's datapusher_status / ours = {:.2f}× (p50)".format(
                level, core_p50 / ours_p50))
        print("- htmx poll answer: {} bytes, HTTP {} at the terminal state".format(
            len(fragment.content), fragment.status_code))
    finally:
        server.terminate()
        service.terminate()
        files.shutdown()
        server.wait(timeout=30)
        helpers.reset_db()
    return 0


if __name__ == "__main__":
    sys.exit(main())
