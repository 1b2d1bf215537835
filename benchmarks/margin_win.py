"""The home margin's distribution beside the win model (issue #22): how P(margin > 0) relates to
the game model's home-win probability, and how well the margin's and the total's intervals
cover, with the spread fixed at training or following the season's recent residuals.

For each season given, the registry's game-level models (the game model, the margin, the total:
``nba_ml.modelset``) are fitted on every earlier season of ../shared/data/gamelogs, exactly as
``train`` fits them, and predict every played game of the season from features of earlier dates
only (the game feature table, walked forward as the backtest does). Printed per season:

- P(margin > 0) (the margin's normal: 1 - Phi(-mean / sd)) beside the win model's probability:
  mean and largest absolute gap, the share of games where they differ by more than 0.05 / 0.10,
  their correlation, and each one's Brier score and log-loss as a forecast of the home win;
- for the margin and the total, the coverage of the 50 / 80 / 90 % central intervals and the
  CRPS, for the spread as trained (``sd_``: the training residuals') and for *walk-forward*
  spreads: before each date, the root mean square of the model's residuals on the season's
  last ``N`` played games (known by then, as a server would see them), shrunk toward the
  training spread with ``k`` pseudo-games: sd^2 = (k sd_train^2 + n rms_recent^2) / (k + n);
  the empirical shape of the standardised training residuals instead of the normal; and a
  walk-forward shift of the mean by the season's recent mean residual (shrunk the same way).

Choose on 2018-19 only; confirm on 2019-20 and 2020-21 (docs/quality-log.md).

Usage: python benchmarks/margin_win.py [--seasons 2018-19 2019-20 2020-21]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_machine, require_gamelogs
from distributions import season_data

from nba_ml import modelset
from nba_ml.modeling import distributions as dist
from nba_ml.modeling import features, models

# walk-forward spreads tried: (recent games N, pseudo-games of the training spread k)
WALK_FORWARD = ((200, 200), (300, 300), (400, 200), (400, 400), (600, 300))


def win_figures(p_win: np.ndarray, p_margin: np.ndarray, won: np.ndarray) -> dict[str, float]:
    gap = np.abs(p_margin - p_win)
    clipped = {name: np.clip(p, 1e-6, 1 - 1e-6) for name, p in (("win", p_win), ("mg", p_margin))}
    out = {
        "mean |gap|": float(gap.mean()),
        "p90 |gap|": float(np.quantile(gap, 0.9)),
        "max |gap|": float(gap.max()),
        "share > 0.05": float((gap > 0.05).mean()),
        "share > 0.10": float((gap > 0.10).mean()),
        "correlation": float(np.corrcoef(p_win, p_margin)[0, 1]),
    }
    for name, p in clipped.items():
        out[f"brier {name}"] = float(np.mean((p - won) ** 2))
        out[f"log-loss {name}"] = float(-np.mean(won * np.log(p) + (1 - won) * np.log(1 - p)))
    return out


def walk_forward_sd(
    residual: np.ndarray, dates: np.ndarray, sd_train: float, recent: int, prior: int
) -> np.ndarray:
    """Return each game's spread from the residuals of the season's games on earlier dates:
    the last ``recent`` of them, shrunk toward ``sd_train`` with ``prior`` pseudo-games."""
    order = np.argsort(dates, kind="stable")
    out = np.empty(len(residual))
    squared = residual[order] ** 2
    sorted_dates = dates[order]
    for position, index in enumerate(order):
        earlier = np.searchsorted(sorted_dates, sorted_dates[position], side="left")
        window = squared[max(0, earlier - recent) : earlier]
        n = len(window)
        out[index] = np.sqrt((prior * sd_train**2 + window.sum()) / (prior + n))
    return out


def walk_forward_shift(
    residual: np.ndarray, dates: np.ndarray, recent: int, prior: int
) -> np.ndarray:
    """Return each game's bias correction: the mean residual of the season's last ``recent``
    games on earlier dates, shrunk toward 0 with ``prior`` pseudo-games."""
    order = np.argsort(dates, kind="stable")
    out = np.empty(len(residual))
    ordered = residual[order]
    sorted_dates = dates[order]
    for position, index in enumerate(order):
        earlier = np.searchsorted(sorted_dates, sorted_dates[position], side="left")
        window = ordered[max(0, earlier - recent) : earlier]
        out[index] = window.sum() / (prior + len(window))
    return out


def spread_figures(mean: np.ndarray, sd: Any, actual: np.ndarray) -> dict[str, float]:
    lower, upper = dist.normal_pit(mean, sd, actual)
    return {
        **{f"cov{k}": v for k, v in dist.coverage(lower, upper).items()},
        "crps": dist.normal_crps(mean, sd, actual),
        "mae": float(np.mean(np.abs(mean - actual))),
    }


def shape_figures(
    mean: np.ndarray, sd: Any, actual: np.ndarray, z_train: np.ndarray
) -> dict[str, float]:
    """Return the figures of ``mean`` + ``sd`` x the empirical standardised training residuals
    ``z_train`` (instead of a normal); CRPS by integration on a grid."""
    levels = np.linspace(0.0, 1.0, 201)
    quantiles = np.quantile(z_train, levels)
    sd = np.broadcast_to(np.asarray(sd, dtype=float), mean.shape)
    z = (actual - mean) / sd
    u = np.interp(z, quantiles, levels)
    grid = np.linspace(quantiles[0] - 1, quantiles[-1] + 1, 1201)
    cdf = np.interp(grid, quantiles, levels)
    step = (grid[None, :] >= z[:, None]).astype(float)
    crps = ((cdf[None, :] - step) ** 2).sum(axis=1) * (grid[1] - grid[0]) * sd
    return {
        **{f"cov{k}": v for k, v in dist.coverage(u, u).items()},
        "crps": float(crps.mean()),
        "mae": float(np.mean(np.abs(mean - actual))),
    }


def season_figures(season: str) -> dict[str, Any]:
    data = season_data(season)
    games = features.game_features(data.team_games, data.player_games)
    played = games[games["home_win"].notna()]
    train, test = played[played["season"] != season], played[played["season"] == season]
    fitted = {
        spec.name: models.fit_game(spec, train) for spec in modelset.of_level(modelset.Level.GAME)
    }
    outcome = models.outcome_spec()
    p_win = models.predict(outcome, fitted[outcome.name], test)
    margin = fitted["margin"]
    mean = margin.predict(test[list(margin.feature_names_in_)].astype(float))
    p_margin = margin.probability_above(test[list(margin.feature_names_in_)].astype(float), 0.0)
    out: dict[str, Any] = {
        "games": len(test),
        "win": win_figures(p_win, p_margin, test["home_win"].to_numpy(float)),
    }
    dates = test["game_date"].to_numpy()
    for spec in modelset.game_distributions():
        model = fitted[spec.name]
        rows = test[list(model.feature_names_in_)].astype(float)
        predicted = model.predict(rows)
        actual = test[spec.target].to_numpy(float)
        figures = {"as trained": spread_figures(predicted, model.sd_, actual)}
        for recent, prior in WALK_FORWARD:
            sd = walk_forward_sd(actual - predicted, dates, model.sd_, recent, prior)
            figures[f"walk-forward N={recent} k={prior}"] = spread_figures(predicted, sd, actual)
        train_rows = train[list(model.feature_names_in_)].astype(float)
        z_train = (train[spec.target].to_numpy(float) - model.predict(train_rows)) / model.sd_
        figures["empirical shape"] = shape_figures(predicted, model.sd_, actual, z_train)
        for recent, prior in ((300, 300), (400, 200)):
            shift = walk_forward_shift(actual - predicted, dates, recent, prior)
            figures[f"shift N={recent} k={prior}"] = spread_figures(
                predicted + shift, model.sd_, actual
            )
            figures[f"shift N={recent} k={prior} + shape"] = shape_figures(
                predicted + shift, model.sd_, actual, z_train
            )
        out[spec.name] = {"sd_train": model.sd_, "rows": figures}
    del mean
    return out


def render(season: str, figures: dict[str, Any]) -> str:
    lines = [f"\n== {season}: {figures['games']} played games =="]
    lines.append("P(margin > 0) beside the win model's probability:")
    for key, value in figures["win"].items():
        lines.append(f"  {key:<14} {value:.4f}")
    for name in ("margin", "total"):
        block = figures[name]
        lines.append(f"{name} (training sd {block['sd_train']:.2f}):")
        lines.append(
            f"  {'spread':<28} {'cov50':>6} {'cov80':>6} {'cov90':>6} {'CRPS':>7} {'MAE':>7}"
        )
        for label, row in block["rows"].items():
            lines.append(
                f"  {label:<32} {row['cov50']:6.1%} {row['cov80']:6.1%} {row['cov90']:6.1%} "
                f"{row['crps']:7.3f} {row['mae']:7.3f}"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seasons", nargs="+", default=["2018-19"])
    args = parser.parse_args()
    require_gamelogs()
    print_machine("margin beside the win model")
    pd.set_option("display.width", 120)
    for season in args.seasons:
        print(render(season, season_figures(season)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
