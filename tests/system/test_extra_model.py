"""A model that is not built in needs a spec, its estimator and its features, and nothing else:
registered by a fixture, a toy game-level regressor (the home team's points) is trained,
installed, verified, served and measured by the same code as the built-in four, and a set
trained before it existed is still served, saying in one line what it lacks.

Everything runs in this process on small synthetic seasons (tests/synthetic.py), with the quick
player models of tests/conftest.py and one job.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nba_ml import modelset
from nba_ml.commands.check import check, problems_by_model
from nba_ml.commands.status import status
from nba_ml.commands.train import train
from nba_ml.config import Settings, resolve_settings
from nba_ml.data.importer import load_directory
from nba_ml.errors import Outcome
from nba_ml.modeling.backtest import run_backtest
from nba_ml.modeling.promotion import compare, floor_misses
from nba_ml.modelset import Figure, Level, ModelSpec, Promotion, Task
from nba_ml.report.runs_section import runs_section
from nba_ml.serving import api
from nba_ml.serving.predictor import load_predictor
from nba_ml.state.metrics import render_metrics
from nba_ml.state.store import read_manifest

# ------------------------------------------------------------ the toy: spec, estimator, features

TOY_FEATURES = ("rest_diff", "rot_box_diff", "rot_pm_diff")


def toy_estimator(spec: ModelSpec) -> Any:
    """A ridge regression of the home team's points on a few game features."""
    del spec
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [("impute", SimpleImputer(strategy="median", keep_empty_features=True)), ("ridge", Ridge())]
    )


MAE = Figure("mae", "mae", "MAE", "{:.3f}", "Holdout mean absolute error.")
TOY = ModelSpec(
    name="home_points",
    file="home_points_model.skops",
    level=Level.GAME,
    task=Task.REGRESSOR,
    target="home_pts",
    subject="home points",
    headline=MAE,
    figures=(Figure("n", "n", "games", "{}"), MAE),
    summary="MAE {mae:.2f}",
    brief="home points MAE {mae:.2f}",
    promotion=Promotion(
        figure="mae",
        tolerance=0.02,
        relative=True,
        floor_figure="mae",
        floor=30.0,
        missing=99.0,
        floor_text="home points MAE {value:.3f} is over {floor}",
    ),
    estimator=f"{__name__}:toy_estimator",
    features=f"{__name__}:TOY_FEATURES",
    output="home_points",
    digits=1,
    required=False,
    since="9.9.9",
)
LACKS = (
    "lacks home_points (new in nba-ml 9.9.9): trained before it existed; the next training adds it"
)


def _settings(data_dir: Path) -> Settings:
    return resolve_settings(data_dir, environ={"NBA_ML_JOBS": "1"})


@pytest.fixture(scope="module")
def before_toy(
    tmp_path_factory: pytest.TempPathFactory, synthetic_seasons: Path, quick_models: None
) -> Path:
    """A data directory whose set was trained before the toy model was registered."""
    data_dir = tmp_path_factory.mktemp("before-toy") / "data"
    result = train(_settings(data_dir), force=True, source=synthetic_seasons)
    assert result.outcome is Outcome.TRAINED
    return data_dir


@pytest.fixture(scope="module")
def toy(before_toy: Path) -> Iterator[ModelSpec]:
    """The toy model, in the registry for this module's tests."""
    extension = modelset.register(TOY)
    yield TOY
    modelset.unregister(extension)


@pytest.fixture(scope="module")
def with_toy(
    toy: ModelSpec,
    before_toy: Path,
    tmp_path_factory: pytest.TempPathFactory,
    synthetic_seasons: Path,
    quick_models: None,
) -> tuple[Path, Any]:
    """The set trained before the toy, then retrained with it (the nightly training would)."""
    data_dir = tmp_path_factory.mktemp("with-toy") / "data"
    shutil.copytree(before_toy, data_dir, symlinks=True)
    result = train(_settings(data_dir), force=True, source=synthetic_seasons)
    return data_dir, result


# ---------------------------------------------------------------- a set that lacks it


def test_a_set_trained_before_the_model_is_served_and_says_what_it_lacks(
    toy: ModelSpec, before_toy: Path
) -> None:
    settings = _settings(before_toy)
    result = check(settings, full_load=True)
    assert result.ok and result.lacking == ("home_points",)
    assert result.lines() == ["ok: 6 models valid (loaded)", LACKS]
    report = status(settings)
    assert report.models.valid and report.models.lacking == ["home_points"]
    # nothing needs attention for it (the synthetic data is stale today, which is another matter)
    assert not any("home_points" in item or "invalid" in item for item in report.attention)
    toy_file = report.models.files[-1]
    assert (toy_file.model, toy_file.valid, toy_file.problem) == ("home_points", False, None)
    from nba_ml.cli.render import status_lines

    lines = status_lines(report)
    assert f"models: {LACKS}" in lines
    assert any(line.split()[:3] == ["home_points", "missing", "lacking"] for line in lines), lines
    predictor = load_predictor(before_toy)
    assert "home_points" not in predictor.models
    day = (predictor.last_game_date + dt.timedelta(days=1)).isoformat()
    answer = api.games_answer(predictor, {"home": "BOS", "away": "PHI", "date": day})
    assert "home_points" not in answer and 0 < answer["home_win_probability"] < 1


