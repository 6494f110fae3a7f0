"""Extract, merge and compile the catalogues (run by `make i18n`).

    python bin/i18n/build.py            extract .pot, update fr/ar .po, compile .mo
    python bin/i18n/build.py --check    fail if a message of the code is not in the
                                        catalogues, or is untranslated or obsolete there

The .po files (``ckanext/datapusherplusapi/i18n/<lang>/LC_MESSAGES``) are the
one source of the translations: a new message appears there with an empty
``msgstr`` after `make i18n`; translate it there and run `make i18n` again.
"""
import os
import subprocess
import sys
import tempfile

from babel.messages import mofile, pofile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PKG = os.path.join(REPO, "ckanext", "datapusherplusapi")
I18N = os.path.join(PKG, "i18n")
DOMAIN = "ckanext-datapusherplusapi"
POT = os.path.join(I18N, DOMAIN + ".pot")

LANGUAGES = ("fr", "ar")


def extract(pot: str = POT) -> None:
    subprocess.run([
        sys.executable, "-m", "babel.messages.frontend", "extract",
        "-F", os.path.join(I18N, "babel.cfg"), "--ignore-dirs=tests", "-k", "_", "-k", "Message",
        "--no-location", "--sort-output", "--omit-header",
        "-o", pot, PKG, os.path.join(REPO, "webassets"),
    ], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def build(check: bool) -> int:
    """Merge the .pot into each language's .po (the translations' one source:
    translators edit it), then compile the .mo; with ``check``, change
    nothing and report what the code says that the catalogues lack, and what
    is untranslated or obsolete."""
    problems = []
    if check:  # the code's messages now, against the committed template
        with tempfile.TemporaryDirectory() as folder:
            fresh = os.path.join(folder, DOMAIN + ".pot")
            extract(fresh)
            with open(fresh, "rb") as f:
                now = {message.id for message in pofile.read_po(f) if message.id}
        with open(POT, "rb") as f:
            committed = {message.id for message in pofile.read_po(f) if message.id}
        for msgid in sorted(now - committed, key=str):
            problems.append("not in the catalogues (run make i18n): {!r}".format(msgid))
        for msgid in sorted(committed - now, key=str):
            problems.append("in the catalogues, not in the code (run make i18n): {!r}".format(
                msgid))
    with open(POT, "rb") as f:
        template = pofile.read_po(f)
    for lang in LANGUAGES:
        folder = os.path.join(I18N, lang, "LC_MESSAGES")
        po_path = os.path.join(folder, DOMAIN + ".po")
        with open(po_path, "rb") as f:
            catalog = pofile.read_po(f, locale=lang, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        for msgid in sorted(catalog.obsolete):
            problems.append("{}: not in the code any more: {!r}".format(lang, msgid))
        for message in catalog:
            if message.id and not (message.string if isinstance(message.string, str)
                                   else all(message.string)):
                problems.append("{}: untranslated: {!r}".format(lang, message.id))
        if check:
            continue
        catalog.obsolete.clear()
        catalog.fuzzy = False
        with open(po_path, "wb") as f:
            pofile.write_po(f, catalog, width=100, omit_header=False)
        with open(os.path.join(folder, DOMAIN + ".mo"), "wb") as f:
            mofile.write_mo(f, catalog)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    check = "--check" in sys.argv
    if not check:
        extract()
    sys.exit(build(check))
