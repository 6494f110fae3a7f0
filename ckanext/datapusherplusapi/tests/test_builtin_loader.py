"""The built-in JSON/XML loader, with files the tests write.

- Reading and typing (no CKAN): every structure it reads, where it says a
  broken file breaks, hostile XML refused, the documented type rule.
- Loads, in this process (``load`` is what the worker runs): the DataStore
  table, its types and the Data Dictionary kept on reload, failures that leave
  the previous table as it was, the size limit, cancelling, the progress the
  tab and the job page show.
- End to end: submitted through the JSON API and the ``ckan`` command, run by
  a real ``ckan jobs worker``, read back through the status endpoint.
"""
from __future__ import annotations

import io
import json
import re
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import requests
import rq
import sqlalchemy as sa
from bs4 import BeautifulSoup
from rq.job import Job as RQJob
from werkzeug.datastructures import FileStorage

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.jobs import get_queue
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories
from ckan.tests import helpers as ckan_helpers

from ckanext.datapusherplusapi import config as dpp_config
from ckanext.datapusherplusapi import lifecycle
from ckanext.datapusherplusapi.cli import datapusherplusapi
from ckanext.datapusherplusapi.model.job import Job
from ckanext.datapusherplusapi.records import columns as cols
from ckanext.datapusherplusapi.records import load as loader
from ckanext.datapusherplusapi.records import reading, table
from ckanext.datapusherplusapi.tests.helpers import (
    PASSWORD,
    SIDEWAYS,
    auth,
    login,
    member_of,
    shot,
    start_worker,
    stop_worker,
    submit,
    wait_for,
    write_ini,
)

PLUGINS = "datapusherplusapi datastore datatables_view datapusherplusapi_nosolr"


def read(tmp_path: Path, text: str, fmt: str = "JSON", path: Any = None) -> list[Any]:
    source = tmp_path / "file"
    source.write_text(text, encoding="utf-8")
    return [record for _where, record in reading.records(str(source), fmt, path)]


def refused(tmp_path: Path, text: str, fmt: str = "JSON", path: Any = None) -> reading.ReadError:
    with pytest.raises(reading.ReadError) as caught:
        read(tmp_path, text, fmt, path)
    return caught.value


# ------------------------------------------------------------ reading ---
@pytest.mark.parametrize("text, fmt, path, expected", [
    ('[{"a": 1, "b": {"c": "x"}}, {"a": 2, "l": [1, 2]}]', "JSON", None,
     [{"a": 1, "b/c": "x"}, {"a": 2, "l": "[1, 2]"}]),
    ('{"help": "x", "result": {"count": 2, "records": [{"a": 1}, {"a": 2}]}, "ok": true}',
     "JSON", None, [{"a": 1}, {"a": 2}]),
    ('{"first": [{"a": 1}], "second": [{"b": 2}]}', "JSON", "second", [{"b": 2}]),
    ('{"a": 1, "b": "é"}\n{"a": 2}\n\n', "JSON", None, [{"a": 1, "b": "é"}, {"a": 2}]),
    ('{"a": 1}\n{"a": 2}', "JSONL", None, [{"a": 1}, {"a": 2}]),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "id": 7, "properties": '
     '{"name": "Tunis"}, "geometry": {"type": "Point", "coordinates": [10.1, 36.8]}}]}',
     "GEOJSON", None,
     [{"id": 7, "name": "Tunis", "geometry": '{"type": "Point", "coordinates": [10.1, 36.8]}'}]),
    ('<rows><row id="1"><name>a</name><tag>x</tag><tag>y</tag></row>'
     '<row id="2"><name>b</name><where><city>Sfax</city></where></row></rows>', "XML", None,
     [{"id": "1", "name": "a", "tag": '["x", "y"]'},
      {"id": "2", "name": "b", "where/city": "Sfax"}]),
    ('<?xml version="1.0"?><response><meta><total>2</total></meta><data>'
     '<item><v>1</v></item><item><v>2</v></item></data></response>', "XML", None,
     [{"v": "1"}, {"v": "2"}]),
    ('<r><a><row><v>1</v></row></a><b><row><v>2</v></row><row><v>3</v></row></b></r>', "XML",
     "r/b/row", [{"v": "2"}, {"v": "3"}]),
    ('<r><only><v>1</v></only></r>', "XML", None, [{"v": "1"}]),
])
def test_what_it_reads(tmp_path, text, fmt, path, expected):
    assert read(tmp_path, text, fmt, path) == expected


def test_values_cut_by_the_read_buffer_are_read_whole(tmp_path):
    # A number, a JSON Lines first line and a record ending exactly where
    # the reader's buffer (64 Ki characters) ends.
    head = '{\n"x": "", "n": 1.'
    text = head[:8] + "x" * (reading.CHUNK - len(head)) + head[8:] + '5, "rows": [{"a": 1}]}'
    assert read(tmp_path, text) == [{"a": 1}]
    first = json.dumps({"a": "z" * (reading.CHUNK - 10)})
    assert len(first) + 1 == reading.CHUNK
    assert [r["a"][:1] for r in read(tmp_path, first + "\n" + '{"a": "b"}\n')] == ["z", "b"]


def _many(fmt: str, count: int) -> str:
    """A file of ``count`` records of a few fields, as ``fmt`` writes them."""
    if fmt == "XML":
        return "<rows>" + "".join('<row i="{0}"><name>ville {0}</name><v>{0}.5</v></row>\n'
                                  .format(i) for i in range(count)) + "</rows>"
    lines = ['{{"i": {0}, "name": "ville {0}", "v": {0}.5}}'.format(i) for i in range(count)]
    return "\n".join(lines) + "\n" if fmt == "JSONL" else "[" + ",\n".join(lines) + "]"


@pytest.mark.parametrize("fmt", ["JSON", "JSONL", "XML"])
def test_records_come_before_the_rest_of_the_file_is_read(tmp_path, fmt):
    """A file broken at its very end still gives its first records: they are
    read as they come, not after the whole file."""
    source = tmp_path / "file"
    source.write_text(_many(fmt, 100_000) + "<broken", encoding="utf-8")
    found = reading.records(str(source), fmt)
    first = [next(found)[1] for _ in range(3)]
    assert [str(record["i"]) for record in first] == ["0", "1", "2"]
    with pytest.raises(reading.ReadError):
        for _record in found:
            pass


@pytest.mark.once
@pytest.mark.parametrize("fmt", ["JSON", "JSONL", "XML"])
def test_the_reader_memory_does_not_grow_with_the_records(tmp_path, fmt):
    """What reading holds at its peak (Python's allocations, tracemalloc) is
    about the same for 50,000 records as for 5,000: one record and a buffer
    at a time."""

    def peak(count: int) -> int:
        source = tmp_path / "file-{}".format(count)
        source.write_text(_many(fmt, count), encoding="utf-8")
        tracemalloc.start()
        try:
            read_count = sum(1 for _record in reading.records(str(source), fmt))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert read_count == count

    small, large = peak(5_000), peak(50_000)
    assert large < 1.5 * small, (small, large)


