"""Clock arithmetic of the daily training: the next run across DST, and the cron guard.

Pure functions on the standard library and the settings table (its defaults and its time-zone
check; ``status`` imports this module and must start fast).
Local times follow one rule everywhere: a wall time that occurs twice (autumn) means its first
occurrence, and a wall time that does not exist (spring) means the first instant after the gap.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from nba_ml.config.table import DEFAULT_TRAINING_HOUR as DEFAULT_HOUR
from nba_ml.config.table import DEFAULT_TRAINING_MINUTE as DEFAULT_MINUTE
from nba_ml.config.table import DEFAULT_TRAINING_TIMEZONE as DEFAULT_TIMEZONE
from nba_ml.config.table import known_zone
from nba_ml.errors import ConfigError

# DEFAULT_HOUR, DEFAULT_MINUTE and DEFAULT_TIMEZONE are the settings table's defaults, above.

_UTC = dt.timezone.utc
_ONE_HOUR = dt.timedelta(hours=1)


def zone_info(timezone: str) -> ZoneInfo:
    """Return the ZoneInfo for ``timezone``; raise ConfigError when it is unknown."""
    try:
        return known_zone(str(timezone))
    except ValueError:
        raise ConfigError(f"time zone {timezone!r} is not a known time zone") from None


def check_time(hour: int, minute: int = 0) -> None:
    """Raise ConfigError unless ``hour`` is 0-23 and ``minute`` is 0-59."""
    for name, value, high in (("hour", hour, 23), ("minute", minute, 59)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"training {name} {value!r} is not a whole number")
        if not 0 <= value <= high:
            raise ConfigError(f"training {name} {value} is out of range (0 to {high})")


def _check_aware(now: dt.datetime) -> None:
    """Raise ValueError when ``now`` has no time zone (a programming error, not a setting)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Return the naive wall-clock time of an aware ``instant`` in ``zone``."""
    return instant.astimezone(_UTC).astimezone(zone).replace(tzinfo=None)  # via UTC: not a no-op


def local_instant(day: dt.date, hour: int, minute: int, zone: ZoneInfo) -> dt.datetime:
    """Return the instant (in ``zone``) that ``hour:minute`` on ``day`` means under the DST rule."""
    wall = dt.datetime.combine(day, dt.time(hour, minute))
    first = wall.replace(tzinfo=zone)  # fold=0: the first occurrence when the time is ambiguous
    if _wall(first, zone) == wall:
        return first
    # The wall time falls in a gap: its two readings (fold 0 and 1) bracket the transition, which
    # is found to the second; wall(low) < wall <= wall(high) holds throughout.
    low, high = sorted(
        int(reading.timestamp()) for reading in (first, wall.replace(tzinfo=zone, fold=1))
    )
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(dt.datetime.fromtimestamp(middle, _UTC), zone) >= wall:
            high = middle
        else:
            low = middle
    return dt.datetime.fromtimestamp(high, zone)


def next_run(
    now: dt.datetime,
    hour: int = DEFAULT_HOUR,
    minute: int = DEFAULT_MINUTE,
    timezone: str = DEFAULT_TIMEZONE,
) -> dt.datetime:
    """Return the first daily run strictly after aware ``now``, aware in ``timezone``.

    Raises ConfigError for an invalid hour, minute or time zone, ValueError for a naive ``now``.
    """
    check_time(hour, minute)
    zone = zone_info(timezone)
    _check_aware(now)
    instant = now.astimezone(_UTC)
    today = now.astimezone(zone).date()
    for days in range(-1, 3):
        candidate = local_instant(today + dt.timedelta(days=days), hour, minute, zone)
        if candidate.astimezone(_UTC) > instant:
            return candidate
    raise AssertionError("unreachable: a later day always has a run")  # pragma: no cover


def is_scheduled_hour(
    now: dt.datetime, hour: int = DEFAULT_HOUR, timezone: str = DEFAULT_TIMEZONE
) -> bool:
    """Return True when aware ``now`` is in the hour from ``hour``:00 local on (the cron guard).

    That hour is today's first ``hour``:00 in ``timezone`` (or the end of a DST gap) plus 60
    minutes, so an hour repeated in autumn passes once and a skipped one still passes once.
    Raises ConfigError for an invalid hour or time zone, ValueError for a naive ``now``.
    """
    check_time(hour)
    zone = zone_info(timezone)
    _check_aware(now)
    instant = now.astimezone(_UTC)
    today = now.astimezone(zone).date()
    for days in (0, -1):
        start = local_instant(today + dt.timedelta(days=days), hour, 0, zone).astimezone(_UTC)
        if start <= instant < start + _ONE_HOUR:
            return True
    return False


def system_times(
    hour: int, minute: int, timezone: str, system_timezone: str, year: int | None
) -> set[tuple[int, int]]:
    """Return every (hour, minute) of ``system_timezone`` at which the daily run falls."""
    check_time(hour, minute)
    zone, system_zone = zone_info(timezone), zone_info(system_timezone)
    first_year = dt.datetime.now(tz=_UTC).year if year is None else year
    day, end = dt.date(first_year, 1, 1), dt.date(first_year + 2, 1, 1)
    times: set[tuple[int, int]] = set()
    while day < end:
        local = local_instant(day, hour, minute, zone).astimezone(system_zone)
        times.add((local.hour, local.minute))
        day += dt.timedelta(days=1)
    return times


def cron_utc_hours(
    hour: int,
    timezone: str,
    system_timezone: str = "UTC",
    *,
    minute: int = 0,
    year: int | None = None,
) -> list[int]:
    """Return the sorted hours of ``system_timezone`` at which ``hour:minute`` local falls.

    Every day of ``year`` and the next (default: the current year) is checked, so both offsets of
    a zone with daylight saving time appear, e.g. 04:00 America/Chicago -> [9, 10] in UTC.
    Raises ConfigError for an invalid hour, minute or time zone.
    """
    return sorted({h for h, _ in system_times(hour, minute, timezone, system_timezone, year)})


def hour_clear_of_dst(hour: int, timezone: str, *, year: int | None = None) -> bool:
    """Return True when no DST change of ``timezone`` falls within an hour of ``hour``:xx.

    Checked over every day of ``year`` and the next (default: the current year): the offsets
    from ``hour`` - 1 to ``hour`` + 2 local are equal, so the hour is neither skipped nor repeated
    and no neighbouring hour moves into it. Raises ConfigError for an invalid hour or zone.
    """
    check_time(hour)
    zone = zone_info(timezone)
    first_year = dt.datetime.now(tz=_UTC).year if year is None else year
    day, end = dt.date(first_year, 1, 1), dt.date(first_year + 2, 1, 1)
    while day < end:
        start = local_instant(day, hour, 0, zone).astimezone(_UTC)
        offsets = {(start + step * _ONE_HOUR).astimezone(zone).utcoffset() for step in (-1, 0, 2)}
        if len(offsets) > 1:
            return False
        day += dt.timedelta(days=1)
    return True
