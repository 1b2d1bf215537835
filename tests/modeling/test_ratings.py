"""Elo, player ratings and rotation strength: computed game by game from earlier games only,
player ratings shrunk towards the league average until a player has minutes behind him."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nba_ml.modeling import ratings

DECAY = 0.5 ** (1 / ratings.RATING_HALFLIFE)  # one player game back
PRIOR = ratings.PRIOR_MINUTES


def _games(*rows: tuple[str, str, str, float, float, bool]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["home", "away", "season", "home_pts", "away_pts", "neutral"])


def _elo_shift(edge: float, margin: float, winner_edge: float, won: bool) -> float:
    """FiveThirtyEight's update, written out: K=20, (MOV+3)^0.8 / (7.5 + 0.006 * edge)."""
    expected = 1 / (1 + 10 ** (-edge / 400))
    return 20 * (margin + 3) ** 0.8 / (7.5 + 0.006 * winner_edge) * (won - expected)


def test_elo_starts_at_the_mean_and_moves_zero_sum_after_each_result() -> None:
    home, away = ratings.elo_ratings(
        _games(("A", "B", "2019-20", 110, 100, False), ("B", "A", "2019-20", 90, 105, False))
    )
    assert home[0] == away[0] == 1505.0
    shift = _elo_shift(100, 10, 100, True)  # equal teams, home edge 100, home won by 10
    assert shift == pytest.approx(6.92, abs=0.01)
    assert (home[1], away[1]) == pytest.approx((1505 - shift, 1505 + shift))  # B hosts A


def test_an_away_win_and_a_neutral_court() -> None:
    home, away = ratings.elo_ratings(
        _games(
            ("A", "B", "2019-20", 100, 104, False),
            ("C", "D", "2019-20", 104, 100, True),
            ("A", "B", "2019-20", np.nan, np.nan, False),
            ("C", "D", "2019-20", np.nan, np.nan, False),
        )
    )
    away_win = _elo_shift(100, 4, -100, False)  # the home side was favoured and lost
    assert away_win < 0
    assert (home[2], away[2]) == pytest.approx((1505 + away_win, 1505 - away_win))
    neutral = _elo_shift(0, 4, 0, True)  # no home edge: an even game
    assert neutral == pytest.approx(20 * 7**0.8 / 7.5 * 0.5)
    assert (home[3], away[3]) == pytest.approx((1505 + neutral, 1505 - neutral))


def test_unplayed_games_get_ratings_but_do_not_move_them() -> None:
    home, away = ratings.elo_ratings(
        _games(
            ("A", "B", "2019-20", 120, 100, False),
            ("A", "B", "2019-20", np.nan, np.nan, False),
            ("A", "B", "2019-20", np.nan, 99, False),
            ("A", "B", "2019-20", 100, 100, False),
        )
    )
    assert home[1] == home[2] == home[3] > 1505
    assert away[1] == away[2] == away[3] < 1505


def test_elo_regresses_a_quarter_towards_the_mean_between_seasons() -> None:
    home, away = ratings.elo_ratings(
        _games(
            ("A", "B", "2018-19", 120, 100, False),
            ("A", "B", "2018-19", np.nan, np.nan, False),
            ("A", "B", "2019-20", np.nan, np.nan, False),
            ("C", "A", "2019-20", np.nan, np.nan, False),
        )
    )
    after = home[1]
    assert home[2] == pytest.approx(0.75 * after + 0.25 * 1505)
    assert away[2] == pytest.approx(0.75 * away[1] + 0.25 * 1505)
    assert home[3] == 1505.0 and away[3] == home[2]  # a new team starts at the mean


def test_a_games_own_score_never_changes_its_pre_game_elo() -> None:
    rows = [
        ("A", "B", "2019-20", 110, 100, False),
        ("B", "C", "2019-20", 95, 99, False),
        ("C", "A", "2019-20", 101, 100, False),
        ("A", "B", "2019-20", 100, 90, False),
    ]
    before = ratings.elo_ratings(_games(*rows))
    rows[2] = ("C", "A", "2019-20", 80, 130, False)  # game 2's result flipped
    after = ratings.elo_ratings(_games(*rows))
    for side in (0, 1):
        np.testing.assert_array_equal(before[side][:3], after[side][:3])
    assert before[0][3] != after[0][3]  # the next game does see it


