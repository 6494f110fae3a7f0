"""Columns of a file of records: their DataStore names and their types.

Names: a record's keys, made valid for the DataStore (``names``): white space
at the ends and control characters removed, ``"`` replaced by ``'``, a
leading ``_`` removed (the DataStore keeps those for itself), cut to 63 bytes
(PostgreSQL's limit), ``column_<n>`` when nothing is left, and made unique with
``_2``, ``_3`` …

Types (``Column.type``), from every value of the column, empty ones aside
(null, ""): each value is of a kind, and the column's type is

- ``int8`` when every value is an integer: a JSON integer, or text made of
  digits with an optional sign and no leading zero (``01000`` is a postcode,
  not a number), or grouped by spaces (``1 234``), within 64 bits;
- ``numeric`` when every value is a number and one is not an integer: a JSON
  number, ``12.5``, ``-3e4``, or the French notation when it is unambiguous —
  a decimal comma followed by other than three digits (``3,14``, ``1 234,5``):
  ``1,234`` might be either 1234 or 1.234, and makes the column text;
- ``bool`` when every value is a JSON boolean or the text ``true``/``false``
  (in any case);
- ``timestamp`` when every value is an ISO 8601 date or date and time
  (``2026-12-01``, ``2026-12-01T10:30:00``, ``Z`` allowed; another offset
  makes the column text, the DataStore's timestamps having no time zone);
- ``text`` otherwise (and for a column of empty values only).

A column of the existing DataStore table keeps its Data Dictionary entry
(``info``: label, description, type override) on reload; a type override
(``info.type_override``) is kept too, and every value must then fit it.
"""
from __future__ import annotations

import datetime
import json
import re
from typing import Any, Optional

from ckanext.datapusherplusapi.messages import Message
from ckanext.datapusherplusapi.records.reading import MAX_COLUMNS, UNSTORABLE, ReadError

NAME_BYTES = 63

INTEGER, NUMERIC, BOOLEAN, TIMESTAMP, TEXT = "int8", "numeric", "bool", "timestamp", "text"
# The types a value of each kind fits.
FITS = {INTEGER: {INTEGER, NUMERIC, TEXT}, NUMERIC: {NUMERIC, TEXT},
        "numeric_fr": {NUMERIC, TEXT}, BOOLEAN: {BOOLEAN, TEXT},
        TIMESTAMP: {TIMESTAMP, TEXT}, TEXT: {TEXT}}
# Type overrides of the Data Dictionary, as the DataStore names them.
OVERRIDES = {"int": INTEGER, "int4": INTEGER, "int8": INTEGER, "integer": INTEGER,
             "bigint": INTEGER, "numeric": NUMERIC, "float": NUMERIC, "float8": NUMERIC,
             "double precision": NUMERIC, "bool": BOOLEAN, "boolean": BOOLEAN,
             "timestamp": TIMESTAMP, "date": TIMESTAMP, "text": TEXT}

_INT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)\Z")
_INT_GROUPED = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:[ \u00a0\u202f][0-9]{3})+\Z")
_DECIMAL = re.compile(r"[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)\Z")
_FRENCH = re.compile(r"[+-]?(?:0|[1-9][0-9]*|[1-9][0-9]{0,2}(?:[ \u00a0\u202f][0-9]{3})+)"
                     r",(?:[0-9]{1,2}|[0-9]{4,})\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}"
                   r"(?:\.[0-9]{1,6})?)?Z?)?\Z")
_GROUPS = str.maketrans("", "", " \u00a0\u202f")
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)\Z")
MAX_EXPONENT = 1000  # PostgreSQL's numeric reaches 10^131072; a larger exponent is text
NUMERIC_DIGITS = 1000
INT8 = 1 << 63

# What Python's str.strip() removes, and the digit groups' separators, as
# SQL literals (for ``Column.cast``: the database reads values as ``kind`` did).
_SPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_SQL_SPACE = "U&'" + "".join("\\{:04X}".format(ord(c)) for c in _SPACE) + "'"
_SQL_GROUPS = "U&'\\0020\\00A0\\202F'"
# COPY's text format: a null, and the characters a field escapes.
NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# Dates already read as valid ISO 8601 (a column's dates repeat).
_VALID_DATES: dict[str, bool] = {}
_SHORT_DECIMAL = re.compile(r"[+-]?(?:0|[1-9][0-9]{0,15})\.[0-9]{1,14}\Z")


def _valid_date(text: str) -> bool:
    known = _VALID_DATES.get(text)
    if known is None:
        try:
            datetime.datetime.fromisoformat(text.rstrip("Z"))
            known = True
        except ValueError:
            known = False
        if len(_VALID_DATES) > 10_000:
            _VALID_DATES.clear()
        _VALID_DATES[text] = known
    return known


