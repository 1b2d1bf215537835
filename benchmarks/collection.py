"""Requests and pacing of the collector: a first run against a nightly run with a warm cache.

stats.nba.com is replayed offline (tests/replay.py's transport adapter, mounted on nba_api's own
requests session, so nba_api builds and sends its real requests): the four real seasons of
../shared/data/gamelogs, served as LeagueGameLog responses that honour DateFrom/DateTo, with
"today" in the middle of 2020-21 (only games before today exist), the play-in games of 2019-20
and 2020-21 (tests/replay.py's PLAY_IN_GAMES) and the day's ScoreboardV3. Real time and the default
options are used (the settings table's: a 1 s polite pause between requests), so the pacing
printed is what stats.nba.com would see.

* first run: empty cache, seasons 2017-18..2020-21, today = FIRST_DAY
* nightly run: the next day, same cache
* a week later: the run after six missed nights

For each run: requests sent (by season, type, mode, with DateFrom), rows received, the
smallest and median gap between two request starts, and the wall time.

Usage: python benchmarks/collection.py
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package

import _common as common

from nba_ml.config import Settings
from nba_ml.data.collect import last_cached_game_date, refresh_cache
from tests.replay import (
    Call,
    ReplayAdapter,
    csv_body,
    league_game_log,
    play_in_body,
    result_set,
    route_schedule,
)

SEASONS = list(common.REAL_SEASONS)
FIRST_DAY = dt.date(2021, 3, 1)  # 2020-21 under way (it began on 22 December 2020)
TYPES = ("Regular Season", "PlayIn", "Playoffs")


class TimedAdapter(ReplayAdapter):
    """The replay adapter, also noting when each request was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[float] = []

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(time.monotonic())
        return super().send(request, *args, **kwargs)


def until(body: dict[str, Any], today: list[dt.date]) -> Any:
    """Serve ``body`` as the endpoint would on ``today[0]``: only games before that day."""
    headers, rows = result_set(body)
    index = headers.index("GAME_DATE")

    def respond(call: Call) -> dict[str, Any]:
        cut = today[0].isoformat()
        visible = dict(
            body,
            resultSets=[
                dict(body["resultSets"][0], rowSet=[r for r in rows if r[index][:10] < cut])
            ],
        )
        return league_game_log(visible)(call)

    return respond


def describe(adapter: TimedAdapter, first_call: int, first_sent: int) -> list[str]:
    calls = adapter.calls[first_call:]
    lines = []
    for call in calls:
        p = call.params
        if call.endpoint == "scoreboardv3":
            lines.append(f"      schedule GameDate={p.get('GameDate')}")
            continue
        since = f" DateFrom={p['DateFrom']}" if p.get("DateFrom") else ""
        lines.append(f"      {p['Season']} {p['SeasonType']:<14} {p['PlayerOrTeam']}{since}")
    return lines


def run(raw: Path, adapter: TimedAdapter, today: list[dt.date], day: dt.date, title: str) -> None:
    today[0] = day
    calls_before, sent_before = len(adapter.calls), len(adapter.sent)
    started = time.perf_counter()
    report = refresh_cache(
        raw,
        SEASONS,
        today=day,
        options=Settings().collect_options(),
        session=adapter.session(),
        schedule_day=day,
    )
    wall = time.perf_counter() - started
    sent = adapter.sent[sent_before:]
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    gap_text = (
        f"gap between requests min {min(gaps):.2f} s, median {statistics.median(gaps):.2f} s"
        if gaps
        else "no gap (fewer than 2 requests)"
    )
    print(f"\n== {title}: today {day}, cache {'empty' if not calls_before else 'warm'}")
    print(
        f"   {report.requests} requests, {len(report.fetched)} cache files written, "
        f"{len(report.skipped)} reused; {wall:.1f} s wall; {gap_text}; "
        f"last cached game {last_cached_game_date(raw)}"
    )
    for line in describe(adapter, calls_before, sent_before):
        print(line)
    finished = [
        c
        for c in adapter.calls[calls_before:]
        if c.params.get("Season", SEASONS[-1]) != SEASONS[-1]
    ]
    if calls_before:
        print(f"   requests for finished seasons: {len(finished)}")


def main() -> None:
    common.require_gamelogs()
    common.print_machine("collection benchmark (replayed stats.nba.com, real time)")
    today = [FIRST_DAY]
    adapter = TimedAdapter()
    for season in SEASONS:
        for season_type in TYPES:
            for mode in ("T", "P"):
                body = (
                    play_in_body(season, mode)
                    if season_type == "PlayIn"
                    else csv_body(season, season_type, mode)
                )
                adapter.route(
                    until(body, today), Season=season, SeasonType=season_type, PlayerOrTeam=mode
                )
    route_schedule(adapter)
    raw = Path(tempfile.mkdtemp(prefix="nba-ml-collection-"))
    try:
        run(raw, adapter, today, FIRST_DAY, "first run")
        run(raw, adapter, today, FIRST_DAY + dt.timedelta(days=1), "nightly run")
        run(raw, adapter, today, FIRST_DAY + dt.timedelta(days=8), "a week later")
        print(
            f"\n   pause between requests: {Settings().request_pause:.1f} s ("
            "NBA_ML_REQUEST_PAUSE); a finished season costs 4 requests before 2019-20, 6 "
            "from then on (play-in), once; the current season 2 (6 from 1 April); the "
            "schedule 1 a day"
        )
    finally:
        shutil.rmtree(raw, ignore_errors=True)


if __name__ == "__main__":
    main()
