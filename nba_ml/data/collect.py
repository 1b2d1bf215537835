"""Bring the raw cache up to date from stats.nba.com: game logs of every season type, and the
day's schedule.

What is asked (``refresh_cache``), one request per season x season type x mode (T, P):

- Regular Season for every season; PlayIn (from 2019-20 on) and Playoffs only once they could
  have begun (from 1 April of the season's second year, ``seasons.season_types_to_collect``).
- A finished season (from 1 November after it began) whose files were written on or after that
  day costs nothing: those files are final, an empty play-in or playoffs answer included. A file
  cached empty while the season was on is asked for again in full; one written while the season
  was on is completed once.
- The current season is refreshed incrementally: each request asks for the games from
  ``CORRECTION_DAYS`` (3) days before its last cached GAME_DATE on, and those days' cached rows
  are replaced by the answer: box scores corrected after the first fetch win, nothing is
  duplicated.
- With ``schedule_day``, the ScoreboardV3 of that day (one request, cached under
  ``raw/schedule/<date>.json``; not asked again the same day). A failure here is a warning: the
  game logs matter more.

- A season whose playoffs have had no game for ``OVER_AFTER_DAYS`` (14) days is over: nothing is
  asked for it until 1 November, when it counts as finished and is completed once.

Counts (README "Requests to stats.nba.com"): the first run for the default 4 seasons sends
3 x 6 + 2 + 1 = 21 requests from November to March (25 from April to August); a nightly run
sends 2 + 1 = 3 from November to March, 6 + 1 = 7 during the play-in and playoffs, 1 (the
schedule) once they are over, and 2 + 1 = 3 again from the new season's start. HTTP behaviour
(timeouts, retries, proxy, the per-run request cap) lives in :mod:`nba_ml.data.upstream`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nba_ml.data import cache
from nba_ml.data.cache import cache_path, last_cached_game_date, schedule_path
from nba_ml.data.importer import season_window
from nba_ml.data.schema import REQUIRED_SOURCE_COLUMNS
from nba_ml.data.scoreboard import validate_schedule
from nba_ml.data.seasons import (
    is_season_finished,
    parse_season,
    season_finished_on,
    season_types_to_collect,
    sort_seasons,
)
from nba_ml.data.upstream import CollectOptions, Failure, Request, Upstream
from nba_ml.errors import ConfigError, UpstreamDataError, UpstreamUnavailable
from nba_ml.state.layout import GAMELOG_DIR, SCHEDULE_DIR

__all__ = [
    "CORRECTION_DAYS",
    "CollectOptions",
    "CollectReport",
    "cache_path",
    "last_cached_game_date",
    "refresh_cache",
]

logger = logging.getLogger(__name__)

CORRECTION_DAYS = 3  # the nightly run asks again from this many days before the last cached date
# A season whose playoffs have had no game for this many days is over: nothing more is asked for
# it until it counts as finished (1 November), when it is completed once.
OVER_AFTER_DAYS = 14
_MODE_NOUNS = {"T": "team", "P": "player"}


@dataclasses.dataclass
class CollectReport:
    """What one refresh did."""

    requests: int  # HTTP requests actually sent (every attempt counts)
    fetched: list[Path]  # cache files written/updated
    skipped: list[Path]  # cache files reused (finished seasons)
    seconds: float
    schedule: Path | None = None  # the day's schedule file, when fetched or already cached


def refresh_cache(
    raw_dir: Path,
    seasons: list[str],
    *,
    today: dt.date,
    options: CollectOptions,
    session: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    schedule_day: dt.date | None = None,
) -> CollectReport:
    """Return what was fetched and reused after bringing the raw cache up to date.

    ``session``: a requests.Session or a factory of sessions (see ``upstream.Upstream``).
    Raises UpstreamUnavailable when stats.nba.com cannot be reached (retries, circuit breaker,
    budget or request cap exhausted), UpstreamDataError when it keeps sending unusable data,
    StorageError when the cache cannot be written, and UsageError for a malformed season label.
    """
    for season in seasons:
        parse_season(season)
    cache.prepare(raw_dir, GAMELOG_DIR, *([SCHEDULE_DIR] if schedule_day else []))
    report = CollectReport(requests=0, fetched=[], skipped=[], seconds=0.0)
    with Upstream(options, session=session, sleep=sleep, clock=clock) as upstream:
        try:
            for season in sort_seasons(list(seasons)):
                if _is_over(Path(raw_dir), season, today, report):
                    continue
                for season_type in season_types_to_collect(season, today):
                    for mode in cache.MODES:
                        _refresh_log(
                            Path(raw_dir), _Job(season, season_type, mode), today, upstream, report
                        )
            if schedule_day is not None:
                report.schedule = _refresh_schedule(Path(raw_dir), schedule_day, upstream, report)
        finally:
            report.requests = upstream.requests
            report.seconds = clock() - upstream.started
    logger.info(
        "raw cache refreshed: %d requests, %d files written, %d reused, %.1f s",
        report.requests,
        len(report.fetched),
        len(report.skipped),
        report.seconds,
    )
    return report


@dataclasses.dataclass(frozen=True)
class _Job:
    season: str
    season_type: str
    mode: str

    @property
    def label(self) -> str:
        return f"{self.season} {self.season_type} {_MODE_NOUNS[self.mode]} logs"

    @property
    def is_regular(self) -> bool:
        return self.season_type == "Regular Season"


def _is_over(raw_dir: Path, season: str, today: dt.date, report: CollectReport) -> bool:
    """Return whether an unfinished season's playoffs are over: stats.nba.com, asked
    OVER_AFTER_DAYS or more after their last game (the cache file was written then), had no
    later one. Then the season's cached files are reused until 1 November."""
    playoffs = cache_path(raw_dir, season, "Playoffs", "T")
    if is_season_finished(season, today) or not playoffs.exists():
        return False
    body = cache.read(playoffs)
    try:
        latest = cache.latest_date(body) if body is not None else None
    except (ValueError, TypeError):
        return False
    if latest is None or not cache.written_on_or_after(
        playoffs, latest + dt.timedelta(days=OVER_AFTER_DAYS)
    ):
        return False
    logger.debug(
        "%s: the playoffs ended on %s; reusing the cache until %s",
        season,
        latest,
        season_finished_on(season),
    )
    report.skipped.extend(cache.cache_files(raw_dir, [season]))
    return True


