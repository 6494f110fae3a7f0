"""The DEV/TEST-ONLY Solr stand-in carries CKAN's pages and the DataStore."""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from bs4 import BeautifulSoup

from ckan.lib.search import index as search_index
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.tests import nosolr

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def test_org_dataset_resource_datastore_and_pages(app):
    org = factories.Organization(title="Ministère des Données")
    dataset = factories.Dataset(owner_org=org["id"], title="Population des villes",
                                notes="Recensement")
    private = factories.Dataset(owner_org=org["id"], title="Brouillon interne", private=True)
    resource = factories.Resource(package_id=dataset["id"], url="http://127.0.0.1:9/p.csv",
                                  format="CSV")
    # datastore_create goes through resource_patch -> package_revise -> indexing.
    helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                        fields=[{"id": "city", "type": "text"}], records=[{"city": "Rabat"}])
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"] is True

    page = BeautifulSoup(app.get("/dataset/").get_data(as_text=True), "html.parser")
    titles = [a.get_text(strip=True) for a in page.select(".dataset-heading a")]
    assert "Population des villes" in titles
    assert "Brouillon interne" not in titles  # anonymous: private stays private

    org_page = app.get("/organization/" + org["name"])
    assert org_page.status_code == 200
    assert "Population des villes" in org_page.get_data(as_text=True)

    found = helpers.call_action("package_search", q="recensement")
    assert [d["id"] for d in found["results"]] == [dataset["id"]]
    assert found["count"] == 1
    # Both datasets with include_private, sorted by name, one page of one.
    first = min((dataset, private), key=lambda d: d["name"])
    with_private = helpers.call_action("package_search", fq='owner_org:"{}"'.format(org["id"]),
                                       include_private=True, sort="name asc", rows=1)
    assert with_private["count"] == 2
    assert [d["id"] for d in with_private["results"]] == [first["id"]]
    public_only = helpers.call_action("package_search", fq='owner_org:"{}"'.format(org["id"]))
    assert [d["id"] for d in public_only["results"]] == [dataset["id"]]


def test_only_while_loaded():
    """Unloading the stand-in gives CKAN its own classes back."""
    assert search_index.PackageSearchIndex.index_package is nosolr._noop
    nosolr.uninstall()
    try:
        assert search_index.PackageSearchIndex.index_package is not nosolr._noop
        assert "clear" not in search_index.PackageSearchIndex.__dict__
    finally:
        nosolr.install()


def test_not_a_production_plugin():
    """Registered among CKAN's *test* plugins, never ckan.plugins."""
    assert [ep.name for ep in entry_points(group="ckan.test_plugins")
            if ep.name == "datapusherplusapi_nosolr"]
    assert not [ep.name for ep in entry_points(group="ckan.plugins")
                if "nosolr" in ep.name]