# ---------------------------------------------------------------- a set that has it


def test_training_adds_it_past_the_gate(with_toy: tuple[Path, Any]) -> None:
    data_dir, result = with_toy
    assert result.outcome is Outcome.TRAINED
    assert result.message.startswith("7 models on 2017-18, 2018-19")
    assert ", home points MAE " in result.message  # the train line reads every spec
    manifest = read_manifest(data_dir)
    assert manifest is not None and manifest.models["home_points"].file == TOY.file
    assert (data_dir / "models" / TOY.file).is_file()
    figures = manifest.record.figures("home_points")
    assert figures is not None and set(figures) == {"n", "mae", "ratio_last10"}


def test_check_and_status_show_it(with_toy: tuple[Path, Any], tmp_path: Path) -> None:
    data_dir, _ = with_toy
    settings = _settings(data_dir)
    result = check(settings, full_load=True)
    assert result.ok and result.lacking == () and result.lines() == ["ok: 7 models valid (loaded)"]
    report = status(settings)
    files = {f.model: f for f in report.models.files}
    assert list(files) == [*modelset.MODEL_NAMES, "home_points"]
    assert files["home_points"].valid and files["home_points"].metrics is not None
    as_json = json.loads(json.dumps(report.to_json()))
    toy_json = [f for f in as_json["models"]["files"] if f["model"] == "home_points"]
    assert toy_json and toy_json[0]["metrics"]["mae"] == files["home_points"].metrics["mae"]
    from nba_ml.cli.render import status_lines

    row = [line for line in status_lines(report) if line.split()[:1] == ["home_points"]]
    mae = files["home_points"].metrics["mae"]
    assert len(row) == 1 and row[0].endswith(f"ok       MAE {mae:.2f}"), row
    damaged = tmp_path / "data"
    shutil.copytree(data_dir, damaged, symlinks=True)
    (damaged / "models" / TOY.file).unlink()  # a file the manifest lists is missing: invalid
    broken = check(_settings(damaged))
    assert not broken.ok
    assert ("home_points", "missing") in problems_by_model(_settings(damaged), broken.verification)


def test_the_metrics_file_and_the_report_show_it(with_toy: tuple[Path, Any]) -> None:
    data_dir, result = with_toy
    manifest = read_manifest(data_dir)
    text = render_metrics([], manifest, True)
    assert f'nba_ml_holdout_mae{{generation="{manifest.generation}",model="home_points"}}' in text
    runs = [
        {
            "started_at": f"2026-11-0{n}T10:00:00+00:00",
            "outcome": "trained",
            "exit_code": 0,
            "command": "train",
            "message": "m",
            "figures": result.figures,
        }
        for n in (1, 2)
    ]
    html = runs_section(runs, None)
    assert "home_points: MAE across recorded runs" in html


def test_the_gate_judges_it_by_its_spec(toy: ModelSpec) -> None:
    current = {"home_points": {"mae": 10.0}}
    assert compare({"home_points": {"mae": 10.1}}, current) == []
    assert compare({"home_points": {"mae": 10.5}}, current) == [
        "home points MAE 10.500 is worse than the current 10.000 (tolerance 2%)"
    ]
    assert compare({"home_points": {"mae": 10.5}}, {}) == []  # a current set that lacks it
    assert "home points MAE 31.000 is over 30.0" in floor_misses({"home_points": {"mae": 31.0}})


def test_the_backtest_and_the_api_show_it(
    with_toy: tuple[Path, Any], synthetic_seasons: Path, quick_models: None
) -> None:
    result = run_backtest(load_directory(synthetic_seasons), "2018-19")
    rows = result.predictions[result.predictions["model"] == "home_points"]
    assert len(rows) == result.figures["home_points"]["n"] > 0
    distributions = {spec.name for spec in modelset.game_distributions()}  # margin, total
    shown = {*modelset.MODEL_NAMES, *distributions, "home_points"}
    assert set(result.predictions["model"]) == shown
    data_dir, _ = with_toy
    predictor = load_predictor(data_dir)
    day = (predictor.last_game_date + dt.timedelta(days=1)).isoformat()
    answer = api.games_answer(predictor, {"home": "BOS", "away": "PHI", "date": day})
    assert answer["home_points"] > 50 and 0 < answer["home_win_probability"] < 1
