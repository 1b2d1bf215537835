"""One self-contained HTML page about the installed model set: how good it is and how it moved.

The page shows the game model's calibration curve and scores, the player models' MAE beside the
naive baselines (overall and by minutes played), and the holdout figures of every recorded run.
Charts are inline SVG (``nba_ml.report.svg``); the file needs no network, script, font or image.

MAE by minutes played needs per-row holdout predictions, which the manifest does not keep. By
default they are recomputed honestly: the player models are fitted again on the rows before the
holdout (as ``train`` did to measure them) and predict the holdout. ``fast=True`` skips that fit
and uses the deployed models, which were trained on the holdout too: the page then says that
those per-minute figures are in-sample (optimistic).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import tempfile
import time
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from nba_ml.errors import DataError, ModelInvalid, StorageError
from nba_ml.modeling.models import PLAYER_MODELS
from nba_ml.report import svg

logger = logging.getLogger(__name__)

# (label, lowest minutes, first minutes past the bin) of the minutes actually played
MINUTE_BINS: tuple[tuple[str, float, float], ...] = (
    ("0–10", 0.0, 10.0), ("10–20", 10.0, 20.0), ("20–30", 20.0, 30.0), ("30–40", 30.0, 40.0),
    ("40+", 40.0, math.inf),
)
BASELINES: dict[str, str] = {"last10": "last-10 average", "season": "season average",
                             "ewma": "EWMA"}
SERIES_COLORS: dict[str, str] = {"model": svg.BLUE, "last10": svg.ORANGE, "season": svg.GREEN,
                                 "ewma": svg.PINK}
RUNS_SHOWN = 50
REPORT_MODE = 0o644


@dataclasses.dataclass
class MinuteErrors:
    """Per-minutes-bin MAE of one player model and its baselines on the holdout."""

    rows: list[dict[str, Any]]  # label, n, mae, mae_last10, mae_season, mae_ewma
    overall: dict[str, Any]


@dataclasses.dataclass
class HoldoutErrors:
    """MAE by minutes played for the player models; ``honest`` when fitted before the holdout."""

    honest: bool
    models: dict[str, MinuteErrors]
    seconds: float


# ---------------------------------------------------------------------------------- the API


def write_report(data_dir: Path, output: Path, *, now: datetime | None = None,
                 fast: bool = False) -> Path:
    """Write the HTML report on the installed model set to ``output`` atomically; return it.

    Raises ModelInvalid when the installed set is not valid, DataError when its game data is
    missing or too thin, StorageError when ``output`` cannot be written (its temporary file is
    created before the refit, so a long computation is not wasted on an unwritable path).
    ``fast`` skips the honest refit (see the module docstring).
    """
    data_dir, output = Path(data_dir), Path(output)
    now = now or datetime.now(timezone.utc)
    from nba_ml.state.store import load_model_set_with_manifest, verify_model_set

    deployed: dict[str, Any] | None = None
    if fast:  # the models and the manifest of one generation, even if a training swaps it
        deployed, manifest = load_model_set_with_manifest(data_dir)
    else:
        verification = verify_model_set(data_dir)
        if not verification.ok or verification.manifest is None:
            raise ModelInvalid(f"models in {data_dir / 'models'} are not usable: "
                               f"{verification.summary()}")
        manifest = verification.manifest
    training = manifest.get("training")
    if not isinstance(training, dict) or not isinstance(training.get("holdout"), dict):
        raise DataError("the model manifest records no training holdout; "
                        "run `nba-ml train --force`")
    handle, temporary = _open_temporary(output)
    try:
        with handle:
            errors = holdout_errors(data_dir, training, deployed=deployed)
            runs, runs_problem = _read_runs(data_dir)
            page = render_report(data_dir, manifest, errors, runs, now=now,
                                 runs_problem=runs_problem)
            try:
                handle.write(page)
                handle.flush()
                os.fsync(handle.fileno())
                os.chmod(temporary, REPORT_MODE)
            except OSError as error:
                raise StorageError(f"cannot write {output}: {_reason(error)}") from None
        try:
            os.replace(temporary, output)
        except OSError as error:
            raise StorageError(f"cannot write {output}: {_reason(error)}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    logger.info("wrote the report to %s", output)
    return output


def _reason(error: OSError) -> str:
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def _open_temporary(output: Path) -> tuple[Any, str]:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.",
                                         suffix=".tmp")
    except OSError as error:
        raise StorageError(f"cannot write {output}: {_reason(error)}") from None
    return os.fdopen(fd, "w", encoding="utf-8"), temporary


def _read_runs(data_dir: Path) -> tuple[list[dict], str | None]:
    from nba_ml.config import Settings
    from nba_ml.state.runs import read_runs

    try:
        return read_runs(Settings(data_dir).runs_path), None
    except StorageError as error:  # a report without runs beats no report
        return [], str(error)


# ---------------------------------------------------------------------- holdout computations


def holdout_errors(data_dir: Path, training: dict[str, Any], *,
                   deployed: dict[str, Any] | None = None) -> HoldoutErrors:
    """Return the player models' MAE (and baselines') by minutes played on the holdout.

    Honest by default: fit the player models on the rows before the holdout, as ``train`` did to
    measure them. Given the ``deployed`` models (trained on the holdout too), predict with them
    instead: quick, but in-sample.
    """
    import pandas as pd

    from nba_ml.modeling import models
    from nba_ml.modeling.training import build_feature_tables
    from nba_ml.state.history import load_history

    started = time.perf_counter()
    try:
        start = pd.Timestamp(str(training["holdout"]["start"]))
    except (KeyError, ValueError, TypeError):
        raise DataError("the model manifest records no holdout start; "
                        "run `nba-ml train --force`") from None
    data = load_history(data_dir, training.get("history_sha256"))
    players = build_feature_tables(data).players
    before = players[players["game_date"] < start]
    after = players[players["game_date"] >= start]
    if deployed is not None:
        fitted = deployed
    else:
        fitted = {}
        for name, stat in PLAYER_MODELS.items():
            logger.info("fitting the %s model on the %d player-games before %s", name,
                        len(before), f"{start:%Y-%m-%d}")
            try:
                fitted[name] = models.fit_player_model(before, stat)
            except ValueError as error:
                raise DataError(f"cannot measure the holdout honestly: {error}; "
                                "use the fast report") from None
    result: dict[str, MinuteErrors] = {}
    for name, stat in PLAYER_MODELS.items():
        rows = after[after[stat].notna()]
        if rows.empty:
            raise DataError(f"no played player-games from {start:%Y-%m-%d} in the game data")
        predicted = models.predict_stat(fitted[name], rows)
        actual = rows[stat].to_numpy(dtype=float)
        baselines = models.baseline_predictions(rows, stat, models.debut_prior(before, stat))
        minutes = rows["min"].to_numpy(dtype=float)
        table = []
        for label, low, high in MINUTE_BINS:
            mask = (minutes >= low) & (minutes < high)
            if not mask.any():
                table.append({"label": label, "n": 0})
                continue
            figures = models.stat_metrics(predicted[mask], actual[mask],
                                          {k: v[mask] for k, v in baselines.items()})
            table.append({"label": label, **figures})
        result[name] = MinuteErrors(table, models.stat_metrics(predicted, actual, baselines))
    return HoldoutErrors(deployed is None, result, time.perf_counter() - started)


# ------------------------------------------------------------------------------ formatting


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _fmt(value: Any, digits: int = 3) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:,.{digits}f}"


def _count(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{int(number):,}"


def _percent_change(value: Any, reference: Any) -> str:
    a, b = _number(value), _number(reference)
    if a is None or not b:
        return "–"
    change = (a / b - 1) * 100
    return f"{change:+.1f}%".replace("-", "−")


def _mae_row(label: str, figures: dict) -> list[str]:
    """Return a table row: label, player-games, the model's and the baselines' MAE, change."""
    return [label, _count(figures.get("n")), *_mae_cells(figures),
            _percent_change(figures.get("mae"), figures.get("mae_last10"))]


def _mae_series(rows: list[dict]) -> list[svg.Series]:
    """Return the bar series of the model's and each baseline's MAE over ``rows``."""
    return [svg.Series("model", [_number(r.get("mae")) for r in rows], SERIES_COLORS["model"]),
            *(svg.Series(BASELINES[k], [_number(r.get(f"mae_{k}")) for r in rows],
                         SERIES_COLORS[k]) for k in BASELINES)]


def _when(raw: Any, *, date: bool = True) -> str:
    """Return an ISO timestamp as 'YYYY-MM-DD HH:MM:SS UTC' (or as given when unparsable)."""
    if not isinstance(raw, str) or not raw.strip():
        return "–"
    moment = _parse_time(raw)
    if moment is None:
        return raw
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if date else f"{moment:%H:%M:%S}"


def _parse_time(raw: Any) -> datetime | None:
    """Return an ISO timestamp as an aware datetime (naive times are UTC, as everywhere in
    nba-ml), or None when it is not one."""
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _duration(start: Any, end: Any) -> str:
    a, b = _parse_time(start), _parse_time(end)
    if a is None or b is None or b < a:
        return ""
    seconds = (b - a).total_seconds()
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _age(hours: float) -> str:
    if not math.isfinite(hours):
        return "unknown age"
    if hours < 0:
        return "trained after this report's clock"
    return f"{hours:.1f} hours old" if hours < 48 else f"{hours / 24:.1f} days old"


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


# ------------------------------------------------------------------------------ the page

_CSS = """
:root { color-scheme: light; --fg: #1c1c1e; --muted: #5a5a60; --line: #d9d9de;
  --soft: #f5f5f7; --accent: #0072B2; --good: #1b7a43; --warn: #9a5b00; --bad: #b3261e; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; -webkit-text-size-adjust: 100%; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 56px; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 4px; }
h2 { font-size: 1.35rem; margin: 40px 0 8px; padding-bottom: 6px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 1.12rem; margin: 28px 0 6px; }
h4 { font-size: 1rem; margin: 22px 0 2px; }
.figure-title { font-weight: 600; font-size: 0.95rem; }
p { margin: 6px 0 12px; max-width: 78ch; }
.lede { color: var(--muted); margin-top: 0; }
.muted, figcaption, .note-text { color: var(--muted); }
code { font: 0.92em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: var(--soft); padding: 1px 4px; border-radius: 3px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px;
  margin: 18px 0 0; padding: 14px 18px; background: var(--soft); border-radius: 8px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.callout { border-left: 4px solid var(--accent); background: #eef6fb; padding: 10px 14px;
  margin: 14px 0; border-radius: 0 6px 6px 0; max-width: 78ch; }
.callout.warn { border-color: #E69F00; background: #fff7e6; }
.row { display: flex; flex-wrap: wrap; gap: 20px 32px; align-items: flex-start; }
.row > * { flex: 0 1 auto; min-width: 0; }
figure { margin: 8px 0; }
figcaption { font-size: 0.88rem; max-width: 60ch; margin-top: 4px; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart text { fill: #333; font-size: 12px; font-family: inherit; }
svg.chart text.tick { fill: #555; font-size: 11px; }
svg.chart text.axis-label { fill: #333; font-size: 12px; font-weight: 600; }
svg.chart text.bar-value { fill: #333; font-size: 10.5px; }
svg.chart text.group-label { font-size: 12.5px; font-weight: 600; }
svg.chart text.note { fill: #666; font-size: 11px; font-style: italic; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 8px 0 4px;
  font-size: 0.93rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 6px;
  color: var(--fg); }
th, td { padding: 5px 9px; border-bottom: 1px solid var(--line); text-align: right;
  vertical-align: top; }
thead th { border-bottom: 2px solid #b9b9c0; font-weight: 600; background: #fafafa; }
th[scope="row"], .text, .message { text-align: left; }
table.runs th[scope="row"] { font-weight: 400; }
th[scope="row"] { font-weight: 600; }
td.best { font-weight: 700; }
td.message { min-width: 26ch; max-width: 60ch; overflow-wrap: anywhere; }
table.runs { width: 100%; }
tbody tr:nth-child(even) { background: #fbfbfc; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px;
  margin-right: 6px; vertical-align: -0.05em; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 0.85rem;
  font-weight: 600; white-space: nowrap; border: 1px solid currentColor; }
.badge.ok { color: var(--good); } .badge.warn { color: var(--warn); }
.badge.bad { color: var(--bad); } .badge.neutral { color: var(--muted); }
.nowrap { white-space: nowrap; }
footer { margin-top: 44px; padding-top: 10px; border-top: 1px solid var(--line);
  font-size: 0.85rem; color: var(--muted); }
@media (max-width: 640px) { main { padding: 16px; } dl.facts { grid-template-columns: 1fr; } }
@media print {
  @page { margin: 14mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; margin-top: 24px; }
  h3 { break-after: avoid; }
  figure, table, .callout, dl.facts, .row { break-inside: avoid; }
  h4, .figure-title { break-after: avoid; }
  .table-wrap { overflow: visible; }
  tbody tr:nth-child(even) { background: none; }
}
"""


def render_report(data_dir: Path, manifest: dict[str, Any], errors: HoldoutErrors,
                  runs: list[dict], *, now: datetime, runs_problem: str | None = None) -> str:
    """Return the HTML page for ``manifest`` with the holdout errors and the run history."""
    training = manifest.get("training") or {}
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>nba-ml model report — {_e(manifest.get('generation', ''))}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n",
        _header(data_dir, manifest, training, now),
        _game_section(training),
        _player_section(training, errors),
        _runs_section(runs, runs_problem),
        _footer(errors),
        "</main>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def _header(data_dir: Path, manifest: dict[str, Any], training: dict[str, Any],
            now: datetime) -> str:
    from nba_ml.state.store import model_age_hours

    holdout = training.get("holdout") or {}
    seasons = training.get("seasons") or []
    rows = training.get("rows") or {}
    age = model_age_hours(manifest, now)
    facts = [
        ("Data directory", f"<code>{_e(data_dir)}</code>"),
        ("Model generation", f"<code>{_e(manifest.get('generation', '–'))}</code>"),
        ("Trained at", f"{_e(_when(manifest.get('trained_at')))} ({_e(_age(age))})"),
        ("Seasons", _e(", ".join(str(s) for s in seasons) or "–")),
        ("Games", f"{_e(training.get('first_game_date', '–'))} to "
                  f"{_e(training.get('last_game_date', '–'))}: {_count(rows.get('games'))} "
                  f"games, {_count(rows.get('player_games'))} player-games"),
        ("Holdout", f"{_e(holdout.get('name', '–'))}: {_count(holdout.get('games'))} games and "
                    f"{_count(holdout.get('player_games'))} player-games from "
                    f"{_e(holdout.get('start', '–'))}, scored by models fitted only on the "
                    "games before it"),
        ("Report generated", _e(_when(now.isoformat()))),
    ]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    return ("<header>\n<h1>nba-ml model report</h1>\n"
            '<p class="lede">How good the four installed models are on data they were not '
            "trained on, beside naive baselines, and how those figures moved across recorded "
            f'runs.</p>\n<dl class="facts">{items}</dl>\n</header>\n')


def _table(caption: str, head: list[str], body: list[list[str]], *,
           classes: list[str] | None = None, table_class: str = "") -> str:
    """Return a table whose first column heads its rows; ``classes`` style whole columns
    (header and cells). ``body`` cells are HTML already: escape text before calling."""
    def attribute(i: int, base: str = "") -> str:
        names = " ".join(n for n in (base, classes[i] if classes and i < len(classes) else "")
                         if n)
        return f' class="{names}"' if names else ""

    heads = "".join(f'<th scope="col"{attribute(i, "text" if i == 0 else "")}>{h}</th>'
                    for i, h in enumerate(head))
    lines = []
    for row in body:
        cells = [f'<th scope="row"{attribute(0)}>{row[0]}</th>'] if row else []
        cells += [f"<td{attribute(i)}>{cell}</td>" for i, cell in enumerate(row) if i]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    klass = f' class="{table_class}"' if table_class else ""
    return (f'<div class="table-wrap"><table{klass}><caption>{caption}</caption>'
            f"<thead><tr>{heads}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>")


def _game_section(training: dict[str, Any]) -> str:
    metrics = (training.get("metrics") or {}).get("game_outcome") or {}
    calibration = [b for b in training.get("calibration") or [] if isinstance(b, dict)]
    rate = _number(metrics.get("home_win_rate"))
    home_brier = rate * (1 - rate) if rate is not None else None
    home_loss = (-(rate * math.log(rate) + (1 - rate) * math.log(1 - rate))
                 if rate is not None and 0 < rate < 1 else None)
    scores = _table(
        "Holdout scores of the game model",
        ["", "Model", "Coin flip (50%)", "Home-win rate (hindsight)"],
        [["Brier score <span class=\"muted\">(lower is better)</span>",
          _fmt(metrics.get("brier"), 4), "0.2500", _fmt(home_brier, 4)],
         ["Log-loss <span class=\"muted\">(lower is better)</span>",
          _fmt(metrics.get("log_loss"), 4), "0.6931", _fmt(home_loss, 4)],
         ["Accuracy <span class=\"muted\">(higher is better)</span>",
          _fmt(metrics.get("accuracy"), 3), "0.500", _fmt(rate, 3)],
         ["Games", _count(metrics.get("n")), "", ""]],
    )
    note = ('<p class="note-text">Reference columns: always predicting 50%; and always predicting '
            "the holdout's own home-win rate, which for accuracy means always picking the home "
            "team. The second is a hindsight reference, not something a model could know in "
            "advance.</p>")
    if calibration:
        chart = svg.calibration_chart(
            title="Calibration of the game model on the holdout",
            desc=("Observed home-win rate against mean predicted probability for each "
                  "10-point probability bin; points on the dashed diagonal are perfectly "
                  "calibrated; dot size and the histogram show the number of games per bin."),
            bins=calibration)
        bins_table = _table(
            "Calibration bins",
            ["Predicted range", "Mean predicted", "Observed", "Games"],
            [[f"{_fmt(b.get('low'), 1)}–{_fmt(b.get('high'), 1)}", _fmt(b.get("predicted")),
              _fmt(b.get("observed")), _count(b.get("count"))] for b in calibration])
        figure = _figure(chart, "Each dot is one bin of predicted probability: above the "
                         "diagonal, home teams won more often than predicted; below, less "
                         "often. Bins with few games (small dots, short bars) are noisy.",
                         width=420)
        calibration_html = f'<div class="row">{figure}<div>{bins_table}</div></div>'
    else:
        calibration_html = ('<p class="callout warn">The manifest records no calibration table '
                            "(an older training); retrain to get one.</p>")
    return ('<section id="game">\n<h2>Game model: home-win probability</h2>\n'
            f"<h3>Scores</h3>\n{scores}\n{note}\n"
            f"<h3>Calibration</h3>\n{calibration_html}\n</section>\n")


def _figure(chart: str, caption: str = "", *, width: int, top: str = "") -> str:
    """Return a figure as wide as its chart, with an optional heading and caption (HTML)."""
    head = f'<div class="figure-title">{top}</div>' if top else ""
    tail = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure style="max-width:{width}px">{head}{chart}{tail}</figure>'


def _mae_cells(figures: dict[str, Any], digits: int = 2) -> list[str]:
    """Return the model and baseline MAE cells, marking the lowest in bold."""
    keys = ["mae", "mae_last10", "mae_season", "mae_ewma"]
    values = [_number(figures.get(k)) for k in keys]
    finite = [v for v in values if v is not None]
    best = min(finite) if finite else None
    return [(f"<b>{_fmt(v, digits)}</b>" if v is not None and v == best else _fmt(v, digits))
            for v in values]


def _player_section(training: dict[str, Any], errors: HoldoutErrors) -> str:
    metrics = training.get("metrics") or {}
    names = list(PLAYER_MODELS)
    head = ["Model", "Player-games", "Model MAE", "Last-10 avg", "Season avg", "EWMA",
            "Model vs last-10"]
    body = [_mae_row(_e(name), metrics.get(name) or {}) for name in names]
    table = _table("Mean absolute error on the holdout (lowest in bold)", head, body)
    chart = svg.bar_chart(
        title="Holdout MAE of the player models beside the baselines",
        desc="Grouped bars: for points, assists and rebounds, the mean absolute error of the "
             "model, the last-10-games average, the season-to-date average and the EWMA.",
        groups=names,
        series=_mae_series([metrics.get(n) or {} for n in names]),
        y_label="MAE per player-game", width=600, height=310)
    overall = table + _figure(
        chart, "Lower is better. Baselines predict a player's average over his last 10 games, "
        "over the season so far, or an exponentially weighted average (half-life 8 games); a "
        "player without history gets the typical debut figure.", width=600)
    return ('<section id="players">\n<h2>Player models: points, assists, rebounds</h2>\n'
            f"{overall}\n{_minutes_html(errors, metrics)}\n</section>\n")


def _drifted(errors: HoldoutErrors, metrics: dict[str, Any]) -> list[str]:
    """Return "name: recomputed vs recorded" for models whose recomputed holdout MAE differs
    from the one recorded at training by over 0.5% (the code changed since, or the data)."""
    drift = []
    for name, table in errors.models.items():
        now, then = _number(table.overall.get("mae")), _number((metrics.get(name) or {}).get("mae"))
        if now is not None and then and abs(now / then - 1) > 0.005:
            drift.append(f"{name}: {now:.3f} now, {then:.3f} at training")
    return drift


def _minutes_html(errors: HoldoutErrors, metrics: dict[str, Any]) -> str:
    if errors.honest:
        drift = _drifted(errors, metrics)
        match = ("the “all” rows match the table above." if not drift else
                 "</p><p class=\"callout warn\"><strong>These figures differ from those recorded "
                 f"at training</strong> ({_e('; '.join(drift))}): the feature or model code "
                 "changed since the models were trained. Retrain to bring them together.")
        intro = ('<p>Holdout rows grouped by the minutes the player actually played in that game '
                 "(known only afterwards: this shows where the errors come from, not something "
                 "to predict from). The player models were fitted again on the games before the "
                 "holdout, exactly as <code>train</code> measured them, so these errors are "
                 f"out-of-sample; {match}</p>")
    else:
        intro = ('<p class="callout warn"><strong>In-sample figures.</strong> This report was '
                 "made with <code>fast</code>: the errors by minutes played come from the "
                 "deployed models, which were trained on these holdout games too, so they look "
                 "better than the models will do on new games. The honest overall figures are "
                 "in the table above; build the report without <code>fast</code> for honest "
                 "figures by minutes.</p>")
    blocks = [f"<h3>MAE by minutes played{'' if errors.honest else ' (in-sample)'}</h3>", intro]
    for name, table in errors.models.items():
        groups = [row["label"] for row in table.rows]
        series = _mae_series(table.rows)
        kind = "out-of-sample" if errors.honest else "in-sample"
        chart = svg.bar_chart(
            title=f"{name}: MAE by minutes played ({kind})",
            desc=f"Grouped bars per minutes-played bin: mean absolute error of the {name} "
                 "model and of the three baselines.",
            groups=groups, series=series, y_label=f"{name} MAE", width=400, height=280,
            labels=False)
        body = [_mae_row(_e(r["label"]), r) for r in table.rows]
        body.append(_mae_row("all", table.overall))
        rows_table = _table(f"{_e(name)} MAE by minutes played",
                            ["Minutes", "Player-games", "Model", "Last-10", "Season", "EWMA",
                             "vs last-10"], body)
        blocks.append(f"<h4>{_e(name.capitalize())}</h4>"
                      f'<div class="row">{_figure(chart, width=400)}{rows_table}</div>')
    return "\n".join(blocks)


_RUN_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("game_outcome", "brier", "Game model: Brier score"),
    ("points", "mae", "Points: MAE"),
    ("assists", "mae", "Assists: MAE"),
    ("rebounds", "mae", "Rebounds: MAE"),
)


def _run_figure(run: dict, model: str, key: str) -> float | None:
    figures = run.get("figures")
    if not isinstance(figures, dict) or not isinstance(figures.get(model), dict):
        return None
    return _number(figures[model].get(key))


def _badge(run: dict) -> str:
    outcome = str(run.get("outcome", "?"))
    code = run.get("exit_code")
    kind = ("ok" if outcome == "trained" else "neutral" if code == 0
            else "warn" if outcome == "not_promoted" else "bad")
    return f'<span class="badge {kind}">{_e(outcome.replace("_", " "))}</span>'


def _runs_section(runs: list[dict], problem: str | None) -> str:
    parts = ['<section id="runs">\n<h2>Recorded runs</h2>\n']
    if problem:
        parts.append(f'<p class="callout warn">{_e(problem)}</p>')
    with_figures = [r for r in runs
                    if any(_run_figure(r, m, k) is not None for m, k, _ in _RUN_FIGURES)]
    parts.append(f"<p>{len(runs):,} run{'s' if len(runs) != 1 else ''} recorded in "
                 f"<code>runs.jsonl</code>; {len(with_figures):,} of them recorded holdout "
                 "figures (runs that skip or fail record none).</p>")
    parts.append("<h3>Holdout figures across runs</h3>")
    if len(with_figures) >= 2:
        labels = [_short_time(r.get("started_at")) for r in with_figures]
        charts = []
        for model, key, title in _RUN_FIGURES:
            series = [svg.Series("model", [_run_figure(r, model, key) for r in with_figures],
                                 SERIES_COLORS["model"])]
            if model != "game_outcome":
                baseline = [_run_figure(r, model, "mae_last10") for r in with_figures]
                series.append(svg.Series(BASELINES["last10"], baseline,
                                         SERIES_COLORS["last10"], dashed=True))
            chart = svg.line_chart(
                title=f"{title} across recorded runs",
                desc=f"{title} on the holdout, for each recorded run with figures, oldest first.",
                x_labels=labels, series=series, y_label=title.split(": ")[1],
                value_format="{:.4f}" if model == "game_outcome" else "{:.3f}")
            charts.append(_figure(chart, width=460, top=f"{_e(title)} "
                                  '<span class="muted">(lower is better)</span>'))
        parts.append(f'<div class="row">{"".join(charts)}</div>')
        rejected = sum(r.get("outcome") != "trained" for r in with_figures)
        also = (f" {rejected} of these runs did not install {'its' if rejected == 1 else 'their'}"
                " models (outcome other than trained): those points show a set that was kept "
                "out." if rejected else "")
        parts.append('<p class="note-text">Each point is the holdout figure a run recorded. A run '
                     "that trained on other seasons was measured on another holdout, so a step "
                     f"can come from the data rather than the model.{also}</p>")
    elif len(with_figures) == 1:
        run = with_figures[0]
        values = "; ".join(f"{title} {_fmt(_run_figure(run, m, k), 4)}"
                           for m, k, title in _RUN_FIGURES)
        parts.append(f"<p>Only one recorded run has figures ({_e(_when(run.get('started_at')))}"
                     f"): {_e(values)}. The charts appear once a second run records figures.</p>")
    else:
        parts.append("<p>No recorded run has holdout figures yet.</p>")
    if runs:
        shown = list(reversed(runs[-RUNS_SHOWN:]))
        caption = ("Runs, newest first" if len(runs) <= RUNS_SHOWN
                   else f"The latest {RUNS_SHOWN} of {len(runs):,} runs, newest first")
        body = []
        for run in shown:
            took = _duration(run.get("started_at"), run.get("ended_at"))
            body.append([
                _unbroken(_when(run.get("started_at"))),
                _unbroken(_end_time(run)) + (f' <span class="muted nowrap">({_e(took)})</span>'
                                             if took else ""),
                _e(run.get("command", "–")),
                _badge(run),
                _e(run.get("exit_code", "–")),
                _e(run.get("message", "")),
            ])
        parts.append("<h3>Run history</h3>")
        parts.append(_table(caption, ["Started", "Ended (took)", "Command", "Outcome",
                                      "Exit", "Message"], body, table_class="runs",
                            classes=["", "", "text", "text", "", "message"]))
    parts.append("</section>\n")
    return "\n".join(parts)


def _unbroken(text: str) -> str:
    """Return escaped text that may wrap only between its words ("2026-11-27 04:00:00 UTC")."""
    return " ".join(f'<span class="nowrap">{_e(word)}</span>' for word in text.split(" "))


def _short_time(raw: Any) -> str:
    moment = _parse_time(raw)
    return f"{moment.astimezone(timezone.utc):%m-%d %H:%M}" if moment else "?"


def _end_time(run: dict) -> str:
    start, end = _parse_time(run.get("started_at")), _parse_time(run.get("ended_at"))
    same_day = (start is not None and end is not None and
                start.astimezone(timezone.utc).date() == end.astimezone(timezone.utc).date())
    return _when(run.get("ended_at"), date=not same_day)


def _footer(errors: HoldoutErrors) -> str:
    how = ("player models refitted on the games before the holdout"
           if errors.honest else "deployed models (fast, in-sample)")
    return (f"<footer>Generated by nba-ml; figures by minutes played from {how} in "
            f"{errors.seconds:.0f} s. Self-contained page: no scripts, fonts or images are "
            "loaded.</footer>\n")
