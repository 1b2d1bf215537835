"""The game model is calibrated and beats the round-one model on the tuning season; fitting
reports its progress; fitting in worker processes, with one binning per training set, gives the
very models a plain fit gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nba_ml import modelset, progress
from nba_ml.data.importer import load_directory
from nba_ml.modeling import evaluation, features, model_factories, models, player_table
from tests.modelsets import GAME_MODEL, PLAYER_MODELS
from tests.synthetic import write_seasons


@pytest.fixture(scope="module")
def tables(two_seasons: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The real 2017-18 and 2018-19 (skips without ../shared)."""
    data = load_directory(two_seasons)
    return features.feature_tables(data.team_games, data.player_games)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two small synthetic seasons (~6,500 player-games)."""
    data = load_directory(write_seasons(tmp_path_factory.mktemp("seasons")))
    return features.feature_tables(data.team_games, data.player_games)


def one_thread() -> object:
    """OpenMP limited to one thread (as in the fitting workers): on a busy machine, threads
    make a fit on a few thousand rows take seconds instead of a fraction of one."""
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _predictions(
    fitted: dict[str, object], games: pd.DataFrame, players: pd.DataFrame
) -> dict[str, np.ndarray]:
    out = {name: models.predict_stat(fitted[name], players) for name in PLAYER_MODELS}
    out[GAME_MODEL] = models.predict_home_win(fitted[GAME_MODEL], games)
    return out


def test_fitting_in_workers_with_shared_binning_gives_the_plain_models(synthetic) -> None:
    # the training's two sets (before the holdout, all) in 2 workers, each set's rows sent and
    # binned once, against each model fitted on its own in this process
    games, players = synthetic
    cut = players["game_date"].quantile(0.7)
    before = (games[games["game_date"] < cut], players[players["game_date"] < cut])
    holdout = players[players["game_date"] >= cut]
    fitted, predicted = models.fit_and_predict([before, (games, players)], holdout, jobs=2)
    with one_thread():
        for set_rows, models_of_set in zip([before, (games, players)], fitted, strict=True):
            plain = {
                name: models.fit_player_model(set_rows[1], stat)
                for name, stat in PLAYER_MODELS.items()
            }
            plain[GAME_MODEL] = models.fit_game_model(set_rows[0])
            ours, theirs = (_predictions(m, games, players) for m in (models_of_set, plain))
            for name in ours:
                assert np.array_equal(ours[name], theirs[name]), name
        assert set(predicted) == set(PLAYER_MODELS)
        for name in PLAYER_MODELS:  # the first set's models predicted the holdout rows
            assert np.array_equal(predicted[name], models.predict_stat(fitted[0][name], holdout))


def test_one_binning_serves_every_model_of_a_matrix(synthetic) -> None:
    _, players = synthetic
    with one_thread():
        _check_binning_is_lent(players)


def _private_binning_as_expected() -> bool:
    """Whether this scikit-learn's private ``_bin_data`` is the one the loan relies on (at the
    1.3 floor it is not, and the fits bin as usual)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    from nba_ml import compat

    return compat.bin_data_method(HistGradientBoostingRegressor()) is not None


def _check_binning_is_lent(players: pd.DataFrame) -> None:
    data = models._player_inputs(players, None)
    assert len(data) == 1 and set(data[0].targets) == set(PLAYER_MODELS)  # by model name
    by_stat = {spec.target: spec for spec in models.player_specs()}
    first = models._fit_player_task(data[0], by_stat["pts"])[0]
    kept = dict(data[0].bins)
    if not _private_binning_as_expected():  # another scikit-learn: it bins as usual
        assert kept == {}
        plain = models.fit_player_model(players, "pts")
        assert np.array_equal(
            models.predict_stat(first, players), models.predict_stat(plain, players)
        )
        return
    assert len(kept) == 2  # the training rows' binning and the validation rows'
    second = models._fit_player_task(data[0], by_stat["ast"])[0]
    assert data[0].bins.keys() == kept.keys()  # lent, not redone
    assert second.base_.estimator_._bin_mapper is first.base_.estimator_._bin_mapper
    plain = models.fit_player_model(players, "ast")
    assert np.array_equal(models.predict_stat(second, players), models.predict_stat(plain, players))
    assert "_bin_data" not in vars(second.base_.estimator_)  # nothing of the loan is saved
    # what a worker receives carries no binning (each process bins for itself)
    import pickle

    assert pickle.loads(pickle.dumps(data[0])).bins == {}


def test_game_model_fitted_on_2017_18_is_calibrated_on_2018_19(tables) -> None:
    games, _ = tables
    train = games[games["season"] == "2017-18"]
    test = games[(games["season"] == "2018-19") & games["home_win"].notna()]
    model = models.fit_game_model(train)
    figures = evaluation.game_metrics(
        models.predict_home_win(model, test), test["home_win"].to_numpy()
    )
    # round one (Elo, margins, last-game roster) scored 0.2133 here; the rotation model 0.2083
    assert figures["brier"] < 0.2100
    predicted = models.predict_home_win(model, test)
    assert abs(predicted.mean() - test["home_win"].mean()) < 0.03
    for row in figures["calibration"]:
        if row["count"] >= 100:
            assert abs(row["predicted"] - row["observed"]) < 0.08, row


