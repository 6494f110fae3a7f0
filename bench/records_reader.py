"""A reader of a resource's DataStore table while it is loaded again: what a
portal's visitors would see during a reload.

Every ``PERIOD`` seconds a thread asks CKAN, over HTTP (CKAN served by
gunicorn), for ``datastore_search`` with ``limit=1``, ``include_total`` and
``sort=_id``, and notes when it asked (UTC, the clock of the job's times),
the answer's status, its total and the first record's ``commune``. Each
answer is then one of: an error (an exception, or an HTTP status other than
200 and 404), empty (a 404: no table, or a total of 0), partial (a total
other than the file's rows) or whole, showing the old rows or the new.
"""
from __future__ import annotations

import datetime
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Optional

import requests

PERIOD = 0.1  # seconds between two reads


@dataclass
class Read:
    at: datetime.datetime
    kind: str  # error, empty, partial, whole
    total: Optional[int] = None
    town: Optional[str] = None
    detail: str = ""


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Reader(threading.Thread):
    def __init__(self, site: str, resource_id: str, rows: int, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url = site + "/api/3/action/datastore_search"
        self.params: dict[str, str | int] = {
            "resource_id": resource_id, "limit": 1, "include_total": "true", "sort": "_id"}
        self.rows = rows
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.reads: list[Read] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.reads.append(self.read())
            self.halt.wait(PERIOD)

    def read(self) -> Read:
        at = _utcnow()
        try:
            response = self.session.get(self.url, params=self.params, timeout=30)
            if response.status_code == 404:
                return Read(at, "empty", detail="404 Not Found")
            if response.status_code != 200:
                return Read(at, "error", detail="HTTP {}".format(response.status_code))
            result: dict[str, Any] = response.json()["result"]
        except Exception as e:  # what a visitor would see as a failure
            return Read(at, "error", detail=type(e).__name__)
        total = result.get("total")
        records = result.get("records") or []
        town = records[0].get("commune") if records else None
        if not total or not records:
            return Read(at, "empty", total)
        return Read(at, "whole" if total == self.rows else "partial", total, town)

    def stop(self) -> None:
        self.halt.set()
        self.join(60)


def verdict(reads: list[Read], started: datetime.datetime, finished: datetime.datetime,
            old: str, new: str) -> dict[str, Any]:
    """What the reads say about a reload that ran from ``started`` to
    ``finished`` (the job's times): counts of each kind, how many were made
    while it ran, and whether every whole answer showed the old rows until
    the new ones appeared, never the old again after them, the old before
    the load and the new after it."""
    counts = {kind: sum(1 for r in reads if r.kind == kind)
              for kind in ("error", "empty", "partial", "whole")}
    during = [r for r in reads if started <= r.at <= finished]
    towns = [r.town for r in reads if r.kind == "whole"]
    first_new = towns.index(new) if new in towns else len(towns)
    in_order = (all(t == old for t in towns[:first_new])
                and all(t == new for t in towns[first_new:]))
    before = [r.town for r in reads if r.at < started and r.kind == "whole"]
    after = [r.town for r in reads if r.at > finished and r.kind == "whole"]
    switched = (in_order and bool(before) and all(t == old for t in before) and bool(after)
                and all(t == new for t in after))
    seen = Counter("{}: {}".format(r.kind, r.detail or "total {:,}".format(r.total or 0))
                   for r in reads if r.kind in ("error", "empty", "partial"))
    details = ["{}× {}".format(number, what) for what, number in seen.most_common()]
    return dict(counts, reads=len(reads), during=len(during), switched=switched,
                old_seen=towns.count(old), new_seen=towns.count(new), details=details[:5])
