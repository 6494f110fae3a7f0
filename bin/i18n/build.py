"""Extract, merge and compile the catalogues (run by `make i18n`).

    python bin/i18n/build.py            extract .pot, update fr/ar .po, compile .mo
    python bin/i18n/build.py --check    fail if a message is missing or untranslated
"""
import os
import subprocess
import sys

from babel.messages import pofile, mofile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PKG = os.path.join(REPO, "ckanext", "datapusherplusapi")
I18N = os.path.join(PKG, "i18n")
DOMAIN = "ckanext-datapusherplusapi"
POT = os.path.join(I18N, DOMAIN + ".pot")

sys.path.insert(0, HERE)
from translations import CATALOGUES  # noqa: E402


def extract() -> None:
    subprocess.run([
        sys.executable, "-m", "babel.messages.frontend", "extract",
        "-F", os.path.join(I18N, "babel.cfg"), "--ignore-dirs=tests", "-k", "_",
        "--no-location", "--sort-output", "--omit-header",
        "-o", POT, PKG, os.path.join(REPO, "webassets"),
    ], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def build(check: bool) -> int:
    with open(POT, "rb") as f:
        template = pofile.read_po(f)
    problems = []
    for lang, table in CATALOGUES.items():
        folder = os.path.join(I18N, lang, "LC_MESSAGES")
        os.makedirs(folder, exist_ok=True)
        catalog = pofile.read_po(open(POT, "rb"), locale=lang, domain=DOMAIN)
        catalog.project = DOMAIN
        catalog.fuzzy = False
        for message in catalog:
            if not message.id:
                continue
            text = table.get(message.id)  # a (singular, plural) tuple for plurals
            if not text:
                problems.append("{}: untranslated: {!r}".format(lang, message.id))
            message.string = text or ""
        if check:
            continue
        with open(os.path.join(folder, DOMAIN + ".po"), "wb") as f:
            pofile.write_po(f, catalog, width=100, omit_header=False)
        with open(os.path.join(folder, DOMAIN + ".mo"), "wb") as f:
            mofile.write_mo(f, catalog)
    unused = {lang: set(table) - {m.id for m in template if m.id}
              for lang, table in CATALOGUES.items()}
    for lang, ids in unused.items():
        for msgid in sorted(ids):
            problems.append("{}: not in the code any more: {!r}".format(lang, msgid))
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    check = "--check" in sys.argv
    if not check:
        extract()
    sys.exit(build(check))
