"""nba_ml.data.collect against a real HTTP server on 127.0.0.1 that misbehaves at the socket level.

nba_api's requests for https://stats.nba.com are sent to the local server by a redirecting
transport adapter; everything else (nba_api's request building, requests, urllib3, sockets) is real.
Backoff sleeps are faked; socket timeouts are real but short, so every test ends in a few seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nba_ml.data.collect import CollectOptions, cache_path, refresh_cache
from nba_ml.data.upstream import CLOUD_HINT
from nba_ml.errors import UpstreamDataError, UpstreamUnavailable
from tests.conftest import collect_options
from tests.replay import (
    T_2025_26,
    FakeClock,
    LocalStatsServer,
    closed_port,
    drip,
    empty_body,
    load_cassette,
    player_body_from_team_body,
    redirect_session,
    reset_mid_body,
    result_set,
    serve,
    stall,
    status,
    with_rows,
)

TODAY = dt.date(2026, 2, 22)
TIMEOUT = 0.4
OPTIONS = collect_options(timeout=TIMEOUT, retries=2, pause=0.0, breaker_threshold=10)
TEAM = with_rows(load_cassette(T_2025_26), result_set(load_cassette(T_2025_26))[1][:300])


def collect(raw: Path, base_url: str, options: CollectOptions = OPTIONS) -> object:
    clock = FakeClock()
    return refresh_cache(
        raw,
        ["2025-26"],
        today=TODAY,
        options=options,
        session=redirect_session(base_url),
        sleep=clock.sleep,
        clock=clock.monotonic,
    )


def fails_with(raw: Path, base_url: str, reason: str) -> str:
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as caught:
        collect(raw, base_url)
    assert time.monotonic() - started < 4 * TIMEOUT * OPTIONS.retries + 2
    message = str(caught.value)
    assert message.startswith("stats.nba.com unreachable after 2 attempts (")
    assert reason in message and "\n" not in message
    assert not cache_path(raw, "2025-26", "Regular Season", "T").exists()
    return message


def test_real_server_round_trip(tmp_path: Path) -> None:
    """Two requests with nba_api's headers; gzip bodies are decoded and stored as JSON."""
    seen: list[str] = []

    def answer(handler) -> None:  # type: ignore[no-untyped-def]
        seen.append(handler.headers.get("User-Agent", ""))
        query = handler.path
        mode = "P" if "PlayerOrTeam=P" in query else "T"
        if "SeasonType=Playoffs" in query:
            body = empty_body("2025-26", "Playoffs", mode)
        else:
            body = TEAM if mode == "T" else player_body_from_team_body(TEAM)
        serve(body, compress=True)(handler)

    with LocalStatsServer(answer) as server:
        report = collect(tmp_path, server.base_url)

    assert server.hits == 2 and report.requests == 2  # type: ignore[attr-defined]
    assert all(path.startswith("/stats/leaguegamelog?") for path in server.paths)
    assert "Season=2025-26" in server.paths[0] and "PlayerOrTeam=T" in server.paths[0]
    assert all("Mozilla" in agent for agent in seen)
    rows = result_set(
        json.loads(cache_path(tmp_path, "2025-26", "Regular Season", "T").read_bytes())
    )[1]
    assert len(rows) == 300


def test_slow_drip_body_is_cut_off_by_the_timeout(tmp_path: Path) -> None:
    # A few bytes every 50 ms: no single read waits TIMEOUT, but the body would take minutes.
    with LocalStatsServer(drip(TEAM, interval=0.05, limit=3 * TIMEOUT)) as server:
        fails_with(tmp_path, server.base_url, f"timed out after {TIMEOUT:g} s")
    assert server.hits == 2


def test_stalled_body_times_out(tmp_path: Path) -> None:
    with LocalStatsServer(stall(TEAM, seconds=3 * TIMEOUT)) as server:
        fails_with(tmp_path, server.base_url, f"timed out after {TIMEOUT:g} s")
    assert server.hits == 2


