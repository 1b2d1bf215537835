"""The report's inline SVG charts: well-formed, accessible, escaped, and drawn to scale."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest

from nba_ml.report import svg

NS = "{http://www.w3.org/2000/svg}"


def _bars(chart: str) -> list[ET.Element]:
    """Return the data bars of a bar chart (rects carrying a hint), in drawing order."""
    return [r for r in ET.fromstring(chart).iter(f"{NS}rect") if r.find(f"{NS}title") is not None]


@pytest.mark.parametrize(
    ("low", "high"), [(0, 4.6), (0.2175, 0.2300), (-3, 17), (0, 0.0042), (120, 980)]
)
def test_nice_ticks_are_round_evenly_spaced_and_cover_the_range(low: float, high: float) -> None:
    ticks = svg.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and 4 <= len(ticks) <= 8
    steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5)), step


def test_nice_ticks_of_an_empty_or_unusable_range() -> None:
    assert svg.nice_ticks(float("nan"), 1) == [0.0, 1.0]
    assert svg.nice_ticks(0, float("inf")) == [0.0, 1.0]
    for value in (1.0, 0.0, -2.0):  # one value: a range is made around it
        ticks = svg.nice_ticks(value, value)
        assert ticks[0] <= value <= ticks[-1] and len(ticks) >= 2


def test_charts_escape_text_and_survive_gaps() -> None:
    line = svg.line_chart(
        title="<t>",
        desc="a & b",
        x_labels=["<1>", "2", "3"],
        series=[svg.Series("s<", [1.0, None, float("nan")], svg.BLUE)],
        y_label="y",
    )
    bars = svg.bar_chart(
        title="t", desc="d", groups=["<g>"], series=[svg.Series("m", [None], svg.BLUE)], y_label="y"
    )
    single = svg.line_chart(
        title="one",
        desc="d",
        x_labels=["only"],
        series=[svg.Series("s", [0.5], svg.BLUE)],
        y_label="y",
    )
    calibration = svg.calibration_chart(title="c", desc="d", bins=[])
    for chart in (line, bars, single, calibration):
        ET.fromstring(chart)
    assert "&lt;t&gt;" in line and "<t>" not in line and "&lt;g&gt;" in bars
    assert "<circle" in single


HOSTILE = "<script>x</script> & \"q\" 'a'"


def _every_chart(text: str) -> list[str]:
    series = [svg.Series(text, [1.0, 2.0], svg.BLUE), svg.Series("b", [2.0, 1.0], svg.ORANGE)]
    bins = [
        {"low": 0.0, "high": 0.5, "predicted": 0.3, "observed": 0.25, "count": 4},
        {"low": 0.5, "high": 1.0, "predicted": 0.7, "observed": 0.8, "count": 6},
    ]
    return [
        svg.bar_chart(title=text, desc=text, groups=[text, "g"], series=series, y_label=text),
        svg.line_chart(
            title=text, desc=text, x_labels=[text, "2"], series=series, y_label=text, x_title=text
        ),
        svg.calibration_chart(title=text, desc=text, bins=bins),
    ]


def test_every_chart_is_well_formed_xml_with_the_labels_escaped() -> None:
    for chart in _every_chart(HOSTILE):
        root = ET.fromstring(chart)  # well-formed, whatever the labels hold
        assert "<script>" not in chart
        texts = [e.text for e in root.iter() if e.text]
        assert HOSTILE in texts  # the parsed text is the label itself, not a mangled one
        assert not list(root.iter(f"{NS}script")) and not list(root.iter("script"))


def test_every_chart_is_an_accessible_image_with_its_own_title_and_desc() -> None:
    ids: list[str] = []
    for chart in _every_chart("Points: MAE") + _every_chart("again"):
        root = ET.fromstring(chart)
        assert root.tag == f"{NS}svg" and root.get("role") == "img"
        title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
        assert title is not None and desc is not None and title.text and desc.text
        assert root.get("aria-labelledby", "").split() == [title.get("id"), desc.get("id")]
        ids += [title.get("id", ""), desc.get("id", "")]
        width, height = int(root.get("width", "0")), int(root.get("height", "0"))
        assert root.get("viewBox") == f"0 0 {width} {height}"
    assert len(ids) == len(set(ids))  # several charts on one page never share an id


def test_bar_heights_are_proportional_to_values_from_a_zero_baseline() -> None:
    chart = svg.bar_chart(
        title="t",
        desc="d",
        groups=["a", "b"],
        y_label="y",
        series=[svg.Series("m", [1.0, 3.0], svg.BLUE), svg.Series("n", [2.0, None], svg.GREEN)],
    )
    bars = _bars(chart)
    assert [b.find(f"{NS}title").text for b in bars] == ["a, m: 1.00", "a, n: 2.00", "b, m: 3.00"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] / heights[0] == pytest.approx(2.0, rel=0.01)
    assert heights[2] / heights[0] == pytest.approx(3.0, rel=0.01)
    bottoms = {round(float(b.get("y")) + float(b.get("height")), 1) for b in bars}
    assert len(bottoms) == 1  # every bar stands on the same axis
    assert [b.get("fill") for b in bars] == [svg.BLUE, svg.GREEN, svg.BLUE]


def test_bars_around_a_labelled_baseline_grow_from_it_on_an_axis_not_from_zero() -> None:
    """Ratios 0.94 and 1.03 to a reference: bars from 1.0, lengths in proportion to the
    differences, the axis around 1.0 (not from 0: the differences would be invisible)."""
    chart = svg.bar_chart(
        title="t",
        desc="d",
        groups=["a"],
        y_label="y",
        series=[svg.Series("m", [0.94], svg.BLUE), svg.Series("n", [1.03], svg.GREEN)],
        baseline=1.0,
        baseline_label="last-10 average = 1.00",
    )
    below, above = _bars(chart)
    assert float(below.get("height")) / float(above.get("height")) == pytest.approx(2.0, rel=0.02)
    assert float(above.get("y")) + float(above.get("height")) == pytest.approx(
        float(below.get("y")), abs=0.15
    )  # both meet at the baseline
    ticks = [
        float(t.text or "")
        for t in ET.fromstring(chart).iter(f"{NS}text")
        if t.get("class") == "tick"
    ]
    assert 0.85 <= min(ticks) < 0.94 and 1.03 < max(ticks) <= 1.15
    assert "last-10 average = 1.00" in chart


def test_bar_value_labels_follow_the_format_and_can_be_left_out() -> None:
    series = [svg.Series("m", [0.12345], svg.BLUE)]
    labelled = svg.bar_chart(
        title="t", desc="d", groups=["a"], series=series, y_label="y", value_format="{:.3f}"
    )
    plain = svg.bar_chart(
        title="t", desc="d", groups=["a"], series=series, y_label="y", labels=False
    )
    assert 'class="bar-value">0.123</text>' in labelled
    assert "bar-value" not in plain and len(_bars(plain)) == 1


def test_lines_break_at_missing_values_and_mark_every_value() -> None:
    chart = svg.line_chart(
        title="t",
        desc="d",
        x_labels=list("abcdef"),
        y_label="y",
        series=[svg.Series("m", [1.0, 2.0, None, 3.0, 4.0, float("nan")], svg.BLUE)],
    )
    root = ET.fromstring(chart)
    lines = list(root.iter(f"{NS}polyline"))
    assert [len(p.get("points", "").split()) for p in lines] == [2, 2]
    hints = [c.find(f"{NS}title").text for c in root.iter(f"{NS}circle")]
    assert hints == ["a, m: 1.000", "b, m: 2.000", "d, m: 3.000", "e, m: 4.000"]


def test_a_higher_value_is_drawn_higher_and_dashed_series_are_dashed() -> None:
    chart = svg.line_chart(
        title="t",
        desc="d",
        x_labels=["a", "b"],
        y_label="y",
        series=[
            svg.Series("m", [1.0, 5.0], svg.BLUE),
            svg.Series("base", [2.0, 2.0], svg.ORANGE, dashed=True),
        ],
    )
    root = ET.fromstring(chart)
    first, second = (
        list(map(float, p.split(",")))
        for p in next(root.iter(f"{NS}polyline")).get("points", "").split()
    )
    assert second[0] > first[0] and second[1] < first[1]  # SVG y grows downwards
    dashed = [p for p in root.iter(f"{NS}polyline") if p.get("stroke-dasharray")]
    assert [p.get("stroke") for p in dashed] == [svg.ORANGE]


def test_long_line_charts_drop_markers_and_thin_their_labels() -> None:
    labels = [f"r{i}" for i in range(61)]
    chart = svg.line_chart(
        title="t",
        desc="d",
        x_labels=labels,
        y_label="y",
        series=[svg.Series("m", [float(i) for i in range(61)], svg.BLUE)],
    )
    root = ET.fromstring(chart)
    assert not list(root.iter(f"{NS}circle"))  # past 60 points a line only
    shown = [t.text for t in root.iter(f"{NS}text") if t.text in labels]
    assert 2 <= len(shown) <= 8 and shown[0] == "r0"


def test_calibration_chart_plots_usable_bins_and_counts_every_bin() -> None:
    bins = [
        {"low": 0.0, "high": 0.1, "predicted": 0.05, "observed": 0.1, "count": 10},
        {"low": 0.1, "high": 0.2, "predicted": float("nan"), "observed": 0.2, "count": 3},
        {"low": 0.8, "high": 0.9, "predicted": 0.85, "observed": 0.8, "count": 40},
    ]
    root = ET.fromstring(svg.calibration_chart(title="c", desc="d", bins=bins))
    hints = [
        c.find(f"{NS}title").text
        for c in root.iter(f"{NS}circle")
        if c.find(f"{NS}title") is not None
    ]
    assert hints == [
        "0.0–0.1: predicted 0.050, observed 0.100, 10 games",
        "0.8–0.9: predicted 0.850, observed 0.800, 40 games",
    ]
    assert len(list(root.iter(f"{NS}polyline"))) == 1  # the line through the usable points
    histogram = {
        r.find(f"{NS}title").text: float(r.get("height"))
        for r in root.iter(f"{NS}rect")
        if r.find(f"{NS}title") is not None
    }
    assert set(histogram) == {"0.0–0.1: 10 games", "0.1–0.2: 3 games", "0.8–0.9: 40 games"}
    assert histogram["0.8–0.9: 40 games"] / histogram["0.0–0.1: 10 games"] == pytest.approx(4.0)
    assert "perfect calibration" in ET.tostring(root, encoding="unicode")


def test_legend_wraps_to_more_rows_when_the_names_do_not_fit() -> None:
    one = [svg.Series("model", [1.0], svg.BLUE)]
    many = [svg.Series(f"a long series name {i}", [1.0], svg.BLUE) for i in range(6)]
    _, short_height = svg._legend(one, 0, 16, 400)
    text, tall_height = svg._legend(many, 0, 16, 400)
    assert short_height == 18 and tall_height > short_height
    rows = {float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)"', text)}
    assert len(rows) == tall_height / 18
