"""Train the registered models on canonical game data and measure them on the latest held-out data.

The same feature tables and model definitions serve ``train`` and ``backtest``, so backtest
figures describe what is deployed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from typing import TYPE_CHECKING, Any

from nba_ml.data.seasons import parse_season
from nba_ml.errors import DataError
from nba_ml.modeling import evaluation, features, models

if TYPE_CHECKING:
    from collections.abc import Collection

    import pandas as pd

    from nba_ml.data.importer import GameData

logger = logging.getLogger(__name__)

MIN_HOLDOUT_GAMES = 100


@dataclasses.dataclass
class FeatureTables:
    """Feature rows for every game and player-game of a GameData."""

    games: pd.DataFrame
    players: pd.DataFrame


@dataclasses.dataclass
class TrainedSet:
    """The fitted models (one per registered model) and what the manifest records about their
    training."""

    models: dict[str, Any]
    training: dict[str, Any]
    # The same definitions fitted before the holdout, and the feature rows: what the promotion
    # gate scores on the games it compares the current set on.
    evaluation_models: dict[str, Any] | None = None
    tables: FeatureTables | None = None


def build_feature_tables(data: GameData, blind_seasons: Collection[str] = ()) -> FeatureTables:
    """Return game and player feature rows for all of ``data`` (leakage-free by construction);
    games of ``blind_seasons`` do not know who was out (``features.feature_tables``)."""
    if data.team_games.empty:
        raise DataError("no team game logs to train on")
    if data.player_games.empty:
        raise DataError("no player game logs to train on")
    start = time.perf_counter()
    games, players = features.feature_tables(data.team_games, data.player_games, blind_seasons)
    logger.info(
        "built features for %d games and %d player-games in %.1f s",
        len(games),
        len(players),
        time.perf_counter() - start,
    )
    return FeatureTables(games, players)


def data_fingerprint(data: GameData) -> str:
    """Return a sha256 over the canonical tables (what the models were trained on)."""
    import pandas as pd

    digest = hashlib.sha256()
    for frame in (data.team_games, data.player_games):
        hashed = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False)
        digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def choose_holdout(games: pd.DataFrame) -> tuple[str, pd.Timestamp]:
    """Return a description of the holdout and its first date: the latest season with enough
    played games and an earlier season to learn from, else the last fifth of the game dates."""
    played = games[games["home_win"].notna()]
    seasons = sorted(played["season"].unique(), key=parse_season)
    for season in reversed(seasons):
        in_season = played[played["season"] == season]
        if len(in_season) >= MIN_HOLDOUT_GAMES and season != seasons[0]:
            return f"season {season}", in_season["game_date"].min()
    dates = played["game_date"].sort_values().unique()
    if len(dates) < 10:
        raise DataError(f"too little data to train and evaluate ({len(played)} played games)")
    cut = dates[int(len(dates) * 0.8)]
    return f"games from {cut:%Y-%m-%d}", cut


def train_model_set(data: GameData, jobs: int = 0) -> TrainedSet:
    """Return models fitted on all of ``data`` and holdout figures of the same definitions fitted
    on the data before the holdout; raise DataError when the data is too thin."""
    started = time.perf_counter()
    # the fitting workers start now: their start-up overlaps the features
    with models.fitting_pool(jobs or None) as pool:
        tables = build_feature_tables(data)
        holdout_name, holdout_start = choose_holdout(tables.games)
        before_g = tables.games[tables.games["game_date"] < holdout_start]
        before_p = tables.players[tables.players["game_date"] < holdout_start]
        after_g = tables.games[tables.games["game_date"] >= holdout_start]
        after_p = tables.players[tables.players["game_date"] >= holdout_start]
        try:
            logger.info(
                "fitting on data before the holdout (%s) and, for deployment, on all %d games",
                holdout_name,
                len(tables.games),
            )
            (evaluation_models, fitted), predicted = models.fit_and_predict(
                [(before_g, before_p), (tables.games, tables.players)], after_p, jobs or None, pool
            )
            figures = evaluation.evaluate(evaluation_models, before_p, after_g, after_p, predicted)
        except ValueError as error:
            raise DataError(f"cannot train: {error}") from None
    played = tables.games[tables.games["home_win"].notna()]
    training = {
        "seasons": data.seasons,
        "first_game_date": f"{played['game_date'].min():%Y-%m-%d}",
        "last_game_date": f"{played['game_date'].max():%Y-%m-%d}",
        "rows": {
            "games": len(played),
            "team_games": len(data.team_games),
            "player_games": len(data.player_games),
        },
        "holdout": {
            "name": holdout_name,
            "start": f"{holdout_start:%Y-%m-%d}",
            "games": int(after_g["home_win"].notna().sum()),
            "player_games": int(after_p["pts"].notna().sum()),
        },
        "metrics": _without_tables(figures),
        "calibration": figures[models.outcome_spec().name]["calibration"],
        "data_sha256": data_fingerprint(data),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return TrainedSet(fitted, training, evaluation_models, tables)


def _without_tables(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {k: v for k, v in values.items() if k != "calibration"}
        for name, values in figures.items()
    }
