"""The holdout refit behind the report's "MAE by minutes played".

The manifest keeps the holdout figures but not per-row predictions, so they are recomputed: by
default honestly (the player models fitted again on the rows before the holdout, as ``train``
did to measure them), or, given the deployed models, in-sample (quick, optimistic).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.errors import DataError
from nba_ml.modeling.models import player_specs

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from nba_ml.manifest import TrainingRecord

logger = logging.getLogger(__name__)

MINUTE_BINS: tuple[tuple[str, float, float], ...] = (
    ("0–10", 0.0, 10.0),
    ("10–20", 10.0, 20.0),
    ("20–30", 20.0, 30.0),
    ("30–40", 30.0, 40.0),
    ("40+", 40.0, math.inf),
)


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
    # the game model's out-of-sample home-win probability of every played holdout game
    # (game_date, home, away, probability, home_win), when asked for
    games: pd.DataFrame | None = None


def holdout_errors(
    data_dir: Path,
    training: TrainingRecord,
    *,
    deployed: dict[str, Any] | None = None,
    jobs: int = 0,
    games: bool = False,
) -> HoldoutErrors:
    """Return the player models' MAE (and baselines') by minutes played on the holdout.

    Honest by default: fit the player models on the rows before the holdout, as ``train`` did to
    measure them, through the same worker pool (``jobs`` processes as for ``train``: 0 one per
    core, 1 in this process), started before the game data is read so that the workers'
    start-up overlaps the features. Given the ``deployed`` models (trained on the holdout too),
    predict with them instead: quick, but in-sample. With ``games``, also the game model's
    holdout predictions, always honest (fitted on the games before the holdout, as ``train``
    measured it: a logistic regression, quick).
    """
    import contextlib

    from nba_ml.modeling import evaluation, models
    from nba_ml.modeling.training import build_feature_tables
    from nba_ml.state.history import load_history

    started = time.perf_counter()
    start = _holdout_start(training)
    predicted: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        pool = (
            None
            if deployed is not None
            else stack.enter_context(models.fitting_pool(jobs or None, len(player_specs())))
        )
        data = load_history(data_dir, training.history_sha256)
        tables = build_feature_tables(data)
        players = tables.players
        game_predictions = _game_predictions(tables.games, start) if games else None
        before = players[players["game_date"] < start]
        after = players[players["game_date"] >= start]
        for spec in player_specs():  # before any fit: nothing to measure, no refit
            if not after[spec.target].notna().any():
                raise DataError(f"no played player-games from {start:%Y-%m-%d} in the game data")
        if deployed is None:
            logger.info(
                "fitting the player models on the %d player-games before %s",
                len(before),
                f"{start:%Y-%m-%d}",
            )
            try:
                _, predicted = models.fit_and_predict([(None, before)], after, jobs or None, pool)
            except ValueError as error:
                raise DataError(
                    f"cannot measure the holdout honestly: {error}; use the fast report"
                ) from None
    result: dict[str, MinuteErrors] = {}
    for spec in player_specs():
        if not spec.baseline or (deployed is not None and spec.name not in deployed):
            continue  # the tables set each model beside its baselines; a lacking one has none
        name, stat = spec.name, spec.target
        played = after[stat].notna().to_numpy()
        rows = after[played]
        predictions = (
            models.predict_stat(deployed[name], rows)
            if deployed is not None
            else predicted[name][played]
        )
        actual = rows[stat].to_numpy(dtype=float)
        baselines = evaluation.baseline_predictions(
            rows, stat, evaluation.debut_prior(before, stat)
        )
        minutes = rows["min"].to_numpy(dtype=float)
        table = _by_minutes(minutes, predictions, actual, baselines)
        result[name] = MinuteErrors(table, evaluation.stat_metrics(predictions, actual, baselines))
    return HoldoutErrors(deployed is None, result, time.perf_counter() - started, game_predictions)


def _holdout_start(training: TrainingRecord) -> pd.Timestamp:
    """Return the first date of the holdout ``training`` records; raise DataError without one."""
    import pandas as pd

    try:
        if training.holdout is None or training.holdout.start is None:
            raise ValueError("no holdout start")
        start = pd.Timestamp(training.holdout.start)
        if pd.isna(start) or start.tzinfo is not None:  # "" parses to NaT; dates are naive
            raise ValueError(start)
    except (KeyError, ValueError, TypeError):
        raise DataError(
            "the model manifest records no holdout start; run `nba-ml train --force`"
        ) from None
    return start


def _by_minutes(
    minutes: np.ndarray,
    predictions: np.ndarray,
    actual: np.ndarray,
    baselines: dict[str, np.ndarray],
) -> list[dict[str, Any]]:
    """Return the errors of ``predictions`` and ``baselines`` in each bin of minutes played."""
    from nba_ml.modeling import evaluation

    table: list[dict[str, Any]] = []
    for label, low, high in MINUTE_BINS:
        mask = (minutes >= low) & (minutes < high)
        if not mask.any():
            table.append({"label": label, "n": 0})
            continue
        figures = evaluation.stat_metrics(
            predictions[mask], actual[mask], {k: v[mask] for k, v in baselines.items()}
        )
        table.append({"label": label, **figures})
    return table


def _game_predictions(games: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """Return the played games from ``start`` with the home-win probability of the game model
    fitted on the games before ``start``."""
    from nba_ml.modeling import models

    try:
        model = models.fit_game_model(games[games["game_date"] < start])
    except ValueError as error:
        raise DataError(f"cannot measure the game model on the holdout: {error}") from None
    after = games[(games["game_date"] >= start) & games["home_win"].notna()]
    return after[["game_date", "home", "away", "home_win"]].assign(
        probability=models.predict_home_win(model, after)
    )
