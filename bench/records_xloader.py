"""ckanext-xloader and the reader's CKAN, for the records benchmark: CKAN
served by gunicorn with the xloader plugin beside this one (as in
``bench/load.py``), ``xloader_submit`` of a CSV over HTTP, and xloader's
load run by a real ``ckan jobs worker --burst`` on its own queue.
"""
from __future__ import annotations

import datetime
import os
import sys
from typing import Any

import requests
from common import Bench

import ckan.plugins.toolkit as tk
from ckan.tests import factories

QUEUE = "dpp_bench_records_xloader"


class Site:
    """CKAN on gunicorn (2 workers) with xloader; calls its action API."""

    def __init__(self, bench: Bench, settings: dict[str, str]) -> None:
        admin = factories.Sysadmin()
        self.token = factories.APIToken(user=admin["name"])["token"]
        self.headers = {"Authorization": self.token}
        overrides = dict(settings, **{
            "ckan.plugins": "datapusherplusapi xloader datastore datatables_view "
                            "datapusherplusapi_nosolr",
            "ckanext.datapusher_plus.backend": "xloader",
            "ckanext.xloader.api_token": self.token,
            "ckanext.xloader.queue_names": QUEUE,
            "ckanext.xloader.jobs_db.uri": tk.config["sqlalchemy.url"] + "_xloader",
        })
        self.url = bench.gunicorn("records-site.ini", overrides, workers=2)
        self.worker_ini = bench.write_ini("records-xloader-worker.ini",
                                          dict(overrides, **{"ckan.site_url": self.url}))
        self.bench = bench

    def call(self, action: str, **data: Any) -> Any:
        response = requests.post("{}/api/3/action/{}".format(self.url, action), json=data,
                                 headers=self.headers, timeout=120)
        body = response.json()
        if not body.get("success"):
            raise SystemExit("{} failed: {}".format(action, body))
        return body["result"]

    def xloader(self, resource_id: str, rows: int) -> dict[str, Any]:
        """``xloader_submit`` of the resource, its load by a burst worker;
        the load's seconds from xloader's first log line to its finish, and
        the columns it made."""
        self.call("xloader_submit", resource_id=resource_id, ignore_hash=True)
        ckan_command = os.path.join(os.path.dirname(sys.executable), "ckan")
        worker = self.bench.popen([ckan_command, "-c", str(self.worker_ini), "jobs", "worker",
                                   "--burst", QUEUE])
        os.wait4(worker.pid, 0)
        status = self.call("xloader_status", resource_id=resource_id)
        if status["status"] != "complete":
            raise SystemExit("xloader's load did not complete: {} {}".format(
                status["status"], status.get("error")))
        info = status["task_info"] or {}
        stamps = [datetime.datetime.fromisoformat(line["timestamp"])
                  for line in info.get("logs") or []]
        finished = info.get("finished_timestamp")
        if not stamps or not finished:
            raise SystemExit("xloader's load has no log or no finish time: {}".format(info))
        found = self.call("datastore_search", resource_id=resource_id, limit=0)
        loaded = found["total"]
        if loaded != rows:
            raise SystemExit("xloader loaded {:,} rows, not {:,}".format(loaded, rows))
        seconds = (datetime.datetime.fromisoformat(finished) - min(stamps)).total_seconds()
        return {"seconds": max(seconds, 1e-3), "columns": tuple(
            (field["id"], field["type"]) for field in found["fields"] if field["id"] != "_id")}
