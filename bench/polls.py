"""Status poll latency, side by side, on one multi-process server.

    bin/dpp.sh bench polls        (make bench runs every benchmark)

CKAN is served by gunicorn (4 workers) with this plugin *and* core's
``datapusher`` plugin, both pointed at the real DataPusher service. One CSV
resource is pushed through each; then, at 1, 20 and 50 concurrent clients,
the same number of polls is sent, by an editor of the dataset's organization
with an API token, to: ``status_show`` (the floor of any action through the
same stack, authentication included), ``datapusher_plus_status`` (ours,
JSON), our htmx status fragment, and core's ``datapusher_status`` (which
calls the service on every poll); and, anonymously, to ``status_show`` and
ours. Endpoints are measured in rounds (see ``run``): a ratio compares
figures taken side by side. ``DPP_BENCH_SIZE=tiny``: 2 gunicorn workers, 1
and 2 clients, 2 rounds of 8 polls. Uses the test databases, which it RESETS.
"""
from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import requests
from common import Bench, Row, Section, percentile_ms, sized, table

from ckan.tests import factories, helpers

LEVELS = sized((1, 20, 50), (1, 2))  # concurrent clients
ROUNDS = sized(15, 2)  # per level: every endpoint is measured in each round, in a rotated order
POLLS = sized(160, 8)  # per endpoint and round at least; 8 per client at higher levels
WORKERS = sized(4, 2)  # gunicorn's
JSON_TARGET = 1.10  # datapusher_plus_status p50 / status_show p50
FRAGMENT_TARGET = 1.30  # htmx status fragment p50 / status_show p50