@pytest.mark.parametrize("text, fmt, kind, words", [
    ('[{"a": 1},\n {"a": 2}\n {"a": 3}]', "JSON", "invalid_file",
     "Malformed JSON: expected , or ] after a record (line 3, column 2)"),
    ('[{"a": 1}, {"a": ', "JSON", "invalid_file", "Malformed JSON (line 1, column 18)"),
    ('[{"a": 1}] trailing', "JSON", "invalid_file", "unexpected data after the records"),
    ('[{"a": 1}, 3]', "JSON", "mixed_structure",
     "Mixed structure: the record at line 1, column 12 is not an object"),
    ('{"a": 1}\n[1]\n', "JSONL", "mixed_structure", "line 2, column 1"),
    ('', "JSON", "no_records", "The file is empty"),
    ('{"a": {"b": 1}}', "JSON", "no_records", "No array of records found"),
    ('<r><row><a>1</a></row><row><a>2</a></r>', "XML", "invalid_file",
     "Malformed XML (line 1, column 38): mismatched tag"),
    ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
     '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><r><row><v>&lol2;</v></row></r>',
     "XML", "hostile_xml", "Refused XML: the file declares an entity"),
    ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
     '<r><row><v>&xxe;</v></row></r>', "XML", "hostile_xml", "declares an entity"),
    ('<r><a>1</a><b>2</b></r>', "XML", "no_records", "No record element found"),
    ('[' + ",".join('{"i": %d}' % i for i in range(20_000)) + ',{"a": 1,,}]', "JSON",
     "invalid_file", "Malformed JSON (line 1, column 248900): Expecting property name"),
    ('[{"a": ' + "1" * 5000 + '}]', "JSON", "invalid_file", "Exceeds the limit (4300 digits)"),
    ('[{"a": ' + '{"b": ' * 3000 + '1' + '}' * 3001 + ']', "JSON", "invalid_file",
     "nested too deeply"),
    ('<r>' + '<a>' * 3000 + '</a>' * 3000 + '<a><b>1</b></a></r>', "XML", "invalid_file",
     "nested too deeply"),
])
def test_a_broken_file_says_what_and_where(tmp_path, text, fmt, kind, words):
    error = refused(tmp_path, text, fmt)
    assert error.kind == kind and words in str(error)


def test_a_named_xml_record_path_holds_nothing_before_it(tmp_path):
    text = "<r><meta>" + "<f a='1'/>" * 12_000 + "</meta><data><row><v>1</v></row></data></r>"
    assert read(tmp_path, text, "XML", "row") == [{"v": "1"}]
    # Without it, the first repeated element is taken: the header's.
    assert read(tmp_path, text, "XML") == [{"a": "1"}] * 12_000
    held = "<r><meta>" + "<f>x</f><g>y</g>" * 6_000 + "</meta></r>"
    assert "No repeated record element in the first 10000 elements" in str(
        refused(tmp_path, held, "XML"))


def test_a_record_path_that_matches_nothing_says_so(tmp_path):
    assert "The record path result.rows matches nothing" in str(
        refused(tmp_path, '{"result": {"records": [{"a": 1}]}}', "JSON", "result.rows"))
    assert "The record path line matches nothing" in str(
        refused(tmp_path, '<r><row><v>1</v></row><row><v>2</v></row></r>', "XML", "line"))


@pytest.mark.parametrize("values, expected", [
    (["1", "-20", 3], "int8"),
    (["01000", "75001"], "text"),  # postcodes keep their zero
    (["1 234", "12"], "int8"),
    (["12.5", 3, "-1e3"], "numeric"),
    (["3,14", "1 234,5", "-0,5"], "numeric"),  # French notation, unambiguous
    (["3,14", "1,234"], "text"),  # 1,234: a thousand or a decimal?
    ([True, "false", "TRUE"], "bool"),
    (["2026-12-01", "2026-12-01T10:30:00Z", "2026-12-01 10:30"], "timestamp"),
    (["2026-12-01T10:30:00+01:00"], "text"),
    (["2026-02-30"], "text"),
    (["1", "x"], "text"),
    ([None, "", "  "], "text"),
    ([None, "", "7"], "int8"),
    ([2 ** 63], "numeric"),
])
def test_column_types_follow_the_documented_rule(values, expected):
    column = cols.Column("c", "c")
    for value in values:
        column.see(value, {"line": 1, "column": 1})
    assert column.type == expected


def test_values_the_datastore_cannot_store_are_refused_before_writing():
    for value in ("x\x00y", "\ud800"):
        with pytest.raises(reading.ReadError) as caught:
            cols.Columns().see({"a": value}, {"line": 3, "column": 1})
        assert str(caught.value) == ("The record at line 3, column 1 holds a NUL character or "
                                     "invalid Unicode in a, which the DataStore cannot store")
    wide = {"c{}".format(i): i for i in range(reading.MAX_COLUMNS + 1)}
    with pytest.raises(reading.ReadError) as caught:
        cols.Columns().see(wide, {"line": 1, "column": 1})
    assert "more than 1598 columns" in str(caught.value)
    assert cols.kind("1e200000") == "text" and cols.kind("1" * 30) == "numeric"


def test_column_names_are_valid_and_unique_for_the_datastore():
    columns = cols.Columns()
    columns.see({"_id": 1, "name": 1, "Name ": 2, 'say "hi"': 3, "": 4, "x" * 70: 5,
                 "é" * 40: 6, "_full_text": 7, "a\x00b": 8}, {"line": 1, "column": 1})
    names = [column.name for column in columns]
    assert names[:4] == ["id", "name", "Name_2", "say 'hi'"]
    assert names[4] == "column_5"
    assert all(len(name.encode()) <= 63 and not name.startswith("_") for name in names)
    assert "full_text" in names and "ab" in names
    assert len({name.lower() for name in names}) == len(names)


def test_records_become_lines_of_copys_text_format():
    """Values as written in the file, escaped for COPY; a column first seen
    later is added at the end (the loader completes the earlier lines)."""
    columns = cols.Columns()
    assert columns.copy_line({"a": 1, "b": "x\ty\\z\n", "c": None}, {"line": 1, "column": 1}) \
        == "1\tx\\ty\\\\z\\n\t\\N"
    assert columns.copy_line({"d": True, "a": 2.5, "e": float("nan")},
                             {"line": 2, "column": 1}) == "2.5\t\\N\t\\N\ttrue\tNaN"
    assert [column.name for column in columns] == ["a", "b", "c", "d", "e"]


# ------------------------------------------------------- loads, in-process ---
PEOPLE = [
    {"nom": "Émilie", "âge": 34, "taille": "1,68", "inscrit": "2026-01-15", "actif": True,
     "ville": {"nom": "Sfax", "code": "03000"}},
    {"nom": "Ali", "âge": 41, "taille": "1,80", "inscrit": "2025-11-02", "actif": False,
     "ville": {"nom": "Tunis", "code": "01000"}, "note": ""},
    {"nom": "Zoé", "âge": None, "taille": "", "inscrit": "2024-06-30", "actif": True,
     "ville": {"nom": "Sousse", "code": "04000"}},
]


@pytest.fixture
def site(app, file_server, monkeypatch):
    """An organization, its editor, a dataset and a folder served over HTTP."""
    folder, base = file_server
    org = factories.Organization()
    editor = member_of(org["id"], "editor")
    dataset = factories.Dataset(owner_org=org["id"])
    return {"app": app, "folder": folder, "files": base, "editor": editor, "org": org,
            "dataset": dataset}


