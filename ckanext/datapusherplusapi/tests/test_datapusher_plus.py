"""Back end ``datapusher_plus``: the real DataPusher+ 2.x plugin (PyPI
``datapusher-plus``) beside this one, run by a real ``ckan jobs worker``.

DataPusher+ runs its ``qsv`` binary on every load, and no registry reachable
here has it: ``test.ini`` names a path where there is none.  So these tests
follow a load up to DataPusher+'s own failure, which must reach the job as
``error`` with DataPusher+'s message within seconds.  Both plugins read
``ckanext.datapusher_plus.*`` options: they are loaded together here.
"""
from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
import sqlalchemy as sa

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.jobs import get_queue
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests import tabular_files
from ckanext.datapusherplusapi.tests.helpers import (
    member_of,
    start_worker,
    stop_worker,
    wait_for,
    write_ini,
)

PLUGINS = "datapusherplusapi datapusher_plus datastore datatables_view datapusherplusapi_nosolr"

pytestmark = [
    pytest.mark.loader,
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config(dpp_config.BACKEND, "datapusher_plus"),
    # one option, read by both plugins (DataPusher+ compares lower-case names)
    pytest.mark.ckan_config(dpp_config.FORMATS, "csv tsv"),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


@pytest.fixture
def site(service_user, live_ckan, file_server, migrate_db_for, monkeypatch, tmp_path):
    """DataPusher+'s tables, its callback pointed at this test's CKAN, a worker
    acting with the service token (DataPusher+ reads it from our option)."""
    # DataPusher+'s migration environment runs logging.config.fileConfig, which
    # disables every logger already made: give this process its loggers back.
    enabled = [logger for logger in logging.Logger.manager.loggerDict.values()
               if isinstance(logger, logging.Logger) and not logger.disabled]
    migrate_db_for("datapusher_plus")
    for logger in enabled:
        logger.disabled = False
    monkeypatch.setitem(tk.config, "ckan.datapusher.callback_url_base", live_ckan)
    get_queue().empty()
    ini = write_ini(tmp_path / "worker.ini", live_ckan, "", service_user["token"],
                    ckan__plugins=PLUGINS, ckanext__datapusher_plus__backend="datapusher_plus",
                    ckan__datapusher__callback_url_base=live_ckan)
    log = tmp_path / "worker.log"
    worker = start_worker(ini, log)
    folder, base = file_server
    org = factories.Organization()
    yield {"ckan": live_ckan, "editor": member_of(org["id"], "editor"), "log": log,
           "dataset": factories.Dataset(owner_org=org["id"]), "folder": folder, "files": base}
    stop_worker(worker)


def status(site: dict[str, Any], resource_id: str) -> dict[str, Any]:
    response = requests.get("{}/api/3/action/datapusher_plus_status/{}".format(
        site["ckan"], resource_id), headers={"Authorization": site["editor"]["token"]}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def ended(site: dict[str, Any], resource_id: str) -> dict[str, Any]:
    try:
        return wait_for(lambda: (lambda s: s if s["status"] in ("complete", "error") else None)(
            status(site, resource_id)), timeout=30, step=0.3)
    except AssertionError:
        raise AssertionError("{}\nworker log:\n{}".format(
            status(site, resource_id), site["log"].read_text()[-4000:]))


def test_a_load_ends_with_datapusher_plus_own_message(site):
    qsv = tk.config["ckanext.datapusher_plus.qsv_bin"]
    tabular_files.write_delimited(site["folder"] / "cities.csv")
    resource = factories.Resource(package_id=site["dataset"]["id"], format="CSV",
                                  url=site["files"] + "/cities.csv")
    # DataPusher+ submits a new CSV by itself: that load is recorded ...
    first = ended(site, resource["id"])
    assert first["started_by_loader"] is True and first["backend"] == "datapusher_plus"
    # Its words, the server's path shown as a file name; the job keeps the raw text.
    assert first["status"] == "error" and first["error"] == "qsvdp not found.", first
    assert qsv.startswith("/") and qsv.endswith("/qsvdp")
    raw = model.Session.execute(sa.select(Job.error).where(
        Job.resource_id == resource["id"])).scalar()
    assert raw == qsv + " not found."
    # ... and a push through the API ends the same way, with DataPusher+'s words.
    answer = requests.post(site["ckan"] + "/api/3/action/datapusher_plus_submit",
                           json={"resource_id": resource["id"]},
                           headers={"Authorization": site["editor"]["token"]}, timeout=30)
    assert answer.status_code == 200, answer.text
    final = ended(site, resource["id"])
    assert final["status"] == "error" and final["started_by_loader"] is False
    assert final["error"] == "qsvdp not found." and final["error_type"] == "service_job_error"
    assert final["attempt"] == 2


def test_both_plugins_read_the_formats_option(site):
    """``formats`` (lower case) is DataPusher+'s auto-submit list and this
    extension's: an XLSX is neither submitted by DataPusher+ nor accepted here."""
    assert p.plugin_loaded("datapusher_plus") and p.plugin_loaded("datapusherplusapi")
    tabular_files.write_xlsx(site["folder"] / "cities.xlsx")
    resource = factories.Resource(package_id=site["dataset"]["id"], format="XLSX",
                                  url=site["files"] + "/cities.xlsx")
    assert model.Session.query(Job).filter_by(resource_id=resource["id"]).count() == 0
    assert model.Session.query(model.TaskStatus).filter_by(
        entity_id=resource["id"], task_type="datapusher_plus").count() == 0
    answer = requests.post(site["ckan"] + "/api/3/action/datapusher_plus_submit",
                           json={"resource_id": resource["id"]},
                           headers={"Authorization": site["editor"]["token"]}, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"] == ("Unsupported format XLSX: this portal loads "
                                      "CSV, TSV")


def test_health_says_what_is_missing(site):
    admin = factories.Sysadmin()
    health = helpers.call_action("datapusher_plus_service_status", {"user": admin["name"]})
    assert health["backend"] == "datapusher_plus" and health["version"] == "2.0.0"
    assert health["stats"]["workers"] >= 1
    assert health["reachable"] is False
    assert "qsv" in health["error"] and tk.config["ckanext.datapusher_plus.qsv_bin"] \
        in health["error"]


@pytest.mark.ckan_config(dpp_config.BUILTIN_FORMATS, "json csv geojson")
@pytest.mark.parametrize("fmt", ["CSV", "GEOJSON"])
def test_a_format_of_builtin_formats_is_not_loaded_by_datapusher_plus(service_user, monkeypatch,
                                                                      fmt):
    """A CSV listed in ``builtin_formats`` (a GeoJSON by default) is the
    built-in loader's: DataPusher+ asks this plugin (``IDataPusher.can_upload``)
    and loads it not, on saving nor when asked directly; a push goes to the
    built-in loader."""
    monkeypatch.setitem(tk.config, dpp_config.FORMATS, "csv tsv geojson")  # (both plugins')
    dataset = factories.Dataset(owner_org=factories.Organization()["id"])
    resource = factories.Resource(package_id=dataset["id"], format=fmt,
                                  url="http://127.0.0.1:9/villes." + fmt.lower())
    assert helpers.call_action("datapusher_submit", resource_id=resource["id"]) is False
    assert get_queue().count == 0
    assert model.Session.query(model.TaskStatus).filter_by(entity_id=resource["id"]).count() == 0
    assert model.Session.query(Job).filter_by(resource_id=resource["id"]).count() == 0
    helpers.call_action("datapusher_plus_submit", resource_id=resource["id"])
    pushed = helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
    assert (pushed["backend"], pushed["started_by_loader"]) == ("builtin", False)
