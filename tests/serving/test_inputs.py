"""serving.inputs: the one date rule (CLI --date and the API's date=), the upcoming-day rule,
and team lookup with its closest-code suggestions; every refusal is a UsageError (exit 2) with
one printable line, whatever the input holds."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from nba_ml.data.names import PlayerNames
from nba_ml.data.schema import TEAM_ALIASES, TEAMS
from nba_ml.errors import EXIT_USAGE, UsageError
from nba_ml.serving import inputs
from nba_ml.serving.inputs import parse_day, resolve_team, upcoming_day

DATE_HINT = "expected YYYY-MM-DD, e.g. 2026-12-02"


def _refusal(call: object, *args: object) -> str:
    """Return the message of the UsageError ``call(*args)`` raises, checked to be one line."""
    with pytest.raises(UsageError) as caught:
        call(*args)  # type: ignore[operator]
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE
    assert message.isprintable(), message  # no newline, escape or NUL reaches a log or terminal
    return message


# ---------------------------------------------------------------------------- parse_day


def test_dates_are_strict_yyyy_mm_dd() -> None:
    assert parse_day("2019-10-22") == dt.date(2019, 10, 22)
    assert parse_day(dt.datetime(2019, 10, 22, 5)) == dt.date(2019, 10, 22)
    for bad in ("now", "today", "2019-02-30", "20191022", "2019-1-2", ""):
        with pytest.raises(UsageError, match="expected YYYY-MM-DD"):
            parse_day(bad)


def test_dates_and_datetimes_are_taken_as_their_day() -> None:
    day = dt.date(2020, 2, 29)
    assert parse_day(day) is day
    assert parse_day(pd.Timestamp("2020-02-29 23:59")) == day  # a datetime subclass
    assert type(parse_day(dt.datetime(2020, 2, 29, tzinfo=dt.timezone.utc))) is dt.date


def test_surrounding_whitespace_is_ignored_and_leap_days_follow_the_calendar() -> None:
    for text in (" 2019-10-22", "2019-10-22\n", "\t2019-10-22 "):
        assert parse_day(text) == dt.date(2019, 10, 22)
    assert parse_day("2020-02-29") == dt.date(2020, 2, 29)
    assert parse_day("2000-02-29") == dt.date(2000, 2, 29)
    _refusal(parse_day, "1900-02-29")
    _refusal(parse_day, "2019-02-29")


@pytest.mark.parametrize(
    "bad",
    [
        "2019-10-22T00:00",
        "2019-10-22 12:00",
        "2019-10-22Z",
        "2019/10/22",
        "22-10-2019",
        "2019.10.22",
        "+2019-10-22",
        "-2019-10-22",
        "02019-10-22",
        "2019-10-022",
        "019-10-22",
        "0000-01-01",
        "2019-13-01",
        "2019-00-10",
        "2019-10-00",
        "2019-10-32",
        "2019-04-31",
        "2019-10-22x",
        "x2019-10-22",
        "2019-10 -22",
        "2019--10-22",
        "2019-W43-2",
        "2019-295",
        "２０１９-１０-２２",
        "٢٠١٩-١٠-٢٢",
        "2019‐10‐22",
        "2019-10-22\x00",
        "2019-10\n-22",
        "\x1b[31m2019-10-22",
        "yesterday",
        "tomorrow",
        "None",
        " ",
    ],
)
def test_every_other_date_form_is_refused_with_one_line(bad: str) -> None:
    message = _refusal(parse_day, bad)
    assert message.startswith("invalid date ") and message.endswith(DATE_HINT)


@pytest.mark.parametrize("bad", [None, 20191022, 2019.1022, ("2019", "10", "22"), b"2019-10-22"])
def test_values_that_are_not_text_or_dates_are_refused(bad: object) -> None:
    assert _refusal(parse_day, bad).endswith(DATE_HINT)


def test_control_characters_are_shown_escaped() -> None:
    message = _refusal(parse_day, "2019-10-22\n\x1b[2J")
    assert "\\n" in message and "\\x1b" in message


def test_an_over_long_date_is_shown_cut_to_40_characters() -> None:
    message = _refusal(parse_day, "9" * 100_000)
    assert f"'{'9' * 40}'" in message and "9" * 41 not in message
    assert len(message) < 120


# ---------------------------------------------------------------------------- upcoming_day


def test_a_day_after_the_last_game_is_a_midnight_timestamp() -> None:
    day = upcoming_day("2019-10-23", dt.date(2019, 10, 22))
    assert day == pd.Timestamp("2019-10-23") and isinstance(day, pd.Timestamp)
    assert upcoming_day(dt.date(1990, 1, 1), None) == pd.Timestamp("1990-01-01")  # no data


def test_the_last_game_day_and_earlier_are_refused_naming_both_dates() -> None:
    last = dt.date(2019, 10, 22)
    for day in ("2019-10-22", "2019-10-21", "1999-01-01", "0999-12-31", "0001-01-01"):
        message = _refusal(upcoming_day, day, last)
        assert message == (
            f"date {day} is not after the last game in the data (2019-10-22); "
            "predictions are for upcoming games"
        )


def test_no_date_means_today_in_chicago(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "today_in_chicago", lambda: dt.date(2019, 10, 25))
    assert upcoming_day(None, dt.date(2019, 10, 22)) == pd.Timestamp("2019-10-25")
    assert "not after the last game" in _refusal(upcoming_day, None, dt.date(2019, 10, 25))


def test_the_date_rule_comes_before_the_last_game_rule() -> None:
    assert _refusal(upcoming_day, "2019-10-2", dt.date(2030, 1, 1)).endswith(DATE_HINT)


# ---------------------------------------------------------------------------- resolve_team


def test_every_team_and_alias_resolves_whatever_the_case_and_spacing() -> None:
    for team in TEAMS:
        assert resolve_team(team) == team
        assert resolve_team(f" {team.lower()}\n") == team
    for alias, team in TEAM_ALIASES.items():
        assert resolve_team(alias.lower()) == team
    assert {resolve_team(code) for code in ("BRK", "NJN", "PHO", "SEA", "NOH")} == {
        "BKN",
        "PHX",
        "OKC",
        "NOP",
    }


def test_an_unknown_team_suggests_up_to_three_close_codes() -> None:
    message = _refusal(resolve_team, "boz")
    assert message.startswith("unknown team 'boz'; did you mean ")
    suggested = message.split("did you mean ", 1)[1].rstrip("?").split(", ")
    assert suggested[0] == "BOS" and 1 <= len(suggested) <= 3
    assert set(suggested) <= TEAMS
    assert "GSW" in _refusal(resolve_team, "GWS")


def test_nothing_close_gives_no_suggestion() -> None:
    for far in ("", "!!!", "12345", "\x00"):
        message = _refusal(resolve_team, far)
        assert message.startswith("unknown team ") and "did you mean" not in message


@pytest.mark.parametrize("hostile", ["BOS\x1b[31m", "BOS\nPHI", "\r\n", "B\x00S", "²", "Б О С"])
def test_hostile_team_codes_are_refused_with_one_line(hostile: str) -> None:
    assert _refusal(resolve_team, hostile).startswith("unknown team ")


def test_an_over_long_team_code_is_shown_cut_to_40_characters() -> None:
    message = _refusal(resolve_team, "BOS" * 50_000)
    assert message.startswith("unknown team 'BOSBOS") and len(message) < 120


def test_cities_and_nicknames_resolve_and_los_angeles_is_ambiguous() -> None:
    # `predict game Celtics Lakers` suggested LAC, DET, CLE and not BOS
    assert resolve_team("Celtics") == "BOS" and resolve_team("Lakers") == "LAL"
    assert resolve_team("Boston") == "BOS" and resolve_team("Sixers") == "PHI"
    assert _refusal(resolve_team, "Los Angeles") == "ambiguous team 'Los Angeles': LAC or LAL?"
    assert _refusal(resolve_team, "Celtcs").startswith("unknown team 'Celtcs'; did you mean BOS")


# ---------------------------------------------------------------------------- find_player_id


def _players() -> tuple[pd.DataFrame, PlayerNames]:
    names = ["Nikola Mirotic", "Jimmy Butler III", "Nikola Jokić", "LeBron James"]
    latest = pd.DataFrame(
        {"player_name": names}, index=pd.Index([202703, 202710, 203999, 2544], name="player_id")
    )
    return latest, PlayerNames(zip(latest.index.tolist(), names, strict=True))


def test_players_are_found_as_people_type_them() -> None:
    latest, names = _players()
    for typed, player_id in (
        ("Nikola Jokic", 203999),
        ("jokic", 203999),
        ("Jimmy Butler", 202710),
        ("lebron", 2544),
        ("2544", 2544),
    ):
        assert inputs.find_player_id(typed, latest, names) == player_id


def test_a_shared_first_name_lists_the_players_most_recent_first() -> None:
    latest, names = _players()
    message = _refusal(inputs.find_player_id, "Nikola", latest, names)
    assert message == "ambiguous player 'Nikola': did you mean Nikola Jokić, Nikola Mirotic?"
    message = _refusal(inputs.find_player_id, "Lebron Jams", latest, names)
    assert message == "unknown player 'Lebron Jams'; did you mean LeBron James?"


def test_an_id_of_thousands_of_digits_is_an_unknown_player() -> None:
    # int() of more than 4300 digits raised ValueError: "unexpected error ... (a bug)"
    latest, names = _players()
    with pytest.raises(UsageError, match="unknown player '9999"):
        inputs.find_player_id("9" * 5000, latest, names)
    assert inputs.find_player_id("2544", latest, names) == 2544


def test_the_horizon_covers_the_days_after_the_data_and_around_today() -> None:
    last, today = dt.date(2019, 6, 13), dt.date(2019, 10, 25)
    for day in (
        dt.date(2019, 6, 14),
        dt.date(2019, 6, 27),
        dt.date(2019, 10, 24),
        dt.date(2019, 11, 8),
    ):
        inputs.check_horizon(day, last, today, 14)
    for day in (
        dt.date(2019, 6, 28),
        dt.date(2019, 10, 23),
        dt.date(2019, 11, 9),
        dt.date(9999, 12, 31),
    ):
        with pytest.raises(UsageError, match="beyond what this server predicts") as caught:
            inputs.check_horizon(day, last, today, 14)
        assert caught.value.exit_code == EXIT_USAGE
    inputs.check_horizon(dt.date(2019, 10, 26), None, today, 1)
