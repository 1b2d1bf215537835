"""data.collect against replayed stats.nba.com responses sent through nba_api's own HTTP path."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nba_ml.data.collect import (
    CollectOptions,
    CollectReport,
    cache_path,
    last_cached_game_date,
    refresh_cache,
)
from nba_ml.data.upstream import CLOUD_HINT
from nba_ml.errors import EXIT_FAILURE, EXIT_TEMPORARY, UpstreamDataError, UpstreamUnavailable
from tests.conftest import collect_options
from tests.replay import (
    CASSETTES,
    T_2025_26,
    FakeClock,
    ReplayAdapter,
    Reply,
    csv_body,
    empty_body,
    faults,
    league_game_log,
    load_cassette,
    player_body_from_team_body,
    result_set,
    route_csv_season,
    sequence,
    with_rows,
)

MID_SEASON = dt.date(2026, 2, 22)  # 2025-26 under way, its playoffs not started
POSTSEASON = dt.date(2026, 5, 1)  # 2025-26 play-in and playoffs could be under way
FAST = collect_options(
    timeout=5.0, connect_timeout=2.0, retries=3, pause=1.0, budget=900.0, breaker_threshold=10
)
TYPES = ("Regular Season", "PlayIn", "Playoffs")


def small(body: dict[str, Any], rows: int = 40) -> dict[str, Any]:
    """Return ``body`` with only its first rows (fast to encode and parse)."""
    return with_rows(body, result_set(body)[1][:rows])


def cache_rows(path: Path) -> list[list[Any]]:
    return result_set(json.loads(path.read_bytes()))[1]


def route_current_season(adapter: ReplayAdapter, team_body: dict[str, Any]) -> None:
    """Serve 2025-26: team and made-up player regular-season logs, no play-in or playoffs yet."""
    route = adapter.route
    route(
        league_game_log(team_body), Season="2025-26", SeasonType="Regular Season", PlayerOrTeam="T"
    )
    route(
        league_game_log(player_body_from_team_body(team_body)),
        Season="2025-26",
        SeasonType="Regular Season",
        PlayerOrTeam="P",
    )
    for mode in ("T", "P"):
        for season_type in ("PlayIn", "Playoffs"):
            route(
                empty_body("2025-26", season_type, mode),
                Season="2025-26",
                SeasonType=season_type,
                PlayerOrTeam=mode,
            )


def route_small_finished(adapter: ReplayAdapter, season: str = "2020-21") -> None:
    """Serve a finished season from the shared CSVs, cut to a few rows per file."""
    route_csv_season(adapter, season, limit=40)


def run(
    raw: Path,
    adapter: ReplayAdapter,
    seasons: list[str],
    clock: FakeClock | None = None,
    today: dt.date = MID_SEASON,
    options: CollectOptions = FAST,
) -> CollectReport:
    clock = clock or FakeClock()
    return refresh_cache(
        raw,
        seasons,
        today=today,
        options=options,
        session=adapter.session(),
        sleep=clock.sleep,
        clock=clock.monotonic,
    )


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return tmp_path / "raw"


# ------------------------------------------------------------------ layout and the happy path


def test_cassette_replay_populates_cache(raw: Path) -> None:
    adapter = ReplayAdapter(route_manifest=True)  # T 2025-26: only the exact recorded request
    cassette = load_cassette(T_2025_26)
    adapter.route(
        player_body_from_team_body(cassette),
        Season="2025-26",
        SeasonType="Regular Season",
        PlayerOrTeam="P",
    )
    for mode in ("T", "P"):
        adapter.route(
            empty_body("2025-26", "Playoffs", mode),
            Season="2025-26",
            SeasonType="Playoffs",
            PlayerOrTeam=mode,
        )
    clock = FakeClock()

    report = run(raw, adapter, ["2025-26"], clock)

    # February: no play-in or playoff game can have been played, so only the regular season
    assert report.requests == 2 == len(adapter.calls)
    assert [(c.params["SeasonType"], c.params["PlayerOrTeam"]) for c in adapter.calls] == [
        ("Regular Season", "T"),
        ("Regular Season", "P"),
    ]
    team = cache_path(raw, "2025-26", "Regular Season", "T")
    assert report.fetched == [cache_path(raw, "2025-26", "Regular Season", m) for m in "TP"]
    assert report.skipped == []
    assert team.read_bytes() == (CASSETTES / T_2025_26).read_bytes()  # the response as received
    assert len(cache_rows(team)) == 1688
    assert not cache_path(raw, "2025-26", "Playoffs", "P").exists()
    first = adapter.calls[0]
    assert first.params["DateFrom"] == "" and first.params["Season"] == "2025-26"
    assert "Mozilla" in first.headers["User-Agent"] and first.headers["Referer"]
    assert first.timeout == (FAST.connect_timeout, FAST.timeout)  # connect, read
    assert clock.sleeps == [1.0]  # the polite pause between requests, nothing else
    assert last_cached_game_date(raw) == dt.date(2026, 2, 21)
    assert not list((raw / "leaguegamelog").glob("*.tmp"))


def test_the_pause_runs_from_the_end_of_the_previous_response(raw: Path) -> None:
    # A slow answer must not eat into the pause: the next request still waits the full pause.
    clock = FakeClock()
    body = small(load_cassette(T_2025_26), 20)

    def slow(call: Any) -> Any:
        clock.advance(0.7)  # the server takes 0.7 s to answer
        return league_game_log(body)(call)

    adapter = ReplayAdapter()
    route_current_season(adapter, body)
    adapter.route(slow, Season="2025-26", SeasonType="Regular Season", PlayerOrTeam="T")
    run(raw, adapter, ["2025-26"], clock, today=POSTSEASON)
    assert len(adapter.calls) == 6
    assert clock.sleeps == [1.0] * 5


def test_finished_season_is_never_requested_again(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_small_finished(adapter, "2020-21")
    route_current_season(adapter, small(load_cassette(T_2025_26), 200))

    first = run(raw, adapter, ["2025-26", "2020-21"])
    assert first.requests == 8 and len(first.fetched) == 8
    assert [c.params["Season"] for c in adapter.calls] == ["2020-21"] * 6 + ["2025-26"] * 2
    assert [c.params["SeasonType"] for c in adapter.calls[:6:2]] == list(TYPES)
    finished = [cache_path(raw, "2020-21", t, m) for t in TYPES for m in "TP"]
    stamps = {path: path.stat().st_mtime_ns for path in finished}
    assert len(cache_rows(cache_path(raw, "2020-21", "PlayIn", "T"))) == 12  # 6 play-in games

    second = run(raw, adapter, ["2020-21", "2025-26"])

    assert second.requests == 2 and len(adapter.calls) == 10
    assert adapter.count(Season="2020-21") == 6  # all from the first run
    assert second.skipped == finished
    assert {path: path.stat().st_mtime_ns for path in finished} == stamps


def test_only_finished_seasons_cost_zero_requests_the_second_time(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_small_finished(adapter, "2019-20")
    route_small_finished(adapter, "2020-21")
    run(raw, adapter, ["2019-20", "2020-21"])
    assert len(adapter.calls) == 12

    report = run(raw, adapter, ["2019-20", "2020-21"])

    assert report.requests == 0 and len(adapter.calls) == 12
    assert report.fetched == [] and len(report.skipped) == 12


def test_current_season_refreshes_incrementally_and_merges(raw: Path) -> None:
    cassette = load_cassette(T_2025_26)
    headers, rows = result_set(cassette)
    date, pts = headers.index("GAME_DATE"), headers.index("PTS")
    before = [r for r in rows if r[date] < "2026-02-20"]
    on_20th = [r for r in rows if r[date] == "2026-02-20"]
    assert before and on_20th and len(before) + len(on_20th) < len(rows)
    # The first run sees the 20th's games with a stale score (e.g. fetched mid-game).
    stale = [[*r[:pts], r[pts] - 7, *r[pts + 1 :]] for r in on_20th]
    adapter = ReplayAdapter()
    route_current_season(adapter, with_rows(cassette, before + stale))
    run(raw, adapter, ["2025-26"])
    team = cache_path(raw, "2025-26", "Regular Season", "T")
    assert len(cache_rows(team)) == len(before) + len(on_20th)
    assert last_cached_game_date(raw) == dt.date(2026, 2, 20)

    route_current_season(adapter, cassette)  # now the full, corrected season so far
    report = run(raw, adapter, ["2025-26"])

    second = adapter.calls[2:]
    assert report.requests == 2 == len(second)
    # the last cached date (the 20th) and the CORRECTION_DAYS (3) before it are asked again
    assert {c.params["PlayerOrTeam"]: c.params["DateFrom"] for c in second} == {
        "T": "02/17/2026",
        "P": "02/17/2026",
    }
    merged = cache_rows(team)
    assert len(merged) == 1688
    assert sorted(map(json.dumps, merged)) == sorted(map(json.dumps, rows))  # stale rows replaced
    assert [r[date] for r in merged] == sorted(r[date] for r in merged)
    body = json.loads(team.read_bytes())
    assert body["parameters"]["DateFrom"] is None
    assert body["resultSets"][0]["name"] == "LeagueGameLog"
    player_rows = cache_rows(cache_path(raw, "2025-26", "Regular Season", "P"))
    assert len(player_rows) == 1688
    assert len({(r[6], r[1]) for r in player_rows}) == 1688  # (GAME_ID, PLAYER_ID) unique
    assert last_cached_game_date(raw) == dt.date(2026, 2, 21)


def test_incremental_merge_survives_a_server_that_ignores_date_from(raw: Path) -> None:
    cassette = small(load_cassette(T_2025_26), 100)
    adapter = ReplayAdapter()
    route_current_season(adapter, cassette)
    run(raw, adapter, ["2025-26"])
    adapter.route(cassette, Season="2025-26", SeasonType="Regular Season", PlayerOrTeam="T")

    run(raw, adapter, ["2025-26"])

    assert adapter.calls[2].params["DateFrom"] != ""
    merged = cache_rows(cache_path(raw, "2025-26", "Regular Season", "T"))
    assert sorted(map(json.dumps, merged)) == sorted(map(json.dumps, result_set(cassette)[1]))


def test_seasons_not_started_are_written_empty(raw: Path) -> None:
    adapter = ReplayAdapter()
    for season_type in TYPES:
        for mode in ("T", "P"):
            adapter.route(
                empty_body("2026-27", season_type, mode),
                Season="2026-27",
                SeasonType=season_type,
                PlayerOrTeam=mode,
            )

    report = run(raw, adapter, ["2026-27"], today=dt.date(2026, 9, 15))

    assert report.requests == 2 and len(report.fetched) == 2
    assert all(cache_rows(path) == [] for path in report.fetched)
    assert last_cached_game_date(raw) is None


def test_nba_api_session_is_restored(raw: Path) -> None:
    from nba_api.stats.library.http import NBAStatsHTTP

    before = NBAStatsHTTP.get_session()
    adapter = ReplayAdapter()
    adapter.route(faults.connection_refused)
    with pytest.raises(UpstreamUnavailable):
        run(raw, adapter, ["2025-26"])
    assert NBAStatsHTTP.get_session() is before
    route_current_season(adapter, small(load_cassette(T_2025_26)))
    run(raw, adapter, ["2025-26"])
    assert NBAStatsHTTP.get_session() is before


# ------------------------------------------------------------------ faults


BODY = small(load_cassette(T_2025_26))

NETWORK_FAULTS = [
    (faults.connection_refused, "connection refused"),
    (faults.dns_failure, "DNS lookup failed"),
    (faults.connection_reset, "connection reset"),
    (faults.read_timeout, "timed out after 5 s"),
    (faults.connect_timeout, "connect timed out after 2 s"),
    (faults.reset_mid_body, "connection reset mid-body"),
    (faults.http_429, "HTTP 429"),
    (faults.http_500, "HTTP 500"),
    (faults.http_503, "HTTP 503"),
    (faults.html_page, "HTML"),
    (faults.blank, "blank body"),
    (faults.empty_object, "empty JSON object"),
    (faults.truncated(BODY), "truncated or malformed JSON"),
    (lambda call: "Service temporarily unavailable", "not JSON"),
    (lambda call: "[]", "JSON list"),
]
DATA_FAULTS = [
    (faults.missing_columns(BODY, "PTS", "WL"), "missing columns WL, PTS"),
    (
        with_rows(BODY, [[*result_set(BODY)[1][0][:5], "21/02/2026", *result_set(BODY)[1][0][6:]]]),
        "unparseable GAME_DATE '21/02/2026'",
    ),
    ({**BODY, "parameters": {**BODY["parameters"], "Season": "2024-25"}}, "for Season '2024-25'"),
    ({"resource": "leaguegamelog", "resultSets": []}, "no result set with headers and rows"),
    # a date the importer refuses for the season: kept, it failed every training after it
    (
        with_rows(BODY, [[*result_set(BODY)[1][0][:5], "2031-01-05", *result_set(BODY)[1][0][6:]]]),
        "GAME_DATE '2031-01-05' is outside the 2025-26 season (2025-08-01 to 2026-10-31)",
    ),
]


def seed_current_cache(raw: Path) -> Path:
    """Write a valid 2025-26 team cache file and return its path."""
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    run(raw, adapter, ["2025-26"])
    return cache_path(raw, "2025-26", "Regular Season", "T")


def failing_adapter(fault: Any) -> ReplayAdapter:
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    adapter.route(fault, Season="2025-26", SeasonType="Regular Season", PlayerOrTeam="T")
    return adapter


@pytest.mark.parametrize(("fault", "reason"), NETWORK_FAULTS)
def test_unavailable_upstream_is_retried_then_exit_75(raw: Path, fault: Any, reason: str) -> None:
    path = seed_current_cache(raw)
    kept = path.read_bytes()
    adapter = failing_adapter(fault)
    clock = FakeClock()

    with pytest.raises(UpstreamUnavailable) as caught:
        run(raw, adapter, ["2025-26"], clock)

    message = str(caught.value)
    assert caught.value.exit_code == EXIT_TEMPORARY == 75
    assert "\n" not in message
    assert message.startswith("stats.nba.com unreachable after 3 attempts (")
    assert reason in message
    timed_out = "timed out" in reason
    assert message.endswith(
        "fetching 2025-26 Regular Season team logs; models untouched"
        + (f"; {CLOUD_HINT}" if timed_out else "")
    )
    assert len(adapter.calls) == 3  # one request, three attempts, then stop: nothing else asked
    assert path.read_bytes() == kept
    assert not list(path.parent.glob("*.tmp"))
    assert len(clock.sleeps) == 2 and all(s >= FAST.pause for s in clock.sleeps)


@pytest.mark.parametrize(("fault", "reason"), DATA_FAULTS)
def test_bad_data_is_retried_then_exit_1(raw: Path, fault: Any, reason: str) -> None:
    path = seed_current_cache(raw)
    kept = path.read_bytes()
    adapter = failing_adapter(fault)

    with pytest.raises(UpstreamDataError) as caught:
        run(raw, adapter, ["2025-26"])

    message = str(caught.value)
    assert caught.value.exit_code == EXIT_FAILURE == 1
    assert "\n" not in message and reason in message
    assert message.startswith("stats.nba.com sent unusable data after 3 attempts (")
    assert len(adapter.calls) == 3
    assert path.read_bytes() == kept


def test_a_rejected_request_is_not_retried(raw: Path) -> None:
    adapter = failing_adapter(faults.http_400)
    with pytest.raises(UpstreamDataError, match=r"after 1 attempt \(HTTP 400, request rejected\)"):
        run(raw, adapter, ["2025-26"])
    assert len(adapter.calls) == 1


def test_finished_season_without_rows_is_bad_data(raw: Path) -> None:
    adapter = ReplayAdapter()
    adapter.route(empty_body("2020-21", "Regular Season", "T"))
    with pytest.raises(UpstreamDataError) as caught:
        run(raw, adapter, ["2020-21"])
    assert "zero rows for a finished regular season" in str(caught.value)
    assert "2020-21 Regular Season team logs" in str(caught.value)
    assert len(adapter.calls) == FAST.retries
    assert not cache_path(raw, "2020-21", "Regular Season", "T").exists()


def test_empty_postseason_answers_are_final_once_the_season_is_over(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_small_finished(adapter, "2018-19")  # before the play-in existed: never asked
    for mode in ("T", "P"):
        adapter.route(
            empty_body("2018-19", "Playoffs", mode),
            Season="2018-19",
            SeasonType="Playoffs",
            PlayerOrTeam=mode,
        )
    assert run(raw, adapter, ["2018-19"]).requests == 4
    assert adapter.count(SeasonType="PlayIn") == 0
    assert cache_rows(cache_path(raw, "2018-19", "Playoffs", "T")) == []
    # written after the season was over: an empty answer is the answer, cached for good
    assert run(raw, adapter, ["2018-19"]).requests == 0


def test_empty_postseason_answers_are_asked_again_while_the_season_is_on(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    assert run(raw, adapter, ["2025-26"], today=POSTSEASON).requests == 6
    # An empty file may have been cached before the play-in began: it is not final.
    assert run(raw, adapter, ["2025-26"], today=POSTSEASON).requests == 6
    assert [c.params["DateFrom"] for c in adapter.matching(SeasonType="PlayIn")] == [""] * 4


def written_on(paths: list[Path], day: dt.date) -> None:
    """Make ``paths`` look written at noon on ``day`` (the runs of a simulated past)."""
    stamp = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp()
    for path in paths:
        os.utime(path, (stamp, stamp))


def test_a_season_cached_while_it_was_on_is_completed_once_it_is_over(raw: Path) -> None:
    # The last run was in February; the next one comes after 1 November, when 2025-26 counts as
    # finished: the playoffs (cached empty) are fetched in full, the regular season gets what
    # came after its last cached date, and from then on the season costs no request.
    adapter = ReplayAdapter()
    headers, rows = result_set(BODY)
    date = headers.index("GAME_DATE")
    cut = sorted({r[date] for r in rows})[len({r[date] for r in rows}) // 2]
    route_current_season(adapter, with_rows(BODY, [r for r in rows if r[date] < cut]))
    run(raw, adapter, ["2025-26"])  # February: half the rows so far, no playoffs yet
    files = [cache_path(raw, "2025-26", "Regular Season", m) for m in "TP"]
    written_on(files, MID_SEASON)
    team = cache_path(raw, "2025-26", "Regular Season", "T")
    assert len(cache_rows(team)) < len(rows)
    route_current_season(adapter, BODY)  # the rest of the regular season
    playoffs = small(csv_body("2020-21", "Playoffs", "T"))
    playoffs["parameters"]["Season"] = "2025-26"
    for row in result_set(playoffs)[1]:  # five years on: a 2025-26 game is played in 2026
        row[date] = f"{int(row[date][:4]) + 5}{row[date][4:]}"
    adapter.route(playoffs, Season="2025-26", SeasonType="Playoffs", PlayerOrTeam="T")
    adapter.route(
        player_body_from_team_body(playoffs),
        Season="2025-26",
        SeasonType="Playoffs",
        PlayerOrTeam="P",
    )
    calls = len(adapter.calls)

    report = run(raw, adapter, ["2025-26"], today=dt.date(2026, 11, 5))

    assert report.requests == 6 and report.skipped == []
    regular = [
        c.params for c in adapter.calls[calls:] if c.params["SeasonType"] == "Regular Season"
    ]
    last_cached = dt.date.fromisoformat(max(r[date] for r in rows if r[date] < cut)[:10])
    asked_from = last_cached - dt.timedelta(days=3)
    assert {p["DateFrom"] for p in regular} == {f"{asked_from:%m/%d/%Y}"}
    assert {
        c.params["DateFrom"]
        for c in adapter.calls[calls:]
        if c.params["SeasonType"] != "Regular Season"
    } == {""}
    assert len(cache_rows(team)) == len(rows)
    assert len(cache_rows(cache_path(raw, "2025-26", "Playoffs", "T"))) == 40

    again = run(raw, adapter, ["2025-26"], today=dt.date(2026, 11, 6))
    assert again.requests == 0 and len(again.skipped) == 6


def test_recovers_after_transient_faults(raw: Path, caplog: pytest.LogCaptureFixture) -> None:
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    adapter.route(
        sequence(faults.http_503, faults.connection_reset, BODY),
        Season="2025-26",
        SeasonType="Regular Season",
        PlayerOrTeam="T",
    )
    clock = FakeClock()
    options = collect_options(timeout=5, retries=4, pause=1.0, backoff_base=2.0)

    with caplog.at_level(logging.INFO, logger="nba_ml.data"):
        report = run(raw, adapter, ["2025-26"], clock, options=options)

    assert report.requests == 4 == len(adapter.calls)
    assert len(cache_rows(cache_path(raw, "2025-26", "Regular Season", "T"))) == 40
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "attempt 1/4" in warnings[0] and "HTTP 503" in warnings[0]
    assert "attempt 2/4" in warnings[1] and "connection reset" in warnings[1]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert sum(m.startswith("fetched 2025-26") for m in infos) == 2
    assert "fetched 2025-26 Regular Season team logs: 40 rows" in infos[0]
    # Backoff: full jitter under 2 s then 4 s, never shorter than the polite pause.
    first, second = clock.sleeps[0], clock.sleeps[1]
    assert 1.0 <= first <= 2.0 and 1.0 <= second <= 4.0
    assert clock.sleeps[2:] == [1.0]


def test_circuit_breaker_stops_after_consecutive_failures(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    # Team logs: two failures, then success (the streak resets); player logs keep failing.
    adapter.route(
        sequence(faults.http_503, faults.http_503, BODY),
        Season="2025-26",
        SeasonType="Regular Season",
        PlayerOrTeam="T",
    )
    adapter.route(
        faults.connection_refused, Season="2025-26", SeasonType="Regular Season", PlayerOrTeam="P"
    )
    options = collect_options(timeout=5, retries=10, breaker_threshold=3)

    with pytest.raises(UpstreamUnavailable) as caught:
        run(raw, adapter, ["2025-26"], options=options)

    assert len(adapter.calls) == 6  # 3 team attempts, then 3 player attempts trip the breaker
    assert adapter.count(PlayerOrTeam="P") == 3 and adapter.count(SeasonType="Playoffs") == 0
    message = str(caught.value)
    assert "3 consecutive failed attempts" in message and "circuit breaker" in message
    assert "connection refused" in message and "2025-26 Regular Season player logs" in message
    assert "\n" not in message and caught.value.exit_code == 75


def test_budget_bounds_the_whole_collection(raw: Path) -> None:
    adapter = ReplayAdapter()
    adapter.route(faults.http_503)
    clock = FakeClock()
    options = collect_options(timeout=5, retries=20, budget=30, breaker_threshold=100)

    with pytest.raises(UpstreamUnavailable) as caught:
        run(raw, adapter, ["2025-26"], clock, options=options)

    message = str(caught.value)
    assert "budget of 30 s used up" in message and "HTTP 503" in message
    assert clock.now - 1000.0 <= 30
    assert 3 <= len(adapter.calls) < 20


def test_budget_covers_the_polite_pauses(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    clock = FakeClock()
    options = collect_options(pause=10, budget=25)

    with pytest.raises(UpstreamUnavailable, match=r"budget of 25 s used up after 3 requests"):
        run(raw, adapter, ["2025-26"], clock, options=options, today=POSTSEASON)
    assert len(adapter.calls) == 3


def test_timeout_never_exceeds_the_remaining_budget(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    run(
        raw,
        adapter,
        ["2025-26"],
        options=collect_options(timeout=30, pause=1, budget=31.5),
        today=POSTSEASON,
    )
    assert [c.timeout[1] for c in adapter.calls] == [30, 30, 29.5, 28.5, 27.5, 26.5]
    assert {c.timeout[0] for c in adapter.calls} == {5.0}  # the connect timeout


# ------------------------------------------------------------------ the cache itself


def test_unusable_cache_of_finished_season_is_fetched_again(
    raw: Path, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = ReplayAdapter()
    route_small_finished(adapter, "2020-21")
    run(raw, adapter, ["2020-21"])
    broken = cache_path(raw, "2020-21", "Playoffs", "P")
    broken.write_text('{"resultSets": [{"name": "LeagueGameLog", "headers": ["GAME_')

    with caplog.at_level(logging.WARNING, logger="nba_ml.data"):
        report = run(raw, adapter, ["2020-21"])

    assert report.requests == 1 and report.fetched == [broken]
    assert any("unusable" in r.getMessage() for r in caplog.records)
    assert len(cache_rows(broken)) == 40
    [kept] = broken.parent.glob(f"{broken.name}.damaged-*")  # set aside, not deleted
    assert kept.read_text().startswith('{"resultSets"')


def test_a_cached_row_dated_outside_its_season_is_set_aside_and_fetched_again(
    raw: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A damaged cache file (one row dated 9999-12-31) passed the collector's checks, so every
    # later run asked only for games from 9999-12-28 on, and the importer refused the file
    # every night until someone deleted it by hand.
    from nba_ml.data.importer import load_files

    path = seed_current_cache(raw)
    body = json.loads(path.read_bytes())
    headers, rows = result_set(body)
    rows[-1][headers.index("GAME_DATE")] = "9999-12-31"
    path.write_text(json.dumps(body))
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)

    with caplog.at_level(logging.WARNING, logger="nba_ml.data"):
        run(raw, adapter, ["2025-26"])

    assert "outside the 2025-26 season" in caplog.text
    assert [p.name for p in raw.glob("leaguegamelog/*.damaged-*")] != []
    assert adapter.calls[0].params["DateFrom"] == ""  # asked in full again
    assert len(cache_rows(path)) == len(result_set(BODY)[1])
    load_files([path])  # the importer takes it


def test_stale_temp_files_are_removed_and_failed_writes_leave_no_trace(
    raw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = seed_current_cache(raw)
    kept = path.read_bytes()
    stale = path.parent / f".{path.name}.abc123.tmp"
    stale.write_text("half a file")

    def broken_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    from nba_ml.errors import StorageError

    with pytest.raises(StorageError, match="no space left on device"):
        run(raw, adapter, ["2025-26"])
    assert path.read_bytes() == kept
    assert not list(path.parent.glob("*.tmp"))


def test_last_cached_game_date(raw: Path) -> None:
    assert last_cached_game_date(raw) is None
    adapter = ReplayAdapter()
    route_small_finished(adapter, "2019-20")
    run(raw, adapter, ["2019-20"])
    latest = max(r[5] for r in cache_rows(cache_path(raw, "2019-20", "Playoffs", "T")))
    assert last_cached_game_date(raw) == dt.date.fromisoformat(latest)
    (raw / "leaguegamelog" / "2025-26_regular-season_T.json").write_text("not json")
    assert last_cached_game_date(raw) == dt.date.fromisoformat(latest)


def test_season_labels_are_checked_before_any_request(raw: Path) -> None:
    from nba_ml.errors import UsageError

    adapter = ReplayAdapter()
    with pytest.raises(UsageError):
        run(raw, adapter, ["2025-2026"])
    assert adapter.calls == []


def test_importing_collect_stays_light() -> None:
    code = (
        "import sys, nba_ml.data.collect; "
        "heavy = {'nba_api', 'requests', 'pandas', 'urllib3'} & set(sys.modules); "
        "sys.exit(sorted(heavy) or 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_csv_bodies_are_valid_league_game_logs() -> None:
    body = csv_body("2020-21", "Regular Season", "T")
    headers, rows = result_set(body)
    assert len(rows) == 2160  # 72 games x 30 teams
    assert len({r[headers.index("GAME_ID")] for r in rows}) == 1080
    player = csv_body("2020-21", "Playoffs", "P", limit=5)
    assert result_set(player)[0][:3] == ["SEASON_ID", "PLAYER_ID", "PLAYER_NAME"]
    assert player["parameters"]["PlayerOrTeam"] == "P" and len(result_set(player)[1]) == 5


@pytest.mark.parametrize(("header", "expected"), [("7", 7.0), ("100000", 300.0)])
def test_retry_after_is_honoured_up_to_a_cap(
    raw: Path, header: str, expected: float, caplog: pytest.LogCaptureFixture
) -> None:
    # A throttled 429 that says how long to wait: the next attempt waits that long (not the
    # shorter jittered backoff), at most 5 minutes.
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    throttled = Reply(
        429, "Too Many Requests", headers={"Retry-After": header}, content_type="text/plain"
    )
    adapter.route(
        sequence(throttled, BODY), Season="2025-26", SeasonType="Regular Season", PlayerOrTeam="T"
    )
    clock = FakeClock()
    options = collect_options(timeout=5, retries=3, pause=1.0, backoff_base=2.0, budget=900)
    with caplog.at_level(logging.WARNING, logger="nba_ml.data"):
        report = run(raw, adapter, ["2025-26"], clock, options=options)
    assert report.requests == 3
    assert clock.sleeps[0] == expected
    assert f"the server asked for {float(header):g} s" in caplog.text


def test_a_retry_after_beyond_the_budget_ends_the_collection(raw: Path) -> None:
    adapter = ReplayAdapter()
    route_current_season(adapter, BODY)
    adapter.route(
        Reply(503, "busy", headers={"Retry-After": "120"}, content_type="text/plain"),
        Season="2025-26",
        SeasonType="Regular Season",
        PlayerOrTeam="T",
    )
    options = collect_options(timeout=5, retries=3, pause=1.0, backoff_base=2.0, budget=60)
    with pytest.raises(UpstreamUnavailable, match="budget of 60 s used up"):
        run(raw, adapter, ["2025-26"], FakeClock(), options=options)
    assert len(adapter.calls) == 1  # no second attempt that the budget could not wait for
