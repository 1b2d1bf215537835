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
# ASCII digits only: \d also matches "٢٠١٩-٢٠" and "２０１９-２０", which int() reads as 2019 but
# which would then name a second, different season in the tables, the cache and the request.
_SEASON_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")

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


# When games are played: each season's periods, from opening night to the last game of the
# Finals, as the game logs of the finished seasons record them (tests/data/test_seasons.py checks
# the four seasons in ../shared against their files). The 2019-20 season stopped on 2020-03-11
# and resumed in the bubble on 2020-07-30; 2020-21 opened on 2020-12-22 and ended on 2021-07-20.
SEASON_PERIODS: dict[str, tuple[tuple[dt.date, dt.date], ...]] = {
    "2017-18": ((dt.date(2017, 10, 17), dt.date(2018, 6, 8)),),
    "2018-19": ((dt.date(2018, 10, 16), dt.date(2019, 6, 13)),),
    "2019-20": (
        (dt.date(2019, 10, 22), dt.date(2020, 3, 11)),
        (dt.date(2020, 7, 30), dt.date(2020, 10, 11)),
    ),
    "2020-21": ((dt.date(2020, 12, 22), dt.date(2021, 7, 20)),),
    "2021-22": ((dt.date(2021, 10, 19), dt.date(2022, 6, 16)),),
    "2022-23": ((dt.date(2022, 10, 18), dt.date(2023, 6, 12)),),
    "2023-24": ((dt.date(2023, 10, 24), dt.date(2024, 6, 17)),),
    "2024-25": ((dt.date(2024, 10, 22), dt.date(2025, 6, 22)),),
}
# Any other season: from the earliest opening night to the latest Finals game of a regular
# calendar (2017-18 opened on 17 October; the 2025 Finals ended on 22 June), widened by a few
# days; the data and the schedule extend it (see :func:`in_season`).
_USUAL_OPENING, _USUAL_LAST = (10, 14), (6, 25)


def season_periods(label: str) -> tuple[tuple[dt.date, dt.date], ...]:
    """Return the periods (first day, last day) in which the season ``label`` plays games."""
    if label in SEASON_PERIODS:
        return SEASON_PERIODS[label]
    start = parse_season(label)
    return ((dt.date(start, *_USUAL_OPENING), dt.date(start + 1, *_USUAL_LAST)),)


def in_season(today: dt.date, *, last_game: dt.date | None = None, scheduled: bool = False) -> bool:
    """Return True when NBA games are being played around ``today``.

    From the season calendars (:func:`season_periods`: the real ones, the 2019-20 pause and
    bubble and the late 2020-21 season included), from the data (a ``last_game`` up to
    ``_BEYOND`` outside its season's calendar stretches it: an earlier opening night, or a
    season still running after the calendar's last day, counted until ``_BEYOND`` after that
    game) and from the schedule (``scheduled``: the cached schedule lists games between the
    data's last game and ``today``).
    """
    if scheduled:
        return True
    for start_year in (today.year - 1, today.year):
        for first, last in season_periods(season_label(start_year)):
            if last_game is not None and first - _BEYOND <= last_game < first:
                first = last_game  # an opening night earlier than the calendar's
            if last_game is not None and last < last_game <= last + _BEYOND:
                last = last_game + _BEYOND  # games later than the calendar's last day
            if first <= today <= last:
                return True
    return False


# How far the data may show a season beyond its calendar (an earlier opening night, a later
# Finals) and still be counted as that season's; a season seen running past its calendar's last
# day counts as running this long after its last game in the data.
_BEYOND = dt.timedelta(days=14)


def days_behind(last_game: dt.date | None, today: dt.date) -> int | None:
    """Return how many days the last game in the data is before ``today`` (None: no data)."""
    return None if last_game is None else (today - last_game).days


def is_stale(last_game: dt.date | None, today: dt.date, *, scheduled: bool = False) -> bool:
    """The one staleness rule (``status``, the predictors, the web app): during the season
    (:func:`in_season`, from the calendars, this data and, when known, ``scheduled``), data
    whose last game is more than STALE_DAYS days before ``today`` is stale."""
    behind = days_behind(last_game, today)
    return (
        behind is not None
        and behind > STALE_DAYS
        and in_season(today, last_game=last_game, scheduled=scheduled)
    )
