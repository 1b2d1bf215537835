"""Honest evaluation: baselines, game figures and player figures, on numbers worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nba_ml import modelset
from nba_ml.modeling import evaluation
from nba_ml.modeling.evaluation import (
    baseline_predictions,
    calibration_table,
    debut_prior,
    game_metrics,
    stat_metrics,
)
from tests.modelsets import GAME_MODEL, PLAYER_MODELS


def test_debut_prior_is_the_median_of_first_games_only() -> None:
    rows = pd.DataFrame(
        {"games_career": [0, 0, 0, 1, 5, 0], "pts": [4.0, 10.0, 6.0, 40.0, 50.0, np.nan]}
    )
    assert debut_prior(rows, "pts") == 6.0  # the unplayed debut (NaN) and later games ignored
    assert debut_prior(rows[rows["games_career"] > 0], "pts") == 0.0  # no debut at all


def test_baselines_fall_back_season_to_last10_to_prior() -> None:
    rows = pd.DataFrame(
        {
            "pts_l10": [12.0, np.nan, 8.0],
            "pts_season": [14.0, np.nan, np.nan],
            "pts_ewm": [13.0, np.nan, 9.0],
        }
    )
    baselines = baseline_predictions(rows, "pts", prior=3.0)
    assert baselines["last10"].tolist() == [12.0, 3.0, 8.0]
    assert baselines["season"].tolist() == [14.0, 3.0, 8.0]  # first game of a season: last-10
    assert baselines["ewma"].tolist() == [13.0, 3.0, 9.0]


def test_calibration_bins_hold_their_own_probabilities() -> None:
    p = np.array([0.05, 0.15, 0.15, 0.55, 0.95, 1.0])
    y = np.array([0, 1, 0, 1, 1, 1])
    table = calibration_table(p, y)
    assert [(row["low"], row["count"]) for row in table] == [
        (0.0, 1),
        (0.1, 2),
        (0.5, 1),
        (0.9, 2),
    ]  # empty bins left out; 1.0 in the last bin
    assert table[1]["predicted"] == pytest.approx(0.15)
    assert table[1]["observed"] == 0.5
    assert sum(row["count"] for row in table) == len(p)


def test_game_metrics_by_hand() -> None:
    p = np.array([0.8, 0.4, 0.5, 0.9])
    y = np.array([1, 0, 1, 0])
    figures = game_metrics(p, y)
    assert figures["n"] == 4
    assert figures["brier"] == pytest.approx((0.04 + 0.16 + 0.25 + 0.81) / 4)
    assert figures["log_loss"] == pytest.approx(
        -(math.log(0.8) + math.log(0.6) + math.log(0.5) + math.log(0.1)) / 4
    )
    assert figures["accuracy"] == 0.5  # 0.8 right, 0.4 right, 0.5 counts as away, 0.9 wrong
    assert figures["home_win_rate"] == 0.5
    assert sum(row["count"] for row in figures["calibration"]) == 4


def test_game_metrics_clip_certainties_so_log_loss_stays_finite() -> None:
    figures = game_metrics(np.array([1.0, 0.0]), np.array([0, 1]))
    assert math.isfinite(figures["log_loss"]) and figures["log_loss"] > 10
    assert figures["brier"] == pytest.approx(1.0, abs=1e-5)


def test_stat_metrics_beside_each_baseline_and_the_ratio_to_last10() -> None:
    actual = np.array([10.0, 20.0, 0.0])
    figures = stat_metrics(
        np.array([12.0, 18.0, 1.0]),
        actual,
        {"last10": np.array([15.0, 15.0, 5.0]), "ewma": np.array([10.0, 20.0, 0.0])},
    )
    assert figures["n"] == 3
    assert figures["mae"] == pytest.approx(5 / 3)
    assert figures["mae_last10"] == pytest.approx(5.0)
    assert figures["mae_ewma"] == 0.0
    assert figures["ratio_last10"] == pytest.approx(1 / 3)


def test_stat_metrics_without_a_last10_error_has_no_ratio() -> None:
    actual = np.array([3.0])
    figures = stat_metrics(np.array([4.0]), actual, {"last10": np.array([3.0])})
    assert math.isnan(figures["ratio_last10"])  # a perfect last-10: no ratio, not a division
    assert math.isnan(stat_metrics(np.array([4.0]), actual, {})["ratio_last10"])


def test_evaluate_scores_the_distributions_it_finds() -> None:
    from sklearn.dummy import DummyClassifier

    from nba_ml.modeling import features, models
    from nba_ml.modeling.distributions import NormalResidualRegressor

    rng = np.random.default_rng(0)
    n = 400
    games = pd.DataFrame({c: rng.normal(size=n) for c in features.GAME_FEATURES})
    for c in features.SCORING_FEATURES[:4]:
        games[c] = rng.normal(110, 3, n)
    # what a game table carries besides (issue #23): both lists known, the whole rotation's terms
    games["home_out_known"] = games["away_out_known"] = 1.0
    for name in ("box", "pm", "min"):
        games[f"rot_{name}_diff"] = rng.normal(size=n)
    games["home_pts"] = rng.normal(112, 12, n).round()
    games["away_pts"] = rng.normal(110, 12, n).round()
    games["home_win"] = (games["home_pts"] > games["away_pts"]).astype(float)
    games["home_margin"] = games["home_pts"] - games["away_pts"]
    games["total_pts"] = games["home_pts"] + games["away_pts"]
    fitted = {spec.name: models.fit_game(spec, games) for spec in modelset.game_distributions()}
    assert isinstance(fitted["margin"], NormalResidualRegressor)
    assert list(fitted["total"].feature_names_in_) == list(features.SCORING_FEATURES[:4])
    fitted[GAME_MODEL] = DummyClassifier().fit(
        games[list(features.GAME_FEATURES)], games["home_win"]
    )
    empty_players = pd.DataFrame(columns=["pts", "ast", "reb", "games_career"])
    figures = evaluation.evaluate(
        {name: fitted[name] for name in (GAME_MODEL, "margin", "total")}
        | {name: None for name in PLAYER_MODELS},
        empty_players,
        games,
        empty_players.assign(
            **{f"{s}_{w}": [] for s in ("pts", "ast", "reb") for w in ("l10", "season", "ewm")}
        ),
        {name: np.zeros(0) for name in PLAYER_MODELS},
    )
    for name in ("margin", "total"):
        f = figures[name]
        assert f["n"] == n and 0 < f["crps"] < f["mae"]
        assert 0.7 < f["coverage_80"] < 0.9  # in-sample, normal noise
        assert len(f["pit"]) == 10 and sum(f["pit"]) == pytest.approx(1.0)
        assert all(0.03 < share < 0.2 for share in f["pit"])  # near 0.1 each
    assert "crps" not in figures["points"]  # no distribution: no figures
