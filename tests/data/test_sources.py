"""data.sources: finding game-log files, reading them without blocking and within bounds, and
turning a CSV export or a raw stats.nba.com JSON file into a table of raw values.

Every file is written here (tmp_path): no ../shared needed.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nba_ml.data import sources
from nba_ml.data.sources import (
    Table,
    fallback_season,
    fallback_season_type,
    find_files,
    read_bytes,
    read_table,
    season_from_name,
)
from nba_ml.errors import DataError
from tests.conftest import run_in_child


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def refusal(call: Any, *args: Any) -> str:
    """Return the one-line DataError message of ``call(*args)``."""
    with pytest.raises(DataError) as caught:
        call(*args)
    message = str(caught.value)
    assert type(caught.value) is DataError and "\n" not in message and caught.value.exit_code == 1
    return message


def body(headers: list[Any], rows: list[Any], parameters: Any = None) -> str:
    return json.dumps(
        {
            "resource": "leaguegamelog",
            "parameters": parameters or {},
            "resultSets": [{"name": "LeagueGameLog", "headers": headers, "rowSet": rows}],
        }
    )


# ------------------------------------------------------------------------ finding files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A directory with game-log files among things that are not."""
    for name in (
        "a.csv",
        "B.CSV",
        "c.json",
        "sub/e.csv",
        "sub/deeper/f.JSON",
        "notes.txt",
        "MANIFEST.json",
        ".hidden.csv",
        ".cache/g.csv",
        "sub/.h/i.csv",
        "csv",
        "archive.csv.gz",
    ):
        write(tmp_path / name, "x")
    (tmp_path / "link.csv").symlink_to(tmp_path / "a.csv")  # a link to a file: followed
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)  # to a directory: not
    return tmp_path


def test_find_files_walks_the_tree_in_a_stable_order(tree: Path) -> None:
    found = [p.relative_to(tree).as_posix() for p in find_files(tree, recursive=True)]
    assert found == ["B.CSV", "a.csv", "c.json", "link.csv", "sub/deeper/f.JSON", "sub/e.csv"]
    assert all(p.parent == tree or tree in p.parents for p in find_files(tree, recursive=True))


def test_find_files_without_recursion(tree: Path) -> None:
    assert [p.name for p in find_files(tree, recursive=False)] == [
        "B.CSV",
        "a.csv",
        "c.json",
        "link.csv",
    ]
    assert find_files(tree / "sub" / "deeper", recursive=False) == [tree / "sub/deeper/f.JSON"]


def test_special_files_are_skipped_with_a_warning_and_never_opened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "a.csv", "x")
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "gone.csv")
    os.mkfifo(tmp_path / "pipe.txt")  # not a candidate: not even mentioned
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        outcome = run_in_child(find_files, tmp_path, True, seconds=10)
        assert outcome == ("ok", [tmp_path / "a.csv"])
        find_files(tmp_path, True)
    assert sorted(caplog.messages) == [
        f"skipping {tmp_path / name}: not a regular file"
        for name in ("dangling.csv", "pipe.json", "zero.csv")
    ]


def test_a_candidate_that_cannot_even_be_stat_ed_is_skipped_with_a_warning_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A symlink loop (or a target under a directory that cannot be searched) made is_file
    # raise, and the file was dropped without a word: a whole season could vanish silently.
    write(tmp_path / "a.csv", "x")
    (tmp_path / "loop.csv").symlink_to("loop.csv")
    (tmp_path / "loop.txt").symlink_to("loop.txt")  # not a candidate: not even mentioned
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        assert find_files(tmp_path, True) == [tmp_path / "a.csv"]
    assert caplog.messages == [
        f"skipping {tmp_path / 'loop.csv'}: too many levels of symbolic links"
    ]


def test_a_directory_that_cannot_be_listed_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "team_game_logs_2019-20.csv", "x")
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def deny(path: Any) -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(sources.os, "scandir", deny)
    assert find_files(tmp_path, recursive=False) == [tmp_path / "team_game_logs_2019-20.csv"]
    assert refusal(find_files, tmp_path, True) == (
        f"{tmp_path / 'locked'}: cannot list directory (permission denied)"
    )


