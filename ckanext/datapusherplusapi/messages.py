"""Messages kept untranslated and rendered in the reader's language.

A job's error is read by many people: the publisher who pushed, a sysadmin
on the dashboard, a script through the API, each in their own language. So
what this extension writes into a job is a ``Message``: the English text
(the catalogue's msgid) and its parameters, stored as ``error`` and
``error_params``. Each reader gets ``tk._(msgid).format(**params)`` in their
language. A loader's own text (its error message) has no parameters
(``error_params`` is NULL) and is shown as the loader wrote it, except that
a Python traceback is shown as its last line and server paths as file names
(``readable``): publishers read it; the raw text stays in the job's row.
A loader's text written as a Python bytes literal (``b'…'``, as
ckanext-xloader writes its HTTP errors) is recorded as the text it holds
(``as_text``), and rows recorded before that are read so too.

``Message("...")`` is a translation keyword of the catalogue builder
(``bin/i18n/build.py``), as ``_`` is.
"""
from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """A message to translate when it is read (``msgid``: the English text)."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        return render(self.msgid, self.params) or ""

    def __str__(self) -> str:
        return self.render()


Text = Union[str, Message]  # a loader's own text, or ours


def stored(text: Optional[Text]) -> tuple[Optional[str], Optional[dict[str, Any]]]:
    """(``error``, ``error_params``) columns for ``text``."""
    if isinstance(text, Message):
        return text.msgid, dict(text.params)
    return text, None


# A traceback's own lines: its header, its frames and the chaining sentences.
_TRACEBACK = re.compile(r'^(Traceback \(most recent call last\):|File "[^"]*", line \d+'
                        r'|During handling of the above exception'
                        r'|The above exception was the direct cause)')
# An absolute path on the loader's machine (not a URL's path): its directories.
_DIRECTORIES = re.compile(r'(?<![\w:/.~-])(?:/[^\s/"\'<>()]+)+/(?=[^\s/"\'<>()]+)')


# The whole text is one Python bytes literal: b'…' or b"…".
_BYTES_LITERAL = re.compile(r"""\Ab(['"]).*\1\Z""", re.DOTALL)


def as_text(text: str) -> str:
    """A loader's text written as a Python bytes literal (``str(b'…')``) as
    the text it holds; any other text as it is."""
    stripped = text.strip()
    if not _BYTES_LITERAL.match(stripped):
        return text
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else text


def readable(text: str) -> str:
    """A loader's error for publishers: a Python traceback becomes the
    exception it ended with (its last line that is neither a frame nor
    source code), and absolute paths on the loader's machine their file
    names."""
    lines = text.splitlines()
    if any(_TRACEBACK.match(line.strip()) for line in lines):
        last = ""
        after_frame = False
        for line in lines:
            stripped = line.strip()
            if not stripped or set(stripped) <= set("^~ "):
                continue  # blank, or the carets under a frame's code
            if _TRACEBACK.match(stripped):
                after_frame = stripped.startswith("File ")
                continue
            if after_frame and line[:1].isspace():
                after_frame = False  # the frame's line of source code
                continue
            after_frame = False
            last = stripped
        text = last
    return _DIRECTORIES.sub("", text)


def render(error: Optional[str], params: Optional[dict[str, Any]],
           raw: bool = False, gettext: Optional[Callable[[str], str]] = None
           ) -> Optional[str]:
    """A stored error in the reader's language: our message (with its
    parameters) translated, a loader's own text as ``readable`` makes it
    (``raw``: as the loader wrote it). ``gettext``: another language's than
    the request's (a mail, written by a background worker)."""
    if error is None:
        return error
    if params is None:
        text = as_text(error)
        return text if raw else readable(text)
    try:
        template = (gettext or tk._)(error)
    except (RuntimeError, TypeError):  # no request or app context: no language either
        template = error
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.warning("DataPusher+: message %r does not take %r", error, sorted(params))
        return template
