"""Predictive distributions (issue #22): player stats, home margin and game total, scored.

For each season given, fits on every earlier season of ../shared/data/gamelogs (the same feature
tables as training, backtest and serving; features of the season's games use only earlier
dates, so the season is walked forward as the backtest does) and scores on every played game
and player-game of the season:
- player stats (points, assists, rebounds): coverage of the 50/80/90 % central intervals, CRPS,
  the PIT histogram, the Brier score of P(over) at a line set at the player's last-10 average
  (a stand-in for a book's line), the MAE of the median; for the variants of
  ``nba_ml.modeling.distributions.ScaledResidualDistribution`` (scale model, residual bands)
  and the baselines computed the same way: a normal around the last-10 average with the
  player's own standard deviation over those games, a Poisson around it, and the last-10
  average plus the empirical quantiles of its training residuals;
- margin and total: the same figures and the MAE, beside FiveThirtyEight's Elo spread
  ((home Elo - away Elo + 100 home edge, 0 on neutral courts) / 28; CC BY 4.0, FiveThirtyEight;
  for CRPS, a normal of its training seasons' residual spread) and the teams' recent scoring
  (margin: half the difference of the two sides' last-10 margins plus the training home edge;
  total: ``total_recent``).
Counts are scored as integers: coverage and PIT are the randomised PIT's expectation, exact
when an outcome falls on an interval's edge. Choose on 2018-19 only; confirm on 2019-20 and
2020-21 (targets: every interval within 2 points of nominal, CRPS below the best baseline for
every stat, margin MAE at or below Elo's).

Chosen on 2018-19 (``--variants`` reprints every try; ``--holdout`` adds the distributions fitted
on the residuals of the training's holdout instead of the training rows): a ridge scale model
on the player models' 48 inputs, 5 bands, the scale widened by 1.05; margin: ridge on the game
model's 5 differences; total: ridge on the teams' recent scoring.

Usage: python benchmarks/distributions.py [--seasons 2018-19] [--variants] [--holdout]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GAMELOGS, print_machine, require_gamelogs

from nba_ml.data.importer import GameData, load_directory
from nba_ml.data.seasons import parse_season
from nba_ml.modeling import distributions as dist
from nba_ml.modeling import evaluation, features, models, player_table, training

FIVETHIRTYEIGHT = GAMELOGS.parent / "fivethirtyeight"
ALIASES = {"BRK": "BKN", "CHO": "CHA", "PHO": "PHX"}
TOLERANCE = 0.02
SCALES = ("constant", "linear", "boost")


def season_data(season: str) -> GameData:
    """Return the game logs of ``season`` and every earlier one, loaded as training loads them."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in GAMELOGS.glob("*_game_logs_*.csv"):
            label = path.stem.rsplit("_", 1)[-1]
            if parse_season(label) <= parse_season(season):
                os.symlink(path, Path(tmp) / path.name)
        return load_directory(Path(tmp))


def score_counts(cdf: np.ndarray, actual: np.ndarray, line: np.ndarray) -> dict[str, Any]:
    lower, upper = dist.count_pit(cdf, actual)
    over = np.zeros(len(actual))
    p_over = np.zeros(len(actual))
    for value in np.unique(line):
        rows = line == value
        p_over[rows] = dist.line_probabilities(cdf[rows], float(value))["over"]
        over[rows] = actual[rows] > value
    median = dist.count_quantiles(cdf, (0.5,))[:, 0]
    return {
        "coverage": dist.coverage(lower, upper),
        "crps": dist.count_crps(cdf, actual),
        "pit": dist.pit_histogram(lower, upper),
        "brier": dist.brier(p_over, over),
        "mae": float(np.mean(np.abs(median - actual))),
    }


def score_normal(mean: np.ndarray, sd: float, actual: np.ndarray) -> dict[str, Any]:
    lower, upper = dist.normal_pit(mean, sd, actual)
    return {
        "coverage": dist.coverage(lower, upper),
        "crps": dist.normal_crps(mean, sd, actual),
        "pit": dist.pit_histogram(lower, upper),
        "mae": float(np.mean(np.abs(mean - actual))),
        "sd": sd,
    }


def scale_models() -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "constant": None,
        "linear": Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("ridge", Ridge(alpha=1.0)),
            ]
        ),
        "boost": HistGradientBoostingRegressor(
            learning_rate=0.1, max_iter=60, min_samples_leaf=100, random_state=0
        ),
    }


