"""The causes of failed jobs (``causes.py``, docs/causes.md): what each
loader's real words lead to, and every cause's words in en, fr and ar.

The loaders' messages below are the ones they wrote in this suite's runs
against the real loaders (test_xloader.py, test_e2e.py, test_datapusher_plus.py,
test_builtin_loader.py), or, where marked, quoted from the installed
loader's source; ours are the ``Message`` msgids of records/ and backends/
with their parameters, as a job keeps them.
"""
from __future__ import annotations

import importlib.resources
import re
from typing import Any, Optional

import pytest
import sqlalchemy as sa

import ckan.model as model
from ckan.cli import db as db_cli

from ckanext.datapusherplusapi import causes
from ckanext.datapusherplusapi.model import Job
from ckanext.datapusherplusapi.tests.helpers import worker_command

XLOADER_404 = (
    "Xloader received a bad HTTP response when trying to download the data file status=404 "
    "url=http://127.0.0.1:41234/not-there.csv response=404 Client Error: File not found for "
    "url: http://127.0.0.1:41234/not-there.csv")
XLOADER_NO_HOST = (
    "HTTPConnectionPool(host='nowhere.invalid', port=80): Max retries exceeded with url: /x.csv "
    "(Caused by NameResolutionError(\"HTTPConnection(host='nowhere.invalid', port=80): Failed "
    "to resolve 'nowhere.invalid' ([Errno -2] Name or service not known)\")) status=None "
    "url=http://nowhere.invalid/x.csv response=None")
XLOADER_REFUSED = (
    '  File "/srv/ckan/lib/python3.11/site-packages/ckan/logic/__init__.py", line 391, in '
    "check_access\n    raise NotAuthorized(msg)\nNotAuthorized('User  not authorized to read "
    "resource 9cb2a687-b843-4365-a20d-c85330b0fb81')")
SILENCE = ("The service has reported nothing new on this job for {seconds} s; its last log "
           "line: \u201c{line}\u201d.")
SILENCE_HTTP = ("The service has reported nothing new on this job for {seconds} s; its last "
                "log line: \u201c{line}\u201d. The file answers HTTP {status} {reason}.")
RQ_FAILED = "{loader}'s background job {state}: {reason}"

XL, SERVICE, DPP, BUILTIN = "xloader", "service", "datapusher_plus", "builtin"
JOB = "service_job_error"


