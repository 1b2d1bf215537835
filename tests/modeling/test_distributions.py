"""Predictive distributions: counts on the integers, widths that follow the scale model,
line probabilities (push on whole lines), and the scores (coverage, PIT, CRPS, Brier)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression

from nba_ml.modeling import distributions as dist
from nba_ml.modeling.estimators import BaselineResidualRegressor


def _heteroscedastic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Rows whose noise is 1 or 4 counts wide, by a feature the scale model sees."""
    rng = np.random.default_rng(seed)
    wide = rng.integers(0, 2, n).astype(float)
    center = rng.uniform(5, 25, n)
    y = np.maximum(np.round(center + rng.normal(0, 1 + 3 * wide)), 0)
    return pd.DataFrame({"wide": wide}), y, center


def test_cdf_is_a_distribution_on_the_counts() -> None:
    X, y, center = _heteroscedastic(4000, 0)
    model = dist.ScaledResidualDistribution(LinearRegression(), bands=3).fit(X, y, center)
    cdf = model.cdf(X.iloc[:50], center[:50], ceiling=60)
    assert cdf.shape == (50, 61)
    assert (np.diff(cdf, axis=1) >= 0).all()
    assert ((cdf >= 0) & (cdf <= 1)).all()
    np.testing.assert_allclose(cdf[:, -1], 1.0)


def test_width_follows_the_scale_model_and_intervals_cover_their_level() -> None:
    X, y, center = _heteroscedastic(20000, 1)
    model = dist.ScaledResidualDistribution(LinearRegression(), bands=1).fit(X, y, center)
    X_new, y_new, center_new = _heteroscedastic(20000, 2)
    cdf = model.cdf(X_new, center_new, ceiling=60)
    q = dist.count_quantiles(cdf, (0.1, 0.9))
    width = q[:, 1] - q[:, 0]
    wide = X_new["wide"].to_numpy() == 1
    assert width[wide].mean() > 3 * width[~wide].mean()
    lower, upper = dist.count_pit(cdf, y_new)
    for level, share in dist.coverage(lower, upper).items():
        assert share == pytest.approx(int(level) / 100, abs=0.02)
    # one global band (no scale model) cannot tell the rows apart
    flat = dist.ScaledResidualDistribution(None, bands=1).fit(X, y, center)
    q_flat = dist.count_quantiles(flat.cdf(X_new, center_new, ceiling=60), (0.1, 0.9))
    assert np.ptp(q_flat[:, 1] - q_flat[:, 0]) <= 1


def test_widen_multiplies_the_scale() -> None:
    X, y, center = _heteroscedastic(2000, 3)
    plain = dist.ScaledResidualDistribution(LinearRegression(), 1).fit(X, y, center)
    wider = dist.ScaledResidualDistribution(LinearRegression(), 1, widen=1.5).fit(X, y, center)
    np.testing.assert_allclose(wider.scale(X), 1.5 * plain.scale(X))


def test_line_probabilities_half_and_whole_lines() -> None:
    # P(y = 0..3) = 0.1, 0.2, 0.3, 0.4
    cdf = np.array([[0.1, 0.3, 0.6, 1.0]])
    half = dist.line_probabilities(cdf, 1.5)
    assert half["over"][0] == pytest.approx(0.7)  # y >= 2
    assert half["under"][0] == pytest.approx(0.3)
    assert half["push"][0] == pytest.approx(0.0)
    whole = dist.line_probabilities(cdf, 2)
    assert whole["over"][0] == pytest.approx(0.4)
    assert whole["push"][0] == pytest.approx(0.3)
    assert whole["under"][0] == pytest.approx(0.3)
    assert dist.line_probabilities(cdf, 0)["under"][0] == 0.0
    assert dist.line_probabilities(cdf, 10)["over"][0] == pytest.approx(0.0)


def test_count_quantiles_and_crps() -> None:
    cdf = np.array([[0.1, 0.3, 0.6, 1.0]])
    np.testing.assert_array_equal(
        dist.count_quantiles(cdf, (0.05, 0.3, 0.5, 0.95))[0], [0, 1, 2, 3]
    )
    # sum over k of (F(k) - 1[y <= k])^2 with y = 2
    assert dist.count_crps(cdf, np.array([2.0])) == pytest.approx(0.01 + 0.09 + 0.16 + 0.0)
    # a point mass on the outcome scores 0
    assert dist.count_crps(np.array([[0.0, 1.0, 1.0]]), np.array([1.0])) == 0.0


def test_normal_crps_matches_its_integral() -> None:
    grid = np.linspace(-60, 60, 240001)
    cdf = 0.5 * (1 + np.vectorize(__import__("math").erf)((grid - 2.0) / (3.0 * np.sqrt(2))))
    numeric = np.trapezoid((cdf - (grid >= 5.0)) ** 2, grid)
    assert dist.normal_crps(np.array([2.0]), 3.0, np.array([5.0])) == pytest.approx(
        numeric, rel=1e-4
    )