def player_figures(
    train: pd.DataFrame,
    test: pd.DataFrame,
    variants: bool,
    holdout_start: pd.Timestamp | None = None,
) -> dict[str, dict[str, Any]]:
    from threadpoolctl import threadpool_limits

    out: dict[str, dict[str, Any]] = {}
    for spec in models.player_specs():
        name, stat = spec.name, spec.target
        tr = train[train[stat].notna()]
        te = test[test[stat].notna()]
        ceiling = dist.STAT_CEILING[stat]
        y_tr, y_te = tr[stat].to_numpy(float), te[stat].to_numpy(float)
        prior = evaluation.debut_prior(tr, stat)
        last10_tr = tr[f"{stat}_l10"].fillna(prior).to_numpy(float)
        last10_te = te[f"{stat}_l10"].fillna(prior).to_numpy(float)
        line = last10_te.round(1)
        rows = baseline_rows(te, stat, y_tr - last10_tr, last10_te, line)
        with threadpool_limits(limits=1):
            started = time.perf_counter()
            point = models.fit_player_model(tr, stat)
            point_seconds = time.perf_counter() - started
            center_tr = models.predict_stat(point, tr)
            center_te = models.predict_stat(point, te)
            x_tr = models.training_matrix(tr, player_table.PLAYER_FEATURES)
            x_te = te[list(player_table.PLAYER_FEATURES)].astype(float)
            if not variants:  # the chosen form, as training fits it
                started = time.perf_counter()
                chosen = dist.fit_stat_distribution(point, x_tr, y_tr)
                figures = score_counts(chosen.cdf(x_te, center_te, ceiling), y_te, line)
                figures["seconds"] = time.perf_counter() - started
                rows["nba-ml (ridge scale, 5 bands, x 1.05)"] = figures
            tries = (
                [(s, b, 1.0) for s in SCALES for b in (1, 5)]
                + [("linear", 5, w) for w in (1.05, 1.1, 1.15, 1.2)]
                if variants
                else []
            )
            for scale, bands, widen in tries:
                started = time.perf_counter()
                model = dist.ScaledResidualDistribution(scale_models()[scale], bands, widen).fit(
                    x_tr, y_tr, center_tr
                )
                seconds = time.perf_counter() - started
                figures = score_counts(model.cdf(x_te, center_te, ceiling), y_te, line)
                figures["seconds"] = seconds
                label = f"in-sample: {scale} scale, {bands} band{'s' * (bands > 1)}"
                rows[label + (f", widen {widen:g}" if widen != 1 else "")] = figures
            if holdout_start is not None:
                rows |= holdout_rows(tr, stat, holdout_start, x_te, center_te, y_te, line)
        rows["_point_seconds"] = point_seconds
        rows["_n"] = len(te)
        out[name] = rows
    return out


def baseline_rows(
    te: pd.DataFrame, stat: str, residual_tr: np.ndarray, last10_te: np.ndarray, line: np.ndarray
) -> dict[str, Any]:
    """Score the baselines of ``stat`` on the test rows: a normal around the last-10 average
    with the player's own recent spread, a Poisson, the last-10 plus the training residuals."""
    ceiling = dist.STAT_CEILING[stat]
    y_te = te[stat].to_numpy(float)
    pooled = float(np.std(residual_tr))
    sd_te = te[f"{stat}_std10"].fillna(pooled).to_numpy(float)
    quantiles, levels = dist.empirical_residuals(residual_tr)
    return {
        "baseline: normal(last-10, own sd)": score_counts(
            dist.normal_count_cdf(last10_te, sd_te, ceiling), y_te, line
        ),
        "baseline: Poisson(last-10)": score_counts(
            dist.poisson_cdf(last10_te, ceiling), y_te, line
        ),
        "baseline: last-10 + empirical residuals": score_counts(
            dist.shifted_cdf(last10_te, quantiles, levels, ceiling), y_te, line
        ),
    }


def holdout_rows(
    tr: pd.DataFrame,
    stat: str,
    holdout_start: pd.Timestamp,
    x_te: pd.DataFrame,
    center_te: np.ndarray,
    y_te: np.ndarray,
    line: np.ndarray,
) -> dict[str, Any]:
    """Score distributions fitted on honest residuals: the point model fitted before the
    training's holdout (training.choose_holdout) predicts the holdout, where the distribution
    is fitted."""
    ceiling = dist.STAT_CEILING[stat]
    rows: dict[str, Any] = {}
    before = tr[tr["game_date"] < holdout_start]
    held = tr[tr["game_date"] >= holdout_start]
    started = time.perf_counter()
    point_before = models.fit_player_model(before, stat)
    held_seconds = time.perf_counter() - started
    center_held = models.predict_stat(point_before, held)
    x_held = models.training_matrix(held, player_table.PLAYER_FEATURES)
    for scale, bands in [(s, b) for s in SCALES for b in (1, 5)]:
        started = time.perf_counter()
        model = dist.ScaledResidualDistribution(scale_models()[scale], bands).fit(
            x_held, held[stat].to_numpy(float), center_held
        )
        seconds = time.perf_counter() - started
        figures = score_counts(model.cdf(x_te, center_te, ceiling), y_te, line)
        figures["seconds"] = seconds
        rows[f"holdout: {scale} scale, {bands} band{'s' * (bands > 1)}"] = figures
    rows["_held_seconds"] = held_seconds
    rows["_held_rows"] = len(held)
    return rows


