"""Validators of the plugin: of its config options (the first three), then of
the actions' parameters (the schemas in ``schema.py``)."""
from __future__ import annotations

import datetime
import re
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

import ckan.lib.helpers as h
import ckan.plugins.toolkit as tk


def datapusherplusapi_http_url(value: Any) -> Any:
    """An absolute http(s) URL with a host."""
    if value is tk.missing or value is None or value == "":
        return value
    parts = urlsplit(str(value).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise tk.Invalid(tk._("Must be an http:// or https:// URL with a host name, got {value!r}")
                         .format(value=str(value)))
    return str(value).strip()


def datapusherplusapi_non_negative_float(value: Any) -> Any:
    """A number >= 0, as a float."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise tk.Invalid(tk._("Must be a number"))
    if number < 0:
        raise tk.Invalid(tk._("Must be zero or more"))
    return number


BUILTIN_FORMATS = ("JSON", "JSONL", "NDJSON", "GEOJSON", "XML", "CSV", "TSV")


def datapusherplusapi_builtin_formats(value: Any) -> Any:
    """Formats the built-in JSON/XML loader reads (a list, or words); CSV and
    TSV only when listed (the default leaves them to the back end)."""
    if value is tk.missing or value is None:
        return value
    chosen = tk.aslist(value)
    unknown = [fmt for fmt in chosen if str(fmt).upper() not in BUILTIN_FORMATS]
    if unknown:
        raise tk.Invalid(tk._("Unknown format(s) {unknown}: the JSON/XML loader reads {known}")
                         .format(unknown=" ".join(map(str, unknown)),
                                 known=" ".join(BUILTIN_FORMATS)))
    return chosen


# ------------------------------------------------ parameters of the actions ---
# Every parameter is checked as what it is before it reaches the database:
# PostgreSQL refuses NUL characters and lone surrogates (a 500 if unchecked),
# an OFFSET or an interval has a range, and a JSON body may hold any type.
ID_LENGTH = 100  # CKAN's names are at most 100 characters long, its ids 36
TEXT_LENGTH = 1000
FIRST_DAY = datetime.datetime(1900, 1, 1)
LAST_DAY = datetime.datetime(2999, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


def _text(value: Any, max_length: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise tk.Invalid(tk._("Must be text"))
    text = str(value)
    if len(text) > max_length:
        raise tk.Invalid(tk._("Must be at most {max} characters long").format(max=max_length))
    if _CONTROL.search(text):
        raise tk.Invalid(tk._("Must not contain control characters"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise tk.Invalid(tk._("Must be valid Unicode text"))
    return text


def datapusherplusapi_id(value: Any) -> Any:
    """An id or a name (of a resource, a job, a task): short text, nothing hidden."""
    if value is tk.missing or value is None:
        return value
    return _text(value, ID_LENGTH).strip()


def datapusherplusapi_text(value: Any) -> Any:
    """A filter's text: at most 1,000 characters, no control characters."""
    if value is tk.missing or value is None:
        return value
    return _text(value, TEXT_LENGTH)


def datapusherplusapi_boolean(value: Any) -> Any:
    """true or false, as JSON, a form or a query string says it; nothing else."""
    if value is tk.missing or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise tk.Invalid(tk._("Must be true or false"))


def datapusherplusapi_int_between(low: int, high: int) -> Callable[[Any], Any]:
    """A whole number from ``low`` to ``high`` (a number, or its digits as text)."""
    def validator(value: Any) -> Any:
        if value is tk.missing:
            return value
        if value is None or value == "":
            raise tk.Invalid(tk._("Missing value"))
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer() and abs(value) <= 2 ** 53:
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,18}\s*", value):
            number = int(value)
        else:
            number = None
        if number is None or not low <= number <= high:
            raise tk.Invalid(tk._("Must be a whole number from {low} to {high}")
                             .format(low=low, high=high))
        return number
    return validator


def _day(value: Any) -> Optional[datetime.datetime]:
    if not isinstance(value, str) or len(value) > 40 or _CONTROL.search(value):
        return None
    try:
        return h.date_str_to_datetime(value.strip())
    except (TypeError, ValueError, OverflowError):
        return None


def datapusherplusapi_date(value: Any) -> Any:
    """A day (``YYYY-MM-DD``, or an ISO date and time) from 1900 to 2999."""
    if value is tk.missing or value is None or value == "":
        return None if value == "" else value
    day = value if isinstance(value, datetime.datetime) else _day(value)
    if day is None:
        raise tk.Invalid(tk._("Must be a date (YYYY-MM-DD)"))
    if not FIRST_DAY <= day.replace(tzinfo=None) <= LAST_DAY:
        raise tk.Invalid(tk._("Must be a date from {first} to {last}").format(
            first=FIRST_DAY.date().isoformat(), last=LAST_DAY.date().isoformat()))
    return day


def datapusherplusapi_choice(words: Callable[[], dict[str, str]]) -> Callable[[Any], Any]:
    """One of the keys of ``words()`` (value: the key in the reader's
    language); refused with a sentence naming them in words."""
    def validator(value: Any) -> Any:
        if value is tk.missing or value is None or value == "":
            return value
        choices = words()
        if not isinstance(value, str) or value not in choices:
            raise tk.Invalid(tk._("Must be one of: {choices}").format(
                choices=", ".join("{} ({})".format(label, key)
                                  for key, label in choices.items())))
        return value
    return validator


_REASON = re.compile(r"[0-9a-f]{32}")


def datapusherplusapi_reason(value: Any) -> Any:
    """A failure reason's key (as the dashboard's top failure reasons link to it)."""
    if value is tk.missing or value is None or value == "":
        return value
    if not isinstance(value, str) or not _REASON.fullmatch(value):
        raise tk.Invalid(tk._("Must be one of the failure reasons the dashboard lists"))
    return value


def datapusherplusapi_json_object(value: Any) -> Any:
    """A JSON object (a dict)."""
    if value is tk.missing or value is None:
        return value
    if not isinstance(value, dict):
        raise tk.Invalid(tk._("Must be a JSON object"))
    return value
