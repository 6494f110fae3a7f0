"""Small tabular files written from rows, for the tests and the demo portal:
CSV/TSV (any encoding), XLSX and ODS (written by hand, as the formats say),
XLS (with xlwt, a test requirement)."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import escape

import xlwt

Rows = Sequence[Sequence[Any]]

CITIES: Rows = [
    ("city", "region", "population", "area_km2"),
    ("Casablanca", "Casablanca-Settat", 3218036, 220),
    ("Rabat", "Rabat-Salé-Kénitra", 577827, 118),
    ("Fès", "Fès-Meknès", 1112072, 320),
    ("Tunis", "Tunis", 638845, 212),
    ("Alger", "Alger", 2988145, 363),
]


def write_delimited(path: Path, rows: Rows = CITIES, delimiter: str = ",",
                    encoding: str = "utf-8") -> Path:
    """CSV (or TSV with ``delimiter="\\t"``) in ``encoding``."""
    text = "\n".join(delimiter.join(str(v) for v in row) for row in rows) + "\n"
    Path(path).write_bytes(text.encode(encoding))
    return Path(path)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx(path: Path, rows: Rows = CITIES) -> Path:
    """A minimal, valid XLSX workbook (one sheet, inline strings)."""
    def cell(ref: str, value: Any) -> str:
        if isinstance(value, (int, float)):
            return '<c r="{}"><v>{}</v></c>'.format(ref, value)
        return '<c r="{}" t="inlineStr"><is><t>{}</t></is></c>'.format(ref, escape(str(value)))

    body = "".join(
        '<row r="{}">{}</row>'.format(i + 1, "".join(
            cell("{}{}".format(_column(j), i + 1), v) for j, v in enumerate(row)))
        for i, row in enumerate(rows))
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="' + rel + '/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="' + rel + '">'
            '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="' + rel + '/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData>' + body + '</sheetData></worksheet>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return Path(path)


def write_ods(path: Path, rows: Rows = CITIES) -> Path:
    """A minimal, valid OpenDocument spreadsheet (one table)."""
    def cell(value: Any) -> str:
        if isinstance(value, (int, float)):
            return ('<table:table-cell office:value-type="float" office:value="{0}">'
                    '<text:p>{0}</text:p></table:table-cell>').format(value)
        return ('<table:table-cell office:value-type="string"><text:p>{}</text:p>'
                '</table:table-cell>').format(escape(str(value)))

    table = "".join("<table:table-row>{}</table:table-row>".format("".join(map(cell, row)))
                    for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="data">' + table
        + '</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as archive:
        # The media type comes first, stored uncompressed (the format says so).
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return Path(path)


def write_xls(path: Path, rows: Rows = CITIES) -> Path:
    """A legacy Excel (BIFF) workbook, written with xlwt."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("data")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    book.save(str(path))
    return Path(path)


WRITERS = {
    "CSV": lambda path, rows=CITIES: write_delimited(path, rows),
    "TSV": lambda path, rows=CITIES: write_delimited(path, rows, delimiter="\t"),
    "XLSX": write_xlsx,
    "XLS": write_xls,
    "ODS": write_ods,
}
