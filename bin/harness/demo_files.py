"""Demo data of the dev portal (`make dev`).

    python demo_files.py write FOLDER                  CSV, XLSX, ODS and JSON sample files
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
)


def write(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    tabular_files.write_delimited(os.path.join(folder, "cities.csv"))
    tabular_files.write_xlsx(os.path.join(folder, "cities.xlsx"))
    tabular_files.write_ods(os.path.join(folder, "cities.ods"))
    rows = tabular_files.CITIES
    with open(os.path.join(folder, "cities.json"), "w", encoding="utf-8") as f:
        json.dump([dict(zip(rows[0], row, strict=True)) for row in rows[1:]], f, ensure_ascii=False)


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
        return _action(ckan, token, "package_show", id="demo-cities")
    except RuntimeError:
        pass
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
        print("    {:<14} {:<5} {}  {}".format(
            resource["name"], resource["format"], resource["id"],
            outcome[resource["id"]] or "still loading (see the DataPusher+ tab)"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "seed":
        seed(*sys.argv[2:])
    else:
        sys.exit(__doc__)
