"""CSV and TSV read by the built-in loader's reader (no CKAN, no database):
encodings, delimiters, quoting, line numbers, what is an error, memory; and
how ``columns`` types what it reads."""
from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from ckanext.datapusherplusapi.records import columns as cols
from ckanext.datapusherplusapi.records import reading

pytestmark = pytest.mark.once


def write(tmp_path: Path, content: bytes, name: str = "file.csv") -> str:
    source = tmp_path / name
    source.write_bytes(content)
    return str(source)


def rows(tmp_path: Path, content: bytes, fmt: str = "CSV") -> list[tuple[int, dict[str, Any]]]:
    """(the line each record starts on, the record)."""
    path = write(tmp_path, content)
    return [(where["line"], record) for where, record in reading.records(path, fmt)]


def refused(tmp_path: Path, content: bytes, fmt: str = "CSV") -> reading.ReadError:
    with pytest.raises(reading.ReadError) as caught:
        rows(tmp_path, content, fmt)
    return caught.value


@pytest.mark.parametrize("content, encoding", [
    ("ville,prix\nSète,3 €\nŒuvre,5\n".encode("utf-8"), "UTF-8"),
    ("ville,prix\nSète,3 €\nŒuvre,5\n".encode("utf-8-sig"), "UTF-8 with BOM"),
    ("ville,prix\nSète,3 €\nŒuvre,5\n".encode("cp1252"), "Windows-1252"),
    ("ville,prix\r\nSète,3 €\r\nŒuvre,5\r\n".encode("utf-16"), "UTF-16"),
])
def test_the_encoding_is_told_from_the_bytes(tmp_path, content, encoding):
    path = write(tmp_path, content)
    assert reading.dialect(path, "CSV") == {"encoding": encoding, "delimiter": ","}
    # (the BOM is not part of the first column's name)
    assert [record for _where, record in reading.records(path, "CSV")] == [
        {"ville": "Sète", "prix": "3 €"}, {"ville": "Œuvre", "prix": "5"}]


