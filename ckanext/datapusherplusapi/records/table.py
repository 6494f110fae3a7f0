"""A DataStore table written beside the live one, then put in its place at
once: a reload without downtime, and nothing lost when it fails.

``NewTable`` works through the DataStore's write connection (CKAN's
``ckan.datastore.write_url``), in this order:

1. ``copy``: the file's records, as COPY's text format (``Columns.copy_line``),
   into a temporary table of text columns, one COPY per chunk of lines; a
   thread of its own sends each chunk's statements while the caller reads the
   next chunk, and types the chunk into the new table, named
   ``_dpp_<resource id>_<job id's first 8>``, laid out as the DataStore lays
   one out (``_id`` serial primary key, ``_full_text`` tsvector, the columns
   with their types as known so far): the values typed by ``Column.cast``,
   ``_full_text`` computed in bulk exactly as the DataStore's trigger computes
   it row by row;
2. ``build``: the new table complete (typed again from the temporary table if
   a column's type changed after its first rows were typed), then COMMITTED:
   from here other connections see it;
3. ``indexes``: the full-text index and the per-column ones CKAN's options
   ask for, and the live table's other indexes (a ``primary_key`` or
   ``indexes`` given to ``datastore_create``), built on ``INDEX_CONNECTIONS``
   connections at once, after the data is in;
4. ``finish`` and ``swap``, in one more transaction: the DataStore's
   full-text trigger and the live table's other triggers, its Data Dictionary
   (the column comments, as they are, for the columns the new table has), its
   grants and the read-only user's right to read; then the live table locked,
   its aliases (views) and itself dropped, the new one renamed to the
   resource's id (its sequence, key and indexes renamed as CKAN names them),
   the aliases made again, and COMMIT.

Until that last commit, readers of the DataStore see the previous table,
whole; after it, the new one.  A failure or a cancel at any step rolls back
what is open and drops the new table; the live table, its Data Dictionary,
aliases and views stay as they were.  A worker killed after step 2 leaves the
new table behind (never the live one changed): the next load of the resource
removes it, and ``leftovers``/``drop_leftovers`` (the dashboard's health, the
``ckan datapusherplusapi leftovers`` command) find and remove any.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.model.job import ACTIVE, Job
from ckanext.datapusherplusapi.records.columns import NULL, Columns
from ckanext.datastore.backend import postgres as datastore_postgres
from ckanext.datastore.helpers import should_fts_index_field_type

log = logging.getLogger(__name__)

PREFIX = "_dpp_"  # new tables: _dpp_<resource id>_<job id's first 8 characters>
# The swap waits for the queries reading the live table to end: it asks for
# its lock LOCK_TRIES times, LOCK_WAIT seconds each (readers that come while
# it asks wait that long at most), LOCK_PAUSE seconds apart (they go on).
LOCK_WAIT = 0.2
LOCK_PAUSE = 1.0
LOCK_TRIES = 300
# Indexes built at once, each on a connection of its own (this process's thread
# for the chunks' statements runs one).  CKAN 2.11's defaults give a table with
# two text columns three GiST indexes; on two cores, 1,000,000 rows: 24.7 s
# three at once, 30.8 s two at once (PostgreSQL builds a GiST index on one core).
INDEX_CONNECTIONS = 3
# While the file is read, the reading thread holds the interpreter; the thread
# sending the chunks' statements asks for it back each time a statement ends,
# and waits up to the interpreter's switch interval (5 ms by default), the
# database idle meanwhile.  1 ms during a load: 1,000,000 records read and
# typed in 15.4 s instead of 20.4 s on two cores.
SWITCH_INTERVAL = 0.001
TEMPORARY = "dpp_rows"  # every record's text, for a build that types them all again
CHUNK = "dpp_chunk"  # the records of the chunk being typed


class TableError(Exception):
    """The new table could not be put in place: ``message`` says why."""

    def __init__(self, message: Message):
        super().__init__(message.render())
        self.message = message


# Quoting as the DataStore quotes: the index names computed from these
# strings are then the ones CKAN computes.
identifier = datastore_postgres.identifier
literal = datastore_postgres.literal_string


def new_name(resource_id: str, job_id: str) -> str:
    return "{}{}_{}".format(PREFIX, resource_id, job_id.replace("-", "")[:8])


def index_name(table: str, expression: str) -> str:
    """The name CKAN's DataStore gives an index of ``table`` on ``expression``."""
    return hashlib.sha1((table + expression).encode("utf-8")).hexdigest()


