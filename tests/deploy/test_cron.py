"""deploy.cron: the crontab flavours, and a year of cron firings under both cron semantics.

The simulation reads a rendered crontab as a cron daemon does (environment lines, then entries
whose time fields are read in a zone), fires every entry on every day of a year, DST changes
included, and asks the real ``--scheduled`` guard (settings resolved from the file's own
environment lines, as the job sees them) whether the started job trains. It counts one training
per day, at 04:xx America/Chicago, for:

- cronie: entries after ``CRON_TZ=`` are read in that zone, the others in the system zone;
- Debian/Ubuntu cron: ``CRON_TZ`` is an ordinary variable, every entry is read in the system zone;

each with two DST rules: vixie cron's (a repeated wall time fires once, a skipped one right
after the gap) and a literal minute match (a repeated wall time fires twice, a skipped one
never), and with start delays of 0 s to 10 minutes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from nba_ml.config import resolve_settings
from nba_ml.deploy.clock import is_scheduled_hour, local_instant
from nba_ml.deploy.cron import render_crontab
from nba_ml.errors import ConfigError

UTC = dt.timezone.utc
CHICAGO = ZoneInfo("America/Chicago")
YEAR = 2026
DELAYS = (dt.timedelta(0), dt.timedelta(seconds=50), dt.timedelta(minutes=10))
# System zones of the cron daemon: without DST, with DST on other dates (north and south), one
# equal to Chicago, and one that shares Chicago's offset half of the year.
SYSTEM_ZONES = (
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Tokyo",
    "America/Chicago",
    "America/Mexico_City",
)


@dataclasses.dataclass
class Entry:
    zone: ZoneInfo
    minutes: list[int]
    hours: list[int]
    command: str


def _field(text: str) -> list[int]:
    assert text != "*", "the nba-ml entries name their minutes and hours"
    return [int(part) for part in text.split(",")]


def parse(crontab: str, system_zone: str, *, honours_cron_tz: bool) -> tuple[dict, list[Entry]]:
    """Return the job environment and the entries, each with the zone its fields are read in."""
    environment: dict[str, str] = {}
    entries = []
    for line in crontab.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        first = line.split()[0]
        if "=" in first and not first[0].isdigit():
            name, value = line.split("=", 1)
            environment[name.strip()] = value.strip()
            continue
        minute, hour, dom, month, dow, user, command = line.split(None, 6)
        assert (dom, month, dow, user) == ("*", "*", "*", "nba-ml")
        zone = environment.get("CRON_TZ") if honours_cron_tz else None
        entries.append(Entry(ZoneInfo(zone or system_zone), _field(minute), _field(hour), command))
    return environment, entries


def firings(entry: Entry, first: dt.date, last: dt.date, rule: str) -> list[dt.datetime]:
    """Return the UTC instants at which ``entry`` starts its job between two local dates."""
    found = []
    day = first
    while day <= last:
        for hour in entry.hours:
            for minute in entry.minutes:
                if rule == "vixie":
                    found.append(local_instant(day, hour, minute, entry.zone).astimezone(UTC))
                    continue
                wall = dt.datetime.combine(day, dt.time(hour, minute))
                for fold in (0, 1):
                    instant = wall.replace(tzinfo=entry.zone, fold=fold).astimezone(UTC)
                    if instant.astimezone(entry.zone).replace(tzinfo=None) == wall:
                        found.append(instant)
        day += dt.timedelta(days=1)
    return sorted(set(found))


def trainings(
    crontab: str, system_zone: str, *, honours_cron_tz: bool, rule: str, delay: dt.timedelta
) -> list[dt.datetime]:
    """Return the instants at which a job started by ``crontab`` trains during YEAR (Chicago)."""
    environment, entries = parse(crontab, system_zone, honours_cron_tz=honours_cron_tz)
    settings = resolve_settings("/nonexistent/nba-ml", environ=environment)
    trained = []
    for entry in entries:
        assert "train --force --scheduled" in entry.command
        for fired in firings(entry, dt.date(YEAR - 1, 12, 30), dt.date(YEAR + 1, 1, 2), rule):
            started = fired + delay
            if is_scheduled_hour(started, settings.training_hour, settings.training_timezone):
                trained.append(started)
    return sorted(t for t in trained if t.astimezone(CHICAGO).year == YEAR)


def assert_once_a_day_at_four(trained: list[dt.datetime]) -> None:
    local = [t.astimezone(CHICAGO) for t in trained]
    per_day = Counter(t.date() for t in local)
    days = [dt.date(YEAR, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    assert [day for day in days if per_day[day] != 1] == []
    assert len(local) == 365
    assert {t.hour for t in local} == {4}


@pytest.mark.parametrize("system_zone", SYSTEM_ZONES)
@pytest.mark.parametrize("honours_cron_tz", [True, False], ids=["cronie", "debian"])
@pytest.mark.parametrize("rule", ["vixie", "literal"])
def test_combined_crontab_trains_once_a_day_at_four_chicago_under_both_cron_semantics(
    system_zone: str, honours_cron_tz: bool, rule: str
) -> None:
    crontab = render_crontab(system_timezone=system_zone)
    for delay in DELAYS:
        assert_once_a_day_at_four(
            trainings(crontab, system_zone, honours_cron_tz=honours_cron_tz, rule=rule, delay=delay)
        )


def test_the_shipped_defaults_are_the_design_form_plus_guarded_utc_entries() -> None:
    lines = [line for line in render_crontab().splitlines() if line and line[0] != "#"]
    command = (
        "nba-ml /opt/nba-ml/.venv/bin/nba-ml train --force --scheduled 2>&1 | logger -t nba-ml"
    )
    assert lines == [
        "NBA_TRAINING_HOUR=4",
        "NBA_TRAINING_MINUTE=0",
        "NBA_TRAINING_TIMEZONE=America/Chicago",
        "NBA_ML_DATA_DIR=/var/lib/nba-ml",
        "CRON_TZ=America/Chicago",
        f"0 4 * * * {command}",
        f"0 9,10 * * * {command}",
    ]


def test_without_the_guard_the_combined_file_would_train_twice_a_day() -> None:
    # The simulation can fail: count raw starts in the training hour, guard or not.
    crontab = render_crontab()
    _, entries = parse(crontab, "UTC", honours_cron_tz=False)
    starts = [
        f for e in entries for f in firings(e, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), "vixie")
    ]
    assert len(starts) == 3 * 365  # 04:00, 09:00 and 10:00 UTC every day
    # And a crontab that kept the 04:xx system-zone entry beside CRON_TZ would train twice.
    mexico = render_crontab(system_timezone="America/Mexico_City")
    doubled = mexico.replace("0 3 * * *", "0 3,4 * * *")
    assert doubled != mexico
    with pytest.raises(AssertionError):
        assert_once_a_day_at_four(
            trainings(
                doubled,
                "America/Mexico_City",
                honours_cron_tz=True,
                rule="vixie",
                delay=dt.timedelta(0),
            )
        )


@pytest.mark.parametrize(
    ("system_zone", "entries"),
    [
        ("UTC", ["0 4 ", "0 9,10 "]),
        ("America/Chicago", ["0 4 "]),  # the CRON_TZ entry alone fires at 04:00 under both crons
        ("America/Mexico_City", ["0 4 ", "0 3 "]),  # 04:00 in winter there is the CRON_TZ entry's
        ("Europe/Berlin", ["0 4 ", "0 10,11 "]),
    ],
)
def test_combined_entries_leave_out_the_system_hour_equal_to_the_training_hour(
    system_zone: str, entries: list[str]
) -> None:
    text = render_crontab(system_timezone=system_zone)
    lines = [line for line in text.splitlines() if line[:1].isdigit()]
    assert [line[: len(prefix)] for line, prefix in zip(lines, entries, strict=False)] == entries
    assert len(lines) == len(entries)


@pytest.mark.parametrize("honours_cron_tz", [True, False], ids=["cronie", "debian"])
def test_single_form_flavours_train_once_only_under_their_own_cron(honours_cron_tz: bool) -> None:
    debian = trainings(
        render_crontab(flavour="debian"),
        "UTC",
        honours_cron_tz=honours_cron_tz,
        rule="vixie",
        delay=dt.timedelta(0),
    )
    cronie = trainings(
        render_crontab(flavour="cronie"),
        "UTC",
        honours_cron_tz=honours_cron_tz,
        rule="vixie",
        delay=dt.timedelta(0),
    )
    assert_once_a_day_at_four(debian)  # the debian flavour is portable
    if honours_cron_tz:
        assert_once_a_day_at_four(cronie)
    else:
        assert cronie == []  # cronie's form alone never trains on Debian: hence the combined file


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"system_timezone": "Asia/Kolkata"}, "whole number of hours"),
        ({"hour": 2}, "next to a DST change"),
        ({"hour": 1}, "next to a DST change"),
        ({"timezone": "Australia/Lord_Howe"}, "whole number of hours"),
    ],
)
def test_combined_flavour_refuses_what_it_cannot_prove(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render_crontab(**kwargs)
    render_crontab(flavour="cronie", **{k: v for k, v in kwargs.items() if k != "system_timezone"})


def test_combined_flavour_for_another_hour_and_zone() -> None:
    text = render_crontab(hour=6, minute=45, timezone="Europe/London", system_timezone="UTC")
    lines = [line for line in text.splitlines() if line[:1].isdigit()]
    assert lines[0].startswith("45 6 * * * ") and lines[1].startswith("45 5 * * * ")
    environment, entries = parse(text, "UTC", honours_cron_tz=True)
    assert environment["CRON_TZ"] == "Europe/London"
    assert [e.zone for e in entries] == [ZoneInfo("Europe/London")] * 2


class _Trains(Exception):
    """Raised where the real training would start: the guard let the job through."""


@pytest.mark.parametrize("honours_cron_tz", [True, False], ids=["cronie", "debian"])
def test_the_simulated_guard_is_the_one_train_applies(
    honours_cron_tz: bool, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On the DST days and their neighbours, every firing goes through manager.train itself
    # (clock patched, training replaced by a sentinel): it trains exactly when the simulation
    # says so.
    from nba_ml.commands import train as manager

    def start_training(*args: object, **kwargs: object) -> None:
        raise _Trains

    monkeypatch.setattr(manager, "_train_locked", start_training)
    crontab = render_crontab()
    environment, entries = parse(crontab, "UTC", honours_cron_tz=honours_cron_tz)
    settings = resolve_settings(tmp_path / "data", environ=environment)
    days = [
        dt.date(YEAR, 3, 7),
        dt.date(YEAR, 3, 8),
        dt.date(YEAR, 3, 9),
        dt.date(YEAR, 10, 31),
        dt.date(YEAR, 11, 1),
        dt.date(YEAR, 11, 2),
    ]
    trained = 0
    for entry in entries:
        for day in days:
            for fired in firings(entry, day, day, "vixie"):
                monkeypatch.setattr(manager, "_utcnow", lambda fired=fired: fired)
                expected = is_scheduled_hour(
                    fired, settings.training_hour, settings.training_timezone
                )
                try:
                    result = manager.train(settings, force=True, scheduled=True)
                except _Trains:
                    assert expected, fired
                    trained += 1
                else:
                    assert result.outcome == "skipped" and not expected, fired
    assert trained == len(days)
