"""The model definitions: the unfitted scikit-learn estimators of the registered models
(the factories ``ModelSpec.estimator`` names, :func:`game_estimator` and
:func:`player_estimator`) and the settings they were chosen with. Fitting and prediction are in
:mod:`nba_ml.modeling.models`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nba_ml.modeling import availability
from nba_ml.modeling.player_table import PLAYER_BASE_FEATURES

if TYPE_CHECKING:
    from nba_ml.modelset import ModelSpec

# the player models learn the stat's residual over this feature (chosen on 2018-19: it lowered
# MAE of points, assists and rebounds by 0.03 %, 0.37 % and 0.07 %)
BASELINE = "{stat}_ewm"
RANDOM_STATE = 0


def game_estimator(spec: ModelSpec) -> Any:
    """The game-outcome model's estimator (``ModelSpec.estimator`` of the built-in one)."""
    del spec  # one definition
    return make_game_model()


def player_estimator(spec: ModelSpec) -> Any:
    """A player model's estimator (issue #23: two regimes): without an absence list, the
    residual of ``spec.target`` over its EWMA baseline from the features before availability
    (the model before #23); with one, that plus a correction learnt from the absences."""
    from nba_ml.modeling.estimators import KnownListRegressor

    return KnownListRegressor(
        make_residual_player_model(BASELINE.format(stat=spec.target)),
        make_correction_model(),
        PLAYER_BASE_FEATURES,
        CORRECTION_COLUMNS,
        availability.PLAYER_KNOWN,
        correction_rows=CORRECTION_ROWS,
        random_state=RANDOM_STATE,
    )


# The inputs of the player models' known-list correction, besides the no-list prediction: the
# absences of both sides and his share of the available minutes. Chosen on 2018-19 (fitted on
# 2017-18; docs/quality-log.md): adding his expected minutes, averages and rates, or every
# feature, did no better (within 0.1 % of MAE), and cost more.
CORRECTION_COLUMNS: tuple[str, ...] = availability.PLAYER_AVAILABILITY
# The training rows the correction is fitted on, drawn at random: its cost stays flat as seasons
# are added (on 4 seasons, 105k rows, all of them cost 27 % of a player fit). 2018-19's 28k
# rows are below it; there 20k rows cost +0.05 % of mean MAE and 10k +0.3 %.
CORRECTION_ROWS = 50000


def make_correction_model() -> Any:
    """Return the unfitted known-list correction of a player model: small gradient boosting
    (the median, for MAE) of the no-list model's residual on ``CORRECTION_COLUMNS`` (15 leaves
    of at least 100 rows, at most 100 iterations: 7 or 31 leaves, leaves of 400 rows, 40 or
    300 iterations were within 0.1 % of MAE on 2018-19; squared error and a robust linear fit
    were 1-3 % worse)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        loss="absolute_error",
        learning_rate=0.1,
        max_iter=100,
        max_leaf_nodes=15,
        min_samples_leaf=100,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        random_state=RANDOM_STATE,
    )


def make_game_model() -> Any:
    """Return an unfitted calibrated home-win classifier (scaled logistic regression)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("logistic", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )


def make_player_model() -> Any:
    """Return an unfitted gradient-boosting regressor of a player's stat (median, for MAE)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    # Chosen on 2018-19 (trained on 2017-18): absolute-error loss beat squared error by 1-2.5%
    # of MAE; deeper trees and more iterations did not help. Learning rate 0.1 with 150
    # iterations matched 0.05 with 300 there (MAE within 0.1 %) at half the fitting time (the
    # fits use every iteration). Early stopping on 10% of rows.
    return HistGradientBoostingRegressor(
        loss="absolute_error",
        learning_rate=0.1,
        max_iter=150,
        max_leaf_nodes=31,
        min_samples_leaf=100,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        random_state=RANDOM_STATE,
    )


# the player models' robust linear part (estimators.BaselineResidualRegressor): its share of
# the residual and the training rows it is fitted on. Chosen on 2018-19: MAE / last-10 of
# points, assists, rebounds 0.9691 / 0.9521 / 0.9634 without it, 0.9657 / 0.9517 / 0.9610 with
# a fifth (a tenth to two fifths, 10,000 or 20,000 rows and three draws of them all gained).
PLAYER_LINEAR_WEIGHT = 0.2
PLAYER_LINEAR_ROWS = 10000


def make_player_linear_model() -> Any:
    """Return the unfitted robust linear model of the player models' residual (Huber loss on
    imputed, standardised features)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import HuberRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("huber", HuberRegressor(epsilon=1.1, alpha=1e-4, max_iter=1000)),
        ]
    )


def make_residual_player_model(baseline: str, linear_weight: float = PLAYER_LINEAR_WEIGHT) -> Any:
    """Return an unfitted player model: boosting and the robust linear part on the stat's
    residual over the ``baseline`` column (the EWMA, ``BASELINE``), the linear part taking
    ``linear_weight`` of it."""
    from nba_ml.modeling.estimators import BaselineResidualRegressor

    return BaselineResidualRegressor(
        make_player_model(),
        baseline,
        linear=make_player_linear_model(),
        linear_weight=linear_weight,
        linear_rows=PLAYER_LINEAR_ROWS,
        random_state=RANDOM_STATE,
    )
