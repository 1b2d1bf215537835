"""data.cache: the raw cache's layout, its atomic writes and bounded reads, the setting aside of
a damaged file nba-ml wrote (and the refusal of anything else), and the game-log rows it holds.

All on small bodies built here: no ../shared, no network.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nba_ml.data import cache
from nba_ml.data.cache import (
    cache_files,
    cache_path,
    game_rows,
    last_cached_game_date,
    latest_date,
    merge,
    parse_game_date,
    prepare,
    read,
    schedule_path,
    set_aside,
    write,
    written_on_or_after,
)
from nba_ml.errors import StorageError
from tests.conftest import run_in_child
from tests.data.test_importer import response

HEADERS = ["SEASON_ID", "TEAM_ABBREVIATION", "GAME_ID", "GAME_DATE", "MATCHUP", "WL", "PTS"]


def team_row(
    game: str, day: str, team: str, other: str, home: bool, pts: int, won: bool
) -> list[Any]:
    matchup = f"{team} vs. {other}" if home else f"{team} @ {other}"
    return ["22025", team, game, f"{day}T00:00:00", matchup, "W" if won else "L", pts]


def game(
    game_id: str, day: str, home: str, away: str, home_pts: int, away_pts: int
) -> list[list[Any]]:
    """The two team rows of one game, away side first, as LeagueGameLog sends them."""
    return [
        team_row(game_id, day, away, home, False, away_pts, away_pts > home_pts),
        team_row(game_id, day, home, away, True, home_pts, home_pts > away_pts),
    ]


def log(rows: list[list[Any]], headers: list[str] = HEADERS, **parameters: Any) -> dict:
    defaults = {
        "Season": "2025-26",
        "SeasonType": "Regular Season",
        "PlayerOrTeam": "T",
        "DateFrom": "",
    }
    return response(headers, rows, **{**defaults, **parameters})


def put(path: Path, body: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))
    return path


def rows_of(body: dict) -> list[list[Any]]:
    return game_rows(body)[1]


# ------------------------------------------------------------------------ layout


def test_cache_path_layout(tmp_path: Path) -> None:
    assert cache_path(tmp_path, "2025-26", "Regular Season", "T") == (
        tmp_path / "leaguegamelog" / "2025-26_regular-season_T.json"
    )
    assert cache_path(tmp_path, "2019-20", "Playoffs", "P").name == "2019-20_playoffs_P.json"
    assert cache_path(tmp_path, "2020-21", "PlayIn", "T").name == "2020-21_playin_T.json"
    with pytest.raises(ValueError, match="season type"):
        cache_path(tmp_path, "2019-20", "Pre Season", "P")
    with pytest.raises(ValueError, match="mode"):
        cache_path(tmp_path, "2019-20", "Playoffs", "X")


def test_the_raw_cache_is_raw_in_the_data_directory_as_the_settings_say(tmp_path: Path) -> None:
    from nba_ml.config import resolve_settings
    from nba_ml.state.layout import DataLayout

    assert DataLayout(tmp_path).raw == tmp_path / "raw"
    assert resolve_settings(tmp_path, environ={}).raw_dir == DataLayout(tmp_path).raw


def test_schedule_path_is_one_file_per_day(tmp_path: Path) -> None:
    assert schedule_path(tmp_path, dt.date(2026, 2, 5)) == tmp_path / "schedule" / "2026-02-05.json"


def test_cache_files_lists_what_exists_in_a_stable_order(tmp_path: Path) -> None:
    assert cache_files(tmp_path, ["2024-25", "2025-26"]) == []
    wanted = [
        cache_path(tmp_path, "2025-26", "Playoffs", "P"),
        cache_path(tmp_path, "2024-25", "Regular Season", "T"),
        cache_path(tmp_path, "2025-26", "Regular Season", "T"),
    ]
    for path in wanted:
        put(path, log([]))
    (tmp_path / "leaguegamelog" / "2025-26_preseason_T.json").write_text("{}")  # not a kind
    dangling = cache_path(tmp_path, "2025-26", "PlayIn", "T")
    dangling.symlink_to(tmp_path / "nowhere")  # listed, so that reading it refuses it
    assert cache_files(tmp_path, ["2024-25", "2025-26"]) == [
        wanted[1],
        wanted[2],
        dangling,
        wanted[0],
    ]
    assert cache_files(tmp_path, ["2023-24"]) == []


# ------------------------------------------------------------------------ writing


def test_write_creates_the_directories_and_a_private_file(tmp_path: Path) -> None:
    path = cache_path(tmp_path / "raw", "2025-26", "Regular Season", "T")
    write(path, '{"a": 1}')
    write(path, b'{"a": 2}')
    assert json.loads(path.read_bytes()) == {"a": 2}
    assert stat.S_IMODE(path.stat().st_mode) == cache.FILE_MODE == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o027 == 0
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_write_replaces_a_symlink_and_never_writes_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    path = cache_path(tmp_path / "raw", "2025-26", "Regular Season", "T")
    path.parent.mkdir(parents=True)
    path.symlink_to(outside)
    write(path, "{}")
    assert not path.is_symlink() and path.read_text() == "{}"
    assert outside.read_text() == "keep me"


def test_a_failed_write_is_one_storage_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "raw").write_text("a file where the cache directory should be")
    path = cache_path(tmp_path / "raw", "2025-26", "Regular Season", "T")
    with pytest.raises(StorageError) as caught:
        write(path, "{}")
    message = str(caught.value)
    assert message.startswith(f"cannot write cache file {path}: ")
    assert "\n" not in message and caught.value.exit_code == 1


def test_prepare_removes_only_the_temporary_files_nba_ml_left(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    prepare(raw, "leaguegamelog", "schedule")
    directory = raw / "leaguegamelog"
    assert directory.is_dir() and (raw / "schedule").is_dir()
    assert stat.S_IMODE(directory.stat().st_mode) & 0o027 == 0
    kept = tmp_path / "precious"
    kept.write_text("not ours")
    (directory / ".2025-26_regular-season_T.json.abc123.tmp").write_text("half a file")
    (raw / "schedule" / ".2026-02-22.json.x_9z.tmp").write_text("half a schedule")
    (directory / ".notes.tmp").write_text("the operator's, not a leftover of ours")
    (directory / ".2025-26_regular-season_T.json.tmp").write_text("no random part: not ours")
    (directory / ".link.tmp").symlink_to(kept)
    (directory / ".dir.tmp").mkdir()
    (directory / "visible.tmp").write_text("not a leftover of ours")
    (directory / "2025-26_regular-season_T.json").write_text("{}")
    prepare(raw, "leaguegamelog", "schedule")
    assert sorted(p.name for p in directory.iterdir()) == [
        ".2025-26_regular-season_T.json.tmp",
        ".dir.tmp",
        ".link.tmp",
        ".notes.tmp",
        "2025-26_regular-season_T.json",
        "visible.tmp",
    ]
    assert not list((raw / "schedule").iterdir())
    assert kept.read_text() == "not ours"


def test_cache_directories_are_0750_whatever_the_umask(tmp_path: Path) -> None:
    # Path.mkdir(parents=True) made raw/ 0777 under umask 000 (0775 under the common 002):
    # others could then delete nba-ml's cache files and put their own game logs in their place.
    raw = tmp_path / "raw"
    old = os.umask(0)
    try:
        prepare(raw, "leaguegamelog")
        write(schedule_path(raw, dt.date(2026, 2, 22)), "{}")
    finally:
        os.umask(old)
    for directory in (raw, raw / "leaguegamelog", raw / "schedule"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o750, directory
    assert stat.S_IMODE((raw / "schedule" / "2026-02-22.json").stat().st_mode) == 0o640
    (raw / "playoffs").write_text("a file where a directory belongs")
    with pytest.raises(StorageError, match=r"cannot prepare raw cache .*: not a directory"):
        prepare(raw, "playoffs")


def test_prepare_fails_with_one_line_when_the_cache_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "raw").write_text("in the way")
    with pytest.raises(StorageError, match=r"^cannot prepare raw cache .*raw/leaguegamelog: "):
        prepare(tmp_path / "raw", "leaguegamelog")


# ------------------------------------------------------------------------ reading


def test_read_returns_the_object_or_none_when_nothing_is_cached(tmp_path: Path) -> None:
    path = cache_path(tmp_path, "2025-26", "Regular Season", "T")
    assert read(path) is None
    body = log(game("0022500001", "2025-10-21", "OKC", "HOU", 125, 124))
    write(path, json.dumps(body))
    assert read(path) == body


DAMAGE = {
    "truncated": b'{"resultSets": [{"name": "LeagueGameLog", "headers": ["GAME_',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "binary": b"\x00\xff" * 50,
    "latin-1": '{"x": "caf\u00e9"}'.encode("latin-1"),
    "list": b"[1, 2]",
    "number": b"42",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_file_is_set_aside_with_one_warning(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = cache_path(tmp_path, "2025-26", "Regular Season", "T")
    path.parent.mkdir(parents=True)
    path.write_bytes(DAMAGE[damage])
    with caplog.at_level(logging.WARNING, logger="nba_ml.data"):
        assert read(path) is None
    assert not path.exists()
    [aside] = path.parent.iterdir()
    assert aside.read_bytes() == DAMAGE[damage]  # kept for a look, not deleted
    assert re.fullmatch(re.escape(path.name) + r"\.damaged-[0-9]{8}T[0-9]{12}Z", aside.name)
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert aside.name in warning and "fetched again" in warning and "\n" not in warning
    assert read(path) is None  # and the next read finds nothing to trust


def test_a_file_over_the_size_bound_is_set_aside_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = put(cache_path(tmp_path, "2025-26", "Regular Season", "T"), log([]))
    monkeypatch.setattr(cache, "MAX_CACHE_BYTES", 16)
    assert read(path) is None
    [aside] = path.parent.glob("*.damaged-*")
    assert json.loads(aside.read_bytes()) == log([])


def test_a_fifo_is_refused_on_one_line_without_blocking_and_left_alone(tmp_path: Path) -> None:
    path = cache_path(tmp_path, "2025-26", "Regular Season", "T")
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    outcome, message = run_in_child(read, path, seconds=10)  # type: ignore[misc]
    assert outcome == "raised" and message.startswith("StorageError: raw cache entry ")
    assert "is not a regular file (a FIFO); nba-ml did not write it and leaves it alone" in message
    assert message.endswith("remove or move it, then run again") and "\n" not in message
    assert path.is_fifo() and len(list(path.parent.iterdir())) == 1


@pytest.mark.parametrize("target", ["/dev/zero", "good.json"])
def test_a_symlink_is_refused_even_to_a_good_file(tmp_path: Path, target: str) -> None:
    good = put(tmp_path / "good.json", log([]))
    path = cache_path(tmp_path, "2025-26", "Regular Season", "T")
    path.parent.mkdir(parents=True)
    path.symlink_to(good if target == "good.json" else target)
    with pytest.raises(
        StorageError, match="is a symbolic link, not a regular file; nba-ml did not write it"
    ) as caught:
        read(path)
    assert caught.value.exit_code == 1 and path.is_symlink()


def test_another_user_s_damaged_file_is_refused_not_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cache_path(tmp_path, "2025-26", "Regular Season", "T")
    path.parent.mkdir(parents=True)
    path.write_text("not json")
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # the file is now someone else's
    with pytest.raises(
        StorageError,
        match=r"^raw cache entry .* invalid JSON .*; nba-ml did "
        r"not write it and leaves it alone",
    ):
        read(path)
    assert path.read_text() == "not json" and len(list(path.parent.iterdir())) == 1


def test_a_file_that_cannot_be_opened_is_a_storage_error(
    tmp_path: Path, deny_open: Callable[[Path], None]
) -> None:
    path = put(cache_path(tmp_path, "2025-26", "Regular Season", "T"), log([]))
    deny_open(path)
    with pytest.raises(StorageError) as caught:
        read(path)
    assert str(caught.value) == f"cannot read cache file {path}: permission denied"
    assert path.exists()


def test_set_aside_names_the_reason_and_returns_the_new_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "2025-26_regular-season_T.json"
    path.write_text("{}")
    with caplog.at_level(logging.WARNING, logger="nba_ml.data"):
        aside = set_aside(path, "holds \x1b[31mred\x1b[0m")
    assert aside.parent == tmp_path and aside.name.startswith(path.name + ".damaged-")
    assert aside.read_text() == "{}" and not path.exists()
    assert "\x1b" not in caplog.text and "\\x1b[31mred" in caplog.text
    with pytest.raises(StorageError, match="nba-ml did not write it"):
        set_aside(path, "is gone")  # nothing there: nothing of ours to move


def test_written_on_or_after_counts_chicago_days(tmp_path: Path) -> None:
    path = tmp_path / "file.json"
    path.write_text("{}")
    # 03:30 UTC on 2 March 2026 is 21:30 on 1 March in Chicago
    stamp = dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))
    assert written_on_or_after(path, dt.date(2026, 3, 1))
    assert not written_on_or_after(path, dt.date(2026, 3, 2))
    assert not written_on_or_after(tmp_path / "missing.json", dt.date(2000, 1, 1))


# ------------------------------------------------------------------------ game-log rows


def test_parse_game_date() -> None:
    assert parse_game_date("2025-10-21") == dt.date(2025, 10, 21)
    assert parse_game_date("2025-10-21T00:00:00") == dt.date(2025, 10, 21)
    with pytest.raises(TypeError, match="is not a string"):
        parse_game_date(20251021)
    with pytest.raises(ValueError):
        parse_game_date("21/10/2025")


def test_game_rows_needs_text_headers_and_a_game_date() -> None:
    body = log(game("0022500001", "2025-10-21", "OKC", "HOU", 125, 124))
    assert game_rows(body) == (HEADERS, body["resultSets"][0]["rowSet"])
    with pytest.raises(ValueError, match="missing columns GAME_DATE"):
        game_rows(response(["TEAM_ABBREVIATION", "PTS"], [["BOS", 100]]))
    with pytest.raises(ValueError, match="non-text column headers"):
        game_rows(response(["GAME_DATE", 7], [["2025-10-21", 1]]))
    with pytest.raises(ValueError, match="no resultSets"):
        game_rows({"scoreboard": {}})


def test_latest_date() -> None:
    assert latest_date(log([])) is None
    rows = [
        *game("0022500002", "2025-10-24", "BOS", "NYK", 99, 101),
        *game("0022500001", "2025-10-21", "OKC", "HOU", 125, 124),
    ]
    assert latest_date(log(rows)) == dt.date(2025, 10, 24)


def test_last_cached_game_date_reads_the_newest_season_with_rows(tmp_path: Path) -> None:
    assert last_cached_game_date(tmp_path) is None
    older = log(game("0022400001", "2025-04-13", "BOS", "NYK", 100, 90), Season="2024-25")
    put(cache_path(tmp_path, "2024-25", "Regular Season", "T"), older)
    put(cache_path(tmp_path, "2025-26", "Regular Season", "T"), log([]))  # not started
    put(tmp_path / "leaguegamelog" / "notes.json", log(game("x", "2030-01-01", "A", "B", 1, 0)))
    assert last_cached_game_date(tmp_path) == dt.date(2025, 4, 13)
    newer = log(game("0022500001", "2025-10-21", "OKC", "HOU", 125, 124))
    put(cache_path(tmp_path, "2025-26", "Playoffs", "T"), log([]))
    put(cache_path(tmp_path, "2025-26", "Regular Season", "P"), newer)
    assert last_cached_game_date(tmp_path) == dt.date(2025, 10, 21)


def test_last_cached_game_date_skips_damage_and_never_sets_it_aside(tmp_path: Path) -> None:
    team = cache_path(tmp_path, "2025-26", "Regular Season", "T")
    team.parent.mkdir(parents=True)
    team.write_text("{ not json")
    player = put(
        cache_path(tmp_path, "2025-26", "Regular Season", "P"),
        log(game("0022500001", "2025-10-21", "OKC", "HOU", 125, 124)),
    )
    os.mkfifo(cache_path(tmp_path, "2025-26", "Playoffs", "T"))
    outcome = run_in_child(last_cached_game_date, tmp_path, seconds=10)
    assert outcome == ("ok", dt.date(2025, 10, 21))  # from the player file, without blocking
    assert team.read_text() == "{ not json" and player.exists()
    assert not list(team.parent.glob("*.damaged-*"))


# ------------------------------------------------------------------------ merging a refresh


CACHED = [
    *game("0022500001", "2025-10-21", "OKC", "HOU", 125, 124),
    *game("0022500002", "2025-10-24", "BOS", "NYK", 99, 101),
    *game("0022500003", "2025-10-24", "LAL", "GSW", 110, 100),
]


def test_merge_keeps_older_rows_and_takes_the_rest_from_the_fresh_answer() -> None:
    corrected = game("0022500002", "2025-10-24", "BOS", "NYK", 99, 103)  # a late correction
    later = game("0022500004", "2025-10-25", "MIA", "ORL", 120, 111)
    # the LAL-GSW game of the 24th is no longer sent: it is gone
    fresh = log([*later, *corrected], DateFrom="10/24/2025")
    merged = merge(log(CACHED), fresh, dt.date(2025, 10, 24), "T")
    assert rows_of(merged) == [*CACHED[:2], *corrected, *later]  # by date, then game id
    assert merged["parameters"]["DateFrom"] is None  # the file holds the whole season
    assert merged["parameters"]["Season"] == "2025-26"
    assert fresh["parameters"]["DateFrom"] == "10/24/2025"  # the inputs are not changed
    assert len(rows_of(log(CACHED))) == 6


def test_merge_never_duplicates_a_row_sent_again() -> None:
    fresh = log(CACHED)  # a server that ignores DateFrom sends everything again
    merged = merge(log(CACHED), fresh, dt.date(2025, 10, 24), "T")
    assert rows_of(merged) == CACHED


def test_merge_maps_cached_columns_onto_the_fresh_headers() -> None:
    old_headers = [h for h in HEADERS if h != "WL"][::-1]  # fewer columns, another order
    old_rows = [[row[HEADERS.index(h)] for h in old_headers] for row in CACHED[:2]]
    fresh = log(game("0022500002", "2025-10-24", "BOS", "NYK", 99, 101))
    merged = merge(log(old_rows, old_headers), fresh, dt.date(2025, 10, 24), "T")
    expected_old = [[*row[:5], None, row[6]] for row in CACHED[:2]]
    assert rows_of(merged) == [*expected_old, *rows_of(fresh)]


def test_merge_keys_player_rows_by_player_and_rows_without_game_id_by_matchup() -> None:
    headers = ["PLAYER_ID", "TEAM_ABBREVIATION", "GAME_DATE", "MATCHUP", "PTS"]
    cached = [
        [1, "BOS", "2025-10-21", "BOS vs. PHI", 20],
        [2, "BOS", "2025-10-21", "BOS vs. PHI", 10],
    ]
    fresh = [[2, "BOS", "2025-10-21", "BOS vs. PHI", 12]]
    merged = merge(log(cached, headers), log(fresh, headers), dt.date(2025, 10, 21), "P")
    assert rows_of(merged) == fresh  # everything from the 21st on comes from the fresh answer
    merged = merge(log(cached, headers), log(fresh, headers), dt.date(2025, 10, 22), "P")
    assert rows_of(merged) == [cached[0], fresh[0]]  # one row per (game, player)


def test_merge_accepts_a_single_result_set() -> None:
    fresh = log(game("0022500004", "2025-10-25", "MIA", "ORL", 120, 111))
    fresh["resultSet"] = fresh.pop("resultSets")[0]
    merged = merge(log(CACHED), fresh, dt.date(2025, 10, 25), "T")
    assert "resultSet" not in merged and rows_of(merged) == [*CACHED, *rows_of(fresh)]
