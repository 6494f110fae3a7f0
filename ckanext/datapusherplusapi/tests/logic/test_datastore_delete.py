"""``datastore_delete`` chained: a whole table deleted ("Delete from
DataStore") takes the resource's views that need the DataStore with it, and
the resource reads ``datastore_active: false``; a load replacing its table
keeps them."""
from __future__ import annotations

import pytest

from ckan.tests import helpers

from ckanext.datapusherplusapi.tests.helpers import make_resource, seed_jobs

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _loaded() -> dict:
    """A resource with a DataStore table and its default views (the
    DataStore's table view, and one that needs no DataStore)."""
    resource = make_resource()
    helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                        records=[{"ville": "Rabat", "habitants": 577827}])
    helpers.call_action("resource_create_default_resource_views",
                        resource=helpers.call_action("resource_show", id=resource["id"]),
                        create_datastore_views=True)
    helpers.call_action("resource_view_create", resource_id=resource["id"],
                        view_type="webpage_view", title="Page", page_url="http://127.0.0.1:9/")
    return resource


def _view_types(resource_id: str) -> list[str]:
    return sorted(v["view_type"] for v in
                  helpers.call_action("resource_view_list", id=resource_id))


@pytest.mark.ckan_config("ckan.plugins",
                         "datapusherplusapi datastore datatables_view webpage_view "
                         "datapusherplusapi_nosolr")
def test_delete_from_the_datastore_removes_its_views_and_datastore_active():
    resource = _loaded()
    seed_jobs([resource], 1, status="complete")
    assert _view_types(resource["id"]) == ["datatables_view", "webpage_view"]
    assert helpers.call_action("datapusher_plus_status",
                               resource_id=resource["id"])["datastore_active"] is True

    helpers.call_action("datastore_delete", resource_id=resource["id"], force=True)
    assert _view_types(resource["id"]) == ["webpage_view"]  # no empty preview left
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"] is False
    status = helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
    assert status["status"] == "complete" and status["datastore_active"] is False


@pytest.mark.ckan_config("ckan.plugins",
                         "datapusherplusapi datastore datatables_view webpage_view "
                         "datapusherplusapi_nosolr")
def test_rows_deleted_or_a_table_replaced_by_a_load_keep_the_views():
    resource = _loaded()
    helpers.call_action("datastore_delete", resource_id=resource["id"], force=True,
                        filters={"ville": "Rabat"})  # rows, not the table
    assert _view_types(resource["id"]) == ["datatables_view", "webpage_view"]
    seed_jobs([resource], 1, status="running", finished_at=None)
    helpers.call_action("datastore_delete", resource_id=resource["id"], force=True)
    assert _view_types(resource["id"]) == ["datatables_view", "webpage_view"]
