"""The ceiling of a load into the DataStore: the same rows copied straight
into a bare table with PostgreSQL's ``COPY`` through the DataStore's write
URL (psycopg2's ``copy_expert``), then the full-text column computed exactly
as CKAN's DataStore trigger computes it, in one ``UPDATE``.

The table holds the six typed columns the loader makes of the records
(``records_files.COLUMNS``), ``_id serial`` and ``_full_text tsvector``, no
index and no trigger: what no loader of these rows can beat.
"""
from __future__ import annotations

import time

import psycopg2
from records_files import COLUMNS

import ckan.plugins.toolkit as tk

TABLE = "dpp_bench_ceiling"
# CKAN's DataStore trigger (ckanext/datastore/backend/postgres.py), on every row.
FULL_TEXT = ("UPDATE {0} SET _full_text = (SELECT to_tsvector(string_agg(value, ' ')) "
             "FROM json_each_text(row_to_json({0}.*)) WHERE key NOT LIKE '\\_%')")


def _name(column: str) -> str:
    return '"{}"'.format(column.replace('"', '""'))


def ceiling(copy_path: str, count: int) -> dict[str, float]:
    """Seconds of the COPY, of the full-text UPDATE, and of both; the rows
    counted in the table after them. The table is dropped afterwards."""
    connection = psycopg2.connect(tk.config["ckan.datastore.write_url"])
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS {}".format(TABLE))
            cursor.execute("CREATE TABLE {} (_id serial, _full_text tsvector, {})".format(
                TABLE, ", ".join("{} {}".format(_name(name), kind) for name, kind in COLUMNS)))
        started = time.monotonic()
        with connection, connection.cursor() as cursor, \
                open(copy_path, encoding="utf-8") as data:
            cursor.copy_expert("COPY {} ({}) FROM STDIN".format(
                TABLE, ", ".join(_name(name) for name, _kind in COLUMNS)), data)
        copied = time.monotonic()
        with connection, connection.cursor() as cursor:
            cursor.execute(FULL_TEXT.format(TABLE))
        finished = time.monotonic()
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(_full_text) FROM {}".format(TABLE))
            rows, indexed = cursor.fetchone()
            cursor.execute("DROP TABLE {}".format(TABLE))
    finally:
        connection.close()
    if rows != count or indexed != count:
        raise SystemExit("the ceiling's table holds {} rows ({} with their full text), not {}"
                         .format(rows, indexed, count))
    return {"copy": copied - started, "full_text": finished - copied,
            "seconds": finished - started}