def elo_spread(season: str, games: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return FiveThirtyEight's Elo spread for ``games`` (NaN where it has no forecast) and
    a mask of the rows it covers."""
    frames = [pd.read_csv(FIVETHIRTYEIGHT / "nba_elo_2010-2020_snapshot2020-07.csv")]
    latest = FIVETHIRTYEIGHT / f"nba_elo_latest_{season}.csv"
    if latest.exists():
        frames.insert(0, pd.read_csv(latest))
    elo = pd.concat(frames, ignore_index=True).drop_duplicates(["date", "team1", "team2"])
    elo["home"] = elo["team1"].replace(ALIASES)
    elo["away"] = elo["team2"].replace(ALIASES)
    neutral = elo["neutral"].fillna(0).to_numpy(float) if "neutral" in elo else 0.0
    elo["spread"] = (elo["elo1_pre"] - elo["elo2_pre"] + 100 * (1 - neutral)) / 28
    key = games.assign(date=games["game_date"].dt.strftime("%Y-%m-%d"))
    merged = key[["date", "home", "away"]].merge(
        elo[["date", "home", "away", "spread"]], on=["date", "home", "away"], how="left"
    )
    spread = merged["spread"].to_numpy(float)
    return spread, ~np.isnan(spread)


def game_figures(season: str, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    def ridge() -> Any:
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("ridge", Ridge(alpha=1.0)),
            ]
        )

    train = train[train["home_pts"].notna()]
    test = test[test["home_pts"].notna()]
    targets = {
        "margin": (train["home_pts"] - train["away_pts"], test["home_pts"] - test["away_pts"]),
        "total": (train["home_pts"] + train["away_pts"], test["home_pts"] + test["away_pts"]),
    }
    out: dict[str, Any] = {}
    for target, (train_target, test_target) in targets.items():
        y_tr, y_te = train_target.to_numpy(float), test_target.to_numpy(float)
        rows: dict[str, Any] = {}
        # recent scoring
        if target == "margin":
            recent_tr = train["margin10_diff"].to_numpy(float) / 2
            recent_te = test["margin10_diff"].to_numpy(float) / 2
            edge = float(np.nanmean(y_tr - recent_tr))
            recent_tr, recent_te = recent_tr + edge, recent_te + edge
        else:
            recent_tr = train["total_recent"].to_numpy(float)
            recent_te = test["total_recent"].to_numpy(float)
        fill = float(np.nanmean(y_tr))
        recent_tr = np.where(np.isnan(recent_tr), fill, recent_tr)
        recent_te = np.where(np.isnan(recent_te), fill, recent_te)
        rows["baseline: recent scoring"] = score_normal(
            recent_te, float(np.sqrt(np.mean((y_tr - recent_tr) ** 2))), y_te
        )
        means = {"baseline: recent scoring": recent_te}
        tries: dict[str, tuple[tuple[str, ...], str]] = (
            {
                "ridge on the game features": (features.GAME_FEATURES, ""),
                "ridge on the game features + margin10": (
                    (*features.GAME_FEATURES, "margin10_diff"),
                    "",
                ),
            }
            if target == "margin"
            else {
                "ridge on recent scoring": (features.SCORING_FEATURES, ""),
                "ridge over recent scoring": (features.SCORING_FEATURES, "total_recent"),
                "ridge over recent scoring + rest, rotations": (
                    (*features.SCORING_FEATURES, "home_rest", "away_rest", "rot_min_diff"),
                    "total_recent",
                ),
            }
        )
        for label, (columns, baseline) in tries.items():
            model = dist.NormalResidualRegressor(ridge(), baseline).fit(
                train[list(columns)].astype(float), y_tr
            )
            mean = model.predict(test[list(columns)].astype(float))
            rows[label] = score_normal(mean, model.sd_, y_te)
            means[label] = mean
        if target == "margin":
            spread_tr, known_tr = elo_spread(season, train)
            spread_te, known_te = elo_spread(season, test)
            sd = float(np.sqrt(np.mean((y_tr[known_tr] - spread_tr[known_tr]) ** 2)))
            elo = score_normal(spread_te[known_te], sd, y_te[known_te])
            elo["n"] = int(known_te.sum())
            rows["baseline: FiveThirtyEight Elo spread"] = elo
            elo["mae_elo_games"] = elo["mae"]
            for label, mean in means.items():  # the others on the games Elo forecast
                rows[label]["mae_elo_games"] = float(
                    np.mean(np.abs(mean[known_te] - y_te[known_te]))
                )
        rows["_n"] = len(y_te)
        out[target] = rows
    return out


def render(season: str, players: dict[str, Any], games: dict[str, Any]) -> str:
    lines = [
        f"#### {season}",
        "",
        "| target | forecast | n | 50 % | 80 % | 90 % | CRPS | Brier P(over last-10) "
        "| MAE (median) | fit s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rows in players.items():
        for label, f in rows.items():
            if label.startswith("_"):
                continue
            c = f["coverage"]
            lines.append(
                f"| {name} | {label} | {rows['_n']} | {c['50']:.3f} | {c['80']:.3f} | "
                f"{c['90']:.3f} | {f['crps']:.4f} | {f['brier']:.4f} | {f['mae']:.3f} | "
                f"{f.get('seconds', float('nan')):.1f} |"
            )
    for name, rows in games.items():
        for label, f in rows.items():
            if label.startswith("_"):
                continue
            c = f["coverage"]
            lines.append(
                f"| {name} | {label} (sd {f['sd']:.1f}) | {f.get('n', rows['_n'])} | "
                f"{c['50']:.3f} | {c['80']:.3f} | {c['90']:.3f} | {f['crps']:.3f} | | "
                f"{f['mae']:.3f} (Elo games: {f.get('mae_elo_games', float('nan')):.3f}) | |"
            )
    lines += ["", "PIT histograms (share per tenth, 0.100 each if calibrated):", ""]
    for name, rows in [*players.items(), *games.items()]:
        for label, f in rows.items():
            if label.startswith("_") or "baseline" in label:
                continue
            lines.append(f"- {name}, {label}: " + " ".join(f"{v:.3f}" for v in f["pit"]))
    point = "; ".join(f"{n} {r['_point_seconds']:.1f} s" for n, r in players.items())
    held = "; ".join(
        f"{n} {r['_held_seconds']:.1f} s ({r['_held_rows']} holdout rows)"
        for n, r in players.items()
        if "_held_seconds" in r
    )
    lines += [
        "",
        f"Point model fits (single thread): {point}; before the holdout: {held}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seasons", nargs="+", default=["2018-19"])
    parser.add_argument("--variants", action="store_true", help="score every tried variant")
    parser.add_argument(
        "--holdout",
        action="store_true",
        help="also fit the distributions on the residuals of the training's holdout",
    )
    args = parser.parse_args()
    require_gamelogs()
    print_machine("predictive distributions")
    missed: list[str] = []
    for season in args.seasons:
        data = season_data(season)
        games, players = features.feature_tables(data.team_games, data.player_games)
        is_test_g, is_test_p = games["season"] == season, players["season"] == season
        _, holdout_start = training.choose_holdout(games[~is_test_g])
        player_rows = player_figures(
            players[~is_test_p],
            players[is_test_p],
            args.variants,
            holdout_start if args.holdout else None,
        )
        game_rows = game_figures(season, games[~is_test_g], games[is_test_g])
        print(render(season, player_rows, game_rows), flush=True)
        if not args.variants:
            missed += targets_missed(season, player_rows, game_rows)
    for line in missed:
        print(f"TARGET MISSED: {line}")
    return 1 if missed else 0


def targets_missed(season: str, players: dict[str, Any], games: dict[str, Any]) -> list[str]:
    """Return the issue's targets the chosen forms miss in ``season``."""
    missed = []
    chosen = {name: rows["nba-ml (ridge scale, 5 bands, x 1.05)"] for name, rows in players.items()}
    chosen["margin"] = games["margin"]["ridge on the game features"]
    chosen["total"] = games["total"]["ridge on recent scoring"]
    for name, figures in chosen.items():
        for level, share in figures["coverage"].items():
            if abs(share - int(level) / 100) > TOLERANCE:
                missed.append(f"{season}: {name} {level} % interval covers {share:.1%}")
    for name, rows in players.items():
        best = min(f["crps"] for label, f in rows.items() if label.startswith("baseline"))
        if chosen[name]["crps"] >= best:
            missed.append(f"{season}: {name} CRPS {chosen[name]['crps']:.4f} >= {best:.4f}")
    elo = games["margin"]["baseline: FiveThirtyEight Elo spread"]["mae_elo_games"]
    mae = chosen["margin"]["mae_elo_games"]
    if mae > elo:
        missed.append(f"{season}: margin MAE {mae:.3f} above the Elo spread's {elo:.3f}")
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
