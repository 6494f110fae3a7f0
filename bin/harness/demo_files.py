"""Demo data of the dev portal (`make dev`).

    python demo_files.py write FOLDER                  CSV, XLSX and JSON sample files
    python demo_files.py seed CKAN_URL TOKEN FILES_URL  demo organization + dataset (idempotent)
"""
from __future__ import annotations

import json
import os
import sys
import zipfile
from xml.sax.saxutils import escape

import requests

ROWS = [
    ("city", "region", "population", "area_km2"),
    ("Casablanca", "Casablanca-Settat", 3218036, 220),
    ("Rabat", "Rabat-Salé-Kénitra", 577827, 118),
    ("Fès", "Fès-Meknès", 1112072, 320),
    ("Tunis", "Tunis", 638845, 212),
    ("Alger", "Alger", 2988145, 363),
]


def _xlsx(path: str) -> None:
    """A minimal, valid XLSX workbook (one sheet, inline strings)."""
    def cell(ref: str, value: object) -> str:
        if isinstance(value, (int, float)):
            return '<c r="{}"><v>{}</v></c>'.format(ref, value)
        return '<c r="{}" t="inlineStr"><is><t>{}</t></is></c>'.format(ref, escape(str(value)))

    rows = "".join(
        '<row r="{}">{}</row>'.format(i + 1, "".join(
            cell("{}{}".format("ABCD"[j], i + 1), v) for j, v in enumerate(row)))
        for i, row in enumerate(ROWS))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="cities" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData>' + rows + '</sheetData></worksheet>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


def write(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "cities.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(",".join(str(v) for v in row) for row in ROWS) + "\n")
    _xlsx(os.path.join(folder, "cities.xlsx"))
    with open(os.path.join(folder, "cities.json"), "w", encoding="utf-8") as f:
        json.dump([dict(zip(ROWS[0], row)) for row in ROWS[1:]], f, ensure_ascii=False)


def _action(ckan: str, token: str, action: str, **data: object) -> dict:
    response = requests.post("{}/api/3/action/{}".format(ckan, action), json=data,
                             headers={"Authorization": token}, timeout=60)
    body = response.json()
    if not body.get("success"):
        raise RuntimeError("{} failed: {}".format(action, body.get("error")))
    return body["result"]


def seed(ckan: str, token: str, files: str) -> None:
    try:
        dataset = _action(ckan, token, "package_show", id="demo-cities")
    except RuntimeError:
        try:
            _action(ckan, token, "organization_show", id="demo-ministry")
        except RuntimeError:
            _action(ckan, token, "organization_create", name="demo-ministry",
                    title="Ministère de la Démo")
        dataset = _action(ckan, token, "package_create", name="demo-cities",
                          title="Villes — population (démo)", owner_org="demo-ministry",
                          notes="Jeu de données de démonstration de ckanext-datapusherplusapi.",
                          resources=[
                              {"name": "Villes (CSV)", "format": "CSV",
                               "url": files + "/cities.csv"},
                              {"name": "Villes (XLSX)", "format": "XLSX",
                               "url": files + "/cities.xlsx"},
                              {"name": "Villes (JSON)", "format": "JSON",
                               "url": files + "/cities.json"},
                          ])
    _action(ckan, token, "organization_member_create", id="demo-ministry", username="editor",
            role="editor")
    print("\n  Demo dataset: {}/dataset/{}".format(ckan, dataset["name"]))
    for resource in dataset["resources"]:
        print("    {:<14} {:<5} resource_id = {}".format(
            resource["name"], resource["format"], resource["id"]))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "seed":
        seed(*sys.argv[2:])
    else:
        sys.exit(__doc__)