@pytest.mark.parametrize("error_type, error, params, backend, code, expected", [
    # ckanext-xloader (2.5.2, 2.6.0), run for real
    (JOB, XLOADER_404, None, XL, "download_failed", {"detail": "http_404"}),
    (JOB, XLOADER_NO_HOST, None, XL, "download_failed", {"detail": "name"}),
    (JOB, "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /x.csv "
     "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed "
     "to establish a new connection: [Errno 111] Connection refused')) status=None "
     "url=http://127.0.0.1:1/x.csv response=None", None, XL, "download_failed",
     {"detail": "connection_refused"}),
    # the service's own call to CKAN's API that could not connect: no download
    (JOB, "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
     "/api/3/action/resource_show (Caused by NewConnectionError('<urllib3.connection."
     "HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] "
     "Connection refused'))", None, SERVICE, "unknown", {}),
    (JOB, "Data too large to load into Datastore: 240004 bytes > max 100000 bytes.", None, XL,
     "file_too_large", {"option": "ckanext.xloader.max_content_length"}),
    (JOB, XLOADER_REFUSED, None, XL, "callback_refused",
     {"option": "ckanext.xloader.api_token"}),
    (JOB, "NotAuthorized('User lewisdouglas not authorized to read resource c735f61d')", None,
     XL, "callback_refused", {"option": "ckanext.xloader.api_token"}),
    # ckanext-xloader, quoted from its jobs.py and loader.py: its download's
    # time-out is no load time-out
    (JOB, "Connection timed out after 30s", None, XL, "download_failed", {"detail": "timeout"}),
    (JOB, "Job timed out after 3600s", None, XL, "load_timeout",
     {"option": "ckanext.xloader.job_timeout"}),
    (JOB, "Only http, https, and ftp resources may be fetched.", None, XL, "download_failed",
     {"detail": "address_refused"}),
    (JOB, "Error during the load into PostgreSQL: permission denied for table abc", None, XL,
     "datastore_refused", {"detail": "permissions"}),
    (JOB, "No entries found - nothing to load", None, XL, "invalid_file", {}),
    # the DataPusher service 0.0.17, run for real: a missing file (it falls
    # silent; the file's HTTP status is asked), other silences, its token refused
    ("service_silent", SILENCE_HTTP, {"seconds": 21, "status": 404, "reason": "File not found",
                                      "line": "Fetching from: http://127.0.0.1:1/missing.csv"},
     SERVICE, "download_failed", {"detail": "http_404"}),
    ("service_silent", SILENCE, {"seconds": 21, "line": "Fetching from: http://x/cities.xlsx"},
     SERVICE, "silent", {}),
    (JOB, "Process completed but unable to post to result_url", None, SERVICE,
     "callback_refused", {"option": "ckanext.datapusher_plus.api_token"}),
    # the DataPusher service, quoted from its jobs.py
    (JOB, "DataPusher received a bad HTTP response when trying to download the data file "
     "status=403 url=http://x/f.csv response=b'Forbidden'", None, SERVICE, "download_failed",
     {"detail": "http_403"}),
    (JOB, "Resource too large to download: 20000000 > max (10485760).", None, SERVICE,
     "file_too_large", {"option": "MAX_CONTENT_LENGTH"}),
    (JOB, "CKAN bad response. Status code: 403 FORBIDDEN. At: http://x/api/3/action/"
     "datastore_create.", None, SERVICE, "callback_refused",
     {"option": "ckanext.datapusher_plus.api_token"}),
    # DataPusher+ 2.0.0: run for real (no qsv here), and quoted from its jobs
    (JOB, "qsvdp not found.", None, DPP, "unknown", {}),
    (JOB, "Resource too large to download: 5.00MB > max (1.00MB).", None, DPP,
     "file_too_large", {"option": "ckanext.datapusher_plus.max_content_length"}),
    # RQ's words, as backends/rq.py keeps them for a plugin loader's dead job
    ("loader_job_failed", RQ_FAILED, {"loader": "DataPusher+", "state": "failed", "reason":
                                      "JobTimeoutException: Task exceeded maximum timeout value "
                                      "(3000 seconds)"},
     DPP, "load_timeout", {"option": "ckan.datapusher.timeout"}),
    ("loader_job_failed", RQ_FAILED, {"loader": "ckanext-xloader", "state": "failed", "reason":
                                      "Work-horse terminated unexpectedly; waitpid returned 9 "
                                      "(signal 9); "},
     XL, "worker_died", {}),
    ("service_lost_job", "{loader}'s background job {job} is gone from the job queue without a "
     "result (was the queue emptied, or the worker restarted?)",
     {"loader": "ckanext-xloader", "job": "abc"}, XL, "job_lost", {}),
    # the JSON/XML loader (records/load.py, records/reading.py), run for real
    ("download_failed", "The file could not be downloaded: HTTP {status}", {"status": 404},
     BUILTIN, "download_failed", {"detail": "http_404"}),
    ("file_too_large", "The file is larger than the limit of {limit} MB", {"limit": 1}, BUILTIN,
     "file_too_large", {"option": "ckanext.datapusher_plus.max_file_size"}),
    ("load_timeout", "The load took longer than {seconds} s ({option}) and was stopped",
     {"seconds": 1, "option": "ckanext.datapusher_plus.load_timeout"}, BUILTIN, "load_timeout",
     {"option": "ckanext.datapusher_plus.load_timeout"}),
    ("invalid_file", "The file is not UTF-8 text (line {line}, column {column})",
     {"line": 1, "column": 1}, BUILTIN, "encoding", {}),
    # the JSON/XML loader: its other words
    ("download_failed", "The file could not be downloaded: {error}", {"error": "ConnectTimeout"},
     BUILTIN, "download_failed", {"detail": "timeout"}),
    ("download_failed", "The file could not be downloaded: {error}",
     {"error": "ConnectionError"}, BUILTIN, "download_failed", {"detail": ""}),
    ("download_failed", "The file's URL is not an http or https URL: {url}",
     {"url": "ftp://x/f.json"}, BUILTIN, "download_failed", {"detail": "address_refused"}),
    ("download_failed", "The file's URL redirects to another site ({url}), which is not "
     "followed", {"url": "http://y/f.json"}, BUILTIN, "download_failed",
     {"detail": "address_refused"}),
    ("invalid_file", "Line {line} is not {encoding} text, the file's encoding",
     {"line": 3, "encoding": "UTF-16"}, BUILTIN, "encoding", {}),
    ("invalid_file", "Malformed JSON (line {line}, column {column}): {reason}",
     {"line": 1, "column": 9, "reason": "Exceeds the limit (4300 digits) for integer string "
      "conversion"}, BUILTIN, "invalid_file", {}),
    ("invalid_file", "A record is larger than {size} MB (line {line}, column {column})",
     {"size": 16, "line": 1, "column": 1}, BUILTIN, "invalid_file", {}),
    ("hostile_xml", "Refused XML: the file refers to an external entity (line {line}, column "
     "{column})", {"line": 1, "column": 40}, BUILTIN, "invalid_file", {}),
    ("no_records", "The file is empty", None, BUILTIN, "invalid_file", {}),
    ("datastore_error", "The DataStore refused the data: {error}",
     {"error": "permission denied for table abc"}, BUILTIN, "datastore_refused",
     {"detail": "permissions"}),
    ("type_mismatch", "Column {column} is of type {type} in the Data Dictionary, but the record "
     "at line {line}, column {position} holds {value}",
     {"column": "age", "type": "int", "line": 2, "position": 3, "value": "“x”"}, BUILTIN,
     "datastore_refused", {"detail": "type"}),
    ("internal_error", "The JSON/XML loader failed: {error}", {"error": "KeyError"}, BUILTIN,
     "internal", {}),
    # our submit path
    ("service_error", "The DataPusher+ service is unreachable ({attempts} tries)",
     {"attempts": 3}, SERVICE, "service_unreachable", {}),
    ("service_timeout", "The DataPusher+ service timed out ({timeout} s per try, {attempts} "
     "tries)", {"timeout": 30, "attempts": 3}, SERVICE, "service_unreachable", {}),
    ("service_error", "{loader} did not take the job: {detail}",
     {"loader": "ckanext-xloader", "detail": "the job queue is unreachable"}, XL,
     "service_unreachable", {}),
    # no false match: a number is not an HTTP status, a row is not a download
    (JOB, "Bad header at line 1 (404 rows read)", None, XL, "unknown", {}),
    (JOB, "Row 4 has more values than the 3 column(s)", None, SERVICE, "unknown", {}),
])
def test_each_loaders_words_lead_to_their_cause(error_type, error, params, backend, code,
                                                 expected):
    cause = causes.of_failure(error_type, error, backend, params)
    assert cause is not None
    assert (cause.code, cause.params) == (code, expected)
    assert causes.code_of_failure(error_type, error, None, params) == code


