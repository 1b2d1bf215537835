"""deploy.clock: the daily run across DST and time zones, the cron guard, and bad settings.

Local times follow one rule: a repeated wall time means its first occurrence, a skipped one the
first instant after the gap. The default run is 04:00 America/Chicago: 10:00 UTC in winter (CST),
09:00 UTC in summer (CDT).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from nba_ml.deploy.clock import (
    DEFAULT_HOUR,
    DEFAULT_MINUTE,
    DEFAULT_TIMEZONE,
    check_time,
    cron_utc_hours,
    hour_clear_of_dst,
    is_scheduled_hour,
    local_instant,
    next_run,
    system_times,
    zone_info,
)
from nba_ml.errors import ConfigError

UTC = dt.timezone.utc
CHICAGO = ZoneInfo("America/Chicago")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days)]


# --- next_run ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # an ordinary winter day: 04:00 CST is 10:00 UTC
        (utc(2026, 1, 15, 9, 59, 59), utc(2026, 1, 15, 10)),
        (utc(2026, 1, 15, 10), utc(2026, 1, 16, 10)),  # exactly at 04:00: strictly after
        (utc(2026, 1, 15, 10, 0, 1), utc(2026, 1, 16, 10)),
        # spring forward, 2026-03-08 (02:00 CST -> 03:00 CDT): 04:00 CDT is 09:00 UTC
        (utc(2026, 3, 7, 10), utc(2026, 3, 8, 9)),  # a 23-hour day
        (utc(2026, 3, 8, 7, 59), utc(2026, 3, 8, 9)),  # 01:59 CST, just before the jump
        (utc(2026, 3, 8, 8), utc(2026, 3, 8, 9)),  # 03:00 CDT, just after it
        (utc(2026, 3, 8, 8, 59, 59), utc(2026, 3, 8, 9)),
        (utc(2026, 3, 8, 9), utc(2026, 3, 9, 9)),
        # fall back, 2026-11-01 (02:00 CDT -> 01:00 CST): 04:00 CST is 10:00 UTC
        (utc(2026, 10, 31, 9), utc(2026, 11, 1, 10)),  # a 25-hour day
        (utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 10)),  # 01:30 CDT, first occurrence
        (utc(2026, 11, 1, 7, 30), utc(2026, 11, 1, 10)),  # 01:30 CST, second occurrence
        (utc(2026, 11, 1, 10), utc(2026, 11, 2, 10)),
    ],
)
def test_next_run_default_is_0400_chicago_across_dst(
    now: dt.datetime, expected: dt.datetime
) -> None:
    run = next_run(now)
    assert run.astimezone(UTC) == expected
    assert run.tzinfo == CHICAGO
    assert (run.hour, run.minute, run.second) == (4, 0, 0)


def test_next_run_is_the_same_instant_whatever_zone_now_is_given_in() -> None:
    now = utc(2026, 3, 8, 8, 30)
    expected = next_run(now).astimezone(UTC)
    assert next_run(now.astimezone(ZoneInfo("Asia/Tokyo"))).astimezone(UTC) == expected
    assert next_run(now.astimezone(CHICAGO)).astimezone(UTC) == expected


def test_next_run_chained_over_two_years_gives_one_run_per_local_day() -> None:
    run = next_run(utc(2025, 12, 31, 12))
    seen: list[dt.date] = []
    while run.year < 2028:
        assert (run.hour, run.minute) == (4, 0)
        assert run.utcoffset() in (dt.timedelta(hours=-5), dt.timedelta(hours=-6))
        seen.append(run.date())
        run = next_run(run)
    assert seen == days(dt.date(2026, 1, 1), dt.date(2028, 1, 1))


def test_next_run_skipped_wall_time_becomes_the_end_of_the_gap() -> None:
    # 02:30 does not exist on 2026-03-08 in Chicago: the next valid instant is 03:00 CDT.
    run = next_run(utc(2026, 3, 7, 12), hour=2, minute=30)
    assert run.astimezone(UTC) == utc(2026, 3, 8, 8)
    assert (run.hour, run.minute, run.utcoffset()) == (3, 0, dt.timedelta(hours=-5))
    assert next_run(run, hour=2, minute=30) == utc(2026, 3, 9, 7, 30)


def test_next_run_repeated_wall_time_is_its_first_occurrence_only() -> None:
    # 01:30 happens twice on 2026-11-01 in Chicago: at 06:30 UTC (CDT) and 07:30 UTC (CST).
    first = next_run(utc(2026, 10, 31, 12), hour=1, minute=30)
    assert first.astimezone(UTC) == utc(2026, 11, 1, 6, 30)
    assert (first.fold, first.utcoffset()) == (0, dt.timedelta(hours=-5))
    assert next_run(first, hour=1, minute=30).astimezone(UTC) == utc(2026, 11, 2, 7, 30)


@pytest.mark.parametrize(
    ("now", "hour", "minute", "zone", "expected"),
    [
        (utc(2026, 3, 29, 0), 1, 30, "Europe/London", utc(2026, 3, 29, 1)),  # gap: 02:00 BST
        (utc(2026, 10, 24, 12), 1, 30, "Europe/London", utc(2026, 10, 25, 0, 30)),  # BST first
        (utc(2026, 6, 1, 22, 29), 4, 0, "Asia/Kolkata", utc(2026, 6, 1, 22, 30)),
        (utc(2026, 6, 1, 12), 23, 59, "UTC", utc(2026, 6, 1, 23, 59)),
        (utc(2026, 6, 1, 12), 0, 0, "America/New_York", utc(2026, 6, 2, 4)),
        (utc(2026, 7, 1, 0), 5, 15, "America/Chicago", utc(2026, 7, 1, 10, 15)),
    ],
)
def test_next_run_other_hours_minutes_and_zones(
    now: dt.datetime, hour: int, minute: int, zone: str, expected: dt.datetime
) -> None:
    run = next_run(now, hour=hour, minute=minute, timezone=zone)
    # Compare in UTC: Python never finds a repeated (ambiguous) wall time equal across zones.
    assert run.astimezone(UTC) == expected
    assert run.tzinfo == ZoneInfo(zone)


def test_next_run_handles_a_day_missing_from_the_calendar() -> None:
    # Samoa skipped 2011-12-30 entirely; the run that day falls at the first instant of the 31st.
    apia = "Pacific/Apia"
    run = next_run(utc(2011, 12, 29, 14), hour=4, timezone=apia)
    assert run.replace(tzinfo=None) == dt.datetime(2011, 12, 31, 0, 0)
    assert next_run(run, hour=4, timezone=apia).replace(tzinfo=None) == dt.datetime(2011, 12, 31, 4)


def test_next_run_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_run(dt.datetime(2026, 1, 1, 4))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_scheduled_hour(dt.datetime(2026, 1, 1, 4))


# --- is_scheduled_hour (the cron guard) ------------------------------------------------------


def test_guard_passes_exactly_the_0400_hour_in_chicago_all_year() -> None:
    instant = utc(2026, 1, 1)
    while instant.year < 2027:
        assert is_scheduled_hour(instant) == (instant.astimezone(CHICAGO).hour == 4), instant
        instant += dt.timedelta(minutes=20)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_guard_lets_exactly_one_cron_candidate_through_each_day(minute: int) -> None:
    hours = cron_utc_hours(4, "America/Chicago")
    assert hours == [9, 10]
    for day in days(dt.date(2026, 1, 1), dt.date(2028, 1, 1)):
        starts = [dt.datetime.combine(day, dt.time(hour, minute), UTC) for hour in hours]
        passed = [start for start in starts if is_scheduled_hour(start)]
        assert len(passed) == 1, day
        local = passed[0].astimezone(CHICAGO)
        assert (local.date(), local.hour, local.minute) == (day, 4, minute)


@pytest.mark.parametrize(
    ("hour", "candidates"),
    [(1, [6, 7]), (2, [7, 8]), (3, [8, 9])],  # 01:xx repeats in autumn, 02:xx is skipped in spring
)
def test_guard_runs_once_a_day_even_for_hours_that_dst_repeats_or_skips(
    hour: int, candidates: list[int]
) -> None:
    assert cron_utc_hours(hour, "America/Chicago") == candidates
    for day in days(dt.date(2026, 1, 1), dt.date(2028, 1, 1)):
        starts = [dt.datetime.combine(day, dt.time(h, 10), UTC) for h in candidates]
        assert sum(is_scheduled_hour(start, hour=hour) for start in starts) == 1, day


def test_guard_for_other_zones() -> None:
    assert is_scheduled_hour(utc(2026, 6, 1, 22, 45), hour=4, timezone="Asia/Kolkata")
    assert not is_scheduled_hour(utc(2026, 6, 1, 22, 15), hour=4, timezone="Asia/Kolkata")
    assert is_scheduled_hour(utc(2026, 7, 1, 3), hour=4, timezone="Europe/London")
    assert not is_scheduled_hour(utc(2026, 1, 1, 3), hour=4, timezone="Europe/London")


# --- cron_utc_hours --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "zone", "system_zone", "minute", "expected"),
    [
        (4, "America/Chicago", "UTC", 0, [9, 10]),
        (4, "America/Chicago", "Etc/UTC", 59, [9, 10]),
        (4, "America/Chicago", "America/Chicago", 0, [4]),
        (4, "America/Chicago", "America/New_York", 0, [5]),
        (4, "America/Chicago", "Europe/Berlin", 0, [10, 11]),  # the DST switches differ in date
        (4, "Asia/Kolkata", "UTC", 0, [22]),  # the previous day in UTC
        (4, "Asia/Kolkata", "UTC", 30, [23]),
        (0, "UTC", "UTC", 0, [0]),
        (23, "America/Los_Angeles", "UTC", 0, [6, 7]),
    ],
)
def test_cron_utc_hours(
    hour: int, zone: str, system_zone: str, minute: int, expected: list[int]
) -> None:
    assert cron_utc_hours(hour, zone, system_zone, minute=minute, year=2026) == expected


def test_cron_utc_hours_defaults_to_the_current_year() -> None:
    assert cron_utc_hours(4, "America/Chicago") == [9, 10]


# --- the default run, local and UTC ----------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "local", "in_utc"),
    [
        (utc(2026, 1, 15, 12), "2026-01-16T04:00:00-06:00", "2026-01-16T10:00:00+00:00"),
        (utc(2026, 7, 1, 12), "2026-07-02T04:00:00-05:00", "2026-07-02T09:00:00+00:00"),
        (utc(2026, 3, 8, 1), "2026-03-08T04:00:00-05:00", "2026-03-08T09:00:00+00:00"),
        (utc(2026, 11, 1, 1), "2026-11-01T04:00:00-06:00", "2026-11-01T10:00:00+00:00"),
    ],
)
def test_the_default_run_is_0400_chicago_shown_local_and_in_utc(
    now: dt.datetime, local: str, in_utc: str
) -> None:
    run = next_run(now)
    assert run.isoformat() == local
    assert run.astimezone(UTC).isoformat() == in_utc
    assert run > now


def test_next_run_from_a_run_is_the_next_local_day_whatever_its_length() -> None:
    # 2026-03-08 has 23 hours in Chicago and 2026-11-01 has 25: a run is a wall time, not +24 h.
    for day, hours in (
        (dt.date(2026, 3, 7), 23),
        (dt.date(2026, 10, 31), 25),
        (dt.date(2026, 6, 1), 24),
    ):
        run = local_instant(day, 4, 0, CHICAGO)
        following = next_run(run)
        assert following.date() == day + dt.timedelta(days=1)
        # (in UTC: Python subtracts two times of one zone by their wall clocks)
        assert following.astimezone(UTC) - run.astimezone(UTC) == dt.timedelta(hours=hours)


# --- local_instant: the wall-time rule -------------------------------------------------------


def test_local_instant_of_an_ordinary_wall_time_is_that_time() -> None:
    instant = local_instant(dt.date(2026, 1, 15), 4, 0, CHICAGO)
    assert instant == dt.datetime(2026, 1, 15, 4, tzinfo=CHICAGO)
    assert instant.astimezone(UTC) == utc(2026, 1, 15, 10)


def test_local_instant_of_a_repeated_wall_time_is_its_first_occurrence() -> None:
    instant = local_instant(dt.date(2026, 11, 1), 1, 30, CHICAGO)
    assert instant.astimezone(UTC) == utc(2026, 11, 1, 6, 30)  # 01:30 CDT, not 01:30 CST
    assert instant.utcoffset() == dt.timedelta(hours=-5)


@pytest.mark.parametrize(
    ("zone", "day", "hour", "minute", "expected"),
    [
        ("America/Chicago", dt.date(2026, 3, 8), 2, 0, utc(2026, 3, 8, 8)),  # 03:00 CDT
        ("America/Chicago", dt.date(2026, 3, 8), 2, 59, utc(2026, 3, 8, 8)),
        # Lord Howe springs forward by 30 minutes, 02:00 -> 02:30: found to the second.
        ("Australia/Lord_Howe", dt.date(2026, 10, 4), 2, 15, utc(2026, 10, 3, 15, 30)),
        ("Europe/London", dt.date(2026, 3, 29), 1, 0, utc(2026, 3, 29, 1)),  # 02:00 BST
    ],
)
def test_local_instant_of_a_skipped_wall_time_is_the_end_of_the_gap(
    zone: str, day: dt.date, hour: int, minute: int, expected: dt.datetime
) -> None:
    instant = local_instant(day, hour, minute, ZoneInfo(zone))
    assert instant.astimezone(UTC) == expected
    assert instant.tzinfo == ZoneInfo(zone)
    assert instant.second == 0 and instant.microsecond == 0


# --- the guard's hour, to the second ---------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "passes"),
    [
        (utc(2026, 1, 15, 9, 59, 59), False),  # 03:59:59 CST
        (utc(2026, 1, 15, 10), True),  # 04:00:00 CST
        (utc(2026, 1, 15, 10, 59, 59), True),
        (utc(2026, 1, 15, 11), False),  # 05:00 CST
        (utc(2026, 7, 1, 9), True),  # 04:00 CDT
        (utc(2026, 7, 1, 10), False),  # 05:00 CDT, the winter hour's UTC
    ],
)
def test_the_guard_hour_runs_from_0400_to_0500_local(now: dt.datetime, passes: bool) -> None:
    assert is_scheduled_hour(now) is passes


def test_the_guard_of_a_skipped_hour_opens_at_the_end_of_the_gap() -> None:
    # 02:00 does not exist on 2026-03-08 in Chicago: the hour runs from 03:00 CDT (08:00 UTC).
    assert not is_scheduled_hour(utc(2026, 3, 8, 7, 59, 59), hour=2)
    assert is_scheduled_hour(utc(2026, 3, 8, 8), hour=2)
    assert is_scheduled_hour(utc(2026, 3, 8, 8, 59), hour=2)
    assert not is_scheduled_hour(utc(2026, 3, 8, 9), hour=2)


def test_the_guard_of_a_repeated_hour_passes_only_its_first_occurrence() -> None:
    assert is_scheduled_hour(utc(2026, 11, 1, 6, 30), hour=1)  # 01:30 CDT
    assert not is_scheduled_hour(utc(2026, 11, 1, 7, 30), hour=1)  # 01:30 CST, an hour later


# --- system_times and hour_clear_of_dst ------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "zone", "system_zone", "expected"),
    [
        (4, 0, "America/Chicago", "UTC", {(9, 0), (10, 0)}),
        (4, 0, "America/Chicago", "America/Chicago", {(4, 0)}),
        (4, 0, "Asia/Kolkata", "UTC", {(22, 30)}),
        (4, 0, "Australia/Lord_Howe", "UTC", {(17, 0), (17, 30)}),  # a 30-minute DST shift
        (2, 30, "America/Chicago", "America/Chicago", {(2, 30), (3, 0)}),  # gap day: 03:00
    ],
)
def test_system_times_are_every_system_clock_time_of_the_run(
    hour: int, minute: int, zone: str, system_zone: str, expected: set[tuple[int, int]]
) -> None:
    assert system_times(hour, minute, zone, system_zone, 2026) == expected


@pytest.mark.parametrize(
    ("zone", "unclear"),
    [
        ("America/Chicago", [0, 1, 2, 3]),  # switches at 02:00 local
        ("Europe/London", [0, 1, 2, 23]),  # switches at 01:00 local (01:00 UTC)
        ("Asia/Kolkata", []),
        ("UTC", []),
    ],
)
def test_hours_within_an_hour_of_a_dst_change_are_not_clear(zone: str, unclear: list[int]) -> None:
    assert [h for h in range(24) if not hour_clear_of_dst(h, zone, year=2026)] == unclear


def test_hour_clear_of_dst() -> None:
    assert hour_clear_of_dst(4, "America/Chicago", year=2026)
    assert not hour_clear_of_dst(2, "America/Chicago", year=2026)  # skipped in March
    assert not hour_clear_of_dst(1, "America/Chicago", year=2026)  # repeated in November
    assert not hour_clear_of_dst(3, "America/Chicago", year=2026)  # follows the gap
    assert hour_clear_of_dst(2, "UTC", year=2026)


# --- bad values ------------------------------------------------------------------------------

NOW = utc(2026, 1, 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: next_run(NOW, hour=24), "hour 24 is out of range"),
        (lambda: next_run(NOW, hour=-1), "hour -1 is out of range"),
        (lambda: next_run(NOW, minute=-1), "minute -1 is out of range"),
        (lambda: next_run(NOW, minute=60), "minute 60 is out of range"),
        (lambda: next_run(NOW, hour=True), "not a whole number"),
        (lambda: next_run(NOW, hour="4"), "not a whole number"),
        (lambda: next_run(NOW, timezone="America/Gotham"), "not a known time zone"),
        (lambda: next_run(NOW, timezone=""), "not a known time zone"),
        (lambda: next_run(NOW, timezone="../etc/passwd"), "not a known time zone"),
        (lambda: is_scheduled_hour(NOW, hour=24), "hour 24 is out of range"),
        (lambda: is_scheduled_hour(NOW, timezone="Mars/Olympus"), "not a known time zone"),
        (lambda: cron_utc_hours(24, "America/Chicago"), "hour 24 is out of range"),
        (lambda: cron_utc_hours(4, "America/Chicago", "Nowhere"), "not a known time zone"),
        (lambda: system_times(4, 0, "America/Chicago", "Nowhere", 2026), "not a known time zone"),
        (lambda: system_times(4, 60, "America/Chicago", "UTC", 2026), "minute 60 is out of range"),
        (lambda: hour_clear_of_dst(24, "America/Chicago"), "hour 24 is out of range"),
        (lambda: hour_clear_of_dst(4, "Chicago"), "not a known time zone"),
    ],
)
def test_bad_values_raise_config_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message) as raised:
        call()
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    "zone",
    [
        "America/Gotham",
        "",
        "america/chicago",
        "America/Chicago ",
        "UTC\n",
        "../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "None",
    ],
)
def test_a_bad_zone_is_a_config_error_naming_it(zone: str) -> None:
    with pytest.raises(ConfigError) as raised:
        zone_info(zone)
    assert str(raised.value) == f"time zone {zone!r} is not a known time zone"
    assert raised.value.exit_code == 2
    assert raised.value.__suppress_context__  # one line: no chained zoneinfo traceback


@pytest.mark.parametrize("zone", ["America/Chicago", "UTC", "Etc/GMT+5", "Asia/Kolkata"])
def test_a_known_zone_is_its_zoneinfo(zone: str) -> None:
    assert zone_info(zone) == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("hour", "minute", "message"),
    [
        (24, 0, "training hour 24 is out of range (0 to 23)"),
        (-1, 0, "training hour -1 is out of range (0 to 23)"),
        (4, 60, "training minute 60 is out of range (0 to 59)"),
        (4, -1, "training minute -1 is out of range (0 to 59)"),
        (4.0, 0, "training hour 4.0 is not a whole number"),
        (False, 0, "training hour False is not a whole number"),
        (4, "30", "training minute '30' is not a whole number"),
        (None, 0, "training hour None is not a whole number"),
    ],
)
def test_check_time_names_the_bad_value(hour: object, minute: object, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_time(hour, minute)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_check_time_accepts_the_whole_day() -> None:
    for hour, minute in ((0, 0), (23, 59), (DEFAULT_HOUR, DEFAULT_MINUTE)):
        check_time(hour, minute)
    assert (DEFAULT_HOUR, DEFAULT_MINUTE, DEFAULT_TIMEZONE) == (4, 0, "America/Chicago")


def test_the_defaults_and_the_zone_check_are_the_settings_tables() -> None:
    from nba_ml.config import SPECS
    from nba_ml.config.table import known_zone
    from nba_ml.deploy import clock

    assert clock.DEFAULT_HOUR == SPECS["training_hour"].default == 4
    assert clock.DEFAULT_MINUTE == SPECS["training_minute"].default == 0
    assert clock.DEFAULT_TIMEZONE == SPECS["training_timezone"].default == "America/Chicago"
    assert known_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    for bad in ("America", "Mars/Olympus", "A" * 5000, "../../etc/passwd", "Europe/\nParis", ""):
        with pytest.raises(ValueError, match=r"^is not a known time zone$"):
            known_zone(bad)
        with pytest.raises(ConfigError, match=r"is not a known time zone$"):
            zone_info(bad)
