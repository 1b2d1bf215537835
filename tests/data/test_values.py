"""data.values: the strict parsers of game-log values (numbers and minutes, dates, match-ups,
teams, ids, season types), the column mapping that names the first bad row, and the wording of
a rejected value. Hostile inputs get a reason, never an exception or a multi-line message."""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nba_ml.data.importer import load_directory
from nba_ml.data.sources import Table
from nba_ml.data.values import (
    DROP,
    MAX_FIELD_CHARS,
    Reject,
    column_map,
    error_for,
    limits,
    number_parser,
    number_text,
    numbers,
    parse_date,
    parse_game_id_type,
    parse_matchup,
    parse_name,
    parse_player_id,
    parse_season_id,
    parse_season_type,
    parse_team,
    parse_wl,
    reason,
    show,
    take,
    text_value,
)
from nba_ml.errors import DataError
from tests.data.test_importer import (
    PLAYER_COLUMNS,
    TEAM_COLUMNS,
    assert_canonical,
    csv_text,
    player_rows,
    team_rows,
    write,
)


def rejected(result: object) -> str:
    """Return the reason of a Reject (failing when the value was accepted)."""
    assert isinstance(result, Reject), f"accepted: {result!r}"
    assert "\n" not in result.reason and "\x1b" not in result.reason
    return result.reason


def same(a: object, b: object) -> bool:
    return (
        isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    ) or a == b


# ------------------------------------------------------------------------ text and limits


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  x \t", "x"),
        (math.nan, ""),
        (1, None),
        (1.5, None),
        (True, None),
        ([], None),
    ],
)
def test_text_value(value: object, expected: str | None) -> None:
    assert text_value(value) == expected


def test_limits() -> None:
    assert limits("FG_PCT") == limits("FT_PCT") == (0.0, 1.0)
    assert limits("PTS") == limits("MIN") == limits("TOV") == (0.0, 10000.0)
    assert limits("PLUS_MINUS") == (-1000.0, 10000.0)


# ------------------------------------------------------------------------ numbers and minutes


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("PTS", None, math.nan),
        ("PTS", "", math.nan),
        ("PTS", "  ", math.nan),
        ("PTS", math.nan, math.nan),
        ("PTS", 93, 93.0),
        ("PTS", 93.0, 93.0),
        ("PTS", " 12 ", 12.0),
        ("PTS", "+3", 3.0),
        ("PTS", "12.", 12.0),
        ("FG_PCT", ".5", 0.5),
        ("PTS", "1e2", 100.0),
        ("PTS", "0", 0.0),
        ("PLUS_MINUS", "-30", -30.0),
        ("PLUS_MINUS", -1000, -1000.0),
        ("MIN", "34:12", 34.2),
        ("MIN", "7:30", 7.5),
        ("MIN", "0:06", 0.1),
        ("MIN", "240:00", 240.0),
        ("MIN", "48", 48.0),
        ("MIN", 34.5, 34.5),
    ],
)
def test_numbers_and_minutes(column: str, value: object, expected: float) -> None:
    result = number_parser(column)(value)
    assert isinstance(result, float)
    assert same(result, expected) or result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("PTS", "abc", "PTS 'abc' is not a number"),
        ("PTS", "nan", "PTS 'nan' is not a number"),  # text NaN is a typo, not a missing value
        ("PTS", "1_000", "PTS '1_000' is not a number"),
        ("PTS", "0x10", "PTS '0x10' is not a number"),
        ("PTS", "1,000", "PTS '1,000' is not a number"),
        ("PTS", " - 1", "PTS ' - 1' is not a number"),
        ("PTS", "\u0661\u0662", "PTS '\u0661\u0662' is not a number"),  # non-ASCII digits
        ("PTS", "\uff11\uff12", "PTS '\uff11\uff12' is not a number"),  # full-width digits
        ("PTS", True, "PTS True is not a number"),
        ("PTS", [93], "PTS [93] is not a number"),
        ("PTS", "34:12", "PTS '34:12' is not a number"),  # a clock is only minutes
        ("MIN", "34:60", "MIN '34:60' is not a number"),
        ("MIN", "1000:00", "MIN '1000:00' is not a number"),
        ("MIN", "-1", "MIN -1 is out of range"),
        ("PTS", "inf", "PTS inf is out of range"),
        ("PTS", "-Infinity", "PTS -inf is out of range"),
        ("PTS", "1e400", "PTS inf is out of range"),
        ("PTS", math.inf, "PTS inf is out of range"),
        ("PTS", 10001, "PTS 10001 is out of range"),
        ("FG_PCT", "45.5", "FG_PCT 45.5 is out of range"),
        ("FG_PCT", -0.01, "FG_PCT -0.01 is out of range"),
        ("PLUS_MINUS", -1001, "PLUS_MINUS -1001 is out of range"),
    ],
)
def test_bad_numbers_are_rejected_with_the_reason(
    column: str, value: object, expected: str
) -> None:
    assert rejected(number_parser(column)(value)) == expected