def test_connection_reset_mid_body(tmp_path: Path) -> None:
    with LocalStatsServer(reset_mid_body(TEAM)) as server:
        fails_with(tmp_path, server.base_url, "connection reset mid-body")
    assert server.hits == 2


def test_connection_refused_on_a_closed_port(tmp_path: Path) -> None:
    fails_with(tmp_path, f"http://127.0.0.1:{closed_port()}", "connection refused")


def test_server_error_then_recovery(tmp_path: Path) -> None:
    behaviours = [
        status(503, "<html>busy</html>"),
        status(502, "<html>bad gateway</html>"),
        serve(TEAM),
        serve(player_body_from_team_body(TEAM)),
    ]
    options = collect_options(timeout=TIMEOUT, retries=3, pause=0.0)
    with LocalStatsServer(behaviours) as server:
        report = collect(tmp_path, server.base_url, options)
    assert server.hits == 4 and report.requests == 4  # type: ignore[attr-defined]
    assert (
        len(
            result_set(
                json.loads(cache_path(tmp_path, "2025-26", "Regular Season", "T").read_bytes())
            )[1]
        )
        == 300
    )


# --------------------------------------------------------------- a server that never answers


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte (what
    stats.nba.com does to requests from many cloud hosts). Counts the connections accepted."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(32)
        self.port = self._socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()
        for connection in self.accepted:
            connection.close()
        self._thread.join(timeout=5)


HANG = collect_options(timeout=0.6, connect_timeout=0.2, retries=3, pause=0.0, breaker_threshold=10)


def test_a_server_that_never_answers_hits_the_read_timeout_with_a_new_session_each_time(
    tmp_path: Path,
) -> None:
    made: list[object] = []
    with SilentServer() as server:

        def factory() -> object:
            made.append(redirect_session(f"http://127.0.0.1:{server.port}"))
            return made[-1]

        started = time.monotonic()
        with pytest.raises(UpstreamUnavailable) as caught:
            refresh_cache(
                tmp_path,
                ["2025-26"],
                today=TODAY,
                options=HANG,
                session=factory,
                sleep=FakeClock().sleep,
            )
        elapsed = time.monotonic() - started
        accepted = len(server.accepted)
    message = str(caught.value)
    # the read timeout (0.6 s), not the connect timeout (0.2 s), bounded each attempt
    assert 3 * 0.6 <= elapsed < 3 * (0.6 + 0.2) + 2
    assert message.startswith("stats.nba.com unreachable after 3 attempts (timed out after 0.6 s)")
    assert message.endswith(f"; models untouched; {CLOUD_HINT}") and "\n" not in message
    assert "NBA_ML_PROXY" in message
    assert len(made) == 3 and len({id(s) for s in made}) == 3  # a fresh session per attempt
    assert accepted == 3  # ... and so a new connection each time


def test_a_connect_that_hangs_hits_the_connect_timeout(tmp_path: Path) -> None:
    # A listener whose backlog is full: the kernel drops the SYN, the connect hangs.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        started = time.monotonic()
        with pytest.raises(UpstreamUnavailable) as caught:
            refresh_cache(
                tmp_path,
                ["2025-26"],
                today=TODAY,
                options=HANG,
                session=lambda: redirect_session(f"http://127.0.0.1:{port}"),
                sleep=FakeClock().sleep,
            )
        elapsed = time.monotonic() - started
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert "(connect timed out after 0.2 s)" in str(caught.value)
    assert elapsed < 3 * 0.6  # each attempt ended at the connect timeout, not the read one
    assert CLOUD_HINT in str(caught.value)


