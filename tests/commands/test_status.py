"""``status``: a typed report that renders every fact once and survives damaged state."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from nba_ml.cli.render import render_status_rich, status_lines
from nba_ml.commands.status import (
    DataStatus,
    Holdout,
    LockStatus,
    ModelFile,
    ModelsStatus,
    RunLine,
    ScheduleStatus,
    SettingValue,
    StatusReport,
    status,
)
from nba_ml.config import resolve_settings
from tests.conftest import copy_data_dir

MODELS = ("game_outcome", "points", "assists", "rebounds")


def _report(attention: list[str]) -> StatusReport:
    figures = {"mae": 5.1, "mae_last10": 5.3, "ratio_last10": 0.96}
    files = [ModelFile(m, f"/d/models/{m}.pkl", 2048, "ab" * 32, True, None,
                       {"brier": 0.22, "log_loss": 0.63, "accuracy": 0.65} if m == MODELS[0]
                       else figures) for m in MODELS]
    return StatusReport(
        data_dir="/d", healthy=not attention, attention=attention,
        models=ModelsStatus(True, [], "2026-11-30T10:00:00+00:00", 23.5, "g1",
                            ["2024-25", "2025-26"], "2024-10-22", "2026-11-29",
                            Holdout("season 2025-26", 1230, 26000), files),
        lock=LockStatus(held=False),
        data=DataStatus("/d/raw", "2026-11-29", "2026-11-29", "2026-11-30", 1, False, True),
        runs=[RunLine("2026-11-30T10:00:00+00:00", "2026-11-30T10:01:00+00:00", "train",
                      "busy", 75, "another training is running")],
        runs_problem=None,
        schedule=ScheduleStatus("2026-12-01T04:00:00-06:00", "2026-12-01T10:00:00+00:00",
                                "America/Chicago", 4, 0),
        settings=[SettingValue("jobs", "NBA_ML_JOBS", "2", "environment")])


@pytest.mark.parametrize("attention", [[], ["last run busy (exit 75): another training"],
                                       ["one", "two", "three"]])
def test_terminal_view_shows_each_model_once_and_the_holdout(attention: list[str]) -> None:
    """The old renderer sliced the text lines at an offset that forgot the attention items: a
    terminal status needing attention printed its last table rows twice and no holdout line."""
    out = io.StringIO()
    render_status_rich(_report(attention), Console(file=out, width=200, force_terminal=False))
    text = out.getvalue()
    for model in MODELS:
        assert text.count(f"{model} ") == 1, text
    assert text.count("holdout: season 2025-26 (1230 games, 26000 player-games)") == 1
    for item in attention:
        assert text.count(f"! {item}") == 1
    assert text.count("lock: free") == 1 and text.count("next run:") == 1
    assert "NBA_ML_JOBS=2 (environment)" in text


def test_text_view_has_every_fact_once() -> None:
    lines = status_lines(_report(["x"]))
    assert lines[:3] == ["nba-ml status — /d", "health: NEEDS ATTENTION", "  ! x"]
    assert sum(line.startswith("holdout:") for line in lines) == 1
    assert sum(line.startswith("  points ") for line in lines) == 1
    assert any("train   busy" in line and "exit 75" in line for line in lines)


def test_control_characters_never_reach_the_terminal() -> None:
    report = _report(["models invalid: /d/\x1b[31mred\nnext"])
    lines = status_lines(report)
    assert all("\x1b" not in line and "\n" not in line for line in lines)
    out = io.StringIO()
    render_status_rich(report, Console(file=out, width=200, force_terminal=False))
    assert "\x1b[31m" not in out.getvalue()


def _manifest_path(data_dir: Path) -> Path:
    return (data_dir / "models" / "manifest.json").resolve()


@pytest.mark.parametrize("damage", [
    lambda m: m.__setitem__("training", []),
    lambda m: m["training"].__setitem__("last_game_date", "yesterday"),
    lambda m: m["training"].__setitem__("last_game_date", 20190613),
    lambda m: m["training"].__setitem__("metrics", {"points": "x"}),
    lambda m: m["training"].__setitem__("holdout", "season"),
    lambda m: m.__setitem__("models", None),
])
def test_status_renders_a_damaged_manifest(trained_dir: Path, tmp_path: Path,
                                           damage: object) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    path = _manifest_path(copy)
    manifest = json.loads(path.read_text())
    damage(manifest)  # type: ignore[operator]
    path.chmod(0o640)
    path.write_text(json.dumps(manifest))
    report = status(resolve_settings(copy, environ={}))
    text = "\n".join(status_lines(report))
    assert "next run:" in text and "rebounds" in text
    json.dumps(report.to_json())
    if not isinstance(manifest["training"], dict):
        assert any("records no training" in item for item in report.attention)
    elif not isinstance(manifest["training"].get("last_game_date"), str) or (
            manifest["training"]["last_game_date"] == "yesterday"):
        assert any("last_game_date" in item for item in report.attention)
        assert report.models.last_game_date is None


def test_status_renders_odd_run_lines(trained_dir: Path, tmp_path: Path) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    lines = ['{"command": null}', '{"command": "train", "exit_code": "one", "message": 5}',
             "[1, 2]", "not json", '{"outcome": "failed", "exit_code": 1}']
    (copy / "runs.jsonl").write_text("\n".join(lines) + "\n")
    report = status(resolve_settings(copy, environ={}))
    assert [run.command for run in report.runs] == [None, "train", None]
    assert report.runs[1].exit_code is None and report.runs[1].message == "5"
    assert any("last run failed (exit 1)" in item for item in report.attention)
    text = "\n".join(status_lines(report))
    assert "?       " in text