@pytest.mark.parametrize("error_type", ["cancelled", "superseded"])
def test_a_cancel_is_no_failure(error_type):
    assert causes.of_failure(error_type, "Cancelled by {user}", XL, {"user": "Ali"}) is None


def test_options_are_the_loaders_own():
    """The options a fix names are the ones the installed loaders declare."""
    declared = set()
    for package in ("ckanext.xloader", "ckanext.datapusher_plus", "ckanext.datapusherplusapi"):
        text = (importlib.resources.files(package) / "config_declaration.yaml").read_text()
        declared |= set(re.findall(r"key: (\S+)", text))
    for backend in (XL, BUILTIN):
        assert set(causes.OPTIONS[backend].values()) <= declared, backend
    assert {causes.OPTIONS[DPP]["token"], causes.OPTIONS[DPP]["size"]} <= declared


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_jobs_failed_before_the_cause_column_get_theirs():
    """Migration 010 gives the jobs that failed before it their cause, read
    from their error with its parameters, as a job failing now gets it."""
    now = sa.func.now()
    failed = {
        "silence": ("service_silent", SILENCE_HTTP, {
            "seconds": 21, "line": "Fetching from: http://x/f.csv", "status": 404,
            "reason": "File not found"}),
        "xloader": (JOB, "Data too large to load into Datastore: 2 bytes > max 1 bytes.", None),
        "ours": ("invalid_file", "The file is not UTF-8 text (line {line}, column {column})",
                 {"line": 1, "column": 1}),
    }
    for name, (error_type, error, params) in failed.items():
        model.Session.add(Job(id=name, resource_id=name, status="error", error_type=error_type,
                              error=error, error_params=params, submitted_at=now,
                              updated_at=now))
    model.Session.commit()
    model.Session.remove()
    db_cli._run_migrations("datapusherplusapi", version="f1c8b7e4a2d6", forward=False)
    db_cli._run_migrations("datapusherplusapi")
    model.Session.remove()
    assert dict(model.Session.query(Job.id, Job.cause)) == {
        "silence": "download_failed", "xloader": "file_too_large", "ours": "encoding"}