# For a value of text: whether it is surely of the kind named, as ``kind``
# would say, in fewer steps (used on a column's values while they keep the
# kind of the previous one; any doubt goes to ``kind``).
_QUICK = {
    "int8": lambda text: len(text) <= 18 and _INT.match(text) is not None,
    "numeric": lambda text: _SHORT_DECIMAL.match(text) is not None,
    "numeric_fr": lambda text: _FRENCH.match(text) is not None,
    "timestamp": lambda text: _DATE.match(text) is not None and _valid_date(text),
}


def kind(value: Any) -> Optional[str]:
    """The kind of one value (see the module's docstring); None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER if -INT8 <= value < INT8 else NUMERIC
    if isinstance(value, float):
        return NUMERIC if value == value and value not in (float("inf"), float("-inf")) \
            else TEXT
    text = str(value).strip()
    if not text:
        return None
    if _INT.match(text) or _INT_GROUPED.match(text):
        digits = text.translate(_GROUPS)
        if len(digits) > 20:  # beyond 64 bits (and never int() on thousands of digits)
            return NUMERIC if len(digits) <= NUMERIC_DIGITS else TEXT
        return INTEGER if -INT8 <= int(digits) < INT8 else NUMERIC
    if _DECIMAL.match(text):
        exponent = _EXPONENT.search(text)
        if (exponent and abs(int(exponent.group(1))) > MAX_EXPONENT) or \
                len(text) > NUMERIC_DIGITS:
            return TEXT  # beyond what PostgreSQL's numeric holds
        return NUMERIC
    if _FRENCH.match(text):
        return "numeric_fr"
    if text.lower() in ("true", "false"):
        return BOOLEAN
    if _DATE.match(text):
        return TIMESTAMP if _valid_date(text) else TEXT
    return TEXT


class Column:
    """One column: its key in the records, its DataStore name, the kinds of
    its values (with where the first of each is) and its type."""

    __slots__ = ("key", "name", "index", "kinds", "override", "override_type", "info",
                 "settled", "last")

    def __init__(self, key: str, name: str, index: int = 0):
        self.key = key
        self.name = name
        self.index = index  # its place in the file's columns, from 0
        self.kinds: dict[str, tuple[Any, Any]] = {}  # kind → (where, value) of its first
        self.override: Optional[str] = None  # the kind of type the Data Dictionary sets
        self.override_type: Optional[str] = None  # and that type, as it names it
        self.info: Optional[dict[str, Any]] = None
        # No value can change the column's type any more (text without an
        # override, or a value that breaks its override already seen).
        self.settled = False
        self.last: Optional[str] = None  # the kind of the last value seen

    def see(self, value: Any, where: Any) -> None:
        if self.settled:
            return
        if type(value) is str and self.last is not None:
            quick = _QUICK.get(self.last)
            if quick is not None and quick(value):
                return  # of the same kind as the last value: nothing new
        found = kind(value)
        self.last = found
        if found is not None and found not in self.kinds:
            self.kinds[found] = (where, value)
            if self.override is None:
                self.settled = found == TEXT
            else:
                self.settled = self.override not in FITS[found]

    def keep(self, info: Optional[dict[str, Any]]) -> None:
        """The Data Dictionary entry of the existing table's column of the
        same name (label, description, type override)."""
        self.info = info or None
        override = str((info or {}).get("type_override") or "").strip().lower()
        self.override = OVERRIDES.get(override)
        self.override_type = override if self.override else None

    @property
    def inferred(self) -> str:
        kinds = set(self.kinds)
        if not kinds:
            return TEXT
        for candidate in (INTEGER, NUMERIC, BOOLEAN, TIMESTAMP):
            if all(candidate in FITS[k] for k in kinds):
                return candidate
        return TEXT

    @property
    def type(self) -> str:
        """The DataStore type of the column."""
        return self.override_type or self.inferred

    def misfit(self) -> Optional[Message]:
        """Why the column's values do not fit its type override, if so."""
        if not self.override:
            return None
        for found, (where, value) in self.kinds.items():
            if self.override not in FITS[found]:
                return Message(
                    "Column {column} is of type {type} in the Data Dictionary, but the record at "
                    "line {line}, column {position} holds {value}", {
                        "column": self.name, "type": self.override_type, "line": where["line"],
                        "position": where["column"], "value": json.dumps(value)[:100]})
        return None

    def cast(self, text: str) -> str:
        """SQL turning this column's text as written by ``copy_field`` (``text``,
        an expression) into a value of its type: the same reading as ``kind``."""
        kind_of = self.override or self.inferred
        if kind_of == TEXT:
            return text
        value = "NULLIF(btrim({}, {}), '')".format(text, _SQL_SPACE)
        if kind_of in (INTEGER, NUMERIC):
            value = "translate({}, {}, '')".format(value, _SQL_GROUPS)
            if kind_of == NUMERIC:
                value = "replace({}, ',', '.')".format(value)
        elif kind_of == TIMESTAMP:
            value = "rtrim({}, 'Z')".format(value)
        return "CAST({} AS {})".format(value, self.type)

    def full_text(self, value: str) -> str:
        """SQL writing this column's typed ``value`` as the DataStore's
        full-text trigger reads it (``json_each_text(row_to_json(row))``)."""
        kind_of = self.override or self.inferred
        if kind_of == TEXT and self.type == TEXT:
            return value
        if kind_of in (INTEGER, NUMERIC, BOOLEAN) and self.type in (INTEGER, NUMERIC, BOOLEAN):
            return "{}::text".format(value)
        return "to_json({}) #>> '{{}}'".format(value)