def test_an_integer_too_large_for_a_float_is_out_of_range_and_shown_short() -> None:
    message = rejected(number_parser("PTS")(10**400))
    assert message.startswith("PTS 1000") and message.endswith("... is out of range")
    assert len(message) < 80


def test_a_hostile_value_is_shown_escaped_and_short() -> None:
    message = rejected(number_parser("REB")("4\x1b[2J\n" + "9" * 500))
    assert message.startswith("REB '4\\x1b[2J\\n999") and message.endswith("999... is not a number")
    assert len(message) == len("REB  is not a number") + 40


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (12.0, "12"),
        (-3.0, "-3"),
        (0.5, "0.5"),
        (1e20, "1e+20"),
        (1e14, "100000000000000"),
        (math.inf, "inf"),
    ],
)
def test_number_text(number: float, text: str) -> None:
    assert number_text(number) == text


# ------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2019-10-22", (2019, 10, 22)),
        (" 2019-10-22 ", (2019, 10, 22)),
        ("2019-10-22T00:00:00", (2019, 10, 22)),
        ("2019-10-22 12:30", (2019, 10, 22)),
        ("2019-10-22T12:30:45.123", (2019, 10, 22)),
        ("OCT 23, 2019", (2019, 10, 23)),
        ("October 23 2019", (2019, 10, 23)),
        ("Oct. 23, 2019", (2019, 10, 23)),
        ("Sept 3, 2019", (2019, 9, 3)),
        ("May 1, 2020", (2020, 5, 1)),
        ("february 29, 2020", (2020, 2, 29)),
        ("10/22/2019", (2019, 10, 22)),
        ("1/2/2020", (2020, 1, 2)),  # US month/day order
        ("1946-01-01", (1946, 1, 1)),
        ("2101-12-31", (2101, 12, 31)),
    ],
)
def test_dates(value: str, day: tuple[int, int, int]) -> None:
    assert parse_date(value) == dt.date(*day)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "GAME_DATE is empty"),
        (None, "GAME_DATE is empty"),
        (math.nan, "GAME_DATE is empty"),
        ("yesterday", "GAME_DATE 'yesterday' is not a date"),
        ("2019-02-30", "GAME_DATE '2019-02-30' is not a date"),
        ("2019-13-01", "GAME_DATE '2019-13-01' is not a date"),
        ("13/01/2020", "GAME_DATE '13/01/2020' is not a date"),  # day/month is not read
        ("Foo 23, 2019", "GAME_DATE 'Foo 23, 2019' is not a date"),
        ("Octopus 23, 2019", "GAME_DATE 'Octopus 23, 2019' is not a date"),  # a word, not a month
        ("Mayday 1, 2020", "GAME_DATE 'Mayday 1, 2020' is not a date"),
        ("2019-10-22Z", "GAME_DATE '2019-10-22Z' is not a date"),
        ("2019-10-22T25", "GAME_DATE '2019-10-22T25' is not a date"),
        (
            "\uff12\uff10\uff11\uff19-10-22",
            "GAME_DATE '\uff12\uff10\uff11\uff19-10-22' is not a date",
        ),
        ("2019-10-22\x1b[31m", "GAME_DATE '2019-10-22\\x1b[31m' is not a date"),
        (20191022, "GAME_DATE 20191022 is not a date"),
        (True, "GAME_DATE True is not a date"),
        ("1900-01-01", "GAME_DATE '1900-01-01' is out of range"),
        ("2102-01-01", "GAME_DATE '2102-01-01' is out of range"),
        ("0001-01-01", "GAME_DATE '0001-01-01' is out of range"),
        ("9999-12-31", "GAME_DATE '9999-12-31' is out of range"),
    ],
)
def test_bad_dates(value: object, expected: str) -> None:
    assert rejected(parse_date(value)) == expected


