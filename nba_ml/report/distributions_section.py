"""The report's section on the predictive distributions (issue #22): for every model of the set
that carries one (``ModelSpec.distribution``: the player stats, the home margin, the total), its
holdout CRPS, the coverage of its 50 / 80 / 90 % central intervals beside the nominal levels,
and its PIT histogram, as ``train`` measured them (the training record's figures).

A calibrated distribution covers 50 / 80 / 90 % of the outcomes with those intervals and puts a
tenth of the outcomes in each tenth of its range (a flat PIT histogram); a U shape is too narrow,
a hump too wide, a slope biased.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nba_ml import modelset
from nba_ml.report import svg
from nba_ml.report.cells import esc, finite_number, fmt_count, fmt_number, html_figure, html_table

if TYPE_CHECKING:
    from nba_ml.manifest import TrainingRecord

# the central intervals reported (their nominal coverage, %)
LEVELS: tuple[int, ...] = (50, 80, 90)
LEVEL_COLORS: dict[int, str] = {50: svg.BLUE, 80: svg.ORANGE, 90: svg.GREEN}
NOMINAL_LINE = "observed = nominal"
PIT_LINE = "calibrated: 0.10 each"


def measured(training: TrainingRecord) -> list[tuple[modelset.ModelSpec, dict[str, Any]]]:
    """Return the models carrying a distribution whose holdout figures include it (CRPS), with
    those figures, in the registry's order."""
    out = []
    for spec in modelset.models():
        figures = training.figures(spec.name) or {}
        if spec.distribution is not None and finite_number(figures.get("crps")) is not None:
            out.append((spec, figures))
    return out


def distributions_section(training: TrainingRecord) -> str:
    """Return the section: a table of CRPS and coverage, the coverage chart, a PIT histogram
    per model; a note when the set was trained before it had distributions."""
    models = measured(training)
    head = '<section id="distributions">\n<h2>Predictive distributions: ranges and lines</h2>\n'
    if not models:
        return (
            f'{head}<p class="callout warn">This model set records no predictive '
            "distributions (it was trained before nba-ml had them): retrain "
            "(<code>nba-ml train --force</code>) for quantiles, line probabilities and their "
            "calibration here.</p>\n</section>\n"
        )
    intro = (
        "<p>Each model's predictive distribution gives the quantiles and the probability of "
        "any line. On the holdout (models fitted only on the games before it), a calibrated "
        "distribution's 50 / 80 / 90 % central intervals hold 50 / 80 / 90 % of the outcomes, "
        "and its PIT histogram is flat. The CRPS is the distribution's error in the outcome's "
        "units (lower is better; for a single number it is the absolute error).</p>"
    )
    table = html_table(
        "Holdout calibration of the predictive distributions",
        ["Model", "Holdout rows", "CRPS", *(f"{level} % interval" for level in LEVELS)],
        [
            [
                esc(spec.name),
                fmt_count(figures.get("n")),
                fmt_number(figures.get("crps"), 3),
                *(_percent(figures.get(f"coverage_{level}")) for level in LEVELS),
            ]
            for spec, figures in models
        ],
    )
    return (
        f"{head}{intro}\n{table}\n{_coverage_chart(models)}\n"
        f"<h3>PIT histograms</h3>\n{_pit_charts(models)}\n</section>\n"
    )


def _percent(value: object) -> str:
    number = finite_number(value)
    return "–" if number is None else f"{number:.1%}"


def _coverage_chart(models: list[tuple[modelset.ModelSpec, dict[str, Any]]]) -> str:
    """Return the chart of each model's observed minus nominal coverage, per interval."""

    def gap(figures: dict[str, Any], level: int) -> float | None:
        value = finite_number(figures.get(f"coverage_{level}"))
        return None if value is None else 100 * value - level

    chart = svg.bar_chart(
        title="Coverage of the central intervals on the holdout, minus the nominal level",
        desc="For each model, the share of holdout outcomes inside its 50, 80 and 90 % "
        "central intervals minus 50, 80 and 90: bars above 0 cover more than they claim "
        "(too wide), below 0 less (too narrow).",
        groups=[spec.name for spec, _ in models],
        series=[
            svg.Series(
                f"{level} % interval", [gap(f, level) for _, f in models], LEVEL_COLORS[level]
            )
            for level in LEVELS
        ],
        y_label="observed − nominal (points)",
        width=640,
        height=300,
        value_format="{:+.1f}",
        baseline=0.0,
        baseline_label=NOMINAL_LINE,
    )
    return html_figure(
        chart,
        "Observed coverage minus nominal, in percentage points (the table gives the observed "
        "shares): within ±2 points is the target; the axis is zoomed around 0.",
        width=640,
    )


def _pit_charts(models: list[tuple[modelset.ModelSpec, dict[str, Any]]]) -> str:
    """Return one PIT histogram per model that recorded one (a row of small charts)."""
    figures = []
    for spec, values in models:
        pit = values.get("pit")
        if not isinstance(pit, list) or not pit:
            continue
        bins = len(pit)
        chart = svg.bar_chart(
            title=f"{spec.name}: PIT histogram on the holdout",
            desc=f"Share of the {spec.name} outcomes in each tenth of the predicted "
            "distribution (its probability integral transform); 0.10 in each is calibrated.",
            groups=[f"{b / bins:.1f}" for b in range(bins)],
            series=[svg.Series("share of outcomes", [finite_number(v) for v in pit], svg.BLUE)],
            y_label="share",
            width=320,
            height=220,
            labels=False,
            value_format="{:.3f}",
            baseline=1 / bins,
            baseline_label=PIT_LINE,
        )
        figures.append(html_figure(chart, width=320, top=esc(spec.name)))
    if not figures:
        return '<p class="note-text">No PIT histogram recorded (an older training).</p>'
    return (
        f'<div class="row">{"".join(figures)}</div>\n<p class="note-text">Each bar: the '
        "share of outcomes between two tenths of the predicted distribution (the left bar: "
        "below its 10 % quantile). Flat at 0.10 is calibrated; high ends mean the "
        "distribution is too narrow, a high middle too wide, a slope a bias.</p>"
    )