def valid_name(key: str) -> str:
    """A record's key as a DataStore column name (not yet unique)."""
    name = "".join(char for char in key if char.isprintable()).strip().replace('"', "'")
    name = name.lstrip("_").strip()
    encoded = name.encode("utf-8")[:NAME_BYTES]
    return encoded.decode("utf-8", errors="ignore").strip()


def copy_field(value: Any) -> str:
    """One value of a record in COPY's text format, as written in the file:
    text as it is, a JSON number as JSON writes it, a boolean as true/false;
    ``Column.cast`` then reads it as the column's type."""
    if value is None:
        return NULL
    if type(value) is not str:
        if value is True or value is False:
            return "true" if value else "false"
        value = str(value) if type(value) is int else json.dumps(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


class Columns:
    """The columns of a file, in the order their keys first appear; a
    column named as one of the existing table's keeps its Data Dictionary
    entry (``existing``: the DataStore's fields, with their ``info``)."""

    def __init__(self, existing: Optional[list[dict[str, Any]]] = None) -> None:
        self.by_key: dict[str, Column] = {}
        self.names: set[str] = set()
        self.width = 0  # the fields of the last line copy_line wrote
        self.existing = {field.get("id"): field.get("info") or None
                         for field in existing or []}

    def _add(self, key: str, where: Any) -> Column:
        if len(self.by_key) >= MAX_COLUMNS:
            raise ReadError(Message(
                "The file has more than {count} columns, the most a DataStore table "
                "holds (the record at line {line}, column {column})",
                {"count": MAX_COLUMNS, **where}), kind="invalid_file")
        column = self.by_key[key] = Column(key, self.unique(valid_name(key)), len(self.by_key))
        if column.name in self.existing:
            column.keep(self.existing[column.name])
        return column

    def see(self, record: dict[str, Any], where: Any) -> None:
        """Learn from one record; ``ReadError`` when the DataStore could not
        store it (NUL, invalid Unicode, too many columns)."""
        self.copy_line(record, where)

    def copy_line(self, record: dict[str, Any], where: Any) -> str:
        """Learn from one record (as ``see``) and write it as a line of
        COPY's text format, its values in the columns' order (a column first
        seen later is added at the end: the line then has fewer fields than
        the columns, ``width`` says how many, and the caller completes it)."""
        by_key = self.by_key
        fields = [NULL] * len(by_key)
        for key, value in record.items():
            column = by_key.get(key)
            if column is None:
                column = self._add(key, where)
                fields.append(NULL)
            if not column.settled:
                column.see(value, where)
            if type(value) is str:
                if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
                    value = value.translate(_ESCAPES)
                fields[column.index] = value
            elif value is not None:
                fields[column.index] = copy_field(value)
        self.width = len(fields)
        line = "\t".join(fields)
        if UNSTORABLE.search(line):
            for key, value in record.items():
                if type(value) is str and UNSTORABLE.search(value):
                    raise ReadError(Message(
                        "The record at line {line}, column {column} holds a NUL character or "
                        "invalid Unicode in {name}, which the DataStore cannot store",
                        {"name": by_key[key].name, **where}), kind="invalid_file")
        return line

    def unique(self, name: str) -> str:
        base = name or "column_{}".format(len(self.by_key) + 1)
        name, n = base, 1
        while name.lower() in self.names or name.lower() in ("_id", "_full_text"):
            n += 1
            suffix = "_{}".format(n)
            name = base.encode("utf-8")[:NAME_BYTES - len(suffix)].decode(
                "utf-8", errors="ignore") + suffix
        self.names.add(name.lower())
        return name

    def __iter__(self) -> Any:
        return iter(self.by_key.values())

    def __len__(self) -> int:
        return len(self.by_key)