def test_a_name_with_a_newline_is_escaped_in_the_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    os.mkfifo(tmp_path / "bad\nname.csv")
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        assert find_files(tmp_path, True) == []
    assert caplog.messages == [f"skipping {tmp_path}/bad\\nname.csv: not a regular file"]


# ------------------------------------------------------------------------ reading bytes


def test_read_bytes_follows_a_link_to_a_regular_file(tmp_path: Path) -> None:
    target = write(tmp_path / "real.csv", "PTS\n1\n")
    (tmp_path / "link.csv").symlink_to(target)
    assert read_bytes(tmp_path / "link.csv") == b"PTS\n1\n"


def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    (tmp_path / "dir.csv").mkdir()
    for name, kind in (
        ("pipe.csv", "a FIFO"),
        ("zero.csv", "a character device"),
        ("dir.csv", "a directory"),
    ):
        outcome = run_in_child(read_bytes, tmp_path / name, seconds=10)
        assert outcome == ("raised", f"DataError: {tmp_path / name}: not a regular file ({kind})")


def test_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "team_game_logs_2019-20.csv", "x" * 101)
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 100)
    assert refusal(read_bytes, path) == f"{path}: too large (101 bytes; at most 100)"
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 101)
    assert read_bytes(path) == b"x" * 101


def test_a_missing_or_unreadable_file(tmp_path: Path, deny_open: Callable[[Path], None]) -> None:
    path = tmp_path / "team_game_logs_2019-20.csv"
    assert refusal(read_bytes, path) == f"{path}: cannot read (no such file or directory)"
    write(path, "x")
    deny_open(path)
    assert refusal(read_bytes, path) == f"{path}: cannot read (permission denied)"


# ------------------------------------------------------------------------ CSV tables


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty"),
        (b" \n\r\n\t", "file is empty"),
        (b"PTS\n1\x00\n", "binary data, not a CSV or JSON file"),
        ("PTS,NOTE\n1,caf\u00e9\n".encode("latin-1"), "not a UTF-8 text file"),
        (b"\xff\xfeP\x00T\x00S\x00", "binary data, not a CSV or JSON file"),
        (b'PTS,"NOTE\n1,2', "not a valid CSV file ("),
        (b"a,b\n1,2,3\n", "a row has more fields than the header"),
        (b"PTS,MIN,REB\n1,2,3\n4,5\n", "line 3 has 2 fields, the header has 3"),
        (b"PTS,REB,pts\n1,2,3\n", "duplicate column PTS"),
        (b"PTS,PTS.1\n1,2\n", "duplicate column PTS"),
    ],
)
def test_unusable_csv_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = write(tmp_path / "t.csv", content)
    assert refusal(read_table, path).startswith(f"{path}: {reason}")


def test_a_csv_table_keeps_the_used_columns_and_every_name(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.csv", "\ufeff pts ,Team_Abbreviation,NOTE,NOTE\n93, BOS,x,y\n107,PHI,,z\n"
    )
    table = read_table(path)
    assert table.names == ["PTS", "TEAM_ABBREVIATION", "NOTE", "NOTE.1"]  # BOM gone
    assert set(table.columns) == {"PTS", "TEAM_ABBREVIATION"}
    assert table.columns["PTS"].dtype == np.float64  # read_csv's fast path for plain numbers
    assert table.columns["PTS"].tolist() == [93.0, 107.0]
    assert table.columns["TEAM_ABBREVIATION"].tolist() == ["BOS", "PHI"]
    assert not table.is_json and len(table) == 2 and table.parameters == {}
    assert [table.where(0), table.where(1)] == ["row 2", "row 3"]  # the header is row 1


def test_an_odd_number_sends_the_file_through_the_strict_parser(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "t.csv", "MIN,PTS,FG_PCT\n34:12,20,\n7:30,abc,0.5\n"))
    for name in ("MIN", "PTS", "FG_PCT"):
        assert table.columns[name].dtype == object  # every value as sent, parsed later
    assert table.columns["MIN"].tolist() == ["34:12", "7:30"]
    assert table.columns["PTS"].tolist() == ["20", "abc"]
    empty, half = table.columns["FG_PCT"]
    assert isinstance(empty, float) and math.isnan(empty) and half == "0.5"


