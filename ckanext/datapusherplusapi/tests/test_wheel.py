"""`pip install .` (a wheel) gives a working plugin, assets included.

The wheel is built from this checkout and installed, without dependencies,
into a scratch virtualenv that sees the test virtualenv's packages (CKAN)
through a .pth file; everything is then checked from outside the checkout.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

CHECK = textwrap.dedent('''
    import json, os, sys
    import ckanext.datapusherplusapi as pkg
    from ckanext.datapusherplusapi.plugin import DatapusherPlusApiPlugin, _webassets_folder
    from importlib.metadata import entry_points
    import yaml
    root = os.path.dirname(pkg.__file__)
    assets = _webassets_folder()
    with open(os.path.join(assets, "webassets.yml")) as f:
        bundles = yaml.safe_load(f)
    missing = [item for bundle in bundles.values() for item in bundle["contents"]
               if not os.path.isfile(os.path.join(assets, item))]
    print(json.dumps({
        "package": root,
        "assets": str(assets),
        "bundle": sorted(bundles) == ["htmx", "script", "style"] and not missing,
        "css": os.path.isfile(os.path.join(assets, "css", "datapusherplusapi.css")),
        "htmx": os.path.isfile(os.path.join(assets, "vendor", "htmx", "htmx.min.js")),
        "declaration": os.path.isfile(os.path.join(root, "config_declaration.yaml")),
        "migration": os.path.isfile(os.path.join(
            root, "migration", "datapusherplusapi", "versions",
            "001_3f1c2a7d9b10_create_job_table.py")),
        "alembic_ini": os.path.isfile(
            os.path.join(root, "migration", "datapusherplusapi", "alembic.ini")),
        "mo_fr": os.path.isfile(os.path.join(
            root, "i18n", "fr", "LC_MESSAGES", "ckanext-datapusherplusapi.mo")),
        "plugin": [ep.value for ep in entry_points(group="ckan.plugins")
                   if ep.name == "datapusherplusapi"],
    }))
''')


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(REPO)], check=True, cwd=str(out))
    return next(out.glob("ckanext_datapusherplusapi-*.whl"))


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("ckanext/datapusherplusapi/plugin.py",
                     "ckanext/datapusherplusapi/config_declaration.yaml",
                     "ckanext/datapusherplusapi/webassets/webassets.yml",
                     "ckanext/datapusherplusapi/webassets/css/datapusherplusapi.css",
                     "ckanext/datapusherplusapi/webassets/js/datapusherplusapi.js",
                     "ckanext/datapusherplusapi/webassets/vendor/htmx/htmx.min.js",
                     "ckanext/datapusherplusapi/webassets/vendor/htmx/LICENSE",
                     "ckanext/datapusherplusapi/templates/datapusherplusapi/snippets/status.html",
                     "ckanext/datapusherplusapi/templates/package/resource_read.html",
                     "ckanext/datapusherplusapi/migration/datapusherplusapi/env.py",
                     "ckanext/datapusherplusapi/i18n/ar/LC_MESSAGES/ckanext-datapusherplusapi.mo"):
        assert expected in names
    assert not any(name.startswith("ckanext/__init__") for name in names)


def test_installed_wheel_works(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.check_output(
        [str(venv / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True).strip())
    # The scratch venv sees CKAN (the test venv's site-packages) but not this checkout.
    (site / "ckan-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--target", str(site), str(wheel)], check=True, cwd=str(tmp_path))
    # Installed for real, the wheel's files land in CKAN's own ckanext/ folder:
    # where CKAN has a ckanext/__init__.py (2.10's pkg_resources namespace, which
    # only sees folders that have one), the scratch folder gets the same file.
    ckan_init = Path(sysconfig.get_paths()["purelib"]) / "ckanext" / "__init__.py"
    if ckan_init.exists():
        (site / "ckanext" / "__init__.py").write_bytes(ckan_init.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(venv / "bin" / "python"), "-c", CHECK], cwd=str(tmp_path),
                            env=env, check=True, capture_output=True, text=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["package"].startswith(str(site)), found
    assert found["assets"].startswith(str(site)), found
    assert all(found[key] for key in ("bundle", "css", "htmx", "declaration", "migration",
                                      "alembic_ini", "mo_fr")), found
    assert "ckanext.datapusherplusapi.plugin:DatapusherPlusApiPlugin" in found["plugin"]
