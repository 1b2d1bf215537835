"""Features must never see the game they predict, and the vectorised helpers must be exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nba_ml.data.importer import GameData, load_directory
from nba_ml.modeling import features, ratings, rolling


@pytest.fixture(scope="module")
def data(two_seasons) -> GameData:
    return load_directory(two_seasons)


def _alter_from(data: GameData, cut: pd.Timestamp, seed: int) -> GameData:
    """Return a copy where every stat of every row dated on/after ``cut`` is scrambled."""
    rng = np.random.default_rng(seed)
    team = data.team_games.copy()
    later = team["game_date"] >= cut
    team.loc[later, "pts"] = rng.integers(60, 160, later.sum()).astype(float)
    team.loc[later, "opp_pts"] = rng.integers(60, 160, later.sum()).astype(float)
    for column in ("reb", "ast", "stl", "blk", "tov"):
        team.loc[later, column] = rng.integers(0, 60, later.sum()).astype(float)
    team.loc[later, "win"] = rng.integers(0, 2, later.sum()).astype(float)
    players = data.player_games.copy()
    later_p = players["game_date"] >= cut
    for column in ("min", "pts", "reb", "ast", "stl", "blk", "tov", "plus_minus"):
        players.loc[later_p, column] = rng.integers(0, 50, later_p.sum()).astype(float)
    return GameData(team, players)


@pytest.mark.parametrize("cut", ["2017-12-25", "2018-04-20", "2019-01-15"])
def test_features_of_a_day_ignore_that_day_and_later(data: GameData, cut: str) -> None:
    day = pd.Timestamp(cut)
    before_g = features.game_features(data.team_games, data.player_games)
    before_p = features.player_features(data.player_games, data.team_games)
    altered = _alter_from(data, day, seed=len(cut))
    after_g = features.game_features(altered.team_games, altered.player_games)
    after_p = features.player_features(altered.player_games, altered.team_games)

    upto_g = before_g["game_date"] <= day
    assert (before_g.loc[upto_g, "game_date"] == day).sum() > 0, "no game on the cut day"
    pd.testing.assert_frame_equal(
        before_g.loc[upto_g, ["game_id", *features.DIFF_FEATURES]].reset_index(drop=True),
        after_g.loc[upto_g, ["game_id", *features.DIFF_FEATURES]].reset_index(drop=True))
    upto_p = before_p["game_date"] <= day
    pd.testing.assert_frame_equal(
        before_p.loc[upto_p, ["game_id", "player_id", *features.PLAYER_COLUMNS]]
        .reset_index(drop=True),
        after_p.loc[upto_p, ["game_id", "player_id", *features.PLAYER_COLUMNS]]
        .reset_index(drop=True))
    # and the alteration did change later features (the test can detect a leak)
    later = before_g["game_date"] > day
    if later.any():
        assert not np.allclose(before_g.loc[later, "rot_pm_diff"],
                               after_g.loc[later, "rot_pm_diff"])


def test_a_games_own_result_does_not_change_its_features(data: GameData) -> None:
    team = data.team_games.copy()
    game_id = team["game_id"].iloc[len(team) // 2]
    mask = team["game_id"] == game_id
    team.loc[mask, "pts"] = team.loc[mask, "pts"].to_numpy()[::-1] + 40  # flip and inflate
    before = features.game_features(data.team_games, data.player_games).set_index("game_id")
    after = features.game_features(team, data.player_games).set_index("game_id")
    pd.testing.assert_series_equal(before.loc[game_id, list(features.GAME_FEATURES)],
                                   after.loc[game_id, list(features.GAME_FEATURES)])


def test_upcoming_rows_get_features_from_history_only(data: GameData) -> None:
    last = data.team_games["game_date"].max() + pd.Timedelta(days=200)
    upcoming = pd.DataFrame([
        {"season": "2019-20", "season_type": "Regular Season", "game_id": "x-BOS-PHI",
         "game_date": last, "team": "BOS", "opponent": "PHI", "is_home": True},
        {"season": "2019-20", "season_type": "Regular Season", "game_id": "x-BOS-PHI",
         "game_date": last, "team": "PHI", "opponent": "BOS", "is_home": False},
    ]).reindex(columns=data.team_games.columns)
    table = features.game_features(pd.concat([data.team_games, upcoming], ignore_index=True),
                                   data.player_games)
    row = table[table["game_id"] == "x-BOS-PHI"].iloc[0]
    assert np.isnan(row["home_win"])
    assert np.isfinite(row["rot_box_diff"]) and row["rest_diff"] == 0


def test_prior_mean_matches_pandas_shifted_rolling() -> None:
    rng = np.random.default_rng(1)
    groups = np.sort(rng.integers(0, 20, 500))
    values = rng.normal(10, 3, 500)
    values[rng.random(500) < 0.1] = np.nan
    starts = rolling.group_starts(groups)
    series = pd.Series(values)
    for window in (1, 5, 10):
        expected = series.groupby(groups).transform(
            lambda s, w=window: s.shift(1).rolling(w, min_periods=1).mean())
        np.testing.assert_allclose(rolling.prior_mean(values, starts, window), expected,
                                   equal_nan=True)
    expected = series.groupby(groups).transform(lambda s: s.shift(1).expanding().mean())
    np.testing.assert_allclose(rolling.prior_mean(values, starts, None), expected,
                               equal_nan=True)


def test_prior_ewm_matches_reference_loop() -> None:
    rng = np.random.default_rng(2)
    groups = np.sort(rng.integers(0, 15, 400))
    values = rng.normal(5, 2, 400)
    values[rng.random(400) < 0.1] = np.nan
    starts = rolling.group_starts(groups)
    fast = rolling.prior_ewm(values, starts, 8.0)
    slow = rolling.prior_ewm_loop(values, starts, 0.5 ** (1 / 8.0))
    np.testing.assert_allclose(fast, slow, equal_nan=True, rtol=1e-9)


def test_feature_rows_cover_every_game_and_player_game(data: GameData) -> None:
    games = features.game_features(data.team_games, data.player_games)
    players = features.player_features(data.player_games, data.team_games)
    assert len(games) == data.team_games["game_id"].nunique()
    assert len(players) == len(data.player_games)
    assert list(players.columns[-4:]) == ["min", "pts", "ast", "reb"]


def test_feature_tables_equal_the_two_separate_tables(data: GameData) -> None:
    # training builds both tables at once (the team sides computed once): the same rows
    games, players = features.feature_tables(data.team_games, data.player_games)
    pd.testing.assert_frame_equal(games, features.game_features(data.team_games,
                                                                data.player_games))
    pd.testing.assert_frame_equal(players, features.player_features(data.player_games,
                                                                    data.team_games))


@pytest.mark.parametrize("cut", ["2018-02-01"])
def test_team_sides_of_a_day_ignore_that_day_and_later(data: GameData, cut: str) -> None:
    # serving combines these sides itself: every side column must be leakage-free too
    day = pd.Timestamp(cut)
    before = features.team_sides(data.team_games, data.player_games)
    altered = _alter_from(data, day, seed=7)
    after = features.team_sides(altered.team_games, altered.player_games)
    key = ["game_id", "team"]
    before = before[before["game_date"] <= day].sort_values(key).reset_index(drop=True)
    after = after[after["game_date"] <= day].sort_values(key).reset_index(drop=True)
    assert (before["game_date"] == day).any()
    pd.testing.assert_frame_equal(before, after)


def test_inclusive_decayed_sum_matches_loop_and_resets_per_group() -> None:
    rng = np.random.default_rng(3)
    groups = np.sort(rng.integers(0, 12, 300))
    values = rng.normal(0, 4, 300)
    values[rng.random(300) < 0.1] = np.nan
    starts = rolling.group_starts(groups)
    fast = rolling.inclusive_decayed_sum(values, starts, 0.9)
    slow = rolling._inclusive_decayed_sum_loop(np.nan_to_num(values), starts, 0.9)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)
    first = starts == np.arange(300)
    np.testing.assert_allclose(fast[first], np.nan_to_num(values[first]))


def _tiny_season() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Team A plays 3 games (the third upcoming); player 1 plays all, player 2 only the first."""
    dates = pd.to_datetime(["2020-01-01", "2020-01-03", "2020-01-05"])
    team_rows, player_rows = [], []
    for i, day in enumerate(dates):
        played = i < 2
        game = f"g{i}"
        for team, opponent, home in (("A", "B", True), ("B", "A", False)):
            team_rows.append({"game_id": game, "team": team, "opponent": opponent,
                              "game_date": day, "is_home": home, "season": "2019-20",
                              "pts": 100.0 if played else np.nan})
        if played:
            player_rows.append({"game_id": game, "team": "A", "player_id": 1, "game_date": day,
                                "min": 30.0, "pts": 20.0, "reb": 4.0, "ast": 2.0, "stl": 1.0,
                                "blk": 0.0, "tov": 1.0, "plus_minus": 6.0})
        if i == 0:
            player_rows.append({"game_id": game, "team": "A", "player_id": 2, "game_date": day,
                                "min": 20.0, "pts": 10.0, "reb": 2.0, "ast": 1.0, "stl": 0.0,
                                "blk": 0.0, "tov": 0.0, "plus_minus": -4.0})
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
        expected_minutes[1] * pm_1 + expected_minutes[2] * pm_2)
    # team B never had a player row: no rotation, yet a row for each of its games
    assert out.loc[("g2", "B"), "rot_min"] != out.loc[("g2", "B"), "rot_min"]
