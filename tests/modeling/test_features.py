"""Features must never see the game they predict (leakage), and cover every game and player-game."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nba_ml.data.importer import GameData, load_directory
from nba_ml.modeling import features, player_table


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
        before_g.loc[
            upto_g, ["game_id", *features.DIFF_FEATURES, *features.SCORING_FEATURES]
        ].reset_index(drop=True),
        after_g.loc[
            upto_g, ["game_id", *features.DIFF_FEATURES, *features.SCORING_FEATURES]
        ].reset_index(drop=True),
    )
    upto_p = before_p["game_date"] <= day
    pd.testing.assert_frame_equal(
        before_p.loc[upto_p, ["game_id", "player_id", *player_table.PLAYER_COLUMNS]].reset_index(
            drop=True
        ),
        after_p.loc[upto_p, ["game_id", "player_id", *player_table.PLAYER_COLUMNS]].reset_index(
            drop=True
        ),
    )
    # and the alteration did change later features (the test can detect a leak)
    later = before_g["game_date"] > day
    if later.any():
        assert not np.allclose(
            before_g.loc[later, "rot_pm_diff"], after_g.loc[later, "rot_pm_diff"]
        )


def test_a_games_own_result_does_not_change_its_features(data: GameData) -> None:
    team = data.team_games.copy()
    game_id = team["game_id"].iloc[len(team) // 2]
    mask = team["game_id"] == game_id
    team.loc[mask, "pts"] = team.loc[mask, "pts"].to_numpy()[::-1] + 40  # flip and inflate
    before = features.game_features(data.team_games, data.player_games).set_index("game_id")
    after = features.game_features(team, data.player_games).set_index("game_id")
    pd.testing.assert_series_equal(
        before.loc[game_id, list(features.GAME_FEATURES)],
        after.loc[game_id, list(features.GAME_FEATURES)],
    )


def test_upcoming_rows_get_features_from_history_only(data: GameData) -> None:
    last = data.team_games["game_date"].max() + pd.Timedelta(days=200)
    upcoming = pd.DataFrame(
        [
            {
                "season": "2019-20",
                "season_type": "Regular Season",
                "game_id": "x-BOS-PHI",
                "game_date": last,
                "team": "BOS",
                "opponent": "PHI",
                "is_home": True,
            },
            {
                "season": "2019-20",
                "season_type": "Regular Season",
                "game_id": "x-BOS-PHI",
                "game_date": last,
                "team": "PHI",
                "opponent": "BOS",
                "is_home": False,
            },
        ]
    ).reindex(columns=data.team_games.columns)
    table = features.game_features(
        pd.concat([data.team_games, upcoming], ignore_index=True), data.player_games
    )
    row = table[table["game_id"] == "x-BOS-PHI"].iloc[0]
    assert np.isnan(row["home_win"])
    assert np.isfinite(row["rot_box_diff"]) and row["rest_diff"] == 0


def test_feature_rows_cover_every_game_and_player_game(data: GameData) -> None:
    games = features.game_features(data.team_games, data.player_games)
    players = features.player_features(data.player_games, data.team_games)
    assert len(games) == data.team_games["game_id"].nunique()
    assert len(players) == len(data.player_games)
    assert list(players.columns[-4:]) == ["min", "pts", "ast", "reb"]


def test_feature_tables_equal_the_two_separate_tables(data: GameData) -> None:
    # training builds both tables at once (the team sides computed once): the same rows
    games, players = features.feature_tables(data.team_games, data.player_games)
    pd.testing.assert_frame_equal(games, features.game_features(data.team_games, data.player_games))
    pd.testing.assert_frame_equal(
        players, features.player_features(data.player_games, data.team_games)
    )


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


def test_who_played_on_a_day_moves_only_that_days_availability_terms(data: GameData) -> None:
    """The absence list is the one thing a game's own box score may tell its features: taking
    a rotation player out of a box score changes that game's availability terms (and later
    days' features, through his history), never an earlier day's, and never the terms built
    from history (minutes, stats and ratings of earlier games)."""
    from nba_ml.modeling import availability

    pg = data.player_games
    day = pd.Timestamp("2018-04-20")
    on_day = pg[pg["game_date"] == day].sort_values("min")
    star = on_day.iloc[-1]
    keep = ~((pg["game_id"] == star["game_id"]) & (pg["player_id"] == star["player_id"]))
    before_g, before_p = features.feature_tables(data.team_games, pg)
    after_g, after_p = features.feature_tables(data.team_games, pg[keep])

    upto = before_g["game_date"] < day
    pd.testing.assert_frame_equal(before_g[upto], after_g[upto])
    game = (before_g["game_id"] == star["game_id"]).to_numpy()
    history_terms = ["rest_diff", "b2b_diff", "rot_box_diff", "rot_pm_diff", "rot_min_diff"]
    pd.testing.assert_frame_equal(
        before_g.loc[game, history_terms], after_g.loc[game, history_terms]
    )
    assert not np.allclose(before_g.loc[game, "av_min_diff"], after_g.loc[game, "av_min_diff"])

    team_rows = (before_p["game_id"] == star["game_id"]) & (before_p["team"] == star["team"])
    mates_before = before_p[team_rows & (before_p["player_id"] != star["player_id"])]
    mates_after = after_p[
        (after_p["game_id"] == star["game_id"]) & (after_p["team"] == star["team"])
    ]
    mates_before, mates_after = (
        mates_before.reset_index(drop=True),
        mates_after.reset_index(drop=True),
    )
    history = [
        c
        for c in player_table.PLAYER_COLUMNS
        if c not in (*availability.PLAYER_AVAILABILITY, *availability.PLAYER_AVAILABILITY_MORE)
    ]
    pd.testing.assert_frame_equal(mates_before[history], mates_after[history])
    assert (mates_after["team_out_n"] == mates_before["team_out_n"] + 1).all()
    assert (mates_after["team_out_min"] > mates_before["team_out_min"]).all()


def test_scoring_features_are_each_sides_recent_points_for_and_against(data: GameData) -> None:
    games = features.game_features(data.team_games, data.player_games)
    sides = features.team_sides(data.team_games, data.player_games).set_index(["game_id", "team"])
    row = games[games["home_scored10"].notna()].iloc[-1]
    home = sides.loc[(row["game_id"], row["home"])]
    away = sides.loc[(row["game_id"], row["away"])]
    assert row["home_scored10"] == pytest.approx(home["margin10"] + home["pts_allowed10"])
    assert row["away_allowed10"] == pytest.approx(away["pts_allowed10"])
    assert row["total_recent"] == pytest.approx(
        (
            row["home_scored10"]
            + row["away_allowed10"]
            + row["away_scored10"]
            + row["home_allowed10"]
        )
        / 2
    )
