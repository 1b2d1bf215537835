"""manifest: the typed manifest.json of an installed set. The JSON on disk is manifest schema 2
exactly as earlier releases wrote it, and damage reads as None, never as a crash."""

from __future__ import annotations

import json

import pytest

from nba_ml import manifest as manifest_module
from nba_ml.manifest import (
    MANIFEST_SCHEMA,
    Manifest,
    ManifestDamaged,
    ModelEntry,
    TrainingRecord,
)

# A manifest as nba-ml 0.1.0 wrote it before this module existed (state/install.py built the
# dict by hand): it must still parse, verify and be served.
OLD_MANIFEST = """{
  "generation": "20240101T100000Z-abcdef",
  "models": {
    "assists": {"bytes": 10, "file": "assists_prediction_model.skops", "sha256": "a"},
    "game_outcome": {"bytes": 11, "file": "game_outcome_model.skops", "sha256": "g"},
    "points": {"bytes": 12, "file": "points_prediction_model.skops", "sha256": "p"},
    "rebounds": {"bytes": 13, "file": "rebounds_prediction_model.skops", "sha256": "r"}
  },
  "previous_generation": null,
  "schema": 2,
  "trained_at": "2024-01-01T10:00:00+00:00",
  "training": {
    "calibration": [{"count": 3, "high": 0.6, "low": 0.5, "observed": 0.6, "predicted": 0.55}],
    "data_sha256": "d",
    "first_game_date": "2022-10-18",
    "history_sha256": "h",
    "holdout": {"games": 600, "name": "season 2023-24", "player_games": 12000,
                "start": "2023-10-24"},
    "last_game_date": "2023-12-31",
    "metrics": {
      "assists": {"mae": 1.3, "mae_ewma": 1.35, "mae_last10": 1.4, "mae_season": 1.38, "n": 12000,
                  "ratio_last10": 0.93},
      "game_outcome": {"accuracy": 0.66, "brier": 0.2132, "home_win_rate": 0.55, "log_loss": 0.61,
                       "n": 600},
      "points": {"mae": 4.9, "mae_ewma": 5.0, "mae_last10": 5.1, "mae_season": 5.05, "n": 12000,
                 "ratio_last10": 0.96},
      "rebounds": {"mae": 2.0, "mae_ewma": 2.1, "mae_last10": 2.15, "mae_season": 2.12,
                   "n": 12000, "ratio_last10": 0.93}
    },
    "rows": {"games": 1800, "player_games": 40000, "team_games": 3600},
    "seasons": ["2022-23", "2023-24"],
    "seconds": 41.5
  },
  "versions": {"nba_ml": "0.1.0", "python": "3.12.1", "sklearn": "1.5.0"}
}"""


def test_a_manifest_written_by_the_old_code_parses_and_writes_back_unchanged() -> None:
    raw = json.loads(OLD_MANIFEST)
    manifest = Manifest.from_json(raw)
    assert manifest.schema == MANIFEST_SCHEMA
    assert manifest.generation == "20240101T100000Z-abcdef"
    assert manifest.previous_generation is None
    assert manifest.trained_at == "2024-01-01T10:00:00+00:00"
    assert manifest.models["points"] == ModelEntry("points_prediction_model.skops", "p", 12)
    assert manifest.versions["sklearn"] == "1.5.0"
    record = manifest.record
    assert record.seasons == ("2022-23", "2023-24")
    assert record.first_game_date == "2022-10-18"
    assert record.last_game_date == "2023-12-31"
    assert str(record.last_game) == "2023-12-31"
    assert record.holdout == manifest_module.Holdout("season 2023-24", "2023-10-24", 600, 12000)
    assert record.history_sha256 == "h"
    assert record.rows == {"games": 1800, "player_games": 40000, "team_games": 3600}
    assert record.figure("game_outcome", "brier") == 0.2132
    assert record.figures("points") == raw["training"]["metrics"]["points"]
    assert record.calibration[0]["count"] == 3
    assert record.problems == ()
    # written before the home margin and the total existed: it lacks them, and says so
    assert [spec.name for spec in manifest.lacking()] == ["margin", "total"]
    assert manifest.to_json() == raw
    assert json.loads(json.dumps(manifest.to_json())) == raw


def test_a_new_manifest_is_schema_2_as_the_old_code_wrote_it() -> None:
    raw = json.loads(OLD_MANIFEST)
    manifest = Manifest.new(
        generation=raw["generation"],
        previous_generation=None,
        trained_at=raw["trained_at"],
        models={
            name: ModelEntry(e["file"], e["sha256"], e["bytes"])
            for name, e in raw["models"].items()
        },
        versions=raw["versions"],
        training=raw["training"],
    )
    assert manifest.to_json() == raw


@pytest.mark.parametrize("raw", [[], "text", None, {"schema": 2}, {"models": []}, {"models": "x"}])
def test_a_manifest_without_a_models_table_is_damaged(raw: object) -> None:
    with pytest.raises(ManifestDamaged, match="has no models table"):
        Manifest.from_json(raw)


def test_damaged_fields_read_as_none_never_as_a_crash() -> None:
    manifest = Manifest.from_json(
        {
            "models": {"points": [], "assists": {"file": 3, "sha256": None, "bytes": True}},
            "generation": 7,
            "trained_at": ["x"],
            "versions": "1.5",
            "training": [],
        }
    )
    assert manifest.generation is None and manifest.trained_at is None
    assert manifest.models == {"assists": ModelEntry(None, None, None)}
    assert manifest.versions == {}
    assert manifest.training is None
    assert manifest.record.metrics == {} and manifest.record.holdout is None
    record = TrainingRecord.from_json(
        {
            "last_game_date": "yesterday",
            "holdout": {"name": 1, "games": "600", "player_games": False},
            "metrics": {"points": 3, "assists": {"mae": "1.3"}, "rebounds": {"mae": 10**400}},
            "seasons": ["2023-24", 2024],
            "calibration": [1, {"count": 2}],
            "history_sha256": "",
        }
    )
    assert record.last_game_date is None and record.last_game is None
    assert record.problems == ("the manifest's last_game_date 'yesterday' is not a date",)
    assert record.holdout == manifest_module.Holdout(None, None, None, None)
    assert set(record.metrics) == {"assists", "rebounds"}
    assert record.figure("assists", "mae") is None
    assert record.figure("rebounds", "mae") is None
    assert record.figure("points", "mae") is None
    assert record.seasons == ("2023-24",)
    assert record.calibration == ({"count": 2},)
    assert record.history_sha256 is None
    # a date followed by a time is read as that date
    assert str(TrainingRecord.from_json({"last_game_date": "2024-01-02T00:00"}).last_game) == (
        "2024-01-02"
    )
