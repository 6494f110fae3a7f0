"""The trigger-kept job counts agree with the job table, compacted or not."""
from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.tests import helpers

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
