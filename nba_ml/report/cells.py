"""Formatting and HTML building blocks of the report page: numbers, times, tables, figures.

Every helper returns HTML-safe text (``esc`` escapes; table cells are HTML already).
"""

from __future__ import annotations

import math
from datetime import timezone
from html import escape
from typing import Any

from nba_ml.report import svg
from nba_ml.state.files import parse_utc

BASELINES: dict[str, str] = {
    "last10": "last-10 average",
    "season": "season average",
    "ewma": "EWMA",
}


SERIES_COLORS: dict[str, str] = {
    "model": svg.BLUE,
    "last10": svg.ORANGE,
    "season": svg.GREEN,
    "ewma": svg.PINK,
}


def finite_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def fmt_number(value: Any, digits: int = 3) -> str:
    number = finite_number(value)
    return "–" if number is None else f"{number:,.{digits}f}"


def fmt_count(value: Any) -> str:
    number = finite_number(value)
    return "–" if number is None else f"{int(number):,}"


def fmt_change(value: Any, reference: Any) -> str:
    a, b = finite_number(value), finite_number(reference)
    if a is None or not b:
        return "–"
    change = (a / b - 1) * 100
    return f"{change:+.1f}%".replace("-", "−")


def mae_row(label: str, figures: dict) -> list[str]:
    """Return a table row: label, player-games, the model's and the baselines' MAE, change."""
    return [
        label,
        fmt_count(figures.get("n")),
        *mae_cells(figures),
        fmt_change(figures.get("mae"), figures.get("mae_last10")),
    ]


def mae_ratio_series(rows: list[dict]) -> list[svg.Series]:
    """Return the bar series of the model's and the other baselines' MAE divided by the
    last-10 average's over ``rows`` (below 1: better than last-10; None where unknown)."""

    def ratio(row: dict, key: str) -> float | None:
        value, reference = finite_number(row.get(key)), finite_number(row.get("mae_last10"))
        return value / reference if value is not None and reference else None

    return [
        svg.Series("model", [ratio(r, "mae") for r in rows], SERIES_COLORS["model"]),
        *(
            svg.Series(BASELINES[k], [ratio(r, f"mae_{k}") for r in rows], SERIES_COLORS[k])
            for k in BASELINES
            if k != "last10"
        ),
    ]


def fmt_when(raw: Any, *, date: bool = True) -> str:
    """Return an ISO timestamp as 'YYYY-MM-DD HH:MM:SS UTC' (or as given when unparsable)."""
    if not isinstance(raw, str) or not raw.strip():
        return "–"
    moment = parse_utc(raw)
    if moment is None:
        return raw
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if date else f"{moment:%H:%M:%S}"


def fmt_duration(start: Any, end: Any) -> str:
    a, b = parse_utc(start), parse_utc(end)
    if a is None or b is None or b < a:
        return ""
    seconds = (b - a).total_seconds()
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def fmt_age(hours: float) -> str:
    if not math.isfinite(hours):
        return "unknown age"
    if hours < 0:
        return "trained after this report's clock"
    return f"{hours:.1f} hours old" if hours < 48 else f"{hours / 24:.1f} days old"


def esc(value: Any) -> str:
    return escape(str(value), quote=True)


def html_table(
    caption: str,
    head: list[str],
    body: list[list[str]],
    *,
    classes: list[str] | None = None,
    table_class: str = "",
) -> str:
    """Return a table whose first column heads its rows; ``classes`` style whole columns
    (header and cells). ``body`` cells are HTML already: escape text before calling."""

    def attribute(i: int, base: str = "") -> str:
        names = " ".join(n for n in (base, classes[i] if classes and i < len(classes) else "") if n)
        return f' class="{names}"' if names else ""

    heads = "".join(
        f'<th scope="col"{attribute(i, "text" if i == 0 else "")}>{h}</th>'
        for i, h in enumerate(head)
    )
    lines = []
    for row in body:
        cells = [f'<th scope="row"{attribute(0)}>{row[0]}</th>'] if row else []
        cells += [f"<td{attribute(i)}>{cell}</td>" for i, cell in enumerate(row) if i]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    klass = f' class="{table_class}"' if table_class else ""
    return (
        f'<div class="table-wrap"><table{klass}><caption>{caption}</caption>'
        f"<thead><tr>{heads}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>"
    )


def html_figure(chart: str, caption: str = "", *, width: int, top: str = "") -> str:
    """Return a figure as wide as its chart, with an optional heading and caption (HTML)."""
    head = f'<div class="figure-title">{top}</div>' if top else ""
    tail = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure style="max-width:{width}px">{head}{chart}{tail}</figure>'


def mae_cells(figures: dict[str, Any], digits: int = 2) -> list[str]:
    """Return the model and baseline MAE cells, marking the lowest in bold."""
    keys = ["mae", "mae_last10", "mae_season", "mae_ewma"]
    values = [finite_number(figures.get(k)) for k in keys]
    finite = [v for v in values if v is not None]
    best = min(finite) if finite else None
    return [
        (
            f"<b>{fmt_number(v, digits)}</b>"
            if v is not None and v == best
            else fmt_number(v, digits)
        )
        for v in values
    ]


def unbroken(text: str) -> str:
    """Return escaped text that may wrap only between its words ("2026-11-27 04:00:00 UTC")."""
    return " ".join(f'<span class="nowrap">{esc(word)}</span>' for word in text.split(" "))


def fmt_short_time(raw: Any) -> str:
    moment = parse_utc(raw)
    return f"{moment.astimezone(timezone.utc):%m-%d %H:%M}" if moment else "?"


def fmt_end_time(run: dict) -> str:
    start, end = parse_utc(run.get("started_at")), parse_utc(run.get("ended_at"))
    same_day = (
        start is not None
        and end is not None
        and start.astimezone(timezone.utc).date() == end.astimezone(timezone.utc).date()
    )
    return fmt_when(run.get("ended_at"), date=not same_day)
