"""The player models' estimators: gradient boosting on what a player does beyond his own average
(:class:`BaselineResidualRegressor`), and its two regimes, with and without an absence list
(:class:`KnownListRegressor`, issue #23).

Imported only where models are made or loaded (it imports scikit-learn), never on the start-up
path of ``check``/``status``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from nba_ml import compat


class BaselineResidualRegressor(RegressorMixin, BaseEstimator):
    """Predict ``X[baseline] + estimator(X)``: ``estimator`` learns the residual of the target
    over one of its own input columns (a player's exponentially weighted average of the stat).

    Boosting starts every row from one constant, and trees approximate a player's own level in
    steps; starting each row from his average lets the trees spend themselves on what moves him
    off it (minutes, rest, opponent, teammates). Rows without the baseline (a player's first
    game) start from the median target of such rows in the training data (``fill_``).

    ``linear`` (optional), fitted on the same residual over ``linear_rows`` training rows drawn
    at random (``random_state``), takes ``linear_weight`` of the residual: a robust linear fit
    moves smoothly with the averages where trees move in steps, and a blend of the two beat
    either alone on the tuning season.

    Model files may hold this class only because ``nba_ml.state.modelfile.TRUSTED_TYPES``
    names it exactly (the state layer cannot import this module; tests/modeling/
    test_estimators.py fails when a class here is missing there): rename it in both places.
    """

    # defaults for models saved before these parameters existed
    linear: Any = None
    linear_weight: float = 0.0
    linear_rows: int = 10000
    random_state: int = 0
    linear_: Any = None
    # the stat's predictive distribution around this model's predictions
    # (distributions.ScaledResidualDistribution, attached after fitting; None before issue #22)
    distribution_: Any = None

    def __init__(
        self,
        estimator: Any = None,
        baseline: str = "",
        linear: Any = None,
        linear_weight: float = 0.0,
        linear_rows: int = 10000,
        random_state: int = 0,
    ) -> None:
        self.estimator = estimator
        self.baseline = baseline
        self.linear = linear
        self.linear_weight = linear_weight
        self.linear_rows = linear_rows
        self.random_state = random_state

    def _base(self, X: Any) -> np.ndarray:
        values = np.asarray(X[self.baseline], dtype=float)
        return np.where(np.isnan(values), self.fill_, values)

    def fit(self, X: Any, y: Any, bins: dict[Any, Any] | None = None) -> BaselineResidualRegressor:
        """Fit on ``X``, ``y``; ``bins`` (a dict kept by the caller across fits), when given,
        lends the binning of identical training data from an earlier fit (see
        :func:`reusing_bins`): same model, less work."""
        target = np.asarray(y, dtype=float)
        missing = np.isnan(np.asarray(X[self.baseline], dtype=float))
        self.fill_ = float(np.median(target[missing])) if missing.any() else 0.0
        residual = target - self._base(X)
        estimator = clone(self.estimator)
        with reusing_bins(estimator, bins):
            self.estimator_ = estimator.fit(X, residual)
        # from X itself: some estimators (DummyRegressor before scikit-learn 1.4) keep no names
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.linear_ = None
        if self.linear is not None and self.linear_weight > 0:
            self.linear_ = self._fit_linear(X, residual)
        return self

    def _fit_linear(self, X: Any, residual: np.ndarray) -> Any:
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        rows = np.arange(len(residual))
        if len(rows) > self.linear_rows:
            rows = np.sort(
                np.random.default_rng(self.random_state).choice(
                    rows, size=self.linear_rows, replace=False
                )
            )
        with warnings.catch_warnings():
            # an iteration cap reached still gives a usable fit: no warning in the run's log
            warnings.simplefilter("ignore", ConvergenceWarning)
            return clone(self.linear).fit(X.iloc[rows], residual[rows])

    def predict(self, X: Any) -> np.ndarray:
        residual = self.estimator_.predict(X)
        if self.linear_ is not None:
            residual = (
                1 - self.linear_weight
            ) * residual + self.linear_weight * self.linear_.predict(X)
        return self._base(X) + residual


class KnownListRegressor(RegressorMixin, BaseEstimator):
    """A player model with two regimes (issue #23): ``base``, fitted on ``base_columns`` (the
    features without availability: the model of a prediction without an absence list),
    predicts every row; where the row's absence list is known (its ``flag`` column is 1),
    ``correction``, fitted on ``correction_columns`` and the base prediction (``CENTER``),
    adds what the list changes: it learns the base's residual on the training rows, whose
    lists (from their box scores) are all known.

    Without a list the prediction is the base model's alone, so it is as good as a model that
    never saw lists; with one, the absences move it. Model files may hold this class because
    ``nba_ml.state.modelfile.TRUSTED_TYPES`` names it.
    """

    # the base prediction's column among the correction's inputs
    CENTER = "base_prediction"
    # the stat's predictive distribution (attached after fitting, as on the base class)
    distribution_: Any = None

    def __init__(
        self,
        base: Any = None,
        correction: Any = None,
        base_columns: tuple[str, ...] = (),
        correction_columns: tuple[str, ...] = (),
        flag: str = "",
        correction_rows: int = 0,
        random_state: int = 0,
    ) -> None:
        self.base = base
        self.correction = correction
        self.base_columns = base_columns
        self.correction_columns = correction_columns
        self.flag = flag
        self.correction_rows = correction_rows
        self.random_state = random_state

    def _known(self, X: Any) -> np.ndarray:
        return np.nan_to_num(np.asarray(X[self.flag], dtype=float)) > 0.5

    def _correction_input(self, X: Any, center: np.ndarray) -> Any:
        inputs = X[list(self.correction_columns)].astype(float)
        inputs[self.CENTER] = center
        return inputs

    def fit(self, X: Any, y: Any, bins: dict[Any, Any] | None = None) -> KnownListRegressor:
        """Fit the base on every row, then the correction on the rows whose list is known;
        ``bins`` goes to the base (:meth:`BaselineResidualRegressor.fit`)."""
        target = np.asarray(y, dtype=float)
        base = clone(self.base)
        inputs = X[list(self.base_columns)]
        if isinstance(base, BaselineResidualRegressor):
            self.base_ = base.fit(inputs, target, bins=bins)
        else:
            self.base_ = base.fit(inputs, target)
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self.fit_correction(X, target)

    def fit_correction(self, X: Any, y: Any) -> KnownListRegressor:
        """(Re)fit the correction alone, on the rows of ``X`` whose list is known (at most
        ``correction_rows`` of them, drawn at random with ``random_state``; 0: all), over the
        fitted base's predictions (what :meth:`fit` ends with; benchmarks compare corrections
        over one base)."""
        target = np.asarray(y, dtype=float)
        known = np.flatnonzero(self._known(X))
        self.correction_ = None
        if self.correction is None or not len(known):
            return self
        if 0 < self.correction_rows < len(known):
            draw = np.random.default_rng(self.random_state).choice(
                len(known), size=self.correction_rows, replace=False
            )
            known = known[np.sort(draw)]
        rows = X.iloc[known]
        center = np.asarray(self.base_.predict(rows[list(self.base_columns)]), dtype=float)
        self.correction_ = clone(self.correction).fit(
            self._correction_input(rows, center), target[known] - center
        )
        return self

    def predict(self, X: Any) -> np.ndarray:
        predicted = np.asarray(self.base_.predict(X[list(self.base_columns)]), dtype=float)
        known = self._known(X)
        if self.correction_ is not None and known.any():
            center = predicted[known]
            predicted[known] = center + self.correction_.predict(
                self._correction_input(X.loc[known], center)
            )
        return predicted


@contextlib.contextmanager
def reusing_bins(estimator: Any, bins: dict[Any, Any] | None) -> Iterator[None]:
    """While ``estimator`` (a histogram gradient boosting model) fits, take the binned
    training and validation data and the fitted bin mapper from ``bins`` when an earlier fit
    binned the very same data (same bytes, same binning settings), else bin as usual and keep
    the result there.

    The three player models of a training set are fitted on one feature matrix (only the
    target differs) and split it the same way (a fixed random state), so binning, about a
    seventh of a fit, is done once instead of three times; the fitted trees are identical.
    This relies on scikit-learn's private ``_bin_data(X, sample_weight, is_training_data)``
    and ``_bin_mapper`` (through ``nba_ml.compat``); with another signature, or with sample
    weights, the fit bins as usual.
    """
    original = compat.bin_data_method(estimator)
    if bins is None or original is None:
        yield
        return
    settings = tuple(
        sorted(
            (k, repr(v))
            for k, v in estimator.get_params().items()
            if k in ("max_bins", "categorical_features", "random_state")
        )
    )

    def bin_data(X: Any, sample_weight: Any, is_training_data: bool) -> Any:
        if sample_weight is not None:
            return original(estimator, X, sample_weight, is_training_data)
        data = np.ascontiguousarray(X)
        digest = hashlib.sha256(data.data).hexdigest()
        if is_training_data:
            key: tuple[Any, ...] = ("train", settings, data.shape, data.dtype.str, digest)
            if key in bins:
                binned, mapper = bins[key]
                compat.set_bin_mapper(estimator, mapper)
                return binned
            binned = original(estimator, X, sample_weight, is_training_data)
            bins[key] = (binned, compat.bin_mapper(estimator))
            return binned
        # validation data: binned with the mapper in use (kept alive by ``bins``)
        mapper_id = id(compat.bin_mapper(estimator))
        key = ("validation", mapper_id, data.shape, data.dtype.str, digest)
        if key not in bins:
            bins[key] = original(estimator, X, sample_weight, is_training_data)
        return bins[key]

    compat.replace_bin_data(estimator, bin_data)
    try:
        yield
    finally:
        compat.replace_bin_data(estimator, None)