def test_line_endings_and_quoting_do_not_change_the_table(tmp_path: Path) -> None:
    plain = read_table(write(tmp_path / "a.csv", "PTS,TEAM_NAME\n93,The BOS\n107,The PHI\n"))
    for name, text in (
        ("crlf.csv", "PTS,TEAM_NAME\r\n93,The BOS\r\n107,The PHI\r\n"),
        ("cr.csv", "PTS,TEAM_NAME\r93,The BOS\r107,The PHI\r"),
        ("quoted.csv", 'PTS,TEAM_NAME\n93,"The BOS"\n"107",The PHI\n'),
    ):
        table = read_table(write(tmp_path / name, text))
        assert table.columns["PTS"].astype(float).tolist() == [93.0, 107.0], name
        assert table.names == plain.names


def test_table_keep_filters_rows_and_remembers_where_they_were(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "t.csv", "PTS\n1\n2\n3\n"))
    table.keep(np.array([False, True, True]))
    assert table.columns["PTS"].tolist() == [2.0, 3.0] and table.where(0) == "row 3"
    assert str(table.row_error(1, "bad")) == f"{tmp_path / 't.csv'}: row 4: bad"
    table.keep(np.array([True, True]))
    assert len(table) == 2


# ------------------------------------------------------------------------ JSON tables


def test_a_json_table(tmp_path: Path) -> None:
    headers = ["SEASON_ID", "team_abbreviation", "PTS", "VIDEO_AVAILABLE", "EXTRA"]
    rows = [[22019, "BOS", 93, 1, {"any": ["thing"]}], ["22019", "PHI", None, 0, None]]
    path = write(tmp_path / "t.JSON", body(headers, rows, {"Season": "2019-20"}))
    table = read_table(path)
    assert table.is_json and table.parameters == {"Season": "2019-20"}
    assert table.names == ["SEASON_ID", "TEAM_ABBREVIATION", "PTS", "VIDEO_AVAILABLE", "EXTRA"]
    assert set(table.columns) == {"SEASON_ID", "TEAM_ABBREVIATION", "PTS"}
    assert table.columns["SEASON_ID"].tolist() == [22019, "22019"]  # values as sent
    assert table.columns["PTS"].dtype == object and table.columns["PTS"].tolist() == [93, None]
    assert table.where(1) == "rowSet[1]"


def test_parameters_that_are_not_an_object_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", body(["PTS"], [[1]], ["Season", "2019-20"]))
    assert read_table(path).parameters == {}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100 + "]" * 100, "invalid JSON (nested deeper than 64 levels)"),
        ('{"resultSets": [', "invalid JSON (Expecting value at line 1)"),
        ('{"a": 1}\n{"b": 2}', "invalid JSON (Extra data at line 2)"),
        ("[1, 2]", "not a stats.nba.com response (a JSON list)"),
        ('{"resultSets": []}', "response has no result set with headers and rows"),
        (body(["PTS"], [[[93]]]), "rowSet[0]: PTS holds a JSON list, not a value"),
        (
            body(["PTS", "REB"], [[1, 2], [3, {"n": 4}]]),
            "rowSet[1]: REB holds a JSON dict, not a value",
        ),
        (body(["PTS"], [[True]]), "rowSet[0]: PTS holds a JSON bool, not a value"),
        (body(["PTS", "pts"], [[1, 2]]), "duplicate column PTS"),
        (body(["PTS"], [[1, 2]]), "rowSet[0] has 2 values for 1 headers"),
    ],
)
def test_unusable_json_files(tmp_path: Path, text: str, reason: str) -> None:
    path = write(tmp_path / "t.json", text)
    assert refusal(read_table, path) == f"{path}: {reason}"


# ------------------------------------------------------------------------ season and type


@pytest.mark.parametrize(
    ("name", "season"),
    [
        ("team_game_logs_2019-20.csv", "2019-20"),
        ("2019-20_regular-season_T.json", "2019-20"),
        ("x2019-20.csv", "2019-20"),
        ("x_2019-20_2020-21.csv", "2019-20"),
        ("2021-01-05_2020-21.csv", "2020-21"),  # "2021-01" is a date, not a season
        ("2021-01-05_export.csv", None),
        ("12019-20.csv", None),
        ("2019-201.csv", None),
        ("2019-21.csv", None),
        ("team_game_logs.csv", None),
    ],
)
def test_season_from_name(name: str, season: str | None) -> None:
    assert season_from_name(Path(name)) == season