def test_real_train_through_a_proxy_that_never_answers(trained_dir: Path, tmp_path: Path) -> None:
    """`nba-ml train` as cron runs it: exit 75, the one ERROR line with the hint, models kept,
    and the proxy's password in no output and no file."""
    from tests.conftest import copy_data_dir

    data = copy_data_dir(trained_dir, tmp_path / "data")
    models = {p: p.read_bytes() for p in (data / "models").rglob("*") if p.is_file()}
    secret = "pa55-w0rd-XYZ"
    with SilentServer() as server:
        proxy = f"http://nba:{secret}@127.0.0.1:{server.port}"
        env = {
            **{k: v for k, v in os.environ.items() if "PROXY" not in k.upper()},
            "NBA_ML_DATA_DIR": str(data),
            "NBA_ML_TIMEOUT": "0.5",
            "NBA_ML_CONNECT_TIMEOUT": "0.3",
            "NBA_ML_RETRIES": "2",
            "NBA_ML_REQUEST_PAUSE": "0",
            "NBA_ML_SEASONS": "1",
        }
        exe = Path(sys.executable).with_name("nba-ml")
        command = [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]
        started = time.monotonic()
        result = subprocess.run(
            [*command, "--verbose", "train", "--force", "--proxy", proxy],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        elapsed = time.monotonic() - started
        status = subprocess.run(
            [*command, "status", "--json"],
            capture_output=True,
            text=True,
            env={**env, "NBA_ML_PROXY": proxy},
            timeout=120,
        )
        accepted = len(server.accepted)
    assert result.returncode == 75, result.stderr
    errors = [line for line in result.stderr.splitlines() if " - ERROR - " in line]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert CLOUD_HINT not in errors[0]  # a proxy is set: the hint names it instead
    assert f"through the proxy http://***@127.0.0.1:{server.port}" in errors[0]
    assert "every attempt timed out" in errors[0] and "--proxy" in errors[0]
    assert "(timed out after 0.3 s)" in errors[0]  # the connect timeout bounded the CONNECT
    assert accepted == 2 and elapsed < 30  # two attempts, each bounded by the connect timeout
    assert {p: p.read_bytes() for p in (data / "models").rglob("*") if p.is_file()} == models
    report = json.loads(status.stdout)
    [proxy] = [row for row in report["settings"] if row["name"] == "proxy"]
    assert proxy["value"] == f"http://***@127.0.0.1:{server.port}"
    assert proxy["source"] == "NBA_ML_PROXY"
    assert report["runs"][-1]["exit_code"] == 75
    for text in (result.stdout, result.stderr, status.stdout, status.stderr):
        assert secret not in text and "nba:" not in text
    for path in data.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_malformed_proxy_is_exit_2(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("nba-ml")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]
    env = {
        **os.environ,
        "NBA_ML_DATA_DIR": str(tmp_path / "d"),
        "HTTPS_PROXY": "http://u:hunter2@proxy:notaport",
    }
    env.pop("NBA_ML_PROXY", None)
    env.pop("NBA_API_PROXY", None)
    result = subprocess.run(
        [*command, "train", "--force"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2
    [line] = [x for x in result.stderr.splitlines() if " - ERROR - " in x]
    assert "HTTPS_PROXY='http://***@proxy:notaport' is not a proxy URL" in line
    assert "hunter2" not in result.stderr + result.stdout


def test_a_body_larger_than_the_cache_may_hold_is_unusable_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nba_ml.data import transport

    monkeypatch.setattr(transport, "MAX_BODY_BYTES", 20_000)  # TEAM: about 50 kB decoded
    with (
        LocalStatsServer(serve(TEAM, compress=True)) as server,
        pytest.raises(UpstreamDataError) as caught,
    ):
        collect(tmp_path / "raw", server.base_url)
    assert str(caught.value) == (
        "stats.nba.com sent unusable data after 2 attempts (a response body larger than 20000 "
        "bytes) for 2025-26 Regular Season team logs; models untouched"
    )
    assert not cache_path(tmp_path / "raw", "2025-26", "Regular Season", "T").exists()
