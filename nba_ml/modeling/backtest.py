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
from nba_ml.modeling.models import QUANTILE_COLUMNS
from nba_ml.modeling.training import build_feature_tables
from nba_ml.modelset import Level, ModelSpec, Task

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from nba_ml.data.importer import GameData

logger = logging.getLogger(__name__)

# who was out of each test game: "box-score" reads it from the game's own box score (an
# idealised inactive list: exact and known at tip-off, see modeling.availability); "none" knows
# nobody is out (the probable rotation, as a prediction without a report). Training rows always
# use the box score.
AVAILABILITY_MODES: tuple[str, ...] = ("box-score", "none")

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
    *QUANTILE_COLUMNS,
    "actual",
)


@dataclasses.dataclass
class BacktestResult:
    """Every prediction of the test season (``BACKTEST_COLUMNS``) and the figures over them."""

    predictions: pd.DataFrame
    figures: dict[str, Any]
    train_seasons: list[str]
    availability: str = AVAILABILITY_MODES[0]


def run_backtest(
    data: GameData, test_season: str, availability: str = AVAILABILITY_MODES[0]
) -> BacktestResult:
    """Return predictions for every game and player-game of ``test_season``.

    Models are trained on every earlier season in ``data``; each prediction's features use only
    games before its date (the season's own earlier games included). Raises DataError when the
    test season or any earlier season is missing. ``availability`` (``AVAILABILITY_MODES``):
    where the test games' absence lists come from; ValueError for another value.
    """
    if availability not in AVAILABILITY_MODES:
        raise ValueError(f"availability must be one of {', '.join(AVAILABILITY_MODES)}")
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
    blind = (test_season,) if availability == "none" else ()
    tables = build_feature_tables(subset, blind)
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
    frames = [
        _game_rows(spec, fitted[spec.name], test_g)
        if spec.level is Level.GAME
        else _player_rows(spec, fitted[spec.name], test_p)
        for spec in modelset.backtest_models()
    ]
    predictions = pd.concat(frames, ignore_index=True)
    progress.report(step, 3, 3)
    order = {spec.name: i for i, spec in enumerate(modelset.backtest_models())}
    predictions = (
        predictions.assign(_order=predictions["model"].map(order))
        .sort_values(["game_date", "_order"], kind="mergesort")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return BacktestResult(predictions[list(BACKTEST_COLUMNS)], figures, train_seasons, availability)


def _game_rows(spec: ModelSpec, model: Any, test_g: pd.DataFrame) -> pd.DataFrame:
    """Return a game-level model's rows: its prediction (a distribution's mean, with its
    quantiles) and the actual value on the games where it is known."""
    import numpy as np
    import pandas as pd

    games = test_g[test_g[spec.target].notna()]
    identity = {
        "game_date": games["game_date"].dt.strftime("%Y-%m-%d").to_numpy(),
        "game_id": games["game_id"].astype(str).to_numpy(),
        "season_type": games["season_type"].to_numpy(),
        "team": games["home"].to_numpy(),
        "opponent": games["away"].to_numpy(),
        "player_id": pd.array([pd.NA] * len(games), dtype="Int64"),
        "player_name": pd.array([pd.NA] * len(games), dtype="string"),
    }
    if spec.distribution is not None:
        prediction, quantiles = models.predict_game_quantiles(model, games)
    else:
        prediction = models.predict(spec, model, games)
        quantiles = np.full((len(games), len(QUANTILE_COLUMNS)), np.nan)
    actual = games[spec.target].astype(int if spec.task is Task.CLASSIFIER else float)
    return _rows(spec.name, identity, prediction, quantiles, actual.to_numpy())


def _player_rows(spec: ModelSpec, model: Any, test_p: pd.DataFrame) -> pd.DataFrame:
    """Return a player model's rows: its prediction, its distribution's quantiles (whole
    counts; none without a distribution) and the actual stat of every played player-game."""
    import numpy as np
    import pandas as pd

    from nba_ml.modeling.distributions import count_quantiles

    stat = spec.target
    rows = test_p[test_p[stat].notna()]
    identity = {
        "game_date": rows["game_date"].dt.strftime("%Y-%m-%d").to_numpy(),
        "game_id": rows["game_id"].astype(str).to_numpy(),
        "season_type": rows["season_type"].to_numpy(),
        "team": rows["team"].to_numpy(),
        "opponent": rows["opponent"].to_numpy(),
        "player_id": pd.array(rows["player_id"].to_numpy(dtype=np.int64), dtype="Int64"),
        "player_name": pd.array(rows["player_name"].astype(str).to_numpy(), dtype="string"),
    }
    quantiles = (
        count_quantiles(models.predict_stat_cdf(model, rows, stat))
        if models.has_distribution(model)
        else np.full((len(rows), len(QUANTILE_COLUMNS)), np.nan)
    )
    return _rows(
        spec.name,
        identity,
        models.predict(spec, model, rows),
        quantiles,
        rows[stat].to_numpy(dtype=float),
    )


def _rows(
    model: str,
    identity: dict[str, Any],
    prediction: np.ndarray,
    quantiles: np.ndarray,
    actual: np.ndarray,
) -> pd.DataFrame:
    """Return one model's backtest rows: identity columns, prediction, quantiles, actual."""
    import pandas as pd

    frame = pd.DataFrame({"model": model, **identity, "prediction": prediction})
    for index, column in enumerate(QUANTILE_COLUMNS):
        frame[column] = quantiles[:, index]
    frame["actual"] = actual
    return frame


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
