"""The player models' estimator: gradient boosting on what a player does beyond his own average.

Imported only where models are made or loaded (it imports scikit-learn), never on the start-up
path of ``check``/``status``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone


class BaselineResidualRegressor(RegressorMixin, BaseEstimator):
    """Predict ``X[baseline] + estimator(X)``: ``estimator`` learns the residual of the target
    over one of its own input columns (a player's exponentially weighted average of the stat).

    Boosting starts every row from one constant, and trees approximate a player's own level in
    steps; starting each row from his average lets the trees spend themselves on what moves him
    off it (minutes, rest, opponent, teammates). Rows without the baseline (a player's first
    game) start from the median target of such rows in the training data (``fill_``).
    """

    def __init__(self, estimator: Any = None, baseline: str = "") -> None:
        self.estimator = estimator
        self.baseline = baseline

    def _base(self, X: Any) -> np.ndarray:
        values = np.asarray(X[self.baseline], dtype=float)
        return np.where(np.isnan(values), self.fill_, values)

    def fit(self, X: Any, y: Any) -> BaselineResidualRegressor:
        target = np.asarray(y, dtype=float)
        missing = np.isnan(np.asarray(X[self.baseline], dtype=float))
        self.fill_ = float(np.median(target[missing])) if missing.any() else 0.0
        self.estimator_ = clone(self.estimator).fit(X, target - self._base(X))
        self.feature_names_in_ = self.estimator_.feature_names_in_
        self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._base(X) + self.estimator_.predict(X)
