"""The player table: its column lists, the opponent/venue columns and prior-only averages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nba_ml.data.importer import GameData, load_directory
from nba_ml.modeling import availability, features, player_table
from nba_ml.modeling.ratings import ELO_HOME


@pytest.fixture(scope="module")
def players(two_seasons) -> pd.DataFrame:
    data: GameData = load_directory(two_seasons)
    return features.player_features(data.player_games, data.team_games)


def test_player_features_are_the_base_columns_plus_the_absences_and_the_regime() -> None:
    assert set(player_table.PLAYER_FEATURES) <= set(player_table.PLAYER_COLUMNS)
    assert not set(player_table.PLAYER_UNUSED) & set(player_table.PLAYER_FEATURES)
    assert (
        *player_table.PLAYER_BASE_FEATURES,
        *availability.PLAYER_AVAILABILITY,
        availability.PLAYER_KNOWN,
    ) == player_table.PLAYER_FEATURES
    assert availability.PLAYER_KNOWN not in player_table.PLAYER_BASE_FEATURES
    assert len(set(player_table.PLAYER_COLUMNS)) == len(player_table.PLAYER_COLUMNS)


def test_opponent_features_take_the_opponents_allowances_and_the_venue() -> None:
    own = pd.DataFrame({"elo": [1500.0, 1600.0, 1550.0]})
    opponent = pd.DataFrame(
        {
            "elo": [1520.0, 1500.0, 1550.0],
            "pts_allowed10": [110.0, 105.0, 100.0],
            "ast_allowed10": [25.0, 24.0, 23.0],
            "reb_allowed10": [44.0, 45.0, 46.0],
            "roster": [30.0, 31.0, 32.0],
        }
    )
    out = player_table.opponent_features(own, opponent, np.array([1.0, 0.0, np.nan]))
    np.testing.assert_allclose(out["elo_edge"], [-20.0 + ELO_HOME, 100.0 - ELO_HOME, 0.0])
    np.testing.assert_allclose(out["opp_pts_allowed"], [110.0, 105.0, 100.0])
    np.testing.assert_allclose(out["opp_reb_allowed"], [44.0, 45.0, 46.0])
    np.testing.assert_allclose(out["opp_roster"], [30.0, 31.0, 32.0])
    np.testing.assert_array_equal(out["is_home"], [1.0, 0.0, np.nan])


def test_averages_and_counts_use_the_players_earlier_games_only(players: pd.DataFrame) -> None:
    table = players.sort_values(["player_id", "game_date"], kind="mergesort")
    for _, rows in list(table.groupby("player_id"))[:20]:
        pts = rows["pts"].to_numpy(dtype=float)
        np.testing.assert_array_equal(rows["games_career"].to_numpy(), np.arange(len(rows)))
        for i in range(len(rows)):
            earlier = pts[max(0, i - 5) : i]
            expected = earlier.mean() if len(earlier) else np.nan
            np.testing.assert_allclose(rows["pts_l5"].iloc[i], expected, equal_nan=True)


def test_per_minute_rates_are_missing_below_thirty_career_minutes(players: pd.DataFrame) -> None:
    table = players.sort_values(["player_id", "game_date"], kind="mergesort")
    prior_minutes = table.groupby("player_id")["min"].transform(
        lambda m: m.shift(1).fillna(0).cumsum()
    )
    rate = table["pts_rate_career"]
    assert rate[prior_minutes <= 30].isna().all()
    assert rate[prior_minutes > 30].notna().all()