def _engine() -> Any:
    return datastore_postgres.get_write_engine()


class NewTable:
    """The new table of one load (see the module's docstring).  Use as a
    context manager: leaving it without ``swap`` rolls everything back."""

    def __init__(self, resource_id: str, job_id: str):
        self.resource_id = resource_id
        self.name = new_name(resource_id, job_id)
        self.connection: Any = None
        self.cursor: Any = None
        self.copied = 0
        self.width = 0  # columns of the temporary table
        self.renames: list[tuple[str, str]] = []  # index made → name it takes at the swap
        # The database works on one chunk while the next one is read: one
        # thread of its own sends it the chunks' statements, in order.
        self.worker = ThreadPoolExecutor(max_workers=INDEX_CONNECTIONS - 1,
                                         thread_name_prefix="dpp-copy")
        self.switch_interval = sys.getswitchinterval()
        self.pending: Optional[Future[None]] = None
        # The columns (name, type, cast, full-text) the rows typed so far were
        # typed with; None before the new table exists.  A column whose type
        # changes after its rows were typed makes the new table ``stale``:
        # ``build`` types every row again, from the temporary table.
        self.typed: Optional[list[tuple[str, str, str, str]]] = None
        self.stale = False
        self.committed = self.swapped = False

    # ------------------------------------------------------------ set up ---
    def __enter__(self) -> "NewTable":
        sys.setswitchinterval(min(SWITCH_INTERVAL, self.switch_interval))
        self.connection = _engine().raw_connection()
        self.cursor = self.connection.cursor()
        # A table left by a load of this resource that died (see leftovers).
        for name in self._leftovers_of_resource():
            self.cursor.execute("DROP TABLE IF EXISTS {}".format(identifier(name)))
        for temporary in (TEMPORARY, CHUNK):
            self.cursor.execute("CREATE TEMPORARY TABLE {} (_n bigint) ON COMMIT DROP".format(
                temporary))
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.worker.shutdown(wait=True)  # its statement ends before the rollback
        sys.setswitchinterval(self.switch_interval)
        try:
            if self.connection is not None:
                self.connection.rollback()  # nothing to undo after a swap
        except Exception:  # a dead connection: PostgreSQL rolled it back itself
            log.info("DataPusher+: the DataStore connection of %s was already gone", self.name)
        finally:
            if self.connection is not None:
                self.connection.close()
        if self.committed and not self.swapped:
            try:
                with _engine().begin() as conn:
                    conn.execute(sa.text("DROP TABLE IF EXISTS {}".format(
                        identifier(self.name))))
            except Exception:  # the database is gone: the next load, or leftovers, will
                log.exception("DataPusher+: could not remove %s", self.name)

    def _leftovers_of_resource(self) -> list[str]:
        self.cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s",
            (_like(PREFIX + self.resource_id + "_"),))
        return [row[0] for row in self.cursor.fetchall()]

    # -------------------------------------------------------------- copy ---
    def _wait(self) -> None:
        """The statements sent so far are done (their error raised here)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def copy(self, lines: list[tuple[str, int]], columns: Columns) -> None:
        """Lines of COPY's text format (each with its number of fields) into
        the temporary table, and typed into the new table with the columns'
        types as known now; the database does it while the caller reads on."""
        self._wait()
        width = len(columns)
        parts = []
        for number, (line, fields) in enumerate(lines, self.copied + 1):
            pad = ("\t" + NULL) * (width - fields) if fields < width else ""
            parts.append("{}\t{}{}\n".format(number, line, pad))
        data = "".join(parts).encode("utf-8")
        self.copied += len(lines)
        signature = None if self.stale else _signature(columns)
        self.pending = self.worker.submit(self._copy_and_type, data, width, signature)

    def _copy_and_type(self, data: bytes, width: int,
                       signature: Optional[list[tuple[str, str, str, str]]]) -> None:
        while self.width < width:
            for temporary in (TEMPORARY, CHUNK):
                self.cursor.execute("ALTER TABLE {} ADD COLUMN c{} text".format(
                    temporary, self.width))
            self.width += 1
        # (the chunk typed from a table of its own: typing it from the table of
        # every record would read that whole table again for each chunk)
        self.cursor.copy_expert("COPY {} FROM STDIN".format(CHUNK), io.BytesIO(data))
        self.cursor.execute("INSERT INTO {} SELECT * FROM {}".format(TEMPORARY, CHUNK))
        self._type_chunk(signature)
        self.cursor.execute("TRUNCATE {}".format(CHUNK))

    def _type_chunk(self, signature: Optional[list[tuple[str, str, str, str]]]) -> None:
        if signature is None:
            return
        typed = self.typed
        if typed is None:
            self._create(signature)
            typed = signature
        elif signature[:len(typed)] != typed:
            self.stale = True  # a column's type changed: build types every row again
            return
        for name, kind, _cast, _text in signature[len(typed):]:
            self.cursor.execute("ALTER TABLE {} ADD COLUMN {} {}".format(
                identifier(self.name), identifier(name), kind))
        self.typed = signature
        self._type(signature, CHUNK)

    def _create(self, signature: list[tuple[str, str, str, str]]) -> None:
        fields = ", ".join("{} {}".format(identifier(name), kind)
                           for name, kind, _cast, _text in signature)
        self.cursor.execute("CREATE TABLE {} (_id serial PRIMARY KEY, _full_text tsvector, "
                            "{})".format(identifier(self.name), fields))
        self.typed = signature

    def _type(self, signature: list[tuple[str, str, str, str]], source: str) -> None:
        """The rows of temporary table ``source`` typed into the new table,
        with their full-text column as the DataStore's trigger computes it."""
        names = ", ".join(identifier(name) for name, _kind, _cast, _text in signature)
        self.cursor.execute(
            "INSERT INTO {table} (_id, {names}, _full_text) "
            "SELECT t._n, {names_t}, to_tsvector(concat_ws(' ', {text})) "
            "FROM (SELECT _n, {typed} FROM {source}) t".format(
                table=identifier(self.name), names=names, source=source,
                names_t=", ".join("t." + identifier(name) for name, _k, _c, _t in signature),
                text=", ".join(text for _name, _kind, _cast, text in signature),
                typed=", ".join("{} AS {}".format(cast, identifier(name))
                                for name, _kind, cast, _text in signature)))

    # ------------------------------------------------------------- build ---
    def build(self, columns: Columns) -> None:
        """The new table complete: typed again from the temporary table if a
        column's type changed after its first rows were typed."""
        self._wait()
        signature = _signature(columns)
        if self.stale or self.typed != signature:
            if self.typed is not None:
                self.cursor.execute("DROP TABLE {}".format(identifier(self.name)))
            self._create(signature)
            self._type(signature, TEMPORARY)
            self.typed = signature
        self.cursor.execute("SELECT setval(pg_get_serial_sequence(%s, '_id'), %s)",
                            (identifier(self.name), max(self.copied, 1)))
        self.cursor.execute("DROP TABLE {}, {}".format(TEMPORARY, CHUNK))
        # From here the new table exists for other connections (its indexes
        # are built on several at once); until the swap, leaving removes it.
        self.connection.commit()
        self.committed = True

    # ------------------------------------------------------------ finish ---
    def indexes(self, columns: Columns) -> list[str]:
        """The full-text index, the per-column ones of CKAN's options, the
        live table's other indexes; what could not be kept, in words."""
        method = tk.config.get("ckan.datastore.default_fts_index_method") or "gist"
        language = tk.config.get("ckan.datastore.default_fts_lang") or "english"
        expressions = [identifier("_full_text")]
        for column in columns:
            if should_fts_index_field_type(column.type):
                value = identifier(column.name)
                if column.type != "text":
                    value = "cast({} AS text)".format(value)
                expressions.append("to_tsvector({}, {})".format(literal(language), value))
        statements = []
        for expression in expressions:
            made = index_name(self.name, expression)
            statements.append("CREATE INDEX {} ON {} USING {}({})".format(
                identifier(made), identifier(self.name), method, expression))
            self.renames.append((made, index_name(self.resource_id, expression)))
        lost = self._keep_other_indexes(columns, statements)
        self._in_parallel(statements)
        return lost

    def _in_parallel(self, statements: list[str]) -> None:
        """Each statement in a transaction of its own, on INDEX_CONNECTIONS
        connections at once (the largest, the full-text index, first)."""
        self.connection.commit()  # (the statement reading the live table's indexes)
        waiting = list(statements)
        failed = threading.Event()

        def run(connection: Any) -> None:
            cursor = connection.cursor()
            while not failed.is_set():
                try:
                    statement = waiting.pop(0)
                except IndexError:
                    return
                try:
                    cursor.execute(statement)
                    connection.commit()
                except Exception:
                    failed.set()
                    raise
        others = [_engine().raw_connection() for _n in range(
            min(INDEX_CONNECTIONS, len(statements)) - 1)]
        helpers = [self.worker.submit(run, other) for other in others]
        try:
            run(self.connection)
        except Exception:
            failed.set()
            raise
        finally:
            wait(helpers)  # (their connections are closed after their last statement)
            for other in others:
                other.close()
        for helper in helpers:
            helper.result()

    def _keep_other_indexes(self, columns: Columns, statements: list[str]) -> list[str]:
        lost = []
        self.cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid), array_agg(a.attname) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey) "
            "WHERE x.indrelid = to_regclass(%s) AND NOT x.indisprimary "
            "AND pg_get_indexdef(i.oid) NOT LIKE '%%to_tsvector%%' "
            "AND pg_get_indexdef(i.oid) NOT LIKE '%%_full_text%%' "
            "GROUP BY i.relname, i.oid", (identifier(self.resource_id),))
        names = {column.name for column in columns}
        for name, definition, attributes in self.cursor.fetchall():
            missing = [a for a in attributes or [] if a is not None and a not in names]
            if missing:
                lost.append("index {} (column {} is no longer in the file)".format(
                    name, ", ".join(missing)))
                continue
            made = "{}_{}".format(self.name, len(self.renames))
            statements.append(_on_table(
                definition.replace("INDEX {} ON".format(identifier(name)), "INDEX {} ON".format(
                    identifier(made)), 1).replace("INDEX {} ON".format(name), "INDEX {} ON".format(
                        identifier(made)), 1), self.resource_id, self.name))
            self.renames.append((made, name))
        return lost

    def finish(self, readers: Iterable[str]) -> None:
        """Triggers, Data Dictionary, grants (see the module's docstring)."""
        table = identifier(self.name)
        self.cursor.execute(
            "CREATE TRIGGER zfulltext BEFORE INSERT OR UPDATE ON {} "
            "FOR EACH ROW EXECUTE PROCEDURE populate_full_text_trigger()".format(table))
        live = self._live_oid()
        if live is not None:
            self.cursor.execute(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = %s AND NOT tgisinternal AND tgname <> 'zfulltext'", (live,))
            for (definition,) in self.cursor.fetchall():
                self.cursor.execute(_on_table(definition, self.resource_id, self.name))
            self.cursor.execute(
                "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
                "JOIN pg_attribute b ON b.attrelid = to_regclass(%s) AND b.attname = a.attname "
                "AND b.attnum > 0 AND NOT b.attisdropped "
                "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped "
                "AND col_description(a.attrelid, a.attnum) IS NOT NULL", (table, live))
            for column, comment in self.cursor.fetchall():
                self.cursor.execute("COMMENT ON COLUMN {}.{} IS %s".format(
                    table, identifier(column)), (comment,))
            grants = self._grants(live)
        else:
            grants = []
        for reader in readers:
            grants.append(("SELECT", identifier(reader)))
        for privilege, grantee in sorted(set(grants)):
            self.cursor.execute("GRANT {} ON {} TO {}".format(privilege, table, grantee))
        self.cursor.execute("ANALYZE {}".format(table))

    def _live_oid(self) -> Optional[int]:
        self.cursor.execute("SELECT to_regclass(%s)::oid", (identifier(self.resource_id),))
        row = self.cursor.fetchone()
        return row[0] if row else None

    def _grants(self, oid: int) -> list[tuple[str, str]]:
        """Privileges on relation ``oid`` granted to others than its owner."""
        self.cursor.execute(
            "SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
            "ELSE quote_ident(r.rolname) END FROM pg_class c, aclexplode(c.relacl) a "
            "LEFT JOIN pg_roles r ON r.oid = a.grantee "
            "WHERE c.oid = %s AND a.grantee <> c.relowner", (oid,))
        return [(privilege, grantee) for privilege, grantee in self.cursor.fetchall()]

    # -------------------------------------------------------------- swap ---
    def swap(self) -> float:
        """The new table in the live one's place, committed; the seconds the
        live table was locked (readers waited, none saw an empty table)."""
        table = identifier(self.resource_id)
        self.cursor.execute("SAVEPOINT dpp_swap")
        for attempt in range(1, LOCK_TRIES + 1):
            self.cursor.execute("SET LOCAL lock_timeout = %s", ("{}ms".format(
                int(LOCK_WAIT * 1000)),))
            try:
                locked_at = time.monotonic()
                live = self._live_oid()
                if live is not None:
                    self.cursor.execute("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE".format(table))
                break
            except Exception as e:
                if getattr(e, "pgcode", None) != "55P03":
                    raise
                self.cursor.execute("ROLLBACK TO SAVEPOINT dpp_swap")
                if attempt == LOCK_TRIES:
                    raise TableError(Message(
                        "The DataStore table stayed in use by other queries for {minutes} "
                        "minutes: the previous rows stay; push again later",
                        {"minutes": round(LOCK_TRIES * (LOCK_WAIT + LOCK_PAUSE) / 60)})) from e
                log.info("DataPusher+: %s is in use; the swap waits (%s)", table, attempt)
                time.sleep(LOCK_PAUSE)
        aliases: list[tuple[str, list[tuple[str, str]]]] = []
        if live is not None:
            self.cursor.execute(
                "SELECT DISTINCT v.oid, v.relname FROM pg_depend d "
                "JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class v ON v.oid = w.ev_class "
                "WHERE d.refobjid = %s AND v.relkind = 'v' AND v.oid <> %s", (live, live))
            for oid, alias in self.cursor.fetchall():
                aliases.append((alias, self._grants(oid)))
                self.cursor.execute("DROP VIEW {}".format(identifier(alias)))
            self.cursor.execute("DROP TABLE {}".format(table))
        self.cursor.execute("ALTER TABLE {} RENAME TO {}".format(identifier(self.name), table))
        self.cursor.execute("ALTER TABLE {} RENAME CONSTRAINT {} TO {}".format(
            table, identifier(self.name + "_pkey"), identifier(self.resource_id + "_pkey")))
        self.cursor.execute("ALTER SEQUENCE {} RENAME TO {}".format(
            identifier(self.name + "__id_seq"), identifier(self.resource_id + "__id_seq")))
        for made, final in self.renames:
            self.cursor.execute("ALTER INDEX {} RENAME TO {}".format(
                identifier(made), identifier(final)))
        # CKAN 2.12's DataStore keeps each table's row count in _table_stats
        # (datastore_search's total): the new table's, at the same instant.
        self.cursor.execute("SELECT to_regclass('_table_stats') IS NOT NULL")
        if self.cursor.fetchone()[0]:
            self.cursor.execute(
                "INSERT INTO _table_stats VALUES (%(t)s, jsonb_build_object('rows', %(n)s)) "
                "ON CONFLICT (resource_id) DO UPDATE SET stats = jsonb_set("
                "_table_stats.stats, array['rows'], to_jsonb(%(n)s::bigint))",
                {"t": self.resource_id, "n": self.copied})
        for alias, grants in aliases:
            self.cursor.execute("CREATE VIEW {} AS SELECT * FROM {}".format(
                identifier(alias), table))
            for privilege, grantee in grants:
                self.cursor.execute("GRANT {} ON {} TO {}".format(
                    privilege, identifier(alias), grantee))
        self.connection.commit()
        self.swapped = True
        return time.monotonic() - locked_at


def _signature(columns: Columns) -> list[tuple[str, str, str, str]]:
    """Each column's name, type, SQL typing its text (``c<index>`` of the
    temporary table) and SQL writing its typed value for the full text."""
    return [(column.name, column.type, column.cast("c{}".format(column.index)),
             column.full_text("t." + identifier(column.name))) for column in columns]


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


def _on_table(definition: str, old: str, new: str) -> str:
    """A CREATE INDEX or CREATE TRIGGER of table ``old`` made for ``new``."""
    return re.sub(r" ON (?:public\.)?{} ".format(re.escape(identifier(old))),
                  " ON {} ".format(identifier(new)), definition, count=1)


def readers() -> list[str]:
    """The read-only user of ``ckan.datastore.read_url``, who reads every
    DataStore table."""
    url = tk.config.get("ckan.datastore.read_url")
    if not url:
        return []
    name = sa.engine.make_url(url).username
    return [name] if name else []


def leftovers() -> list[str]:
    """The loader's new tables that no active load is writing (a worker
    killed after it built one)."""
    with _engine().connect() as conn:
        names = [row[0] for row in conn.execute(sa.text(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE :pattern "
            "ORDER BY relname"), {"pattern": _like(PREFIX)})]
    if not names:
        return names
    writing = {new_name(resource_id, job_id) for resource_id, job_id in model.Session.execute(
        sa.select(Job.resource_id, Job.id).where(Job.status.in_(ACTIVE)))}
    return [name for name in names if name not in writing]


def drop_leftovers() -> list[str]:
    """Drop the tables ``leftovers`` lists; their names."""
    names = leftovers()
    if names:
        with _engine().begin() as conn:
            for name in names:
                conn.execute(sa.text("DROP TABLE IF EXISTS {}".format(identifier(name))))
    return names