def _played(rows: list[dict]) -> pd.DataFrame:
    base = {
        "pts": 0.0,
        "reb": 0.0,
        "ast": 0.0,
        "stl": 0.0,
        "blk": 0.0,
        "tov": 0.0,
        "plus_minus": 0.0,
        "min": 0.0,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_player_value_weighs_the_box_score_and_counts_missing_stocks_as_zero() -> None:
    frame = _played(
        [
            {"pts": 20, "reb": 4, "ast": 2, "stl": 1, "blk": 0, "tov": 1},
            {"pts": 10, "reb": 2, "ast": 1, "stl": np.nan, "blk": np.nan, "tov": np.nan},
        ]
    )
    np.testing.assert_allclose(ratings.player_value(frame), [20 + 2 + 1.6 + 1 - 1, 10 + 1 + 0.8])


def test_one_short_game_is_shrunk_almost_to_the_league_average() -> None:
    frame = _played([{"player_id": 1, "min": 10.0, "pts": 10.0, "plus_minus": 10.0}])
    rated = ratings.player_ratings(frame, ("pts",))
    # per minute he was +1 and scored 1: with 10 of 260 minutes of evidence, about 0.04
    assert rated["pm"][0] == pytest.approx(10 / (10 + PRIOR))
    assert rated["box"][0] == pytest.approx((10 - ratings.LEAGUE_VALUE_RATE * 10) / (10 + PRIOR))
    assert rated["pts"][0] == pytest.approx(10 / (10 + PRIOR))


def test_ratings_approach_the_players_own_rate_as_minutes_accumulate() -> None:
    games = 200
    frame = _played([{"player_id": 1, "min": 30.0, "plus_minus": 30.0}] * games)  # +1 a minute
    pm = ratings.player_ratings(frame)["pm"]
    assert np.all(np.diff(pm) > 0) and np.all(pm < 1.0)
    assert pm[0] == pytest.approx(30 / (30 + PRIOR))
    mass = 30 * (1 - DECAY**games) / (1 - DECAY)  # decayed minutes after the last game
    assert pm[-1] == pytest.approx(mass / (mass + PRIOR)) and pm[-1] > 0.8


def test_ratings_update_game_by_game_with_decay_and_reset_per_player() -> None:
    frame = _played(
        [
            {"player_id": 1, "min": 30.0, "plus_minus": 6.0},
            {"player_id": 1, "min": 20.0, "plus_minus": -4.0},
            {"player_id": 1, "min": np.nan, "plus_minus": np.nan},  # a row of nothing
            {"player_id": 2, "min": 20.0, "plus_minus": -4.0},
        ]
    )
    pm = ratings.player_ratings(frame)["pm"]
    assert pm[0] == pytest.approx(6 / (30 + PRIOR))
    assert pm[1] == pytest.approx((6 * DECAY - 4) / (30 * DECAY + 20 + PRIOR))
    assert pm[2] == pytest.approx((6 * DECAY**2 - 4 * DECAY) / (30 * DECAY**2 + 20 * DECAY + PRIOR))
    assert pm[3] == pytest.approx(-4 / (20 + PRIOR))  # player 2 owes nothing to player 1


def _tiny_season() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Team A plays 3 games (the third upcoming); player 1 plays all, player 2 only the first."""
    dates = pd.to_datetime(["2020-01-01", "2020-01-03", "2020-01-05"])
    team_rows, player_rows = [], []
    for i, day in enumerate(dates):
        played = i < 2
        game = f"g{i}"
        for team, opponent, home in (("A", "B", True), ("B", "A", False)):
            team_rows.append(
                {
                    "game_id": game,
                    "team": team,
                    "opponent": opponent,
                    "game_date": day,
                    "is_home": home,
                    "season": "2019-20",
                    "pts": 100.0 if played else np.nan,
                }
            )
        if played:
            player_rows.append(
                {
                    "game_id": game,
                    "team": "A",
                    "player_id": 1,
                    "game_date": day,
                    "min": 30.0,
                    "pts": 20.0,
                    "reb": 4.0,
                    "ast": 2.0,
                    "stl": 1.0,
                    "blk": 0.0,
                    "tov": 1.0,
                    "plus_minus": 6.0,
                }
            )
        if i == 0:
            player_rows.append(
                {
                    "game_id": game,
                    "team": "A",
                    "player_id": 2,
                    "game_date": day,
                    "min": 20.0,
                    "pts": 10.0,
                    "reb": 2.0,
                    "ast": 1.0,
                    "stl": 0.0,
                    "blk": 0.0,
                    "tov": 0.0,
                    "plus_minus": -4.0,
                }
            )
    return pd.DataFrame(team_rows), pd.DataFrame(player_rows)


def test_rotation_strength_weights_recent_minutes_and_latest_ratings() -> None:
    team_games, player_games = _tiny_season()
    out = ratings.rotation_strength(player_games, team_games).set_index(["game_id", "team"])
    d = ratings.ROTATION_DECAY
    # the first game has no earlier game: no rotation
    assert np.isnan(out.loc[("g0", "A"), "rot_min"])
    # game 2: both players from game 1, full weight
    assert out.loc[("g1", "A"), "rot_min"] == pytest.approx(50.0)
    # game 3 (upcoming): player 1 played both earlier games, player 2 missed the latest
    expected_minutes = {1: 30.0, 2: 20.0 * d / (1 + d)}
    assert out.loc[("g2", "A"), "rot_min"] == pytest.approx(sum(expected_minutes.values()))
    decay = 0.5 ** (1 / ratings.RATING_HALFLIFE)
    pm_1 = (6.0 * decay + 6.0) / (30.0 * decay + 30.0 + ratings.PRIOR_MINUTES)
    pm_2 = -4.0 / (20.0 + ratings.PRIOR_MINUTES)
    assert out.loc[("g2", "A"), "rot_pm"] == pytest.approx(
        expected_minutes[1] * pm_1 + expected_minutes[2] * pm_2
    )
    # team B never had a player row: no rotation, yet a row for each of its games
    assert out.loc[("g2", "B"), "rot_min"] != out.loc[("g2", "B"), "rot_min"]


def test_a_teams_rotation_ignores_that_games_own_box_scores() -> None:
    team_games, player_games = _tiny_season()
    before = ratings.rotation_strength(player_games, team_games).set_index(["game_id", "team"])
    changed = player_games.copy()
    in_g1 = changed["game_id"] == "g1"
    changed.loc[in_g1, ["min", "pts", "plus_minus"]] = [48.0, 60.0, 40.0]
    after = ratings.rotation_strength(changed, team_games).set_index(["game_id", "team"])
    pd.testing.assert_series_equal(before.loc[("g1", "A")], after.loc[("g1", "A")])
    assert after.loc[("g2", "A"), "rot_pm"] > before.loc[("g2", "A"), "rot_pm"]
    assert after.loc[("g2", "A"), "rot_min"] > before.loc[("g2", "A"), "rot_min"]


def test_the_rotation_looks_back_five_games_and_names_its_players() -> None:
    days = pd.date_range("2020-01-01", periods=7, freq="2D")
    team_games = pd.DataFrame(
        {"game_id": [f"g{i}" for i in range(7)], "team": "A", "game_date": days}
    )
    rows = [
        {
            "game_id": f"g{i}",
            "team": "A",
            "player_id": 1,
            "game_date": day,
            "min": 30.0,
            "pts": 20.0,
            "reb": 5.0,
            "ast": 5.0,
            "stl": 1.0,
            "blk": 1.0,
            "tov": 2.0,
            "plus_minus": 3.0,
        }
        for i, day in enumerate(days[:6])
    ]
    rows.append({**rows[0], "player_id": 2, "min": 20.0})  # only in the first game
    strength, players = ratings.rotation(pd.DataFrame(rows), team_games, ("pts",))
    strength = strength.set_index("game_id")
    d = ratings.ROTATION_DECAY
    five_back = 20.0 * d**4 / sum(d**k for k in range(5))
    assert strength.loc["g5", "rot_min"] == pytest.approx(30.0 + five_back)
    assert strength.loc["g6", "rot_min"] == pytest.approx(30.0)  # player 2 is six games back
    by_game = players.groupby("game_id")["player_id"].apply(sorted).to_dict()
    assert by_game["g5"] == [1, 2] and by_game["g6"] == [1]
    assert "g0" not in by_game
    g6 = players[players["game_id"] == "g6"].iloc[0]
    assert g6["team"] == "A" and g6["expected_min"] == pytest.approx(30.0)
    # a rating per stat asked for: expected minutes times the stat's rate after his last game
    rate = ratings.player_ratings(pd.DataFrame(rows[:6]), ("pts",))["pts"][-1]
    assert strength.loc["g6", "rot_pts"] == pytest.approx(30.0 * rate)


def test_team_roster_strength_uses_the_previous_games_players() -> None:
    team_games, player_games = _tiny_season()
    out = ratings.team_roster_strength(player_games, team_games).set_index(["game_id", "team"])
    value_1, value_2 = 20 + 2 + 1.6 + 1 - 1, 10 + 1 + 0.8  # each player's box value a game
    assert np.isnan(out.loc[("g0", "A"), "roster"])
    assert out.loc[("g1", "A"), "roster"] == pytest.approx(value_1 + value_2)
    assert out.loc[("g1", "A"), "missing"] == pytest.approx(0.0)
    assert out.loc[("g2", "A"), "roster"] == pytest.approx(value_1)  # player 2 sat out g1
    typical = ((value_1 + value_2) + value_1) / 2
    assert out.loc[("g2", "A"), "missing"] == pytest.approx(typical - value_1)
    assert out.xs("B", level="team")["roster"].isna().all()
