"""One self-contained HTML page about the installed model set: how good it is and how it moved.

The page shows the game model's calibration curve and scores, the player models' MAE beside the
naive baselines (overall and by minutes played), the predictive distributions' calibration
(coverage and PIT: ``report.distributions_section``), and the holdout figures of every recorded
run.
Charts are inline SVG (``nba_ml.report.svg``); the file needs no network, script, font or image.

MAE by minutes played needs per-row holdout predictions, which the manifest does not keep. By
default they are recomputed honestly: the player models are fitted again on the rows before the
holdout (as ``train`` did to measure them) and predict the holdout. ``fast=True`` skips that fit
and uses the deployed models, which were trained on the holdout too: the page then says that
those per-minute figures are in-sample (optimistic).
"""

from __future__ import annotations

import logging
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.errors import DataError, StorageError
from nba_ml.modeling.models import outcome_spec, player_specs
from nba_ml.report import svg
from nba_ml.report.cells import (
    esc,
    finite_number,
    fmt_age,
    fmt_count,
    fmt_number,
    fmt_when,
    html_figure,
    html_table,
    mae_ratio_series,
    mae_row,
)
from nba_ml.report.distributions_section import distributions_section
from nba_ml.report.fivethirtyeight import FORECASTERS, Comparison, compare
from nba_ml.report.refit import HoldoutErrors, holdout_errors
from nba_ml.report.runs_section import runs_section
from nba_ml.state.files import atomic_write, describe_os_error, safe_text

if TYPE_CHECKING:
    import pandas as pd

    from nba_ml.manifest import Manifest, TrainingRecord

logger = logging.getLogger(__name__)

REPORT_MODE = 0o644
# The MAE charts show ratios to the last-10 average on an axis zoomed around 1.0 (bars from 0
# hid differences of 5%): the label of their reference line and the note on their axis.
RATIO_LINE = "last-10 average = 1.00"
AXIS_NOTE = "zoomed around 1.0 (it does not start at 0) so that differences of a few % show;"
MINUTES_CAPTION = (
    f"MAE ÷ the last-10 average's MAE; the axis is {AXIS_NOTE} the values are in the table."
)


# ---------------------------------------------------------------------------------- the API


def write_report(
    data_dir: Path,
    output: Path,
    *,
    now: datetime | None = None,
    fast: bool = False,
    jobs: int = 0,
    forecasts: pd.DataFrame | None = None,
    forecasts_source: str = "",
) -> Path:
    """Write the HTML report on the installed model set to ``output`` atomically; return it.

    Raises ModelInvalid when the installed set is not valid, DataError when its game data is
    missing or too thin, StorageError when ``output`` cannot be written (its directory's
    writability is checked before the refit, so a long computation is not wasted on an
    unwritable path; the page is written with ``state.files.atomic_write``).
    ``fast`` skips the honest refit (see the module docstring); ``jobs``: its worker processes,
    as for ``train`` (``NBA_ML_JOBS``). ``forecasts``: FiveThirtyEight's (from
    ``report.fivethirtyeight.read_forecasts`` of the file ``forecasts_source``), scored beside
    the game model on the holdout games both forecast.
    """
    data_dir, output = Path(data_dir), Path(output)
    now = now or datetime.now(timezone.utc)
    from nba_ml.state.store import load_model_set_with_manifest, verify_model_set
    from nba_ml.state.unusable import unusable_set

    deployed: dict[str, Any] | None = None
    if fast:  # the models and the manifest of one generation, even if a training swaps it
        deployed, manifest = load_model_set_with_manifest(data_dir)
    else:
        verification = verify_model_set(data_dir)
        if not verification.ok or verification.manifest is None:
            raise unusable_set(data_dir, verification.problems)
        manifest = verification.manifest
    training = manifest.record
    if training.holdout is None:
        raise DataError(
            "the model manifest records no training holdout; run `nba-ml train --force`"
        )
    if not os.access(output.parent, os.W_OK | os.X_OK):  # before the refit, not after it
        raise StorageError(
            f"cannot write {safe_text(str(output))}: its directory is not writable by this user"
        )
    errors = holdout_errors(
        data_dir, training, deployed=deployed, jobs=jobs, games=forecasts is not None
    )
    comparison = (
        compare(errors.games, forecasts, forecasts_source)
        if forecasts is not None and errors.games is not None
        else None
    )
    runs, runs_problem = _read_runs(data_dir)
    page = render_report(
        data_dir, manifest, errors, runs, now=now, runs_problem=runs_problem, comparison=comparison
    )
    try:
        atomic_write(output, page, mode=REPORT_MODE)
    except OSError as error:
        raise StorageError(
            f"cannot write {safe_text(str(output))}: {describe_os_error(error)}"
        ) from None
    logger.info("wrote the report to %s", output)
    return output


