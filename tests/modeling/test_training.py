"""Training: the holdout rule, the refusal of thin or empty data, the data fingerprint, and the
manifest's training record of a set trained on small synthetic seasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nba_ml import modelset
from nba_ml.data.importer import GameData, empty_game_data, load_directory
from nba_ml.errors import DataError
from nba_ml.modeling import evaluation, models, training
from tests.modelsets import GAME_MODEL, PLAYER_MODELS


def _season(label: str, first: str, played: int, upcoming: int = 0) -> pd.DataFrame:
    """One game a day from ``first``: ``played`` with a result, then ``upcoming`` without."""
    days = pd.date_range(first, periods=played + upcoming, freq="D")
    result = [1.0 if i % 2 else 0.0 for i in range(played)] + [np.nan] * upcoming
    return pd.DataFrame({"season": label, "game_date": days, "home_win": result})


def _games(*seasons: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(seasons, ignore_index=True)


def test_the_holdout_is_the_latest_season_with_enough_played_games() -> None:
    games = _games(_season("2018-19", "2018-10-16", 150), _season("2019-20", "2019-10-22", 100))
    assert training.choose_holdout(games) == ("season 2019-20", pd.Timestamp("2019-10-22"))


def test_a_latest_season_too_short_leaves_the_holdout_on_the_one_before() -> None:
    # 99 played games (upcoming ones do not count): the season before is held out
    games = _games(
        _season("2017-18", "2017-10-17", 120),
        _season("2018-19", "2018-10-16", 120),
        _season("2019-20", "2019-10-22", 99, upcoming=30),
    )
    assert training.choose_holdout(games) == ("season 2018-19", pd.Timestamp("2018-10-16"))


def test_seasons_are_ordered_by_year_not_by_row_order() -> None:
    games = _games(_season("2019-20", "2019-10-22", 120), _season("2018-19", "2018-10-16", 120))
    assert training.choose_holdout(games)[0] == "season 2019-20"


def test_without_an_earlier_season_the_holdout_is_the_last_fifth_of_game_dates() -> None:
    one = _season("2019-20", "2019-10-22", 150, upcoming=40)
    cut = pd.Timestamp("2019-10-22") + pd.Timedelta(days=120)  # played dates[int(150 * 0.8)]
    assert training.choose_holdout(one) == (f"games from {cut:%Y-%m-%d}", cut)
    # the first season is never held out, even when only it is long enough
    two = _games(_season("2018-19", "2018-10-16", 200), _season("2019-20", "2019-10-22", 50))
    name, start = training.choose_holdout(two)
    assert name == "games from 2019-10-22" and start == pd.Timestamp("2019-10-22")


def test_fewer_than_ten_played_dates_are_too_little_to_train() -> None:
    nine = _games(
        _season("2019-20", "2019-10-22", 9, upcoming=20), _season("2019-20", "2019-10-22", 9)
    )  # two games a day, on 9 days
    with pytest.raises(
        DataError,
        match=r"^too little data to train and evaluate "
        r"\(18 played games\)$",
    ):
        training.choose_holdout(nine)
    ten = _season("2019-20", "2019-10-22", 10)
    assert training.choose_holdout(ten) == ("games from 2019-10-30", pd.Timestamp("2019-10-30"))


def test_empty_tables_are_refused_before_any_work() -> None:
    empty = empty_game_data()
    with pytest.raises(DataError, match=r"^no team game logs to train on$"):
        training.build_feature_tables(empty)
    with pytest.raises(DataError, match=r"^no team game logs to train on$"):
        training.train_model_set(empty)


@pytest.fixture(scope="module")
def data(synthetic_seasons: Path) -> GameData:
    return load_directory(synthetic_seasons)


def test_team_logs_without_player_logs_are_refused(data: GameData) -> None:
    only_teams = GameData(data.team_games, empty_game_data().player_games)
    with pytest.raises(DataError, match=r"^no player game logs to train on$"):
        training.build_feature_tables(only_teams)


def test_the_fingerprint_follows_the_values_not_the_index(data: GameData) -> None:
    fingerprint = training.data_fingerprint(data)
    assert len(fingerprint) == 64 and int(fingerprint, 16) >= 0
    renumbered = GameData(
        data.team_games.set_axis(data.team_games.index + 1000), data.player_games, data.sources
    )
    assert training.data_fingerprint(renumbered) == fingerprint
    changed = data.player_games.copy()
    changed.loc[changed.index[-1], "pts"] += 1
    assert training.data_fingerprint(GameData(data.team_games, changed)) != fingerprint


def test_thin_data_is_a_data_error_naming_the_shortfall(data: GameData, quick_models: None) -> None:
    first_days = sorted(data.team_games["game_date"].unique())[:14]
    thin = GameData(
        data.team_games[data.team_games["game_date"].isin(first_days)],
        data.player_games[data.player_games["game_date"].isin(first_days)],
    )
    with pytest.raises(
        DataError,
        match=r"^cannot train: too few played games to train the game "
        r"model \(\d+\)$",
    ):
        training.train_model_set(thin, jobs=1)


@pytest.fixture(scope="module")
def trained(data: GameData, quick_models: None) -> training.TrainedSet:
    return training.train_model_set(data, jobs=1)


def test_the_training_record_describes_the_data_and_its_holdout(
    data: GameData, trained: training.TrainedSet
) -> None:
    record = trained.training
    assert record["seasons"] == ["2017-18", "2018-19"]
    assert record["first_game_date"] == "2017-10-17"
    games = int(data.team_games["is_home"].sum())  # one row per game on each side
    assert record["rows"] == {
        "games": games,
        "team_games": len(data.team_games),
        "player_games": len(data.player_games),
    }
    held_out = data.team_games[data.team_games["season"] == "2018-19"]
    assert record["holdout"] == {
        "name": "season 2018-19",
        "start": f"{held_out['game_date'].min():%Y-%m-%d}",
        "games": int(held_out["is_home"].sum()),
        "player_games": int((data.player_games["season"] == "2018-19").sum()),
    }
    assert record["last_game_date"] == f"{held_out['game_date'].max():%Y-%m-%d}"
    assert record["data_sha256"] == training.data_fingerprint(data)
    assert record["seconds"] >= 0


def test_holdout_figures_come_from_models_fitted_before_the_holdout(
    trained: training.TrainedSet,
) -> None:
    record, tables = trained.training, trained.tables
    assert tables is not None and trained.evaluation_models is not None
    start = pd.Timestamp(record["holdout"]["start"])
    before_p = tables.players[tables.players["game_date"] < start]
    after_g = tables.games[tables.games["game_date"] >= start]
    after_p = tables.players[tables.players["game_date"] >= start]
    figures = evaluation.evaluate(trained.evaluation_models, before_p, after_g, after_p)
    assert set(record["metrics"]) == set(modelset.MODEL_NAMES)
    for name, values in record["metrics"].items():
        assert "calibration" not in values
        for key, value in values.items():
            assert value == pytest.approx(figures[name][key], rel=1e-12), (name, key)
    assert record["calibration"] == figures[GAME_MODEL]["calibration"]
    assert sum(row["count"] for row in record["calibration"]) == record["holdout"]["games"]
    assert record["metrics"]["points"]["n"] == record["holdout"]["player_games"]


def test_the_deployed_set_is_fitted_on_all_the_data(trained: training.TrainedSet) -> None:
    assert set(trained.models) == set(modelset.MODEL_NAMES)
    assert trained.tables is not None
    rows = trained.tables.players.iloc[-200:]
    deployed = models.predict_stat(trained.models["points"], rows)
    evaluation = models.predict_stat(trained.evaluation_models["points"], rows)
    assert np.isfinite(deployed).all() and not np.allclose(deployed, evaluation)
    assert trained.models["points"].base_.baseline == "pts_ewm"  # the no-list regime's


def test_the_evaluation_models_are_fitted_on_exactly_the_rows_before_the_holdout(
    trained: training.TrainedSet,
) -> None:
    # fitting is deterministic: refitting on the rows before the holdout gives the same models
    assert trained.tables is not None and trained.evaluation_models is not None
    start = pd.Timestamp(trained.training["holdout"]["start"])
    games, players = trained.tables.games, trained.tables.players
    before_g, before_p = games[games["game_date"] < start], players[players["game_date"] < start]
    rows = players.iloc[-300:]
    for name, stat in PLAYER_MODELS.items():
        np.testing.assert_array_equal(
            models.predict_stat(trained.evaluation_models[name], rows),
            models.predict_stat(models.fit_player_model(before_p, stat), rows),
            err_msg=name,
        )
    np.testing.assert_array_equal(
        models.predict_home_win(trained.evaluation_models[GAME_MODEL], games),
        models.predict_home_win(models.fit_game_model(before_g), games),
    )
    # and the deployed set on every row
    np.testing.assert_array_equal(
        models.predict_stat(trained.models["points"], rows),
        models.predict_stat(models.fit_player_model(players, "pts"), rows),
    )
