"""Predictive distributions: counts on the integers, widths that follow the scale model,
line probabilities (push on whole lines), and the scores (coverage, PIT, CRPS, Brier)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression

from nba_ml.modeling import distributions as dist


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
    assert (np.diff(q, axis=1) > 0).all()
    above = model.probability_above(X.iloc[:3], 0.0)
    assert (above > 0.999).all()
    # rows without the baseline start from its training mean
    plain = dist.NormalResidualRegressor(DummyRegressor(), "total_recent").fit(X, y)
    missing = pd.DataFrame({"total_recent": [np.nan], "x": [0.0]})
    assert plain.predict(missing)[0] == pytest.approx(base.mean(), abs=1.0)
