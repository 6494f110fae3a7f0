"""Every user-visible string of the code is in the fr and ar catalogues, translated."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages import mofile, pofile
from babel.messages.extract import extract_from_dir

PKG = Path(__file__).resolve().parents[1]
DOMAIN = "ckanext-datapusherplusapi"
METHODS = [("**/tests/**", "ignore"), ("**.py", "python"),
           ("**/templates/**.html", "ckan"), ("**.js", "javascript")]


def _code_msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(PKG), METHODS, keywords={"_": None, "ungettext": (1, 2)}):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_code_has_strings():
    assert "File submitted successfully to DataPusher+" in _code_msgids()
    assert "Push to DataStore" in _code_msgids()  # from a template


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_catalogue_complete_and_compiled(lang):
    folder = PKG / "i18n" / lang / "LC_MESSAGES"
    with open(folder / (DOMAIN + ".po"), "rb") as f:
        po = {m.id: m.string for m in pofile.read_po(f) if m.id}
    with open(folder / (DOMAIN + ".mo"), "rb") as f:
        mo = {m.id: m.string for m in mofile.read_mo(f) if m.id}
    missing = sorted(m for m in _code_msgids() if not po.get(m))
    assert missing == [], "untranslated in {}: {}".format(lang, missing)
    assert po == mo, "the .mo is older than the .po: run make i18n"


def test_seed_sentence_is_the_french_text():
    with open(PKG / "i18n" / "fr" / "LC_MESSAGES" / (DOMAIN + ".po"), "rb") as f:
        po = {m.id: m.string for m in pofile.read_po(f)}
    assert po["File submitted successfully to DataPusher+"] == \
        "Fichier soumis avec succès au datapusher plus"