def test_windows_1252_after_the_first_block_of_a_utf8_file_is_read_as_such(tmp_path):
    """The first ``BLOCK`` bytes are ASCII (UTF-8), then é, € and œ come in
    Windows-1252: read as those letters, not refused."""
    filler = b"".join(b"ligne %d,x\n" % n for n in range(reading.BLOCK // 10))
    content = b"nom,valeur\n" + filler + "café,€ œuvre\n".encode("cp1252")
    path = write(tmp_path, content)
    assert reading.dialect(path, "CSV")["encoding"] == "UTF-8"
    last = list(reading.records(path, "CSV"))[-1]
    assert last == ({"line": filler.count(b"\n") + 2, "column": 1},
                    {"nom": "café", "valeur": "€ œuvre"})


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path, delimiter):
    # French decimals hold commas: a ";" file must not be read as ","
    lines = [["commune", "code postal", "surface"], ["Bourg-en-Bresse", "01000", "23,86"],
             ["Nantua", "01130", "10,3"]]
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(lines)
    content = text.getvalue().encode("utf-8")
    path = write(tmp_path, content)
    assert reading.dialect(path, "CSV") == {"encoding": "UTF-8", "delimiter": delimiter}
    assert [record for _line, record in rows(tmp_path, content)] == [
        dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_a_comma_in_every_row_of_a_semicolon_file_does_not_make_it_a_comma_file(tmp_path):
    content = "nom;prix (€, TTC)\nPain;1,20\nCafé;2,50\n".encode("utf-8")
    assert reading.dialect(write(tmp_path, content), "CSV")["delimiter"] == ";"
    assert rows(tmp_path, content)[0] == (2, {"nom": "Pain", "prix (€, TTC)": "1,20"})


def test_a_tsv_is_split_on_tabs_only(tmp_path):
    content = b"a,b\tc;d\n1,5\t2;5\n"
    path = write(tmp_path, content, "file.tsv")
    assert reading.dialect(path, "TSV") == {"encoding": "UTF-8", "delimiter": "\t"}
    assert rows(tmp_path, content, "TSV") == [(2, {"a,b": "1,5", "c;d": "2;5"})]


def test_quoted_fields_blank_lines_and_empty_fields(tmp_path):
    content = (b'nom;adresse;note\r\n'
               b'"Dupont; Jean";"12 rue de la Paix\r\nParis";\r\n'  # lines 2-3
               b'\r\n'                                               # 4: skipped
               b'Martin;"dit ""le grand""";""\r\n'                   # 5
               b'   \r\n'                                            # 6: skipped
               b'Durand;;4\r\n')                                     # 7
    assert rows(tmp_path, content) == [
        (2, {"nom": "Dupont; Jean", "adresse": "12 rue de la Paix\r\nParis", "note": None}),
        (5, {"nom": "Martin", "adresse": 'dit "le grand"', "note": None}),
        (7, {"nom": "Durand", "adresse": None, "note": "4"})]


def test_repeated_and_empty_header_names_stay_distinct(tmp_path):
    assert rows(tmp_path, b"a,a,,,b\n1,2,3,4,5\n") == [
        (2, {"a": "1", "a_2": "2", "": "3", "column_4": "4", "b": "5"})]
    found = cols.Columns()
    for where, record in reading.records(write(tmp_path, b"a,a,,,b\n1,2,3,4,5\n"), "CSV"):
        found.see(record, where)
    assert [column.name for column in found] == ["a", "a_2", "column_3", "column_4", "b"]


@pytest.mark.parametrize("content, kind, words", [
    (b"a,b,c,d\n1,2,3,4\n\n1,2,3,4,5\n", "invalid_file",
     "Line 4 has 5 values, the header has 4 columns"),
    (b'a,b,c,d\n1,"two\nlines",3,4\n1,2,3\n', "invalid_file",
     "Line 4 has 3 values, the header has 4 columns"),
    (b'a,b\n1,2\n3,"open\n4,5\n', "invalid_file",
     "A quoted field that starts on line 3 is never closed (the file ends inside it)"),
    (b'a,b\n1,2\n"3" x,4\n', "invalid_file",
     "Line 3: a closing quote is followed by other characters than the delimiter"),
    (b"a,b\n1,2\n3,\x004\n", "invalid_file", "Line 3 holds a NUL character: is the file text?"),
    (b"", "no_records", "The file is empty"),
    (b"\n\r\n  \n", "no_records", "The file is empty"),
])
def test_a_broken_file_says_what_and_where(tmp_path, content, kind, words):
    error = refused(tmp_path, content)
    assert error.kind == kind
    assert error.message.render() == words


def test_an_unclosed_quote_in_a_large_file_stops_at_the_field_limit(tmp_path):
    content = b'a,b\n1,"never closed\n' + b"x,y\n" * 100_000
    error = refused(tmp_path, content)
    assert error.message.render().startswith("A field of line 2 is longer than")


def test_a_header_only_file_has_no_records(tmp_path):
    assert rows(tmp_path, b"a;b;c\r\n") == []


def test_a_header_over_the_datastores_columns_is_the_json_error(tmp_path):
    header = ",".join("c{}".format(n) for n in range(reading.MAX_COLUMNS + 1))
    values = ",".join("1" for _n in range(reading.MAX_COLUMNS + 1))
    path = write(tmp_path, "{}\n{}\n".format(header, values).encode())
    found = cols.Columns()
    with pytest.raises(reading.ReadError) as caught:
        for where, record in reading.records(path, "CSV"):
            found.see(record, where)
    assert caught.value.message.render() == (
        "The file has more than 1598 columns, the most a DataStore table holds "
        "(the record at line 2, column 1)")


def test_values_stay_text_and_columns_types_them(tmp_path):
    content = ("code postal;surface;date;commune\n"
               "01000;3,14;2026-12-01;Bourg\n"
               "69001;12,5;2026-11-30;Lyon\n").encode("cp1252")
    path = write(tmp_path, content)
    found = cols.Columns()
    records = list(reading.records(path, "CSV"))
    assert records[0][1] == {"code postal": "01000", "surface": "3,14", "date": "2026-12-01",
                             "commune": "Bourg"}
    for where, record in records:
        found.see(record, where)
    assert {column.name: column.type for column in found} == {
        "code postal": "text", "surface": "numeric", "date": "timestamp", "commune": "text"}


def test_reading_holds_one_row_at_a_time(tmp_path):
    """100,000 rows (about 6 MB): what reading holds at its peak (Python's
    allocations, tracemalloc) stays under 1 MB, and every row is read."""
    path = tmp_path / "large.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("id;commune;surface;note\n")
        for n in range(100_000):
            out.write('{};"Commune n° {}";{},5;"une note\n sur deux lignes"\n'.format(n, n, n))
    assert path.stat().st_size > 6_000_000
    tracemalloc.start()
    try:
        count, last = 0, None
        for where, _record in reading.records(str(path), "CSV"):
            count += 1
            last = where
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert last == {"line": 2 * 99_999 + 2, "column": 1}
    assert peak < 1_000_000, peak
