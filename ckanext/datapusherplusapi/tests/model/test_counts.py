"""The trigger-kept job counts agree with the job table, compacted or not."""
from __future__ import annotations

import datetime
import functools

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.model import counts
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.tests.helpers import seed_jobs

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _jobs(n, status, hours_ago=0):
    """``n`` jobs of resources of their own (the job table alone is read here)."""
    return seed_jobs(None, n, status, days_ago=hours_ago / 24)


def _truth():
    rows = model.Session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status))
    return {status: n for status, n in rows}


def _rows():
    return model.Session.execute(sa.select(sa.func.count()).select_from(counts.counts)).scalar()


def test_inserts_updates_and_deletes_are_counted():
    done = _jobs(5, "submitted")
    _jobs(3, "error", hours_ago=30)
    model.Session.execute(sa.update(Job).where(Job.id.in_(done[:4])).values(status="complete"))
    model.Session.execute(sa.update(Job).where(Job.id == done[4]).values(error="same status"))
    model.Session.execute(sa.delete(Job).where(Job.id == done[0]))
    model.Session.commit()
    assert counts.totals(model.Session) == _truth() == {"complete": 3, "submitted": 1, "error": 3}


def test_a_statement_of_many_rows_is_counted_once_per_hour_and_status():
    """A COPY of a million jobs or a purge's batch of 10,000 rows appends
    one count row per (hour, status) and per (dataset, format, status), not
    one per job row (migration 011's statement triggers)."""
    hourly, per_dataset = _rows(), _dataset_rows()
    ids = _jobs(40, "complete")  # one INSERT statement, within a minute: one hour
    assert (_rows() - hourly, _dataset_rows() - per_dataset) in ((1, 1), (2, 1))
    hourly, per_dataset = _rows(), _dataset_rows()
    model.Session.execute(sa.delete(Job).where(Job.id.in_(ids[:30])))
    model.Session.commit()
    assert (_rows() - hourly, _dataset_rows() - per_dataset) in ((1, 1), (2, 1))
    assert counts.totals(model.Session) == _truth() == {"complete": 10}


def _dataset_rows():
    return model.Session.execute(sa.select(sa.func.count()).select_from(
        counts.dataset_counts)).scalar()


def test_compaction_keeps_the_totals_and_folds_old_hours():
    _jobs(4, "complete")
    _jobs(2, "error", hours_ago=24 * 40)
    ids = _jobs(3, "submitted", hours_ago=24 * 50)
    model.Session.execute(sa.update(Job).where(Job.id.in_(ids)).values(status="complete"))
    model.Session.commit()
    before = _rows()
    assert counts.compact(model.Session, datetime.datetime.utcnow())
    model.Session.commit()
    assert _rows() < before
    assert counts.totals(model.Session) == _truth() == {"complete": 7, "error": 2}
    hours = {hour for hour, in model.Session.execute(sa.select(counts.counts.c.hour))}
    assert counts.OLDER in hours and all(
        h == counts.OLDER or h > datetime.datetime.utcnow() - datetime.timedelta(days=36)
        for h in hours)
    # A second compaction with nothing new changes nothing; new writes still count.
    folded = sorted(model.Session.execute(sa.select(counts.counts)).all())
    assert counts.compact(model.Session, datetime.datetime.utcnow())
    model.Session.commit()
    assert sorted(model.Session.execute(sa.select(counts.counts)).all()) == folded
    _jobs(1, "running")
    assert counts.totals(model.Session) == _truth() == {"complete": 7, "error": 2, "running": 1}


def test_the_unfiltered_job_list_counts_every_job(reset_db, migrate_db_for):
    _jobs(7, "complete")
    _jobs(2, "error", hours_ago=24 * 60)
    listed = helpers.call_action("datapusher_plus_job_list", {"ignore_auth": True})
    assert listed["count"] == 9
    stats = helpers.call_action("datapusher_plus_stats", {"ignore_auth": True})
    assert stats["total"] == 9 and stats["counts"]["error"] == 2
    # CKAN's test reset deletes the job rows: their counts go with them.
    reset_db()
    migrate_db_for("datapusherplusapi")
    assert counts.totals(model.Session) == {}


def test_the_counts_per_dataset_answer_an_organizations_and_a_formats_counts():
    one, two = factories.Organization(name="one"), factories.Organization(name="two")
    first = factories.Dataset(owner_org=one["id"], resources=[
        {"url": "http://127.0.0.1:9/a.csv", "format": "CSV"},
        {"url": "http://127.0.0.1:9/b.json", "format": "JSON"}])
    second = factories.Dataset(owner_org=two["id"], resources=[
        {"url": "http://127.0.0.1:9/c.csv", "format": "csv"}])
    seed_jobs(first["resources"], 6, "complete")  # 3 CSV, 3 JSON
    failed = seed_jobs(second["resources"], 4, "error", error="e")
    model.Session.execute(sa.update(Job).where(Job.id == failed[0]).values(status="complete"))
    model.Session.execute(sa.delete(Job).where(Job.id == failed[1]))
    model.Session.commit()

    def listed(**filters):
        """(the count read from the counts per dataset, the count of the job
        table's rows: a date filter that selects every job takes that path)."""
        call = functools.partial(helpers.call_action, "datapusher_plus_job_list",
                                 {"ignore_auth": True})
        return call(**filters)["count"], call(date_from="2000-01-01", **filters)["count"]

    assert counts.by_dataset(model.Session, "one") == {"complete": 6}
    assert counts.by_dataset(model.Session, "two", "CSV") == {"complete": 1, "error": 2}
    assert listed(organization="two") == (3, 3)
    assert listed(organization="two", status="error", format="csv") == (2, 2)
    assert listed(format="CSV", status="complete") == (4, 4)
    assert listed(status="pending") == (0, 0)
    stats = helpers.call_action("datapusher_plus_stats", {"ignore_auth": True},
                                organization="two", format="CSV")
    assert stats["total"] == 3 and stats["counts"]["error"] == 2  # (compacted on the way)
    # A dataset moved to another organization takes its jobs' counts with it.
    helpers.call_action("package_patch", id=second["id"], owner_org=one["id"])
    assert listed(organization="one") == (9, 9) and listed(organization="two") == (0, 0)
    assert counts.by_dataset(model.Session) == _truth()