def _read_runs(data_dir: Path) -> tuple[list[dict], str | None]:
    from nba_ml.config import Settings
    from nba_ml.state.runlog import read_runs

    try:
        return read_runs(Settings(data_dir).runs_path), None
    except StorageError as error:  # a report without runs beats no report
        return [], str(error)


# ------------------------------------------------------------------------------ the page


def stylesheet() -> str:
    """Return the page's CSS (package data ``nba_ml/report/report.css``)."""
    from importlib.resources import files

    return "\n" + files("nba_ml.report").joinpath("report.css").read_text(encoding="utf-8")


def render_report(
    data_dir: Path,
    manifest: Manifest,
    errors: HoldoutErrors,
    runs: list[dict],
    *,
    now: datetime,
    runs_problem: str | None = None,
    comparison: Comparison | None = None,
) -> str:
    """Return the HTML page for ``manifest`` with the holdout errors and the run history."""
    training = manifest.record
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>nba-ml model report — {esc(manifest.generation or '')}</title>\n"
        f"<style>{stylesheet()}</style>\n</head>\n<body>\n<main>\n",
        _header(data_dir, manifest, training, now),
        _staleness(training, now),
        _game_section(training, comparison),
        _player_section(training, errors),
        distributions_section(training),
        runs_section(runs, runs_problem),
        _footer(errors),
        "</main>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def _staleness(training: TrainingRecord, now: datetime) -> str:
    """Return a warning when the set's data is stale by the rule ``status`` uses, else ""."""
    from datetime import date

    from nba_ml.data.seasons import STALE_DAYS, days_behind, is_stale, today_in_chicago

    today = today_in_chicago(now)
    last_game: date | None = training.last_game
    if not is_stale(last_game, today):
        return ""
    behind = days_behind(last_game, today)
    return (
        f'<p class="callout warn" id="stale"><b>The data is stale.</b> The last game these '
        f"models know is {esc(last_game)}, {behind} days before today ({esc(today)}, "
        f"America/Chicago), during the season (stale after {STALE_DAYS} days): their form, "
        "Elo and rosters are that old, and so are the figures below. Check the daily "
        "training (<code>nba-ml status</code>) or run <code>nba-ml train --force</code>."
        "</p>\n"
    )


def _header(data_dir: Path, manifest: Manifest, training: TrainingRecord, now: datetime) -> str:
    from nba_ml.manifest import Holdout
    from nba_ml.state.store import model_age_hours

    holdout = training.holdout or Holdout(None, None, None, None)
    seasons = training.seasons or ()
    rows = training.rows
    age = model_age_hours(manifest, now)
    facts = [
        ("Data directory", f"<code>{esc(data_dir)}</code>"),
        ("Model generation", f"<code>{esc(manifest.generation or '–')}</code>"),
        ("Trained at", f"{esc(fmt_when(manifest.trained_at))} ({esc(fmt_age(age))})"),
        ("Seasons", esc(", ".join(str(s) for s in seasons) or "–")),
        (
            "Games",
            f"{esc(training.first_game_date or '–')} to "
            f"{esc(training.last_game_date or '–')}: {fmt_count(rows.get('games'))} "
            f"games, {fmt_count(rows.get('player_games'))} player-games",
        ),
        (
            "Holdout",
            f"{esc(holdout.name or '–')}: {fmt_count(holdout.games)} games and "
            f"{fmt_count(holdout.player_games)} player-games from "
            f"{esc(holdout.start or '–')}, scored by models fitted only on the "
            "games before it",
        ),
        ("Report generated", esc(fmt_when(now.isoformat()))),
    ]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    return (
        "<header>\n<h1>nba-ml model report</h1>\n"
        '<p class="lede">How good the installed models are on data they were not '
        "trained on, beside naive baselines, and how those figures moved across recorded "
        f'runs.</p>\n<dl class="facts">{items}</dl>\n</header>\n'
    )


