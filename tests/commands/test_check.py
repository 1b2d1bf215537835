"""``check``: the verdict on the installed set, with every model that cannot be served named once.

The sets are written by the install side from four small fitted scikit-learn models (no training,
no ../shared): valid, missing, or damaged the ways an operator meets them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nba_ml import MODEL_FILES, MODEL_NAMES
from nba_ml.commands.check import CheckResult, check, problems_by_model
from nba_ml.config import Settings, resolve_settings
from nba_ml.state.store import GAME_DATA, SET
from tests.modelsets import make_models, write_set


@pytest.fixture(scope="module")
def models() -> dict[str, object]:
    return make_models(3)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return resolve_settings(tmp_path / "data", environ={})


@pytest.fixture
def installed(settings: Settings, models: dict[str, object]) -> Settings:
    """``settings`` whose data directory holds a valid set."""
    write_set(settings.data_dir, models)
    return settings


def _model_file(settings: Settings, name: str) -> Path:
    return (settings.models_dir / MODEL_FILES[name]).resolve()


def test_a_valid_set_is_ok_verified_by_hash_and_not_loaded(installed: Settings) -> None:
    result = check(installed)
    assert isinstance(result, CheckResult)
    assert (result.ok, result.loaded, result.problems) == (True, False, [])
    assert result.verification.ok and result.verification.manifest is not None
    assert result.seconds == result.verification.seconds >= 0


def test_full_load_also_unpickles_every_model(installed: Settings) -> None:
    result = check(installed, full_load=True)
    assert (result.ok, result.loaded, result.problems) == (True, True, [])


def test_no_set_names_the_set_and_then_every_missing_model(settings: Settings) -> None:
    result = check(settings)
    assert result.ok is False and result.loaded is False
    assert result.problems[0] == (SET, f"no model set at {settings.data_dir / 'models'}")
    assert result.problems[1:] == [
        (name, f"missing ({settings.models_dir / MODEL_FILES[name]})") for name in MODEL_NAMES
    ]


def test_a_full_load_of_a_missing_set_loads_nothing(settings: Settings) -> None:
    result = check(settings, full_load=True)
    assert result.ok is False and result.loaded is False
    assert [model for model, _ in result.problems] == [SET, *MODEL_NAMES]


def test_a_changed_model_file_is_named_alone(installed: Settings) -> None:
    path = _model_file(installed, "assists")
    path.write_bytes(path.read_bytes() + b"x")
    result = check(installed)
    assert result.ok is False
    [(model, problem)] = result.problems
    assert model == "assists"
    assert problem.startswith("sha256 mismatch (") and "file changed since training" in problem


def test_a_deleted_model_file_is_named_once(installed: Settings) -> None:
    _model_file(installed, "rebounds").unlink()
    result = check(installed)
    assert result.problems == [("rebounds", "missing")]  # not again as "missing (path)"


def test_a_missing_manifest_is_a_set_problem_and_the_files_present_are_not_missing(
    installed: Settings,
) -> None:
    (installed.models_dir / "manifest.json").resolve().unlink()
    result = check(installed)
    assert result.problems == [(SET, "manifest.json is missing")]


def test_a_manifest_that_forgets_a_model_names_that_model(installed: Settings) -> None:
    path = (installed.models_dir / "manifest.json").resolve()
    manifest = json.loads(path.read_text())
    del manifest["models"]["points"]
    path.write_text(json.dumps(manifest))
    result = check(installed)
    assert ("points", "not listed in the manifest") in result.problems
    assert not any(model == "points" and "missing" in problem for model, problem in result.problems)


def test_lost_game_data_makes_the_set_unservable(installed: Settings) -> None:
    for path in (installed.data_dir / "history").iterdir():
        path.unlink()
    result = check(installed)
    assert result.ok is False
    assert [model for model, _ in result.problems] == [GAME_DATA]


def test_a_models_directory_that_is_not_the_link_is_refused_and_every_model_named(
    settings: Settings,
) -> None:
    settings.models_dir.mkdir(parents=True)
    result = check(settings)
    assert result.problems[0][0] == SET
    assert "is not the symlink nba-ml installs" in result.problems[0][1]
    assert [model for model, _ in result.problems[1:]] == list(MODEL_NAMES)


def test_problems_by_model_adds_nothing_to_a_valid_verification(installed: Settings) -> None:
    verification = check(installed).verification
    assert problems_by_model(installed, verification) == []
