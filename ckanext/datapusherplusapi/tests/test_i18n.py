"""Every user-visible string of the code is in the fr and ar catalogues, translated."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages import mofile, pofile
from babel.messages.extract import extract_from_dir

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.datapusherplusapi.model.job import Job

PKG = Path(__file__).resolve().parents[1]
JS = PKG.parents[1] / "webassets" / "js"
DOMAIN = "ckanext-datapusherplusapi"
METHODS = [("**/tests/**", "ignore"), ("**.py", "python"),
           ("**/templates/**.html", "ckan.lib.extract.extract_ckan"), ("**.js", "javascript")]


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _catalogue(path, reader):
    with open(path, "rb") as f:
        return {_key(m.id): _key(m.string) for m in reader(f) if m.id}


def _code_msgids() -> set:
    """Every message of the code, templates and our own JavaScript (webassets/js)."""
    found = set()
    keywords = {"_": None, "ungettext": (1, 2), "ngettext": (1, 2), "Message": None}
    for folder, methods in ((PKG, METHODS), (JS, [("**.js", "javascript")])):
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(folder), methods, keywords=keywords):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_code_has_strings():
    assert "File submitted successfully to DataPusher+" in _code_msgids()
    assert "Push to DataStore" in _code_msgids()  # from a template
    assert "Cancelled by {user}" in _code_msgids()  # a Message, translated when read
    assert ("%(count)s job", "%(count)s jobs") in _code_msgids()  # a plural


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_catalogue_complete_and_compiled(lang):
    folder = PKG / "i18n" / lang / "LC_MESSAGES"
    po = _catalogue(folder / (DOMAIN + ".po"), pofile.read_po)
    mo = _catalogue(folder / (DOMAIN + ".mo"), mofile.read_mo)
    missing = sorted((m for m in _code_msgids()
                      if not po.get(m) or (isinstance(m, tuple) and not all(po[m]))), key=str)
    assert missing == [], "untranslated in {}: {}".format(lang, missing)
    assert po == mo, "the .mo is older than the .po: run make i18n"


def test_seed_sentence_is_the_french_text():
    po = _catalogue(PKG / "i18n" / "fr" / "LC_MESSAGES" / (DOMAIN + ".po"), pofile.read_po)
    assert po["File submitted successfully to DataPusher+"] == \
        "Fichier soumis avec succès au datapusher plus"


def test_latin_names_isolated_in_arabic():
    """In a right-to-left sentence "DataPusher+" would show as "+DataPusher":
    the Arabic catalogue isolates the Latin names (U+2066 ... U+2069)."""
    po = _catalogue(PKG / "i18n" / "ar" / "LC_MESSAGES" / (DOMAIN + ".po"), pofile.read_po)
    texts = [t for value in po.values() for t in (value if isinstance(value, tuple) else [value])]
    names = [m for t in texts for m in re.finditer(r"(.?)(DataPusher\+|DataStore)(.?)", t)]
    assert len(names) > 20
    bare = [m.group(0) for m in names if (m.group(1), m.group(3)) != ("\u2066", "\u2069")]
    assert bare == []


PHYSICAL = re.compile(r"\b(?:margin|padding|border)-(?:left|right)\b|\b(?:left|right)\s*:"
                      r"|\b(?:ml|mr|pl|pr)-(?:\d|auto)\b|\b(?:float|text)-(?:left|right)\b"
                      r"|\bpull-(?:left|right)\b")


def test_no_physical_left_or_right():
    """Right-to-left for free: templates and CSS use logical sides only
    (``ms-*``/``me-*``, ``padding-inline``), never left/right."""
    files = (list((PKG / "templates").rglob("*.html"))
             + list(JS.parent.joinpath("css").rglob("*.css")))
    assert len(files) > 10
    found = ["{}: {}".format(path.name, match.group(0)) for path in files
             for match in PHYSICAL.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_a_jobs_error_is_in_each_readers_language(app, pending_job):
    """What a job records is the message and its parameters: the sysadmin
    who cancelled in English, the publisher who reads in French or Arabic,
    each reads it in their own language."""

    admin = factories.Sysadmin(name="amina", fullname="Amina Tazi")  # named by her display name
    helpers.call_action("datapusher_plus_job_cancel", {"user": admin["name"]},
                        id=pending_job["job_id"])
    row = model.Session.get(Job, pending_job["job_id"])
    assert (row.error, row.error_params) == ("Cancelled by {user}", {"user": "Amina Tazi"})

    rid = pending_job["resource"]["id"]
    headers = {"Authorization": pending_job["editor"]["token"]}
    read = {lang: app.get("{}/api/3/action/datapusher_plus_status/{}".format(prefix, rid),
                          headers=headers).json["error"]
            for lang, prefix in (("en", ""), ("fr", "/fr"), ("ar", "/ar"))}
    assert read == {"en": "Cancelled by Amina Tazi", "fr": "Annulée par Amina Tazi",
                    "ar": "ألغاها Amina Tazi"}
    page = app.get("/fr/dataset/{}/datapusher-plus/{}".format(
        pending_job["resource"]["package_id"], rid), headers=headers)
    assert "Annulée par Amina Tazi" in page.get_data(as_text=True)