def _game_section(training: TrainingRecord, comparison: Comparison | None) -> str:
    metrics = training.figures(outcome_spec().name) or {}
    calibration = list(training.calibration)
    rate = finite_number(metrics.get("home_win_rate"))
    home_brier = rate * (1 - rate) if rate is not None else None
    home_loss = (
        -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate))
        if rate is not None and 0 < rate < 1
        else None
    )
    scores = html_table(
        "Holdout scores of the game model",
        ["", "Model", "Coin flip (50%)", "Home-win rate (hindsight)"],
        [
            [
                'Brier score <span class="muted">(lower is better)</span>',
                fmt_number(metrics.get("brier"), 4),
                "0.2500",
                fmt_number(home_brier, 4),
            ],
            [
                'Log-loss <span class="muted">(lower is better)</span>',
                fmt_number(metrics.get("log_loss"), 4),
                "0.6931",
                fmt_number(home_loss, 4),
            ],
            [
                'Accuracy <span class="muted">(higher is better)</span>',
                fmt_number(metrics.get("accuracy"), 3),
                "0.500",
                fmt_number(rate, 3),
            ],
            ["Games", fmt_count(metrics.get("n")), "", ""],
        ],
    )
    note = (
        '<p class="note-text">Reference columns: always predicting 50%; and always predicting '
        "the holdout's own home-win rate, which for accuracy means always picking the home "
        "team. The second is a hindsight reference, not something a model could know in "
        "advance.</p>"
    )
    if calibration:
        chart = svg.calibration_chart(
            title="Calibration of the game model on the holdout",
            desc=(
                "Observed home-win rate against mean predicted probability for each "
                "10-point probability bin; points on the dashed diagonal are perfectly "
                "calibrated; dot size and the histogram show the number of games per bin."
            ),
            bins=calibration,
        )
        bins_table = html_table(
            "Calibration bins",
            ["Predicted range", "Mean predicted", "Observed", "Games"],
            [
                [
                    f"{fmt_number(b.get('low'), 1)}–{fmt_number(b.get('high'), 1)}",
                    fmt_number(b.get("predicted")),
                    fmt_number(b.get("observed")),
                    fmt_count(b.get("count")),
                ]
                for b in calibration
            ],
        )
        figure = html_figure(
            chart,
            "Each dot is one bin of predicted probability: above the "
            "diagonal, home teams won more often than predicted; below, less "
            "often. Bins with few games (small dots, short bars) are noisy.",
            width=420,
        )
        calibration_html = f'<div class="row">{figure}<div>{bins_table}</div></div>'
    else:
        calibration_html = (
            '<p class="callout warn">The manifest records no calibration table '
            "(an older training); retrain to get one.</p>"
        )
    return (
        '<section id="game">\n<h2>Game model: home-win probability</h2>\n'
        f"<h3>Scores</h3>\n{scores}\n{note}\n{_versus(comparison)}\n"
        f"<h3>Calibration</h3>\n{calibration_html}\n</section>\n"
    )


def _versus(comparison: Comparison | None) -> str:
    """Return FiveThirtyEight's scores beside the model's on the same holdout games, a note
    that none matched, or (without a file) a one-line hint that the comparison exists."""
    if comparison is None:
        return (
            '<p class="note-text" id="fivethirtyeight">Add <code>--fivethirtyeight '
            "FILE.csv</code> (FiveThirtyEight's published nba_elo CSV) to score its Elo "
            "and RAPTOR forecasts beside the model on the same holdout games.</p>"
        )
    source = f"<code>{esc(comparison.source)}</code>"
    if not comparison.scores:
        return (
            '<p class="callout warn" id="fivethirtyeight">No holdout game is in '
            f"{source}: none of the {fmt_count(comparison.holdout_games)} holdout games "
            "matches one of its scored games by date and teams, so there is no "
            "FiveThirtyEight comparison.</p>"
        )
    names = [name for name in ("model", *FORECASTERS) if name in comparison.scores]
    heads = {"model": "Model", **FORECASTERS}
    rows = [
        [label, *(fmt_number(comparison.scores[n].get(key), digits) for n in names)]
        for label, key, digits in (
            ("Brier score", "brier", 4),
            ("Log-loss", "log_loss", 4),
            ("Accuracy", "accuracy", 3),
        )
    ]
    table = html_table(
        "The game model beside FiveThirtyEight on the same holdout games",
        ["", *(heads[n] for n in names)],
        rows,
    )
    return (
        f'<h3 id="fivethirtyeight">Beside FiveThirtyEight</h3>\n{table}\n'
        f'<p class="note-text">{fmt_count(comparison.matched)} of the '
        f"{fmt_count(comparison.holdout_games)} holdout games are in {source} (matched by "
        "date and teams); all columns are scored on those games only. The model's "
        "probabilities come from the game model fitted on the games before the holdout, "
        "as <code>train</code> measured it. Forecasts: FiveThirtyEight, CC BY 4.0.</p>"
    )


