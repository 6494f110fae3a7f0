"""The ceiling of a load into the DataStore: the same rows copied straight
into a bare table with PostgreSQL's ``COPY`` through the DataStore's write
URL (psycopg2's ``copy_expert``), then the full-text column computed exactly
as CKAN's DataStore trigger computes it, in one ``UPDATE``.

The table holds the six typed columns the loader makes of the records
(``records_files.COLUMNS``), ``_id serial`` and ``_full_text tsvector``, no
index and no trigger: what no loader of these rows can beat.

Then, timed apart, the indexes the DataStore gives such a table (the
full-text one and one per column of the types
``ckan.datastore.default_fts_index_field_types`` names, with
``ckan.datastore.default_fts_index_method``: three GiST indexes on CKAN 2.11's
defaults), built as many at once as the loader builds them: the ceiling of a
load that ends with the table the DataStore would have made.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg2
from records_files import COLUMNS

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi.records.table import INDEX_CONNECTIONS
from ckanext.datastore.helpers import should_fts_index_field_type

TABLE = "dpp_bench_ceiling"
# CKAN's DataStore trigger (ckanext/datastore/backend/postgres.py), on every row.
FULL_TEXT = ("UPDATE {0} SET _full_text = (SELECT to_tsvector(string_agg(value, ' ')) "
             "FROM json_each_text(row_to_json({0}.*)) WHERE key NOT LIKE '\\_%')")


def _name(column: str) -> str:
    return '"{}"'.format(column.replace('"', '""'))


def indexes() -> list[str]:
    """The expressions of the indexes the DataStore gives the table."""
    language = tk.config.get("ckan.datastore.default_fts_lang") or "english"
    return ["_full_text"] + ["to_tsvector('{}', {})".format(language, _name(name))
                             for name, kind in COLUMNS if should_fts_index_field_type(kind)]


def _build(expression: str) -> float:
    """One index, on a connection of its own; its seconds."""
    method = tk.config.get("ckan.datastore.default_fts_index_method") or "gist"
    connection = psycopg2.connect(tk.config["ckan.datastore.write_url"])
    try:
        started = time.monotonic()
        with connection, connection.cursor() as cursor:
            cursor.execute("CREATE INDEX ON {} USING {}({})".format(TABLE, method, expression))
        return time.monotonic() - started
    finally:
        connection.close()


def ceiling(copy_path: str, count: int) -> dict[str, Any]:
    """Seconds of the COPY, of the full-text UPDATE, and of both; then of the
    DataStore's indexes (``indexes``: their number); the rows counted in the
    table after them. The table is dropped afterwards."""
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
        expressions = indexes()
        with ThreadPoolExecutor(INDEX_CONNECTIONS) as pool:  # as the loader builds them
            list(pool.map(_build, expressions))
        indexed_at = time.monotonic()
        # then each alone, to know what each costs (PostgreSQL builds it on one core)
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT indexrelid::regclass::text FROM pg_index "
                           "WHERE indrelid = %s::regclass", (TABLE,))
            for (index,) in cursor.fetchall():
                cursor.execute("DROP INDEX {}".format(index))
        each = [_build(expression) for expression in expressions]
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
            "seconds": finished - started, "indexes": indexed_at - finished,
            "index_count": len(expressions), "with_indexes": indexed_at - started,
            "each_index": each}
