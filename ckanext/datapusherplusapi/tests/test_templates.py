"""What our templates may be made of, on every CKAN we support.

- Bootstrap: CKAN 2.10 and 2.11 ship 5.1.3, CKAN 2.12 ships 5.3. A class that
  Bootstrap added in 5.2 or 5.3 (``text-bg-*``, ``bg-*-subtle``,
  ``text-body-secondary``...) styles our pages on 2.12 and silently does
  nothing on 2.10 and 2.11: none in our templates, CSS, JavaScript, nor in
  the classes our template helpers hand out.
- Page titles: their parts are joined by CKAN's delimiter
  (``ckan.template_title_delimiter``), as CKAN's own templates join theirs.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

import ckan
import ckan.model as model
from ckan.tests import factories

from ckanext.datapusherplusapi import vocabulary
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.presentation import words
from ckanext.datapusherplusapi.tests.helpers import (
    auth,
    make_resource,
    seed_jobs,
    sysadmin_with_token,
)

PKG = Path(__file__).resolve().parents[1]
WEBASSETS = PKG.parents[1] / "webassets"

# Every class of Bootstrap 5.3.8 (CKAN 2.12) that 5.1.3 (CKAN 2.10, 2.11) lacks,
# as patterns: the classes of CKAN 2.12's main.css missing from 2.11's,
# written as families (each colour, each breakpoint).
COLOURS = "(?:primary|secondary|success|danger|warning|info|light|dark)"
BREAKPOINT = "(?:-(?:sm|md|lg|xl|xxl))?"
ONLY_5_2_PLUS = re.compile(r"(?<![\w-])(?:" + "|".join([
    "text-bg-" + COLOURS,
    "(?:bg|border)-" + COLOURS + "-subtle",
    "(?:text|link)-(?:" + COLOURS[3:-1] + "|body)-emphasis",
    "(?:text|bg)-body-(?:secondary|tertiary)",
    r"link-underline(?:-[\w-]+)?",
    r"link-(?:offset|opacity)-\d+(?:-hover)?",
    "icon-link(?:-hover)?",
    "focus-ring(?:-" + COLOURS + ")?",
    "z-(?:n1|[0-3])",
    "object-fit" + BREAKPOINT + "-(?:contain|cover|fill|scale|none)",
    "fw-(?:medium|semibold)",
    "(?:row|column)-gap" + BREAKPOINT + "-[0-5]",
    "overflow-[xy]-(?:auto|hidden|visible|scroll)",
    "d(?:-(?:sm|md|lg|xl|xxl|print))?-inline-grid",
    "rounded-[45]",
    "rounded-(?:top|end|bottom|start)-(?:[0-5]|circle|pill)",
    "border-opacity-(?:10|25|50|75|100)",
    "border-black",
    "sticky" + BREAKPOINT + "-bottom",
    "offcanvas-(?:sm|md|lg|xl|xxl)",
    "progress-stacked", "table-group-divider", "table-striped-columns",
    "form-check-reverse", "(?:dropdown|dropup)-center", "nav-underline",
]) + r")(?![\w-])")


def _ours() -> list[Path]:
    """Our templates, stylesheets and scripts (not the vendored htmx)."""
    return (sorted((PKG / "templates").rglob("*.html"))
            + sorted((WEBASSETS / "css").rglob("*.css"))
            + sorted((WEBASSETS / "js").rglob("*.js")))


def test_no_bootstrap_5_2_or_5_3_class():
    files = _ours()
    assert len(files) > 20
    found = ["{}:{}: {}".format(path.relative_to(PKG.parents[1]),
                                text.count("\n", 0, match.start()) + 1, match.group(0))
             for path in files
             for text in [path.read_text(encoding="utf-8")]
             for match in ONLY_5_2_PLUS.finditer(text)]
    found += ["status_class({!r}): {}".format(status, match.group(0))
              for status in (vocabulary.NOT_SUBMITTED, *vocabulary.STATUSES)
              for match in ONLY_5_2_PLUS.finditer(words.status_class(status))]
    assert found == [], "Bootstrap 5.2+ only (CKAN 2.10 and 2.11 ship 5.1.3): {}".format(found)


def _classes_of(css: str) -> set[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return {match.group(1) for selector in re.findall(r"([^{}]+)\{", css)
            for match in re.finditer(r"\.(-?[_a-zA-Z][\w-]*)", selector)}


def test_the_check_spares_bootstrap_5_1():
    """The patterns catch the newer classes, and no class of Bootstrap 5.1.3
    (all of CKAN's compiled theme, when the CKAN under test ships 5.1.3)."""
    for newer in ("text-bg-warning", "bg-danger-subtle", "text-success-emphasis",
                  "border-info-subtle", "link-underline-opacity-25", "link-offset-2",
                  "icon-link", "focus-ring", "z-1", "object-fit-md-cover", "fw-medium",
                  "fw-semibold", "text-body-secondary", "text-body-tertiary",
                  "bg-body-secondary", "column-gap-lg-3", "rounded-end-2"):
        assert ONLY_5_2_PLUS.fullmatch(newer), newer
    for older in ("text-muted", "text-dark", "bg-warning", "bg-body", "text-body", "fw-bold",
                  "fw-normal", "link-primary", "rounded", "rounded-end", "rounded-3", "gap-2",
                  "d-md-none", "d-inline-flex", "sticky-top", "overflow-auto", "visually-hidden",
                  "text-break", "text-wrap", "border-opacity", "offcanvas", "z-index"):
        assert not ONLY_5_2_PLUS.search(older), older
    main = Path(ckan.__file__).parent / "public" / "base" / "css" / "main.css"
    css = main.read_text(encoding="utf-8")
    if "Bootstrap v5.1.3" not in css or "-bg-subtle" in css:  # 2.12: 5.3 under 5.1's banner
        pytest.skip("this CKAN's theme is not Bootstrap 5.1.3")
    assert sorted(c for c in _classes_of(css) if ONLY_5_2_PLUS.search(c)) == []


SUBTITLE = re.compile(r"{%-?\s*block subtitle\s*-?%}(.*?){%-?\s*endblock", re.S)


def test_titles_joined_by_ckans_delimiter_in_the_templates():
    """No separator written into a title: between two parts, CKAN's."""
    blocks = [(path.name, block) for path in sorted((PKG / "templates").rglob("*.html"))
              for block in SUBTITLE.findall(path.read_text(encoding="utf-8"))]
    assert len(blocks) >= 5
    for name, block in blocks:
        outside = re.sub(r"{{.*?}}", "{{}}", block, flags=re.S)
        assert re.sub(r"{{}}\s*", "", outside) == "", (name, block)
        assert block.count("{{") == 2 * block.count("template_title_delimiter") + 1, (name, block)


def _title(response) -> str:
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").title.string


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.template_title_delimiter", "|")
def test_titles_joined_by_ckans_delimiter_on_the_pages(app):
    admin = sysadmin_with_token()
    org = factories.Organization(title="Statistics Office")
    resource = make_resource(org, name="Census")
    seed_jobs([resource], 1, "error", error="bad header")
    job = model.Session.execute(sa.select(Job.id)).scalar()
    dataset = model.Package.get(resource["package_id"])
    headers = auth(admin)
    titles = {url: _title(app.get(url, headers=headers)) for url in (
        "/ckan-admin/datapusher-plus/",
        "/ckan-admin/datapusher-plus/jobs/" + job,
        "/organization/datapusher-plus/" + org["name"],
        "/dataset/{}/datapusher-plus/{}".format(dataset.name, resource["id"]),
        "/user/datapusher-plus/mail")}
    assert list(titles.values()) == [
        "DataPusher+ | Administration | CKAN",
        "DataPusher+ job | Administration | CKAN",
        "DataPusher+ | Statistics Office | Organizations | CKAN",
        "{} | Census | CKAN".format(dataset.title),
        "Mails about failed pushes | CKAN",
    ]


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_every_button_is_styled_by_this_ckans_theme(app):
    """A button class CKAN's theme does not style shows a bare link: CKAN
    2.12's theme dropped ``btn-default`` (its secondary button is Bootstrap's
    ``btn-secondary``). Our buttons carry what the CKAN under test styles."""
    admin = sysadmin_with_token()
    org = factories.Organization()
    resource = make_resource(org, name="Census")
    seed_jobs([resource], 1, "error", error="bad header")
    job = model.Session.execute(sa.select(Job.id)).scalar()
    dataset = model.Package.get(resource["package_id"])
    styled = _classes_of((Path(ckan.__file__).parent / "public" / "base" / "css" / "main.css")
                         .read_text(encoding="utf-8"))
    found = set()
    for url in ("/ckan-admin/datapusher-plus/", "/ckan-admin/datapusher-plus/jobs/" + job,
                "/organization/datapusher-plus/" + org["name"],
                "/dataset/{}/datapusher-plus/{}".format(dataset.name, resource["id"]),
                "/dataset/{}/resource/{}".format(dataset.name, resource["id"])):
        page = BeautifulSoup(app.get(url, headers=auth(admin)).get_data(as_text=True),
                             "html.parser")
        for button in page.select(".dpp-page .btn, [id^=dpp-] .btn"):
            found.update((url, name) for name in button["class"] if name.startswith("btn-"))
    assert {name for _url, name in found} >= {"btn-primary", "btn-sm"}
    assert [(url, name) for url, name in sorted(found) if name not in styled] == []
