"""The model definitions: each factory returns the unfitted estimator the registry names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_ml.modeling import availability, model_factories, models
from nba_ml.modeling.estimators import BaselineResidualRegressor, KnownListRegressor
from nba_ml.modeling.player_table import PLAYER_BASE_FEATURES


def test_the_game_estimator_is_a_scaled_logistic_regression() -> None:
    model = model_factories.game_estimator(models.outcome_spec())
    assert [name for name, _ in model.steps] == ["impute", "scale", "logistic"]
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = (x["a"] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    probabilities = model.fit(x, y).predict_proba(x)[:, 1]
    assert ((probabilities > 0) & (probabilities < 1)).all()
    assert probabilities[x["a"] > 1].mean() > probabilities[x["a"] < -1].mean()


def test_a_player_estimator_has_a_no_list_regime_and_a_correction_on_the_absences() -> None:
    spec = models.player_specs()[0]
    model = model_factories.player_estimator(spec)
    assert isinstance(model, KnownListRegressor)
    assert model.base_columns == PLAYER_BASE_FEATURES
    assert model.correction_columns == model_factories.CORRECTION_COLUMNS
    assert model.flag == availability.PLAYER_KNOWN
    assert model.correction_rows == model_factories.CORRECTION_ROWS
    assert model.random_state == model_factories.RANDOM_STATE
    base = model.base
    assert isinstance(base, BaselineResidualRegressor)
    assert base.baseline == model_factories.BASELINE.format(stat=spec.target)
    assert base.linear_weight == model_factories.PLAYER_LINEAR_WEIGHT
    assert base.linear_rows == model_factories.PLAYER_LINEAR_ROWS
    assert type(base.linear[-1]).__name__ == "HuberRegressor"
    assert model.correction.get_params()["loss"] == "absolute_error"


def test_boosting_models_fit_the_median_with_the_shared_random_state() -> None:
    for factory, leaves, iterations in (
        (model_factories.make_player_model, 31, 150),
        (model_factories.make_correction_model, 15, 100),
    ):
        params = factory().get_params()
        assert params["loss"] == "absolute_error"
        assert params["max_leaf_nodes"] == leaves
        assert params["max_iter"] == iterations
        assert params["random_state"] == model_factories.RANDOM_STATE


def test_a_residual_player_model_takes_the_weight_it_is_given() -> None:
    model = model_factories.make_residual_player_model("pts_ewm", 0.4)
    assert model.baseline == "pts_ewm"
    assert model.linear_weight == 0.4
    default = model_factories.make_residual_player_model("ast_ewm")
    assert default.linear_weight == model_factories.PLAYER_LINEAR_WEIGHT
