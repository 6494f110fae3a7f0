"""Numbers as the reader's language writes them: durations, percentages and
a load's progress ("1,200 of 5,000 rows loaded (24%)")."""
from __future__ import annotations

from typing import Any, Optional

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, format_percent

import ckan.plugins.toolkit as tk


def locale() -> Locale:
    """The reader's locale (Babel's); English when unknown."""
    try:
        return Locale.parse(tk.h.lang() or "en")
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def duration(seconds: Optional[float]) -> str:
    """A duration in seconds, for people ("0.7 s", "3 min 5 s")."""
    if seconds is None:
        return ""
    if seconds < 60:
        return tk._("{seconds} s").format(
            seconds=format_decimal(round(seconds, 1), format="#,##0.0", locale=locale()))
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return tk._("{minutes} min {seconds} s").format(minutes=minutes, seconds=rest)
    hours, minutes = divmod(minutes, 60)
    return tk._("{hours} h {minutes} min").format(hours=hours, minutes=minutes)


def percent(rate: Optional[float]) -> str:
    """A rate (0..1) as a percentage with one decimal, written as the
    reader's language writes it ("40.5%", "40,5 %"); an em dash when there
    is none."""
    if rate is None:
        return "—"
    reader = locale()
    pattern = reader.percent_formats[None].pattern
    digit = pattern.rfind("0")  # CLDR's percent patterns have one: "#,##0%", "#,##0 %"
    return format_percent(rate, format=pattern[:digit + 1] + ".0" + pattern[digit + 1:],
                          locale=reader)


def progress_text(progress: Optional[dict[str, Any]], active: bool = True) -> str:
    """A job's progress in words: "1,200 of 5,000 rows loaded (24%)", "12,000
    rows read so far", with the rows per second when known, as the reader's
    language writes numbers; "" when the loader does not tell.  ``active``:
    whether the job still runs (once ended: "5,000 rows loaded")."""
    if not progress:
        return ""
    reader = locale()
    loaded = int(progress.get("rows_loaded") or 0)
    total = progress.get("rows_total")
    if total is None and not loaded:
        return tk._("Reading the file…")
    if total is None:
        text = tk.ungettext("{loaded} row read so far", "{loaded} rows read so far",
                            loaded).format(loaded=format_decimal(loaded, locale=reader))
    elif loaded >= int(total) and not active:
        text = tk.ungettext("{total} row loaded", "{total} rows loaded", int(total)).format(
            total=format_decimal(int(total), locale=reader))
    elif loaded >= int(total):
        # (the JSON/XML loader: every row is in its new table, which it now
        # indexes before it takes the previous table's place)
        text = tk.ungettext(
            "{total} row read: the new table is being prepared, then it replaces the "
            "previous one",
            "{total} rows read: the new table is being prepared, then it replaces the "
            "previous one", int(total)).format(total=format_decimal(int(total), locale=reader))
    else:
        text = tk.ungettext("{loaded} of {total} row loaded ({percent})",
                            "{loaded} of {total} rows loaded ({percent})", int(total)).format(
            loaded=format_decimal(loaded, locale=reader),
            total=format_decimal(int(total), locale=reader),
            percent=percent((progress.get("percent") or 0) / 100))
    rate = progress.get("rows_per_second")
    if rate:
        text = tk._("{progress}, {rate} rows per second").format(
            progress=text, rate=format_decimal(int(rate), locale=reader))
    return text


def datetime_text(value: Any) -> str:
    """A date and time (a loader's log line's, say) as the reader's language
    writes it, with seconds; the text as it came when it is not one."""
    if not value:
        return ""
    try:
        return tk.h.render_datetime(value, with_hours=True, with_seconds=True) or str(value)
    except (ValueError, TypeError):
        return str(value)