def json_table(path: Path, parameters: dict[str, Any]) -> Table:
    return read_table(write(path, body(["PTS"], [[1]], parameters)))


def test_fallback_season_from_the_parameters_then_the_name(tmp_path: Path) -> None:
    assert fallback_season(json_table(tmp_path / "x.json", {"Season": " 2019-20 "})) == "2019-20"
    assert fallback_season(json_table(tmp_path / "x.json", {"SeasonYear": "2018-19"})) == "2018-19"
    named = json_table(tmp_path / "logs_2017-18.json", {"Season": ""})
    assert fallback_season(named) == "2017-18"
    assert fallback_season(json_table(tmp_path / "x.json", {})) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("last year", "'last year'"),
        (2019, "2019"),
        ("2019-2020", "'2019-2020'"),
        ([1], "[1]"),
        # read as 2019 by int(), but not the label 2019-20
        ("\u0662\u0660\u0661\u0669-\u0662\u0660", "'\u0662\u0660\u0661\u0669-\u0662\u0660'"),
    ],
)
def test_a_bad_season_parameter_is_refused(tmp_path: Path, value: Any, shown: str) -> None:
    table = json_table(tmp_path / "logs_2019-20.json", {"Season": value})
    assert refusal(fallback_season, table) == (
        f"{table.path}: parameters.Season {shown} is not a season like 2019-20"
    )


@pytest.mark.parametrize(
    ("name", "parameters", "season_type"),
    [
        ("x.json", {"SeasonType": "Playoffs"}, "Playoffs"),
        ("x.json", {"SeasonType": "play-in"}, "PlayIn"),
        ("x.json", {"SeasonType": "Pre Season"}, "drop"),  # its rows are dropped
        ("2019-20_playoffs_T.json", {}, "Playoffs"),
        ("2020-21_playin_P.json", {"SeasonType": ""}, "PlayIn"),
        ("team_play-in_2020-21.json", {}, "PlayIn"),
        ("x.json", {}, "Regular Season"),
    ],
)
def test_fallback_season_type(
    tmp_path: Path, name: str, parameters: dict[str, Any], season_type: str
) -> None:
    assert fallback_season_type(json_table(tmp_path / name, parameters)) == season_type


def test_an_unknown_season_type_parameter_is_refused(tmp_path: Path) -> None:
    table = json_table(tmp_path / "playoffs.json", {"SeasonType": "Summer"})
    assert refusal(fallback_season_type, table) == (
        f"{table.path}: unknown parameters.SeasonType 'Summer'"
    )


def test_only_game_logs_are_taken_from_a_directory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a directory above the game logs once failed on FiveThirtyEight's Elo table
    from nba_ml.data.sources import game_log_files, is_game_log

    (tmp_path / "elo").mkdir()
    elo = tmp_path / "elo" / "nba_elo_latest.csv"
    elo.write_text("date,season,team1,team2\n2020-12-22,2021,BKN,GSW\n")
    finder = tmp_path / "finder.json"  # any name, with the game-log column
    finder.write_text(
        '{"resultSets": [{"name": "X", "headers": ["MATCHUP", "GAME_DATE"], '
        '"rowSet": [["BOS vs. PHI", "2019-10-22"]]}]}'
    )
    named = tmp_path / "team_game_logs_2019-20.csv"  # named as one: refused later if it is not
    named.write_text("just prose\n")
    notes = tmp_path / "notes.json"
    notes.write_text("{not json")
    seasoned = tmp_path / "2019-20_T.json"  # a season in its name: refused later, with why
    seasoned.write_text("{not json")
    with caplog.at_level("WARNING"):
        assert game_log_files(tmp_path) == [seasoned, finder, named]
    assert not is_game_log(elo)
    assert f"skipping {elo}: not a game-log file (no MATCHUP column)" in caplog.text
    assert f"skipping {notes}: not a game-log file (invalid JSON" in caplog.text