def test_fit_sets_reports_each_player_model(tables) -> None:
    games, players = tables
    small_p = players[players["season"] == "2017-18"].iloc[:3000]
    small_g = games[games["season"] == "2017-18"]
    seen: list[tuple[str, int, int | None]] = []
    with progress.reporting_to(lambda step, done, total: seen.append((step, done, total))):
        fitted = models.fit_sets([(small_g, small_p)], jobs=1)
    assert set(fitted[0]) == set(modelset.MODEL_NAMES)
    fits = [(done, total) for step, done, total in seen if step == "fitting the player models"]
    assert fits == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert np.isfinite(models.predict_stat(fitted[0]["points"], small_p.iloc[:50])).all()


def test_a_set_trained_on_the_previous_features_still_predicts(tables) -> None:
    # an installed set from before the rotation features keeps serving until retrained
    games, _ = tables
    old = (
        "elo_diff",
        "rest_diff",
        "b2b_diff",
        "margin10_diff",
        "margin_season_diff",
        "roster_diff",
        "missing_diff",
    )
    played = games[games["home_win"].notna()]
    model = model_factories.make_game_model().fit(
        played[list(old)].astype(float), played["home_win"].astype(int)
    )
    probabilities = models.predict_home_win(model, games.iloc[-20:])
    assert ((probabilities > 0) & (probabilities < 1)).all()


@pytest.fixture(scope="module")
def points_model(synthetic) -> object:
    """The points model fitted on the synthetic seasons (one fit for the tests below)."""
    with one_thread():
        return models.fit_player_model(synthetic[1], "pts")


def test_player_models_blend_boosting_with_a_robust_linear_fit(synthetic, points_model) -> None:
    _, players = synthetic
    model = points_model.base_  # the no-list regime
    assert model.linear_weight == model_factories.PLAYER_LINEAR_WEIGHT
    assert model.linear_rows == model_factories.PLAYER_LINEAR_ROWS
    assert type(model.linear_[-1]).__name__ == "HuberRegressor"
    assert list(model.linear_.feature_names_in_) == list(player_table.PLAYER_BASE_FEATURES)
    # the prediction is the baseline plus the weighted residuals of the two parts
    rows = players[players["pts"].notna()].head(50)
    matrix = rows[list(player_table.PLAYER_BASE_FEATURES)].astype(float)
    w = model_factories.PLAYER_LINEAR_WEIGHT
    expected = (
        model._base(matrix)
        + (1 - w) * model.estimator_.predict(matrix)
        + w * model.linear_.predict(matrix)
    )
    np.testing.assert_allclose(model.predict(matrix), expected)
    assert not np.allclose(model.linear_.predict(matrix), model.estimator_.predict(matrix))


def test_the_fitting_pool_never_starts_more_workers_than_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --jobs 64 started 64 fitting workers for 6 fits (3.4 GB after 12 s)
    from nba_ml.modeling import workers

    started: list[int] = []

    class Recorder:
        def __init__(self, jobs: int, *_: object, **__: object) -> None:
            started.append(jobs)

        def __enter__(self) -> Recorder:
            return self

        def __exit__(self, *_: object) -> None:
            return None

    monkeypatch.setattr(workers, "Pool", Recorder)
    for jobs, fits, expected in ((64, 6, 6), (3, 6, 3), (None, 1, None), (1, 6, None)):
        started.clear()
        with models.fitting_pool(jobs, fits) as pool:
            assert (pool is None) == (expected is None)
        assert started == ([] if expected is None else [expected])


def test_player_models_have_a_regime_for_rows_without_a_list(synthetic, points_model) -> None:
    """Issue #23: a row whose team's absence list is unknown gets the no-list model's
    prediction (the model before availability, on its own features), one with a list that
    plus the correction the absences call for."""
    from nba_ml.modeling import availability

    _, players = synthetic
    model = points_model
    assert list(model.feature_names_in_) == list(player_table.PLAYER_FEATURES)
    assert model.correction_ is not None  # training rows all know their lists
    rows = players[players["pts"].notna()].tail(200).copy()
    assert (rows[availability.PLAYER_KNOWN] == 1).all()
    base = model.base_.predict(rows[list(player_table.PLAYER_BASE_FEATURES)].astype(float))
    known = models.predict_stat(model, rows)
    assert not np.allclose(known, np.maximum(base, 0.0))
    rows[availability.PLAYER_KNOWN] = 0.0
    rows[list(availability.PLAYER_AVAILABILITY)] = 0.0
    np.testing.assert_allclose(models.predict_stat(model, rows), np.maximum(base, 0.0))
