"""The reference web app (``nba_ml.web:app``) under a real WSGI server (gunicorn, 2 workers,
127.0.0.1).

One server is started on an empty data directory and lives for the whole module: it answers 503,
then 200 once `nba-ml ensure --from` installed a set (training 1); `nba-ml train --force --from`
(training 2) runs beside it while a loop of requests hits it, and the served generation changes
without a restart and without a failed request; a tampered generation is then published and
is not served, the old one keeps serving and each worker logs one line saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GAMELOGS, ROOT, link_seasons

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not GAMELOGS.is_dir(), reason="needs ../shared (real seasons)"),
]

# one real season is all the server needs (its players, teams and a schedule of 2019-10-22);
# each of the two trainings here costs about half of what two seasons did
SEASONS = ["2018-19"]
WORKERS = 2
CHECK_SECONDS = "0.2"
DAY = "2019-10-22"  # opening night after the data's last game (players active within 400 days)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, timeout: float = 30.0) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # loopback only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _nba_ml(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("nba-ml")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]
    env = {k: v for k, v in os.environ.items() if k != "NBA_ML_DATA_DIR"}
    return subprocess.run(
        [*argv, "--quiet", "--data-dir", str(data_dir), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class Server:
    def __init__(
        self,
        data_dir: Path | str,
        log: Path,
        *options: str,
        environ: dict[str, str] | None = None,
        app: str = "nba_ml.web:app",
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        exe = Path(sys.executable).with_name("gunicorn")
        argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "gunicorn"]
        # XDG_RUNTIME_DIR: newer gunicorn puts its control socket there (else in ~/.gunicorn)
        env = {
            **os.environ,
            "NBA_ML_DATA_DIR": str(data_dir),
            "NBA_ML_SERVING_CHECK_SECONDS": CHECK_SECONDS,
            "XDG_RUNTIME_DIR": str(log.parent),
            # the data ends in 2019 and the requests ask for 2019-10-22 (in the horizon)
            "NBA_ML_SERVING_HORIZON_DAYS": "366",
            **(environ or {}),
        }
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    *argv,
                    "--workers",
                    str(WORKERS),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                    *options,
                    app,
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_listening(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not listen in {timeout} s: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def get(self, path: str) -> tuple[int, dict[str, Any]]:
        return _get(self.url + path)

    def until(
        self, path: str, accept: Any, timeout: float = 60.0, in_a_row: int = 8
    ) -> dict[str, Any]:
        """Poll until ``in_a_row`` consecutive answers satisfy ``accept`` (so that every worker
        does: the kernel spreads connections over them); return the last body."""
        deadline = time.monotonic() + timeout
        streak = 0
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            status, body = self.get(path)
            streak = streak + 1 if accept(status, body) else 0
            if streak >= in_a_row:
                return body
            time.sleep(0.05)
        raise AssertionError(f"{path}: last answer {body}; log: {self.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("webapp")
    seasons = link_seasons(work / "seasons", SEASONS)
    data_dir = work / "data"
    data_dir.mkdir()
    server = Server(data_dir, work / "gunicorn.log")
    try:
        server.wait_listening()
        yield {"server": server, "data_dir": data_dir, "seasons": seasons}
    finally:
        server.stop()


@pytest.mark.parametrize("workers", ["1", "4"])
def test_a_bad_setting_stops_the_server_with_one_line(tmp_path: Path, workers: str) -> None:
    # the app exited 1, which gunicorn answers by booting a new worker: a crash loop, forever;
    # then workers failing together made gunicorn 23-26 halt twice: two tracebacks and exit 1
    server = Server(
        tmp_path / "data",
        tmp_path / "gunicorn.log",
        "--workers",
        workers,
        environ={"NBA_ML_SERVING_CHECK_SECONDS": "soon"},
    )
    try:
        assert server.process.wait(60) == 4  # gunicorn's "App failed to load"
    finally:
        server.stop()
    log = server.log.read_text()
    assert log.count("Booting worker") == int(workers) and "Traceback" not in log, log
    why = "nba-ml web: NBA_ML_SERVING_CHECK_SECONDS='soon' is not a number"
    assert log.splitlines().count(why) == 1, log


def test_a_relative_data_dir_under_chdir_is_refused_at_start(tmp_path: Path) -> None:
    # gunicorn --chdir examples served examples/nba-ml-data, which stayed empty: 503 forever
    # (examples/webapp.py stays for such command lines: it is nba_ml.web's app)
    server = Server(
        "nba-ml-data",
        tmp_path / "gunicorn.log",
        "--chdir",
        "examples",
        environ={"PWD": str(ROOT)},
        app="webapp:app",
    )
    try:
        assert server.process.wait(60) == 4
    finally:
        server.stop()
    log = server.log.read_text()
    assert "Traceback" not in log, log
    assert (
        f"nba-ml web: NBA_ML_DATA_DIR='nba-ml-data' is relative, and the server's working "
        f"directory {ROOT / 'examples'} is not the one it was started from ({ROOT}; "
        "gunicorn --chdir?): give an absolute path"
    ) in log.splitlines(), log


def test_starts_with_503_then_serves_once_ensure_installed_a_set(env: dict[str, Any]) -> None:
    server: Server = env["server"]
    status, body = server.get("/healthz")
    assert status == 503 and "nba-ml ensure" in body["error"]
    assert str(env["data_dir"]) not in json.dumps(body)
    status, body = server.get("/v1/games?home=BOS&away=LAL")
    assert status == 503 and body["error"]
    result = _nba_ml(env["data_dir"], "ensure", "--from", str(env["seasons"]))
    assert result.returncode == 0, result.stderr
    body = server.until("/healthz", lambda s, b: s == 200)
    assert body["ready"] and body["generation"] and body["trained_at"]
    assert body["last_game_date"] == "2019-04-10" or body["last_game_date"].startswith("2019")
    env["first"] = body["generation"]


def test_bad_input_answers_400_with_the_cli_messages(env: dict[str, Any]) -> None:
    server: Server = env["server"]
    server.until("/healthz", lambda s, b: s == 200)
    cases = {
        "/v1/games?home=BOZ&away=LAL": "unknown team 'BOZ'; did you mean",
        "/v1/games?home=BOS&away=BOS": "BOS cannot play itself",
        "/v1/games?home=BOS": "missing query parameter 'away'",
        "/v1/games?home=BOS&away=LAL&date=2019-02-30": "invalid date '2019-02-30'",
        "/v1/games?home=BOS&away=LAL&date=now": "expected YYYY-MM-DD",
        "/v1/games?home=BOS&away=LAL&date=2018-01-01": "is not after the last game",
        "/v1/players?player=LeBron%20Jamez": "unknown player 'LeBron Jamez'; did you mean "
        "LeBron James",
        f"/v1/players?player=LeBron%20James&opponent=LAL&date={DAY}": "cannot play against "
        "his own team",
        "/v1/players?player=LeBron%20James": "has not played in the 400 days before",
        "/v1/players?player=LeBron%20James&home=maybe": "invalid home 'maybe'",
        "/v1/players?opponent=BOS": "missing query parameter 'player'",
        "/v1/players?player=" + "x" * 500: "longer than",
        "/v1/games?home=BOS&away=LAL&hme=1": "unknown query parameter 'hme'",
        f"/v1/games?home=BOS&away=LAL&date={DAY}&date=garbage": "query parameter 'date' given "
        "more than once",
        "/v1/today?day=2019-10-22": "unknown query parameter 'day'",
    }
    for path, message in cases.items():
        status, body = server.get(path)
        assert status == 400 and message in body["error"], (path, status, body)
    status, body = server.get("/v1/nothing")
    assert status == 404 and body["error"]
    post = urllib.request.Request(server.url + "/healthz", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(post, timeout=30)  # loopback only
    assert raised.value.code == 405 and json.loads(raised.value.read())["error"]


def test_predictions_carry_what_is_served_and_the_stale_flag(env: dict[str, Any]) -> None:
    server: Server = env["server"]
    server.until("/healthz", lambda s, b: s == 200)
    status, body = server.get(f"/v1/games?home=BOS&away=LAL&date={DAY}")
    assert status == 200 and 0 < body["home_win_probability"] < 1
    assert body["game_date"] == DAY and body["generation"] == env["first"]
    status, body = server.get(f"/v1/players?player=2544&opponent=BOS&home=0&date={DAY}")
    assert status == 200 and body["player_name"] == "LeBron James" and body["team"] == "LAL"
    assert body["is_home"] is False and body["points"] > 5
    # the day's slate: 404 until the nightly run cached a schedule, then every game
    status, body = server.get(f"/v1/today?date={DAY}")
    assert status == 404 and "no schedule cached for 2019-10-22" in body["error"]
    assert str(env["data_dir"]) not in body["error"]  # logged, never shown to clients
    from tests.replay import scoreboard_for  # the recorded ScoreboardV3, re-dated to DAY

    schedule = env["data_dir"] / "raw" / "schedule" / f"{DAY}.json"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    schedule.write_text(json.dumps(scoreboard_for(DAY)))
    status, body = server.get(f"/v1/today?date={DAY}")
    assert status == 200 and body["date"] == DAY and len(body["games"]) == 11, body
    assert all(0 < g["home_win_probability"] < 1 and g["players"] for g in body["games"])
    assert body["generation"] == env["first"]
    status, body = server.get("/v1/today?date=tomorrow")
    assert status == 400 and "expected YYYY-MM-DD" in body["error"]
    # today (2026 or later in Chicago) is years after the data's last game: stale, with a hint
    status, body = server.get("/v1/games?home=BOS&away=LAL")
    assert status == 200 and body["days_behind"] > 2
    if body["stale"]:
        assert "--date" in body["warning"]


def test_preloaded_workers_serve_the_set_their_master_loaded(
    env: dict[str, Any], tmp_path: Path
) -> None:
    # gunicorn --preload forked the workers while the master's watcher was loading: they
    # inherited half-imported modules and refused every set ("partially initialized module")
    server = Server(env["data_dir"], tmp_path / "preload.log", "--preload")
    try:
        server.wait_listening()
        body = server.until("/healthz", lambda s, b: s == 200)
        assert body["generation"] == env["first"] and body["last_error"] is None
    finally:
        server.stop()
    log = server.log.read_text()
    assert "not served" not in log and "Traceback" not in log, log[-3000:]


def test_a_training_beside_the_server_swaps_generations_without_a_failed_request(
    env: dict[str, Any],
) -> None:
    server: Server = env["server"]
    first = server.until("/healthz", lambda s, b: s == 200)["generation"]
    failures: list[tuple[str, int, Any]] = []
    seen: list[str] = []
    stop = threading.Event()

    def loop() -> None:
        paths = (
            "/v1/games?home=BOS&away=LAL",
            "/healthz",
            f"/v1/players?player=LeBron%20James&opponent=BOS&date={DAY}",
        )
        i = 0
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                status, body = server.get(path)
            except OSError as error:
                failures.append((path, -1, repr(error)))
                continue
            if status != 200:
                failures.append((path, status, body))
            else:
                seen.append(body["generation"])

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        result = _nba_ml(env["data_dir"], "train", "--force", "--from", str(env["seasons"]))
        assert result.returncode == 0, result.stderr
        second = json.loads((env["data_dir"] / "models" / "manifest.json").read_text())[
            "generation"
        ]
        assert second != first
        server.until("/healthz", lambda s, b: s == 200 and b["generation"] == second, timeout=60)
        time.sleep(0.5)  # a few more requests on the new set
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert not failures, failures[:5]
    assert first in seen and second in seen
    assert seen.index(second) > seen.index(first)
    env["second"] = second


def test_a_tampered_generation_is_not_served_and_each_worker_says_why_once(
    env: dict[str, Any],
) -> None:
    server: Server = env["server"]
    data_dir: Path = env["data_dir"]
    good = server.until("/healthz", lambda s, b: s == 200)["generation"]
    target = data_dir / "generations" / "tampered"
    shutil.copytree((data_dir / "models").resolve(), target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["generation"] = "tampered"
    (target / "manifest.json").write_text(json.dumps(manifest))
    with open(target / "rebounds_prediction_model.skops", "ab") as handle:
        handle.write(b"tampered")
    os.symlink("generations/tampered", data_dir / ".models.tmp-tampered")
    os.replace(data_dir / ".models.tmp-tampered", data_dir / "models")

    def why() -> list[str]:
        return [
            line
            for line in server.log.read_text().splitlines()
            if "new model set not served" in line
        ]

    deadline = time.monotonic() + 30
    while len(why()) < WORKERS and time.monotonic() < deadline:
        server.get("/healthz")
        time.sleep(0.1)
    time.sleep(10 * float(CHECK_SECONDS))  # more checks: no more lines for the same generation
    body = server.until("/healthz", lambda s, b: s == 200 and b["generation"] == good)
    assert "sha256 mismatch" in body["last_error"]
    lines = why()
    assert len(lines) == WORKERS, lines
    assert all(
        " - ERROR - " in line
        and "rebounds: sha256 mismatch" in line
        and f"still serving {good}" in line
        for line in lines
    )
    status, body = server.get("/v1/games?home=BOS&away=LAL")
    assert status == 200 and body["generation"] == good
