"""The report's formatting and HTML building blocks: numbers, changes, times, durations, ages,
tables and figures; non-numbers and unparsable times never raise."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from nba_ml.report import cells, svg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (2.5, 2.5),
        (-0.0, 0.0),
        (True, None),
        (False, None),
        ("1.5", None),
        (None, None),
        (math.nan, None),
        (math.inf, None),
        (-math.inf, None),
        ([1], None),
    ],
)
def test_finite_number_accepts_only_finite_ints_and_floats(
    value: object, expected: float | None
) -> None:
    assert cells.finite_number(value) == expected


def test_numbers_and_counts() -> None:
    assert cells.fmt_number(1234.56789) == "1,234.568"
    assert cells.fmt_number(0.21754, 4) == "0.2175"
    assert cells.fmt_number(2, 1) == "2.0"
    assert cells.fmt_count(12345.9) == "12,345"  # truncated, never rounded up
    assert cells.fmt_count(0) == "0"
    for bad in (None, math.nan, "7", True):
        assert cells.fmt_number(bad) == "–" and cells.fmt_count(bad) == "–"


def test_change_is_a_signed_percentage_with_a_true_minus_sign() -> None:
    assert cells.fmt_change(0.9, 1.0) == "−10.0%"
    assert cells.fmt_change(1.1, 1.0) == "+10.0%"
    assert cells.fmt_change(2.0, 2.0) == "+0.0%"
    for value, reference in (
        (1.0, 0.0),
        (1.0, None),
        (None, 1.0),
        (math.nan, 1.0),
        (1.0, math.inf),
    ):
        assert cells.fmt_change(value, reference) == "–"


FIGURES = {"n": 1200, "mae": 4.123, "mae_last10": 4.5, "mae_season": 4.9, "mae_ewma": 4.3}


def test_mae_cells_mark_the_lowest_in_bold() -> None:
    assert cells.mae_cells(FIGURES) == ["<b>4.12</b>", "4.50", "4.90", "4.30"]
    tied = cells.mae_cells({"mae": 4.3, "mae_last10": 4.3, "mae_ewma": math.nan})
    assert tied == ["<b>4.30</b>", "<b>4.30</b>", "–", "–"]
    assert cells.mae_cells({}) == ["–"] * 4


def test_mae_row_has_label_count_cells_and_the_change_against_last10() -> None:
    row = cells.mae_row("points", FIGURES)
    assert row == ["points", "1,200", "<b>4.12</b>", "4.50", "4.90", "4.30", "−8.4%"]
    assert cells.mae_row("0–10", {"n": 0}) == ["0–10", "0", "–", "–", "–", "–", "–"]


def test_mae_ratio_series_divide_the_model_and_baselines_by_the_last10_average() -> None:
    rows = [FIGURES, {"mae": "x", "mae_last10": math.nan}, {"mae": 2.0, "mae_last10": 0.0}]
    series = cells.mae_ratio_series(rows)
    assert [s.name for s in series] == ["model", "season average", "EWMA"]
    assert [s.color for s in series] == [svg.BLUE, svg.GREEN, svg.PINK]
    assert series[0].values == [pytest.approx(4.123 / 4.5), None, None]
    assert series[1].values[0] == pytest.approx(4.9 / 4.5)


def test_times_are_shown_in_utc() -> None:
    assert cells.fmt_when("2026-11-27T10:00:00+02:00") == "2026-11-27 08:00:00 UTC"
    assert cells.fmt_when("2026-11-27T10:00:00Z", date=False) == "10:00:00"
    assert cells.fmt_when("2026-11-27T10:00:00") == "2026-11-27 10:00:00 UTC"  # naive is UTC
    assert cells.fmt_when("yesterday") == "yesterday"  # shown as recorded (callers escape)
    for empty in (None, "", "   ", 42):
        assert cells.fmt_when(empty) == "–"
    assert cells.fmt_short_time("2026-11-27T23:30:00-01:00") == "11-28 00:30"
    assert cells.fmt_short_time("soon") == "?"


def test_an_end_time_shows_its_date_only_on_another_day() -> None:
    same = {"started_at": "2026-11-27T10:00:00Z", "ended_at": "2026-11-27T10:02:30Z"}
    assert cells.fmt_end_time(same) == "10:02:30"
    overnight = {"started_at": "2026-11-27T23:59:00Z", "ended_at": "2026-11-28T00:01:00Z"}
    assert cells.fmt_end_time(overnight) == "2026-11-28 00:01:00 UTC"
    assert cells.fmt_end_time({"ended_at": "2026-11-28T00:01:00Z"}) == "2026-11-28 00:01:00 UTC"
    assert cells.fmt_end_time({}) == "–"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0 s"),
        (89, "89 s"),
        (90, "1.5 min"),
        (150, "2.5 min"),
        (5399, "90.0 min"),
        (5400, "1.5 h"),
        (7200, "2.0 h"),
    ],
)
def test_durations_pick_their_unit(seconds: int, expected: str) -> None:
    from datetime import datetime, timedelta, timezone

    start = datetime(2026, 11, 27, 10, tzinfo=timezone.utc)
    assert (
        cells.fmt_duration(start.isoformat(), (start + timedelta(seconds=seconds)).isoformat())
        == expected
    )


def test_a_duration_without_two_ordered_times_is_blank() -> None:
    assert cells.fmt_duration("2026-11-27T10:00:00Z", "2026-11-27T09:59:59Z") == ""
    assert cells.fmt_duration("2026-11-27T10:00:00Z", None) == ""
    assert cells.fmt_duration("whenever", "2026-11-27T10:00:00Z") == ""


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (0.0, "0.0 hours old"),
        (5.04, "5.0 hours old"),
        (47.9, "47.9 hours old"),
        (48.0, "2.0 days old"),
        (72.0, "3.0 days old"),
        (-0.5, "trained after this report's clock"),
        (math.nan, "unknown age"),
        (math.inf, "unknown age"),
    ],
)
def test_ages(hours: float, expected: str) -> None:
    assert cells.fmt_age(hours) == expected


def test_escaping_and_unbroken_words() -> None:
    assert cells.esc("<a href='x'>&\"</a>") == "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;&lt;/a&gt;"
    assert cells.esc(None) == "None" and cells.esc(3) == "3"
    assert cells.unbroken("2026-11-27 <04:00>") == (
        '<span class="nowrap">2026-11-27</span> <span class="nowrap">&lt;04:00&gt;</span>'
    )


def test_html_table_heads_rows_and_styles_columns() -> None:
    html = cells.html_table(
        "Cap <i>x</i>",
        ["Model", "MAE", "Note"],
        [["points", "4.12", "ok"], ["assists", "1.20", "&lt;b&gt;"]],
        classes=["", "num"],
        table_class="runs",
    )
    root = ET.fromstring(html)  # well-formed
    assert root.get("class") == "table-wrap"
    table = root.find("table")
    assert table is not None and table.get("class") == "runs"
    assert "".join(table.find("caption").itertext()) == "Cap x"  # caption is HTML already
    heads = table.findall("thead/tr/th")
    assert [(h.text, h.get("scope"), h.get("class")) for h in heads] == [
        ("Model", "col", "text"),
        ("MAE", "col", "num"),
        ("Note", "col", None),
    ]
    rows = table.findall("tbody/tr")
    assert [(c.tag, c.get("scope"), c.text) for c in rows[0]] == [
        ("th", "row", "points"),
        ("td", None, "4.12"),
        ("td", None, "ok"),
    ]
    assert [c.get("class") for c in rows[0]] == [None, "num", None]
    assert rows[1][2].text == "<b>"  # body cells are inserted as given (escaped by callers)


def test_html_table_without_classes_or_rows() -> None:
    html = cells.html_table("c", ["A"], [[]])
    assert "class=" not in html.replace('class="table-wrap"', "").replace('class="text"', "")
    assert "<tbody><tr></tr></tbody>" in html
    ET.fromstring(html)


def test_html_figure_is_as_wide_as_its_chart() -> None:
    chart = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    assert cells.html_figure(chart, width=460) == (
        f'<figure style="max-width:460px">{chart}</figure>'
    )
    full = cells.html_figure(chart, "the caption", width=300, top="Title")
    assert full == (
        '<figure style="max-width:300px"><div class="figure-title">Title</div>'
        f"{chart}<figcaption>the caption</figcaption></figure>"
    )