def test_a_very_long_date_is_rejected_quickly_and_shown_short() -> None:
    value = "2019-10-22" + " 1" * 100_000
    assert rejected(parse_date(value)) == f"GAME_DATE '2019-10-22{' 1' * 13}... is not a date"


# ------------------------------------------------------------------------ match-ups and teams


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BOS vs. PHI", ("BOS", "PHI", True)),
        ("PHI @ BOS", ("PHI", "BOS", False)),
        ("bos vs phi", ("BOS", "PHI", True)),
        ("  LAL vs. LAC ", ("LAL", "LAC", True)),
        ("BRK @ PHO", ("BKN", "PHX", False)),
        ("NJN  vs.  SEA", ("BKN", "OKC", True)),
    ],
)
def test_matchups(value: str, expected: tuple[str, str, bool]) -> None:
    assert parse_matchup(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "MATCHUP is empty"),
        (None, "MATCHUP is empty"),
        ("PHI @ PHI", "MATCHUP 'PHI @ PHI': a team cannot play itself"),
        ("SEA @ OKC", "MATCHUP 'SEA @ OKC': a team cannot play itself"),  # an alias of itself
        ("XYZ @ BOS", "unknown team 'XYZ' in MATCHUP 'XYZ @ BOS'"),
        ("BOS vs. LBN", "unknown team 'LBN' in MATCHUP 'BOS vs. LBN'"),
        ("BOS v PHI", "MATCHUP 'BOS v PHI' is not like 'BOS vs. PHI' or 'PHI @ BOS'"),
        ("BOS@PHI", "MATCHUP 'BOS@PHI' is not like 'BOS vs. PHI' or 'PHI @ BOS'"),
        (
            "BOS vs. PHI vs. NYK",
            "MATCHUP 'BOS vs. PHI vs. NYK' is not like 'BOS vs. PHI' or 'PHI @ BOS'",
        ),
        (5, "MATCHUP 5 is not like 'BOS vs. PHI' or 'PHI @ BOS'"),
    ],
)
def test_bad_matchups(value: object, expected: str) -> None:
    assert rejected(parse_matchup(value)) == expected


def test_teams() -> None:
    assert parse_team(" bos ") == "BOS" and parse_team("SEA") == "OKC"
    assert rejected(parse_team("")) == rejected(parse_team(None)) == "TEAM_ABBREVIATION is empty"
    assert rejected(parse_team("SEA2")) == "unknown team 'SEA2' in TEAM_ABBREVIATION"
    assert rejected(parse_team(5)) == "unknown team 5 in TEAM_ABBREVIATION"


def test_win_or_loss() -> None:
    assert parse_wl("W") == parse_wl(" w ") == 1.0 and parse_wl("l") == 0.0
    assert math.isnan(parse_wl("")) and math.isnan(parse_wl(None))  # type: ignore[arg-type]
    for value in ("T", "WL", "win", 1, True):
        assert rejected(parse_wl(value)) == f"WL {value!r} is not W or L"


