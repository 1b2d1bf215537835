"""The report's "Recorded runs" section: figures across runs (charted from two runs on), the
run history newest first, outcome badges, and escaped run text."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from nba_ml.report import runs_section as runs
from nba_ml.report.runs_section import RUNS_SHOWN, outcome_badge, run_figure, runs_section

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"q\""


def _figures(brier: float, points: float) -> dict:
    return {
        "game_outcome": {"brier": brier},
        "points": {"mae": points, "mae_last10": points + 0.5},
        "assists": {"mae": 1.5, "mae_last10": 1.6},
        "rebounds": {"mae": 2.0, "mae_last10": 2.1},
        "margin": {"mae": 10.0},
        "total": {"mae": 15.0},
    }


def _run(
    day: int,
    outcome: str = "trained",
    code: int = 0,
    message: str = "",
    figures: dict | None = None,
) -> dict:
    return {
        "started_at": f"2026-11-{day:02d}T10:00:00+00:00",
        "ended_at": f"2026-11-{day:02d}T10:02:30+00:00",
        "command": "train",
        "outcome": outcome,
        "exit_code": code,
        "message": message,
        "figures": figures or {},
    }


def _parse(html: str) -> ET.Element:
    return ET.fromstring(html)  # the section is well-formed (X)HTML, its charts included


def _history(html: str) -> list[list[str]]:
    table = _parse(html).find(".//table")
    assert table is not None
    return [["".join(cell.itertext()) for cell in row] for row in table.findall("tbody/tr")]


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ({"figures": {"points": {"mae": 4.25}}}, 4.25),
        ({"figures": {"points": {"mae": 4}}}, 4.0),
        ({"figures": {"points": {"mae": math.nan}}}, None),
        ({"figures": {"points": {"mae": "4.2"}}}, None),
        ({"figures": {"points": {}}}, None),
        ({"figures": {"points": 3}}, None),
        ({"figures": [1, 2]}, None),
        ({}, None),
    ],
)
def test_run_figure_reads_only_finite_recorded_numbers(run: dict, expected: float | None) -> None:
    assert run_figure(run, "points", "mae") == expected


@pytest.mark.parametrize(
    ("run", "badge"),
    [
        ({"outcome": "trained", "exit_code": 0}, '<span class="badge ok">trained</span>'),
        ({"outcome": "skipped", "exit_code": 0}, '<span class="badge neutral">skipped</span>'),
        (
            {"outcome": "not_promoted", "exit_code": 3},
            '<span class="badge warn">not promoted</span>',
        ),
        ({"outcome": "failed", "exit_code": 75}, '<span class="badge bad">failed</span>'),
        ({}, '<span class="badge bad">?</span>'),
        ({"outcome": "<b>", "exit_code": 1}, '<span class="badge bad">&lt;b&gt;</span>'),
    ],
)
def test_outcome_badges(run: dict, badge: str) -> None:
    assert outcome_badge(run) == badge


def test_no_runs_say_so_and_show_no_history() -> None:
    html = runs_section([], None)
    _parse(html)
    assert "<p>0 runs recorded in <code>runs.jsonl</code>; 0 of them" in html
    assert "No recorded run has holdout figures yet" in html
    assert "Run history" not in html and "<svg" not in html and "callout" not in html


def test_a_problem_reading_the_history_is_shown_escaped() -> None:
    html = runs_section([], f"cannot read run history: {HOSTILE}")
    _parse(html)
    assert '<p class="callout warn">cannot read run history: &lt;script&gt;' in html
    assert HOSTILE not in html


def test_one_run_with_figures_lists_them_instead_of_charting() -> None:
    html = runs_section([_run(1, figures=_figures(0.21, 4.5))], None)
    _parse(html)
    assert "<p>1 run recorded" in html and "1 of them recorded holdout figures" in html
    assert (
        "Only one recorded run has figures (2026-11-01 10:00:00 UTC): Game model: Brier "
        "score 0.2100; Points: MAE 4.5000; Assists: MAE 1.5000; Rebounds: MAE 2.0000; Home "
        "margin: MAE 10.0000; Game total: MAE 15.0000."
    ) in html
    assert "<svg" not in html


def test_two_runs_with_figures_are_charted_per_model() -> None:
    history = [
        _run(1, figures=_figures(0.22, 4.6)),
        _run(2, "failed", 75, "boom"),
        _run(3, figures=_figures(0.21, 4.5)),
    ]
    html = runs_section(history, None)
    root = _parse(html)
    assert "3 runs recorded" in html and "2 of them recorded holdout figures" in html
    charts = list(root.iter(f"{NS}svg"))
    titles = [c.find(f"{NS}title").text for c in charts]
    assert titles == [f"{title} across recorded runs" for _, _, title in runs.run_figures()]
    assert titles == [
        f"{title} across recorded runs"
        for title in (
            "Game model: Brier score",
            "Points: MAE",
            "Assists: MAE",
            "Rebounds: MAE",
            "Home margin: MAE",
            "Game total: MAE",
        )
    ]
    for model_chart, (model, _, _) in zip(charts, runs.run_figures(), strict=True):
        lines = list(model_chart.iter(f"{NS}polyline"))
        # the game-level models have no last-10 baseline line beside them
        assert len(lines) == (1 if model in ("game_outcome", "margin", "total") else 2)
        points = [c.find(f"{NS}title").text for c in model_chart.iter(f"{NS}circle")]
        assert points[0].startswith("11-01 10:00, model: ")  # the failed run has no point
        assert len(points) == 2 * len(lines)
    hints = [[c.find(f"{NS}title").text for c in chart.iter(f"{NS}circle")] for chart in charts[:2]]
    assert hints[0] == ["11-01 10:00, model: 0.2200", "11-03 10:00, model: 0.2100"]
    assert hints[1] == [
        "11-01 10:00, model: 4.600",
        "11-03 10:00, model: 4.500",
        "11-01 10:00, last-10 average: 5.100",
        "11-03 10:00, last-10 average: 5.000",
    ]
    assert "did not install" not in html


@pytest.mark.parametrize(
    ("kept_out", "wording"),
    [
        (1, "1 of these runs did not install its models"),
        (2, "2 of these runs did not install their models"),
    ],
)
def test_charted_runs_that_installed_nothing_are_pointed_out(kept_out: int, wording: str) -> None:
    history = [
        _run(
            day,
            "not_promoted" if day <= kept_out else "trained",
            3 if day <= kept_out else 0,
            figures=_figures(0.2 + day / 100, 4.0 + day),
        )
        for day in (1, 2, 3)
    ]
    assert wording in runs_section(history, None)


def test_the_history_lists_runs_newest_first_with_their_details() -> None:
    history = [
        _run(1, message="first"),
        _run(2, "failed", 75, HOSTILE),
        {"started_at": "yesterday", "outcome": "skipped"},
    ]
    html = runs_section(history, None)
    rows = _history(html)
    assert [row[0] for row in rows] == [
        "yesterday",
        "2026-11-02 10:00:00 UTC",
        "2026-11-01 10:00:00 UTC",
    ]
    assert rows[1] == [
        "2026-11-02 10:00:00 UTC",
        "10:02:30 (2.5 min)",
        "train",
        "failed",
        "75",
        HOSTILE,
    ]
    assert rows[0] == ["yesterday", "–", "–", "skipped", "–", ""]  # what was not recorded
    assert "<script>" not in html and "Runs, newest first" in html


def test_only_the_latest_runs_are_listed() -> None:
    history = [_run(1 + i % 28, message=f"run {i}") for i in range(RUNS_SHOWN + 7)]
    html = runs_section(history, None)
    rows = _history(html)
    assert len(rows) == RUNS_SHOWN
    assert rows[0][-1] == f"run {RUNS_SHOWN + 6}" and rows[-1][-1] == "run 7"
    assert f"The latest {RUNS_SHOWN} of {RUNS_SHOWN + 7:,} runs, newest first" in html
    assert re.search(rf"<p>{RUNS_SHOWN + 7} runs recorded", html)
