"""The records benchmark's files: the same rows as JSON Lines, a JSON array,
XML, CSV, and PostgreSQL COPY text (typed as the loader types them).

Each record has five keys, one of them a nested object, which the loader
flattens into six columns: ``id`` (an integer), ``commune`` (text with an
accent), ``valeur`` (a French decimal), ``date`` (a date), ``lieu/code``
(a zero-padded postcode: text) and ``lieu/actif`` (a boolean). ``town`` is
the value of ``commune`` in every row: a reload's file differs from the
first by it.
"""
from __future__ import annotations

from typing import Callable, TextIO

TOWN = "Saint-Étienne"
OTHER_TOWN = "Saint-Malo"
# The six columns as the loader names and types them (the ceiling's table).
COLUMNS = (("id", "int8"), ("commune", "text"), ("valeur", "numeric"), ("date", "timestamp"),
           ("lieu/code", "text"), ("lieu/actif", "bool"))


def _rows(out: TextIO, count: int, line: str, town: str, true: str, false: str) -> None:
    """``line`` % (id, town, id, day, postcode, actif) for each row."""
    write = out.write
    for i in range(count):
        write(line % (i, town, i, i % 28 + 1, i % 99999, true if i % 2 == 0 else false))


def jsonl(path: str, count: int, town: str = TOWN) -> None:
    with open(path, "w", encoding="utf-8") as out:
        _rows(out, count, '{"id": %d, "commune": "%s", "valeur": "%d,25", "date": '
              '"2026-11-%02d", "lieu": {"code": "%05d", "actif": %s}}\n', town, "true", "false")


def json_array(path: str, count: int, town: str = TOWN) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("[\n")
        _rows(out, count - 1, '{"id": %d, "commune": "%s", "valeur": "%d,25", "date": '
              '"2026-11-%02d", "lieu": {"code": "%05d", "actif": %s}},\n', town, "true",
              "false")
        last = count - 1
        out.write('{"id": %d, "commune": "%s", "valeur": "%d,25", "date": "2026-11-%02d", '
                  '"lieu": {"code": "%05d", "actif": %s}}\n]\n' % (
                      last, town, last, last % 28 + 1, last % 99999,
                      "true" if last % 2 == 0 else "false"))


def xml(path: str, count: int, town: str = TOWN) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<lignes>\n')
        _rows(out, count, "<ligne><id>%d</id><commune>%s</commune><valeur>%d,25</valeur>"
              "<date>2026-11-%02d</date><lieu><code>%05d</code><actif>%s</actif></lieu>"
              "</ligne>\n", town, "true", "false")
        out.write("</lignes>\n")


def csv(path: str, count: int, town: str = TOWN) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("id,commune,valeur,date,lieu/code,lieu/actif\r\n")
        _rows(out, count, '%d,%s,"%d,25",2026-11-%02d,%05d,%s\r\n', town, "true", "false")


def copy_text(path: str, count: int, town: str = TOWN) -> None:
    """PostgreSQL COPY's text format, each value as the loader converts it."""
    with open(path, "w", encoding="utf-8") as out:
        _rows(out, count, "%d\t%s\t%d.25\t2026-11-%02d\t%05d\t%s\n", town, "t", "f")


WRITERS: dict[str, Callable[[str, int], None]] = {
    "JSONL": jsonl, "JSON": json_array, "XML": xml, "CSV": csv}
