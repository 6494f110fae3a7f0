"""Why a push failed or is stuck: one documented list of causes, each with
words for sysadmins, words for publishers and the fix.

A job's ``status`` says where it is; its *cause* says why it is there when
that is bad news: the worker is missing, the file could not be downloaded,
the loader's token was refused…  The list is ``CODES`` (docs/causes.md gives
it with every loader's words that lead to each).

- A failed job's cause is derived once, when it fails (``of_failure``: from
  its ``error_type`` and the loader's own message, or our message read in
  English with its parameters), and stored in the job's ``cause`` column:
  the dashboard filters and counts by it.
- An active job's cause (no worker listens on its queue) is live: whoever
  shows the job asks the queue (``logic/status.py``), and it is never stored.

A cause's words are read in the reader's language (``title``,
``for_sysadmins``, ``for_publishers``, ``fix``); its parameters (the queue,
the option to change, the HTTP status…) come from ``of_failure`` or from the
queue, so they are derived again when a job is shown: they are never
translated text.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import ckan.plugins.toolkit as tk

# The causes (docs/causes.md).
NO_WORKER = "no_worker"  # active: no background worker listens on the job's queue
WORKER_DIED = "worker_died"  # the worker running the job died
CALLBACK_REFUSED = "callback_refused"  # CKAN refused the loader's own calls back
DOWNLOAD_FAILED = "download_failed"  # the file could not be downloaded
FILE_TOO_LARGE = "file_too_large"  # larger than the configured limit
ENCODING = "encoding"  # the file's encoding could not be read
LOAD_TIMEOUT = "load_timeout"  # the loader's time limit was reached
DATASTORE_REFUSED = "datastore_refused"  # the DataStore refused the write
INVALID_FILE = "invalid_file"  # not a well-formed table (the file is at fault)
SERVICE_UNREACHABLE = "service_unreachable"  # the DataPusher service did not take the job
JOB_LOST = "job_lost"  # the loader lost the job (queue emptied, restarted)
SILENT = "silent"  # the service stopped reporting on the job
INTERNAL = "internal"  # an error in CKAN itself
UNKNOWN = "unknown"  # none of the above: the loader's message says more

CODES = (NO_WORKER, WORKER_DIED, CALLBACK_REFUSED, DOWNLOAD_FAILED, FILE_TOO_LARGE, ENCODING,
         LOAD_TIMEOUT, DATASTORE_REFUSED, INVALID_FILE, SERVICE_UNREACHABLE, JOB_LOST, SILENT,
         INTERNAL, UNKNOWN)
LIVE = (NO_WORKER,)  # causes of active jobs, never stored
STORED = tuple(code for code in CODES if code not in LIVE)

# Each loader's options that a fix names.  The DataPusher service's own
# limits are settings of the service, not of CKAN.
OPTIONS: dict[str, dict[str, str]] = {
    "xloader": {"token": "ckanext.xloader.api_token",
                "size": "ckanext.xloader.max_content_length",
                "timeout": "ckanext.xloader.job_timeout"},
    # DataPusher+ 2.x queues its job with RQ's timeout ckan.datapusher.timeout
    # (3000 s); its download_timeout bounds each download request only.
    "datapusher_plus": {"token": "ckanext.datapusher_plus.api_token",
                        "size": "ckanext.datapusher_plus.max_content_length",
                        "timeout": "ckan.datapusher.timeout"},
    "service": {"token": "ckanext.datapusher_plus.api_token",
                "size": "MAX_CONTENT_LENGTH",
                "timeout": "DOWNLOAD_TIMEOUT"},
    "builtin": {"token": "ckanext.datapusher_plus.api_token",
                "size": "ckanext.datapusher_plus.max_file_size",
                "timeout": "ckanext.datapusher_plus.load_timeout"},
}
# The config file in the command: the one this CKAN runs with (CKAN's CLI and
# WSGI loaders record its path), else the path CKAN's install guide gives.
WORKER_COMMAND = "ckan -c {config} jobs worker {queue}"
DEFAULT_CONFIG = "/etc/ckan/default/ckan.ini"


@dataclass(frozen=True)
class Cause:
    """A cause (``code``, one of ``CODES``) and what its words name."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """What the API gives: the code, its words for sysadmins and the fix."""
        return {"code": self.code, "params": dict(self.params), "title": title(self.code),
                "message": for_sysadmins(self), "fix": fix(self)}


# ------------------------------------------------------------ deriving ---
# Where a loader's own message says it: each pattern holds the words a real
# loader writes (ckanext-xloader 2.5/2.6, DataPusher+ 2.x, the DataPusher
# service 0.0.17, RQ, requests and our JSON/XML loader: docs/causes.md quotes
# them, tests/test_causes.py checks each), and nothing looser, so that one
# loader's words never read as another cause.
_WORKER_DIED = re.compile(
    r"work-?horse terminated unexpectedly|waitpid returned|AbandonedJobError"
    r"|worker (?:died|was killed|stopped unexpectedly)", re.IGNORECASE)
# RQ's JobTimeoutException ("Task exceeded maximum timeout value (3600
# seconds)"), xloader's "Job timed out after 3600s"; not xloader's
# "Connection timed out after 30s", which is a download's.
_TIMEOUT = re.compile(
    r"JobTimeoutException|exceeded maximum timeout value|\bJob timed out after \d+",
    re.IGNORECASE)
# xloader: "Data too large to load into Datastore: 240004 bytes > max 100000
# bytes."; the service and DataPusher+: "Resource too large to download: …",
# "Resource too large to process: …"; ours: "larger than the limit of 1 MB".
_TOO_LARGE = re.compile(
    r"Data too large to load into Datastore|Resource too large to (?:download|process)"
    r"|larger than the limit of", re.IGNORECASE)
# CKAN refusing the token a loader acts with: its NotAuthorized (xloader's
# job reading a private resource), CKAN's API answering 403 with "Access
# denied" (the service's calls), or the service's "CKAN bad response. Status
# code: 403 FORBIDDEN" when the answer was no JSON; the service's own record
# of a job whose report CKAN refused: "Process completed but unable to post
# to result_url".
_REFUSED_CALL = re.compile(
    r"\bNotAuthorized\b|\bnot authori[sz]ed to\b|^Access denied\b|Authorization Error"
    r"|CKAN bad response\. Status code: 40[13]\b|No CKAN API key provided"
    r"|unable to post to result_url",
    re.IGNORECASE | re.MULTILINE)
# A download that failed: xloader's and the service's "received a bad HTTP
# response when trying to download the data file status=404", requests'
# connection errors (xloader and the service give them whole), ours.
_NOT_FETCHED = re.compile(
    r"when trying to download the data file|could not be downloaded|HTTPConnectionPool"
    r"|HTTPSConnectionPool|Max retries exceeded with url|Connection timed out after \d+"
    r"|Only http, https, and ftp resources may be fetched|The file answers HTTP [45]\d\d"
    r"|redirects (?:to another site|too many times)|not an http or https URL"
    r"|missing from CKAN's storage", re.IGNORECASE)
# requests' words for a call to CKAN's own API (the service's resource_show
# or datastore_create, xloader's report) that could not connect: not the
# file's download (the cause is then unknown: the message says which call).
_CKAN_CALL = re.compile(r"with url: /api/(?:\d+/)?action/", re.IGNORECASE)
_HTTP_STATUS = re.compile(
    r"\bstatus=([45]\d\d)\b|\bHTTP ([45]\d\d)\b|\b([45]\d\d) (?:Client|Server) Error",
    re.IGNORECASE)
_NAME = re.compile(r"Name or service not known|NameResolutionError|name resolution"
                   r"|getaddrinfo failed|nodename nor servname|Failed to resolve",
                   re.IGNORECASE)
_TIMED_OUT = re.compile(r"timed out|ConnectTimeout|ReadTimeout|\bTimeout\b", re.IGNORECASE)
_CONNECTION_REFUSED = re.compile(r"Connection refused|ConnectionRefused", re.IGNORECASE)
_ADDRESS_REFUSED = re.compile(
    r"Only http, https, and ftp resources|not an http or https URL|redirects to another site"
    r"|private (?:address|network)", re.IGNORECASE)
# Ours ("The file is not UTF-8 text (line 1, column 9)", "Line 3 is not
# UTF-16 text, the file's encoding"), Python's codecs, PostgreSQL's.
_ENCODING = re.compile(
    r"is not (?:UTF-8|UTF-16|[\w-]+) text\b|codec can't decode|UnicodeDecodeError"
    r"|invalid byte sequence for encoding|cannot be re-encoded to UTF-8", re.IGNORECASE)
# xloader's words for a file that is no table.
_INVALID = re.compile(r"could not be read as a table|No entries found - nothing to load",
                      re.IGNORECASE)
_DATASTORE = re.compile(
    r"datastore_(?:create|upsert)|The DataStore refused|permission denied"
    r"|at most 1600 columns|invalid input syntax for type|out of range for type"
    r"|value too long for type|ProgrammingError|DataError"
    r"|Error during the load into PostgreSQL|Could not create the database table"
    r"|Validation error writing rows to db|Could not connect to the Datastore", re.IGNORECASE)
_PERMISSION = re.compile(r"permission denied|must be owner", re.IGNORECASE)
_COLUMNS = re.compile(r"1600 columns|too many columns|column count", re.IGNORECASE)
_TYPE = re.compile(r"for type|type mismatch|does not fit", re.IGNORECASE)

_FILE_AT_FAULT = ("invalid_file", "mixed_structure", "no_records", "hostile_xml")


def english(error: Optional[str], params: Optional[dict[str, Any]] = None) -> str:
    """A job's error as its loader or we wrote it, in English: our message's
    parameters put in its msgid (``{status}`` → ``404``), a loader's text as it
    is."""
    text = error or ""
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError, AttributeError):
        return text


def of_failure(error_type: Optional[str], error: Optional[str],
               backend: Optional[str],
               params: Optional[dict[str, Any]] = None) -> Optional[Cause]:
    """The cause of a failed job, from its ``error_type``, the text of its
    ``error`` (a loader's own words, or our English message with its
    ``params``: the job's ``error_params``) and its back end (``service``,
    ``xloader``, ``datapusher_plus``, ``builtin``); None for a job that was
    cancelled or replaced (that is no failure)."""
    if error_type in ("cancelled", "superseded"):
        return None
    text = english(error, params)
    options = OPTIONS.get(backend or "", OPTIONS["service"])
    at_fault = error_type in _FILE_AT_FAULT
    if error_type in (WORKER_DIED, "worker_silent") or (error_type == "loader_job_failed"
                                     and _WORKER_DIED.search(text)):
        return Cause(WORKER_DIED)
    if error_type == "load_timeout" or (not at_fault and _TIMEOUT.search(text)):
        return Cause(LOAD_TIMEOUT, {"option": options["timeout"]})
    if error_type == "file_too_large" or (not at_fault and _TOO_LARGE.search(text)):
        return Cause(FILE_TOO_LARGE, {"option": options["size"]})
    if error_type == "download_failed" or (not at_fault and _NOT_FETCHED.search(text)
                                           and not _CKAN_CALL.search(text)):
        return Cause(DOWNLOAD_FAILED, {"detail": _download_detail(text)})
    if error_type == "callback_rejected" or (not at_fault and _REFUSED_CALL.search(text)):
        return Cause(CALLBACK_REFUSED, {"option": options["token"]})
    if _ENCODING.search(text):
        return Cause(ENCODING)
    if at_fault or _INVALID.search(text):
        return Cause(INVALID_FILE)
    if error_type in ("datastore_error", "type_mismatch") or _DATASTORE.search(text):
        return Cause(DATASTORE_REFUSED, {"detail": _datastore_detail(error_type, text)})
    if error_type in ("service_error", "service_timeout"):
        return Cause(SERVICE_UNREACHABLE)
    if error_type in ("service_lost_job",):
        return Cause(JOB_LOST)
    if error_type == "service_silent":
        return Cause(SILENT)
    if error_type == "internal_error":
        return Cause(INTERNAL)
    return Cause(UNKNOWN)


def code_of_failure(error_type: Optional[str], error: Optional[str],
                    backend: Optional[str],
                    params: Optional[dict[str, Any]] = None) -> Optional[str]:
    """``of_failure``'s code alone: what the job's ``cause`` column keeps."""
    cause = of_failure(error_type, error, backend, params)
    return cause.code if cause else None


def _download_detail(text: str) -> str:
    status = _HTTP_STATUS.search(text)
    if status:
        return "http_" + next(group for group in status.groups() if group)
    for detail, pattern in (("name", _NAME), ("timeout", _TIMED_OUT),
                            ("connection_refused", _CONNECTION_REFUSED),
                            ("address_refused", _ADDRESS_REFUSED)):
        if pattern.search(text):
            return detail
    return ""


def _datastore_detail(error_type: Optional[str], text: str) -> str:
    if _PERMISSION.search(text):
        return "permissions"
    if _COLUMNS.search(text):
        return "columns"
    if error_type == "type_mismatch" or _TYPE.search(text):
        return "type"
    return ""


def with_options(code: str, backend: Optional[str]) -> Cause:
    """A cause known by its code alone (a job's stored cause that its error
    no longer leads to), with the option its fix names for ``backend``."""
    options = OPTIONS.get(backend or "", OPTIONS["service"])
    key = {CALLBACK_REFUSED: "token", FILE_TOO_LARGE: "size", LOAD_TIMEOUT: "timeout"}.get(code)
    return Cause(code, {"option": options[key]} if key else {})


def worker_command(*queues: Optional[str]) -> str:
    """The command that starts a worker on ``queues`` (None or ``default``:
    CKAN's default queue, which ``ckan jobs worker`` alone listens on), with
    the config file this CKAN runs with."""
    config = shlex.quote(tk.config.get("__file__") or DEFAULT_CONFIG)
    named = [shlex.quote(queue) for queue in queues if queue and queue != "default"]
    if named and len(named) < len(queues):  # the default one besides others
        named.append("default")
    return WORKER_COMMAND.format(config=config, queue=" ".join(named)).rstrip()


def no_worker(queue: Optional[str]) -> Cause:
    """No background worker listens on ``queue`` (None: CKAN's default)."""
    return Cause(NO_WORKER, {"queue": queue or "default", "command": worker_command(queue)})


# --------------------------------------------------------------- words ---
_TITLES: dict[str, Callable[[], str]] = {
    NO_WORKER: lambda: tk._("No worker on the queue"),
    WORKER_DIED: lambda: tk._("The worker died"),
    CALLBACK_REFUSED: lambda: tk._("The loader's token was refused"),
    DOWNLOAD_FAILED: lambda: tk._("The file could not be downloaded"),
    FILE_TOO_LARGE: lambda: tk._("The file is too large"),
    ENCODING: lambda: tk._("The file's encoding could not be read"),
    LOAD_TIMEOUT: lambda: tk._("The loader ran out of time"),
    DATASTORE_REFUSED: lambda: tk._("The DataStore refused the data"),
    INVALID_FILE: lambda: tk._("The file is not a well-formed table"),
    SERVICE_UNREACHABLE: lambda: tk._("The DataPusher service is unreachable"),
    JOB_LOST: lambda: tk._("The loader lost the job"),
    SILENT: lambda: tk._("The loader stopped reporting"),
    INTERNAL: lambda: tk._("An error in CKAN"),
    UNKNOWN: lambda: tk._("Another error: see the loader's message"),
}


def title(code: str) -> str:
    """A cause in a few words (the dashboard's filter, its top reasons)."""
    words = _TITLES.get(code)
    return words() if words else code


def _download_words(detail: str) -> str:
    if detail.startswith("http_"):
        return tk._("the file's server answered HTTP {status}").format(status=detail[5:])
    return {
        "name": lambda: tk._("the name of the file's server could not be resolved"),
        "timeout": lambda: tk._("the file's server did not answer in time"),
        "connection_refused": lambda: tk._("the file's server refused the connection"),
        "address_refused": lambda: tk._("the file's address is not one the loader may fetch"),
    }.get(detail, lambda: tk._("the loader could not fetch it"))()


def _datastore_words(detail: str) -> str:
    return {
        "permissions": lambda: tk._("its database user may not write there"),
        "columns": lambda: tk._("the file has more columns than a table may have"),
        "type": lambda: tk._("a value does not fit its column's type"),
    }.get(detail, lambda: tk._("see the loader's message"))()


def for_sysadmins(cause: Cause) -> str:
    """What happened, for the portal's sysadmins."""
    p = cause.params
    return {
        NO_WORKER: lambda: tk._(
            "No background worker listens on the queue “{queue}”: the job waits there and "
            "nothing will take it.").format(queue=p.get("queue", "")),
        WORKER_DIED: lambda: tk._(
            "The background worker running the job died (killed, or out of memory) before "
            "the job ended."),
        CALLBACK_REFUSED: lambda: tk._(
            "CKAN refused the loader's own calls: the API token it uses is invalid or is not "
            "a sysadmin's."),
        DOWNLOAD_FAILED: lambda: tk._("The file could not be downloaded: {why}.").format(
            why=_download_words(p.get("detail", ""))),
        FILE_TOO_LARGE: lambda: tk._(
            "The file is larger than the loader's configured limit."),
        ENCODING: lambda: tk._("The loader could not read the file's character encoding."),
        LOAD_TIMEOUT: lambda: tk._("The loader reached its time limit before the end."),
        DATASTORE_REFUSED: lambda: tk._("The DataStore refused the write: {why}.").format(
            why=_datastore_words(p.get("detail", ""))),
        INVALID_FILE: lambda: tk._("The file is not a well-formed table."),
        SERVICE_UNREACHABLE: lambda: tk._(
            "The DataPusher service could not be reached, or refused the job."),
        JOB_LOST: lambda: tk._(
            "The loader no longer knows the job (its queue was emptied, or it was restarted)."),
        SILENT: lambda: tk._("The DataPusher service stopped reporting on the job."),
        INTERNAL: lambda: tk._("An error in CKAN stopped the push; CKAN's log has the details."),
        UNKNOWN: lambda: tk._("None of the known causes: the loader's message says more."),
    }.get(cause.code, lambda: cause.code)()


def fix(cause: Cause) -> str:
    """What a sysadmin does about it: the command to run or the option to set."""
    p = cause.params
    return {
        NO_WORKER: lambda: tk._("Start a worker on the queue “{queue}”: {command}").format(
            queue=p.get("queue", ""), command=p.get("command", "")),
        WORKER_DIED: lambda: tk._(
            "Read the worker's log and the system's (was it out of memory?), start the worker "
            "again, then push the file again."),
        CALLBACK_REFUSED: lambda: tk._(
            "Set {option} to the API token of an active sysadmin, restart CKAN and its "
            "workers, then push again.").format(option=p.get("option", "")),
        DOWNLOAD_FAILED: lambda: tk._(
            "Check the resource's link from the loader's machine, or ask the publisher to "
            "upload the file; then push it again."),
        FILE_TOO_LARGE: lambda: tk._(
            "Raise {option} if the portal should load files this large, or ask the publisher "
            "for smaller files.").format(option=p.get("option", "")),
        ENCODING: lambda: tk._("Ask the publisher to save the file as UTF-8, then push it "
                               "again."),
        LOAD_TIMEOUT: lambda: tk._("Raise {option}, or ask the publisher for smaller "
                                   "files.").format(option=p.get("option", "")),
        DATASTORE_REFUSED: lambda: tk._(
            "Check the DataStore's write user (ckan.datastore.write_url) and the resource's "
            "Data Dictionary, then push again."),
        INVALID_FILE: lambda: tk._("Ask the publisher to correct the file where the message "
                                   "says, then push it again."),
        SERVICE_UNREACHABLE: lambda: tk._(
            "Check that the DataPusher service runs at ckanext.datapusher_plus.url, then push "
            "again."),
        JOB_LOST: lambda: tk._("Push the file again."),
        SILENT: lambda: tk._("Read the DataPusher service's log for this job, then push "
                             "again."),
        INTERNAL: lambda: tk._("Read CKAN's log at the job's time."),
        UNKNOWN: lambda: tk._("Read the loader's message and its log."),
    }.get(cause.code, lambda: "")()


# The causes a publisher can do something about themselves.
_PUBLISHER_AT_FAULT = (DOWNLOAD_FAILED, FILE_TOO_LARGE, ENCODING, INVALID_FILE)


def for_publishers(cause: Cause) -> str:
    """What happened, for the publisher who pushed: what they can do, or that
    the portal's administrators must act."""
    if cause.code == DOWNLOAD_FAILED:
        return tk._("The file could not be downloaded ({why}): check its link.").format(
            why=_download_words(cause.params.get("detail", "")))
    if cause.code == FILE_TOO_LARGE:
        return tk._("The file is larger than this portal loads: publish smaller files.")
    if cause.code == ENCODING:
        return tk._("The file's characters could not be read: save it as UTF-8.")
    if cause.code == INVALID_FILE:
        return tk._("The file is not a well-formed table: correct it.")
    if cause.code == NO_WORKER:
        return tk._("The push waits for the portal's background worker, which is not "
                    "running: tell the portal's administrators.")
    return tk._("The portal's loader could not finish: {what} The portal's administrators "
                "can fix it.").format(what=title(cause.code) + ".")


def publisher_can_fix(code: Optional[str]) -> bool:
    """Whether the publisher can remove this cause themselves (the file is at fault)."""
    return code in _PUBLISHER_AT_FAULT
