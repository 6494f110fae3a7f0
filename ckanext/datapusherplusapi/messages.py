"""Messages kept untranslated and rendered in the reader's language.

A job's error is read by many people: the publisher who pushed, a sysadmin
on the dashboard, a script through the API, each in their own language. So
what this extension writes into a job is a ``Message``: the English text
(the catalogue's msgid) and its parameters, stored as ``error`` and
``error_params``. Each reader gets ``tk._(msgid).format(**params)`` in their
language. A loader's own text (its error message) has no parameters
(``error_params`` is NULL) and is shown as the loader wrote it.

``Message("...")`` is a translation keyword of the catalogue builder
(``bin/i18n/build.py``), as ``_`` is.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Optional, Union

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


def render(error: Optional[str], params: Optional[dict[str, Any]]) -> Optional[str]:
    """A stored error in the reader's language: our message (with its
    parameters) translated, a loader's own text as it is."""
    if error is None or params is None:
        return error
    try:
        template = tk._(error)
    except (RuntimeError, TypeError):  # no request or app context: no language either
        template = error
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.warning("DataPusher+: message %r does not take %r", error, sorted(params))
        return template
