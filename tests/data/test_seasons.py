"""Season labels, the days that bound a season, and which season types are worth a request."""

from __future__ import annotations

import datetime as dt

import pytest

from nba_ml.data.seasons import (
    FIRST_PLAY_IN_SEASON,
    SEASON_TYPES,
    current_season,
    is_season_finished,
    parse_season,
    postseason_starts_on,
    recent_seasons,
    season_finished_on,
    season_for_date,
    season_label,
    season_types_to_collect,
    sort_seasons,
    today_in_chicago,
)
from nba_ml.errors import UsageError


def test_labels_round_trip() -> None:
    assert season_label(2019) == "2019-20" and season_label(1999) == "1999-00"
    assert parse_season("2019-20") == 2019 and parse_season(" 1999-00 ") == 1999


@pytest.mark.parametrize("label", ["2019-2020", "2019-21", "19-20", "1900-01", "", "2019_20",
                                   "٢٠١٨-١٩", "２０１８-１９"])  # digits, but not 0-9
def test_malformed_labels_are_usage_errors(label: str) -> None:
    with pytest.raises(UsageError):
        parse_season(label)


def test_season_of_a_date_rolls_over_in_september() -> None:
    assert season_for_date(dt.date(2026, 8, 31)) == "2025-26"
    assert season_for_date(dt.date(2026, 9, 1)) == "2026-27"
    assert current_season(dt.date(2021, 3, 1)) == "2020-21"
    assert recent_seasons(4, dt.date(2026, 2, 22)) == ["2022-23", "2023-24", "2024-25",
                                                        "2025-26"]
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


@pytest.mark.parametrize(("season", "today", "expected"), [
    ("2025-26", dt.date(2025, 10, 21), ["Regular Season"]),
    ("2025-26", dt.date(2026, 3, 31), ["Regular Season"]),
    ("2025-26", dt.date(2026, 4, 1), ["Regular Season", "PlayIn", "Playoffs"]),
    ("2019-20", dt.date(2020, 8, 15), ["Regular Season", "PlayIn", "Playoffs"]),  # the bubble
    ("2018-19", dt.date(2026, 2, 22), ["Regular Season", "Playoffs"]),  # no play-in then
    ("2020-21", dt.date(2026, 2, 22), ["Regular Season", "PlayIn", "Playoffs"]),
])
def test_season_types_worth_a_request(season: str, today: dt.date,
                                      expected: list[str]) -> None:
    assert season_types_to_collect(season, today) == expected


def test_no_play_in_or_playoff_game_was_ever_played_before_the_postseason_starts() -> None:
    # the earliest on record: 2019-20's play-in on 2020-08-15, 2020-21's on 2021-05-18, the
    # play-in of 2022-23 to 2024-25 from 11 to 16 April
    for season, first in (("2019-20", dt.date(2020, 8, 15)), ("2020-21", dt.date(2021, 5, 18)),
                          ("2022-23", dt.date(2023, 4, 11)), ("2023-24", dt.date(2024, 4, 16)),
                          ("2024-25", dt.date(2025, 4, 15))):
        assert postseason_starts_on(season) <= first
