"""serving.dayrows: one upcoming date's rows, from the training feature code, and the player
lookups they start from."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_ml.data.importer import GameData
from nba_ml.modeling import features
from nba_ml.serving.dayrows import ACTIVE_DAYS, compute_day, last_game_of, latest_players


def test_a_day_has_one_side_per_team_and_a_row_per_active_player(
    synthetic_games: GameData, first_day: dt.date
) -> None:
    latest = latest_players(synthetic_games)
    assert latest.index.is_unique and set(latest.columns) >= {"player_name", "team"}
    rows = compute_day(synthetic_games, latest, pd.Timestamp(first_day))
    teams = set(synthetic_games.team_games["team"])
    assert set(rows.sides.index) - {"---"} == teams
    assert set(rows.sides.columns) >= set(features.SIDE_COLUMNS)
    assert set(rows.who) == set(latest.index) == set(rows.players.index)
    far = pd.Timestamp(first_day + dt.timedelta(days=ACTIVE_DAYS + 30))
    assert compute_day(synthetic_games, latest, far).who == {}  # nobody active any more


def test_the_last_game_is_the_latest_team_game(synthetic_games: GameData) -> None:
    assert last_game_of(synthetic_games) == synthetic_games.team_games["game_date"].max().date()
    empty = GameData(synthetic_games.team_games.iloc[:0], synthetic_games.player_games.iloc[:0])
    assert last_game_of(empty) is None
