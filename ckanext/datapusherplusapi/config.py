"""Typed getters for the ``ckanext.datapusher_plus.*`` options.

Every option is declared in ``config_declaration.yaml`` (type, default,
validators); CKAN normalises the values at start-up.  These getters read them
at call time, so a config change (or ``ckan_config`` in the tests) is seen at
once.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk

URL = "ckanext.datapusher_plus.url"
API_TOKEN = "ckanext.datapusher_plus.api_token"
TIMEOUT = "ckanext.datapusher_plus.timeout"
MAX_RETRIES = "ckanext.datapusher_plus.max_retries"
BACKOFF_FACTOR = "ckanext.datapusher_plus.backoff_factor"
MAX_FILE_SIZE = "ckanext.datapusher_plus.max_file_size"
FORMATS = "ckanext.datapusher_plus.formats"
CALLBACK_URL_BASE = "ckanext.datapusher_plus.callback_url_base"
DEBUG = "ckanext.datapusher_plus.debug"
AUTO_SUBMIT = "ckanext.datapusher_plus.auto_submit"
POLL_INTERVAL = "ckanext.datapusher_plus.poll_interval"
STUCK_AFTER = "ckanext.datapusher_plus.stuck_after"
BACKEND = "ckanext.datapusher_plus.backend"
CHECK_AFTER = "ckanext.datapusher_plus.check_after"
NOTIFY_SUBMITTER = "ckanext.datapusher_plus.notify_submitter"
NOTIFY_ORG_ADMINS = "ckanext.datapusher_plus.notify_org_admins"
NOTIFY_INTERVAL = "ckanext.datapusher_plus.notify_interval"
WEBHOOK_URL = "ckanext.datapusher_plus.webhook_url"
WEBHOOK_SECRET = "ckanext.datapusher_plus.webhook_secret"
BUILTIN_FORMATS = "ckanext.datapusher_plus.builtin_formats"
LOAD_TIMEOUT = "ckanext.datapusher_plus.load_timeout"
METRICS_TOKEN = "ckanext.datapusher_plus.metrics_token"

BACKENDS = ("service", "xloader", "datapusher_plus")

MEGABYTE = 1_000_000


def backend() -> str:
    """The loader this portal runs: ``service``, ``xloader`` or ``datapusher_plus``."""
    return tk.config[BACKEND]


def service_url() -> str:
    """Base URL of the service (back end ``service``), without a trailing slash."""
    return (tk.config.get(URL) or "").rstrip("/")


def api_token() -> str:
    """The CKAN API token the service acts with (secret; also DataPusher+
    2.x's own token, which reads the same option)."""
    return tk.config.get(API_TOKEN) or ""


def timeout() -> int:
    """Seconds allowed for each HTTP request to the service."""
    return tk.config[TIMEOUT]


def max_retries() -> int:
    """Retries of a failed service call."""
    return tk.config[MAX_RETRIES]


def backoff_factor() -> float:
    """Backoff factor, in seconds, between retries."""
    return float(tk.config[BACKOFF_FACTOR])


def max_file_size() -> int:
    """Largest submittable file, in megabytes."""
    return tk.config[MAX_FILE_SIZE]


def max_file_size_bytes() -> int:
    """Largest submittable file, in bytes."""
    return max_file_size() * MEGABYTE


def formats() -> list[str]:
    """The formats this option lists, upper-cased; empty when it is not set
    (then the back end's own formats apply: see ``backends``)."""
    return [f.upper() for f in tk.aslist(tk.config.get(FORMATS) or [])]


def builtin_formats() -> list[str]:
    """What the built-in JSON/XML loader takes, upper-cased (before
    ``formats`` narrows it)."""
    return [f.upper() for f in tk.aslist(tk.config.get(BUILTIN_FORMATS) or [])]


def load_timeout() -> int:
    """Seconds one load of the built-in loader may take."""
    return int(tk.config.get(LOAD_TIMEOUT) or 3600)


def metrics_token() -> str:
    """The secret a monitoring system sends for the metrics (secret; empty:
    sysadmins' API tokens only)."""
    return tk.config.get(METRICS_TOKEN) or ""


def callback_url_base() -> str:
    """Base URL the service uses to reach CKAN."""
    base = tk.config.get(CALLBACK_URL_BASE) or tk.config["ckan.site_url"]
    return base.rstrip("/")


def debug() -> bool:
    """Whether request/response summaries are logged."""
    return tk.config[DEBUG]


def poll_interval() -> int:
    """Seconds between two live-status refreshes in the pages."""
    return tk.config[POLL_INTERVAL]


def stuck_after() -> int:
    """Minutes after which an active job is shown as stuck."""
    return tk.config[STUCK_AFTER]


def check_after() -> int:
    """Seconds without news of an active job after which reading its status
    asks the loader about it."""
    return tk.config[CHECK_AFTER]


def auto_submit() -> bool:
    """Whether new resources and new files are submitted by themselves."""
    return tk.config[AUTO_SUBMIT]


def notify_submitter() -> bool:
    """Whether who submitted a job gets a mail when it fails."""
    return tk.config[NOTIFY_SUBMITTER]


def notify_org_admins() -> bool:
    """Whether the admins of a failed job's organization get a mail too."""
    return tk.config[NOTIFY_ORG_ADMINS]


def notify_interval() -> int:
    """Minutes: at most one failure mail per person in this time."""
    return tk.config[NOTIFY_INTERVAL]


def webhook() -> tuple[str, str]:
    """(URL, secret) of the operators' webhook for failed jobs; the URL is ""
    when none is set."""
    return (tk.config.get(WEBHOOK_URL) or "", tk.config.get(WEBHOOK_SECRET) or "")


def effective() -> list[tuple[str, str]]:
    """Every option of this extension with the value in effect (defaults
    included), as the dashboard shows them: the API token and the webhook's and
    the metrics' secrets only as set or not, the callback base's default as
    CKAN's site URL."""
    shown: list[tuple[str, str]] = []
    for option in (BACKEND, URL, API_TOKEN, FORMATS, BUILTIN_FORMATS, LOAD_TIMEOUT,
                   MAX_FILE_SIZE, TIMEOUT, MAX_RETRIES, BACKOFF_FACTOR, CALLBACK_URL_BASE,
                   AUTO_SUBMIT, POLL_INTERVAL, CHECK_AFTER,
                   STUCK_AFTER, DEBUG, NOTIFY_SUBMITTER, NOTIFY_ORG_ADMINS, NOTIFY_INTERVAL,
                   WEBHOOK_URL, WEBHOOK_SECRET, METRICS_TOKEN):
        if option in (API_TOKEN, WEBHOOK_SECRET, METRICS_TOKEN):
            value = tk._("set") if tk.config.get(option) else tk._("not set")
        elif option == FORMATS:
            value = " ".join(formats()) or tk._("not set: the loader's own")
        elif option == BUILTIN_FORMATS:
            value = " ".join(builtin_formats()) or tk._("none")
        elif option == CALLBACK_URL_BASE:
            value = callback_url_base()
        else:
            value = tk.config.get(option)
            value = "" if value is None else str(value).lower() if isinstance(value, bool) \
                else str(value)
        shown.append((option, value))
    return shown
