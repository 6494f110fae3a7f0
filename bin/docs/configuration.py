"""docs/configuration.md's list of options, written from the extension's
config_declaration.yaml (`make docs`); `--check` (run by `make lint`) fails
when the file is not what the declaration gives.

Only the part between the two markers is written; the rest of the file is
prose kept by hand.

    python bin/docs/configuration.py [--check]
"""
import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DECLARATION = REPO / "ckanext" / "datapusherplusapi" / "config_declaration.yaml"
DOC = REPO / "docs" / "configuration.md"
BEGIN = "<!-- options: written by bin/docs/configuration.py from config_declaration.yaml -->"
END = "<!-- end of the options -->"


def _markdown(text: str) -> str:
    """A declaration's text (reStructuredText literals) as Markdown."""
    return re.sub(r"``(.+?)``", r"`\1`", " ".join(text.split()))


def _summary(description: str) -> str:
    """The first sentence of a description."""
    text = _markdown(description)
    match = re.match(r"(.+?\.)(\s|$)", text)
    return match.group(1) if match else text


def _default(option: dict) -> str:
    if "default" in option:
        value = option["default"]
        value = str(value).lower() if isinstance(value, bool) else str(value)
        return "`{}`".format(value) if value != "" else "(empty)"
    return "(not set)"


def options_markdown() -> str:
    declaration = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    options = [option for group in declaration["groups"] for option in group["options"]]
    lines = [BEGIN, "", "| option | default | in short |", "|---|---|---|"]
    for option in options:
        lines.append("| [`{key}`](#{anchor}) | {default} | {summary} |".format(
            key=option["key"], anchor=re.sub(r"[^a-z0-9_-]", "", option["key"].lower()),
            default=_default(option), summary=_summary(option.get("description", ""))))
    for option in options:
        lines += ["", "### {}".format(option["key"]), ""]
        facts = ["type: {}".format(option.get("type", "str")), "default: " + _default(option)]
        if "example" in option:
            facts.append("example: `{}`".format(option["example"]))
        if "validators" in option:
            facts.append("validators: `{}`".format(option["validators"]))
        lines += [" · ".join(facts), "", _markdown(option.get("description", ""))]
    lines += ["", END]
    return "\n".join(lines)


def main(check: bool) -> int:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    wanted = text[:start] + options_markdown() + text[end:]
    if check:
        if wanted != text:
            print("docs/configuration.md is not what config_declaration.yaml gives: "
                  "run `make docs`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
