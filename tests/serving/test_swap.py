"""serving.swap: the identity of the installed set, the first calls of fresh models, and the
heap trim after a load."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from nba_ml.data.importer import GameData
from nba_ml.serving import swap
from tests.serving.conftest import new_predictor


def test_installed_key_follows_the_link_and_its_manifest(tmp_path: Path) -> None:
    assert swap.installed_key(tmp_path) is None
    (tmp_path / "generations" / "a").mkdir(parents=True)
    os.symlink("generations/a", tmp_path / "models")
    no_manifest = swap.installed_key(tmp_path)
    assert no_manifest == ("generations/a", None)
    (tmp_path / "generations" / "a" / "manifest.json").write_text("{}")
    with_manifest = swap.installed_key(tmp_path)
    assert with_manifest is not None and with_manifest[0] == "generations/a"
    assert with_manifest != no_manifest


def test_exercise_answers_a_prepared_day_and_skips_an_unprepared_one(
    synthetic_models: dict[str, object], synthetic_games: GameData, first_day: dt.date
) -> None:
    predictor = new_predictor(synthetic_models, synthetic_games)
    swap.exercise(predictor, [first_day])  # nothing prepared: nothing computed
    assert predictor.day_rows.days() == []
    predictor.warm(first_day)
    swap.exercise(predictor, [first_day])
    assert predictor.day_rows.days() == [pd.Timestamp(first_day)]
    swap.trim_heap()  # a no-op off glibc; never raises