def test_pit_share_counts_the_part_of_a_range_inside() -> None:
    lower, upper = np.array([0.2, 0.5]), np.array([0.6, 0.5])
    # first row: 0.3-0.6 of 0.2-0.6 is inside [0.3, 1]; second: a point inside
    assert dist.pit_share(lower, upper, 0.3, 1.0) == pytest.approx((0.75 + 1.0) / 2)
    hist = dist.pit_histogram(lower, upper, bins=5)
    assert sum(hist) == pytest.approx(1.0)


def test_baseline_cdfs() -> None:
    poisson = dist.poisson_cdf(np.array([2.0]), ceiling=30)
    assert poisson[0, 0] == pytest.approx(np.exp(-2.0))
    normal = dist.normal_count_cdf(np.array([10.0]), np.array([2.0]), ceiling=40)
    assert normal[0, 10] == pytest.approx(0.5 + 0.0987, abs=1e-3)  # P(z <= 0.25)
    quantiles, levels = dist.empirical_residuals(np.array([-1.0, 0.0, 1.0] * 100))
    shifted = dist.shifted_cdf(np.array([5.0]), quantiles, levels, ceiling=20)
    assert shifted[0, 3] == pytest.approx(0.0)
    assert shifted[0, 6] == pytest.approx(1.0)


def test_normal_residual_regressor_over_a_baseline() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(200, 240, 5000)
    x = rng.normal(size=5000)
    y = base + 3 * x + rng.normal(0, 10, 5000)
    X = pd.DataFrame({"total_recent": base, "x": x})
    model = dist.NormalResidualRegressor(LinearRegression(), "total_recent").fit(
        X[["total_recent", "x"]], y
    )
    assert model.sd_ == pytest.approx(10, rel=0.05)
    q = model.quantiles(X.iloc[:3])
    np.testing.assert_allclose(q[:, 3], model.predict(X.iloc[:3]))  # q50 is the mean
    # around means already predicted (a server's one predict call): the same quantiles
    np.testing.assert_allclose(model.quantiles_at(model.predict(X.iloc[:3])), q)
    np.testing.assert_allclose(
        model.quantiles_at([0.0], (0.1, 0.9))[0], [-1.2816 * model.sd_, 1.2816 * model.sd_], 1e-4
    )
    assert (np.diff(q, axis=1) > 0).all()
    above = model.probability_above(X.iloc[:3], 0.0)
    assert (above > 0.999).all()
    # rows without the baseline start from its training mean
    plain = dist.NormalResidualRegressor(DummyRegressor(), "total_recent").fit(X, y)
    missing = pd.DataFrame({"total_recent": [np.nan], "x": [0.0]})
    assert plain.predict(missing)[0] == pytest.approx(base.mean(), abs=1.0)


def test_estimators_are_trusted_by_name_and_survive_a_model_file() -> None:
    from nba_ml.state.modelfile import TRUSTED_TYPES, dumps_model, loads_model

    for cls in (dist.ScaledResidualDistribution, dist.NormalResidualRegressor):
        assert f"{cls.__module__}.{cls.__qualname__}" in TRUSTED_TYPES
    X, y, center = _heteroscedastic(3000, 4)
    # as saved: attached to a player model
    X = X.assign(pts_ewm=center)
    player = BaselineResidualRegressor(DummyRegressor(), "pts_ewm").fit(X, y)
    player.distribution_ = dist.ScaledResidualDistribution(dist.make_scale_model(), 5, 1.05).fit(
        X, y, center
    )
    loaded, problem = loads_model(dumps_model(player))
    assert problem is None and isinstance(loaded, BaselineResidualRegressor)
    np.testing.assert_allclose(
        loaded.distribution_.cdf(X.iloc[:20], center[:20], 60),
        player.distribution_.cdf(X.iloc[:20], center[:20], 60),
    )
    games = pd.DataFrame({"total_recent": [200.0, 220.0, 210.0] * 30, "x": range(90)})
    normal = dist.NormalResidualRegressor(dist.make_scale_model(), "total_recent").fit(
        games, games["total_recent"] + games["x"] % 7
    )
    again, problem = loads_model(dumps_model(normal))
    assert problem is None and isinstance(again, dist.NormalResidualRegressor)
    np.testing.assert_allclose(again.quantiles(games.iloc[:5]), normal.quantiles(games.iloc[:5]))


def test_fit_stat_distribution_uses_at_most_the_row_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y, _ = _heteroscedastic(500, 5)
    monkeypatch.setattr(dist, "DISTRIBUTION_ROWS", 200)

    class Point:
        def predict(self, rows: pd.DataFrame) -> np.ndarray:
            assert len(rows) == 200
            return np.full(len(rows), 12.0)

    model = dist.fit_stat_distribution(Point(), X, y)
    assert model.widen == dist.SCALE_WIDEN and model.bands == dist.SCALE_BANDS
