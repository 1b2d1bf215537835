"""Small hand-written inline SVG charts for the HTML report (no plotting library needed).

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>``; all text is escaped.
Fonts and colours of text come from the page's CSS (``svg text`` inherits), so charts match it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from html import escape
from typing import TypeGuard

_ids = itertools.count(1)

# Okabe-Ito: distinguishable with the common colour-vision deficiencies and in greyscale print.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
PINK = "#CC79A7"
VERMILION = "#D55E00"
GREY = "#767676"
GRID = "#e3e3e3"
AXIS = "#5f5f5f"


@dataclasses.dataclass
class Series:
    """One named sequence of values (None where missing) drawn in one colour."""

    name: str
    values: Sequence[float | None]
    color: str
    dashed: bool = False


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return about ``count`` round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) * 0.1 or 1.0)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _decimals(ticks: Sequence[float]) -> int:
    if len(ticks) < 2:
        return 2
    step = abs(ticks[1] - ticks[0])
    return max(0, min(4, -math.floor(math.log10(step) + 1e-9) + (0 if step >= 1 else 1)))


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    uid = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="svg-t{uid} svg-d{uid}">'
        f'<title id="svg-t{uid}">{escape(title)}</title>'
        f'<desc id="svg-d{uid}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int | None = None,
    cls: str = "",
    extra: str = "",
) -> str:
    style = f' font-size="{size}"' if size else ""
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{style}{klass}{extra}>'
        f"{escape(text)}</text>"
    )


def _legend(series: Sequence[Series], x: float, y: float, width: float) -> tuple[str, float]:
    """Return the legend (wrapping to more rows as needed) and its height."""
    parts = []
    cx, cy = x, y
    for item in series:
        item_width = 26 + 6.4 * len(item.name) + 20
        if cx + item_width > x + width and cx > x:
            cx, cy = x, cy + 18
        dash = ' stroke-dasharray="5 3"' if item.dashed else ""
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy - 4:.1f}" x2="{cx + 20:.1f}" y2="{cy - 4:.1f}" '
            f'stroke="{item.color}" stroke-width="{3 if not item.dashed else 2}"{dash}/>'
        )
        parts.append(_text(cx + 26, cy, item.name, anchor="start", cls="legend"))
        cx += item_width
    return "".join(parts), cy - y + 18


def _y_axis(
    ticks: Sequence[float],
    y_of: Callable[[float], float],
    left: float,
    top: float,
    plot_w: float,
    plot_h: float,
    y_label: str,
) -> list[str]:
    """Return the horizontal grid lines with their tick labels and the rotated y-axis label."""
    decimals = _decimals(ticks)
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, f"{tick:.{decimals}f}", anchor="end", cls="tick"))
    parts.append(
        _text(
            14,
            top + plot_h / 2,
            y_label,
            cls="axis-label",
            extra=f' transform="rotate(-90 14 {top + plot_h / 2:.1f})"',
        )
    )
    return parts


def bar_chart(
    *,
    title: str,
    desc: str,
    groups: Sequence[str],
    series: Sequence[Series],
    y_label: str,
    width: int = 560,
    height: int = 300,
    labels: bool = True,
    value_format: str = "{:.2f}",
    baseline: float = 0.0,
    baseline_label: str = "",
) -> str:
    """Return a grouped bar chart: one group per label in ``groups``, one bar per series.

    Bars grow from ``baseline`` (up above it, down below it). With a ``baseline_label`` the
    axis spans only the values around it (not from 0) and a labelled reference line marks it:
    for ratios to a reference, whose differences bars from 0 would hide.
    """
    head, tail = _open(width, height, title, desc)
    legend, legend_height = _legend(series, 56, 16, width - 66)
    top, bottom, left, right = 16 + legend_height + 8, 40, 56, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for s in series for v in s.values if _finite(v)]
    if baseline_label:
        low, high = min([*values, baseline]), max([*values, baseline])
        pad = (high - low) * (0.18 if labels else 0.08) or 0.01
        ticks = nice_ticks(low - pad, high + pad)
    else:
        ticks = nice_ticks(0.0, max(values, default=1.0) * (1.08 if labels else 1.0))
    y_min, y_max = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / (y_max - y_min))

    parts = [head, legend, *_y_axis(ticks, y_of, left, top, plot_w, plot_h, y_label)]
    group_w = plot_w / max(len(groups), 1)
    bar_w = min(34.0, group_w * 0.8 / max(len(series), 1))
    for g, group in enumerate(groups):
        start = left + g * group_w + (group_w - bar_w * len(series)) / 2
        for s, item in enumerate(series):
            value = item.values[g] if g < len(item.values) else None
            if not _finite(value):
                continue
            x, y, base = start + s * bar_w, y_of(float(value)), y_of(baseline)
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{min(y, base):.1f}" '
                f'width="{bar_w - 2:.1f}" height="{abs(base - y):.1f}" '
                f'fill="{item.color}">'
                f"<title>{escape(f'{group}, {item.name}: ' + value_format.format(value))}"
                f"</title></rect>"
            )
            if labels:
                parts.append(
                    _text(
                        x + bar_w / 2,
                        y - 4 if value >= baseline else y + 13,
                        value_format.format(value),
                        cls="bar-value",
                    )
                )
        parts.append(
            _text(left + g * group_w + group_w / 2, top + plot_h + 18, group, cls="group-label")
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{AXIS}"/>'
    )
    if baseline_label:
        y = y_of(baseline)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{AXIS}" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{escape(baseline_label)}</title></line>"
        )
        parts.append(_text(left + plot_w - 2, y - 4, baseline_label, anchor="end", cls="legend"))
    parts.append(tail)
    return "".join(parts)


def line_chart(
    *,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_label: str,
    width: int = 460,
    height: int = 250,
    value_format: str = "{:.3f}",
    x_title: str = "recorded runs, oldest to newest",
) -> str:
    """Return a line chart of ``series`` over evenly spaced points labelled ``x_labels``."""
    head, tail = _open(width, height, title, desc)
    legend, legend_height = _legend(series, 62, 16, width - 72)
    top, bottom, left, right = 16 + legend_height + 6, 44, 62, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for s in series for v in s.values if _finite(v)]
    low, high = min(values, default=0.0), max(values, default=1.0)
    pad = (high - low) * 0.08 or (abs(high) * 0.02 or 0.01)
    ticks = nice_ticks(low - pad, high + pad)
    y_min, y_max = ticks[0], ticks[-1]
    count = len(x_labels)

    def x_of(index: int) -> float:
        return left + plot_w / 2 if count <= 1 else left + plot_w * index / (count - 1)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / (y_max - y_min))

    parts = [head, legend, *_y_axis(ticks, y_of, left, top, plot_w, plot_h, y_label)]
    every = max(1, math.ceil(count / 6))
    for index, text in enumerate(x_labels):
        if index % every == 0 or (index == count - 1 and (count - 1) % every >= every / 2):
            parts.append(_text(x_of(index), top + plot_h + 18, text, cls="tick"))
    parts.append(_text(left + plot_w / 2, height - 6, x_title, cls="axis-label"))
    markers = count <= 60  # (a chart of one point always has one)
    for item in series:
        parts += _series_marks(item, x_of, y_of, x_labels, value_format, markers)
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{AXIS}"/>'
    )
    parts.append(tail)
    return "".join(parts)


def _series_marks(
    item: Series,
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
    x_labels: Sequence[str],
    value_format: str,
    markers: bool,
) -> list[str]:
    """Return the SVG of one series of a line chart: a line through each run of finite values
    (a missing value breaks it) and, with ``markers``, a dot with its value at each point."""
    parts = []
    dash = ' stroke-dasharray="6 4"' if item.dashed else ""
    for points in _finite_runs(item.values, x_of, y_of):
        if len(points) > 1:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" '
                f'stroke="{item.color}" stroke-width="{2 if item.dashed else 2.5}"'
                f"{dash}/>"
            )
    if markers:
        for index, value in enumerate(item.values):
            if not _finite(value):
                continue
            hint = f"{x_labels[index]}, {item.name}: {value_format.format(value)}"
            parts.append(
                f'<circle cx="{x_of(index):.1f}" cy="{y_of(float(value)):.1f}" '
                f'r="{3 if item.dashed else 4}" fill="{item.color}">'
                f"<title>{escape(hint)}</title></circle>"
            )
    return parts


def _finite_runs(
    values: Sequence[float | None],
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
) -> list[list[str]]:
    """Return the "x,y" points of each run of consecutive finite ``values``."""
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, value in enumerate(values):
        if _finite(value):
            segment.append(f"{x_of(index):.1f},{y_of(float(value)):.1f}")
        elif segment:
            segments.append(segment)
            segment = []
    if segment:
        segments.append(segment)
    return segments


def calibration_chart(*, title: str, desc: str, bins: Sequence[dict], size: int = 420) -> str:
    """Return a reliability diagram: observed rate against mean predicted probability per bin,
    the diagonal of perfect calibration, and a histogram of the bin counts beneath."""
    hist_h, gap = 70, 40
    width, height = size, size + hist_h + gap - 22
    head, tail = _open(width, height, title, desc)
    left, right, top = 56, 14, 14
    plot = size - left - right
    hist_top = top + plot + gap

    def x_of(p: float) -> float:
        return left + plot * p

    def y_of(p: float) -> float:
        return top + plot * (1 - p)

    parts = [head]
    for i in range(11):
        p = i / 10
        parts.append(
            f'<line x1="{x_of(p):.1f}" y1="{top}" x2="{x_of(p):.1f}" '
            f'y2="{top + plot}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<line x1="{left}" y1="{y_of(p):.1f}" x2="{left + plot}" '
            f'y2="{y_of(p):.1f}" stroke="{GRID}"/>'
        )
        if i % 2 == 0:
            parts.append(_text(left - 6, y_of(p) + 4, f"{p:.1f}", anchor="end", cls="tick"))
    parts.append(
        f'<rect x="{left}" y="{top}" width="{plot}" height="{plot}" fill="none" stroke="{AXIS}"/>'
    )
    parts.append(
        f'<line x1="{x_of(0):.1f}" y1="{y_of(0):.1f}" x2="{x_of(1):.1f}" '
        f'y2="{y_of(1):.1f}" stroke="{GREY}" stroke-width="1.5" stroke-dasharray="6 4">'
        f"<title>perfect calibration</title></line>"
    )
    legend_x, legend_y = left + 12, top + 20
    parts.append(
        f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 22}" '
        f'y2="{legend_y - 4}" stroke="{GREY}" stroke-width="1.5" '
        f'stroke-dasharray="6 4"/>'
    )
    parts.append(
        _text(legend_x + 30, legend_y, "perfect calibration", anchor="start", cls="legend")
    )
    parts.append(f'<circle cx="{legend_x + 11}" cy="{legend_y + 14}" r="5" fill="{BLUE}"/>')
    parts.append(
        _text(
            legend_x + 30,
            legend_y + 18,
            "holdout games (size: how many)",
            anchor="start",
            cls="legend",
        )
    )
    for i in range(0, 11, 2):
        parts.append(_text(x_of(i / 10), top + plot + 15, f"{i / 10:.1f}", cls="tick"))
    parts.append(
        _text(
            16,
            top + plot / 2,
            "observed home-win rate",
            cls="axis-label",
            extra=f' transform="rotate(-90 16 {top + plot / 2:.1f})"',
        )
    )
    usable = [b for b in bins if _finite(b.get("predicted")) and _finite(b.get("observed"))]
    points = " ".join(f"{x_of(b['predicted']):.1f},{y_of(b['observed']):.1f}" for b in usable)
    if len(usable) > 1:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>'
        )
    largest = max((int(b.get("count") or 0) for b in usable), default=1) or 1
    for b in usable:
        count = int(b.get("count") or 0)
        radius = 3.5 + 6.5 * math.sqrt(count / largest)
        hint = (
            f"{b.get('low', 0):.1f}–{b.get('high', 1):.1f}: predicted {b['predicted']:.3f}, "
            f"observed {b['observed']:.3f}, {count} games"
        )
        parts.append(
            f'<circle cx="{x_of(b["predicted"]):.1f}" cy="{y_of(b["observed"]):.1f}" '
            f'r="{radius:.1f}" fill="{BLUE}" fill-opacity="0.85" stroke="#fff" '
            f'stroke-width="1.5"><title>{escape(hint)}</title></circle>'
        )
    # histogram of games per bin, on the same x axis
    counts = [
        (float(b.get("low", 0)), float(b.get("high", 1)), int(b.get("count") or 0))
        for b in bins
        if _finite(b.get("low")) and _finite(b.get("high"))
    ]
    top_count = max((c for _, _, c in counts), default=1) or 1
    parts.append(_text(left - 6, hist_top + 10, f"{top_count}", anchor="end", cls="tick"))
    parts.append(_text(left - 6, hist_top + hist_h, "0", anchor="end", cls="tick"))
    for low, high, count in counts:
        bar_h = hist_h * count / top_count
        parts.append(
            f'<rect x="{x_of(low) + 1:.1f}" y="{hist_top + hist_h - bar_h:.1f}" '
            f'width="{x_of(high) - x_of(low) - 2:.1f}" height="{bar_h:.1f}" '
            f'fill="{GREY}" fill-opacity="0.55"><title>'
            f"{escape(f'{low:.1f}–{high:.1f}: {count} games')}</title></rect>"
        )
        if count:
            parts.append(
                _text(
                    (x_of(low) + x_of(high)) / 2,
                    hist_top + hist_h - bar_h - 3,
                    str(count),
                    cls="bar-value",
                )
            )
    parts.append(
        f'<line x1="{left}" y1="{hist_top + hist_h}" x2="{left + plot}" '
        f'y2="{hist_top + hist_h}" stroke="{AXIS}"/>'
    )
    parts.append(
        _text(
            16,
            hist_top + hist_h / 2,
            "games",
            cls="axis-label",
            extra=f' transform="rotate(-90 16 {hist_top + hist_h / 2:.1f})"',
        )
    )
    parts.append(
        _text(
            left + plot / 2,
            hist_top + hist_h + 18,
            "predicted home-win probability",
            cls="axis-label",
        )
    )
    parts.append(tail)
    return "".join(parts)
