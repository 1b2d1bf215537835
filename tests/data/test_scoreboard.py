"""data.scoreboard: checking a ScoreboardV3 answer, and reading the cached slate of a day back
(never blocking, never changing the cache). Scoreboards are built here in the shape of the
recorded one (tests/commands/test_today.py reads the recording itself)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nba_ml.data.cache import schedule_path
from nba_ml.data.scoreboard import ScheduledGame, read_schedule, validate_schedule
from nba_ml.data.upstream import Failure
from nba_ml.errors import DataError
from tests.conftest import run_in_child

DAY = dt.date(2026, 2, 15)


def board_game(away: str, home: str, game_id: str = "0022500800", **fields: Any) -> dict:
    return {
        "gameId": game_id,
        "gameStatus": 1,
        "gameStatusText": "7:00 pm ET",
        "gameTimeUTC": "2026-02-16T00:00:00Z",
        "gameEt": "2026-02-15T19:00:00Z",
        "homeTeam": {"teamId": 1, "teamTricode": home, "score": 0},
        "awayTeam": {"teamId": 2, "teamTricode": away, "score": 0},
        **fields,
    }


def scoreboard(games: list[Any], day: str | None = DAY.isoformat()) -> dict[str, Any]:
    board: dict[str, Any] = {
        "leagueId": "00",
        "leagueName": "National Basketball Association",
        "games": games,
    }
    if day is not None:
        board["gameDate"] = day
    return {"meta": {"version": 1}, "scoreboard": board}


def cached(raw: Path, content: object, day: dt.date = DAY) -> Path:
    path = schedule_path(raw, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


# ------------------------------------------------------------------------ validating


def test_a_scoreboard_of_the_day_counts_its_games() -> None:
    games = [board_game("PHI", "BOS"), board_game("LAL", "GSW", "0022500801")]
    assert validate_schedule(scoreboard(games), DAY) == 2
    assert validate_schedule(scoreboard([]), DAY) == 0
    assert validate_schedule(scoreboard(games, day=None), DAY) == 2  # no date: not contradicted


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "not a ScoreboardV3 response (no scoreboard.games)"),
        ({}, "not a ScoreboardV3 response (no scoreboard.games)"),
        ({"scoreboard": []}, "not a ScoreboardV3 response (no scoreboard.games)"),
        ({"scoreboard": {"games": {}}}, "not a ScoreboardV3 response (no scoreboard.games)"),
        (scoreboard([], day="2026-02-14"), "the scoreboard is for '2026-02-14', not 2026-02-15"),
        (scoreboard([board_game("PHI", "BOS"), "game"]), "games[1] has no home and away team"),
        (
            scoreboard([{**board_game("PHI", "BOS"), "awayTeam": None}]),
            "games[0] has no home and away team",
        ),
        (
            scoreboard([{**board_game("PHI", "BOS"), "homeTeam": {"teamTricode": 1610612738}}]),
            "games[0] has no home and away team",
        ),
    ],
)
def test_what_is_not_a_scoreboard_of_the_day_is_bad_data(body: object, reason: str) -> None:
    with pytest.raises(Failure) as caught:
        validate_schedule(body, DAY)
    assert caught.value.reason == reason and caught.value.bad_data


# ------------------------------------------------------------------------ reading the slate


def test_the_slate_of_a_day(tmp_path: Path) -> None:
    path = cached(
        tmp_path,
        scoreboard(
            [
                board_game("PHI", "BOS"),
                board_game("PHO", "BRK", "0052500101", gameStatusText=" Final ", gameTimeUTC=None),
                board_game("LAL", "GSW", "0042500101", gameStatusText="Q3 \x1b[2J5:12"),
            ]
        ),
    )
    games, skipped, where = read_schedule(tmp_path, DAY)
    assert where == path and skipped == []
    assert games == [
        ScheduledGame(
            "0022500800", "BOS", "PHI", "2026-02-16T00:00:00Z", "7:00 pm ET", "Regular Season"
        ),
        ScheduledGame("0052500101", "BKN", "PHX", None, "Final", "PlayIn"),  # aliases mapped
        ScheduledGame(
            "0042500101", "GSW", "LAL", "2026-02-16T00:00:00Z", "Q3 \\x1b[2J5:12", "Playoffs"
        ),  # a control character is escaped
    ]


def test_non_nba_match_ups_are_skipped(tmp_path: Path) -> None:
    cached(
        tmp_path,
        scoreboard(
            [
                board_game("PHI", "LBN"),  # All-Star weekend
                board_game("BOS", "BOS"),
                board_game("xy\nz", "NYK"),
                board_game("CHI", "MIL", "0012500001"),
            ]
        ),
    )
    games, skipped, _ = read_schedule(tmp_path, DAY)
    assert skipped == ["PHI @ LBN", "BOS @ BOS", "xy\\nz @ NYK"]
    # a pre-season game id says nothing usable about its type: None, not "drop"
    assert [(g.home, g.away, g.season_type) for g in games] == [("MIL", "CHI", None)]


def test_a_game_without_an_id_or_status(tmp_path: Path) -> None:
    cached(
        tmp_path,
        scoreboard([{"homeTeam": {"teamTricode": "BOS"}, "awayTeam": {"teamTricode": "PHI"}}]),
    )
    [game], _, _ = read_schedule(tmp_path, DAY)
    assert game == ScheduledGame("", "BOS", "PHI", None, "", None)


def test_no_schedule_cached(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_schedule(tmp_path, DAY)
    cached(tmp_path, scoreboard([]), day=DAY + dt.timedelta(days=1))
    with pytest.raises(FileNotFoundError):  # another day's file is not this day's
        read_schedule(tmp_path, DAY)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 10_000, "nests deeper than 64 levels"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (b'{"scoreboard": ', "invalid JSON"),
        (b"{}", "is unusable: not a ScoreboardV3 response (no scoreboard.games)"),
        (
            json.dumps(scoreboard([], day="2026-01-01")).encode(),
            "is unusable: the scoreboard is for '2026-01-01', not 2026-02-15",
        ),
    ],
)
def test_a_damaged_schedule_is_one_line_and_left_in_place(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = cached(tmp_path, content)
    with pytest.raises(DataError) as caught:
        read_schedule(tmp_path, DAY)
    message = str(caught.value)
    assert reason in message and str(path) in message and "\n" not in message
    assert caught.value.exit_code == 1
    assert path.read_bytes() == content and list(path.parent.iterdir()) == [path]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = schedule_path(tmp_path, DAY)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    outcome = run_in_child(read_schedule, tmp_path, DAY, seconds=10)
    assert outcome == ("raised", f"FileDamaged: {path}: is not a regular file (a FIFO)")
    assert path.is_fifo()


def test_an_unreadable_schedule_is_one_line(
    tmp_path: Path, deny_open: Callable[[Path], None]
) -> None:
    path = cached(tmp_path, scoreboard([]))
    deny_open(path)
    with pytest.raises(DataError) as caught:
        read_schedule(tmp_path, DAY)
    assert str(caught.value) == f"cannot read the schedule {path}: permission denied"


def test_a_start_time_is_a_time_or_nothing_never_raw_text(tmp_path: Path) -> None:
    # predict today printed the cached gameTimeUTC as it was: terminal escapes reached the tty
    cached(
        tmp_path,
        scoreboard(
            [
                board_game("PHI", "BOS", gameTimeUTC="\x1b]0;owned\x07\x1b[2J"),
                board_game("LAL", "GSW", "0022500801", gameTimeUTC="2026-02-15T19:30:00-05:00"),
                board_game("MIA", "NYK", "\x1b[31m1", gameTimeUTC=12),
            ]
        ),
    )
    games, _, _ = read_schedule(tmp_path, DAY)
    assert [g.starts_at for g in games] == [None, "2026-02-16T00:30:00Z", None]
    assert games[2].game_id == "\\x1b[31m1"


def test_a_team_listed_twice_is_bad_data_not_the_callers_error(tmp_path: Path) -> None:
    # it reached predict_games as "a team can play only one game a day": exit 2 / HTTP 400
    cached(tmp_path, scoreboard([board_game("PHI", "BOS"), board_game("BOS", "LAL", "0022500801")]))
    with pytest.raises(DataError, match="BOS is listed in two games") as caught:
        read_schedule(tmp_path, DAY)
    assert type(caught.value) is DataError and caught.value.exit_code == 1


# ------------------------------------------------------------------ a slate written by hand


def test_matchups_are_read_in_every_written_form() -> None:
    from nba_ml.data.scoreboard import parse_matchups

    text = (
        "# opening night\nPHI @ BOS\n\nDAL@SAS  # late\nnew york at brooklyn\n"
        "Lakers vs Clippers\nCeltics v. Sixers\nGSW,POR\n"
        "Golden State Warriors @ Boston Celtics\n"
    )
    assert parse_matchups(text) == [
        (2, "BOS", "PHI"),
        (4, "SAS", "DAL"),
        (5, "brooklyn", "new york"),
        (6, "Lakers", "Clippers"),
        (7, "Celtics", "Sixers"),
        (8, "GSW", "POR"),
        (9, "Boston Celtics", "Golden State Warriors"),
    ]
    assert parse_matchups("") == [] and parse_matchups("# nothing\n\n") == []


@pytest.mark.parametrize("line", ["BOS PHI", "BOS", "@ BOS", "BOS vs", "a,b,c", "\x1b[2J"])
def test_a_line_that_is_no_matchup_is_named(line: str) -> None:
    from nba_ml.data.scoreboard import parse_matchups

    with pytest.raises(ValueError, match=r"^line 2 is not AWAY @ HOME") as caught:
        parse_matchups(f"PHI @ BOS\n{line}\n")
    assert str(caught.value).isprintable()


def test_a_saved_scoreboard_gives_its_day_and_games() -> None:
    from nba_ml.data.scoreboard import scoreboard_date, scoreboard_games

    body = {
        "scoreboard": {
            "gameDate": DAY.isoformat(),
            "games": [board_game("PHI", "BOS"), board_game("XXX", "LAL")],
        }
    }
    assert scoreboard_date(body) == DAY
    games, skipped = scoreboard_games(body)
    assert [(g.away, g.home) for g in games] == [("PHI", "BOS")] and skipped == ["XXX @ LAL"]
    for bad in ({}, [], {"scoreboard": {"gameDate": "soon"}}, {"scoreboard": []}, None):
        assert scoreboard_date(bad) is None


def test_games_scheduled_after_the_data_say_the_league_is_playing(tmp_path: Path) -> None:
    from nba_ml.data.scoreboard import games_scheduled

    assert not games_scheduled(tmp_path, None, DAY)  # nothing cached
    cached(tmp_path, scoreboard([]), DAY - dt.timedelta(days=1))  # an off day
    cached(tmp_path, b"{damaged", DAY - dt.timedelta(days=2))
    (schedule_path(tmp_path, DAY).parent / "notes.txt").write_text("x")
    assert not games_scheduled(tmp_path, None, DAY)
    cached(tmp_path, scoreboard([board_game("PHI", "BOS")]))
    assert games_scheduled(tmp_path, DAY - dt.timedelta(days=5), DAY)
    assert not games_scheduled(tmp_path, DAY, DAY + dt.timedelta(days=3))  # not after the data
    assert not games_scheduled(tmp_path, None, DAY - dt.timedelta(days=1))  # not yet
