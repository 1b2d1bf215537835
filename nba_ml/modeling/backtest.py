"""Walk-forward evaluation of one season: models fixed at its start, features updating daily."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml import modelset, progress
from nba_ml.data.seasons import parse_season
from nba_ml.errors import DataError, StorageError
from nba_ml.modeling import evaluation, models
from nba_ml.modeling.training import build_feature_tables
from nba_ml.modelset import Task

if TYPE_CHECKING:
    import pandas as pd

    from nba_ml.data.importer import GameData

logger = logging.getLogger(__name__)

BACKTEST_COLUMNS: tuple[str, ...] = (
    "model",
    "game_date",
    "game_id",
    "season_type",
    "team",
    "opponent",
    "player_id",
    "player_name",
    "prediction",
    "actual",
)


@dataclasses.dataclass
class BacktestResult:
    """Every prediction of the test season (``BACKTEST_COLUMNS``) and the figures over them."""

    predictions: pd.DataFrame
    figures: dict[str, Any]
    train_seasons: list[str]


def run_backtest(data: GameData, test_season: str) -> BacktestResult:
    """Return predictions for every game and player-game of ``test_season``.

    Models are trained on every earlier season in ``data``; each prediction's features use only
    games before its date (the season's own earlier games included). Raises DataError when the
    test season or any earlier season is missing.
    """
    import numpy as np
    import pandas as pd

    test_year = parse_season(test_season)
    seasons = data.seasons
    if test_season not in seasons:
        raise DataError(f"season {test_season} is not in the data (found: {', '.join(seasons)})")
    train_seasons = [s for s in seasons if parse_season(s) < test_year]
    if not train_seasons:
        raise DataError(f"no season before {test_season} to train on")
    step = f"backtest {test_season}"
    progress.report(step, 0, 3)
    subset = data.select_seasons([*train_seasons, test_season])
    tables = build_feature_tables(subset)
    progress.report(step, 1, 3)
    train_g = tables.games[tables.games["season"] != test_season]
    train_p = tables.players[tables.players["season"] != test_season]
    test_g = tables.games[
        (tables.games["season"] == test_season) & tables.games["home_win"].notna()
    ]
    test_p = tables.players[tables.players["season"] == test_season]
    try:
        fitted = models.fit_all(train_g, train_p)
    except ValueError as error:
        raise DataError(f"cannot train: {error}") from None
    progress.report(step, 2, 3)
    figures = evaluation.evaluate(fitted, train_p, test_g, test_p)
    frames = []
    for spec in models.game_specs():
        games = test_g[test_g[spec.target].notna()]
        frames.append(
            pd.DataFrame(
                {
                    "model": spec.name,
                    "game_date": games["game_date"].dt.strftime("%Y-%m-%d").to_numpy(),
                    "game_id": games["game_id"].astype(str).to_numpy(),
                    "season_type": games["season_type"].to_numpy(),
                    "team": games["home"].to_numpy(),
                    "opponent": games["away"].to_numpy(),
                    "player_id": pd.array([pd.NA] * len(games), dtype="Int64"),
                    "player_name": pd.array([pd.NA] * len(games), dtype="string"),
                    "prediction": models.predict(spec, fitted[spec.name], games),
                    "actual": games[spec.target]
                    .astype(int if spec.task is Task.CLASSIFIER else float)
                    .to_numpy(),
                }
            )
        )
    for spec in models.player_specs():
        stat = spec.target
        rows = test_p[test_p[stat].notna()]
        frames.append(
            pd.DataFrame(
                {
                    "model": spec.name,
                    "game_date": rows["game_date"].dt.strftime("%Y-%m-%d").to_numpy(),
                    "game_id": rows["game_id"].astype(str).to_numpy(),
                    "season_type": rows["season_type"].to_numpy(),
                    "team": rows["team"].to_numpy(),
                    "opponent": rows["opponent"].to_numpy(),
                    "player_id": pd.array(
                        rows["player_id"].to_numpy(dtype=np.int64), dtype="Int64"
                    ),
                    "player_name": pd.array(
                        rows["player_name"].astype(str).to_numpy(), dtype="string"
                    ),
                    "prediction": models.predict(spec, fitted[spec.name], rows),
                    "actual": rows[stat].to_numpy(dtype=float),
                }
            )
        )
    predictions = pd.concat(frames, ignore_index=True)
    progress.report(step, 3, 3)
    order = {name: i for i, name in enumerate(modelset.names())}
    predictions = (
        predictions.assign(_order=predictions["model"].map(order))
        .sort_values(["game_date", "_order"], kind="mergesort")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return BacktestResult(predictions[list(BACKTEST_COLUMNS)], figures, train_seasons)


def write_predictions(result: BacktestResult, output: Path) -> None:
    """Write the predictions CSV atomically (``state.files.atomic_write``: the old file or the
    new one, never a part); raise StorageError when it cannot be written."""
    from nba_ml.state.files import atomic_write, describe_os_error, safe_text

    text = result.predictions.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    try:
        atomic_write(Path(output), text)
    except OSError as error:
        raise StorageError(
            f"cannot write {safe_text(str(output))}: {describe_os_error(error)}"
        ) from None
