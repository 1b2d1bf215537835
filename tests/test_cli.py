"""The command line: exit codes and one-line messages for every command (in-process runner)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nba_ml.cli.app import app
from nba_ml.state.lock import TrainingLock
from tests.conftest import GAMELOGS, copy_data_dir

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if " - ERROR - " in line]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr
    return errors[0]


def test_version_and_help() -> None:
    assert run("--version").stdout.startswith("nba-ml ")
    result = run("--help")
    assert result.exit_code == 0
    for command in ("check", "train", "ensure", "status", "backtest", "predict", "schedule",
                    "report"):
        assert command in result.stdout


def test_check_without_models_names_each_missing_model(data_dir: Path) -> None:
    result = run("check")
    assert result.exit_code == 1
    for model in ("game_outcome", "points", "assists", "rebounds"):
        assert f"invalid: {model}: missing" in result.stderr
    as_json = json.loads(run("check", "--json").stdout)
    assert as_json["ok"] is False and as_json["problems"]


def test_check_and_ensure_on_valid_models(trained_dir: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    result = run("check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 4 models valid (verified by sha256, not loaded)")
    full = run("check", "--full", "--json")
    assert full.exit_code == 0 and json.loads(full.stdout)["loaded"] is True
    ensured = run("ensure")
    assert ensured.exit_code == 0 and ensured.stdout.startswith("valid:")


def test_check_names_a_tampered_model(trained_dir: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy))
    target = (copy / "models" / "assists_prediction_model.pkl").resolve()
    target.write_bytes(target.read_bytes() + b"x")
    result = run("check")
    assert result.exit_code == 1
    assert "assists" in result.stderr and "sha256" in result.stderr


def test_train_skips_fresh_models_and_says_why(trained_dir: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    result = run("train", "--from", str(GAMELOGS))
    assert result.exit_code == 0
    assert result.stdout.startswith("skipped: models are ")
    assert "use `train --force`" in result.stdout


def test_train_while_another_holds_the_lock_exits_75(data_dir: Path, two_seasons: Path) -> None:
    data_dir.mkdir()
    with TrainingLock(data_dir / "train.lock"):
        result = run("train", "--force", "--from", str(two_seasons))
    assert result.exit_code == 75
    assert "another training is running" in one_error_line(result.stderr)


def test_train_missing_column_names_file_and_column(data_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "bad"
    source.mkdir()
    lines = (GAMELOGS / "team_game_logs_2018-19.csv").read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("MATCHUP")
    rows = [",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines[:50]]
    (source / "team_game_logs_2018-19.csv").write_text("\n".join(rows) + "\n")
    result = run("train", "--force", "--from", str(source))
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "team_game_logs_2018-19.csv" in line and "MATCHUP" in line


@pytest.mark.parametrize(("args", "env", "needle"), [
    (["train", "--bogus"], {}, "No such option"),
    (["train", "--wait", "-3"], {}, "--wait"),
    (["backtest", "--from", "/nonexistent", "--test-season", "2019-20", "--output", "x.csv"],
     {}, "does not exist"),
    (["status"], {"NBA_TRAINING_HOUR": "four"}, "NBA_TRAINING_HOUR='four' is not a whole number"),
    (["status"], {"NBA_TRAINING_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
    (["train"], {"NBA_ML_MAX_AGE_HOURS": "-1"}, "out of range"),
    (["schedule", "crontab"], {}, "expected cron, cronie or systemd"),
])
def test_usage_errors_exit_2(data_dir: Path, args: list[str], env: dict[str, str],
                             needle: str) -> None:
    result = run(*args, env=env)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [
    ["train", "--from", str(GAMELOGS)], ["ensure"], ["check"], ["status"],
    ["predict", "game", "BOS", "PHI"]])
def test_data_dir_that_is_a_file_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "file"
    path.write_text("")
    result = run(*command, env={"NBA_ML_DATA_DIR": str(path)})
    assert result.exit_code == 2
    assert f"data directory {path} exists and is not a directory" in one_error_line(
        result.stderr)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_data_dir_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "ro"
    path.mkdir(mode=0o500)
    result = run("train", "--from", str(GAMELOGS), env={"NBA_ML_DATA_DIR": str(path)})
    assert result.exit_code == 2


def test_backtest_unknown_season_exits_1(tmp_path: Path, two_seasons: Path) -> None:
    result = run("backtest", "--from", str(two_seasons), "--test-season", "2020-21",
                 "--output", str(tmp_path / "out.csv"))
    assert result.exit_code == 1
    assert "season 2020-21 is not in the data" in one_error_line(result.stderr)
    bad = run("backtest", "--from", str(two_seasons), "--test-season", "2020-2021",
              "--output", str(tmp_path / "out.csv"))
    assert bad.exit_code == 2


def test_status_reports_models_schedule_and_staleness(trained_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    result = run("status", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["models"]["valid"] is True
    assert {f["model"] for f in report["models"]["files"]} == {
        "game_outcome", "points", "assists", "rebounds"}
    assert report["models"]["last_game_date"] == "2019-06-13"
    assert report["schedule"]["next_run_local"].endswith(("-06:00", "-05:00"))
    assert report["lock"]["held"] is False
    text = run("status")
    assert "next run:" in text.stdout and "points" in text.stdout
    assert "\x1b[" not in text.stdout  # no colour when piped
    strict = run("status", "--strict")
    expected = 0 if report["healthy"] else 1
    assert strict.exit_code == expected


def test_predict_game_and_player(trained_dir: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    game = run("predict", "game", "BOS", "PHI", "--date", "2019-10-22", "--json")
    assert game.exit_code == 0, game.stderr
    probability = json.loads(game.stdout)["home_win_probability"]
    assert 0.05 < probability < 0.95
    player = run("predict", "player", "LeBron James", "--opponent", "GSW", "--home",
                 "--date", "2019-10-22")
    assert player.exit_code == 0, player.stderr
    assert player.stdout.startswith("LeBron James (LAL vs GSW): points ")
    unknown = run("predict", "player", "Lebron Jams", "--date", "2019-10-22")
    assert unknown.exit_code == 2
    assert "did you mean LeBron James?" in one_error_line(unknown.stderr)
    team = run("predict", "game", "BOX", "PHI", "--date", "2019-10-22")
    assert team.exit_code == 2 and "unknown team 'BOX'" in team.stderr
    past = run("predict", "game", "BOS", "PHI", "--date", "2018-01-01")
    assert past.exit_code == 2 and "not after the last game" in past.stderr


def test_predict_without_models_exits_1(data_dir: Path) -> None:
    result = run("predict", "game", "BOS", "PHI")
    assert result.exit_code == 1
    assert "not usable" in one_error_line(result.stderr)


def test_schedule_prints_cron_and_systemd(data_dir: Path) -> None:
    cron = run("schedule", "cron", "--executable", "/opt/nba-ml/.venv/bin/nba-ml")
    assert cron.exit_code == 0
    assert "train --force --scheduled" in cron.stdout
    units = run("schedule", "systemd", "--executable", "/opt/nba-ml/.venv/bin/nba-ml")
    assert "OnCalendar=*-*-* 04:00:00 America/Chicago" in units.stdout
    bad = run("schedule", "cron", env={"NBA_TRAINING_MINUTE": "61"})
    assert bad.exit_code == 2


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something nobody planned for\nsecond line")


def test_an_unexpected_error_in_train_is_one_line_recorded_and_exit_1(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nba_ml.commands import train

    monkeypatch.setattr(train, "train", _boom)
    data_dir.mkdir()
    result = run("train", "--force", "--from", str(GAMELOGS))
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert line.endswith("unexpected error: RuntimeError: something nobody planned for (a bug: "
                         "please report it with the output of the same command run with "
                         "--verbose)")
    last = json.loads((data_dir / "runs.jsonl").read_text().splitlines()[-1])
    assert (last["outcome"], last["exit_code"]) == ("failed", 1)
    verbose = run("-v", "train", "--force", "--from", str(GAMELOGS))
    assert "Traceback (most recent call last)" in verbose.stderr  # at DEBUG, for the bug report


def test_the_entry_point_turns_any_stray_exception_into_one_line(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from nba_ml.cli import main as cli
    from nba_ml.commands import status

    monkeypatch.setattr(status, "status", _boom)
    monkeypatch.setattr(sys, "argv", ["nba-ml", "status"])
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 1
    stderr = capsys.readouterr().err
    assert "unexpected error: RuntimeError: something nobody planned for" in one_error_line(
        stderr)
