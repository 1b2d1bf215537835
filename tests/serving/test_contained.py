"""serving.contained: a served set is self-contained (its game data held open), bounded (the
horizon) and computes an unprepared day in a helper process; the held data is checked again
when its file changes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from nba_ml.errors import DataError
from nba_ml.manifest import Manifest
from nba_ml.serving import contained
from nba_ml.serving.predictor import Predictor
from nba_ml.state.history import history_path


def _models_only(saved_games: tuple[Path, str], models: dict[str, object]) -> Predictor:
    data_dir, sha256 = saved_games
    manifest = {"generation": "g", "models": {}, "training": {"history_sha256": sha256}}
    return Predictor(dict(models), None, Manifest.from_json(manifest), data_dir)


def _install(data_dir: Path, sha256: str) -> None:
    (data_dir / "generations" / "g").mkdir(parents=True)
    (data_dir / "generations" / "g" / "manifest.json").write_text(
        json.dumps({"generation": "g", "models": {}, "training": {"history_sha256": sha256}})
    )
    (data_dir / "models").symlink_to("generations/g")


def test_an_equipped_set_holds_its_data_and_computes_in_a_helper_after_a_prune(
    saved_games: tuple[Path, str], synthetic_models: dict[str, object], first_day: dt.date
) -> None:
    data_dir, sha256 = saved_games
    _install(data_dir, sha256)
    held = contained.hold_installed(data_dir)
    assert held is not None and held.sha256 == sha256
    predictor = _models_only(saved_games, synthetic_models)
    contained.equip(
        predictor, held, data_dir, horizon_days=3, today=lambda: first_day, helper_process=True
    )
    assert predictor.held is held and predictor.horizon_days == 3
    assert predictor.busy_wait == contained.BUSY_WAIT
    history_path(data_dir, sha256).unlink()  # pruned by the trainer
    (out,) = predictor.predict_games([("BOS", "PHI")])  # today: computed in a helper
    assert out.game_date == first_day.isoformat()
    assert predictor.history is None  # this process never held the tables
    assert not predictor.accepts_date(first_day + dt.timedelta(days=4))


def test_equip_refuses_a_set_whose_data_cannot_be_held(
    saved_games: tuple[Path, str], synthetic_models: dict[str, object], first_day: dt.date
) -> None:
    data_dir, sha256 = saved_games
    assert contained.hold_installed(data_dir) is None  # nothing installed
    history_path(data_dir, sha256).unlink()
    predictor = _models_only(saved_games, synthetic_models)
    with pytest.raises(DataError, match="is missing"):
        contained.equip(
            predictor,
            None,
            data_dir,
            horizon_days=None,
            today=lambda: first_day,
            helper_process=False,
        )


def test_held_problem_verifies_again_only_when_the_file_changed(
    saved_games: tuple[Path, str], synthetic_models: dict[str, object], first_day: dt.date
) -> None:
    data_dir, sha256 = saved_games
    predictor = _models_only(saved_games, synthetic_models)
    assert contained.held_problem(predictor, None) == (None, None)  # nothing held
    contained.equip(
        predictor, None, data_dir, horizon_days=None, today=lambda: first_day, helper_process=False
    )
    seen, problem = contained.held_problem(predictor, None)
    assert seen is not None and problem is None
    assert contained.held_problem(predictor, seen) == (seen, None)
    path = history_path(data_dir, sha256)
    path.write_bytes(b"\0" * path.stat().st_size)
    seen_after, problem = contained.held_problem(predictor, seen)
    assert seen_after is None and "altered" in str(problem)
    assert pd.Timestamp(first_day) not in predictor.day_rows.days()
