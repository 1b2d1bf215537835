"""Serving test support that needs nothing beside the checkout: one small synthetic season, its
saved game data, and a real Predictor whose four models are fitted on it (about two seconds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from nba_ml.data.importer import GameData, load_directory
from nba_ml.data.schema import TEAM_GAME_COLUMNS
from nba_ml.manifest import Manifest
from nba_ml.serving.predictor import Predictor
from tests.synthetic import write_seasons

GENERATION = "gen-synthetic"
TRAINED_AT = "2018-11-19T10:00:00Z"


@pytest.fixture(scope="session")
def synthetic_games(tmp_path_factory: pytest.TempPathFactory) -> GameData:
    """One synthetic 2018-19 round (ten teams, 90 games from mid-October) as canonical tables."""
    return load_directory(
        write_seasons(tmp_path_factory.mktemp("serving-seasons"), ("2018-19",), rounds=1)
    )


@pytest.fixture(scope="session")
def synthetic_models(synthetic_games: GameData) -> dict[str, object]:
    """The four models fitted on ``synthetic_games`` in this process (no worker processes)."""
    from nba_ml.modeling import features, models

    games, players = features.feature_tables(
        synthetic_games.team_games, synthetic_games.player_games
    )
    return models.fit_sets([(games, players)], jobs=1)[0]


def new_predictor(models: dict[str, object], games: GameData) -> Predictor:
    """A Predictor with nothing cached (no prepared day, no stale warning given yet)."""
    manifest = Manifest.from_json(
        {"models": {}, "generation": GENERATION, "trained_at": TRAINED_AT}
    )
    return Predictor(dict(models), games, manifest)


@pytest.fixture(scope="session")
def synthetic_predictor(
    synthetic_models: dict[str, object], synthetic_games: GameData
) -> Predictor:
    """A shared Predictor on the synthetic season (read-only use: it caches prepared days)."""
    return new_predictor(synthetic_models, synthetic_games)


@pytest.fixture(scope="session")
def first_day(synthetic_predictor: Predictor) -> dt.date:
    """The first day after the synthetic season's last game."""
    last = synthetic_predictor.last_game_date
    assert last is not None
    return last + dt.timedelta(days=1)


@pytest.fixture
def saved_games(tmp_path: Path, synthetic_games: GameData) -> tuple[Path, str]:
    """A data directory holding the synthetic game data as training saves it; (dir, sha256)."""
    from nba_ml.state.history import save_history

    data_dir = tmp_path / "data"
    return data_dir, save_history(data_dir, synthetic_games)


def upcoming_team_rows(day: str, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Return the two team rows of each upcoming (home, away) game on ``day``, as the importer
    writes them (no box score yet)."""
    rows = []
    for home, away in pairs:
        game_id = f"{day.replace('-', '')}-{home}-{away}"
        for team, opponent, is_home in ((home, away, True), (away, home, False)):
            rows.append(
                {
                    "season": "2019-20",
                    "season_type": "Regular Season",
                    "game_id": game_id,
                    "game_date": pd.Timestamp(day),
                    "team": team,
                    "opponent": opponent,
                    "is_home": is_home,
                }
            )
    return pd.DataFrame(rows).reindex(columns=list(TEAM_GAME_COLUMNS))