# ------------------------------------------------------------------------ players


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2544, 2544),
        ("2544", 2544),
        (" 2544 ", 2544),
        ("2544.0", 2544),
        (2544.0, 2544),
        ("+7", 7),
        (2**53 - 1, 2**53 - 1),
    ],
)
def test_player_ids(value: object, expected: int) -> None:
    assert parse_player_id(value) == expected


@pytest.mark.parametrize(
    "value", [True, -3, 0, "0", "-3", "12.5", 12.5, 2**53, "1e3", "0x10", "\u0661", "9" * 17, [1]]
)
def test_bad_player_ids(value: object) -> None:
    assert rejected(parse_player_id(value)) == f"PLAYER_ID {show(value)} is not a positive integer"


def test_an_empty_player_id() -> None:
    for value in ("", " ", None, math.nan):
        assert rejected(parse_player_id(value)) == "PLAYER_ID is empty"


def test_player_names() -> None:
    assert parse_name("  LeBron James ") == "LeBron James"
    assert parse_name(23) == "23" and parse_name(None) == ""
    assert rejected(parse_name(True)) == "PLAYER_NAME True is not a name"
    assert rejected(parse_name([1])) == "PLAYER_NAME [1] is not a name"


# ------------------------------------------------------------------------ season types and ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Regular Season", "Regular Season"),
        ("regular", "Regular Season"),
        ("Regular_Season", "Regular Season"),
        ("  PLAYOFFS ", "Playoffs"),
        ("Playoff", "Playoffs"),
        ("PlayIn", "PlayIn"),
        ("Play In", "PlayIn"),
        ("play-in   tournament", "PlayIn"),
        ("Pre Season", DROP),
        ("preseason", DROP),
        ("All-Star", DROP),
        ("NBA Cup", DROP),
        ("", None),
        (None, None),
    ],
)
def test_season_types(value: object, expected: object) -> None:
    assert parse_season_type(value) == expected


@pytest.mark.parametrize("value", ["Summer League", "Regular  Seasons", "Playoffs!", 5, True])
def test_unknown_season_types(value: object) -> None:
    assert rejected(parse_season_type(value)) == f"unknown SEASON_TYPE {show(value)}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("22019", ("2019-20", "Regular Season")),
        (42019, ("2019-20", "Playoffs")),
        (52019.0, ("2019-20", "PlayIn")),
        (" 21999 ", ("1999-00", "Regular Season")),
        ("21946", ("1946-47", "Regular Season")),
        ("12019", DROP),
        ("32019", DROP),
        ("62019", DROP),
        ("", None),
        (None, None),
    ],
)
def test_season_ids(value: object, expected: object) -> None:
    assert parse_season_id(value) == expected


def test_an_unknown_season_id_type_is_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        assert parse_season_id("72019") == DROP
        assert parse_season_id("12019") == DROP  # a known excluded type: no warning
    assert caplog.messages == ["dropping rows of unknown season type 7"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019", "SEASON_ID '2019' is not like 22019"),
        ("222019", "SEASON_ID '222019' is not like 22019"),
        ("2019-20", "SEASON_ID '2019-20' is not like 22019"),
        (22019.5, "SEASON_ID 22019.5 is not like 22019"),
        (True, "SEASON_ID True is not like 22019"),
        ("21900", "SEASON_ID '21900' is out of range"),
        ("22101", "SEASON_ID '22101' is out of range"),
    ],
)
def test_bad_season_ids(value: object, expected: str) -> None:
    assert rejected(parse_season_id(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0052000101", "PlayIn"),
        ("0042000101", "Playoffs"),
        (" 0022000001 ", "Regular Season"),
        (21900001, "Regular Season"),
        (52000101.0, "PlayIn"),
        ("0012000001", DROP),
        ("0032000001", DROP),
        ("0062000001", DROP),
        # nothing said: an unknown type digit, a canonical key, not an nba.com id at all
        ("0072000001", None),
        ("20191022-BOS-PHI", None),
        ("00520001011", None),
        ("1052000101", None),
        ("", None),
        (None, None),
        (True, None),
        (4.5, None),
        (-52000101, None),
    ],
)
def test_game_id_types(value: object, expected: object) -> None:
    assert parse_game_id_type(value) == expected


