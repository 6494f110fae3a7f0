"""The back ends: what each loads (docs/backends.md, "Formats by back end"), what each
needs to start, and the chained actions each brings.

The cells "loads" are proved by real loads elsewhere: the DataPusher service
in test_e2e.py (CSV, TSV, XLS), ckanext-xloader in test_xloader.py (CSV, TSV,
XLS, XLSX, ODS), DataPusher+ 2.x up to its own failure in
test_datapusher_plus.py.  The cells "refused" are proved here and there.
"""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.config.environment import update_config
from ckan.exceptions import CkanConfigurationException
from ckan.tests import factories

from ckanext.datapusherplusapi import backends
from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi.plugin import _actions
from ckanext.datapusherplusapi.tests.helpers import make_resource, member_of, submit

pytestmark = pytest.mark.usefixtures("with_plugins")

TABLE = {  # format: (service, xloader, datapusher_plus)
    "CSV": (True, True, True),
    "TSV": (True, True, True),
    "XLS": (True, True, True),
    "XLSX": (False, True, True),
    "ODS": (False, True, True),
    "JSON": (False, False, False),
    "XML": (False, False, False),
}
NAMES = ("service", "xloader", "datapusher_plus")


@pytest.mark.parametrize("fmt", sorted(TABLE))
@pytest.mark.parametrize("index,name", list(enumerate(NAMES)))
def test_the_format_table(fmt, index, name):
    assert (fmt in backends.get(name).formats()) is TABLE[fmt][index]


@pytest.mark.usefixtures("clean_db")
@pytest.mark.parametrize("fmt", ["XLSX", "ODS", "PDF"])
def test_the_service_refuses_what_it_does_not_read(app, fake_service, fmt):
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    resource = make_resource(org, format=fmt, url="http://127.0.0.1:9/file." + fmt.lower())
    body = submit(app, resource["id"], editor, 400)
    assert body == {"success": False, "error_type": "unsupported_format",
                    "error": "Unsupported format {}: this portal loads CSV, TSV, XLS, "
                             "JSON, JSONL, NDJSON, GEOJSON, XML".format(fmt)}
    assert fake_service.job_posts() == []


@pytest.mark.parametrize("name,option,expected", [
    ("service", "csv xlsx", ["CSV", "XLSX"]),  # only the service knows: the option replaces
    ("xloader", "csv json", ["CSV"]),  # narrows what xloader reads
    ("datapusher_plus", "csv geojson", ["CSV", "GEOJSON"]),  # DataPusher+'s own list
])
def test_the_formats_option(monkeypatch, name, option, expected):
    monkeypatch.setitem(tk.config, dpp_config.FORMATS, option)
    assert backends.get(name).formats() == expected


def test_xloader_formats_follow_its_own_option(monkeypatch):
    monkeypatch.setitem(tk.config, "ckanext.xloader.formats",
                        "csv application/csv xlsx")
    assert backends.get("xloader").formats() == ["CSV", "XLSX"]


@pytest.mark.parametrize("backend,problem", [
    ("xloader", "the xloader plugin must be loaded"),
    ("datapusher_plus", "the datapusher_plus plugin must be loaded"),
])
def test_a_loader_that_is_not_loaded_stops_ckan(monkeypatch, backend, problem):
    # Undone at once, not at teardown: unloading the plugins reruns update_config.
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException) as raised:
        m.setitem(tk.config, dpp_config.BACKEND, backend)
        update_config()
    assert problem in str(raised.value)


def test_an_unknown_backend_stops_ckan(monkeypatch):
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException) as raised:
        m.setitem(tk.config, dpp_config.BACKEND, "datapusher")
        update_config()
    assert dpp_config.BACKEND in str(raised.value)


@pytest.mark.ckan_config("ckan.plugins", "datapusherplusapi xloader datastore")
@pytest.mark.ckan_config(dpp_config.BACKEND, "xloader")
@pytest.mark.ckan_config("ckanext.xloader.api_token", "a-token")
def test_xloader_needs_no_service_but_its_token(monkeypatch):
    """With xloader, the service's URL and token are not needed; xloader's
    own token is (its jobs act with it)."""
    with monkeypatch.context() as m:
        m.setitem(tk.config, dpp_config.URL, "")
        m.setitem(tk.config, dpp_config.API_TOKEN, "")
        update_config()
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException) as raised:
        m.setitem(tk.config, "ckanext.xloader.api_token", "NOT_SET")
        update_config()
    assert "ckanext.xloader.api_token" in str(raised.value)


def test_chained_actions_only_over_loaded_plugins():
    names = set(_actions())
    assert "datastore_create" in names
    assert not names & {"xloader_submit", "xloader_hook", "datapusher_submit", "datapusher_hook"}


@pytest.mark.ckan_config("ckan.plugins", "datapusherplusapi xloader datastore")
@pytest.mark.ckan_config(dpp_config.BACKEND, "xloader")
@pytest.mark.ckan_config("ckanext.xloader.api_token", "a-token")
def test_xloader_chains_with_xloader():
    assert {"xloader_submit", "xloader_hook"} <= set(_actions())
