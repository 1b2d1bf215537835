"""BaselineResidualRegressor: predicts baseline + learned residual, fills missing baselines with
the median target of such rows, and behaves as a scikit-learn estimator (clone, pickle)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression

from nba_ml.modeling import estimators
from nba_ml.modeling.estimators import BaselineResidualRegressor, KnownListRegressor
from nba_ml.state.modelfile import TRUSTED_TYPES, dumps_model, loads_model

NAN = np.nan


def _frame(base: list[float], x: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"pts_ewm": base, "x": x})


def test_predicts_the_baseline_plus_the_learned_residual() -> None:
    X = _frame([10.0, 20.0, 30.0], [0.0, 0.0, 0.0])
    model = BaselineResidualRegressor(DummyRegressor(), "pts_ewm").fit(X, [12.0, 21.0, 33.0])
    # the residuals are 2, 1, 3: the dummy learns their mean, 2
    assert model.estimator_.constant_[0][0] == pytest.approx(2.0)
    np.testing.assert_allclose(model.predict(_frame([5.0, 100.0], [0.0, 0.0])), [7.0, 102.0])


def test_rows_without_a_baseline_start_from_the_median_target_of_such_rows() -> None:
    X = _frame([10.0, NAN, 20.0, NAN, NAN], [0.0] * 5)
    y = [11.0, 4.0, 21.0, 6.0, 30.0]
    model = BaselineResidualRegressor(DummyRegressor(strategy="median"), "pts_ewm").fit(X, y)
    assert model.fill_ == 6.0  # median of 4, 6, 30
    # residuals: 1, -2, 1, 0, 24; their median is 1
    np.testing.assert_allclose(model.predict(_frame([NAN, 8.0], [0.0, 0.0])), [7.0, 9.0])


def test_without_missing_baselines_the_fill_is_zero() -> None:
    model = BaselineResidualRegressor(DummyRegressor(), "pts_ewm").fit(
        _frame([1.0, 2.0], [0.0, 0.0]), [1.0, 2.0]
    )
    assert model.fill_ == 0.0
    assert model.predict(_frame([NAN], [0.0]))[0] == pytest.approx(0.0)


def test_the_inner_estimator_learns_what_moves_a_player_off_his_baseline() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 30, 50)
    x = rng.normal(0, 1, 50)
    X = _frame(list(base), list(x))
    model = BaselineResidualRegressor(LinearRegression(), "pts_ewm").fit(X, base + 2 * x - 1)
    # the residual does not depend on the baseline: its coefficient is 0, x's is 2
    np.testing.assert_allclose(model.estimator_.coef_, [0.0, 2.0], atol=1e-9)
    assert model.estimator_.intercept_ == pytest.approx(-1.0)
    np.testing.assert_allclose(model.predict(_frame([10.0], [3.0])), [15.0])
    assert model.score(X, base + 2 * x - 1) == pytest.approx(1.0)


def test_it_reports_its_inputs_and_leaves_the_given_estimator_unfitted() -> None:
    inner = LinearRegression()
    X = _frame([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    model = BaselineResidualRegressor(inner, "pts_ewm").fit(X, [1.0, 2.0, 4.0])
    assert list(model.feature_names_in_) == ["pts_ewm", "x"]  # the baseline is an input too
    assert model.n_features_in_ == 2
    assert not hasattr(inner, "coef_")  # fit clones it
    assert model.estimator_ is not inner


def test_it_clones_and_saves_like_any_scikit_learn_estimator() -> None:
    # the deployed shape: gradient boosting, which sees the raw (NaN) baseline as an input
    inner = HistGradientBoostingRegressor(max_iter=5, min_samples_leaf=1, random_state=0)
    model = BaselineResidualRegressor(inner, "pts_ewm")
    copy = clone(model)
    assert copy.get_params()["baseline"] == "pts_ewm"
    assert isinstance(copy.get_params()["estimator"], HistGradientBoostingRegressor)
    X = _frame([1.0, NAN, 3.0, 4.0, NAN, 2.0], [1.0, 0.0, 1.0, 2.0, 1.0, 0.0])
    y = [2.0, 5.0, 4.0, 7.0, 3.0, 2.0]
    fitted = copy.fit(X, y)
    assert fitted.fill_ == 4.0  # median of 5 and 3
    for restored in (
        pickle.loads(pickle.dumps(fitted)),  # how fitting workers return it
        _through_a_model_file(fitted),
    ):  # how model sets are saved
        np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
        assert np.isfinite(restored.predict(X)).all()


def _through_a_model_file(model: object) -> object:
    loaded, problem = loads_model(dumps_model(model))
    assert problem is None
    return loaded


def test_every_estimator_defined_here_is_a_type_model_files_may_hold() -> None:
    """Model files load only the types named in nba_ml.state.modelfile.TRUSTED_TYPES (the
    state layer cannot import this module): each estimator class here is named there exactly,
    so a renamed or new one fails here, not when a server loads a set."""
    defined = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in vars(estimators).values()
        if isinstance(cls, type)
        and issubclass(cls, BaseEstimator)
        and cls.__module__ == estimators.__name__
    ]
    assert defined == [
        "nba_ml.modeling.estimators.BaselineResidualRegressor",
        "nba_ml.modeling.estimators.KnownListRegressor",
    ]
    assert set(defined) <= set(TRUSTED_TYPES)


def test_a_missing_baseline_column_is_refused() -> None:
    model = BaselineResidualRegressor(DummyRegressor(), "ast_ewm")
    with pytest.raises(KeyError):
        model.fit(_frame([1.0], [0.0]), [1.0])


def _linear_rows(n: int = 40) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 30, n)
    x = rng.normal(0, 1, n)
    return _frame(list(base), list(x)), base + 2 * x + 1


def test_the_linear_part_takes_its_weight_of_the_residual() -> None:
    X, y = _linear_rows()
    model = BaselineResidualRegressor(
        DummyRegressor(), "pts_ewm", linear=LinearRegression(), linear_weight=0.25
    ).fit(X, y)
    residual = y - X["pts_ewm"].to_numpy()
    new = _frame([10.0, 20.0], [0.0, 3.0])
    # the dummy predicts the mean residual, the linear model the exact one (2 x + 1)
    expected = [
        10.0 + 0.75 * residual.mean() + 0.25 * 1.0,
        20.0 + 0.75 * residual.mean() + 0.25 * 7.0,
    ]
    np.testing.assert_allclose(model.predict(new), expected)
    np.testing.assert_allclose(model.linear_.coef_, [0.0, 2.0], atol=1e-9)


def test_without_a_weight_or_a_linear_model_there_is_no_linear_part() -> None:
    X, y = _linear_rows()
    for model in (
        BaselineResidualRegressor(DummyRegressor(), "pts_ewm"),
        BaselineResidualRegressor(
            DummyRegressor(), "pts_ewm", linear=LinearRegression(), linear_weight=0.0
        ),
    ):
        model.fit(X, y)
        assert model.linear_ is None
        plain = BaselineResidualRegressor(DummyRegressor(), "pts_ewm").fit(X, y)
        np.testing.assert_array_equal(model.predict(X), plain.predict(X))


def test_the_linear_part_is_fitted_on_a_fixed_draw_of_linear_rows() -> None:
    X, y = _linear_rows(200)
    y = y + np.random.default_rng(2).normal(0, 1, len(y))  # the draw now changes the fit

    def fitted(seed: int) -> np.ndarray:
        model = BaselineResidualRegressor(
            DummyRegressor(),
            "pts_ewm",
            linear=LinearRegression(),
            linear_weight=0.5,
            linear_rows=30,
            random_state=seed,
        )
        return model.fit(X, y).linear_.coef_

    np.testing.assert_array_equal(fitted(0), fitted(0))  # the same draw every time
    assert not np.allclose(fitted(0), fitted(1))
    small = BaselineResidualRegressor(
        DummyRegressor(), "pts_ewm", linear=LinearRegression(), linear_weight=0.5, linear_rows=30
    ).fit(X, y)
    assert small.linear_.n_features_in_ == 2
    every = BaselineResidualRegressor(
        DummyRegressor(),
        "pts_ewm",
        linear=LinearRegression(),
        linear_weight=0.5,
        linear_rows=10_000,
    ).fit(X, y)
    whole = LinearRegression().fit(X, y - X["pts_ewm"].to_numpy())
    np.testing.assert_allclose(every.linear_.coef_, whole.coef_)  # fewer rows than asked: all


def test_a_linear_fit_that_hits_its_iteration_cap_warns_nobody() -> None:
    import warnings

    from sklearn.linear_model import HuberRegressor

    X, y = _linear_rows()
    model = BaselineResidualRegressor(
        DummyRegressor(), "pts_ewm", linear=HuberRegressor(max_iter=1), linear_weight=0.5
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert np.isfinite(model.predict(X)).all()


def test_a_model_pickled_before_the_linear_part_existed_still_predicts() -> None:
    X, y = _linear_rows()
    model = BaselineResidualRegressor(DummyRegressor(), "pts_ewm").fit(X, y)
    expected = model.predict(X)
    for name in ("linear", "linear_weight", "linear_rows", "random_state", "linear_"):
        del model.__dict__[name]  # the attributes an earlier release's pickle lacks
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), expected)
    assert restored.get_params()["linear"] is None


def _regimes(known: list[float], out: list[float]) -> pd.DataFrame:
    rows = len(known)
    return pd.DataFrame({"pts_ewm": [10.0] * rows, "x": [0.0] * rows, "out": out, "known": known})


def _two_regimes(correction: object = None) -> KnownListRegressor:
    base = BaselineResidualRegressor(DummyRegressor(), "pts_ewm")
    return KnownListRegressor(base, correction, ("pts_ewm", "x"), ("out",), "known")


def test_without_a_list_it_is_the_base_model_and_with_one_the_correction_moves_it() -> None:
    """Issue #23's two regimes: rows whose list is unknown get exactly the no-list model's
    prediction, whatever their absence columns say; known rows add what the absences do."""
    # training rows, all known: 2 more points when a teammate is out
    X = _regimes([1.0] * 6, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    y = [11.0, 11.0, 11.0, 13.0, 13.0, 13.0]
    model = _two_regimes(LinearRegression()).fit(X, y)
    assert list(model.feature_names_in_) == ["pts_ewm", "x", "out", "known"]
    base = model.base_.predict(X[["pts_ewm", "x"]])
    np.testing.assert_allclose(base, [12.0] * 6)  # the mean residual over the average, 2
    unknown = _regimes([0.0, 0.0, NAN], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(model.predict(unknown), [12.0, 12.0, 12.0])
    listed = _regimes([1.0, 1.0], [0.0, 1.0])
    np.testing.assert_allclose(model.predict(listed), [11.0, 13.0])
    without = _two_regimes().fit(X, y)
    assert without.correction_ is None
    np.testing.assert_allclose(without.predict(listed), [12.0, 12.0])


def test_two_regimes_save_and_refit_the_correction_alone() -> None:
    X = _regimes([1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 2.0])
    y = [11.0, 13.0, 12.0, 15.0]
    inner = HistGradientBoostingRegressor(max_iter=5, min_samples_leaf=1, random_state=0)
    model = _two_regimes(inner).fit(X, y)
    restored = _through_a_model_file(model)
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    base = model.base_
    model.correction = LinearRegression()
    model.fit_correction(X, y)
    assert model.base_ is base and isinstance(model.correction_, LinearRegression)
    # at most correction_rows known rows, drawn at random: the same draw every time
    model.set_params(correction=DummyRegressor(strategy="median"), correction_rows=2)
    first = model.fit_correction(X, y).correction_.constant_.copy()
    np.testing.assert_array_equal(model.fit_correction(X, y).correction_.constant_, first)
