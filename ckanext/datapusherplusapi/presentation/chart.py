"""The dashboard's chart of jobs by day: stacked bars for an inline SVG, with
what its axes say and the same figures for the table beside it."""
from __future__ import annotations

from typing import Any

SERIES = (("complete", "#198754"), ("error", "#dc3545"),
                ("active", "#ffc107"), ("cancelled", "#6c757d"))


def chart(per_day: list[dict[str, Any]], width: int = 600,
          height: int = 160) -> dict[str, Any]:
    """Stacked bars (one per day) for an inline SVG chart of jobs by status,
    with what its axes say (``top`` and ``middle`` jobs, ``busiest`` the
    most jobs on one day; the ``first``,
    ``mid_day`` and ``last`` days), each day's ``counts`` (for the table that
    gives the same figures) and the ``total``."""
    days = []
    for entry in per_day:
        values = {"complete": entry.get("complete", 0), "error": entry.get("error", 0),
                  "cancelled": entry.get("cancelled", 0),
                  "active": sum(entry.get(s, 0) for s in ("submitting", "submitted", "running"))}
        days.append((entry["day"], values, sum(values.values())))
    busiest = max([total for _day, _values, total in days] + [1])
    top = busiest + busiest % 2  # the axis' top: even, so that its middle is a whole number
    step = width / max(len(days), 1)
    bars = []
    for i, (day, values, total) in enumerate(days):
        y = float(height)
        segments = []
        for name, colour in SERIES:
            h = values[name] * height / top
            if h:
                y -= h
                segments.append({"y": round(y, 2), "height": round(h, 2), "colour": colour,
                                 "name": name, "count": values[name]})
        bars.append({"x": round(i * step + 1, 2), "width": round(step - 2, 2), "day": day,
                     "total": total, "segments": segments, "counts": values})
    return {"width": width, "height": height, "top": top, "middle": top // 2, "busiest": busiest,
            "total": sum(total for _day, _values, total in days), "bars": bars,
            "series": SERIES, "first": days[0][0] if days else "",
            "mid_day": days[len(days) // 2][0] if days else "",
            "last": days[-1][0] if days else ""}
