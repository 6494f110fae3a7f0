"""`make lint`: every reference to a document of this repository points to a
file and a heading that exist.

What it reads, in every file git tracks (text only):
- Markdown links to a file of the repository, with or without ``#anchor``
  (``[the back ends](backends.md#formats-by-back-end)``): the file exists,
  and the anchor is one of its headings (as forges make anchors of them);
- a document named with a heading in quotes, anywhere (a docstring, a
  comment, a template): ``docs/api.md, "Errors"`` or ``README, "Two
  commands"``: the file exists and has a heading of that text;
- a path to a Markdown file (``docs/pages.md``): it exists.

    python bin/lint/references.py      (prints each dead reference; exit 1 if any)
"""
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEXT = (".py", ".html", ".md", ".sh", ".ini", ".toml", ".yaml", ".yml", ".txt", ".cfg", ".js",
        ".css")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
NAMED = re.compile(r"\b((?:[\w.-]+/)*(?:README|[\w.-]+\.md))\b,?\s+\"([^\"]{3,100})\"")
PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")


def tracked() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=REPO, check=True, capture_output=True,
                           text=True).stdout.split("\n")
    return [REPO / name for name in names
            if name and (name.endswith(TEXT) or name in ("Makefile", ".ci/run"))]


def headings(path: Path) -> list[str]:
    """The headings of a Markdown file, as written (without the #s)."""
    found, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            found.append(line.lstrip("#").strip())
    return found


def anchor(heading: str) -> str:
    """The anchor a forge (GitHub, GitLab) gives a heading."""
    text = heading.lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def plain(heading: str) -> str:
    """A heading as compared: no code marks, one space between words, any case."""
    return " ".join(heading.replace("`", "").split()).lower()


def resolve(name: str, where: Path) -> Path | None:
    """A document's path: relative to the referring file, the repository, or
    the package (``tests/README.md`` from the package's code)."""
    if name in ("README", "README.md"):
        return REPO / "README.md"
    for base in (where.parent, REPO, REPO / "ckanext" / "datapusherplusapi"):
        candidate = (base / name).resolve()
        if candidate.is_file():
            return candidate
    return None


def check(path: Path) -> list[str]:
    problems = []
    text = path.read_text(encoding="utf-8", errors="replace")
    where = path.relative_to(REPO)

    def line_of(index: int) -> str:
        return "{}:{}".format(where, text.count("\n", 0, index) + 1)

    if path.suffix == ".md":
        for match in LINK.finditer(text):
            target = match.group(1)
            if re.match(r"[a-z]+:", target) or target.startswith("<"):
                continue  # a URL elsewhere
            name, _, fragment = target.partition("#")
            document = resolve(name, path) if name else path
            if document is None:
                problems.append("{}: no file {}".format(line_of(match.start()), name))
            elif fragment and document.suffix == ".md" and fragment not in {
                    anchor(heading) for heading in headings(document)}:
                problems.append("{}: no heading #{} in {}".format(
                    line_of(match.start()), fragment, document.relative_to(REPO)))
    for match in NAMED.finditer(text):
        name, heading = match.groups()
        document = resolve(name, path)
        if document is None:
            problems.append("{}: no file {}".format(line_of(match.start()), name))
        elif plain(heading) not in {plain(found) for found in headings(document)}:
            problems.append("{}: no heading \"{}\" in {}".format(
                line_of(match.start()), heading, document.relative_to(REPO)))
    for match in PATH.finditer(text):
        if match.group(1).startswith(".dev/"):
            continue  # written by the set-up (git-ignored)
        if resolve(match.group(1), path) is None and "/" in match.group(1):
            problems.append("{}: no file {}".format(line_of(match.start()), match.group(1)))
    return problems


def main() -> int:
    problems = [problem for path in tracked() if path.is_file() for problem in check(path)]
    for problem in problems:
        print("dead reference: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
