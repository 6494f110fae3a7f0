"""Configuration: declared, typed, validated at start-up."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.config.environment import update_config
from ckan.exceptions import CkanConfigurationException

from ckanext.datapusherplusapi import backends
from ckanext.datapusherplusapi import config as dpp_config

pytestmark = pytest.mark.usefixtures("with_plugins")


def test_defaults_and_types():
    assert dpp_config.timeout() == 5  # test.ini
    assert dpp_config.max_retries() == 3
    assert dpp_config.max_file_size() == 100
    assert dpp_config.max_file_size_bytes() == 100_000_000
    assert dpp_config.backend() == "service"
    assert dpp_config.formats() == []  # unset: the back end's own (see test_backends.py)
    assert dpp_config.check_after() == 20
    assert dpp_config.debug() is False
    assert dpp_config.backoff_factor() == 0.0
    assert dpp_config.callback_url_base() == tk.config["ckan.site_url"]


@pytest.mark.parametrize("value", ["", "ftp://example.org/dp", "not a url", "http://"])
def test_bad_service_url_stops_ckan(value, monkeypatch):
    # Undone at once, not at teardown: unloading the plugins reruns update_config.
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException) as raised:
        m.setitem(tk.config, dpp_config.URL, value)
        update_config()
    assert dpp_config.URL in str(raised.value)


def test_missing_token_stops_ckan(monkeypatch):
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException) as raised:
        m.setitem(tk.config, dpp_config.API_TOKEN, "")
        update_config()
    assert dpp_config.API_TOKEN in str(raised.value)


def test_values_are_normalised(monkeypatch):
    monkeypatch.setitem(tk.config, dpp_config.TIMEOUT, "12")
    monkeypatch.setitem(tk.config, dpp_config.DEBUG, "true")
    monkeypatch.setitem(tk.config, dpp_config.FORMATS, "csv xlsx")
    monkeypatch.setitem(tk.config, dpp_config.BACKOFF_FACTOR, "1.5")
    update_config()
    assert dpp_config.timeout() == 12
    assert dpp_config.debug() is True
    assert dpp_config.formats() == ["CSV", "XLSX"]
    assert dpp_config.backoff_factor() == 1.5


def test_negative_backoff_stops_ckan(monkeypatch):
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException):
        m.setitem(tk.config, dpp_config.BACKOFF_FACTOR, "-1")
        update_config()


@pytest.mark.parametrize("url, secret, refused", [
    ("http://127.0.0.1:9/hook", "", dpp_config.WEBHOOK_SECRET),  # a webhook is always signed
    ("ftp://example.org/hook", "s", dpp_config.WEBHOOK_URL),
])
def test_a_webhook_without_its_secret_or_with_a_bad_url_stops_ckan(url, secret, refused,
                                                                   monkeypatch):
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException) as raised:
        m.setitem(tk.config, dpp_config.WEBHOOK_URL, url)
        m.setitem(tk.config, dpp_config.WEBHOOK_SECRET, secret)
        update_config()
    assert refused in str(raised.value)


def test_builtin_formats_may_take_csv_and_tsv_from_the_back_end(monkeypatch):
    # by default CSV and TSV stay with the back end
    assert dpp_config.builtin_formats() == ["JSON", "JSONL", "NDJSON", "GEOJSON", "XML"]
    assert backends.for_format("CSV").name == "service"
    monkeypatch.setitem(tk.config, dpp_config.BUILTIN_FORMATS, "json csv TSV")
    update_config()
    assert dpp_config.builtin_formats() == ["JSON", "CSV", "TSV"]
    assert [backends.for_format(fmt).name for fmt in ("CSV", "TSV", "XLS", "XML")] == [
        "builtin", "builtin", "service", "service"]


def test_a_format_the_builtin_loader_cannot_read_stops_ckan(monkeypatch):
    with monkeypatch.context() as m, pytest.raises(CkanConfigurationException) as raised:
        m.setitem(tk.config, dpp_config.BUILTIN_FORMATS, "csv xlsx")
        update_config()
    assert "Unknown format(s) xlsx: the JSON/XML loader reads JSON JSONL NDJSON GEOJSON XML " \
        "CSV TSV" in str(raised.value)
