"""A real ``ckan jobs worker`` killed in the middle of a reload by the
built-in loader (SIGKILL, worker and work horse). Apart from
``test_builtin_loader.py``: that module's own worker listens to the same
queue and would take the load this test's worker must run.
"""
from __future__ import annotations

import os
import signal
from typing import Any

import pytest
import rq
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.jobs import get_queue
from ckan.tests import factories
from ckan.tests import helpers as ckan_helpers

from ckanext.datapusherplusapi import lifecycle
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.records import table
from ckanext.datapusherplusapi.tests.helpers import (
    descendants,
    member_of,
    start_worker,
    submit,
    wait_for,
    write_ini,
)
from ckanext.datapusherplusapi.tests.test_builtin_loader import PLUGINS, _lines, add_resource, push


@pytest.fixture
def site(app: Any, file_server: Any) -> dict[str, Any]:
    """An organization, its editor, a dataset and a folder served over HTTP."""
    folder, base = file_server
    org = factories.Organization()
    return {"app": app, "folder": folder, "files": base, "editor": member_of(org["id"], "editor"),
            "org": org, "dataset": factories.Dataset(owner_org=org["id"])}


@pytest.mark.loader
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_a_worker_killed_during_a_reload_leaves_the_live_table(site, tmp_path):
    """The worker and its work horse killed (SIGKILL) with the new table
    built, as it waits to take the live one's place: the live table stays
    whole; the new table left behind is removed by the next load."""
    resource = add_resource(site, "rows.jsonl", _lines(100, "old"), "JSONL")
    assert push(site, resource)["status"] == "complete"
    (site["folder"] / "rows.jsonl").write_text(_lines(300, "new"))
    ini = write_ini(tmp_path / "worker.ini", tk.config["ckan.site_url"], "http://127.0.0.1:9",
                    "unused-by-the-worker", ckan__plugins=PLUGINS)
    with table._engine().connect() as reader:
        held = reader.begin()  # a long query reading the table: the swap waits
        reader.execute(sa.text('LOCK TABLE "{}" IN ACCESS SHARE MODE'.format(resource["id"])))
        job_id = submit(site["app"], resource["id"], site["editor"])["job_id"]
        process = start_worker(ini, tmp_path / "worker.log")

        def ready_to_swap() -> bool:
            model.Session.expire_all()
            logs = model.Session.get(Job, job_id).logs or []
            return any(line["message"].startswith("Built the indexes") for line in logs)
        try:
            wait_for(ready_to_swap, timeout=120)
        finally:
            for pid in descendants(process.pid) + [process.pid]:
                os.kill(pid, signal.SIGKILL)
            process.wait(timeout=30)
            for dead in rq.Worker.all(queue=get_queue()):  # it could not say it died
                if dead.pid == process.pid:
                    dead.register_death()
        held.rollback()
    found = ckan_helpers.call_action("datastore_search", resource_id=resource["id"], limit=1,
                                     sort="_id")
    assert (found["total"], found["records"][0]["v"]) == (100, "old")
    # while its job reads running, its new table is a load's; once the job has
    # ended (the silent-job check would say so), a table left behind
    assert table.leftovers() == []
    lifecycle.fail(model.Session, job_id, "internal_error", "The worker was killed by a test")
    assert table.leftovers() == [table.new_name(resource["id"], job_id)]
    assert push(site, resource)["status"] == "complete"
    assert ckan_helpers.call_action("datastore_search", resource_id=resource["id"],
                                    limit=0)["total"] == 300
    assert table.leftovers() == []
