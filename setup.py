"""Packaging for ckanext-datapusherplusapi.

``ckanext`` is a native (PEP 420) namespace package, as in CKAN >= 2.10 itself.
The web assets live in the top-level ``webassets/`` folder;
``package_dir`` maps it into the wheel as ``ckanext.datapusherplusapi.webassets``
so that ``tk.add_resource`` finds it in editable and wheel installs alike.
"""
import os

from setuptools import find_namespace_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _read(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


packages = find_namespace_packages(include=["ckanext.*"])
packages.append("ckanext.datapusherplusapi.webassets")

setup(
    name="ckanext-datapusherplusapi",
    version="0.1.0",
    description=(
        "CKAN extension: push resources into the DataStore through a "
        "DataPusher+ service, with a JSON API and live status"
    ),
    long_description=_read("README.md"),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    classifiers=[
        "Framework :: CKAN",
        "Framework :: CKAN :: 2.10",
        "Framework :: CKAN :: 2.11",
        "Framework :: CKAN :: 2.12",
        "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
        "Programming Language :: Python :: 3",
    ],
    python_requires=">=3.9",
    packages=packages,
    package_dir={"ckanext.datapusherplusapi.webassets": "webassets"},
    package_data={
        "ckanext.datapusherplusapi": [
            "config_declaration.yaml",
            "templates/**/*.html",
            "i18n/*.pot",
            "i18n/*.cfg",
            "i18n/*/LC_MESSAGES/*.po",
            "i18n/*/LC_MESSAGES/*.mo",
            "migration/datapusherplusapi/alembic.ini",
            "migration/datapusherplusapi/README",
            "migration/datapusherplusapi/script.py.mako",
        ],
        "ckanext.datapusherplusapi.webassets": ["*.yml", "**/*"],
    },
    include_package_data=False,
    zip_safe=False,
    # CKAN itself (with its pinned requirements) is installed first, as CKAN's
    # documentation says; requests and flask come with it.  prometheus_client
    # writes the metrics endpoint's answer (it needs nothing else).
    install_requires=["requests", "flask", "prometheus_client>=0.16,<1"],
    entry_points={
        "ckan.plugins": [
            "datapusherplusapi = ckanext.datapusherplusapi.plugin:DatapusherPlusApiPlugin",
        ],
        # DEV/TEST ONLY: a database-backed stand-in for Solr.  It is registered
        # in CKAN's *test* plugin group and lives with the tests; production
        # configurations never list it (they use Solr).
        "ckan.test_plugins": [
            "datapusherplusapi_nosolr = ckanext.datapusherplusapi.tests.nosolr:NoSolrPlugin",
        ],
        "babel.extractors": [
            "ckan = ckan.lib.extract:extract_ckan",
        ],
    },
    message_extractors={
        "ckanext": [
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("**/templates/**.html", "ckan.lib.extract.extract_ckan", None),
        ],
    },
)
