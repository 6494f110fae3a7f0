"""The alembic migrations go up and down cleanly."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.cli import db as db_cli

from ckanext.datapusherplusapi.model import Job

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

TABLE = "datapusherplusapi_job"


def _tables():
    return sa.inspect(model.Session.get_bind()).get_table_names()


def _indexes():
    return {ix["name"] for ix in sa.inspect(model.Session.get_bind()).get_indexes(TABLE)}


def test_down_and_up():
    model.Session.remove()
    assert TABLE in _tables()
    assert {"datapusherplusapi_job_resource_idx", "datapusherplusapi_job_status_idx",
            "datapusherplusapi_job_one_active_idx"} <= _indexes()
    db_cli._run_migrations("datapusherplusapi", version="base", forward=False)
    model.Session.remove()
    assert TABLE not in _tables()
    db_cli._run_migrations("datapusherplusapi")
    model.Session.remove()
    assert TABLE in _tables()


def test_one_active_job_per_resource_is_enforced_by_the_database():
    now = sa.func.now()
    model.Session.add(Job(id="a", resource_id="r", status="submitted", submitted_at=now,
                          updated_at=now))
    model.Session.commit()
    model.Session.add(Job(id="b", resource_id="r", status="running", submitted_at=now,
                          updated_at=now))
    with pytest.raises(sa.exc.IntegrityError):
        model.Session.commit()
    model.Session.rollback()
    model.Session.add(Job(id="c", resource_id="r", status="error", submitted_at=now,
                          updated_at=now))
    model.Session.commit()