# ------------------------------------------------------------------------ columns


def table(column: str, values: list[Any], *, is_json: bool = False, dtype: Any = object) -> Table:
    array = np.empty(len(values), dtype=dtype)
    array[:] = values
    return Table(
        Path("logs/t.json" if is_json else "logs/t.csv"),
        is_json,
        [column],
        {column: array},
        np.arange(len(values)),
    )


def test_column_map_parses_each_distinct_value_once() -> None:
    seen: list[object] = []

    def parse(value: object) -> object:
        seen.append(value)
        return parse_team(value)

    source = table("TEAM_ABBREVIATION", ["BOS", "PHI", "BOS", "BOS", "SEA"])
    codes, results = column_map(source, "TEAM_ABBREVIATION", parse)
    assert seen == ["BOS", "PHI", "SEA", None]  # and the missing value, which no row has
    assert list(take(results, codes)) == ["BOS", "PHI", "BOS", "BOS", "OKC"]
    assert results[-1] is None  # the rejected "empty" stands in as fill, as no row uses it


def test_column_map_names_the_file_and_the_first_row_holding_a_bad_value() -> None:
    source = table("PTS", ["10", "abc", "12", "abc"])
    with pytest.raises(DataError) as caught:
        column_map(source, "PTS", number_parser("PTS"), fill=math.nan)
    assert str(caught.value) == "logs/t.csv: row 3: PTS 'abc' is not a number"  # header: row 1
    json_source = table("PTS", [10, None, True], is_json=True)
    with pytest.raises(DataError, match=r"^logs/t.json: rowSet\[2\]: PTS True is not a number$"):
        column_map(json_source, "PTS", number_parser("PTS"), fill=math.nan)


def test_column_map_reports_rows_by_their_place_in_the_file_after_filtering() -> None:
    source = table("MATCHUP", ["BOS vs. PHI", "XYZ @ BOS", "PHI @ PHI"])
    source.keep(np.array([True, False, True]))
    with pytest.raises(DataError, match=r"^logs/t.csv: row 4: MATCHUP 'PHI @ PHI'"):
        column_map(source, "MATCHUP", parse_matchup)


def test_column_map_of_missing_values_and_of_an_absent_column() -> None:
    source = table("GAME_DATE", ["2019-10-22", None])
    with pytest.raises(DataError, match="row 3: GAME_DATE is empty"):
        column_map(source, "GAME_DATE", parse_date)
    codes, results = column_map(source, "PLAYER_NAME", parse_name)  # no such column
    assert list(codes) == [0, 0] and results == [""]


def test_an_oversized_field_is_refused_before_it_is_parsed() -> None:
    long = "B" * (MAX_FIELD_CHARS + 1)

    def parse(value: object) -> object:
        assert value != long, "parsed an oversized field"
        return parse_name(value)

    with pytest.raises(
        DataError,
        match=r"row 2: PLAYER_NAME holds an oversized field "
        rf"\({MAX_FIELD_CHARS + 1} characters\)$",
    ):
        column_map(table("PLAYER_NAME", [long, "ok"]), "PLAYER_NAME", parse)
    codes, results = column_map(
        table("PLAYER_NAME", ["B" * MAX_FIELD_CHARS]), "PLAYER_NAME", parse_name
    )
    assert take(results, codes)[0] == "B" * MAX_FIELD_CHARS


