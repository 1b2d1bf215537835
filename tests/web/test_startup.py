"""Tests for nba_ml.web.startup: the data directory at start, and one line and exit 4 once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from nba_ml.errors import ConfigError
from nba_ml.web import startup
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    startup._stopping.clear()
    yield
    startup._stopping.clear()
    while startup._held:
        startup._held.pop().close()


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_ML_", "NBA_TRAINING_"))}
    return {**env, **values}


# --- the data directory ------------------------------------------------------------------------


def test_an_unset_or_absolute_data_dir_is_taken_as_it_is(tmp_path: Path) -> None:
    assert startup.data_dir_from({}, str(tmp_path)) is None
    assert startup.data_dir_from({"NBA_ML_DATA_DIR": " "}, str(tmp_path)) is None
    given = {"NBA_ML_DATA_DIR": "/srv/models", "PWD": "/elsewhere"}
    assert startup.data_dir_from(given, str(tmp_path)) == Path("/srv/models")


def test_a_relative_data_dir_is_resolved_against_the_directory_started_in(tmp_path: Path) -> None:
    environ = {"NBA_ML_DATA_DIR": "nba-ml-data", "PWD": str(tmp_path)}
    assert startup.data_dir_from(environ, str(tmp_path)) == tmp_path / "nba-ml-data"
    # no $PWD (systemd, a container): the working directory is all there is
    assert startup.data_dir_from({"NBA_ML_DATA_DIR": "d"}, str(tmp_path)) == tmp_path / "d"
    # a $PWD that no longer exists cannot be compared with
    gone = {"NBA_ML_DATA_DIR": "d", "PWD": str(tmp_path / "gone")}
    assert startup.data_dir_from(gone, str(tmp_path)) == tmp_path / "d"


def test_a_relative_data_dir_after_a_chdir_is_refused(tmp_path: Path) -> None:
    # gunicorn --chdir examples made nba-ml-data mean examples/nba-ml-data: 503 forever
    moved = tmp_path / "examples"
    moved.mkdir()
    environ = {"NBA_ML_DATA_DIR": "nba-ml-data", "PWD": str(tmp_path)}
    with pytest.raises(ConfigError) as raised:
        startup.data_dir_from(environ, str(moved))
    message = str(raised.value)
    assert "NBA_ML_DATA_DIR='nba-ml-data' is relative" in message
    assert str(moved) in message and "gunicorn --chdir" in message and "absolute" in message


def test_start_live_follows_the_resolved_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    live = startup.start_live(
        {"NBA_ML_DATA_DIR": "data", "PWD": str(tmp_path), "NBA_ML_SERVING_CHECK_SECONDS": "0.5"}
    )
    try:
        assert live.data_dir == tmp_path / "data" and live.check_interval == 0.5
    finally:
        live.stop()


def test_start_live_raises_config_error_for_a_bad_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NBA_ML_SERVING_CHECK_SECONDS='soon' is not a number"):
        startup.start_live(
            {"NBA_ML_DATA_DIR": str(tmp_path), "NBA_ML_SERVING_CHECK_SECONDS": "soon"}
        )


# --- one line and exit 4, once per server ------------------------------------------------------


def test_a_failure_says_why_on_one_line_and_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        startup.fail_start(ConfigError("X='y' is not a number"), sleep=lambda _: False)
    assert raised.value.code == startup.APP_LOAD_ERROR
    assert capsys.readouterr().err == "nba-ml web: X='y' is not a number\n"


def test_a_failure_while_the_server_stops_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    startup._stopping.set()
    with pytest.raises(SystemExit) as raised:
        startup.fail_start(ConfigError("bad"), sleep=lambda _: False)
    assert raised.value.code == 0 and capsys.readouterr().err == ""


def test_the_taker_stays_silent_when_the_stop_comes_within_the_grace(
    capsys: pytest.CaptureFixture[str],
) -> None:
    waited: list[float] = []
    with pytest.raises(SystemExit) as raised:
        startup.fail_start(ConfigError("bad"), sleep=lambda s: waited.append(s) or True)
    assert raised.value.code == 0 and capsys.readouterr().err == ""
    assert waited == [startup.GRACE_SECONDS]


def test_a_worker_beaten_to_the_failure_waits_for_the_stop(
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    other.bind(f"\0nba-ml-web-start-failed-{os.getppid()}")  # a sibling failed first
    try:
        waited: list[float] = []
        with pytest.raises(SystemExit) as raised:
            startup.fail_start(ConfigError("bad"), sleep=lambda s: waited.append(s) or True)
        assert raised.value.code == 0 and capsys.readouterr().err == ""
        assert waited == [startup.LOSER_WAIT_SECONDS]
        # no stop at all (the master is gone): it says why itself after all
        with pytest.raises(SystemExit) as raised:
            startup.fail_start(ConfigError("bad"), sleep=lambda _: False)
        assert raised.value.code == startup.APP_LOAD_ERROR
        assert capsys.readouterr().err == "nba-ml web: bad\n"
    finally:
        other.close()


# A master in the way of gunicorn's arbiter: it forks workers that fail together, and SIGTERMs
# the rest as soon as one exits 4.
_MASTER = textwrap.dedent("""
    import os, signal, sys, time
    from nba_ml.errors import ConfigError
    from nba_ml.web import startup

    workers = []
    go = time.monotonic() + 0.5
    for _ in range(int(sys.argv[1])):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, lambda *_: None)  # gunicorn's worker: a flag
            startup.watch_for_stop()
            time.sleep(max(0.0, go - time.monotonic()))
            try:
                startup.fail_start(ConfigError("NBA_ML_X='soon' is not a number"))
            except SystemExit as stop:
                os._exit(stop.code)
        workers.append(pid)
    codes = []
    while workers:
        pid, status = os.wait()
        workers.remove(pid)
        codes.append(os.waitstatus_to_exitcode(status))
        if codes[-1] == 4:
            for other in workers:
                os.kill(other, signal.SIGTERM)
    print(sorted(codes))
""")


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_failing_together_end_on_one_line_and_one_exit_4(workers: int) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _MASTER, str(workers)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sorted([0] * (workers - 1) + [4]))
    assert result.stderr == "nba-ml web: NBA_ML_X='soon' is not a number\n"


# --- the package builds its app on first access ------------------------------------------------


def test_importing_the_app_with_a_bad_setting_prints_one_line_and_exits_4(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from nba_ml.web import app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_env(NBA_ML_DATA_DIR=str(tmp_path), NBA_ML_SERVING_CHECK_SECONDS="soon"),
    )
    assert result.returncode == startup.APP_LOAD_ERROR
    assert result.stderr == "nba-ml web: NBA_ML_SERVING_CHECK_SECONDS='soon' is not a number\n"


def test_the_app_is_built_once_on_first_access_and_other_names_are_errors(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import nba_ml.web as web
        assert "app" not in vars(web)
        app = web.app
        assert web.app is app and web.live.data_dir.name == "data"
        try:
            web.nothing
        except AttributeError as error:
            print("AttributeError", error)
        with app.test_client() as client:
            answer = client.get("/healthz")
        print(answer.status_code, answer.get_json()["error"])
        web.live.stop()
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_env(NBA_ML_DATA_DIR="data", PWD=str(tmp_path), PYTHONPATH=str(ROOT)),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "AttributeError module 'nba_ml.web' has no attribute 'nothing'"
    # the relative data directory was resolved (the log names it); clients see no server path
    assert lines[1].startswith(
        "503 no model set is served yet: none installed at <data dir>/models"
    )
    assert f"serving the model sets installed in {tmp_path / 'data'}" in result.stderr
