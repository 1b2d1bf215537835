"""nba_ml.data.collect against a real HTTP server on 127.0.0.1 that misbehaves at the socket level.

nba_api's requests for https://stats.nba.com are sent to the local server by a redirecting
transport adapter; everything else (nba_api's request building, requests, urllib3, sockets) is real.
Backoff sleeps are faked; socket timeouts are real but short, so every test ends in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from replay import (
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

from nba_ml.data.collect import CollectOptions, cache_path, refresh_cache
from nba_ml.errors import UpstreamUnavailable

TODAY = dt.date(2026, 2, 22)
TIMEOUT = 0.4
OPTIONS = CollectOptions(timeout=TIMEOUT, retries=2, pause=0.0, breaker_threshold=10)
TEAM = with_rows(load_cassette(T_2025_26), result_set(load_cassette(T_2025_26))[1][:300])


def collect(raw: Path, base_url: str, options: CollectOptions = OPTIONS) -> object:
    clock = FakeClock()
    return refresh_cache(raw, ["2025-26"], today=TODAY, options=options,
                         session=redirect_session(base_url), sleep=clock.sleep,
                         clock=clock.monotonic)


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
    """Four requests with nba_api's headers; gzip bodies are decoded and stored as JSON."""
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

    assert server.hits == 4 and report.requests == 4  # type: ignore[attr-defined]
    assert all(path.startswith("/stats/leaguegamelog?") for path in server.paths)
    assert "Season=2025-26" in server.paths[0] and "PlayerOrTeam=T" in server.paths[0]
    assert all("Mozilla" in agent for agent in seen)
    rows = result_set(json.loads(cache_path(tmp_path, "2025-26", "Regular Season", "T")
                                 .read_bytes()))[1]
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
    behaviours = [status(503, "<html>busy</html>"), status(502, "<html>bad gateway</html>"),
                  serve(TEAM), serve(player_body_from_team_body(TEAM)),
                  serve(empty_body("2025-26", "Playoffs", "T")),
                  serve(empty_body("2025-26", "Playoffs", "P"))]
    options = CollectOptions(timeout=TIMEOUT, retries=3, pause=0.0)
    with LocalStatsServer(behaviours) as server:
        report = collect(tmp_path, server.base_url, options)
    assert server.hits == 6 and report.requests == 6  # type: ignore[attr-defined]
    assert len(result_set(json.loads(cache_path(tmp_path, "2025-26", "Regular Season", "T")
                                     .read_bytes()))[1]) == 300
