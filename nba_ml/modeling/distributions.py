"""Predictive distributions: a player stat's whole range of outcomes, a game's margin and total.

A point model gives one number (a player's median points, a game's home-win probability); a
line (24.5 points, 8.5 rebounds, a 5.5-point spread) needs the probability of each side.

- **Player stats** (:class:`ScaledResidualDistribution`): around the point model's prediction
  ``center``, a second model predicts the size of the miss (mean absolute residual) from the
  same features, so the width follows the player and the game (minutes, role, his own
  variability); the shape is the empirical distribution of the standardised residual
  ``(y - center) / scale`` in the training data, kept separately for a few bands of ``center``
  (low counts are skewed, high ones nearly symmetric). Outcomes are counts: the distribution is
  put on the integers 0, 1, 2, ... (the mass below 0 on 0), so P(assists >= 9) answers a line
  of 8.5 and a whole line has a push probability.
- **Margin and total** (:class:`NormalResidualRegressor`): a ridge regression of the home
  margin (of the total, over the teams' recent scoring), with a normal spread of the training
  residuals' size.

Scores (``score_*``): coverage of central intervals and a PIT histogram from the randomised
PIT's expectation (exact for integer outcomes: a count can fall on an interval's edge), the
CRPS, the Brier score of P(over a line). Chosen on 2018-19 (fitted on 2017-18);
``benchmarks/distributions.py`` reprints every figure, ``docs/quality-log.md`` records them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, clone

from nba_ml.modeling.models import QUANTILE_COLUMNS, QUANTILES

if TYPE_CHECKING:
    from nba_ml.modelset import ModelSpec

__all__ = ["QUANTILES", "QUANTILE_COLUMNS"]

INTERVALS: tuple[float, ...] = (0.5, 0.8, 0.9)
# the largest count each stat's distribution is laid over (no NBA game has gone past these)
STAT_CEILING: dict[str, int] = {"pts": 90, "ast": 35, "reb": 40}
# probability levels of the stored residual shape (the ends are the training extremes)
_LEVELS = np.concatenate([[0.0], np.linspace(0.005, 0.995, 199), [1.0]])
_SCALE_FLOOR = 0.25
# chosen on 2018-19 (docs/quality-log.md): a ridge scale model, 5 bands, the scale x 1.05
SCALE_BANDS = 5
SCALE_WIDEN = 1.05
# training rows the distribution is fitted on (drawn at random; 2017-18 alone has 27,862)
DISTRIBUTION_ROWS = 30000


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return np.asarray(ndtr(z), dtype=float)


def _normal_ppf(p: Any) -> np.ndarray:
    from scipy.special import ndtri

    return np.asarray(ndtri(p), dtype=float)


# ---------------------------------------------------------------------------------------------
# player stats: counts
# ---------------------------------------------------------------------------------------------


class ScaledResidualDistribution(BaseEstimator):
    """The distribution of a count around a point prediction: ``y = center + scale(X) * z``.

    ``scale_estimator`` (any regressor; None: one constant) learns the mean absolute residual
    ``|y - center|`` from ``X``; ``z``'s empirical quantiles are kept for each of ``bands``
    bands of ``center`` (equal-count bands of the training centers). ``cdf(X, center, k)`` is
    then P(y <= k) for the integers ``k`` (the continuous distribution's mass up to k + 0.5).
    ``widen`` multiplies the scale when predicting: residuals of the training rows, which the
    point model saw, are smaller than those of new games.
    """

    def __init__(self, scale_estimator: Any = None, bands: int = 5, widen: float = 1.0) -> None:
        self.scale_estimator = scale_estimator
        self.bands = bands
        self.widen = widen

    def fit(self, X: Any, y: Any, center: Any) -> ScaledResidualDistribution:
        target = np.asarray(y, dtype=float)
        center = np.asarray(center, dtype=float)
        residual = target - center
        size = np.abs(residual)
        self.mean_scale_ = float(max(size.mean(), _SCALE_FLOOR))
        if self.scale_estimator is not None:
            self.scale_estimator_ = clone(self.scale_estimator).fit(X, size)
        else:
            self.scale_estimator_ = None
        z = residual / self._scale(X)
        cuts = np.quantile(center, np.linspace(0, 1, self.bands + 1)[1:-1])
        self.band_edges_ = np.unique(cuts)
        band = np.searchsorted(self.band_edges_, center, side="right")
        tables = []
        for b in range(len(self.band_edges_) + 1):
            values = z[band == b]
            tables.append(np.quantile(values if len(values) else z, _LEVELS))
        self.z_quantiles_ = np.vstack(tables)
        return self

    def _scale(self, X: Any) -> np.ndarray:
        if self.scale_estimator_ is None:
            return np.full(len(X), self.mean_scale_)
        return np.maximum(np.asarray(self.scale_estimator_.predict(X), dtype=float), _SCALE_FLOOR)

    def scale(self, X: Any) -> np.ndarray:
        """Return each row's scale: its predicted mean absolute residual (at least a quarter),
        times ``widen``."""
        return self._scale(X) * self.widen

    def cdf(self, X: Any, center: Any, ceiling: int, scale: Any = None) -> np.ndarray:
        """Return P(y <= k) for k = 0 .. ``ceiling`` (one row per row of ``X``; the last column
        is 1). ``scale``: the rows' :meth:`scale`, when already computed."""
        center = np.asarray(center, dtype=float)
        scale = self.scale(X) if scale is None else np.asarray(scale, dtype=float)
        k = np.arange(ceiling + 1, dtype=float)
        z = (k[None, :] + 0.5 - center[:, None]) / scale[:, None]
        band = np.searchsorted(self.band_edges_, center, side="right")
        out = np.empty_like(z)
        for b in np.unique(band):
            rows = band == b
            out[rows] = np.interp(z[rows], self.z_quantiles_[b], _LEVELS)
        out[:, -1] = 1.0
        return np.maximum.accumulate(out, axis=1)


def make_scale_model() -> Any:
    """Return the unfitted scale model: ridge on imputed, standardised features."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("ridge", Ridge(alpha=1.0)),
        ]
    )


def fit_stat_distribution(
    point_model: Any, X: Any, y: Any, random_state: int = 0
) -> ScaledResidualDistribution:
    """Return the distribution of a stat around ``point_model``'s predictions, fitted on at
    most ``DISTRIBUTION_ROWS`` of its training rows ``X``, ``y`` (drawn at random)."""
    target = np.asarray(y, dtype=float)
    rows = np.arange(len(target))
    if len(rows) > DISTRIBUTION_ROWS:
        rows = np.sort(
            np.random.default_rng(random_state).choice(rows, DISTRIBUTION_ROWS, replace=False)
        )
    sample = X.iloc[rows]
    center = np.maximum(np.asarray(point_model.predict(sample), dtype=float), 0.0)
    return ScaledResidualDistribution(make_scale_model(), SCALE_BANDS, SCALE_WIDEN).fit(
        sample, target[rows], center
    )


def normal_count_cdf(mean: Any, sd: Any, ceiling: int) -> np.ndarray:
    """Return P(y <= k), k = 0 .. ``ceiling``, of a normal put on the integers (a baseline)."""
    mean = np.asarray(mean, dtype=float)
    sd = np.maximum(np.asarray(sd, dtype=float), _SCALE_FLOOR)
    k = np.arange(ceiling + 1, dtype=float)
    out = _normal_cdf((k[None, :] + 0.5 - mean[:, None]) / sd[:, None])
    out[:, -1] = 1.0
    return out


def poisson_cdf(mean: Any, ceiling: int) -> np.ndarray:
    """Return P(y <= k), k = 0 .. ``ceiling``, of a Poisson of each row's mean (a baseline)."""
    from scipy.stats import poisson

    mean = np.maximum(np.asarray(mean, dtype=float), 0.05)
    k = np.arange(ceiling + 1, dtype=float)
    out = np.asarray(poisson.cdf(k[None, :], mean[:, None]), dtype=float)
    out[:, -1] = 1.0
    return out


def shifted_cdf(center: Any, quantiles: np.ndarray, levels: np.ndarray, ceiling: int) -> np.ndarray:
    """Return P(y <= k), k = 0 .. ``ceiling``, of ``center`` plus one residual distribution
    given by its ``quantiles`` at ``levels`` (a baseline's empirical residuals)."""
    center = np.asarray(center, dtype=float)
    k = np.arange(ceiling + 1, dtype=float)
    out = np.interp(k[None, :] + 0.5 - center[:, None], quantiles, levels)
    out[:, -1] = 1.0
    return np.maximum.accumulate(out, axis=1)


def empirical_residuals(residual: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (quantiles, levels) of residuals, for :func:`shifted_cdf`."""
    return np.quantile(np.asarray(residual, dtype=float), _LEVELS), _LEVELS


def count_quantiles(cdf: np.ndarray, levels: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """Return each row's quantiles (the smallest count k with P(y <= k) >= level)."""
    return np.stack([(cdf >= level - 1e-12).argmax(axis=1) for level in levels], axis=1).astype(
        float
    )


def line_probabilities(cdf: np.ndarray, line: float) -> dict[str, np.ndarray]:
    """Return P(over), P(under) and P(push) of a count against ``line`` (push only on whole
    lines: y == line)."""
    ceiling = cdf.shape[1] - 1
    floor = int(np.floor(line))

    def at(k: int) -> np.ndarray:
        if k < 0:
            return np.zeros(len(cdf))
        return cdf[:, min(k, ceiling)]

    whole = float(line).is_integer()
    below = at(floor - 1) if whole else at(floor)
    not_over = at(floor)
    return {"over": 1.0 - not_over, "under": below, "push": not_over - below}


# ---------------------------------------------------------------------------------------------
# games: margin and total
# ---------------------------------------------------------------------------------------------


class NormalResidualRegressor(BaseEstimator):
    """A normal predictive distribution: mean ``X[baseline] + estimator(X)`` (no baseline: the
    estimator alone), standard deviation that of the training residuals. Rows without the
    baseline start from its training mean."""

    def __init__(self, estimator: Any = None, baseline: str = "") -> None:
        self.estimator = estimator
        self.baseline = baseline

    def _base(self, X: Any) -> np.ndarray:
        if not self.baseline:
            return np.zeros(len(X))
        values = np.asarray(X[self.baseline], dtype=float)
        return np.where(np.isnan(values), self.fill_, values)

    def fit(self, X: Any, y: Any) -> NormalResidualRegressor:
        target = np.asarray(y, dtype=float)
        if self.baseline:
            values = np.asarray(X[self.baseline], dtype=float)
            self.fill_ = float(np.nanmean(values)) if np.isfinite(values).any() else 0.0
        else:
            self.fill_ = 0.0
        self.estimator_ = clone(self.estimator).fit(X, target - self._base(X))
        residual = target - self.predict(X)
        self.sd_ = float(np.sqrt(np.mean(residual**2)))
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._base(X) + np.asarray(self.estimator_.predict(X), dtype=float)

    def quantiles(self, X: Any, levels: tuple[float, ...] = QUANTILES) -> np.ndarray:
        """Return each row's quantiles at ``levels``."""
        return self.quantiles_at(self.predict(X), levels)

    def quantiles_at(self, mean: Any, levels: tuple[float, ...] = QUANTILES) -> np.ndarray:
        """Return the quantiles at ``levels`` around means already predicted (one predict
        call serves both: a server answers the mean and its quantiles)."""
        mean = np.asarray(mean, dtype=float)
        return mean[:, None] + self.sd_ * _normal_ppf(np.asarray(levels))[None, :]

    def probability_above(self, X: Any, line: float) -> np.ndarray:
        """Return P(y > line) (e.g. line 0 for the margin: the home side winning)."""
        return 1.0 - _normal_cdf((line - self.predict(X)) / self.sd_)


def normal_estimator(spec: ModelSpec) -> NormalResidualRegressor:
    """The margin's and the total's estimator (their ``ModelSpec.estimator``): a ridge
    regression with a normal spread."""
    del spec  # one definition for both
    return NormalResidualRegressor(make_scale_model())


# ---------------------------------------------------------------------------------------------
# scores
# ---------------------------------------------------------------------------------------------


def count_pit(cdf: np.ndarray, actual: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's PIT range [P(y < actual), P(y <= actual)] for integer outcomes."""
    y = np.clip(np.asarray(actual, dtype=float).round().astype(int), 0, cdf.shape[1] - 1)
    rows = np.arange(len(y))
    upper = cdf[rows, y]
    lower = np.where(y > 0, cdf[rows, np.maximum(y - 1, 0)], 0.0)
    return lower, upper


def normal_pit(mean: Any, sd: Any, actual: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return the PIT of continuous normal forecasts (a range of width 0)."""
    u = _normal_cdf((np.asarray(actual, dtype=float) - np.asarray(mean, dtype=float)) / sd)
    return u, u


def pit_share(lower: np.ndarray, upper: np.ndarray, low: float, high: float) -> float:
    """Return the expected share of randomised PITs in [low, high]: each row counts the part
    of its PIT range inside (a whole row when the range is a point inside)."""
    width = upper - lower
    inside = np.clip(np.minimum(upper, high) - np.maximum(lower, low), 0.0, None)
    point = (lower >= low) & (lower <= high)
    share = np.where(width > 1e-12, inside / np.maximum(width, 1e-12), point.astype(float))
    return float(share.mean())


def coverage(lower: np.ndarray, upper: np.ndarray) -> dict[str, float]:
    """Return the coverage of each central interval of ``INTERVALS`` ("50", "80", "90")."""
    return {
        f"{round(p * 100)}": pit_share(lower, upper, (1 - p) / 2, (1 + p) / 2) for p in INTERVALS
    }


def pit_histogram(lower: np.ndarray, upper: np.ndarray, bins: int = 10) -> list[float]:
    """Return the share of PITs in each of ``bins`` equal bins (1 / bins each if calibrated)."""
    edges = np.linspace(0, 1, bins + 1)
    return [pit_share(lower, upper, edges[b], edges[b + 1]) for b in range(bins)]


def count_crps(cdf: np.ndarray, actual: Any) -> float:
    """Return the mean CRPS of integer-valued forecasts: the sum over k of
    (P(y <= k) - 1[actual <= k])^2 (exact for integer outcomes)."""
    y = np.asarray(actual, dtype=float)
    k = np.arange(cdf.shape[1], dtype=float)
    step = (k[None, :] >= y[:, None]).astype(float)
    return float(((cdf - step) ** 2).sum(axis=1).mean())


def normal_crps(mean: Any, sd: Any, actual: Any) -> float:
    """Return the mean CRPS of normal forecasts (closed form)."""
    sd = np.asarray(sd, dtype=float)
    z = (np.asarray(actual, dtype=float) - np.asarray(mean, dtype=float)) / sd
    pdf = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    crps = sd * (z * (2 * _normal_cdf(z) - 1) + 2 * pdf - 1 / np.sqrt(np.pi))
    return float(np.mean(crps))


def brier(probability: Any, event: Any) -> float:
    """Return the Brier score of probabilities of a 0/1 event."""
    p = np.asarray(probability, dtype=float)
    return float(np.mean((p - np.asarray(event, dtype=float)) ** 2))
