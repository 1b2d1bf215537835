"""``status``: a typed report that survives damaged state (its views: tests/cli/test_render.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nba_ml.cli.render import status_lines
from nba_ml.commands.status import status
from nba_ml.config import resolve_settings
from tests.conftest import copy_data_dir


def _manifest_path(data_dir: Path) -> Path:
    return (data_dir / "models" / "manifest.json").resolve()


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: m.__setitem__("training", []),
        lambda m: m["training"].__setitem__("last_game_date", "yesterday"),
        lambda m: m["training"].__setitem__("last_game_date", 20190613),
        lambda m: m["training"].__setitem__("metrics", {"points": "x"}),
        lambda m: m["training"].__setitem__("holdout", "season"),
        lambda m: m.__setitem__("models", None),
    ],
)
def test_status_renders_a_damaged_manifest(
    trained_dir: Path, tmp_path: Path, damage: object
) -> None:
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
        manifest["training"]["last_game_date"] == "yesterday"
    ):
        assert any("last_game_date" in item for item in report.attention)
        assert report.models.last_game_date is None


def test_status_renders_odd_run_lines(trained_dir: Path, tmp_path: Path) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    lines = [
        '{"command": null}',
        '{"command": "train", "exit_code": "one", "message": 5}',
        "[1, 2]",
        "not json",
        '{"outcome": "failed", "exit_code": 1}',
    ]
    (copy / "runs.jsonl").write_text("\n".join(lines) + "\n")
    report = status(resolve_settings(copy, environ={}))
    assert [run.command for run in report.runs] == [None, "train", None]
    assert report.runs[1].exit_code is None and report.runs[1].message == "5"
    assert any("last run failed (exit 1)" in item for item in report.attention)
    text = "\n".join(status_lines(report))
    assert "?       " in text


def test_data_dated_after_today_needs_attention(tmp_path: Path) -> None:
    # `train --from` a season file dated in the future was "health: OK", while every
    # `predict` was refused ("not after the last game in the data").
    import datetime as dt

    from tests.modelsets import make_models, write_set

    data = tmp_path / "d"
    write_set(data, make_models(1), {"last_game_date": "2030-12-12"})
    now = dt.datetime(2026, 12, 1, 18, tzinfo=dt.timezone.utc)
    report = status(resolve_settings(data, environ={}), now=now)
    assert not report.healthy and report.data.days_behind == -1472
    assert (
        "the data's last game (2030-12-12) is 1472 days after today (2026-12-01): game "
        "logs dated in the future, or a clock set wrong"
    ) in report.attention
    assert not report.data.stale


def test_games_in_the_cached_schedule_make_off_season_data_stale(tmp_path: Path) -> None:
    # the season window was fixed dates: a late season (2020-21 ended on 2021-07-20) whose
    # games the schedule lists was "off-season", never stale
    import datetime as dt

    from nba_ml.data.cache import schedule_path
    from tests.data.test_scoreboard import board_game, scoreboard
    from tests.modelsets import make_models, write_set

    data = tmp_path / "d"
    write_set(data, make_models(1), {"last_game_date": "2031-06-20"})
    now = dt.datetime(2031, 7, 12, 18, tzinfo=dt.timezone.utc)
    settings = resolve_settings(data, environ={})
    report = status(settings, now=now)
    assert not report.data.stale and not report.data.in_season  # the usual calendar
    board = scoreboard([board_game("PHI", "BOS")], day="2031-07-10")
    path = schedule_path(settings.raw_dir, dt.date(2031, 7, 10))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(board))
    report = status(settings, now=now)
    assert report.data.stale and report.data.in_season and report.data.days_behind == 22
    assert "data is 22 days behind today (2031-07-12) during the season" in report.attention


def test_status_looks_for_the_installed_timer_or_crontab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nba_ml.deploy import installed

    monkeypatch.setattr(installed, "installed_schedules", lambda: [])
    assert status(resolve_settings(tmp_path / "d", environ={})).schedule.installed == []
    monkeypatch.setattr(installed, "installed_schedules", lambda: ["/etc/cron.d/nba-ml"])
    report = status(resolve_settings(tmp_path / "d", environ={}))
    assert report.schedule.installed == ["/etc/cron.d/nba-ml"]
    assert report.to_json()["schedule"]["installed"] == ["/etc/cron.d/nba-ml"]
