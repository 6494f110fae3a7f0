"""The DataStore reconciled with the push jobs: the four kinds of
disagreement found (the action, the dashboard's part, ``ckan
datapusherplusapi reconcile --dry-run``), then put right by the dashboard's
confirmed bulk task run by a real RQ worker, and by the command."""
from __future__ import annotations

from typing import Any

import pytest
import rq
import sqlalchemy as sa
from bs4 import BeautifulSoup

import ckan.model as model
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import compat
from ckanext.datapusherplusapi.cli import datapusherplusapi
from ckanext.datapusherplusapi.tests.helpers import make_resource, seed_jobs, sysadmin_with_token
from ckanext.datastore.backend import postgres as datastore_postgres

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

URL = "/ckan-admin/datapusher-plus/"
HX = {"HX-Request": "true"}
KINDS = ["complete_without_table", "flag_without_table", "table_without_flag",
         "table_not_from_last_job"]


def _table(resource: dict[str, Any]) -> None:
    helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                        records=[{"a": 1}])


def _drop_outside(resource: dict[str, Any]) -> None:
    """The table deleted straight in the database (not through CKAN)."""
    with datastore_postgres.get_write_engine().begin() as conn:
        conn.execute(sa.text('DROP TABLE "{}" CASCADE'.format(resource["id"])))


def _marked(resource: dict[str, Any]) -> bool:
    return bool(helpers.call_action("resource_show", id=resource["id"]).get("datastore_active"))


@pytest.fixture
def portal(service_user, fake_service):
    """One resource of each kind of disagreement, and some that agree or do
    not count: a deliberate ``datastore_delete``, a mark that is no boolean,
    a deleted dataset's table, a resource never pushed."""
    fake_service.callback = None  # pushes stay as the service took them
    org = factories.Organization()
    made = {kind: make_resource(org, name=kind) for kind in KINDS}
    _table(made["complete_without_table"])
    seed_jobs([made["complete_without_table"]], 1, "complete")
    _drop_outside(made["complete_without_table"])  # still marked
    _table(made["flag_without_table"])
    _drop_outside(made["flag_without_table"])  # marked, no table, no job
    _table(made["table_without_flag"])
    compat.set_datastore_active(made["table_without_flag"]["id"], False)
    _table(made["table_not_from_last_job"])
    seed_jobs([made["table_not_from_last_job"]], 1, "error", error="refused")
    agrees = make_resource(org, name="agrees")
    _table(agrees)
    seed_jobs([agrees], 1, "complete")
    deleted = make_resource(org, name="deleted on purpose")
    _table(deleted)
    seed_jobs([deleted], 1, "complete")
    helpers.call_action("datastore_delete", resource_id=deleted["id"], force=True)
    odd = make_resource(org, name="odd mark")
    resource = model.Session.get(model.Resource, odd["id"])
    resource.extras = dict(resource.extras or {}, datastore_active="")  # as a harvester wrote it
    model.Session.commit()
    gone = make_resource(org, name="in a deleted dataset")
    _table(gone)
    helpers.call_action("package_delete", id=gone["package_id"])
    make_resource(org, name="never pushed")
    return {"made": made, "agrees": agrees, "admin": sysadmin_with_token(), "fake": fake_service}


def _found() -> dict[str, str]:
    found = helpers.call_action("datapusher_plus_reconcile")
    return {item["resource_name"]: item["fix"] for item in found["resources"]}


