"""The status polls' read (``logic/status.read``): one prepared statement on
a pool of its own, which survives a statement or a connection going away."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

import ckan.model as model

from ckanext.datapusherplusapi.logic import status
from ckanext.datapusherplusapi.tests.helpers import make_resource, seed_jobs

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

LOGS = [{"timestamp": "2026-12-01T10:00:00", "level": "INFO", "message": "Fetching"}]


@pytest.fixture
def resource():
    resource = make_resource()
    seed_jobs([resource], 1, "error", error="bad header", logs=LOGS)
    return resource


def _plain(resource_id):
    with status._poll_engine().connect() as conn:
        return conn.execute(status._READ, {"resource_id": resource_id}).first()


def test_the_prepared_read_is_the_statement(resource):
    row = status.read(resource["id"])
    with status._poll_engine().connect() as conn:
        assert conn.connection.info.get(status._PREPARED) is True
    assert row._asdict() == _plain(resource["id"])._asdict()
    assert (row.r_id, row.status, row.error, row.logs) == (
        resource["id"], "error", "bad header", LOGS)
    assert "job_key" not in row._fields
    assert status.read(str(uuid.uuid4())) is None


def test_a_statement_gone_is_sent_as_it_is(resource):
    status.read(resource["id"])
    with status._poll_engine().connect() as conn:  # the pool's one connection
        conn.exec_driver_sql("DEALLOCATE " + status._PREPARED)
    assert status.read(resource["id"]).status == "error"
    with status._poll_engine().connect() as conn:
        assert conn.connection.info.get(status._PREPARED) is False


def test_a_connection_the_database_dropped_is_replaced(resource):
    with status._poll_engine().connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    model.Session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    model.Session.commit()
    assert status.read(resource["id"]).status == "error"
    with status._poll_engine().connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
