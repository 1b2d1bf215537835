"""The command line: exit codes and one-line messages for every command (in-process runner)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nba_ml.cli.app import app
from nba_ml.state.lock import TrainingLock
from tests.conftest import GAMELOGS, cli_runner, copy_data_dir

runner = cli_runner()


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
    for command in (
        "check",
        "train",
        "ensure",
        "status",
        "backtest",
        "predict",
        "schedule",
        "report",
    ):
        assert command in result.stdout


def test_check_without_models_names_each_missing_model(data_dir: Path) -> None:
    result = run("check")
    assert result.exit_code == 1
    for model in ("game_outcome", "points", "assists", "rebounds"):
        assert f"invalid: {model}: missing" in result.stderr
    as_json = json.loads(run("check", "--json").stdout)
    assert as_json["ok"] is False and as_json["problems"]


def test_check_and_ensure_on_valid_models(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    result = run("check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: 6 models valid (verified by sha256, not loaded)")
    full = run("check", "--full", "--json")
    assert full.exit_code == 0 and json.loads(full.stdout)["loaded"] is True
    ensured = run("ensure")
    assert ensured.exit_code == 0 and ensured.stdout.startswith("valid:")


def test_check_names_a_tampered_model(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy))
    target = (copy / "models" / "assists_prediction_model.skops").resolve()
    target.write_bytes(target.read_bytes() + b"x")
    result = run("check")
    assert result.exit_code == 1
    assert "assists" in result.stderr and "sha256" in result.stderr


def test_train_skips_fresh_models_and_says_why(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["train", "--bogus"], {}, "No such option"),
        (["train", "--wait", "-3"], {}, "--wait"),
        (
            ["backtest", "--from", "/nonexistent", "--test-season", "2019-20", "--output", "x.csv"],
            {},
            "does not exist",
        ),
        (
            ["status"],
            {"NBA_TRAINING_HOUR": "four"},
            "NBA_TRAINING_HOUR='four' is not a whole number",
        ),
        (["status"], {"NBA_TRAINING_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
        (["train"], {"NBA_ML_MAX_AGE_HOURS": "-1"}, "out of range"),
        (
            ["schedule", "crontab"],
            {},
            "expected cron, cronie, debian, systemd, compose or kubernetes",
        ),
        # A device or a FIFO as --from passed Click's check and failed as bad data (exit 1).
        (["train", "--force", "--from", "/dev/null"], {}, "'/dev/null' is not a directory"),
        (["ensure", "--from", "/dev/null"], {}, "'/dev/null' is not a directory"),
        (
            ["backtest", "--from", "/dev/null", "--test-season", "2019-20", "--output", "x.csv"],
            {},
            "'/dev/null' is not a directory",
        ),
    ],
)
def test_usage_errors_exit_2(
    data_dir: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    result = run(*args, env=env)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["train", "--from", str(GAMELOGS)],
        ["ensure"],
        ["check"],
        ["status"],
        ["predict", "game", "BOS", "PHI"],
    ],
)
def test_data_dir_that_is_a_file_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "file"
    path.write_text("")
    result = run(*command, env={"NBA_ML_DATA_DIR": str(path)})
    assert result.exit_code == 2
    assert f"data directory {path} exists and is not a directory" in one_error_line(result.stderr)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_data_dir_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "ro"
    path.mkdir(mode=0o500)
    result = run("train", "--from", str(GAMELOGS), env={"NBA_ML_DATA_DIR": str(path)})
    assert result.exit_code == 2


def test_backtest_unknown_season_exits_1(tmp_path: Path, two_seasons: Path) -> None:
    result = run(
        "backtest",
        "--from",
        str(two_seasons),
        "--test-season",
        "2020-21",
        "--output",
        str(tmp_path / "out.csv"),
    )
    assert result.exit_code == 1
    assert "season 2020-21 is not in the data" in one_error_line(result.stderr)
    bad = run(
        "backtest",
        "--from",
        str(two_seasons),
        "--test-season",
        "2020-2021",
        "--output",
        str(tmp_path / "out.csv"),
    )
    assert bad.exit_code == 2


def test_backtest_prints_each_models_figures_then_its_distributions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nba_ml.commands import backtest

    spread = {"crps": 0.9, "coverage_50": 0.5, "coverage_80": 0.8, "coverage_90": 0.9}
    player = {"n": 10, "mae": 5.0, "mae_last10": 5.2, "mae_season": 5.3, "mae_ewma": 5.1}
    figures = {
        "game_outcome": {"n": 5, "brier": 0.21, "log_loss": 0.6, "accuracy": 0.66},
        "margin": {"n": 5, "mae": 10.2, **spread},
        "points": {**player, "ratio_last10": 0.96, **spread},
        "assists": {**player, "ratio_last10": 0.95},  # no distribution: no figures of it
    }
    summary = backtest.BacktestSummary("2018-19", ["2017-18"], 30, tmp_path / "o.csv", figures)
    monkeypatch.setattr(backtest, "backtest", lambda *_, **__: summary)
    asked = ("backtest", "--from", str(tmp_path), "--test-season", "2018-19")
    result = run(*asked, "--output", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "game_outcome: n=5 brier=0.2100 log_loss=0.6000 accuracy=0.660",
        "margin: n=5 mae=10.200 crps=0.900 coverage50=0.500 coverage80=0.800 coverage90=0.900",
        "points: n=10 mae=5.000 last10=5.200 season=5.300 ewma=5.100 ratio=0.960 crps=0.900 "
        "coverage50=0.500 coverage80=0.800 coverage90=0.900",
        "assists: n=10 mae=5.000 last10=5.200 season=5.300 ewma=5.100 ratio=0.950",
    ]


def test_status_reports_models_schedule_and_staleness(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    result = run("status", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["models"]["valid"] is True
    files = {f["model"]: f for f in report["models"]["files"]}
    assert list(files) == ["game_outcome", "points", "assists", "rebounds", "margin", "total"]
    assert all(f["valid"] for f in files.values()) and report["models"]["lacking"] == []
    # the distributions' CRPS, coverage and PIT histogram beside each model's figures
    for name in ("points", "margin", "total"):
        figures = files[name]["metrics"]
        assert figures["crps"] > 0 and 0.3 < figures["coverage_50"] < 0.7
        assert len(figures["pit"]) == 10
    assert report["models"]["last_game_date"] == "2019-06-13"
    assert report["schedule"]["next_run_local"].endswith(("-06:00", "-05:00"))
    assert report["lock"]["held"] is False
    text = run("status")
    assert "next run:" in text.stdout and "points" in text.stdout
    margin = files["margin"]["metrics"]
    assert f"MAE {margin['mae']:.2f}; CRPS {margin['crps']:.3f}, coverage 50/80/90 %" in (
        " ".join(text.stdout.split())
    )
    assert "\x1b[" not in text.stdout  # no colour when piped
    strict = run("status", "--strict")
    expected = 0 if report["healthy"] else 1
    assert strict.exit_code == expected


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
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nba_ml.commands import train

    monkeypatch.setattr(train, "train", _boom)
    data_dir.mkdir()
    result = run("train", "--force", "--from", str(GAMELOGS))
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert line.endswith(
        "unexpected error: RuntimeError: something nobody planned for (a bug: "
        "please report it with the output of the same command run with "
        "--verbose)"
    )
    last = json.loads((data_dir / "runs.jsonl").read_text().splitlines()[-1])
    assert (last["outcome"], last["exit_code"]) == ("failed", 1)
    verbose = run("-v", "train", "--force", "--from", str(GAMELOGS))
    assert "Traceback (most recent call last)" in verbose.stderr  # at DEBUG, for the bug report


# ------------------------------------------------------------ issue 11: outputs, input, lines


@pytest.mark.parametrize("kind", ["directory", "fifo", "device", "missing parent"])
@pytest.mark.parametrize("command", ["backtest", "report"])
def test_output_is_only_a_regular_file_in_an_existing_directory(
    data_dir: Path, tmp_path: Path, two_seasons: Path, kind: str, command: str
) -> None:
    target = {
        "directory": tmp_path / "dir",
        "fifo": tmp_path / "fifo",
        "device": Path("/dev/null"),
        "missing parent": tmp_path / "no" / "dir" / "x",
    }[kind]
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    args = (
        ["backtest", "--from", str(two_seasons), "--test-season", "2018-19"]
        if command == "backtest"
        else ["report"]
    )
    result = run(*args, "--output", str(target))
    assert result.exit_code == 2, result.stderr
    line = one_error_line(result.stderr)
    assert str(target) in line
    assert (
        ("does not exist" in line) if kind == "missing parent" else ("only a regular file" in line)
    )
    assert not (tmp_path / "no").exists()
    if kind == "device":
        assert Path("/dev/null").is_char_device()


def test_report_output_replaces_a_symlink_never_its_target(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(precious)
    result = run("report", "--fast", "--output", str(link))
    assert result.exit_code == 0, result.stderr
    assert precious.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"NBA_ML_WAIT": "nan"}, "NBA_ML_WAIT='nan' is not a number"),
        ({"NBA_ML_WAIT": "inf"}, "NBA_ML_WAIT='inf' is out of range"),
        ({"NBA_TRAINING_TIMEZONE": "America"}, "NBA_TRAINING_TIMEZONE='America' is not a known"),
        ({"NBA_TRAINING_TIMEZONE": "x" * 300}, "is not a known time zone"),
    ],
)
@pytest.mark.parametrize("command", [["train"], ["ensure"], ["status"], ["schedule"]])
def test_bad_settings_are_usage_errors(
    data_dir: Path, env: dict[str, str], needle: str, command: list[str]
) -> None:
    result = run(*command, env=env)
    assert result.exit_code == 2, result.stderr
    assert needle in one_error_line(result.stderr)


def test_a_control_character_in_a_path_never_splits_the_error_line(tmp_path: Path) -> None:
    path = tmp_path / "evil\nERROR - fake\x1b[31m"
    path.write_text("")
    result = run("check", env={"NBA_ML_DATA_DIR": str(path)})
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "\x1b" not in result.stderr and "evil\\nERROR - fake\\x1b[31m" in line


def test_lock_contention_is_one_line_recorded_as_busy(data_dir: Path, two_seasons: Path) -> None:
    import fcntl

    data_dir.mkdir()
    lock = data_dir / "train.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(
            fd,
            json.dumps(
                {
                    "pid": 1,
                    "hostname": "box\n2026 - ERROR - \x1b[2Jgone",
                    "started_at": "2026-11-30T04:00:00+00:00",
                }
            ).encode(),
        )
        result = run("train", "--force", "--from", str(two_seasons))
    finally:
        os.close(fd)
    assert result.exit_code == 75
    line = one_error_line(result.stderr)
    assert "another training is running" in line and "\x1b" not in result.stderr
    last = json.loads((data_dir / "runs.jsonl").read_text().splitlines()[-1])
    assert (last["command"], last["outcome"], last["exit_code"]) == ("train", "busy", 75)


def _installed(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("nba-ml")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]
    return subprocess.run(
        [*command, *args], capture_output=False, text=True, timeout=60, check=False, **kwargs
    )  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["status", "--json"],
        ["check", "--json"],
        ["schedule"],
        ["--version"],
        ["--help"],
        ["check", "--help"],
    ],
)
def test_output_to_a_full_disk_or_a_closed_stdout_is_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    data = ["--data-dir", str(tmp_path / "d")]
    with open("/dev/full", "w") as full:
        result = _installed(*data, *command, stdout=full, stderr=subprocess.PIPE)
    # Click's own echo (--help, --version) too: it used to end on "unexpected error: OSError
    # ... (a bug ...)", and a broken pipe on a silent exit 1.
    assert result.returncode == 1, result.stderr
    assert "no space left on device" in one_error_line(result.stderr)
    closed = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *_installed_command(), *data, *command],
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    assert closed.returncode == 1, closed.stderr
    assert "standard output" in one_error_line(closed.stderr)
    reader, writer = os.pipe()
    os.close(reader)  # `| head -0`: a reader that is gone before anything is written
    try:
        piped = _installed(*data, *command, stdout=writer, stderr=subprocess.PIPE)
    finally:
        os.close(writer)
    assert piped.returncode == 1, piped.stderr
    assert "broken pipe" in one_error_line(piped.stderr)


def _installed_command() -> list[str]:
    exe = Path(sys.executable).with_name("nba-ml")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "--bogus"], "No such option: --bogus (see 'nba-ml check --help')"),
        (["--bogus"], "No such option: --bogus"),
        (["predict", "game"], "Missing argument 'home'. (see 'nba-ml predict game --help')"),
        (["train", "--wait"], "Option '--wait' requires an argument."),
        (["bad\x1b[31mred"], "No such command 'bad\\x1b[31mred'."),
    ],
)
def test_parser_usage_errors_are_one_escaped_error_line(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    """Click's own usage errors (unknown option or command, missing argument) go through the
    same one-line ERROR log as nba-ml's, escaped, with exit 2 -- not Click's usage block."""
    result = _installed(
        "--data-dir", str(tmp_path / "d"), *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    # Click 8.1 (beside the typer floor) names a missing argument by its metavar, 'HOME'
    assert needle in line.replace("argument 'HOME'", "argument 'home'")
    assert "\x1b" not in result.stderr and "Usage:" not in result.stderr
    assert result.stdout == ""


def test_a_bare_group_still_prints_its_help(tmp_path: Path) -> None:
    result = _installed("predict", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert result.returncode == 2
    assert "game" in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_dash_h_is_help_on_the_app_and_every_command() -> None:
    # `-h` was "No such option: -h"
    for argv in (
        ["-h"],
        ["train", "-h"],
        ["predict", "-h"],
        ["predict", "player", "-h"],
        ["schedule", "-h"],
    ):
        result = runner.invoke(app, argv, prog_name="nba-ml")
        assert result.exit_code == 0, argv
        assert result.output.startswith("Usage: nba-ml"), argv


def test_report_with_a_malformed_fivethirtyeight_file_is_exit_2_in_one_line(
    data_dir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "elo.csv"
    csv.write_text("date,team1\n2021-01-01,BOS\n")
    result = run("report", "--output", str(tmp_path / "page.html"), "--fivethirtyeight", str(csv))
    assert result.exit_code == 2, result.stderr
    assert "not FiveThirtyEight's nba_elo CSV" in one_error_line(result.stderr)