def _refresh_log(
    raw_dir: Path, job: _Job, today: dt.date, upstream: Upstream, report: CollectReport
) -> None:
    path = cache_path(raw_dir, job.season, job.season_type, job.mode)
    finished = is_season_finished(job.season, today)
    cached = _read_cached_log(path, job, finished)
    if (
        cached is not None
        and finished
        and cache.written_on_or_after(path, season_finished_on(job.season))
    ):
        logger.debug("%s: finished season, reusing %s", job.label, path.name)
        report.skipped.append(path)
        return
    latest = cache.latest_date(cached) if cached is not None else None
    since = latest - dt.timedelta(days=CORRECTION_DAYS) if latest is not None else None
    if finished and since is not None:
        logger.info(
            "%s: cached while the season was on; fetching what came from %s once",
            job.label,
            since.isoformat(),
        )
    body, text = upstream.fetch(
        _log_request(job, since), lambda b: _validate(b, job, finished=finished, since=since)
    )
    if cached is not None and since is not None:
        text = json.dumps(cache.merge(cached, body, since, job.mode), separators=(",", ":"))
    cache.write(path, text)
    report.fetched.append(path)


def _read_cached_log(path: Path, job: _Job, finished: bool) -> dict[str, Any] | None:
    body = cache.read(path)
    if body is None:
        return None
    try:
        _validate(body, job, finished=finished, since=None)
    except Failure as error:
        cache.set_aside(path, error.reason)
        return None
    return body


def _log_request(job: _Job, since: dt.date | None) -> Request:
    def build(timeout: tuple[float, float]) -> Any:
        from nba_api.stats.endpoints.leaguegamelog import LeagueGameLog

        return LeagueGameLog(
            season=job.season,
            season_type_all_star=job.season_type,
            player_or_team_abbreviation=job.mode,
            date_from_nullable=since.strftime("%m/%d/%Y") if since else "",
            timeout=timeout,
            get_request=False,
        )

    if since is not None:
        logger.debug("%s: asking for the games from %s on", job.label, since.isoformat())
    return Request(job.label, build)


def _validate(body: object, job: _Job, *, finished: bool, since: dt.date | None) -> int:
    """Return the row count of a usable response for ``job``; raise Failure(bad_data) otherwise."""
    try:
        headers, rows = cache.game_rows(body)
    except ValueError as error:
        raise Failure(str(error), bad_data=True) from None
    missing = [c for c in REQUIRED_SOURCE_COLUMNS[job.mode] if c not in headers]
    if missing:
        raise Failure(f"missing columns {', '.join(missing)}", bad_data=True)
    assert isinstance(body, dict)
    parameters = body.get("parameters")
    if isinstance(parameters, dict):
        for key, expected in (
            ("Season", job.season),
            ("SeasonType", job.season_type),
            ("PlayerOrTeam", job.mode),
        ):
            echoed = parameters.get(key)
            if echoed is not None and str(echoed) != expected:
                raise Failure(
                    f"the response is for {key} {echoed!r}, not {expected!r}", bad_data=True
                )
    index = headers.index("GAME_DATE")
    first, last = season_window(job.season)
    for row in rows:
        try:
            day = cache.parse_game_date(row[index])
        except (ValueError, TypeError):
            raise Failure(f"unparseable GAME_DATE {row[index]!r}", bad_data=True) from None
        if not first <= day <= last:  # the importer refuses it: never keep it in the cache
            raise Failure(
                f"GAME_DATE {row[index]!r} is outside the {job.season} season ({first} to {last})",
                bad_data=True,
            )
    if not rows and finished and job.is_regular and since is None:
        raise Failure("zero rows for a finished regular season", bad_data=True)
    return len(rows)


# ------------------------------------------------------------------------------- the schedule


def _refresh_schedule(
    raw_dir: Path, day: dt.date, upstream: Upstream, report: CollectReport
) -> Path | None:
    """Fetch and cache the ScoreboardV3 of ``day`` unless cached today; a failure is logged."""
    path = schedule_path(raw_dir, day)
    cached = cache.read(path)
    if cached is not None:
        try:
            validate_schedule(cached, day)
        except Failure as error:
            cache.set_aside(path, error.reason)
        else:
            if cache.written_on_or_after(path, day):
                report.skipped.append(path)
                return path

    def build(timeout: tuple[float, float]) -> Any:
        from nba_api.stats.endpoints.scoreboardv3 import ScoreboardV3

        return ScoreboardV3(game_date=day.isoformat(), timeout=timeout, get_request=False)

    try:
        _, text = upstream.fetch(
            Request(f"the schedule of {day.isoformat()}", build),
            lambda body: validate_schedule(body, day),
        )
    except ConfigError:
        raise
    except (UpstreamUnavailable, UpstreamDataError) as error:
        logger.warning("%s; `nba-ml predict today` has no schedule for %s", error, day)
        return None
    cache.write(path, text)
    report.fetched.append(path)
    return path
