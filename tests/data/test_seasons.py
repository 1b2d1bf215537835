"""Season labels, the days that bound a season, and which season types are worth a request."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from nba_ml.data.seasons import (
    FIRST_PLAY_IN_SEASON,
    SEASON_PERIODS,
    SEASON_TYPES,
    STALE_DAYS,
    current_season,
    in_season,
    is_season_finished,
    is_stale,
    parse_season,
    postseason_starts_on,
    recent_seasons,
    season_finished_on,
    season_for_date,
    season_label,
    season_periods,
    season_types_to_collect,
    sort_seasons,
    today_in_chicago,
)
from nba_ml.errors import UsageError


def test_labels_round_trip() -> None:
    assert season_label(2019) == "2019-20" and season_label(1999) == "1999-00"
    assert parse_season("2019-20") == 2019 and parse_season(" 1999-00 ") == 1999


@pytest.mark.parametrize(
    "label",
    [
        "2019-2020",
        "2019-21",
        "19-20",
        "1900-01",
        "",
        "2019_20",
        "\u0662\u0660\u0661\u0669-\u0662\u0660",  # Arabic-Indic digits
        "\uff12\uff10\uff11\uff19-\uff12\uff10",
    ],
)  # fullwidth digits
def test_malformed_labels_are_usage_errors(label: str) -> None:
    with pytest.raises(UsageError):
        parse_season(label)


def test_season_of_a_date_rolls_over_in_september() -> None:
    assert season_for_date(dt.date(2026, 8, 31)) == "2025-26"
    assert season_for_date(dt.date(2026, 9, 1)) == "2026-27"
    assert current_season(dt.date(2021, 3, 1)) == "2020-21"
    assert recent_seasons(4, dt.date(2026, 2, 22)) == ["2022-23", "2023-24", "2024-25", "2025-26"]
    assert sort_seasons(["2020-21", "2019-20", "2020-21"]) == ["2019-20", "2020-21"]


def test_a_season_is_finished_from_1_november_after_it_began() -> None:
    assert season_finished_on("2019-20") == dt.date(2020, 11, 1)  # the bubble ended 2020-10-11
    assert not is_season_finished("2019-20", dt.date(2020, 10, 31))
    assert is_season_finished("2019-20", dt.date(2020, 11, 1))


def test_today_is_chicago_time() -> None:
    late_utc = dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.timezone.utc)  # 21:30 on the 1st there
    assert today_in_chicago(late_utc) == dt.date(2026, 3, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        today_in_chicago(dt.datetime(2026, 3, 2))


def test_season_types_in_the_order_they_are_played() -> None:
    assert SEASON_TYPES == ("Regular Season", "PlayIn", "Playoffs")
    assert FIRST_PLAY_IN_SEASON == "2019-20"


@pytest.mark.parametrize(
    ("season", "today", "expected"),
    [
        ("2025-26", dt.date(2025, 10, 21), ["Regular Season"]),
        ("2025-26", dt.date(2026, 3, 31), ["Regular Season"]),
        ("2025-26", dt.date(2026, 4, 1), ["Regular Season", "PlayIn", "Playoffs"]),
        ("2019-20", dt.date(2020, 8, 15), ["Regular Season", "PlayIn", "Playoffs"]),  # the bubble
        ("2018-19", dt.date(2026, 2, 22), ["Regular Season", "Playoffs"]),  # no play-in then
        ("2020-21", dt.date(2026, 2, 22), ["Regular Season", "PlayIn", "Playoffs"]),
    ],
)
def test_season_types_worth_a_request(season: str, today: dt.date, expected: list[str]) -> None:
    assert season_types_to_collect(season, today) == expected


def test_no_play_in_or_playoff_game_was_ever_played_before_the_postseason_starts() -> None:
    # the earliest on record: 2019-20's play-in on 2020-08-15, 2020-21's on 2021-05-18, the
    # play-in of 2022-23 to 2024-25 from 11 to 16 April
    for season, first in (
        ("2019-20", dt.date(2020, 8, 15)),
        ("2020-21", dt.date(2021, 5, 18)),
        ("2022-23", dt.date(2023, 4, 11)),
        ("2023-24", dt.date(2024, 4, 16)),
        ("2024-25", dt.date(2025, 4, 15)),
    ):
        assert postseason_starts_on(season) <= first


D = dt.date


@pytest.mark.parametrize(
    ("day", "playing"),
    [
        # once outside the fixed 20 October - 15 June window: opening night 2021, the 2022 Finals
        (D(2021, 10, 19), True),
        (D(2022, 6, 16), True),
        (D(2025, 6, 22), True),
        # the 2019-20 pause and bubble, the late 2020-21 season
        (D(2020, 5, 1), False),
        (D(2020, 8, 15), True),
        (D(2020, 10, 11), True),
        (D(2020, 10, 12), False),
        (D(2020, 12, 10), False),
        (D(2020, 12, 22), True),
        (D(2021, 7, 10), True),
        (D(2021, 7, 21), False),
        # the days around a season of the usual calendar
        (D(2021, 10, 18), False),
        (D(2022, 6, 17), False),
        (D(2024, 10, 21), False),
        # seasons without a recorded calendar: mid-October to late June
        (D(2026, 12, 1), True),
        (D(2027, 6, 20), True),
        (D(2026, 8, 1), False),
        (D(2026, 10, 14), True),
        (D(2026, 10, 10), False),
    ],
)
def test_in_season_follows_each_season_s_calendar(day: dt.date, playing: bool) -> None:
    assert in_season(day) is playing


def test_the_calendars_are_the_game_logs_dates() -> None:
    # the recorded calendars of the seasons in ../shared are their first and last game dates,
    # with no game in the 2019-20 pause
    import pandas as pd

    from tests.conftest import GAMELOGS

    if not GAMELOGS.is_dir():
        pytest.skip(f"needs the real game logs in {GAMELOGS} (../shared)")
    for path in sorted(GAMELOGS.glob("team_game_logs_*.csv")):
        label = path.stem.removeprefix("team_game_logs_")
        days = sorted(
            {
                dt.date.fromisoformat(d[:10])
                for d in pd.read_csv(path, usecols=["GAME_DATE"])["GAME_DATE"]
            }
        )
        periods = SEASON_PERIODS[label]
        assert (days[0], days[-1]) == (periods[0][0], periods[-1][1]), label
        assert all(any(first <= d <= last for first, last in periods) for d in days), label
        for (_, end), (start, _) in itertools.pairwise(periods):  # the pause: games both sides
            assert end in days and start in days


def test_the_data_and_the_schedule_stretch_the_calendar() -> None:
    # a season running past its calendar (a later Finals): the data shows it
    assert not in_season(D(2027, 7, 5))
    assert in_season(D(2027, 7, 5), last_game=D(2027, 6, 28))
    assert not in_season(D(2027, 7, 20), last_game=D(2027, 6, 28))
    assert is_stale(D(2027, 6, 28), D(2027, 6, 28) + dt.timedelta(days=STALE_DAYS + 1))
    # an opening night earlier than the calendar's
    assert in_season(D(2026, 10, 12), last_game=D(2026, 10, 11))
    # the schedule lists games after the data: the league plays, whatever the calendar says
    assert in_season(D(2026, 8, 1), scheduled=True)
    assert is_stale(D(2026, 7, 1), D(2026, 8, 1), scheduled=True)
    assert not is_stale(D(2026, 7, 1), D(2026, 8, 1))


def test_a_season_without_a_recorded_calendar_is_the_usual_one() -> None:
    assert season_periods("2030-31") == ((D(2030, 10, 14), D(2031, 6, 25)),)
    assert season_periods("2019-20") == SEASON_PERIODS["2019-20"]
