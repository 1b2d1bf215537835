"""The operator's Python API: the same answers as the CLI on the same data (outcome, figures,
text), the same exception class for each exit code, the settings rule, and the README example
run as written. Everything runs on small synthetic seasons (no ../shared)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nba_ml
from nba_ml import api, modelset
from nba_ml.cli.app import app
from nba_ml.errors import (
    ConfigError,
    DataError,
    LockHeld,
    NbaMlError,
    NotPromoted,
    Outcome,
    UpstreamUnavailable,
    UsageError,
)
from nba_ml.modeling import promotion
from nba_ml.state.lock import TrainingLock
from tests.conftest import cli_runner, copy_data_dir
from tests.synthetic import write_seasons

# the start of the line a training on the synthetic 2017-18 and 2018-19 prints
TRAINED = f"trained: {len(modelset.names())} models on 2017-18, 2018-19"

ROOT = Path(__file__).resolve().parents[1]
runner = cli_runner()
QUIET = {"NBA_ML_JOBS": "1", "NBA_ML_REQUEST_PAUSE": "0", "NBA_ML_RETRIES": "1"}


@pytest.fixture(autouse=True)
def _quiet_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("NBA_ML_", "NBA_TRAINING_", "NBA_API_")) or name in (
            "STATE_DIRECTORY",
            "HTTPS_PROXY",
            "https_proxy",
        ):
            monkeypatch.delenv(name, raising=False)
    for name, value in QUIET.items():
        monkeypatch.setenv(name, value)


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if " - ERROR - " in line]
    assert len(lines) == 1, stderr
    return lines[0].split(" - ERROR - ", 1)[1]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_seasons(tmp_path_factory.mktemp("api-logs"), rounds=1)


# ------------------------------------------------------------------ import cost and the surface


def test_import_nba_ml_imports_nothing_else() -> None:
    code = (
        "import sys, nba_ml; print(sorted(m for m in sys.modules if m.startswith("
        "('nba_ml', 'pandas', 'sklearn', 'numpy', 'typer'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "['nba_ml']"


def test_every_public_name_resolves_and_is_listed() -> None:
    for name in nba_ml.__all__:
        assert getattr(nba_ml, name) is not None, name
    assert set(nba_ml._LAZY) <= set(nba_ml.__all__)
    assert nba_ml.check is api.check and nba_ml.TrainResult is api.TrainResult
    assert set(nba_ml.__all__) <= set(dir(nba_ml))
    with pytest.raises(AttributeError, match="no attribute 'chek'"):
        nba_ml.chek  # noqa: B018


def test_the_package_is_typed() -> None:
    assert (ROOT / "nba_ml" / "py.typed").is_file()
    assert '"nba_ml" = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()


def test_user_code_type_checks_against_the_api(tmp_path: Path) -> None:
    user = tmp_path / "user.py"
    user.write_text(
        "import datetime as dt\nimport nba_ml\n"
        "r = nba_ml.check('d', full=True, timeout=3.0)\n"
        "ok: bool = r.ok\n"
        "t = nba_ml.train('d', force=True, seasons=['2019-20'], jobs=1)\n"
        "when: dt.datetime = nba_ml.next_run()\n"
        "nba_ml.status('d', tmeout=3)\n"  # a misspelt setting: the checker must say so
        "nba_ml.check('d', jobs='one')\n"  # a wrong type: likewise
        "nba_ml.chek('d')\n"
    )  # a misspelt function: likewise
    # MYPYPATH: an editable install's import hook is invisible to mypy (a regular install is
    # found through py.typed, checked above)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--follow-imports",
            "silent",
            str(user),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["7", "8", "9"], done.stdout


# ----------------------------------------------------------------------------- settings


def test_the_keywords_are_the_settings_table() -> None:
    from nba_ml.config import SETTINGS

    fields = {spec.name for spec in SETTINGS} - {"data_dir"}
    keywords = {api.RENAMED.get(name, name) for name in api.SettingOptions.__annotations__}
    assert keywords == fields


def test_settings_follow_the_cli_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NBA_ML_TIMEOUT", "7")
    assert api.settings(tmp_path).timeout == 7  # variable > default
    assert api.settings(tmp_path, timeout=3).timeout == 3  # keyword > variable
    assert api.settings(tmp_path, timeout=None).timeout == 7  # None is "not given"
    assert api.settings(tmp_path).retries == 1
    assert api.settings(tmp_path, season_count=6).seasons == 6
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(tmp_path / "env"))
    assert api.settings().data_dir == tmp_path / "env"
    assert api.settings(tmp_path / "given").data_dir == tmp_path / "given"


def test_bad_settings_raise_what_the_cli_exits_2_for(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--timeout") as raised:
        api.check(tmp_path, timeout=-1)
    assert raised.value.exit_code == 2
    assert cli("--data-dir", str(tmp_path), "--timeout", "-1", "check").exit_code == 2
    with pytest.raises(ConfigError, match=r"--training-timezone"):
        api.next_run(training_timezone="Mars/Olympus")
    with pytest.raises(TypeError, match="unknown setting 'seasons'"):
        api.settings(tmp_path, seasons=3)  # type: ignore[call-arg]
    with pytest.raises(UsageError, match="one string"):
        api.train(tmp_path, seasons="2019-20")


# ----------------------------------------------------------------------- same answers


def test_check_on_a_missing_set_says_what_the_cli_says(tmp_path: Path) -> None:
    result = api.check(tmp_path / "none")
    assert (result.ok, result.exit_code) == (False, 1)
    shell = cli("--data-dir", str(tmp_path / "none"), "check")
    assert shell.exit_code == result.exit_code
    assert [line.split(" - ")[-1] for line in shell.stderr.splitlines()] == result.lines()
    assert str(result) == "\n".join(result.lines())
    assert str(nba_ml.check(tmp_path / "none")).startswith("invalid: model set: ")


def test_train_ensure_check_and_status_match_the_cli(logs: Path, tmp_path: Path) -> None:
    by_api, by_cli = tmp_path / "api", tmp_path / "cli"
    trained = api.train(by_api, source=logs)
    shell = cli("--data-dir", str(by_cli), "train", "--from", str(logs))
    assert shell.exit_code == trained.exit_code == 0
    assert trained.outcome is Outcome.TRAINED
    assert shell.stdout.startswith(TRAINED)
    assert str(trained).startswith(TRAINED)
    # the same figures, and both runs recorded alike
    runs = [json.loads(line) for line in (by_cli / "runs.jsonl").read_text().splitlines()]
    assert runs[-1]["figures"] == json.loads(json.dumps(trained.figures))
    api_runs = [json.loads(line) for line in (by_api / "runs.jsonl").read_text().splitlines()]
    assert [(r["command"], r["outcome"]) for r in api_runs] == [("train", "trained")]
    # a second run skips, with the same words
    again = api.train(by_api, source=logs)
    shell = cli("--data-dir", str(by_cli), "train", "--from", str(logs))
    assert again.outcome is Outcome.SKIPPED
    assert _strip_age(shell.stdout.strip()) == _strip_age(str(again))
    # ensure and check on a valid set
    ensured = api.ensure(by_api)
    assert ensured.outcome is Outcome.VALID
    assert cli("--data-dir", str(by_cli), "ensure").stdout.strip() == str(ensured)
    verdict = api.check(by_api)
    assert verdict.ok and cli("--data-dir", str(by_cli), "check").stdout.strip() == str(verdict)
    assert api.check(by_api, full=True).loaded
    # status: the same report as status --json, but for the set's own names and times
    report = api.status(by_api).to_json()
    shell_report = json.loads(cli("--data-dir", str(by_cli), "status", "--json").stdout)
    for key in ("healthy", "attention"):
        assert report[key] == shell_report[key]
    for key in ("valid", "seasons", "first_game_date", "last_game_date", "holdout"):
        assert report["models"][key] == shell_report["models"][key]
    assert [f["metrics"] for f in report["models"]["files"]] == [
        f["metrics"] for f in shell_report["models"]["files"]
    ]
    assert report["schedule"]["next_run_local"] == api.next_run().isoformat()


def _strip_age(text: str) -> str:
    return re.sub(r"\d+\.\d h old", "N h old", text)


def test_next_run_is_the_daily_run_across_daylight_saving() -> None:
    spring = dt.datetime(2026, 3, 8, 8, 30, tzinfo=dt.timezone.utc)  # 02:30 CST, DST starts
    upcoming = api.next_run(spring)
    assert upcoming.isoformat() == "2026-03-08T04:00:00-05:00"
    assert upcoming.astimezone(dt.timezone.utc).hour == 9
    assert api.next_run(spring, training_hour=5, training_minute=30).isoformat() == (
        "2026-03-08T05:30:00-05:00"
    )
    assert api.next_run(spring, training_timezone="Europe/Berlin").isoformat() == (
        "2026-03-09T04:00:00+01:00"
    )
    assert api.next_run().tzinfo is not None
    with pytest.raises(ValueError, match="aware"):
        api.next_run(dt.datetime(2026, 3, 8, 8, 30))  # naive on purpose


# --------------------------------------------- the same exception class for each exit code


def _not_promoted(*args: object, **kwargs: object) -> promotion.Verdict:
    return promotion.Verdict(
        promote=False,
        reasons=["worse on the same games (forced)"],
        warnings=[],
        basis="forced by the test",
        current_valid=True,
    )


@pytest.mark.parametrize("case", ["lock", "upstream", "data", "not_promoted", "config", "usage"])
def test_each_failure_raises_the_class_of_the_cli_exit_code(
    case: str,
    logs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    data = tmp_path / "d"
    api_call: dict[str, Any] = {"force": True, "source": logs}
    args = ["train", "--force", "--from", str(logs)]
    expected: type[NbaMlError] = ConfigError
    if case in ("not_promoted", "lock"):
        copy_data_dir(request.getfixturevalue("api_trained"), data)
    if case == "lock":
        expected = LockHeld
        held = TrainingLock(data / "train.lock", wait=0)
        held.__enter__()
        request.addfinalizer(lambda: held.__exit__(None, None, None))
    elif case == "upstream":  # no --from: stats.nba.com, which tests cannot reach
        expected, api_call, args = UpstreamUnavailable, {"force": True}, ["train", "--force"]
    elif case == "usage":  # a directory without game logs: point --from elsewhere
        empty = tmp_path / "nothing-here"
        empty.mkdir()
        expected, api_call = UsageError, {"force": True, "source": empty}
        args = ["train", "--force", "--from", str(empty)]
    elif case == "data":  # a game log that is not one
        broken = tmp_path / "broken"
        broken.mkdir()
        (broken / "team_game_logs_2018-19.csv").write_text("TEAM_ABBREVIATION,PTS\nBOS,x\n")
        (broken / "player_game_logs_2018-19.csv").write_text("PLAYER_ID,PTS\n1,2\n")
        expected, api_call = DataError, {"force": True, "source": broken}
        args = ["train", "--force", "--from", str(broken)]
    elif case == "not_promoted":
        expected = NotPromoted
        monkeypatch.setattr(promotion, "decide", _not_promoted)
    else:
        api_call["jobs"] = 99
        args = ["--jobs", "99", *args]
    with pytest.raises(expected) as raised:
        api.train(data, **api_call)
    shell = cli("--data-dir", str(data), *args)
    assert shell.exit_code == raised.value.exit_code == expected.exit_code
    assert _error_line(shell.stderr) == str(raised.value)


@pytest.fixture(scope="module")
def api_trained(logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api-trained") / "data"
    assert nba_ml.ensure(path, source=logs, jobs=1).outcome is Outcome.TRAINED
    return path


# ------------------------------------------------------------------- the README, as written


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Python API section holds one example"
    return blocks[0]


def test_the_readme_example_runs_as_written(logs: Path, tmp_path: Path) -> None:
    (tmp_path / "gamelogs").symlink_to(logs)
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("NBA_ML_", "NBA_TRAINING_"))
    }
    done = subprocess.run(
        [sys.executable, "-c", _readme_example()],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**environment, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "False 1"
    assert lines[1].startswith(TRAINED)
    assert lines[2].startswith("Outcome.TRAINED 0.")
    assert lines[4].startswith("next training: ")
    assert "home_win_probability" in done.stdout and "BOS" in done.stdout
    assert (tmp_path / "nba-ml-data" / "models" / "manifest.json").is_file()


def test_the_readme_table_names_every_public_function() -> None:
    section = (ROOT / "README.md").read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
    for name in (
        "check",
        "train",
        "ensure",
        "status",
        "next_run",
        "settings",
        "load_predictor",
        "LivePredictor",
    ):
        assert f"`nba_ml.{name}(" in section, name
