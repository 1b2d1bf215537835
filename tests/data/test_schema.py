"""data.schema: the canonical tables' columns, team codes and their aliases, season-type ids,
the game key, and the one reader of stats.nba.com's resultSets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nba_ml.data.schema import (
    COLUMN_DTYPES,
    EXCLUDED_SEASON_ID_TYPES,
    EXCLUDED_SEASON_TYPES,
    OPTIONAL_STAT_COLUMNS,
    PLAYER_GAME_COLUMNS,
    REQUIRED_SOURCE_COLUMNS,
    SEASON_ID_TYPES,
    SEASON_TYPE_NAMES,
    TEAM_ALIASES,
    TEAM_GAME_COLUMNS,
    TEAMS,
    canonical_team,
    make_game_id,
    result_set,
)
from nba_ml.data.seasons import SEASON_TYPES

# ------------------------------------------------------------------------ tables and ids


def test_the_canonical_tables_share_their_key_columns_in_order() -> None:
    shared = ("season", "season_type", "game_id", "game_date")
    assert TEAM_GAME_COLUMNS[:4] == PLAYER_GAME_COLUMNS[:4] == shared
    for columns in (TEAM_GAME_COLUMNS, PLAYER_GAME_COLUMNS):
        assert len(set(columns)) == len(columns)
    assert set(COLUMN_DTYPES) <= set(TEAM_GAME_COLUMNS) | set(PLAYER_GAME_COLUMNS)
    # every box-score column a source may carry has a canonical home
    lower = {c.lower() for c in OPTIONAL_STAT_COLUMNS}
    assert lower <= set(PLAYER_GAME_COLUMNS) and lower - {"plus_minus"} <= set(TEAM_GAME_COLUMNS)


def test_required_source_columns() -> None:
    team, player = (set(REQUIRED_SOURCE_COLUMNS[m]) for m in ("T", "P"))
    assert team - {"WL"} <= player  # a player log carries everything a team log must but WL
    assert {"PLAYER_ID", "PLAYER_NAME", "MIN"} <= player - team


def test_season_type_ids_and_names_agree() -> None:
    assert set(SEASON_ID_TYPES.values()) == set(SEASON_TYPES) == set(SEASON_TYPE_NAMES.values())
    assert not set(SEASON_ID_TYPES) & set(EXCLUDED_SEASON_ID_TYPES)
    assert set(SEASON_ID_TYPES) | set(EXCLUDED_SEASON_ID_TYPES) == set("123456")
    assert not set(SEASON_TYPE_NAMES) & EXCLUDED_SEASON_TYPES
    for name in (*SEASON_TYPE_NAMES, *EXCLUDED_SEASON_TYPES):
        assert name == name.lower().strip()  # compared lower-case
    for canonical in SEASON_TYPES:  # the canonical spelling is one of the names
        assert SEASON_TYPE_NAMES[canonical.lower()] == canonical


# ------------------------------------------------------------------------ teams


def test_thirty_teams_and_every_alias_maps_onto_one_of_them() -> None:
    assert len(TEAMS) == 30 and all(len(code) == 3 and code.isupper() for code in TEAMS)
    assert set(TEAM_ALIASES.values()) <= TEAMS
    assert not set(TEAM_ALIASES) & TEAMS  # an alias never shadows a current code
    for alias, code in TEAM_ALIASES.items():
        assert canonical_team(alias) == code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("BOS", "BOS"),
        (" bos ", "BOS"),
        ("Phx", "PHX"),
        ("PHO", "PHX"),
        ("BRK", "BKN"),
        ("NJN", "BKN"),
        ("SEA", "OKC"),
        ("NOH", "NOP"),
        ("CHO", "CHA"),
        ("GOS", "GSW"),
    ],
)
def test_canonical_team(code: str, expected: str) -> None:
    assert canonical_team(code) == expected


@pytest.mark.parametrize("code", ["", "XYZ", "LBN", "BOSS", "B O S", "B\u041eS", "EST", 7, None])
def test_not_an_nba_team(code: Any) -> None:
    assert canonical_team(code) is None


# ------------------------------------------------------------------------ the game key


@pytest.mark.parametrize("day", ["2019-10-22", "20191022", "2019-10-22T00:00:00"])
def test_make_game_id_from_text(day: str) -> None:
    assert make_game_id(day, "LAC", "LAL") == "20191022-LAC-LAL"


@pytest.mark.parametrize("dtype", [object, str])
def test_make_game_id_element_wise(dtype: Any) -> None:
    ymd = np.array(["20191022", "20191023"], dtype=dtype)
    home = np.array(["LAC", "BOS"], dtype=dtype)
    away = np.array(["LAL", "PHI"], dtype=dtype)
    ids = make_game_id(ymd, home, away)
    assert list(ids) == ["20191022-LAC-LAL", "20191023-BOS-PHI"]


# ------------------------------------------------------------------------ resultSets


TEAM = ["TEAM_ABBREVIATION", "GAME_DATE", "MATCHUP", "WL", "PTS"]
ROW = ["BOS", "2019-10-23", "BOS vs. PHI", "L", 93]


def body(*sets: dict[str, Any], key: str = "resultSets") -> dict[str, Any]:
    return {"resource": "leaguegamelog", key: list(sets)}


def one(name: str, headers: list[Any], rows: list[Any]) -> dict[str, Any]:
    return {"name": name, "headers": headers, "rowSet": rows}


def test_result_set_returns_headers_and_rows_as_sent() -> None:
    assert result_set(body(one("LeagueGameLog", TEAM, [ROW]))) == (TEAM, [ROW])
    padded = [f" {h.lower()} " for h in TEAM]
    assert result_set(body(one("x", padded, [ROW])))[0] == padded


def test_a_single_result_set_object_is_read_too() -> None:
    single = {"resultSet": one("LeagueGameLog", TEAM, [ROW])}
    assert result_set(single) == (TEAM, [ROW])
    assert result_set({"resultSets": one("LeagueGameLog", TEAM, [])}) == (TEAM, [])


def test_the_set_with_game_log_columns_wins_then_the_named_one_then_the_first() -> None:
    other = one("Other", ["A", "B"], [[1, 2]])
    log = one(
        "Games", [*TEAM[:1], "PLAYER_ID", "PLAYER_NAME", *TEAM[1:3], "MIN", "PTS", "REB", "AST"], []
    )
    assert result_set(body(other, log))[0] == log["headers"]  # player-log columns
    assert result_set(body(other, one("LeagueGameLog", TEAM, [ROW])), name="Other")[1] == [ROW]
    named = one("Wanted", ["C"], [[3]])
    assert result_set(body(other, named), name="Wanted") == (["C"], [[3]])
    assert result_set(body(other, named)) == (["A", "B"], [[1, 2]])
    assert result_set(body(other, named), name="Missing") == (["A", "B"], [[1, 2]])


def test_sets_without_headers_and_rows_are_passed_over() -> None:
    broken = [{"name": "a"}, {"headers": "x", "rowSet": []}, {"headers": [], "rowSet": {}}, 5]
    assert result_set(body(*broken, one("b", ["C"], [[1]]))) == (["C"], [[1]])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([1, 2], "not a stats.nba.com response (a JSON list)"),
        (None, "not a stats.nba.com response (a JSON NoneType)"),
        ("resultSets", "not a stats.nba.com response (a JSON str)"),
        ({}, "not a stats.nba.com response (no resultSets)"),
        ({"resultSets": "x"}, "not a stats.nba.com response (no resultSets)"),
        ({"resultSets": []}, "response has no result set with headers and rows"),
        ({"resultSets": [{"headers": TEAM}]}, "response has no result set with headers and rows"),
        (body(one("g", TEAM, [ROW, "row"])), "rowSet[1] is not a list"),
        (body(one("g", TEAM, [ROW, {"PTS": 1}])), "rowSet[1] is not a list"),
        (body(one("g", TEAM, [ROW[:3]])), "rowSet[0] has 3 values for 5 headers"),
        (body(one("g", TEAM, [[*ROW, 1]])), "rowSet[0] has 6 values for 5 headers"),
    ],
)
def test_what_is_not_a_result_set_is_a_short_value_error(value: object, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        result_set(value)
    assert str(caught.value) == reason