def add_resource(site: dict[str, Any], name: str, content: str, fmt: str,
                 **extra: Any) -> dict[str, Any]:
    (site["folder"] / name).write_text(content, encoding="utf-8")
    return factories.Resource(package_id=site["dataset"]["id"], url=site["files"] + "/" + name,
                              format=fmt, name=name, **extra)


def push(site: dict[str, Any], resource: dict[str, Any], **body: Any) -> dict[str, Any]:
    """Submit through the JSON API, then run the queued load here, as the
    worker would; the job's row after it."""
    answer = submit(site["app"], resource["id"], site["editor"], **body)
    loader.load(answer["job_id"])
    model.Session.expire_all()
    job = model.Session.get(Job, answer["job_id"])
    return dict(job.dictize(), logs=job.logs)


def cause_of(resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The code and parameters of the ``cause`` the status API gives."""
    cause = ckan_helpers.call_action("datapusher_plus_status",
                                     resource_id=resource["id"])["cause"]
    assert cause["title"] and cause["message"] and cause["fix"], cause
    return cause["code"], cause["params"]


def datastore(resource_id: str) -> dict[str, Any]:
    found = ckan_helpers.call_action("datastore_search", resource_id=resource_id, sort="_id",
                                     limit=1000)
    # plain dicts (CKAN 2.10 answers its records as one lazily decoded JSON value)
    return dict(found, records=[dict(record) for record in found["records"]])


def field_types(found: dict[str, Any]) -> dict[str, str]:
    return {field["id"]: field["type"] for field in found["fields"] if field["id"] != "_id"}


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestLoads:
    def test_json_lands_typed_with_a_preview(self, site):
        resource = add_resource(site, "people.json", json.dumps(PEOPLE, ensure_ascii=False),
                                "JSON")
        job = push(site, resource)
        assert job["status"] == "complete", (job["error"], job["logs"])
        assert job["backend"] == "builtin"
        found = datastore(resource["id"])
        assert field_types(found) == {
            "nom": "text", "âge": "int8", "taille": "numeric", "inscrit": "timestamp",
            "actif": "bool", "ville/nom": "text", "ville/code": "text", "note": "text"}
        first, second, third = found["records"]
        assert (first["nom"], first["âge"], first["taille"], first["ville/code"]) == (
            "Émilie", 34, 1.68, "03000")
        assert second["actif"] is False and second["note"] == ""
        assert third["âge"] is None and third["taille"] is None
        views = ckan_helpers.call_action("resource_view_list", id=resource["id"])
        assert [view["view_type"] for view in views] == ["datatables_view"]
        resource = ckan_helpers.call_action("resource_show", id=resource["id"])
        assert resource["datastore_active"] is True
        # the figures of the load: in the status, on the job page, in the log
        status = ckan_helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
        assert status["progress"]["rows_loaded"] == status["progress"]["rows_total"] == 3
        assert status["progress"]["rows_per_second"] > 0
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        page = site["app"].get("/ckan-admin/datapusher-plus/jobs/" + job["id"],
                               headers={"Authorization": token})
        rows = BeautifulSoup(page.body, "html.parser").select_one("[data-dpp-rows]").get_text()
        assert re.fullmatch(r"3 rows loaded, [0-9,]+ rows per second", rows.strip()), rows
        steps = [line["message"].split(" in ")[0] for line in job["logs"]]
        assert steps[1] == "Read and copied 3 records" and steps[-1] == "3 rows loaded"
        assert any(step.startswith("Typed the values") for step in steps)
        assert any(step.startswith("Built the indexes") for step in steps)
        assert any(step.startswith("Put the new table") for step in steps)

    def test_xml_lands_typed(self, site):
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<budget annee="2026">\n' + "".join(
            '  <ligne code="{0}"><libellé>Poste {0} – é</libellé><montant>{1}</montant>'
            '<date>2026-0{2}-01</date></ligne>\n'.format(i, "{},5".format(i * 1000), i % 9 + 1)
            for i in range(1, 21)) + "</budget>\n")
        resource = add_resource(site, "budget.xml", xml, "XML")
        job = push(site, resource)
        assert job["status"] == "complete", (job["error"], job["logs"])
        found = datastore(resource["id"])
        assert field_types(found) == {"code": "int8", "libellé": "text", "montant": "numeric",
                                      "date": "timestamp"}
        assert len(found["records"]) == 20
        assert found["records"][2]["libellé"] == "Poste 3 – é"
        assert found["records"][2]["montant"] == 3000.5

    @pytest.mark.parametrize("name, content, fmt, error_type, words", [
        ("broken.json", '[{"a": 1}, {"a": 2', "JSON", "invalid_file", "Malformed JSON (line 1"),
        ("mixed.json", '[{"a": 1}, "b"]', "JSON", "mixed_structure", "Mixed structure"),
        ("laughs.xml", '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                       '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r><x><v>&b;</v></x></r>',
         "XML", "hostile_xml", "Refused XML"),
        ("xxe.xml", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
                    '<r><x><v>&e;</v></x><x><v>2</v></x></r>', "XML", "hostile_xml",
         "Refused XML"),
    ])
    def test_a_failed_reload_leaves_the_previous_table(self, site, name, content, fmt,
                                                       error_type, words):
        resource = add_resource(site, name, json.dumps(PEOPLE), fmt)
        if fmt == "XML":
            (site["folder"] / name).write_text(
                "<r><p><nom>Émilie</nom></p><p><nom>Ali</nom></p></r>", encoding="utf-8")
        assert push(site, resource)["status"] == "complete"
        before = datastore(resource["id"])
        (site["folder"] / name).write_text(content, encoding="utf-8")
        job = push(site, resource)
        assert (job["status"], job["error_type"]) == ("error", error_type)
        assert words in job["error"]
        assert job["logs"][-1]["level"] == "ERROR"
        assert datastore(resource["id"])["records"] == before["records"]

    def test_the_error_reads_in_the_readers_language(self, site):
        resource = add_resource(site, "broken.json", '[{"a": 1} {"a": 2}]', "JSON")
        push(site, resource)
        response = site["app"].get("/api/3/action/datapusher_plus_status",
                                   query_string={"resource_id": resource["id"]},
                                   headers=auth(site["editor"]))
        status = response.json["result"]
        assert (status["status"], status["error_type"]) == ("error", "invalid_file")
        assert status["error"] == ("Malformed JSON: expected , or ] after a record "
                                   "(line 1, column 11)")
        page = site["app"].get("/fr/dataset/{}/datapusher-plus/{}".format(
            site["dataset"]["name"], resource["id"]), headers=auth(site["editor"]))
        text = BeautifulSoup(page.body, "html.parser").select_one("#dpp-status").get_text(" ")
        assert "JSON mal formé : , ou ] attendu après un enregistrement (ligne 1, colonne 11)" \
            in text

    def test_the_data_dictionary_is_kept_on_reload(self, site):
        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        assert push(site, resource)["status"] == "complete"
        fields = [dict(field, info={"label": "Âge", "notes": "En années",
                                    "type_override": "text"} if field["id"] == "âge" else {})
                  for field in datastore(resource["id"])["fields"] if field["id"] != "_id"]
        ckan_helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                                 fields=[{"id": f["id"], "type": f["type"], "info": f["info"]}
                                         for f in fields])
        assert push(site, resource)["status"] == "complete"
        found = datastore(resource["id"])
        age = next(field for field in found["fields"] if field["id"] == "âge")
        assert age["type"] == "text"
        assert age["info"]["label"] == "Âge" and age["info"]["notes"] == "En années"
        assert found["records"][0]["âge"] == "34"

    def test_a_type_override_the_data_does_not_fit_fails_before_writing(self, site):
        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        assert push(site, resource)["status"] == "complete"
        ckan_helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                                 fields=[{"id": "nom", "type": "text",
                                          "info": {"type_override": "numeric"}}])
        job = push(site, resource)
        assert (job["status"], job["error_type"]) == ("error", "type_mismatch")
        assert 'Column nom is of type numeric in the Data Dictionary, but the record at line 1' \
            in job["error"] and '"\\u00c9milie"' in job["error"]
        assert len(datastore(resource["id"])["records"]) == 3

    def test_a_file_over_the_size_limit_is_stopped_while_downloading(self, site, monkeypatch):
        # The size probe passes a file under the limit; the file grows before
        # the worker downloads it.
        resource = add_resource(site, "big.json", "[]", "JSON")
        answer = submit(site["app"], resource["id"], site["editor"])
        rows = [{"i": i, "text": "x" * 100} for i in range(20_000)]
        (site["folder"] / "big.json").write_text(json.dumps(rows))
        monkeypatch.setitem(tk.config, dpp_config.MAX_FILE_SIZE, 1)
        loader.load(answer["job_id"])
        model.Session.expire_all()
        job = model.Session.get(Job, answer["job_id"]).dictize()
        assert (job["status"], job["error_type"]) == ("error", "file_too_large")
        assert job["error"] == "The file is larger than the limit of 1 MB"
        assert cause_of(resource) == ("file_too_large", {
            "option": "ckanext.datapusher_plus.max_file_size"})

    def test_a_file_that_cannot_be_downloaded(self, site):
        resource = factories.Resource(package_id=site["dataset"]["id"], format="JSON",
                                      url=site["files"] + "/gone.json")
        job = push(site, resource)
        assert (job["status"], job["error_type"]) == ("error", "download_failed")
        assert job["error"] == "The file could not be downloaded: HTTP 404"
        assert cause_of(resource) == ("download_failed", {"detail": "http_404"})

    def test_a_json_file_that_is_not_utf8_fails_on_its_encoding(self, site):
        """JSON is read as UTF-8 only: a Windows-1252 file ends in error,
        caused by its encoding (a CSV of another encoding is read as such)."""
        (site["folder"] / "villes.json").write_bytes(
            '[{"ville": "Fès"}]'.encode("cp1252"))
        resource = factories.Resource(package_id=site["dataset"]["id"], format="JSON",
                                      url=site["files"] + "/villes.json")
        job = push(site, resource)
        assert (job["status"], job["error_type"]) == ("error", "invalid_file")
        assert job["error"] == "The file is not UTF-8 text (line 1, column 1)"
        assert cause_of(resource) == ("encoding", {})

    @pytest.mark.parametrize("step", ["_copy_and_type", "build", "indexes", "finish", "swap"])
    def test_a_failure_at_any_step_leaves_the_live_table_as_it_was(self, site, monkeypatch,
                                                                     step):
        """The database refuses something at one step of a reload: the live
        table, its Data Dictionary, its alias and its preview are as before,
        and no new table is left behind."""
        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        assert push(site, resource)["status"] == "complete"
        alias = "personnes-" + resource["id"][:8]
        ckan_helpers.call_action("datastore_create", resource_id=resource["id"], force=True,
                                 aliases=alias, fields=[
                                     {"id": "nom", "type": "text", "info": {"label": "Nom"}},
                                     {"id": "âge", "type": "int8",
                                      "info": {"label": "Âge", "type_override": "text"}}])
        before = datastore(resource["id"])
        views = ckan_helpers.call_action("resource_view_list", id=resource["id"])
        real = getattr(table.NewTable, step)

        def failing(self, *args, **kwargs):
            if step == "swap":  # in its middle: the live table already dropped
                self.renames.append(("no_such_index", "x"))
                return real(self, *args, **kwargs)
            done = real(self, *args, **kwargs)
            self.cursor.execute("SELECT 1 / 0")
            return done
        monkeypatch.setattr(table.NewTable, step, failing)
        (site["folder"] / "people.json").write_text(json.dumps(PEOPLE[:1]))
        switch_interval = sys.getswitchinterval()
        job = push(site, resource)
        assert (job["status"], job["error_type"]) == ("error", "datastore_error"), job
        # (the load shortens the interpreter's switch interval while it runs)
        assert sys.getswitchinterval() == switch_interval
        assert job["error"] == "The DataStore refused the data: " + (
            'relation "no_such_index" does not exist' if step == "swap" else "division by zero")
        after = datastore(resource["id"])
        assert after["records"] == before["records"] and len(after["records"]) == 3
        assert after["fields"] == before["fields"]
        assert ckan_helpers.call_action("datastore_search", resource_id=alias)["total"] == 3
        assert ckan_helpers.call_action("resource_view_list", id=resource["id"]) == views
        assert ckan_helpers.call_action("resource_show", id=resource["id"])["datastore_active"]
        assert table.leftovers() == []

    def test_tables_left_by_loads_are_shown_and_removed(self, site, cli):
        """A table named as the loader's new tables, that no load writes (none
        is expected: a load builds its table in one transaction): the next load
        of its resource removes its own; the dashboard's health counts the
        others and ``ckan datapusherplusapi leftovers --drop`` removes them."""
        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        mine = table.new_name(resource["id"], "0" * 32)
        other = table.new_name("c0ffee00-0000-4000-8000-000000000000", "1" * 32)
        with table._engine().begin() as conn:
            for name in (mine, other):
                conn.execute(sa.text('CREATE TABLE "{}" (x int)'.format(name)))
        assert table.leftovers() == sorted([mine, other])
        assert push(site, resource)["status"] == "complete"
        assert table.leftovers() == [other]
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        health = site["app"].get("/api/3/action/datapusher_plus_service_status",
                                 headers={"Authorization": token}).json["result"]
        assert health["leftover_tables"] == [other]
        page = BeautifulSoup(site["app"].get("/ckan-admin/datapusher-plus/", headers={
            "Authorization": token}).body, "html.parser")
        cell = page.find(attrs={"data-dpp-leftovers": True})
        assert cell["data-dpp-leftovers"] == "1"
        assert "ckan datapusherplusapi leftovers --drop" in cell.get_text()
        listed = cli.invoke(datapusherplusapi, ["leftovers"])
        assert listed.exit_code == 0 and listed.output.splitlines() == [
            other, "1 table left by an interrupted load"]
        dropped = cli.invoke(datapusherplusapi, ["leftovers", "--drop"])
        assert dropped.output.splitlines() == [other, "1 table removed"]
        assert table.leftovers() == []
        page = BeautifulSoup(site["app"].get("/ckan-admin/datapusher-plus/", headers={
            "Authorization": token}).body, "html.parser")
        assert page.find(attrs={"data-dpp-leftovers": True})["data-dpp-leftovers"] == "0"

    def test_columns_that_change_after_the_first_chunk(self, site):
        """A column first seen in the second chunk, and a column whose type
        changes there (integers, then a word): typed as the whole file says."""
        n = loader.CHUNK_LINES
        rows = [{"i": i, "v": i} for i in range(n)] + [
            {"i": n, "v": "x", "late": "1,5"}, {"i": n + 1, "v": 7, "late": None}]
        resource = add_resource(site, "rows.jsonl", "\n".join(json.dumps(r) for r in rows),
                                "JSONL")
        assert push(site, resource)["status"] == "complete"
        found = ckan_helpers.call_action("datastore_search", resource_id=resource["id"],
                                         sort="_id desc", limit=3)
        assert field_types(found) == {"i": "int8", "v": "text", "late": "numeric"}
        assert [(r["i"], r["v"], r["late"]) for r in found["records"]] == [
            (n + 1, "7", None), (n, "x", 1.5), (n - 1, str(n - 1), None)]
        assert found["total"] == n + 2
        # only a new column: added to the table as it is being typed
        rows = [{"i": i} for i in range(n)] + [{"i": n, "late": "a"}]
        other = add_resource(site, "more.jsonl", "\n".join(json.dumps(r) for r in rows),
                             "JSONL")
        assert push(site, other)["status"] == "complete"
        found = ckan_helpers.call_action("datastore_search", resource_id=other["id"],
                                         sort="_id desc", limit=2)
        assert [(r["i"], r["late"]) for r in found["records"]] == [(n, "a"), (n - 1, None)]

    def test_values_read_back_as_the_file_has_them(self, site):
        """Every format: numbers, French decimals, grouped digits, booleans,
        dates, nulls, postcodes, accents, Arabic, COPY's special characters;
        ``_full_text`` exactly as the DataStore's own trigger makes it."""
        records = [
            {"n": 1, "g": "1 234", "fr": "3,14", "f": 2.5, "b": True, "d": "2026-12-01",
             "dt": "2026-12-01T10:30:00Z", "cp": "01000", "t": "Saint-Étienne",
             "ar": "تونس العاصمة", "esc": "a\tb\\c\nd", "e": None},
            {"n": -7, "g": "12", "fr": "-0,5", "f": 0.125, "b": False, "d": "2025-01-31",
             "dt": "2025-01-31 08:00", "cp": "75001", "t": "Zoé", "ar": "صفاقس", "esc": "",
             "e": ""},
        ]
        expected = [
            {"n": 1, "g": 1234, "fr": 3.14, "f": 2.5, "b": True, "d": "2026-12-01T00:00:00",
             "dt": "2026-12-01T10:30:00", "cp": "01000", "t": "Saint-Étienne",
             "ar": "تونس العاصمة", "esc": "a\tb\\c\nd", "e": None},
            {"n": -7, "g": 12, "fr": -0.5, "f": 0.125, "b": False, "d": "2025-01-31T00:00:00",
             "dt": "2025-01-31T08:00:00", "cp": "75001", "t": "Zoé", "ar": "صفاقس", "esc": "",
             "e": ""},
        ]
        xml = "<rows>" + "".join("<row>" + "".join(
            "<{0}>{1}</{0}>".format(key, str(value).lower() if isinstance(value, bool) else value)
            for key, value in record.items() if key not in ("esc", "e")) + "</row>"
            for record in records) + "</rows>"
        files = {
            "JSON": json.dumps(records, ensure_ascii=False),
            "JSONL": "\n".join(json.dumps(record) for record in records),
            "GEOJSON": json.dumps({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": record, "geometry": None}
                for record in records]}),
            "XML": xml,
        }
        for fmt, content in files.items():
            resource = add_resource(site, "values." + fmt.lower(), content, fmt)
            job = push(site, resource)
            assert job["status"] == "complete", (fmt, job)
            found = datastore(resource["id"])
            for record, wanted in zip(found["records"], expected, strict=True):
                # (CKAN 2.12 writes timestamps with milliseconds)
                got = {key: record[key].replace(".000", "") if key in ("d", "dt") else record[key]
                       for key in wanted if key in record}
                if fmt == "XML":
                    wanted = {k: v for k, v in wanted.items() if k not in ("esc", "e")}
                assert got == wanted, fmt
            with table._engine().connect() as conn:
                differ = conn.execute(sa.text(
                    'SELECT count(*) FROM "{0}" t WHERE _full_text IS DISTINCT FROM ('
                    "SELECT to_tsvector(string_agg(value, ' ')) FROM "
                    "json_each_text(row_to_json(t.*)) WHERE key NOT LIKE '\\_%')".format(
                        resource["id"]))).scalar()
            assert differ == 0, fmt

    def test_the_table_is_laid_out_as_the_datastore_makes_one(self, site):
        """Columns, key, sequence, indexes, trigger and the read-only user's
        right to read: as ``datastore_create`` makes them for the same fields."""
        ours = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        assert push(site, ours)["status"] == "complete"
        fields = [{"id": f["id"], "type": f["type"]} for f in datastore(ours["id"])["fields"]
                  if f["id"] != "_id"]
        theirs = factories.Resource(package_id=site["dataset"]["id"], url="http://x/y.csv")
        ckan_helpers.call_action("datastore_create", resource_id=theirs["id"], force=True,
                                 fields=fields, records=[])

        def layout(resource_id: str) -> dict[str, Any]:
            with table._engine().connect() as conn:
                def rows(sql: str) -> list[Any]:
                    return sorted(tuple(row) for row in conn.execute(
                        sa.text(sql), {"t": '"{}"'.format(resource_id)}))
                return {
                    "columns": rows("SELECT attname, format_type(atttypid, atttypmod) FROM "
                                    "pg_attribute WHERE attrelid = to_regclass(:t) AND attnum > 0 "
                                    "AND NOT attisdropped"),
                    "indexes": rows("SELECT c.relname, pg_get_indexdef(x.indexrelid) "
                                    "FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                                    "WHERE x.indrelid = to_regclass(:t)"),
                    "triggers": rows("SELECT tgname, replace(pg_get_triggerdef(oid), "
                                     "tgrelid::regclass::text, 'T') FROM pg_trigger "
                                     "WHERE tgrelid = to_regclass(:t) AND NOT tgisinternal"),
                    "key": rows("SELECT replace(conname, :t, '') FROM pg_constraint "
                                "WHERE conrelid = to_regclass(:t)"),
                    "sequence": rows("SELECT pg_get_serial_sequence(:t, '_id')"),
                    "readers": rows("SELECT grantee, privilege_type FROM "
                                    "information_schema.role_table_grants WHERE "
                                    "table_name = trim(both '\"' from :t) AND grantee <> "
                                    "current_user"),
                }
        mine, core = layout(ours["id"]), layout(theirs["id"])
        for part in ("columns", "triggers", "readers"):
            assert mine[part] == core[part], part
        assert mine["readers"], "the read-only user reads the table"
        def definitions(found: dict[str, Any], resource_id: str) -> list[str]:
            return sorted(re.sub(r"INDEX \S+ ON", "INDEX I ON", d).replace(resource_id, "T")
                          for _name, d in found["indexes"])
        assert definitions(mine, ours["id"]) == definitions(core, theirs["id"])
        # index names as the DataStore names them (its later datastore_create
        # finds them): the full-text one and one per text column (2.10, 2.11)
        expressions = ['"_full_text"'] + ["to_tsvector('english', \"{}\")".format(f["id"])
                                          for f in fields]
        assert [table.index_name(theirs["id"], e) in dict(core["indexes"])
                for e in expressions] == [table.index_name(ours["id"], e) in dict(mine["indexes"])
                                          for e in expressions]
        assert table.index_name(ours["id"], '"_full_text"') in dict(mine["indexes"])
        assert mine["sequence"] == [('public."{}__id_seq"'.format(ours["id"]),)]
        assert core["sequence"] == [('public."{}__id_seq"'.format(theirs["id"]),)]

    @pytest.mark.ckan_config(dpp_config.LOAD_TIMEOUT, 1)
    def test_a_load_longer_than_load_timeout_is_stopped_and_says_so(self, site, monkeypatch):
        """RQ stops the load after ``load_timeout`` seconds (run here by an RQ
        worker in this process): the job ends in error, naming the option."""
        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        job_id = submit(site["app"], resource["id"], site["editor"])["job_id"]
        records = reading.records

        def slow(*args, **kwargs):  # a file that takes longer than the limit to read
            time.sleep(3)
            return records(*args, **kwargs)
        monkeypatch.setattr(loader.reading, "records", slow)
        queue = get_queue()
        rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
        model.Session.expire_all()
        job = model.Session.get(Job, job_id).dictize()
        assert (job["status"], job["error_type"]) == ("error", "load_timeout")
        assert job["error"] == ("The load took longer than 1 s "
                                "(ckanext.datapusher_plus.load_timeout) and was stopped")
        assert cause_of(resource) == ("load_timeout", {
            "option": "ckanext.datapusher_plus.load_timeout"})

    def test_a_record_path_set_on_the_resource(self, site):
        content = json.dumps({"a": [{"x": 1}], "b": {"rows": [{"y": 1}, {"y": 2}]}})
        resource = add_resource(site, "two.json", content, "JSON",
                                datapusher_plus_record_path="b.rows")
        assert push(site, resource)["status"] == "complete"
        assert [r["y"] for r in datastore(resource["id"])["records"]] == [1, 2]

    def test_an_upload_is_read_from_ckans_storage(self, site):
        upload = tk.config["ckan.storage_path"]
        assert upload

        stream = FileStorage(io.BytesIO(b'{"k": "v1"}\n{"k": "v2"}\n'), filename="lines.jsonl")
        resource = ckan_helpers.call_action(
            "resource_create", package_id=site["dataset"]["id"], upload=stream, url="lines.jsonl",
            format="JSONL", name="lines")
        job = push(site, resource)
        assert job["status"] == "complete", (job["error"], job["logs"])
        assert [r["k"] for r in datastore(resource["id"])["records"]] == ["v1", "v2"]

    def test_cancelling_stops_the_load_and_leaves_no_half_table(self, site, monkeypatch):
        rows = [{"i": i} for i in range(5 * loader.CHUNK_LINES)]
        resource = add_resource(site, "rows.json", json.dumps(rows), "JSON")
        answer = submit(site["app"], resource["id"], site["editor"])
        job_id = answer["job_id"]
        real_progress = lifecycle.progress

        def cancel_after_the_first_chunk(session, job, loaded, total, logs=None):
            if loaded >= loader.CHUNK_LINES:
                lifecycle.cancel(session, job, "Cancelled by a test")
            return real_progress(session, job, loaded, total, logs)

        monkeypatch.setattr(lifecycle, "progress", cancel_after_the_first_chunk)
        loader.load(job_id)
        model.Session.expire_all()
        job = model.Session.get(Job, job_id)
        assert (job.status, job.error) == ("cancelled", "Cancelled by a test")
        assert job.rows_loaded is None  # the first chunk's count came after the cancel
        with pytest.raises(tk.ObjectNotFound):
            ckan_helpers.call_action("datastore_search", resource_id=resource["id"])

    def test_a_reload_cancelled_before_its_swap_leaves_the_previous_table(
            self, site, monkeypatch):
        """The cancel comes at the last moment it can: the new table is
        built, not yet in place. The previous rows and the preview stay."""
        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        assert push(site, resource)["status"] == "complete"
        views = ckan_helpers.call_action("resource_view_list", id=resource["id"])
        assert [view["view_type"] for view in views] == ["datatables_view"]
        (site["folder"] / "people.json").write_text(json.dumps(PEOPLE[:1]))
        job_id = submit(site["app"], resource["id"], site["editor"])["job_id"]
        real_progress = lifecycle.progress

        def cancelled_before_the_swap(session, job, loaded, total, logs=None):
            if logs and logs[-1]["message"].startswith("Built the indexes"):
                lifecycle.cancel(session, job, "Cancelled by a test")
            return real_progress(session, job, loaded, total, logs)
        monkeypatch.setattr(lifecycle, "progress", cancelled_before_the_swap)
        loader.load(job_id)
        status = ckan_helpers.call_action("datapusher_plus_status", resource_id=resource["id"])
        assert (status["status"], status["datastore_active"]) == ("cancelled", True), status
        assert len(datastore(resource["id"])["records"]) == 3
        assert ckan_helpers.call_action("resource_view_list", id=resource["id"]) == views
        assert table.leftovers() == []

    def test_awkward_keys_become_columns_the_datastore_takes(self, site):
        record = {"taux %": "12,5", "a:b": 1, "Nom": "x", "nom": "y", "_id": 7, " ": "blank",
                  "é" * 40: "long", 'dit "oui"': True, "%(x)s": "fmt", "a\tb": "tab"}
        resource = add_resource(site, "keys.json", json.dumps([record, record]), "JSON")
        job = push(site, resource)
        assert job["status"] == "complete", (job["error"], job["logs"])
        found = datastore(resource["id"])
        names = [field["id"] for field in found["fields"] if field["id"] != "_id"]
        assert names[:5] == ["taux %", "a:b", "Nom", "nom_2", "id"]
        assert len(found["records"]) == 2
        assert found["records"][0]["taux %"] == 12.5 and found["records"][0]["id"] == 7

    def test_cancelling_a_queued_load_takes_it_off_the_queue(self, site):

        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        job_id = submit(site["app"], resource["id"], site["editor"])["job_id"]
        assert RQJob.fetch(job_id, connection=connect_to_redis()).get_status() == "queued"
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        answer = site["app"].post("/api/3/action/datapusher_plus_job_cancel", json={"id": job_id},
                                  headers={"Authorization": token})
        assert answer.json["result"]["status"] == "cancelled"
        assert RQJob.fetch(job_id, connection=connect_to_redis()).get_status() == "canceled"
        loader.load(job_id)  # a worker that took it anyway does nothing
        with pytest.raises(tk.ObjectNotFound):
            ckan_helpers.call_action("datastore_search", resource_id=resource["id"])

    def test_a_superseded_load_stops_and_leaves_the_table_to_the_new_job(self, site,
                                                                        monkeypatch):
        rows = [{"i": i} for i in range(3 * loader.CHUNK_LINES)]
        resource = add_resource(site, "rows.json", json.dumps(rows[:10]), "JSON")
        assert push(site, resource)["status"] == "complete"
        (site["folder"] / "rows.json").write_text(json.dumps(rows))
        first = submit(site["app"], resource["id"], site["editor"])["job_id"]
        real_progress = lifecycle.progress
        second = {}

        def force_after_the_first_chunk(session, job, loaded, total, logs=None):
            if job == first and loaded >= loader.CHUNK_LINES and not second:
                second.update(submit(site["app"], resource["id"], site["editor"], force=True))
            return real_progress(session, job, loaded, total, logs)

        monkeypatch.setattr(lifecycle, "progress", force_after_the_first_chunk)
        loader.load(first)
        model.Session.expire_all()
        assert (model.Session.get(Job, first).status,
                model.Session.get(Job, first).error_type) == ("cancelled", "superseded")
        # the previous rows stay until the new job replaces them
        assert len(datastore(resource["id"])["records"]) == 10
        loader.load(second["job_id"])
        model.Session.expire_all()
        assert model.Session.get(Job, second["job_id"]).status == "complete"
        assert ckan_helpers.call_action("datastore_search", resource_id=resource["id"],
                                        limit=0)["total"] == len(rows)

    def test_progress_shows_on_the_tab_and_the_job_page(self, site):
        resource = add_resource(site, "people.json", json.dumps(PEOPLE), "JSON")
        job_id = submit(site["app"], resource["id"], site["editor"])["job_id"]
        session = model.Session
        assert lifecycle.running(session, job_id)
        assert lifecycle.progress(session, job_id, 12_000, 50_000)
        status = site["app"].get("/api/3/action/datapusher_plus_status",
                                 query_string={"resource_id": resource["id"]},
                                 headers=auth(site["editor"])).json["result"]
        rate = status["progress"].pop("rows_per_second")
        assert status["progress"] == {"rows_loaded": 12_000, "rows_total": 50_000, "percent": 24}
        assert rate > 0
        page = site["app"].get("/dataset/{}/datapusher-plus/{}".format(
            site["dataset"]["name"], resource["id"]), headers=auth(site["editor"]))
        bar = BeautifulSoup(page.body, "html.parser").select_one("[data-dpp-part=progress]")
        assert bar.select_one("[role=progressbar]")["aria-valuenow"] == "24"
        assert "12,000 of 50,000 rows loaded (24.0%)" in bar.get_text(" ")
        page = site["app"].get("/ar/dataset/{}/datapusher-plus/{}".format(
            site["dataset"]["name"], resource["id"]), headers=auth(site["editor"]))
        bar = BeautifulSoup(page.body, "html.parser").select_one("[data-dpp-part=progress]")
        assert "12,000" in bar.get_text(" ") and "50,000" in bar.get_text(" ")
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        page = site["app"].get("/ckan-admin/datapusher-plus/jobs/" + job_id,
                               headers={"Authorization": token})
        bar = BeautifulSoup(page.body, "html.parser").select_one("[data-dpp-part=progress]")
        assert "12,000 of 50,000 rows loaded" in bar.get_text(" ")

    def test_formats_go_to_the_builtin_loader_whatever_the_back_end(self, site):
        admin = factories.Sysadmin()
        token = factories.APIToken(user=admin["name"])["token"]
        health = site["app"].get("/api/3/action/datapusher_plus_service_status",
                                 headers={"Authorization": token}).json["result"]
        assert health["backend"] == "service"
        assert health["builtin_formats"] == ["JSON", "JSONL", "NDJSON", "GEOJSON", "XML"]
        xml = add_resource(site, "t.xml", "<r><x><v>1</v></x><x><v>2</v></x></r>", "XML")
        job = model.Session.get(Job, submit(site["app"], xml["id"], site["editor"])["job_id"])
        assert job.backend == "builtin"

    @pytest.mark.ckan_config(dpp_config.BUILTIN_FORMATS, "json xml csv")
    def test_a_csv_of_builtin_formats_lands_typed(self, site):
        """A French export (Windows-1252, ``;``, decimal commas, postcodes, a
        quoted line break) through the API and the load, into the DataStore."""
        (site["folder"] / "communes.csv").write_bytes((
            "commune;code postal;surface;créée le;note\r\n"
            "Bourg-en-Bresse;01000;23,86;2026-12-01;\"préfecture\r\nde l'Ain\"\r\n"
            "Œuilly;02160;;2026-11-30;€\r\n").encode("cp1252"))
        resource = factories.Resource(package_id=site["dataset"]["id"], format="CSV",
                                      url=site["files"] + "/communes.csv", name="communes.csv")
        job = push(site, resource)
        assert (job["status"], job["backend"]) == ("complete", "builtin"), job
        found = datastore(resource["id"])
        assert field_types(found) == {"commune": "text", "code postal": "text",
                                      "surface": "numeric", "créée le": "timestamp",
                                      "note": "text"}
        first, second = found["records"]
        assert (first["commune"], first["code postal"], first["surface"], first["note"]) == (
            "Bourg-en-Bresse", "01000", 23.86, "préfecture\r\nde l'Ain")
        # (CKAN 2.12 writes timestamps with milliseconds)
        assert (second["commune"], second["surface"], second["créée le"].replace(".000", ""),
                second["note"]) == ("Œuilly", None, "2026-11-30T00:00:00", "€")
        assert "Encoding Windows-1252, delimiter ;" in [line["message"] for line in job["logs"]]

    @pytest.mark.ckan_config(dpp_config.FORMATS, "csv xml")
    def test_formats_narrows_the_builtin_loaders_too(self, site):
        resource = add_resource(site, "t.json", "[]", "JSON")
        answer = submit(site["app"], resource["id"], site["editor"], status=400)
        assert answer["error"] == "Unsupported format JSON: this portal loads CSV, XML"

    @pytest.mark.ckan_config(dpp_config.BUILTIN_FORMATS, "")
    def test_with_no_builtin_formats_json_is_refused(self, site):
        resource = add_resource(site, "t.json", "[]", "JSON")
        answer = submit(site["app"], resource["id"], site["editor"], status=400)
        assert answer["error"] == "Unsupported format JSON: this portal loads CSV, TSV, XLS"


def _lines(count: int, value: str) -> str:
    return "".join(json.dumps({"n": i, "v": value}) + "\n" for i in range(count))


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_readers_see_the_previous_rows_until_the_swap_then_the_new(site, live_ckan,
                                                                   monkeypatch):
    """``datastore_search`` over HTTP, again and again while a reload runs (in
    this process: placed before the module's worker starts, which would take it):
    every answer is whole — the previous rows until the swap, then the new
    ones; never an error, an empty table or a part of one."""
    resource = add_resource(site, "rows.jsonl", _lines(3000, "old"), "JSONL")
    assert push(site, resource)["status"] == "complete"
    answers: list[tuple[int, Any, Any]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            response = requests.get(live_ckan + "/api/3/action/datastore_search", params={
                "resource_id": resource["id"], "limit": 1, "sort": "_id"}, timeout=30)
            result = response.json().get("result") or {}
            answers.append((response.status_code, result.get("total"),
                            (result.get("records") or [{}])[0].get("v")))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    real_progress = lifecycle.progress

    def slowly(session, job, loaded, total, logs=None):
        # at each step of the load, readers come and read
        seen = len(answers)
        wait_for(lambda: len(answers) >= seen + 3, timeout=30, step=0.01)
        return real_progress(session, job, loaded, total, logs)
    try:
        wait_for(lambda: len(answers) >= 3, timeout=30, step=0.01)
        monkeypatch.setattr(lifecycle, "progress", slowly)
        (site["folder"] / "rows.jsonl").write_text(_lines(5000, "new"))
        assert push(site, resource)["status"] == "complete"
        seen = len(answers)
        wait_for(lambda: len(answers) >= seen + 3, timeout=30, step=0.01)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert {status for status, _total, _v in answers} == {200}
    assert set(answers) == {(200, 3000, "old"), (200, 5000, "new")}
    states = [total for _status, total, _v in answers]
    assert states == sorted(states), "never the previous rows after the new ones"


# ---------------------------------------------------------- end to end ---
ROWS = 2 * loader.CHUNK_LINES  # a progress written before the last chunk
@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real ``ckan jobs worker`` on CKAN's default queue, for the module."""
    folder = tmp_path_factory.mktemp("builtin-worker")
    # The portal's back end stays the service (its settings are required); the
    # worker only runs the built-in loader's jobs.
    ini = write_ini(folder / "worker.ini", tk.config["ckan.site_url"], "http://127.0.0.1:9",
                    "unused-by-the-worker", ckan__plugins=PLUGINS)
    log = folder / "worker.log"
    process = start_worker(ini, log)
    yield {"log": log}
    stop_worker(process)


@pytest.mark.loader
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config(dpp_config.BUILTIN_FORMATS, "jsonl xml tsv")
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_end_to_end_through_the_api_the_worker_and_the_command(site, worker, cli):
    """Records in their thousands (ten chunks: the size alone is the
    benchmark's, bench/records.py), through the API, a real worker and the
    ckan command; and a TSV listed in ``builtin_formats``."""
    lines = "".join(json.dumps({"id": i, "commune": "Saint-Étienne", "valeur": "{},25".format(i),
                                "date": "2026-11-{:02d}".format(i % 28 + 1)}) + "\n"
                    for i in range(ROWS))
    resource = add_resource(site, "communes.jsonl", lines, "JSONL")
    xml = add_resource(site, "t.xml", "<r><x a='1'><v>é</v></x><x a='2'><v>ü</v></x></r>", "XML")
    (site["folder"] / "t.tsv").write_bytes("nom\tsurface\nSète\t24,12\n".encode("cp1252"))
    tsv = factories.Resource(package_id=site["dataset"]["id"], url=site["files"] + "/t.tsv",
                             format="TSV")
    answer = submit(site["app"], resource["id"], site["editor"])
    submit(site["app"], tsv["id"], site["editor"])
    result = cli.invoke(datapusherplusapi, ["submit", xml["id"]])
    assert result.exit_code == 0, result.output

    def status(resource_id: str) -> dict[str, Any]:
        response = site["app"].get("/api/3/action/datapusher_plus_status",
                                   query_string={"resource_id": resource_id},
                                   headers=auth(site["editor"]))
        assert response.status_code == 200
        found = response.json["result"]
        return found if found["status"] in ("complete", "error", "cancelled") else None

    try:
        done = wait_for(lambda: status(resource["id"]), timeout=300, step=0.5)
        small = wait_for(lambda: status(xml["id"]), timeout=60, step=0.5)
        tabbed = wait_for(lambda: status(tsv["id"]), timeout=60, step=0.5)
    except AssertionError:
        raise AssertionError(worker["log"].read_text()[-4000:])
    assert done["status"] == "complete", done
    assert done["job_id"] == answer["job_id"]
    assert done["progress"]["rows_loaded"] == ROWS
    assert small["status"] == "complete", small
    assert (tabbed["status"], tabbed["backend"]) == ("complete", "builtin"), tabbed
    tsv_rows = ckan_helpers.call_action("datastore_search", resource_id=tsv["id"])
    assert [(record["nom"], record["surface"]) for record in tsv_rows["records"]] == [
        ("Sète", 24.12)]
    found = ckan_helpers.call_action("datastore_search", resource_id=resource["id"], limit=1,
                                     sort="id desc")
    assert found["total"] == ROWS
    assert field_types(found) == {"id": "int8", "commune": "text", "valeur": "numeric",
                                  "date": "timestamp"}
    assert found["records"][0]["valeur"] == ROWS - 1 + 0.25


@pytest.mark.loader
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.parametrize("lang, width, words", [
    ("en", 1280, "rows read: the new table is being prepared"),
    ("ar", 390, "\u0627\u0644\u062c\u062f\u0648\u0644 "  # "the new table"
                "\u0627\u0644\u062c\u062f\u064a\u062f"),
])
def test_a_publisher_reloads_and_the_preview_is_never_empty(page, live_ckan, file_server, worker,
                                                             monkeypatch, lang, width, words):
    """The tab, in a browser: a reload pushed again while a long query holds
    the table (the swap waits for it): the tab says the rows are read and
    the new table is being prepared, the table still answers its previous
    rows; once the query ends, the new rows, and no progress left."""
    monkeypatch.setitem(tk.config, dpp_config.POLL_INTERVAL, 1)
    page.set_viewport_size({"width": width, "height": 900})
    folder, base = file_server
    org = factories.Organization()
    editor = factories.User(password=PASSWORD)
    ckan_helpers.call_action("organization_member_create", id=org["id"],
                             username=editor["name"], role="editor")
    dataset = factories.Dataset(owner_org=org["id"])
    (folder / "rows.json").write_text(json.dumps(
        [{"n": i, "ville": "Sfax", "part": "{},5".format(i)} for i in range(100)]))
    resource = factories.Resource(package_id=dataset["id"], url=base + "/rows.json",
                                  format="JSON", name="rows")
    login(page, live_ckan, editor)
    prefix = "" if lang == "en" else "/" + lang
    page.goto("{}{}/dataset/{}/datapusher-plus/{}".format(
        live_ckan, prefix, dataset["name"], resource["id"]))
    page.wait_for_load_state("load")
    page.locator("#dpp-status button[type=submit]").first.click()
    page.locator('#dpp-status [data-dpp-status="complete"]').wait_for(timeout=120_000)
    (folder / "rows.json").write_text(json.dumps(
        [{"n": i, "ville": "Tunis", "part": "{},5".format(i)} for i in range(ROWS)]))
    with table._engine().connect() as reader:
        held = reader.begin()  # a long query reading the table
        reader.execute(sa.text('LOCK TABLE "{}" IN ACCESS SHARE MODE'.format(resource["id"])))
        page.locator("#dpp-status button[type=submit]").first.click()
        bar = page.locator("#dpp-status [data-dpp-part=progress]")
        bar.wait_for(timeout=60_000)
        wait_for(lambda: words in bar.inner_text(), timeout=60)
        assert page.evaluate(SIDEWAYS) <= 0
        assert bar.locator("[role=progressbar]").get_attribute("aria-valuenow") == "100"
        shot(page, "reload-{}-{}".format(lang, width))
        found = ckan_helpers.call_action("datastore_search", resource_id=resource["id"], limit=1)
        assert (found["total"], found["records"][0]["ville"]) == (100, "Sfax")
        held.rollback()
    page.locator('#dpp-status [data-dpp-status="complete"]').wait_for(timeout=120_000)
    assert page.locator("#dpp-status [data-dpp-part=progress]").count() == 0
    found = ckan_helpers.call_action("datastore_search", resource_id=resource["id"], limit=1)
    assert (found["total"], found["records"][0]["ville"]) == (ROWS, "Tunis")
