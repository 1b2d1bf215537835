"""Honest evaluation: the baselines a player model is measured against (last-10,
season-to-date and EWMA averages, with a prior for debuts), game figures (Brier, log-loss,
accuracy, calibration) and player figures (MAE beside each baseline's, ratio to last-10).
Training, backtest, the promotion gate and the report all score through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nba_ml.modeling.models import (
    game_specs,
    has_distribution,
    player_specs,
    predict,
    predict_stat_cdf,
)
from nba_ml.modelset import ModelSpec, Task

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def debut_prior(player_rows: pd.DataFrame, stat: str) -> float:
    """Return the median ``stat`` of players' first recorded games (the baselines' prior)."""
    first = player_rows.loc[(player_rows["games_career"] == 0) & player_rows[stat].notna(), stat]
    return float(first.median()) if len(first) else 0.0


def baseline_predictions(player_rows: pd.DataFrame, stat: str, prior: float) -> dict[str, Any]:
    """Return the baselines: last-10, season-to-date and EWMA averages, falling back to ``prior``.

    The season-to-date average falls back to the last-10 average (a player's first game of a
    season), then to the prior.
    """
    last10 = player_rows[f"{stat}_l10"].fillna(prior)
    return {
        "last10": last10.to_numpy(dtype=float),
        "season": player_rows[f"{stat}_season"].fillna(last10).to_numpy(dtype=float),
        "ewma": player_rows[f"{stat}_ewm"].fillna(prior).to_numpy(dtype=float),
    }


def calibration_table(
    probabilities: np.ndarray, outcomes: np.ndarray, bins: int = 10
) -> list[dict[str, float]]:
    """Return per-bin (predicted mean, observed rate, count) for probabilities in [0, 1]."""
    import numpy as np

    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            table.append(
                {
                    "low": float(edges[b]),
                    "high": float(edges[b + 1]),
                    "predicted": float(probabilities[mask].mean()),
                    "observed": float(outcomes[mask].mean()),
                    "count": int(mask.sum()),
                }
            )
    return table


def game_metrics(probabilities: np.ndarray, outcomes: np.ndarray) -> dict[str, Any]:
    """Return Brier score, log-loss, accuracy, count and a calibration table."""
    import numpy as np

    p = np.clip(np.asarray(probabilities, dtype=float), 1e-6, 1 - 1e-6)
    y = np.asarray(outcomes, dtype=float)
    return {
        "n": len(y),
        "brier": float(np.mean((p - y) ** 2)),
        "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "accuracy": float(np.mean((p > 0.5) == (y == 1))),
        "home_win_rate": float(y.mean()) if len(y) else float("nan"),
        "calibration": calibration_table(p, y),
    }


def stat_metrics(
    predictions: np.ndarray, actual: np.ndarray, baselines: dict[str, Any]
) -> dict[str, Any]:
    """Return the model's MAE beside each baseline's MAE and the ratio to the last-10 baseline."""
    import numpy as np

    y = np.asarray(actual, dtype=float)
    mae = float(np.mean(np.abs(np.asarray(predictions) - y)))
    out: dict[str, Any] = {"n": len(y), "mae": mae}
    for name, values in baselines.items():
        out[f"mae_{name}"] = float(np.mean(np.abs(values - y)))
    out["ratio_last10"] = mae / out["mae_last10"] if out.get("mae_last10") else float("nan")
    return out


def distribution_metrics(lower: np.ndarray, upper: np.ndarray, crps: float) -> dict[str, Any]:
    """Return the CRPS, the coverage of the 50 / 80 / 90 % central intervals (``coverage_50``
    ...) and the PIT histogram (``pit``: the share of outcomes in each tenth of the predictive
    distribution, 0.1 each when calibrated) of forecasts whose PIT ranges are
    ``lower``-``upper``."""
    from nba_ml.modeling.distributions import coverage, pit_histogram

    return {
        "crps": crps,
        **{f"coverage_{k}": v for k, v in coverage(lower, upper).items()},
        "pit": pit_histogram(lower, upper),
    }


def evaluate(
    models: dict[str, Any],
    train_players: pd.DataFrame,
    game_rows: pd.DataFrame,
    player_rows: pd.DataFrame,
    predicted: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Return holdout metrics of the models on played games and player-games, by model name
    (every registered model in ``models``: a set that lacks one has no figures for it): a
    classifier's game figures, a regressor's MAE (beside its baselines' when it has them);
    ``predicted``: the player models' predictions of every row of ``player_rows`` where
    already made (by :func:`nba_ml.modeling.models.fit_and_predict`), by model name."""
    figures: dict[str, Any] = {}
    for spec in game_specs():
        if spec.name not in models:
            continue
        games = game_rows[game_rows[spec.target].notna()]
        if spec.distribution is not None and spec.task is Task.REGRESSOR:
            if len(games):  # the home margin and the total
                figures[spec.name] = _game_distribution_metrics(spec, models[spec.name], games)
            continue
        values = predict(spec, models[spec.name], games)
        actual = games[spec.target].to_numpy()
        figures[spec.name] = (
            game_metrics(values, actual)
            if spec.task is Task.CLASSIFIER
            else stat_metrics(values, actual, {})
        )
    for spec in player_specs():
        if spec.name not in models and not (predicted and spec.name in predicted):
            continue
        stat = spec.target
        played = player_rows[stat].notna().to_numpy()
        rows = player_rows[played]
        values = (
            predicted[spec.name][played]
            if predicted and spec.name in predicted
            else predict(spec, models[spec.name], rows)
        )
        baselines = (
            baseline_predictions(rows, stat, debut_prior(train_players, stat))
            if spec.baseline
            else {}
        )
        figures[spec.name] = stat_metrics(values, rows[stat].to_numpy(), baselines)
        if spec.name in models and has_distribution(models[spec.name]) and len(rows):
            figures[spec.name].update(_count_distribution_metrics(spec, models[spec.name], rows))
    return figures


def _count_distribution_metrics(spec: ModelSpec, model: Any, rows: pd.DataFrame) -> dict:
    """Return the CRPS and interval coverage of a player model's distribution on played rows."""
    from nba_ml.modeling.distributions import count_crps, count_pit

    cdf = predict_stat_cdf(model, rows, spec.target)
    actual = rows[spec.target].to_numpy(dtype=float)
    return distribution_metrics(*count_pit(cdf, actual), count_crps(cdf, actual))


def _game_distribution_metrics(spec: ModelSpec, model: Any, games: pd.DataFrame) -> dict:
    """Return MAE, CRPS and interval coverage of the margin or total model on played games."""
    import numpy as np

    from nba_ml.modeling.distributions import normal_crps, normal_pit
    from nba_ml.modeling.models import predict_game_quantiles

    actual = games[spec.target].to_numpy(dtype=float)
    mean, _ = predict_game_quantiles(model, games)
    return {
        "n": len(actual),
        "mae": float(np.mean(np.abs(mean - actual))),
        **distribution_metrics(
            *normal_pit(mean, model.sd_, actual), normal_crps(mean, model.sd_, actual)
        ),
    }
