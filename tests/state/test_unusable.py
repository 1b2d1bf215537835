"""state.unusable: a data directory never trained gets "no models yet" and the command that
makes them; any other problem is named as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from nba_ml.errors import EXIT_FAILURE
from nba_ml.state.store import SET, ModelProblem, load_model_set, verify_model_set
from nba_ml.state.unusable import TRAIN_HINT, nothing_installed, unusable_set


def test_a_directory_never_trained_says_to_train(tmp_path: Path) -> None:
    problems = verify_model_set(tmp_path).problems
    assert nothing_installed(problems)
    error = unusable_set(tmp_path, problems)
    assert error.exit_code == EXIT_FAILURE
    assert str(error) == (
        f"no models in {tmp_path / 'models'} yet: run `nba-ml train` (or "
        "`nba-ml train --from DIR` with game-log files, on a machine without "
        "internet)"
    )
    assert TRAIN_HINT in str(error)
    with pytest.raises(type(error)) as raised:  # what predict and the report raise
        load_model_set(tmp_path)
    assert str(raised.value) == str(error)


def test_other_problems_are_named_once_each(tmp_path: Path) -> None:
    problems = [ModelProblem("points", "missing"), ModelProblem(SET, "manifest.json is damaged")]
    assert not nothing_installed(problems)
    assert str(unusable_set(tmp_path, problems)) == (
        f"models in {tmp_path / 'models'} are not usable: points: missing; model set: "
        "manifest.json is damaged"
    )
    assert "incomplete" in str(unusable_set(tmp_path, []))
