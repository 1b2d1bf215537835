"""The collector as stats.nba.com behaves in 2026: play-in games, late corrections, the day's
schedule, the request cap, fresh sessions after timeouts, proxies, damaged cache files.

Every response is replayed through nba_api's own HTTP code (tests/replay.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from nba_ml.data.cache import cache_files, last_cached_game_date, schedule_path
from nba_ml.data.collect import CORRECTION_DAYS, CollectOptions, cache_path, refresh_cache
from nba_ml.data.importer import load_files
from nba_ml.errors import ConfigError, StorageError, UpstreamUnavailable
from tests.conftest import collect_options
from tests.replay import (
    T_2025_26,
    FakeClock,
    ReplayAdapter,
    empty_body,
    faults,
    league_game_log,
    load_cassette,
    play_in_body,
    player_body_from_team_body,
    result_set,
    route_csv_season,
    route_schedule,
    sequence,
    with_rows,
)

MID_SEASON = dt.date(2026, 2, 22)
PLAY_IN_WEEK = dt.date(2026, 4, 16)
FAST = collect_options(
    timeout=5.0, connect_timeout=2.0, retries=3, pause=1.0, budget=900.0, breaker_threshold=10
)
BODY = with_rows(load_cassette(T_2025_26), result_set(load_cassette(T_2025_26))[1][:60])


def run(
    raw: Path,
    adapter: ReplayAdapter | Any,
    seasons: list[str],
    today: dt.date = MID_SEASON,
    options: CollectOptions = FAST,
    schedule: bool = False,
    session: Any = None,
) -> Any:
    clock = FakeClock()
    return refresh_cache(
        raw,
        seasons,
        today=today,
        options=options,
        session=session if session is not None else adapter.session(),
        sleep=clock.sleep,
        clock=clock.monotonic,
        schedule_day=today if schedule else None,
    )


def route_current(
    adapter: ReplayAdapter, team: dict[str, Any], play_in: dict[str, Any] | None = None
) -> None:
    """Serve 2025-26: ``team`` (and one made-up player per team row), ``play_in`` (else no
    play-in games) and no playoff games."""
    for mode in ("T", "P"):
        logs = team if mode == "T" else player_body_from_team_body(team)
        adapter.route(
            league_game_log(logs), Season="2025-26", SeasonType="Regular Season", PlayerOrTeam=mode
        )
        adapter.route(
            empty_body("2025-26", "Playoffs", mode),
            Season="2025-26",
            SeasonType="Playoffs",
            PlayerOrTeam=mode,
        )
        games = (
            empty_body("2025-26", "PlayIn", mode)
            if play_in is None
            else play_in
            if mode == "T"
            else player_body_from_team_body(play_in)
        )
        adapter.route(
            league_game_log(games), Season="2025-26", SeasonType="PlayIn", PlayerOrTeam=mode
        )


def cache_rows(path: Path) -> list[list[Any]]:
    return result_set(json.loads(path.read_bytes()))[1]


# ------------------------------------------------------------------------ play-in games


def test_play_in_games_are_collected_cached_and_imported(tmp_path: Path) -> None:
    adapter = ReplayAdapter()
    route_csv_season(adapter, "2020-21", limit=40)
    report = run(tmp_path, adapter, ["2020-21"])
    assert report.requests == 6
    calls = adapter.matching(SeasonType="PlayIn")
    assert [c.params["PlayerOrTeam"] for c in calls] == ["T", "P"]
    team = cache_path(tmp_path, "2020-21", "PlayIn", "T")
    assert len(cache_rows(team)) == 12 and team.name == "2020-21_playin_T.json"

    data = load_files(cache_files(tmp_path, ["2020-21"]))
    play_in = data.team_games[data.team_games["season_type"] == "PlayIn"]
    assert len(play_in) == 12 and set(play_in["game_date"].dt.strftime("%m-%d")) == {
        "05-18",
        "05-19",
        "05-20",
        "05-21",
    }
    mem = play_in[(play_in["team"] == "MEM")]
    assert mem["win"].tolist() == [1.0, 1.0]  # beat SAS, then GSW
    players = data.player_games[data.player_games["season_type"] == "PlayIn"]
    assert len(players) == 12
    assert run(tmp_path, adapter, ["2020-21"]).requests == 0  # finished: cached for good


def test_play_in_is_never_asked_before_2019_20(tmp_path: Path) -> None:
    adapter = ReplayAdapter()
    route_csv_season(adapter, "2018-19", limit=20)
    assert run(tmp_path, adapter, ["2018-19"]).requests == 4
    assert adapter.count(SeasonType="PlayIn") == 0


def test_play_in_week_of_the_current_season(tmp_path: Path) -> None:
    games = [("2026-04-14", "MIA", "CHI", 109, 104), ("2026-04-15", "GSW", "MEM", 121, 116)]
    adapter = ReplayAdapter()
    route_current(adapter, BODY, play_in_body("2025-26", "T", games))
    report = run(tmp_path, adapter, ["2025-26"], today=PLAY_IN_WEEK)
    assert report.requests == 6  # regular season, play-in, playoffs x T, P
    assert len(cache_rows(cache_path(tmp_path, "2025-26", "PlayIn", "T"))) == 4
    assert last_cached_game_date(tmp_path) == dt.date(2026, 4, 15)
    # the next night the play-in is asked again from 3 days before its last game
    run(tmp_path, adapter, ["2025-26"], today=PLAY_IN_WEEK + dt.timedelta(days=1))
    second = adapter.matching(SeasonType="PlayIn", PlayerOrTeam="T")[-1]
    assert second.params["DateFrom"] == "04/12/2026"


# ------------------------------------------------------------------------ late corrections


def test_a_late_correction_replaces_the_cached_rows_and_nothing_is_duplicated(
    tmp_path: Path,
) -> None:
    """Two replayed versions of the same days: the corrected box score wins."""
    cassette = load_cassette(T_2025_26)
    headers, rows = result_set(cassette)
    date, pts, reb = headers.index("GAME_DATE"), headers.index("PTS"), headers.index("REB")
    days = sorted({r[date][:10] for r in rows})
    last = days[-1]
    corrected_day = days[-3]  # two game days before the last cached one
    assert (
        dt.date.fromisoformat(last) - dt.date.fromisoformat(corrected_day)
    ).days <= CORRECTION_DAYS
    first_version = with_rows(cassette, rows)
    fixed = [
        [*r[:reb], r[reb] + 2, *r[reb + 1 :]] if r[date][:10] == corrected_day else r for r in rows
    ]
    second_version = with_rows(cassette, fixed)
    adapter = ReplayAdapter()
    route_current(adapter, first_version)
    run(tmp_path, adapter, ["2025-26"])
    team = cache_path(tmp_path, "2025-26", "Regular Season", "T")
    before = {(r[4], r[2]): r for r in cache_rows(team)}
    route_current(adapter, second_version)  # stats.nba.com corrected the rebounds

    report = run(tmp_path, adapter, ["2025-26"], today=MID_SEASON + dt.timedelta(days=1))

    assert report.requests == 2
    asked = {c.params["DateFrom"] for c in adapter.calls[2:]}
    since = dt.date.fromisoformat(last) - dt.timedelta(days=CORRECTION_DAYS)
    assert asked == {f"{since:%m/%d/%Y}"}
    after = cache_rows(team)
    keys = [(r[4], r[2]) for r in after]  # (GAME_ID, TEAM_ABBREVIATION)
    assert len(keys) == len(set(keys)) == len(rows)
    for row in after:
        old = before[(row[4], row[2])]
        assert row[reb] == old[reb] + (2 if row[date][:10] == corrected_day else 0)
        assert row[pts] == old[pts]
    data = load_files(cache_files(tmp_path, ["2025-26"]))
    assert not data.team_games.duplicated(["game_id", "team"]).any()
    day = data.team_games[data.team_games["game_date"] == corrected_day]
    expected = {r[2]: r[reb] + 2 for r in rows if r[date][:10] == corrected_day}
    assert dict(zip(day["team"], day["reb"], strict=True)) == expected
    players = data.player_games
    assert len(players) == len(rows) and not players.duplicated(["game_id", "player_id"]).any()


def test_a_game_that_vanished_upstream_is_removed(tmp_path: Path) -> None:
    cassette = load_cassette(T_2025_26)
    headers, rows = result_set(cassette)
    date, game = headers.index("GAME_DATE"), headers.index("GAME_ID")
    last = max(r[date] for r in rows)
    dropped = next(r[game] for r in rows if r[date] == last)
    adapter = ReplayAdapter()
    route_current(adapter, cassette)
    run(tmp_path, adapter, ["2025-26"])
    route_current(adapter, with_rows(cassette, [r for r in rows if r[game] != dropped]))
    run(tmp_path, adapter, ["2025-26"])
    kept = cache_rows(cache_path(tmp_path, "2025-26", "Regular Season", "T"))
    assert len(kept) == len(rows) - 2 and dropped not in {r[game] for r in kept}


# ------------------------------------------------------------------------ request counts


def route_four_seasons(adapter: ReplayAdapter) -> None:
    for season in ("2022-23", "2023-24", "2024-25"):
        for season_type in ("Regular Season", "PlayIn", "Playoffs"):
            for mode in ("T", "P"):
                body = BODY if mode == "T" else player_body_from_team_body(BODY)
                copy = json.loads(json.dumps(body))
                copy["parameters"].update(Season=season, SeasonType=season_type)
                headers, rows = result_set(copy)
                date, years = headers.index("GAME_DATE"), int(season[:4]) - 2025
                for row in rows:  # 2025-26's games, moved into this season's years
                    row[date] = f"{int(row[date][:4]) + years}{row[date][4:]}"
                adapter.route(copy, Season=season, SeasonType=season_type, PlayerOrTeam=mode)
    route_current(adapter, BODY)
    route_schedule(adapter)


def test_first_run_and_nightly_run_request_counts(tmp_path: Path) -> None:
    """The numbers in the README: 21 requests for a first run of the default 4 seasons in the
    regular season, 3 for each nightly run then, 7 during the play-in and playoffs."""
    seasons = ["2022-23", "2023-24", "2024-25", "2025-26"]
    adapter = ReplayAdapter()
    route_four_seasons(adapter)
    first = run(tmp_path, adapter, seasons, schedule=True)
    assert first.requests == 21 == len(adapter.calls)
    assert first.schedule == schedule_path(tmp_path, MID_SEASON)
    nightly = run(
        tmp_path, adapter, seasons, today=MID_SEASON + dt.timedelta(days=1), schedule=True
    )
    assert nightly.requests == 3
    assert {c.endpoint for c in adapter.calls[21:]} == {"leaguegamelog", "scoreboardv3"}
    again_today = run(
        tmp_path, adapter, seasons, today=MID_SEASON + dt.timedelta(days=1), schedule=True
    )
    assert again_today.requests == 2  # the day's schedule is cached
    postseason = run(tmp_path, adapter, seasons, today=PLAY_IN_WEEK, schedule=True)
    assert postseason.requests == 7


# ------------------------------------------------------------------------ the schedule


def test_schedule_is_fetched_once_and_cached(tmp_path: Path) -> None:
    adapter = ReplayAdapter(route_manifest=False)
    route_current(adapter, BODY)
    route_schedule(adapter)
    report = run(tmp_path, adapter, ["2025-26"], schedule=True)
    [call] = adapter.matching(GameDate=MID_SEASON.isoformat())
    assert call.endpoint == "scoreboardv3" and "Mozilla" in call.headers["User-Agent"]
    board = json.loads(schedule_path(tmp_path, MID_SEASON).read_bytes())
    assert len(board["scoreboard"]["games"]) == 11 and report.schedule is not None


def test_a_failed_schedule_does_not_fail_the_collection(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = ReplayAdapter()
    route_current(adapter, BODY)
    adapter.route(faults.http_503, endpoint="scoreboardv3")
    with caplog.at_level(logging.WARNING, logger="nba_ml.data"):
        report = run(tmp_path, adapter, ["2025-26"], schedule=True)
    assert report.schedule is None and len(report.fetched) == 2
    assert "predict today` has no schedule" in caplog.text
    assert not schedule_path(tmp_path, MID_SEASON).exists()


# ------------------------------------------------------------------------ the cap, sessions


def test_the_request_cap_bounds_a_backfill(tmp_path: Path) -> None:
    adapter = ReplayAdapter()
    for season in ("2017-18", "2018-19", "2019-20", "2020-21"):
        route_csv_season(adapter, season, limit=10)
    options = collect_options(timeout=5, pause=0, max_requests=9)
    with pytest.raises(UpstreamUnavailable) as caught:
        run(tmp_path, adapter, ["2017-18", "2018-19", "2019-20", "2020-21"], options=options)
    message = str(caught.value)
    assert len(adapter.calls) == 9 and caught.value.exit_code == 75
    assert "request cap of 9 per run reached (NBA_ML_MAX_REQUESTS)" in message
    assert "the next run continues" in message and "\n" not in message
    # what was fetched stays: the next run goes on where this one stopped
    seasons = ["2017-18", "2018-19", "2019-20", "2020-21"]
    assert len(cache_files(tmp_path, seasons)) == 9
    with pytest.raises(UpstreamUnavailable, match="request cap of 9"):
        run(tmp_path, adapter, seasons, options=options)
    assert len(adapter.calls) == 18 and len(cache_files(tmp_path, seasons)) == 18
    last = run(tmp_path, adapter, seasons, options=options)
    assert last.requests == 2 and len(last.skipped) == 18  # 4 x 2 + 2 x 6 files in all


def test_the_cap_counts_retries(tmp_path: Path) -> None:
    adapter = ReplayAdapter()
    adapter.route(faults.http_503)
    options = collect_options(timeout=5, pause=0, retries=10, breaker_threshold=100, max_requests=4)
    with pytest.raises(UpstreamUnavailable, match="request cap of 4"):
        run(tmp_path, adapter, ["2025-26"], options=options)
    assert len(adapter.calls) == 4


def test_a_timeout_gets_a_fresh_session(tmp_path: Path) -> None:
    adapter = ReplayAdapter()
    route_current(adapter, BODY)
    adapter.route(
        sequence(faults.read_timeout, faults.connect_timeout, BODY),
        Season="2025-26",
        SeasonType="Regular Season",
        PlayerOrTeam="T",
    )
    made: list[Any] = []

    def factory() -> Any:
        made.append(adapter.session())
        return made[-1]

    report = run(tmp_path, adapter, ["2025-26"], session=factory)
    assert report.requests == 4
    assert len(made) == 3 and len({id(s) for s in made}) == 3  # two timeouts -> two new ones


def test_other_failures_keep_the_session(tmp_path: Path) -> None:
    adapter = ReplayAdapter()
    route_current(adapter, BODY)
    adapter.route(
        sequence(faults.http_503, faults.connection_reset, BODY),
        Season="2025-26",
        SeasonType="Regular Season",
        PlayerOrTeam="T",
    )
    made: list[Any] = []
    run(tmp_path, adapter, ["2025-26"], session=lambda: made.append(adapter.session()) or made[-1])
    assert len(made) == 1


# ------------------------------------------------------------------------ proxies
# (which proxy, its URL and its redaction: tests/data/test_proxy.py)


def test_the_proxy_is_used_for_every_request(tmp_path: Path) -> None:
    seen: list[Any] = []
    adapter = ReplayAdapter()
    route_current(adapter, BODY)
    original = adapter.send

    def spy(request: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("proxies"))
        return original(request, **kwargs)

    adapter.send = spy  # type: ignore[method-assign]
    options = collect_options(timeout=5, pause=0, proxy="http://u:pw@127.0.0.1:3128")
    run(tmp_path, adapter, ["2025-26"], options=options)
    assert len(seen) == 2
    assert all(p and p.get("https") == "http://u:pw@127.0.0.1:3128" for p in seen)


# ------------------------------------------------------------------------ damaged cache files


def seeded(tmp_path: Path) -> tuple[ReplayAdapter, Path]:
    adapter = ReplayAdapter()
    route_csv_season(adapter, "2020-21", limit=20)
    run(tmp_path, adapter, ["2020-21"])
    return adapter, cache_path(tmp_path, "2020-21", "Regular Season", "T")


@pytest.mark.parametrize("damage", ["deep", "binary", "list", "truncated"])
def test_a_damaged_cache_file_is_set_aside_and_fetched_again(
    tmp_path: Path, alarm: None, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    adapter, path = seeded(tmp_path)
    good = path.read_bytes()
    path.write_bytes(
        {
            "deep": b"[" * 100_000 + b"]" * 100_000,
            "binary": b"\x00\xff" * 50,
            "list": b"[1, 2]",
            "truncated": good[: len(good) // 2],
        }[damage]
    )
    with caplog.at_level(logging.WARNING, logger="nba_ml.data"):
        report = run(tmp_path, adapter, ["2020-21"])
    assert report.requests == 1 and report.fetched == [path]
    assert path.read_bytes() == good
    [aside] = path.parent.glob(f"{path.name}.damaged-*")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and aside.name in warnings[0] and "\n" not in warnings[0]


def test_a_fifo_in_the_cache_is_refused_on_one_line_never_opened(
    tmp_path: Path, alarm: None
) -> None:
    adapter, path = seeded(tmp_path)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(StorageError) as caught:
        run(tmp_path, adapter, ["2020-21"])
    message = str(caught.value)
    assert "not a regular file (a FIFO)" in message and "nba-ml did not write it" in message
    assert "\n" not in message and caught.value.exit_code == 1
    assert path.is_fifo()  # not moved, not deleted
    assert last_cached_game_date(tmp_path) is not None  # status never blocks on it either


def test_a_symlink_in_the_cache_is_left_alone(tmp_path: Path, alarm: None) -> None:
    adapter, path = seeded(tmp_path)
    path.unlink()
    path.symlink_to("/dev/zero")
    with pytest.raises(StorageError, match="symbolic link"):
        run(tmp_path, adapter, ["2020-21"])
    assert path.is_symlink()


def test_play_in_games_are_history_for_the_features_and_their_own_type_in_backtest(
    tmp_path: Path,
) -> None:
    """Memphis played the 2021 play-in on May 19 and 21, then the playoffs on May 23: its rest
    before that game is 2 days, not the 7 since its last regular-season game."""
    from nba_ml.data.importer import load_directory
    from nba_ml.modeling.backtest import run_backtest
    from nba_ml.modeling.features import feature_tables
    from tests.conftest import link_seasons

    source = link_seasons(tmp_path / "logs", ["2019-20", "2020-21"])
    for season in ("2019-20", "2020-21"):
        for mode in ("T", "P"):
            (source / f"{season}_playin_{mode}.json").write_text(
                json.dumps(play_in_body(season, mode))
            )
    data = load_directory(source)
    assert data.team_games["season_type"].value_counts()["PlayIn"] == 2 + 12
    games, _ = feature_tables(data.team_games, data.player_games)
    first = games[
        (games["season_type"] == "Playoffs")
        & (games["game_date"] == "2021-05-23")
        & ((games["home"] == "MEM") | (games["away"] == "MEM"))
    ].iloc[0]
    rest = first["home_rest"] if first["home"] == "MEM" else first["away_rest"]
    assert rest == 2.0

    result = run_backtest(data, "2020-21")
    kinds = result.predictions.groupby("season_type")["model"].value_counts()
    assert kinds[("PlayIn", "game_outcome")] == 6
    assert kinds[("PlayIn", "points")] == 12  # the made-up player of each team side
    assert set(result.predictions["season_type"]) == {"Regular Season", "PlayIn", "Playoffs"}


def test_nba_api_require_proxy_fails_closed_before_any_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_API_REQUIRE_PROXY", "1")
    monkeypatch.delenv("NBA_API_PROXY", raising=False)
    adapter = ReplayAdapter()
    route_current(adapter, BODY)
    with pytest.raises(ConfigError, match="NBA_API_REQUIRE_PROXY") as caught:
        run(tmp_path, adapter, ["2025-26"])
    assert caught.value.exit_code == 2 and adapter.calls == []


def written_on(paths: list[Path], day: dt.date) -> None:
    """Make ``paths`` look written at noon (Chicago) on ``day``: the runs of a simulated past."""
    stamp = dt.datetime(day.year, day.month, day.day, 18, tzinfo=dt.timezone.utc).timestamp()
    for path in paths:
        os.utime(path, (stamp, stamp))


def test_once_the_playoffs_are_over_the_season_costs_nothing_until_november(tmp_path: Path) -> None:
    finals = play_in_body(
        "2025-26",
        "T",
        [("2026-06-04", "OKC", "BOS", 110, 100), ("2026-06-08", "BOS", "OKC", 101, 99)],
    )
    finals["parameters"]["SeasonType"] = "Playoffs"
    adapter = ReplayAdapter()
    route_current(adapter, BODY)
    for mode in ("T", "P"):
        adapter.route(
            league_game_log(finals if mode == "T" else player_body_from_team_body(finals)),
            Season="2025-26",
            SeasonType="Playoffs",
            PlayerOrTeam=mode,
        )
    seasons = ["2025-26"]

    def night(day: dt.date) -> int:
        requests = run(tmp_path, adapter, seasons, today=day, schedule=False).requests
        written_on(cache_files(tmp_path, seasons), day)
        return requests

    assert night(dt.date(2026, 6, 10)) == 6  # two days after the last game: maybe more to come
    # the next run comes 17 days after the last game, but the cache was written 2 days after it
    # (the nightly runs stopped, say): stats.nba.com is asked again
    assert night(dt.date(2026, 6, 25)) == 6
    assert night(dt.date(2026, 6, 26)) == 0  # asked 17 days after it, no later game: over
    assert night(dt.date(2026, 9, 20)) == 0
    # 1 November: finished, completed once from 3 days before each file's last game, then final
    assert night(dt.date(2026, 11, 2)) == 6
    assert {
        c.params["DateFrom"] for c in adapter.calls[-6:] if c.params["SeasonType"] == "Playoffs"
    } == {"06/05/2026"}
    assert night(dt.date(2026, 11, 3)) == 0


# ------------------------------------------------------------------- the module's own helpers


@pytest.mark.parametrize(
    ("status", "text", "reason", "retryable", "bad_data"),
    [
        (429, '{"a": 1}', "HTTP 429, rate limited", True, False),
        (404, "{}", "HTTP 404, request rejected", False, True),
        (403, '{"a": 1}', "HTTP 403", True, False),  # stats.nba.com's throttling answer: retried
        (503, '{"a": 1}', "HTTP 503", True, False),
        (200, "   ", "blank body", True, False),
        (200, "<html>busy</html>", "an HTML/XML error page instead of JSON", True, False),
        (200, '{"resultSets": [', "truncated or malformed JSON (16 characters)", True, False),
        (200, "nope", "a body that is not JSON", True, False),
        (200, "[1, 2]", "a JSON list instead of an object", True, False),
        (200, "{}", "an empty JSON object {}", True, False),
        (200, "[" * 5000 + "]" * 5000, "JSON nested too deeply", True, False),
    ],
)
def test_decode_names_each_bad_response(
    status: int, text: str, reason: str, retryable: bool, bad_data: bool
) -> None:
    from nba_ml.data.upstream import Failure, decode

    with pytest.raises(Failure) as failure:
        decode(status, text)
    assert failure.value.reason == reason
    assert (failure.value.retryable, failure.value.bad_data) == (retryable, bad_data)


def test_decode_returns_the_json_object() -> None:
    from nba_ml.data.upstream import decode

    assert decode(200, ' {"resultSets": []}\n') == {"resultSets": []}
    assert decode(None, '{"a": 1}') == {"a": 1}  # no status (a replayed body): the body decides


def test_describe_network_error_names_the_cause_through_wrapping() -> None:
    import requests

    from nba_ml.data.upstream import describe_network_error

    timeout = (5.0, 30.0)
    assert describe_network_error(requests.ConnectTimeout("x"), timeout) == (
        "connect timed out after 5 s",
        True,
    )
    assert describe_network_error(requests.ReadTimeout("x"), timeout) == (
        "timed out after 30 s",
        True,
    )
    # through a proxy an unanswered CONNECT reports the timeout it really waited
    proxied = requests.ConnectionError("HTTPSConnectionPool: Read timed out. (read timeout=5)")
    assert describe_network_error(proxied, timeout) == ("timed out after 5 s", True)
    wrapped = requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    assert describe_network_error(wrapped, timeout) == ("connection refused", False)
    dns = requests.ConnectionError("Failed to resolve 'stats.nba.com' (Name or service not known)")
    assert describe_network_error(dns, timeout) == ("DNS lookup failed", False)
    reset = requests.ConnectionError(ConnectionResetError(104, "reset by peer"))
    assert describe_network_error(reset, timeout) == ("connection reset", False)
    assert describe_network_error(requests.ConnectionError("?"), timeout) == (
        "connection error (ConnectionError)",
        False,
    )
    # --proxy http://127.0.0.1:1 or a misspelt proxy host read as stats.nba.com's own failure
    for cause, words in (
        (ConnectionRefusedError(111, "Connection refused"), "connection refused by the proxy"),
        (
            OSError("Failed to resolve 'proxy.invalid' (Name or service not known)"),
            "DNS lookup failed for the proxy",
        ),
    ):
        through = requests.exceptions.ProxyError("Unable to connect to proxy", cause)
        assert describe_network_error(through, timeout) == (words, False)


def test_describe_network_error_survives_a_cycle_of_causes() -> None:
    import requests

    from nba_ml.data.upstream import describe_network_error

    first = requests.ConnectionError("first")
    second = OSError("second")
    first.__context__ = second
    second.__context__ = first
    assert describe_network_error(first, (5.0, 30.0))[1] is False


def test_one_line_folds_blanks_and_bounds_the_length() -> None:
    from nba_ml.data.upstream import Failure, one_line

    assert one_line("a\n  b\t\tc") == "a b c"
    long = one_line("x" * 500)
    assert len(long) == 160 and long.endswith("…")
    assert Failure("line one\nline two").reason == "line one line two"
