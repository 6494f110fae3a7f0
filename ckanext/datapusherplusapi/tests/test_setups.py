"""CKAN starts with every set-up the README prints, exactly as printed.

Each start is a ``ckan`` command in a process of its own: what fails (a
validator CKAN does not know yet, a plugin order) fails while CKAN loads its
plugins, which happens once per process.
"""
from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ckan.plugins.toolkit as tk

from ckanext.datapusherplusapi.tests.helpers import make_resource

REPO = Path(__file__).resolve().parents[3]
CKAN = str(Path(sys.executable).with_name("ckan"))
# What the README's ``...`` stands for here: the portal's other plugins (the
# Solr stand-in of the tests, and a view plugin).
OTHER_PLUGINS = "datapusherplusapi_nosolr datatables_view"


def readme_setups() -> dict[str, list[str]]:
    """The production set-ups of README.md: each ``# N. title`` of its ini
    block, with the lines under it."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    setups: dict[str, list[str]] = {}
    for block in re.findall(r"```ini\n(.*?)```", text, re.S):
        title = None
        for line in block.splitlines():
            heading = re.match(r"# (\d+\. .*)", line)
            if heading:
                title = heading.group(1)
                setups[title] = []
            elif title and line.strip() and not line.startswith("#"):
                setups[title].append(line)
    return setups


def _as_here(line: str) -> str:
    """A README line with its placeholders filled as this machine needs them:
    ``...`` (other plugins), ``<...>`` (a secret), ``postgresql://...`` (a
    database); a comment after the value goes."""
    line = re.sub(r"\s+# .*$", "", line)
    key, _, value = (part.strip() for part in line.partition("="))
    if key == "ckan.plugins":
        value = value.replace("...", OTHER_PLUGINS)
    elif value.startswith("<"):
        value = "a-token-of-the-setup-test"
    elif value == "postgresql://...":
        value = tk.config["ckanext.xloader.jobs_db.uri"]
    return "{} = {}".format(key, value)


def _start(tmp_path: Path, name: str, lines: list[str]) -> subprocess.Popen[str]:
    """``ckan -c <test.ini with these lines> datapusherplusapi --help``,
    started (not waited for)."""
    settings = [_as_here(line) for line in lines]
    keys = {line.split("=")[0].strip() for line in settings}
    kept = [line for line in (REPO / "test.ini").read_text(encoding="utf-8").splitlines()
            if line.split("=")[0].strip() not in keys]
    at = kept.index("[app:main]") + 1
    ini = tmp_path / "{}.ini".format(name)
    ini.write_text("\n".join(kept[:at] + settings + kept[at:]) + "\n", encoding="utf-8")
    return subprocess.Popen([CKAN, "-c", str(ini), "datapusherplusapi", "--help"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=str(tmp_path))


def test_the_readme_prints_three_setups():
    setups = readme_setups()
    assert [title.split(".")[0] for title in setups] == ["1", "2", "3"]
    for lines in setups.values():
        plugins = next(line for line in lines if line.startswith("ckan.plugins"))
        # ours last: every plugin the set-up names comes before it
        assert plugins.split()[-1] == "datapusherplusapi"


def test_ckan_starts_with_each_readme_setup_and_with_our_plugin_first_or_last(tmp_path):
    setups = readme_setups()
    xloader = next(lines for title, lines in setups.items() if "xloader" in title)
    first = ["ckan.plugins = datapusherplusapi datastore xloader " + OTHER_PLUGINS] + [
        line for line in xloader if not line.startswith("ckan.plugins")]
    runs: dict[str, Any] = {title: _start(tmp_path, "setup{}".format(i), lines)
                            for i, (title, lines) in enumerate(setups.items())}
    runs["ours first"] = _start(tmp_path, "first", first)
    outputs = {title: run.communicate(timeout=300)[0] for title, run in runs.items()}
    for title, run in runs.items():
        assert run.returncode == 0, "{}:\n{}".format(title, outputs[title][-3000:])
        assert "retry-failed" in outputs[title], title  # our command group: our plugin loaded



@pytest.mark.once
@pytest.mark.usefixtures("clean_db")
def test_the_demo_config_works_as_printed_with_the_ckan_command(tmp_path):
    """``make dev`` prints its config's path for the README's ``ckan -c <it>
    datapusherplusapi ...``: the file itself names the databases (no variable
    of the set-up script's environment is needed). Written here by the same
    function for the test databases."""
    resource = make_resource()
    site = tk.config["sqlalchemy.url"].rsplit("/ckan_dpp_", 1)[1]
    ini = tmp_path / "dev.ini"
    subprocess.run([str(REPO / "bin" / "dpp.sh"), "dev-config", str(ini), site], check=True,
                   capture_output=True)
    bare = {key: value for key, value in os.environ.items() if not key.startswith("CKAN_")}
    run = subprocess.run([CKAN, "-c", str(ini), "datapusherplusapi", "status", resource["id"]],
                         env=bare, capture_output=True, text=True, cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "resource_id: {}".format(resource["id"]) in run.stdout
    assert "datastore_active: False" in run.stdout
    # The demo offers CKAN's own upload field on the resource form.
    written = configparser.ConfigParser(interpolation=None, strict=False)
    written.read(ini)
    assert written["app:main"]["ckan.uploads_enabled"] == "true"
    assert written["app:main"]["ckan.storage_path"]