def _load(call: Callable[[requests.Session], requests.Response], level: int,
          polls: int) -> tuple[float, float, int]:
    latencies: list[float] = []
    failures: list[int] = []
    per_client = max(1, polls // level)

    def client(_: int) -> list[float]:
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
    return statistics.median(latencies) * 1000, percentile_ms(latencies, 0.99), len(failures)


def run(bench: Bench, rounds: int = ROUNDS) -> Section:
    bench.reset()
    service_url = bench.datapusher()
    files = bench.files({"cities.csv": "city,population\nRabat,577827\nFes,1112072\n"})
    robot = factories.Sysadmin(name="bench_service")
    robot_token = factories.APIToken(user=robot["name"])["token"]
    org = factories.Organization(name="bench-polls")
    editor = factories.User(name="bench_editor")
    editor_token = factories.APIToken(user=editor["name"])["token"]
    helpers.call_action("member_create", id=org["id"], object=editor["name"],
                        object_type="user", capacity="editor")
    dataset = factories.Dataset(name="bench-polls-data", owner_org=org["id"], resources=[
        {"url": files + "/cities.csv", "format": "CSV", "name": "ours"},
        {"url": files + "/cities.csv", "format": "CSV", "name": "core's"}])
    ours, core = dataset["resources"][0]["id"], dataset["resources"][1]["id"]

    # CKAN with both clients (ours and core's datapusher plugin), on gunicorn.
    site = bench.gunicorn("polls.ini", workers=WORKERS, overrides={
        "ckan.plugins": "datapusherplusapi datastore datapusherplusapi_nosolr datapusher",
        "ckanext.datapusher_plus.url": service_url,
        "ckanext.datapusher_plus.api_token": robot_token,
        "ckan.datapusher.url": service_url,
        "ckan.datapusher.api_token": robot_token,
        "ckan.datapusher.formats": "csv",
    })
    auth = {"Authorization": editor_token}
    assert requests.post(site + "/api/3/action/datapusher_plus_submit",
                         json={"resource_id": ours}, headers=auth, timeout=60).ok
    assert requests.post(site + "/api/action/datapusher_submit",
                         json={"resource_id": core}, headers=auth, timeout=60).ok
    for _ in range(100):  # both jobs end (3 rows)
        mine = requests.get(site + "/api/3/action/datapusher_plus_status/" + ours,
                            timeout=60).json()["result"]["status"]
        theirs = requests.post(site + "/api/action/datapusher_status", json={
            "resource_id": core}, headers=auth, timeout=60).json()["result"]["status"]
        if mine == "complete" and theirs == "complete":
            break
        time.sleep(0.3)
    else:
        raise SystemExit("the service did not complete both jobs: {} / {}".format(mine, theirs))

    fragment_url = "{}/dataset/bench-polls-data/datapusher-plus/{}?part=status".format(
        site, ours)
    hx = dict(auth, **{"HX-Request": "true"})
    # The same publisher (an editor of the dataset's organization, API token)
    # polls every endpoint: the floor pays for the same authentication.
    endpoints: dict[str, Callable[[requests.Session], Any]] = {
        "status_show": lambda s: s.get(site + "/api/3/action/status_show", headers=auth,
                                       timeout=60),
        "datapusher_plus_status": lambda s: s.get(
            site + "/api/3/action/datapusher_plus_status/" + ours, headers=auth, timeout=60),
        "htmx status fragment": lambda s: s.get(fragment_url, headers=hx, timeout=60),
        "core datapusher_status": lambda s: s.post(
            site + "/api/action/datapusher_status", json={"resource_id": core},
            headers=auth, timeout=60),
        "status_show, anonymous": lambda s: s.get(site + "/api/3/action/status_show",
                                                  timeout=60),
        "datapusher_plus_status, anonymous": lambda s: s.get(
            site + "/api/3/action/datapusher_plus_status/" + ours, timeout=60),
    }
    fragment = requests.get(fragment_url, headers=hx, timeout=60)

    def floor(name: str) -> str:
        return "status_show, anonymous" if "anonymous" in name else "status_show"

    # Rounds: each measures every endpoint once, back to back, starting each
    # time with the next one. A ratio is the median over the rounds of each
    # round's p50 / its floor's p50 in the same round, so that the machine's
    # drift between rounds (these are shared 2-core machines) cancels out.
    names = list(endpoints)
    measured: dict[tuple[str, int], list[tuple[float, float, int]]] = {}
    for level in LEVELS:
        polls = max(POLLS, 8 * level)
        for i in range(rounds):
            for name in names[i % len(names):] + names[:i % len(names)]:
                measured.setdefault((name, level), []).append(
                    _load(endpoints[name], level, polls))
    results: dict[tuple[str, int], tuple[float, float, int, float]] = {}
    for (name, level), runs in measured.items():
        floors = measured[(floor(name), level)]
        ratio = statistics.median(mine[0] / theirs[0]
                                  for mine, theirs in zip(runs, floors, strict=True))
        results[(name, level)] = (statistics.median(m[0] for m in runs),
                                  statistics.median(m[1] for m in runs),
                                  sum(m[2] for m in runs), ratio)

    rows = []
    for (name, level), (p50, p99, errors, ratio) in results.items():
        rows.append([name, level, "{:.1f}".format(p50), "{:.1f}".format(p99), errors,
                     "{:.2f}×".format(ratio)])
    detail = table(["endpoint", "clients", "p50 (ms)", "p99 (ms)", "errors",
                    "p50 vs status_show"], rows)
    detail += "\n\nhtmx poll answer: {:,} bytes, HTTP {} at the terminal state.".format(
        len(fragment.content), fragment.status_code)

    summary = []
    for level in LEVELS:
        base = results[("status_show", level)][0]
        mine = results[("datapusher_plus_status", level)][0]
        ratio = results[("datapusher_plus_status", level)][3]
        summary.append(Row("poll p50, {} client(s): datapusher_plus_status vs status_show".format(
            level), "{:.1f} ms".format(mine), "{:.1f} ms".format(base), ratio,
            "≤ {:.2f}×".format(JSON_TARGET), ratio <= JSON_TARGET))
    for level in LEVELS:
        base = results[("status_show", level)][0]
        mine = results[("htmx status fragment", level)][0]
        ratio = results[("htmx status fragment", level)][3]
        summary.append(Row("poll p50, {} client(s): htmx fragment vs status_show".format(level),
                           "{:.1f} ms".format(mine), "{:.1f} ms".format(base), ratio,
                           "≤ {:.2f}×".format(FRAGMENT_TARGET), ratio <= FRAGMENT_TARGET))
    for level in LEVELS:
        theirs, mine = (results[("core datapusher_status", level)][0],
                        results[("datapusher_plus_status", level)][0])
        ratio = results[("core datapusher_status", level)][3] / results[
            ("datapusher_plus_status", level)][3]
        summary.append(Row("poll p50, {} client(s): core datapusher_status / ours".format(level),
                           "{:.1f} ms".format(mine), "{:.1f} ms".format(theirs), ratio, "≥ 2×",
                           ratio >= 2))
    summary.append(Row("htmx poll answer at a terminal state", "{:,} B, HTTP {}".format(
        len(fragment.content), fragment.status_code), target="≤ 2 KB; 286 stops polling",
        met=len(fragment.content) <= 2048 and fragment.status_code == 286))
    bench.stop()
    return Section("Status polls (gunicorn, {} workers; {} rounds per level, each of every "
                   "endpoint in turn, {} polls or 8 per client; medians over the rounds)".format(
                       WORKERS, rounds, POLLS), detail, summary)
