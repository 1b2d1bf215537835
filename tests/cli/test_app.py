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
    assert result.stdout.startswith("ok: 4 models valid (verified by sha256, not loaded)")
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


def test_status_reports_models_schedule_and_staleness(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    result = run("status", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["models"]["valid"] is True
    assert {f["model"] for f in report["models"]["files"]} == {
        "game_outcome",
        "points",
        "assists",
        "rebounds",
    }
    assert report["models"]["last_game_date"] == "2019-06-13"
    assert report["schedule"]["next_run_local"].endswith(("-06:00", "-05:00"))
    assert report["lock"]["held"] is False
    text = run("status")
    assert "next run:" in text.stdout and "points" in text.stdout
    assert "\x1b[" not in text.stdout  # no colour when piped
    strict = run("status", "--strict")
    expected = 0 if report["healthy"] else 1
    assert strict.exit_code == expected


def test_predict_game_and_player(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    game = run("predict", "game", "BOS", "PHI", "--date", "2019-10-22", "--json")
    assert game.exit_code == 0, game.stderr
    probability = json.loads(game.stdout)["home_win_probability"]
    assert 0.05 < probability < 0.95
    player = run(
        "predict", "player", "LeBron James", "--opponent", "GSW", "--home", "--date", "2019-10-22"
    )
    assert player.exit_code == 0, player.stderr
    assert player.stdout.startswith("LeBron James (LAL vs GSW): points ")
    unknown = run("predict", "player", "Lebron Jams", "--date", "2019-10-22")
    assert unknown.exit_code == 2
    assert "did you mean LeBron James?" in one_error_line(unknown.stderr)
    team = run("predict", "game", "BOX", "PHI", "--date", "2019-10-22")
    assert team.exit_code == 2 and "unknown team 'BOX'" in team.stderr
    past = run("predict", "game", "BOS", "PHI", "--date", "2018-01-01")
    assert past.exit_code == 2 and "not after the last game" in past.stderr


def test_predict_takes_names_as_people_type_them_and_says_what_served_it(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    # refused before: "unknown player 'Nikola Jokic' ... did you mean Nikola Jokić"
    for typed in ("Nikola Jokic", "jokic"):
        player = run("predict", "player", typed, "--opponent", "Celtics", "--date", "2019-10-22")
        assert player.exit_code == 0, player.stderr
        first, served, used = player.stdout.splitlines()
        assert first.startswith("Nikola Jokić (DEN vs BOS): points ")
        assert served.startswith("  models ") and "data through 2019-" in served
        assert used == "  availability: none (the probable rotation: everyone who played lately)"
    game = run("predict", "game", "Celtics", "Lakers", "--date", "2019-10-22", "--json")
    assert game.exit_code == 0, game.stderr
    payload = json.loads(game.stdout)
    assert (payload["home"], payload["away"]) == ("BOS", "LAL")
    assert payload["generation"] and payload["trained_at"] and "served" not in payload
    assert payload["last_game_date"].startswith("2019-") and payload["days_behind"] < 200
    shared = run("predict", "player", "Nikola", "--date", "2019-10-22")
    assert shared.exit_code == 2
    line = one_error_line(shared.stderr)
    assert "ambiguous player 'Nikola': did you mean " in line
    assert all(name in line for name in ("Nikola Jokić", "Nikola Vučević", "Nikola Mirotic"))


def test_predict_without_models_exits_1(data_dir: Path) -> None:
    result = run("predict", "game", "BOS", "PHI")
    assert result.exit_code == 1
    # once "models in D/models are not usable: model set: no model set at D/models"
    line = one_error_line(result.stderr)
    assert f"no models in {data_dir / 'models'} yet: run `nba-ml train`" in line
    assert "`nba-ml train --from DIR`" in line and line.count("model set") == 0


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
    "date",
    [
        "",
        "nan",
        "NaT",
        "-5",
        "2026-12-02T23:30:00+05:00",
        "2026-02-30",
        "tomorrow",
        "2026-1-2",
        "\x1b[31m",
    ],
)
@pytest.mark.parametrize(
    "command", [["predict", "game", "BOS", "PHI"], ["predict", "player", "LeBron James"]]
)
def test_a_bad_date_is_a_usage_error(data_dir: Path, date: str, command: list[str]) -> None:
    result = run(*command, "--date", date)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    line = one_error_line(result.stderr)
    assert "expected YYYY-MM-DD" in line and "\x1b" not in line


@pytest.mark.parametrize("player", ["²", "١٢٣", "  "])
def test_a_player_that_is_no_name_nor_id_is_a_usage_error(data_dir: Path, player: str) -> None:
    result = run("predict", "player", player, "--date", "2019-10-22")
    assert result.exit_code == 2
    one_error_line(result.stderr)


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


def test_predict_refuses_today_from_stale_data_and_warns_for_a_date(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from nba_ml.data import seasons

    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    monkeypatch.setattr(seasons, "today_in_chicago", lambda now=None: dt.date(2026, 12, 1))
    today = run("predict", "game", "BOS", "PHI")
    assert today.exit_code == 2
    line = one_error_line(today.stderr)
    assert "the data ends 2019-06-13" in line and "--date" in line
    player = run("predict", "player", "LeBron James")
    assert player.exit_code == 2 and "--date" in one_error_line(player.stderr)
    dated = run("predict", "game", "BOS", "PHI", "--date", "2019-12-25")
    assert dated.exit_code == 0
    assert "WARNING - the data ends 2019-06-13 (195 days before 2019-12-25)" in dated.stderr
    soon = run("predict", "game", "BOS", "PHI", "--date", "2019-06-14")
    assert soon.exit_code == 0 and "WARNING" not in soon.stderr


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


def test_an_unquoted_player_name_is_joined(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # `predict player LeBron James` said "Got unexpected extra argument (James)"
    from nba_ml.commands import predict
    from nba_ml.errors import UsageError

    asked: list[str] = []

    def answer(settings: object, player: str, **_: object) -> object:
        asked.append(player)
        raise UsageError("stop here")

    monkeypatch.setattr(predict, "predict_player", answer)
    result = runner.invoke(
        app,
        ["--data-dir", str(tmp_path), "predict", "player", "LeBron", "James", "--opponent", "BOS"],
    )
    assert result.exit_code == 2
    assert asked == ["LeBron James"]


@pytest.mark.parametrize(
    ("venue", "shown"), [(["--away"], "WAS @ GSW"), (["--home"], "WAS vs GSW"), ([], "WAS vs GSW")]
)
def test_an_away_game_reads_at_not_vs(
    venue: list[str], shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--away` printed "(WAS vs GSW)"
    from nba_ml.commands import predict
    from nba_ml.serving.predictions import PlayerPrediction
    from nba_ml.serving.provenance import Provenance

    served = Provenance("2026-12-07", "g1", "2026-12-07T09:00:00+00:00", "2026-12-06", 1, False)
    stats = {"points": 25.0, "assists": 4.5, "rebounds": 4.0}

    def answer(*_: object, home: bool | None = None, **__: object) -> PlayerPrediction:
        # as the predictor does: the venue asked is the venue answered
        return PlayerPrediction(
            1, "Bradley Beal", "WAS", "GSW", home, "2026-12-07", stats, served=served
        )

    monkeypatch.setattr(predict, "predict_player", answer)
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path), "predict", "player", "Beal", "--opponent", "GSW", *venue]
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        f"Bradley Beal ({shown}): points 25.0, assists 4.5, rebounds 4.0"
    )


def test_report_with_a_malformed_fivethirtyeight_file_is_exit_2_in_one_line(
    data_dir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "elo.csv"
    csv.write_text("date,team1\n2021-01-01,BOS\n")
    result = run("report", "--output", str(tmp_path / "page.html"), "--fivethirtyeight", str(csv))
    assert result.exit_code == 2, result.stderr
    assert "not FiveThirtyEight's nba_elo CSV" in one_error_line(result.stderr)


def test_predict_game_bos_lal_out_jayson_tatum(trained_dir: Path) -> None:
    """Issue #23 on the real seasons: Tatum out lowers Boston's chances and raises a
    teammate's points, and the answer names him."""
    base = ["--data-dir", str(trained_dir)]
    date = "2019-10-22"

    def answer(*args: str) -> dict:  # type: ignore[type-arg]
        result = runner.invoke(app, [*base, "predict", *args, "--date", date, "--json"])
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    game = answer("game", "BOS", "LAL")
    without = answer("game", "BOS", "LAL", "--out", "jayson tatum")
    assert without["home_win_probability"] < game["home_win_probability"]
    assert without["availability"]["out"][0]["name"] == "Jayson Tatum"
    mate = answer("player", "Jaylen Brown", "--opponent", "LAL", "--home")
    mate_without = answer("player", "Jaylen Brown", "--opponent", "LAL", "--home", "--out", "Tatum")
    assert mate_without["points"] > mate["points"]