def test_the_four_kinds_are_found_and_put_right_by_the_dashboards_task(app, portal):
    """The dashboard's part lists each kind with its fix; its confirmed
    button queues one bulk task; a worker runs it: the marks are corrected,
    the two others are pushed again, and nothing disagrees any more."""
    found = helpers.call_action("datapusher_plus_reconcile")
    assert found["counts"] == dict.fromkeys(KINDS, 1)
    assert (found["total"], found["to_fix"]) == (4, 3)
    assert _found() == {"complete_without_table": "push", "flag_without_table": "unmark",
                        "table_without_flag": "mark", "table_not_from_last_job": "none"}
    admin = portal["admin"]
    page = BeautifulSoup(app.get(URL, headers={"Authorization": admin["token"]}).get_data(
        as_text=True), "html.parser")
    lazy = page.find(id="dpp-reconcile")
    assert lazy["hx-get"] == URL + "reconcile" and lazy["hx-trigger"] == "load"
    client = app.test_client()
    csrf = BeautifulSoup(client.get(URL, headers={"Authorization": admin["token"]}).get_data(
        as_text=True), "html.parser").find("input", attrs={"name": "_csrf_token"})["value"]
    part = BeautifulSoup(client.get(URL + "reconcile", headers=dict(
        HX, Authorization=admin["token"])).get_data(as_text=True), "html.parser")
    assert part.find(id="dpp-reconcile")["data-dpp-reconcile"] == "4"
    assert [li.get_text(" ", strip=True) for li in part.select("[data-dpp-disagreement]")] == [
        "1 resource loaded by its last push whose DataStore table is gone (deleted outside "
        "DataPusher+)", "1 resource marked as in the DataStore without a table",
        "1 resource whose table its last push did not write (it failed or was cancelled)",
        "1 resource with a DataStore table CKAN does not show (not marked as in the DataStore)"]
    rows = {row["data-dpp-kind"]: [cell.get_text(" ", strip=True) for cell in row("td")]
            for row in part.select("tr[data-dpp-kind]")}
    assert rows["table_without_flag"][1:] == ["none", "mark as in the DataStore"]
    assert rows["table_not_from_last_job"][1:] == [
        "Error", "none here: retry its failed push once its file is right"]
    form = part.find("form")
    assert "3 resources right" in form["hx-confirm"]
    queue = ckan_jobs.get_queue()
    queue.empty()
    answer = client.post(form["action"], headers=dict(HX, Authorization=admin["token"]), data={
        "_csrf_token": csrf, **{i["name"]: i["value"] for i in form.find_all("input")}})
    assert "Queued" in answer.get_data(as_text=True)
    again = client.post(form["action"], headers=dict(HX, Authorization=admin["token"]), data={
        "_csrf_token": csrf, **{i["name"]: i["value"] for i in form.find_all("input")}})
    assert "A reconciliation is already under way" in again.get_data(as_text=True)
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
    task = helpers.call_action("datapusher_plus_task_list", {"user": admin["name"]})[0]
    assert (task["kind"], task["status"], task["total"], task["done"], task["failed"]) == (
        "reconcile", "done", 3, 3, 0)
    made = portal["made"]
    assert not _marked(made["flag_without_table"])
    assert _marked(made["table_without_flag"])
    pushed = [post["json"]["metadata"]["resource_id"] for post in portal["fake"].job_posts()]
    assert pushed == [made["complete_without_table"]["id"]]
    left = helpers.call_action("datapusher_plus_reconcile")
    assert (left["total"], left["to_fix"]) == (1, 0)  # the failed push's table, shown only
    line = BeautifulSoup(app.get(URL, headers={"Authorization": admin["token"]}).get_data(
        as_text=True), "html.parser").find(attrs={"data-dpp-task": True}).get_text()
    assert " ".join(line.split()).startswith(
        "Reconcile with the DataStore — 3 of 3 done (3 pushed again or marks corrected,")


def test_the_command_for_cron(portal, cli):
    """``--dry-run`` prints what it would do and changes nothing; without it,
    every disagreement is put right at once (no worker needed), the one
    shown only is left as it is."""
    dry = cli.invoke(datapusherplusapi, ["reconcile", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    lines = dry.output.strip().splitlines()
    assert sorted(line.split("\t")[0] + " " + line.split("\t")[2] for line in lines[:-1]) == [
        "complete_without_table push", "flag_without_table unmark",
        "table_not_from_last_job none", "table_without_flag mark"]
    assert lines[-1] == "3 resources would be put right"
    assert _marked(portal["made"]["flag_without_table"]) and portal["fake"].job_posts() == []
    done = cli.invoke(datapusherplusapi, ["reconcile"])
    assert done.exit_code == 0, done.output
    assert done.output.strip().splitlines()[-1] == (
        "3 resources put right (0 changed meanwhile, 0 refused)")
    model.Session.remove()
    assert helpers.call_action("datapusher_plus_reconcile")["to_fix"] == 0
    assert len(portal["fake"].job_posts()) == 1
