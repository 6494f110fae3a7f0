"""Demo data of the dev portal (`make dev`).

    python demo_files.py write FOLDER                  CSV, XLSX, ODS, JSON and XML sample files
                                                       (and a broken JSON and a hostile XML)
    python demo_files.py seed CKAN_URL TOKEN FILES_URL  demo organization + dataset (idempotent),
                                                       then each file pushed through the API and
                                                       its outcome printed
"""
from __future__ import annotations

import json
import os
import sys
import time

import requests

from ckanext.datapusherplusapi.tests import tabular_files

FILES = (  # name, format, title
    ("cities.csv", "CSV", "Villes (CSV)"),
    ("cities.xlsx", "XLSX", "Villes (XLSX)"),
    ("cities.ods", "ODS", "Villes (ODS)"),
    ("cities.json", "JSON", "Villes (JSON)"),
    ("cities.xml", "XML", "Villes (XML)"),
    ("cities-broken.json", "JSON", "Villes (JSON mal formé)"),
    ("cities-entities.xml", "XML", "Villes (XML avec entités, refusé)"),
)


def write(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    tabular_files.write_delimited(os.path.join(folder, "cities.csv"))
    tabular_files.write_xlsx(os.path.join(folder, "cities.xlsx"))
    tabular_files.write_ods(os.path.join(folder, "cities.ods"))
    rows = tabular_files.CITIES
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    # JSON as open-data APIs publish it: the records inside an envelope,
    # nested objects, a date, a French decimal.
    with open(os.path.join(folder, "cities.json"), "w", encoding="utf-8") as f:
        json.dump({"source": "démo", "result": {"records": [
            {"city": r["city"], "population": r["population"],
             "geo": {"region": r["region"], "area_km2": r["area_km2"]},
             "density": "{:.1f}".format(r["population"] / r["area_km2"]).replace(".", ","),
             "updated": "2026-11-30"} for r in records]}}, f, ensure_ascii=False, indent=1)
    with open(os.path.join(folder, "cities-broken.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(records[:2], ensure_ascii=False, indent=1)[:-2] + "\n")
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<villes annee="2026">']
    for r in records:
        xml.append('  <ville region="{}"><nom>{}</nom><population>{}</population>'
                   '<superficie unite="km2">{}</superficie></ville>'.format(
                       r["region"], r["city"], r["population"], r["area_km2"]))
    xml.append("</villes>")
    with open(os.path.join(folder, "cities.xml"), "w", encoding="utf-8") as f:
        f.write("\n".join(xml) + "\n")
    with open(os.path.join(folder, "cities-entities.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<!DOCTYPE villes [<!ENTITY a "aaaaaaaaaa">'
                '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                "<villes><ville><nom>&b;</nom></ville></villes>\n")


def _call(ckan: str, token: str, action: str, **data: object) -> requests.Response:
    return requests.post("{}/api/3/action/{}".format(ckan, action), json=data,
                         headers={"Authorization": token}, timeout=120)


def _action(ckan: str, token: str, action: str, **data: object) -> dict:
    body = _call(ckan, token, action, **data).json()
    if not body.get("success"):
        raise RuntimeError("{} failed: {}".format(action, body.get("error")))
    return body["result"]


def _dataset(ckan: str, token: str, files: str) -> dict:
    try:
        dataset = _action(ckan, token, "package_show", id="demo-cities")
    except RuntimeError:
        dataset = None
    if dataset is not None:  # a demo made by an earlier version: the files it lacks
        names = {resource["name"] for resource in dataset["resources"]}
        for name, fmt, title in FILES:
            if title not in names:
                _action(ckan, token, "resource_create", package_id=dataset["id"], name=title,
                        format=fmt, url=files + "/" + name)
        return _action(ckan, token, "package_show", id="demo-cities")
    try:
        _action(ckan, token, "organization_show", id="demo-ministry")
    except RuntimeError:
        _action(ckan, token, "organization_create", name="demo-ministry",
                title="Ministère de la Démo")
    return _action(ckan, token, "package_create", name="demo-cities",
                   title="Villes — population (démo)", owner_org="demo-ministry",
                   notes="Jeu de données de démonstration de ckanext-datapusherplusapi.",
                   resources=[{"name": title, "format": fmt, "url": files + "/" + name}
                              for name, fmt, title in FILES])


def seed(ckan: str, token: str, files: str) -> None:
    dataset = _dataset(ckan, token, files)
    _action(ckan, token, "organization_member_create", id="demo-ministry", username="editor",
            role="editor")
    print("\n  Demo dataset: {}/dataset/{}".format(ckan, dataset["name"]))
    outcome = {}
    for resource in dataset["resources"]:
        # the specification's endpoint: {"success": false, "error": ..., "error_type": ...}
        answer = _call(ckan, token, "datapusher_plus_submit", resource_id=resource["id"]).json()
        if answer.get("success") or answer.get("error_type") == "job_active":
            outcome[resource["id"]] = None  # pushed (or already being pushed): watched below
        else:
            outcome[resource["id"]] = "refused ({}): {}".format(answer.get("error_type"),
                                                               answer.get("error"))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and None in outcome.values():
        for resource_id, said in list(outcome.items()):
            if said is None:
                state = _action(ckan, token, "datapusher_plus_status", resource_id=resource_id)
                if state["status"] == "complete":
                    rows = _action(ckan, token, "datastore_search", resource_id=resource_id,
                                   limit=0)["total"]
                    outcome[resource_id] = "loaded: {} rows in the DataStore".format(rows)
                elif state["status"] in ("error", "cancelled"):
                    outcome[resource_id] = "{}: {}".format(state["status"], state["error"])
        time.sleep(1)
    for resource in dataset["resources"]:
        print("    {:<34} {:<5} {}  {}".format(
            resource["name"], resource["format"], resource["id"],
            outcome[resource["id"]] or "still loading (see the DataPusher+ tab)"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "seed":
        seed(*sys.argv[2:])
    else:
        sys.exit(__doc__)