def test_numbers_of_text_and_of_a_column_read_csv_already_parsed() -> None:
    parsed = numbers(table("MIN", ["34:12", "", "7:30", None]), "MIN")
    assert parsed.dtype == np.float64
    assert parsed[0] == pytest.approx(34.2) and parsed[2] == 7.5
    assert np.isnan(parsed[1]) and np.isnan(parsed[3])
    floats = table("PTS", [93.0, math.nan, 107.0], dtype=np.float64)
    result = numbers(floats, "PTS")
    assert np.array_equal(result, floats.columns["PTS"], equal_nan=True)
    assert result is not floats.columns["PTS"]  # a copy: the table is not changed through it
    with pytest.raises(DataError, match=r"^logs/t.csv: row 3: PTS -5 is out of range$"):
        numbers(table("PTS", [93.0, -5.0, math.inf], dtype=np.float64), "PTS")
    with pytest.raises(DataError, match=r"row 2: FG_PCT 45.5 is out of range$"):
        numbers(table("FG_PCT", [45.5], dtype=np.float64), "FG_PCT")


def test_take() -> None:
    codes = np.array([1, 0, 1])
    assert take([1.5, 2.5], codes, float).tolist() == [2.5, 1.5, 2.5]
    pairs = take([("BOS", "PHI", True), ("PHI", "BOS", False)], codes)
    assert pairs.dtype == object and pairs[1] == ("BOS", "PHI", True)


# ------------------------------------------------------------------------ messages


def test_error_for_is_one_line_naming_the_path() -> None:
    error = error_for(Path("logs/team\nlogs.csv"), "row 2: bad\rvalue")
    assert isinstance(error, DataError) and error.exit_code == 1
    assert str(error) == "logs/team\\nlogs.csv: row 2: bad\\rvalue"


def test_reason_words_os_errors_once() -> None:
    assert reason(PermissionError(13, "Permission denied")) == "permission denied"
    assert reason(FileNotFoundError(2, "No such file or directory")) == "no such file or directory"
    assert reason(ValueError("secret detail")) == "ValueError"


def test_show() -> None:
    assert show("x") == "'x'" and show("x", quote=False) == "x" and show(5) == "5"
    assert show("a\nb") == "'a\\nb'"
    long = show("y" * 100)
    assert len(long) == 40 and long.endswith("...")
    assert show("y" * 100, limit=10) == "'yyyyyy..."


# ------------------------------------------------------------------------ inside an import
# (moved from test_importer.py: the parsers' values as the canonical tables get them)


def test_minutes_as_clock_strings(tmp_path: Path) -> None:
    rows = player_rows()
    rows[0]["MIN"], rows[1]["MIN"], rows[2]["MIN"] = "34:12", "7:30", ""
    write(tmp_path / "player_game_logs_2019-20.csv", csv_text(PLAYER_COLUMNS, rows))
    players = load_directory(tmp_path).player_games
    minutes = players.set_index(["game_id", "player_id"])["min"]
    game = "20191023-BOS-PHI"
    assert minutes[(game, rows[0]["PLAYER_ID"])] == pytest.approx(34.2)
    assert minutes[(game, rows[1]["PLAYER_ID"])] == pytest.approx(7.5)
    assert minutes[(game, rows[2]["PLAYER_ID"])] == 0.0
    assert len(players) == 20 and players["min"].sum() > 0


def test_other_date_formats(tmp_path: Path) -> None:
    rows = team_rows()
    rows[0]["GAME_DATE"] = rows[1]["GAME_DATE"] = "OCT 23, 2019"
    rows[2]["GAME_DATE"] = rows[3]["GAME_DATE"] = "2019-10-22T00:00:00"
    rows[4]["GAME_DATE"] = rows[5]["GAME_DATE"] = "10/22/2019"
    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, rows))
    data = load_directory(tmp_path)
    assert_canonical(data)
    assert len(data.team_games) == 10
