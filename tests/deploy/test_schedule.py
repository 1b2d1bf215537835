"""deploy.clock (through the deploy.schedule facade): run times across DST, the cron guard,
and the renderers' bad values; the crontab flavours are in tests/deploy/test_cron.py, the units in
tests/deploy/test_units.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from nba_ml.deploy import schedule
from nba_ml.deploy.clock import hour_clear_of_dst
from nba_ml.deploy.schedule import (
    cron_utc_hours,
    is_scheduled_hour,
    next_run,
    render_crontab,
    render_systemd_units,
    render_webserver_dropin,
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
        (lambda: render_crontab(hour=24), "hour 24 is out of range"),
        (lambda: render_crontab(minute=-1), "minute -1 is out of range"),
        (lambda: render_crontab(timezone="Nowhere/Town"), "not a known time zone"),
        (lambda: render_crontab(system_timezone="Nowhere/Town"), "not a known time zone"),
        (lambda: render_crontab(flavour="vixie"), "not one of combined, cronie, debian"),  # type: ignore[arg-type]
        (lambda: render_crontab(user="root; rm"), "not a valid system user name"),
        (lambda: render_crontab(executable="nba-ml"), "must be an absolute path"),
        (lambda: render_crontab(executable="/opt/my venv/nba-ml"), "must be an absolute path"),
        (lambda: render_crontab(data_dir="/var/lib/100%"), "must be an absolute path"),
        (lambda: render_crontab(data_dir="/var/lib/../etc"), "must be an absolute path"),
        (lambda: render_systemd_units(hour=24), "hour 24 is out of range"),
        (lambda: render_systemd_units(timezone="Nowhere/Town"), "not a known time zone"),
        (lambda: render_systemd_units(user="Bad User"), "not a valid system user name"),
        (lambda: render_systemd_units(data_dir="/srv/nba-ml", user=None), "static user"),
        (lambda: render_systemd_units(executable="bin/nba-ml"), "must be an absolute path"),
        (lambda: render_webserver_dropin(data_dir="$HOME/nba-ml"), "must be an absolute path"),
        (lambda: render_webserver_dropin(group="Web Group"), "not a valid system user name"),
    ],
)
def test_bad_values_raise_config_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        call()


def test_debian_flavour_refuses_zones_whose_offset_changes_by_half_an_hour() -> None:
    # Lord Howe Island shifts by 30 minutes for DST: no single cron minute covers the year.
    with pytest.raises(ConfigError, match="whole number of hours"):
        render_crontab(timezone="Australia/Lord_Howe", flavour="debian")
    assert "CRON_TZ=Australia/Lord_Howe" in render_crontab(
        timezone="Australia/Lord_Howe", flavour="cronie"
    )


# --- render_crontab --------------------------------------------------------------------------


def _settings_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_debian_crontab_starts_at_both_utc_hours_with_the_guard() -> None:
    lines = _settings_lines(render_crontab(flavour="debian"))
    assert lines == [
        "NBA_TRAINING_HOUR=4",
        "NBA_TRAINING_MINUTE=0",
        "NBA_TRAINING_TIMEZONE=America/Chicago",
        "NBA_ML_DATA_DIR=/var/lib/nba-ml",
        "0 9,10 * * * nba-ml /opt/nba-ml/.venv/bin/nba-ml train --force --scheduled"
        " 2>&1 | logger -t nba-ml",
    ]


def test_cronie_crontab_uses_cron_tz_and_one_entry() -> None:
    text = render_crontab(flavour="cronie")
    lines = _settings_lines(text)
    assert lines[-2] == "CRON_TZ=America/Chicago"
    assert lines[-1].startswith("0 4 * * * nba-ml /opt/nba-ml/.venv/bin/nba-ml train --force")
    assert "--scheduled" in lines[-1]
    assert "cronie" in text and "Debian/Ubuntu cron ignores CRON_TZ" in text


def test_crontab_follows_every_parameter() -> None:
    text = render_crontab(
        executable="/usr/local/bin/nba-ml",
        data_dir=None,
        user="svc_ml",
        hour=6,
        minute=45,
        timezone="Asia/Kolkata",
        system_timezone="UTC",
        flavour="debian",
    )
    lines = _settings_lines(text)
    assert "NBA_ML_DATA_DIR" not in text
    assert lines[:3] == [
        "NBA_TRAINING_HOUR=6",
        "NBA_TRAINING_MINUTE=45",
        "NBA_TRAINING_TIMEZONE=Asia/Kolkata",
    ]
    # 06:45 IST is 01:15 UTC all year: the entry minute differs from the local minute.
    assert lines[-1].startswith("15 1 * * * svc_ml /usr/local/bin/nba-ml train --force --scheduled")
    assert "CRON_TZ=" not in "\n".join(lines)


def test_crontab_in_a_cron_daemon_running_on_chicago_time_needs_one_hour() -> None:
    entry = _settings_lines(render_crontab(system_timezone="America/Chicago"))[-1]
    assert entry.startswith("0 4 * * * ")


def test_no_rendered_crontab_line_holds_a_percent_sign() -> None:
    # cron turns "%" in a command into a newline.
    for flavour in ("combined", "debian", "cronie"):
        assert "%" not in render_crontab(flavour=flavour)  # type: ignore[arg-type]


def test_schedule_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, nba_ml.deploy.schedule; "
        "print(sorted(m for m in ('pandas','numpy','sklearn','typer','rich','nba_api')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_hour_clear_of_dst() -> None:
    assert hour_clear_of_dst(4, "America/Chicago", year=2026)
    assert not hour_clear_of_dst(2, "America/Chicago", year=2026)  # skipped in March
    assert not hour_clear_of_dst(1, "America/Chicago", year=2026)  # repeated in November
    assert not hour_clear_of_dst(3, "America/Chicago", year=2026)  # follows the gap
    assert hour_clear_of_dst(2, "UTC", year=2026)


def test_the_facade_is_the_same_objects_as_the_modules() -> None:
    from nba_ml.deploy import clock, cron, units

    assert schedule.next_run is clock.next_run
    assert schedule.is_scheduled_hour is clock.is_scheduled_hour
    assert schedule.render_crontab is cron.render_crontab
    assert schedule.render_systemd_units is units.render_systemd_units
