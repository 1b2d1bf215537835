"""Absence lists: who counts as out, what an absent player takes away, both game-model regimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nba_ml.data.importer import GameData, load_directory
from nba_ml.modeling import availability, features


def _rotation() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_id": [1, 1, 1, 2],
            "team": [0, 0, 0, 1],
            "player_id": [10, 11, 12, 20],
            "expected_min": [34.0, 20.0, 6.0, 30.0],
            "box": [0.2, 0.1, -0.1, 0.0],
            "pm": [0.1, -0.05, 0.0, 0.2],
            "pts": [0.8, 0.4, 0.3, 0.5],
            "ast": [0.2, 0.1, 0.05, 0.1],
            "reb": [0.3, 0.2, 0.1, 0.25],
        }
    )


def test_box_score_absent_lists_rotation_players_missing_from_the_box_score() -> None:
    team_games = pd.DataFrame(
        {"game_id": [1, 2], "team": [0, 1], "pts": [100.0, np.nan], "season": ["a", "a"]}
    )
    # player 10 played game 1; 11 (20 expected minutes) did not; 12 (6) did not but is no
    # rotation player; game 2 is upcoming: nobody is out from a box score
    player_games = pd.DataFrame(
        {"game_id": [1, 2], "team": [0, 1], "player_id": [10, 20], "pts": [20.0, np.nan]}
    )
    absent = availability.box_score_absent(player_games, team_games, _rotation(), min_minutes=15)
    assert absent.to_dict("records") == [{"game_id": 1, "team": 0, "player_id": 11}]
    blind = availability.box_score_absent(
        player_games, team_games, _rotation(), blind_seasons=("a",), min_minutes=15
    )
    assert blind.empty
    everyone = availability.box_score_absent(player_games, team_games, _rotation(), min_minutes=0)
    assert sorted(everyone["player_id"]) == [11, 12]


def test_out_sums_add_up_the_absent_players_minutes_and_ratings() -> None:
    absent = pd.DataFrame(
        {"game_id": [1, 1, 1, 2], "team": [0, 0, 0, 1], "player_id": [10, 11, 10, 99]}
    )
    sums = availability.out_sums(_rotation(), absent).set_index(["game_id", "team"])
    row = sums.loc[(1, 0)]
    assert row["out_n"] == 2  # the duplicate counts once
    assert row["out_min"] == pytest.approx(54.0)
    assert row["out_box"] == pytest.approx(34 * 0.2 + 20 * 0.1)
    assert row["out_pm"] == pytest.approx(34 * 0.1 - 20 * 0.05)
    assert row["out_pts"] == pytest.approx(34 * 0.8 + 20 * 0.4)
    assert row["out_reb"] == pytest.approx(34 * 0.3 + 20 * 0.2)
    assert (2, 1) not in sums.index  # player 99 is not in game 2's rotation: nothing to remove


def test_available_strength_is_the_rotation_less_the_absent() -> None:
    sides = pd.DataFrame(
        {
            "rot_box": [5.0, 3.0],
            "rot_pm": [2.0, 1.0],
            "rot_min": [240.0, 230.0],
            "out_min": [30.0, np.nan],
            "out_box": [2.0, np.nan],
            "out_pm": [1.5, np.nan],
        }
    )
    availability.add_available(sides)
    assert sides["av_box"].tolist() == [3.0, 3.0]
    assert sides["av_pm"].tolist() == [0.5, 1.0]
    assert sides["av_min"].tolist() == [210.0, 230.0]
    assert sides["out_n"].tolist() == [0.0, 0.0]  # missing columns: nobody known out
    assert sides[availability.KNOWN].tolist() == [0.0, 0.0]


def test_player_columns_give_the_team_and_opponent_absences() -> None:
    own = pd.DataFrame(
        {
            "out_n": [1.0],
            "out_min": [30.0],
            "av_min": [200.0],
            availability.KNOWN: [1.0],
            **{f"out_{s}": [v] for s, v in (("pts", 20.0), ("ast", 5.0), ("reb", 8.0))},
            **{f"rot_{s}": [v] for s, v in (("pts", 100.0), ("ast", 25.0), ("reb", 40.0))},
        }
    )
    opp = pd.DataFrame({"out_n": [2.0], "out_min": [50.0]})
    columns = availability.player_columns(own, opp, np.array([25.0]))
    assert set(columns) == {
        *availability.PLAYER_AVAILABILITY,
        availability.PLAYER_KNOWN,
        *availability.PLAYER_AVAILABILITY_MORE,
    }
    assert columns[availability.PLAYER_KNOWN][0] == 1.0  # his team's list is known
    assert columns["team_out_pts_share"][0] == pytest.approx(0.2)
    assert columns["min_share_available"][0] == pytest.approx(25 / 200)
    assert columns["opp_out_n"][0] == 2.0
    assert columns["team_out_ast_share"][0] == pytest.approx(0.2)
    assert columns["min_expected_available"][0] == pytest.approx(25 + 25 / 200 * 30)


def test_known_diffs_and_blind_copies_give_the_game_model_both_regimes() -> None:
    games = pd.DataFrame(
        {
            "rot_box_diff": [4.0, 1.0],
            "rot_pm_diff": [2.0, 1.0],
            "rot_min_diff": [0.0, 5.0],
            "av_box_diff": [1.0, 1.0],
            "av_pm_diff": [0.5, 1.0],
            "av_min_diff": [-30.0, 5.0],
            f"home_{availability.KNOWN}": [1.0, 0.0],
            f"away_{availability.KNOWN}": [1.0, 1.0],
        }
    )
    availability.add_known_diffs(games)
    assert games["known_box_diff"].tolist() == [1.0, 0.0]  # the second game's home list unknown
    doubled = availability.with_blind_copies(games)
    assert len(doubled) == 3
    copy = doubled.iloc[2]
    assert copy["av_box_diff"] == 4.0 and copy["av_min_diff"] == 0.0
    assert copy["known_box_diff"] == 0.0 and copy[f"home_{availability.KNOWN}"] == 0.0


@pytest.fixture(scope="module")
def synthetic(synthetic_seasons) -> GameData:
    return load_directory(synthetic_seasons)


def _without_player(data: GameData) -> tuple[GameData, object, object, int]:
    """Return the data with the busiest player of one late game taken out of its box score."""
    pg = data.player_games
    late = pg[pg["game_date"] == pg["game_date"].sort_values().unique()[-20]]
    star = late.sort_values("min").iloc[-1]
    keep = ~((pg["game_id"] == star["game_id"]) & (pg["player_id"] == star["player_id"]))
    return (
        GameData(data.team_games, pg[keep]),
        star["game_id"],
        star["team"],
        int(star["player_id"]),
    )


def test_a_player_missing_from_a_box_score_is_out_of_that_game(synthetic: GameData) -> None:
    altered, game_id, team, _ = _without_player(synthetic)
    before = features.team_sides(synthetic.team_games, synthetic.player_games).set_index(
        ["game_id", "team"]
    )
    after = features.team_sides(altered.team_games, altered.player_games).set_index(
        ["game_id", "team"]
    )
    assert after.loc[(game_id, team), "out_n"] == before.loc[(game_id, team), "out_n"] + 1
    assert after.loc[(game_id, team), "av_min"] < before.loc[(game_id, team), "av_min"]
    assert after.loc[(game_id, team), "rot_min"] == before.loc[(game_id, team), "rot_min"]
    # blind: the same game knows nothing
    _, players = features.feature_tables(
        altered.team_games, altered.player_games, blind_seasons=("2018-19",)
    )
    rows = players[(players["game_id"] == game_id) & (players["team"] == team)]
    assert (rows["team_out_n"] == 0).all()
    games = features.game_features(altered.team_games, altered.player_games)
    assert set(availability.KNOWN_DIFFS) <= set(games.columns)
