"""serving.dayrows: one upcoming date's rows, from the training feature code, and the player
lookups they start from."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nba_ml.data.importer import GameData
from nba_ml.modeling import features
from nba_ml.serving.dayrows import (
    ACTIVE_DAYS,
    KEPT_DAYS,
    DayCache,
    DayRows,
    compute_day,
    last_game_of,
    latest_players,
    prepare,
)


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


def test_prepare_gives_the_lookups_and_the_rows_of_the_days_after_the_last_game(
    synthetic_games: GameData, first_day: dt.date
) -> None:
    last = last_game_of(synthetic_games)
    assert last is not None
    later = first_day + dt.timedelta(days=2)
    prepared = prepare(synthetic_games, [last, first_day, later])
    assert prepared.last_game_date == last and list(prepared.days) == [first_day, later]
    pd.testing.assert_frame_equal(prepared.latest, latest_players(synthetic_games))
    alone = compute_day(synthetic_games, prepared.latest, pd.Timestamp(later))
    pd.testing.assert_frame_equal(prepared.days[later].players, alone.players)
    assert prepared.days[later].who == alone.who


def test_a_cache_keeps_the_days_nearest_today_and_the_player_lookups(
    synthetic_games: GameData,
) -> None:
    cache = DayCache()
    assert cache.latest is None and cache.names is None and cache.days() == []
    today = pd.Timestamp("2026-11-28")
    rows = DayRows(pd.DataFrame(), pd.DataFrame(), {})
    for offset in [0, 1, *range(40, 10, -1), -3, 5]:
        cache.keep(today + pd.Timedelta(days=offset), rows, today)
        assert len(cache.days()) <= KEPT_DAYS
    kept = sorted((d - today).days for d in cache.days())
    assert kept == [-3, 0, 1, 5, 11, 12, 13, 14]
    assert cache.get(today) is rows and cache.get(today + pd.Timedelta(days=40)) is None
    latest = latest_players(synthetic_games)
    cache.set_latest(latest)
    assert cache.latest is latest and cache.names is not None
