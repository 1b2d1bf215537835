"""modelset: the registry of the model set, each model's spec, and how a set trained before a
model existed lacks it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nba_ml import modelset
from nba_ml.manifest import Manifest
from nba_ml.modelset import Figure, Level, ModelSpec, Promotion, Task
from tests.test_manifest import OLD_MANIFEST


def test_the_built_in_set_is_the_six_models_in_order() -> None:
    assert modelset.MODEL_NAMES == (
        "game_outcome",
        "points",
        "assists",
        "rebounds",
        "margin",
        "total",
    )
    assert modelset.MODEL_FILES == {
        "game_outcome": "game_outcome_model.skops",
        "points": "points_prediction_model.skops",
        "assists": "assists_prediction_model.skops",
        "rebounds": "rebounds_prediction_model.skops",
        "margin": "margin_model.skops",
        "total": "total_model.skops",
    }
    assert modelset.names() == modelset.MODEL_NAMES
    # the first four are required; margin and total came later (a set may lack them)
    assert [m.name for m in modelset.required()] == list(modelset.MODEL_NAMES[:4])
    assert [(m.required, m.since) for m in modelset.models()[4:]] == [(False, "0.2.0")] * 2
    assert [m.target for m in modelset.models()] == [
        "home_win",
        "pts",
        "ast",
        "reb",
        "home_margin",
        "total_pts",
    ]
    assert [m.name for m in modelset.of_level(Level.GAME)] == ["game_outcome", "margin", "total"]
    assert [m.task for m in modelset.of_level(Level.PLAYER)] == [Task.REGRESSOR] * 3
    assert modelset.spec("points").describe() == "points: player-level regressor of pts"
    assert [m.output for m in modelset.models()] == [
        "home_win_probability",
        "points",
        "assists",
        "rebounds",
        "home_margin",
        "total_points",
    ]
    assert [m.digits for m in modelset.models()] == [4, 2, 2, 2, 1, 1]
    assert [m.nonnegative for m in modelset.models()] == [False, True, True, True, False, True]
    with pytest.raises(KeyError, match="no model named 'spread'"):
        modelset.spec("spread")


def test_the_package_exports_the_built_in_set_from_here() -> None:
    import nba_ml

    assert nba_ml.MODEL_NAMES is modelset.MODEL_NAMES
    assert nba_ml.MODEL_FILES is modelset.MODEL_FILES


def test_the_module_imports_no_heavy_library() -> None:
    code = (
        "import sys, nba_ml.modelset; print(sorted(m for m in sys.modules if m.startswith("
        "('nba_ml', 'pandas', 'sklearn', 'numpy'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['nba_ml', 'nba_ml.modelset']"


def test_the_train_line_and_status_lines_read_the_specs() -> None:
    metrics = Manifest.from_json(json.loads(OLD_MANIFEST)).record.metrics
    assert modelset.brief_line(metrics) == (
        "game Brier 0.2132, MAE points 4.90 / assists 1.30 / rebounds 2.00"
    )
    assert modelset.spec("game_outcome").summary_text(metrics["game_outcome"]) == (
        "Brier 0.2132, log-loss 0.6100, accuracy 0.660"
    )
    assert modelset.spec("points").summary_text(metrics["points"]) == (
        "MAE 4.90 (last-10 avg 5.10, x0.960)"
    )
    assert modelset.spec("points").summary_text(None) == "-"
    assert modelset.spec("points").summary_text({"mae": "x"}) == "(figures unreadable)"
    # a model with a distribution: its CRPS and coverage follow when they were measured
    shape = {"crps": 3.456, "coverage_50": 0.498, "coverage_80": 0.791, "coverage_90": 0.9}
    assert modelset.spec("points").summary_text({**metrics["points"], **shape}) == (
        "MAE 4.90 (last-10 avg 5.10, x0.960); CRPS 3.456, coverage 50/80/90 %: 49.8% / "
        "79.1% / 90.0%"
    )
    assert (
        modelset.spec("margin")
        .summary_text({"mae": 9.87, **shape})
        .startswith("MAE 9.87; CRPS 3.456")
    )
    assert modelset.spec("points").summary_text({**metrics["points"], "crps": "x"}) == (
        "MAE 4.90 (last-10 avg 5.10, x0.960); (distribution figures unreadable)"
    )
    assert modelset.spec("points").figure("ratio_last10").text(0.5) == "0.500"
    assert modelset.spec("points").figure("mae").text(float("nan")) == "–"
    # a model without figures is left out, and a group is not continued across it
    assert modelset.brief_line({"points": metrics["points"]}) == "MAE points 4.90"


def _toy(name: str = "spread", required: bool = False) -> ModelSpec:
    mae = Figure("mae", "mae", "MAE", "{:.2f}")
    return ModelSpec(
        name=name,
        file=f"{name}_model.skops",
        level=Level.GAME,
        task=Task.REGRESSOR,
        target="home_margin",
        subject=name,
        headline=mae,
        figures=(Figure("n", "n", "games", "{}"), mae),
        summary="MAE {mae:.2f}",
        brief=name + " MAE {mae:.2f}",
        promotion=Promotion("mae", 0.02, True, "mae", float("inf"), 99.0, "{name} {value}"),
        estimator="tests.toy:estimator",
        features="tests.toy:FEATURES",
        output=name,
        digits=1,
        required=required,
        since="0.2.0",
    )


def test_a_registered_model_joins_the_set_and_an_older_set_lacks_it() -> None:
    toy = _toy()
    extension = modelset.register(toy)
    try:
        assert modelset.names() == (*modelset.MODEL_NAMES, "spread")
        assert modelset.spec("spread") is toy
        assert modelset.required() == modelset.models()[:4]
        manifest = Manifest.from_json(json.loads(OLD_MANIFEST))
        margin, total = modelset.game_distributions()
        assert manifest.lacking() == (margin, total, toy)
        assert modelset.lacking_line(manifest.lacking()) == (
            "lacks margin (new in nba-ml 0.2.0), total (new in nba-ml 0.2.0), spread (new in "
            "nba-ml 0.2.0): trained before they existed; the next training adds them"
        )
        metrics = {**manifest.record.metrics, "spread": {"mae": 10.5}}
        assert modelset.brief_line(metrics).endswith(
            "MAE points 4.90 / assists 1.30 / rebounds 2.00, spread MAE 10.50"
        )
        with pytest.raises(ValueError, match="exists"):
            modelset.register(_toy())
    finally:
        modelset.unregister(extension)
    assert modelset.names() == modelset.MODEL_NAMES
    assert modelset.lacking_line(()) == ""


def test_the_lack_of_several_models_is_one_line() -> None:
    line = modelset.lacking_line((_toy("a"), _toy("b")))
    assert line == (
        "lacks a (new in nba-ml 0.2.0), b (new in nba-ml 0.2.0): trained before they existed; "
        "the next training adds them"
    )


def test_the_promotion_rules_are_in_the_specs() -> None:
    game, points = modelset.spec("game_outcome").promotion, modelset.spec("points").promotion
    assert (game.figure, game.tolerance, game.relative, game.floor) == ("brier", 0.005, False, 0.25)
    assert (points.figure, points.tolerance, points.relative) == ("mae", 0.02, True)
    assert (points.floor_figure, points.floor) == ("ratio_last10", 1.0)
    assert game.tolerance_text() == "0.005" and points.tolerance_text() == "2%"


def test_the_player_models_carry_distributions_and_the_backtest_adds_margin_and_total() -> None:
    players = modelset.of_level(Level.PLAYER)
    assert all(m.distribution is not None for m in players)
    assert modelset.spec("game_outcome").distribution is None
    points = modelset.spec("points")
    assert [f.key for f in points.all_figures()][-4:] == [
        "crps",
        "coverage_50",
        "coverage_80",
        "coverage_90",
    ]
    assert points.figure("crps").label == "CRPS"
    # the game distributions are models of the registry: trained, installed, served
    margin, total = modelset.game_distributions()
    assert (margin.name, margin.target, total.name, total.target) == (
        "margin",
        "home_margin",
        "total",
        "total_pts",
    )
    assert margin.distribution is not None and margin.distribution.tolerance == 0.02
    assert (margin.promotion.figure, margin.promotion.tolerance) == ("mae", 0.02)
    assert margin.chart_title() == "Home margin: MAE"
    assert total.chart_title() == "Game total: MAE"
    assert [m.name for m in modelset.backtest_models()] == [
        "game_outcome",
        "margin",
        "total",
        "points",
        "assists",
        "rebounds",
    ]
