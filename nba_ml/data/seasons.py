"""NBA season labels ("2026-27") derived from dates in America/Chicago.

nba_api computes its default season at import time from the machine's clock; nba-ml never relies on
that and always passes an explicit season computed here.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from nba_ml.errors import UsageError

LEAGUE_TIMEZONE = ZoneInfo("America/Chicago")
# Every season type nba-ml collects and keeps, in the order they are played (and requested).
SEASON_TYPES: tuple[str, ...] = ("Regular Season", "PlayIn", "Playoffs")
# The play-in tournament exists from the 2019-20 bubble (one game) on; it is never asked for
# older seasons.
FIRST_PLAY_IN_SEASON = "2019-20"
# Play-in games and playoffs are never played before this day of a season's second year (the
# earliest on record: mid-April), so they are not asked for before it.
_POSTSEASON_EARLIEST_MONTH_DAY = (4, 1)
_SEASON_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # ASCII digits: \d takes "٢٠١٨"

# A season starting in year Y is "current" from this month of Y on (training camps open in late
# September; the 2020-21 season started on 2020-12-22, still inside the window).
_SEASON_ROLLOVER_MONTH = 9
# A season starting in year Y is finished from this day of Y+1 on: the latest finish on record is
# the 2019-20 bubble (2020-10-11).
_SEASON_FINISHED_MONTH_DAY = (11, 1)


def today_in_chicago(now: dt.datetime | None = None) -> dt.date:
    """Return today's date in America/Chicago (``now`` must be timezone-aware when given)."""
    now = now or dt.datetime.now(tz=dt.timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(LEAGUE_TIMEZONE).date()


def season_label(start_year: int) -> str:
    """Return the label of the season starting in ``start_year``, e.g. 2026 -> "2026-27"."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def parse_season(label: str) -> int:
    """Return the start year of a season label like "2019-20"; raise UsageError when malformed."""
    match = _SEASON_RE.match(label.strip()) if isinstance(label, str) else None
    if not match:
        raise UsageError(f"invalid season {label!r}: expected a label like 2019-20")
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        raise UsageError(f"invalid season {label!r}: the second year must follow the first")
    if not 1946 <= start <= 2100:
        raise UsageError(f"invalid season {label!r}: out of range")
    return start


def season_for_date(day: dt.date) -> str:
    """Return the season a date belongs to for collection purposes (September rolls over)."""
    start = day.year if day.month >= _SEASON_ROLLOVER_MONTH else day.year - 1
    return season_label(start)


def current_season(today: dt.date | None = None) -> str:
    """Return the season of today's date in Chicago."""
    return season_for_date(today or today_in_chicago())


def season_finished_on(label: str) -> dt.date:
    """Return the first day on which no game of the season can still be played."""
    month, day = _SEASON_FINISHED_MONTH_DAY
    return dt.date(parse_season(label) + 1, month, day)


def is_season_finished(label: str, today: dt.date | None = None) -> bool:
    """Return True when no game of the season can still be played (its data never changes)."""
    return (today or today_in_chicago()) >= season_finished_on(label)


def recent_seasons(count: int, today: dt.date | None = None) -> list[str]:
    """Return the ``count`` most recent seasons, oldest first, ending with the current one."""
    if count < 1:
        raise UsageError("the number of seasons must be at least 1")
    end = parse_season(current_season(today))
    return [season_label(year) for year in range(end - count + 1, end + 1)]


def sort_seasons(labels: list[str]) -> list[str]:
    """Return the labels sorted by start year, duplicates removed."""
    return [season_label(y) for y in sorted({parse_season(label) for label in labels})]


def postseason_starts_on(label: str) -> dt.date:
    """Return the first day a play-in or playoff game of the season could be played."""
    month, day = _POSTSEASON_EARLIEST_MONTH_DAY
    return dt.date(parse_season(label) + 1, month, day)


def season_types_to_collect(label: str, today: dt.date) -> list[str]:
    """Return the season types worth a request for the season on ``today``.

    The regular season always; the play-in from 2019-20 on; both the play-in and the playoffs
    only once they could have started (from 1 April of the season's second year), so a nightly
    run in November asks for the regular season alone.
    """
    types = ["Regular Season"]
    if today >= postseason_starts_on(label):
        if parse_season(label) >= parse_season(FIRST_PLAY_IN_SEASON):
            types.append("PlayIn")
        types.append("Playoffs")
    return types


# Data whose last game is more than this many days before today is stale during the season.
STALE_DAYS = 2


def in_season(today: dt.date) -> bool:
    """Return True from mid-October to mid-June, when games are played most days."""
    return (today.month, today.day) >= (10, 20) or (today.month, today.day) <= (6, 15)


def days_behind(last_game: dt.date | None, today: dt.date) -> int | None:
    """Return how many days the last game in the data is before ``today`` (None: no data)."""
    return None if last_game is None else (today - last_game).days


def is_stale(last_game: dt.date | None, today: dt.date) -> bool:
    """The one staleness rule (``status``, the predictors, the web app): during the season, data
    whose last game is more than STALE_DAYS days before ``today`` is stale."""
    behind = days_behind(last_game, today)
    return behind is not None and behind > STALE_DAYS and in_season(today)