def _player_section(training: TrainingRecord, errors: HoldoutErrors) -> str:
    metrics = training.metrics
    names = [spec.name for spec in player_specs() if spec.baseline]
    head = [
        "Model",
        "Player-games",
        "Model MAE",
        "Last-10 avg",
        "Season avg",
        "EWMA",
        "Model vs last-10",
    ]
    body = [mae_row(esc(name), metrics.get(name) or {}) for name in names]
    table = html_table("Mean absolute error on the holdout (lowest in bold)", head, body)
    chart = svg.bar_chart(
        title="Holdout MAE of the player models relative to the last-10 average",
        desc="Bars from 1.0 (the last-10-games average's MAE): for points, assists and "
        "rebounds, the model's, the season-to-date average's and the EWMA's mean absolute "
        "error divided by the last-10 average's; below 1.0 is more accurate than it.",
        groups=names,
        series=mae_ratio_series([metrics.get(n) or {} for n in names]),
        y_label="MAE ÷ last-10 MAE",
        width=600,
        height=310,
        value_format="{:.3f}",
        baseline=1.0,
        baseline_label=RATIO_LINE,
    )
    overall = table + html_figure(
        chart,
        "Lower is better: 0.95 is an error 5% smaller than the last-10 average's. The "
        f"axis is {AXIS_NOTE} the MAE values themselves are in the table. Baselines predict a "
        "player's average over his last 10 games, over the season so far, or an "
        "exponentially weighted average (half-life 8 games); a player without history gets "
        "the typical debut figure.",
        width=600,
    )
    return (
        '<section id="players">\n<h2>Player models: points, assists, rebounds</h2>\n'
        f"{overall}\n{_minutes_html(errors, metrics)}\n</section>\n"
    )


def _drifted(errors: HoldoutErrors, metrics: dict[str, Any]) -> list[str]:
    """Return "name: recomputed vs recorded" for models whose recomputed holdout MAE differs
    from the one recorded at training by over 0.5% (the code changed since, or the data)."""
    drift = []
    for name, table in errors.models.items():
        now = finite_number(table.overall.get("mae"))
        then = finite_number((metrics.get(name) or {}).get("mae"))
        if now is not None and then and abs(now / then - 1) > 0.005:
            drift.append(f"{name}: {now:.3f} now, {then:.3f} at training")
    return drift


def _minutes_html(errors: HoldoutErrors, metrics: dict[str, Any]) -> str:
    if errors.honest:
        drift = _drifted(errors, metrics)
        match = (
            "the “all” rows match the table above."
            if not drift
            else '</p><p class="callout warn"><strong>These figures differ from those recorded '
            f"at training</strong> ({esc('; '.join(drift))}): the feature or model code "
            "changed since the models were trained. Retrain to bring them together."
        )
        intro = (
            "<p>Holdout rows grouped by the minutes the player actually played in that game "
            "(known only afterwards: this shows where the errors come from, not something "
            "to predict from). The player models were fitted again on the games before the "
            "holdout, exactly as <code>train</code> measured them, so these errors are "
            f"out-of-sample; {match}</p>"
        )
    else:
        intro = (
            '<p class="callout warn"><strong>In-sample figures.</strong> This report was '
            "made with <code>fast</code>: the errors by minutes played come from the "
            "deployed models, which were trained on these holdout games too, so they look "
            "better than the models will do on new games. The honest overall figures are "
            "in the table above; build the report without <code>fast</code> for honest "
            "figures by minutes.</p>"
        )
    blocks = [f"<h3>MAE by minutes played{'' if errors.honest else ' (in-sample)'}</h3>", intro]
    for name, table in errors.models.items():
        groups = [row["label"] for row in table.rows]
        series = mae_ratio_series(table.rows)
        kind = "out-of-sample" if errors.honest else "in-sample"
        chart = svg.bar_chart(
            title=f"{name}: MAE by minutes played relative to the last-10 average ({kind})",
            desc=f"Bars from 1.0 per minutes-played bin: mean absolute error of the {name} "
            "model and of the season and EWMA baselines divided by the last-10 "
            "average's; below 1.0 is more accurate than it.",
            groups=groups,
            series=series,
            y_label=f"{name} MAE ÷ last-10 MAE",
            width=400,
            height=280,
            labels=False,
            value_format="{:.3f}",
            baseline=1.0,
            baseline_label=RATIO_LINE,
        )
        body = [mae_row(esc(r["label"]), r) for r in table.rows]
        body.append(mae_row("all", table.overall))
        rows_table = html_table(
            f"{esc(name)} MAE by minutes played",
            ["Minutes", "Player-games", "Model", "Last-10", "Season", "EWMA", "vs last-10"],
            body,
        )
        blocks.append(
            f"<h4>{esc(name.capitalize())}</h4>"
            f'<div class="row">{html_figure(chart, MINUTES_CAPTION, width=400)}'
            f"{rows_table}</div>"
        )
    return "\n".join(blocks)


def _footer(errors: HoldoutErrors) -> str:
    how = (
        "player models refitted on the games before the holdout"
        if errors.honest
        else "deployed models (fast, in-sample)"
    )
    return (
        f"<footer>Generated by nba-ml; figures by minutes played from {how} in "
        f"{errors.seconds:.0f} s. Self-contained page: no scripts, fonts or images are "
        "loaded.</footer>\n"
    )