# What each cause's words name, so that every branch of its words is read.
SAMPLES: list[tuple[str, dict[str, Any]]] = [
    (causes.NO_WORKER, causes.no_worker("dpp_xloader").params),
    (causes.DOWNLOAD_FAILED, {"detail": "http_404"}),
    *[(causes.DOWNLOAD_FAILED, {"detail": d}) for d in (
        "name", "timeout", "connection_refused", "address_refused", "")],
    *[(causes.DATASTORE_REFUSED, {"detail": d}) for d in ("permissions", "columns", "type", "")],
    *[(code, {"option": "ckanext.xloader.api_token"}) for code in (
        causes.CALLBACK_REFUSED, causes.FILE_TOO_LARGE, causes.LOAD_TIMEOUT)],
    *[(code, {}) for code in causes.CODES if code not in (
        causes.NO_WORKER, causes.DOWNLOAD_FAILED, causes.DATASTORE_REFUSED,
        causes.CALLBACK_REFUSED, causes.FILE_TOO_LARGE, causes.LOAD_TIMEOUT)],
]


def _words(cause: causes.Cause) -> list[str]:
    return [causes.title(cause.code), causes.for_sysadmins(cause), causes.for_publishers(cause),
            causes.fix(cause)]


def _in(app: Any, lang: Optional[str]) -> dict[tuple[str, str], list[str]]:
    with app.flask_app.test_request_context("/", environ_overrides={
            "CKAN_LANG": lang, "CKAN_LANG_IS_DEFAULT": lang == "en"}):
        return {(code, str(params)): _words(causes.Cause(code, params))
                for code, params in SAMPLES}


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_every_cause_has_its_words_in_each_language(app):
    assert {code for code, _params in SAMPLES} == set(causes.CODES)
    english = _in(app, "en")
    for words in english.values():
        assert all(words), words
    # the fix names the option or the command
    assert "ckanext.xloader.api_token" in english[
        (causes.CALLBACK_REFUSED, str({"option": "ckanext.xloader.api_token"}))][3]
    no_worker = english[(causes.NO_WORKER, str(causes.no_worker("dpp_xloader").params))]
    assert "dpp_xloader" in no_worker[1] and "jobs worker dpp_xloader" in no_worker[3]
    for lang, script in (("fr", re.compile(r"[a-zàâçéèêëîïôûùœ]", re.IGNORECASE)),
                         ("ar", re.compile(r"[\u0600-\u06ff]"))):
        for key, words in _in(app, lang).items():
            for theirs, ours in zip(words, english[key], strict=True):
                # translated, not the English falling back
                assert theirs != ours and script.search(theirs), (lang, key, theirs)


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize(("queues", "started"), [
    ((None,), ""), (("default",), ""), (("dpp_xloader",), " dpp_xloader"),
    (("dpp_xloader", "default"), " dpp_xloader default"), (("my queue",), " 'my queue'")])
def test_the_worker_command_names_the_queues_and_this_config(queues, started):
    """``ckan jobs worker`` alone listens on CKAN's default queue; a named one
    is given, with the default one when both are wanted."""
    assert causes.worker_command(*queues) == worker_command() + started
