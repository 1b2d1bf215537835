"""The report's "Recorded runs" section: holdout figures across runs and the run history."""

from __future__ import annotations

from nba_ml import modelset
from nba_ml.errors import Outcome
from nba_ml.report import svg
from nba_ml.report.cells import (
    BASELINES,
    SERIES_COLORS,
    esc,
    finite_number,
    fmt_duration,
    fmt_end_time,
    fmt_number,
    fmt_short_time,
    fmt_when,
    html_figure,
    html_table,
    unbroken,
)
from nba_ml.state.layout import RUNS_NAME

RUNS_SHOWN = 50


def run_figures() -> tuple[tuple[str, str, str], ...]:
    """The figures charted across runs: (model, figure, title), each model's headline figure."""
    return tuple((s.name, s.headline.key, s.chart_title()) for s in modelset.models())


def run_figure(run: dict, model: str, key: str) -> float | None:
    figures = run.get("figures")
    if not isinstance(figures, dict) or not isinstance(figures.get(model), dict):
        return None
    return finite_number(figures[model].get(key))


def outcome_badge(run: dict) -> str:
    outcome = str(run.get("outcome", "?"))
    code = run.get("exit_code")
    kind = (
        "ok"
        if outcome == Outcome.TRAINED.value
        else "neutral"
        if code == 0
        else "warn"
        if outcome == Outcome.NOT_PROMOTED.value
        else "bad"
    )
    return f'<span class="badge {kind}">{esc(outcome.replace("_", " "))}</span>'


def runs_section(runs: list[dict], problem: str | None) -> str:
    parts = ['<section id="runs">\n<h2>Recorded runs</h2>\n']
    if problem:
        parts.append(f'<p class="callout warn">{esc(problem)}</p>')
    with_figures = [
        r for r in runs if any(run_figure(r, m, k) is not None for m, k, _ in run_figures())
    ]
    parts.append(
        f"<p>{len(runs):,} run{'s' if len(runs) != 1 else ''} recorded in "
        f"<code>{RUNS_NAME}</code>; {len(with_figures):,} of them recorded holdout "
        "figures (runs that skip or fail record none).</p>"
    )
    parts.append("<h3>Holdout figures across runs</h3>")
    if len(with_figures) >= 2:
        labels = [fmt_short_time(r.get("started_at")) for r in with_figures]
        charts = []
        for model, key, title in run_figures():
            spec = modelset.spec(model)
            series = [
                svg.Series(
                    "model",
                    [run_figure(r, model, key) for r in with_figures],
                    SERIES_COLORS["model"],
                )
            ]
            if spec.baseline:  # the naive baseline it is measured against, dashed
                baseline = [run_figure(r, model, spec.baseline) for r in with_figures]
                series.append(
                    svg.Series(BASELINES["last10"], baseline, SERIES_COLORS["last10"], dashed=True)
                )
            chart = svg.line_chart(
                title=f"{title} across recorded runs",
                desc=f"{title} on the holdout, for each recorded run with figures, oldest first.",
                x_labels=labels,
                series=series,
                y_label=title.split(": ")[1],
                value_format=spec.headline.format,
            )
            charts.append(
                html_figure(
                    chart,
                    width=460,
                    top=f'{esc(title)} <span class="muted">(lower is better)</span>',
                )
            )
        parts.append(f'<div class="row">{"".join(charts)}</div>')
        rejected = sum(r.get("outcome") != Outcome.TRAINED.value for r in with_figures)
        also = (
            f" {rejected} of these runs did not install {'its' if rejected == 1 else 'their'}"
            " models (outcome other than trained): those points show a set that was kept "
            "out."
            if rejected
            else ""
        )
        parts.append(
            '<p class="note-text">Each point is the holdout figure a run recorded. A run '
            "that trained on other seasons was measured on another holdout, so a step "
            f"can come from the data rather than the model.{also}</p>"
        )
    elif len(with_figures) == 1:
        run = with_figures[0]
        values = "; ".join(
            f"{title} {fmt_number(run_figure(run, m, k), 4)}" for m, k, title in run_figures()
        )
        parts.append(
            f"<p>Only one recorded run has figures ({esc(fmt_when(run.get('started_at')))}"
            f"): {esc(values)}. The charts appear once a second run records figures.</p>"
        )
    else:
        parts.append("<p>No recorded run has holdout figures yet.</p>")
    if runs:
        shown = list(reversed(runs[-RUNS_SHOWN:]))
        caption = (
            "Runs, newest first"
            if len(runs) <= RUNS_SHOWN
            else f"The latest {RUNS_SHOWN} of {len(runs):,} runs, newest first"
        )
        body = []
        for run in shown:
            took = fmt_duration(run.get("started_at"), run.get("ended_at"))
            body.append(
                [
                    unbroken(fmt_when(run.get("started_at"))),
                    unbroken(fmt_end_time(run))
                    + (f' <span class="muted nowrap">({esc(took)})</span>' if took else ""),
                    esc(run.get("command", "–")),
                    outcome_badge(run),
                    esc(run.get("exit_code", "–")),
                    esc(run.get("message", "")),
                ]
            )
        parts.append("<h3>Run history</h3>")
        parts.append(
            html_table(
                caption,
                ["Started", "Ended (took)", "Command", "Outcome", "Exit", "Message"],
                body,
                table_class="runs",
                classes=["", "", "text", "text", "", "message"],
            )
        )
    parts.append("</section>\n")
    return "\n".join(parts)
