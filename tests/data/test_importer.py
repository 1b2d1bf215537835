"""The importer: real exports and responses, and every kind of malformed or hostile file.

Synthetic files are written under tmp_path by the tests; the real game logs and the recorded
stats.nba.com bodies are read in place from ../shared (never copied into the repository).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nba_ml.data import importer, sources
from nba_ml.data.importer import GameData, empty_game_data, load_directory, load_files
from nba_ml.data.schema import COLUMN_DTYPES, PLAYER_GAME_COLUMNS, TEAM_GAME_COLUMNS, TEAMS
from nba_ml.errors import DataError
from tests.conftest import CASSETTES, GAMELOGS
from tests.synthetic import PLAYER_HEADER, TEAM_HEADER

needs_shared = pytest.mark.skipif(not GAMELOGS.is_dir(), reason="../shared/data not present")

# --------------------------------------------------------------------------------------------
# Builders of small, valid exports in the shared files' format (also used by the property tests)

# the shared files' headers, as tests/synthetic.py writes them
TEAM_COLUMNS, PLAYER_COLUMNS = TEAM_HEADER, PLAYER_HEADER
# (date, home, away, home points, away points, season type), deliberately not in date order
GAMES = [
    ("2019-10-23", "BOS", "PHI", 93, 107, "Regular Season"),
    ("2019-10-22", "TOR", "NOP", 130, 122, "Regular Season"),
    ("2019-10-22", "LAC", "LAL", 112, 102, "Regular Season"),
    ("2019-10-25", "LAL", "UTA", 95, 86, "Regular Season"),
    ("2020-08-20", "TOR", "BKN", 104, 99, "Playoffs"),
]
SEASON = "2019-20"
_TEAM_INDEX = {code: i for i, code in enumerate(sorted(TEAMS))}


def team_rows(games: list[tuple] = GAMES) -> list[dict[str, object]]:
    """Return one row per team per game, away side first, like a LeagueGameLog export."""
    rows = []
    for date, home, away, home_pts, away_pts, season_type in games:
        for team, other, pts, opp, at_home in (
            (away, home, away_pts, home_pts, False),
            (home, away, home_pts, away_pts, True),
        ):
            rows.append(
                {
                    "TEAM_ID": 1610612700 + _TEAM_INDEX[team],
                    "TEAM_ABBREVIATION": team,
                    "TEAM_NAME": f"The {team}",
                    "GAME_DATE": date,
                    "MATCHUP": f"{team} vs. {other}" if at_home else f"{team} @ {other}",
                    "WL": "W" if pts > opp else "L",
                    "PTS": pts,
                    "REB": 44,
                    "AST": 25,
                    "STL": 7,
                    "BLK": 5,
                    "TOV": 13,
                    "FG_PCT": 0.455,
                    "FG3_PCT": 0.35,
                    "FT_PCT": "",
                    "PLUS_MINUS": pts - opp,
                    "SEASON_TYPE": season_type,
                }
            )
    return rows


def player_rows(games: list[tuple] = GAMES) -> list[dict[str, object]]:
    """Return two players per team per game whose points add up to the team's."""
    rows = []
    for team_row in team_rows(games):
        team, pts = team_row["TEAM_ABBREVIATION"], int(team_row["PTS"])  # type: ignore[call-overload]
        for slot, share in ((1, pts // 2), (2, pts - pts // 2)):
            rows.append(
                {
                    "PLAYER_ID": 1000 + 10 * _TEAM_INDEX[team] + slot,
                    "PLAYER_NAME": f"Player {slot} of {team}",
                    "TEAM_ABBREVIATION": team,
                    "GAME_DATE": team_row["GAME_DATE"],
                    "MATCHUP": team_row["MATCHUP"],
                    "WL": team_row["WL"],
                    "MIN": 24 * slot,
                    "PTS": share,
                    "REB": slot + 3,
                    "AST": slot,
                    "STL": 1,
                    "BLK": 0,
                    "TOV": 2,
                    "FG_PCT": 0.5,
                    "FG3_PCT": "",
                    "FT_PCT": 1.0,
                    "PLUS_MINUS": team_row["PLUS_MINUS"],
                    "SEASON_TYPE": team_row["SEASON_TYPE"],
                }
            )
    return rows


def csv_text(columns: list[str], rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def write_season(directory: Path, season: str = SEASON, games: list[tuple] = GAMES) -> Path:
    write(directory / f"team_game_logs_{season}.csv", csv_text(TEAM_COLUMNS, team_rows(games)))
    write(
        directory / f"player_game_logs_{season}.csv", csv_text(PLAYER_COLUMNS, player_rows(games))
    )
    return directory


def response(headers: list[object], rows: list[object], **parameters: object) -> dict:
    """Return a stats.nba.com-shaped body."""
    return {
        "resource": "leaguegamelog",
        "parameters": parameters,
        "resultSets": [{"name": "LeagueGameLog", "headers": headers, "rowSet": rows}],
    }


# --------------------------------------------------------------------------------------------
# What every import must satisfy, and what every refusal must look like

_GAME_ID = re.compile(r"^([0-9]{8})-([A-Z]{3})-([A-Z]{3})$")


def assert_canonical(data: GameData) -> None:
    """Assert the documented invariants of GameData."""
    for frame, columns, key in (
        (data.team_games, TEAM_GAME_COLUMNS, "team"),
        (data.player_games, PLAYER_GAME_COLUMNS, "player_id"),
    ):
        assert tuple(frame.columns) == columns
        dtypes = {c: str(frame[c].dtype) for c in columns}
        assert dtypes == {c: COLUMN_DTYPES.get(c, "float64") for c in columns}
        assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
        assert not frame.duplicated(["game_id", key]).any()
        assert not frame.duplicated(["game_date", key]).any(), "two games on one day"
        assert frame["game_date"].is_monotonic_increasing
        assert set(frame["season_type"]) <= {"Regular Season", "PlayIn", "Playoffs"}
        parts = frame["game_id"].astype(object).str.extract(_GAME_ID)
        assert parts.notna().all().all(), "game_id not like YYYYMMDD-HOME-AWAY"
        assert (parts[0] == frame["game_date"].dt.strftime("%Y%m%d")).all()
        assert (parts[1] != parts[2]).all() and set(parts[1]) | set(parts[2]) <= TEAMS
        home = frame["is_home"]
        assert (frame["team"] == parts[1].where(home, parts[2])).all()
        assert (frame["opponent"] == parts[2].where(home, parts[1])).all()
        for season in frame["season"].unique():
            first, last = importer.season_window(season)
            days = frame.loc[frame["season"] == season, "game_date"]
            assert days.min().date() >= first and days.max().date() <= last, season
        assert set(frame["win"].dropna()) <= {0.0, 1.0}
        assert frame["pts"].notna().all()
    teams = data.team_games.sort_values(["game_id", "is_home"], kind="mergesort")
    pairs = teams[["pts", "opp_pts"]].to_numpy().reshape(-1, 2, 2)
    ids = teams["game_id"].to_numpy().reshape(-1, 2)
    home = teams["is_home"].to_numpy().reshape(-1, 2)
    assert (ids[:, 0] == ids[:, 1]).all() and len(set(ids[:, 0])) == len(ids)  # two rows a game
    assert (~home[:, 0] & home[:, 1]).all()  # one away, one home
    assert np.array_equal(pairs[:, 0, 1], pairs[:, 1, 0])  # opp_pts is the other side's pts
    assert np.array_equal(pairs[:, 1, 1], pairs[:, 0, 0])
    assert (data.player_games["player_id"] > 0).all()


def assert_refusal(error: BaseException, name: str) -> None:
    """Assert a refusal is a one-line DataError naming the file (or directory)."""
    assert type(error) is DataError, repr(error)
    message = str(error)
    assert len(message.splitlines()) == 1 and "\n" not in message and "\r" not in message
    assert name in message, message
    assert "internal error" not in message, message


def refused(path: Path, directory: Path | None = None) -> str:
    """Load ``directory`` (default: the file's) and return the refusal message naming ``path``."""
    with pytest.raises(DataError) as caught:
        load_directory(directory or path.parent)
    assert_refusal(caught.value, path.name)
    return str(caught.value)


# --------------------------------------------------------------------------------------------
# The real game logs and the recorded stats.nba.com responses


@pytest.fixture(scope="module")
def real() -> GameData:
    if not GAMELOGS.is_dir():
        pytest.skip("../shared/data not present")
    return load_directory(GAMELOGS)


@needs_shared
def test_real_game_logs_row_counts(real: GameData) -> None:
    counts = real.team_games.groupby(["season", "season_type"]).size().to_dict()
    assert counts == {
        ("2017-18", "Playoffs"): 164,
        ("2017-18", "Regular Season"): 2460,
        ("2018-19", "Playoffs"): 164,
        ("2018-19", "Regular Season"): 2460,
        ("2019-20", "Playoffs"): 166,
        ("2019-20", "Regular Season"): 2118,
        ("2020-21", "Playoffs"): 170,
        ("2020-21", "Regular Season"): 2160,
    }
    assert real.team_games.groupby("season").size()["2017-18"] == 2624
    assert real.player_games.groupby("season").size().to_dict() == {
        "2017-18": 27836,
        "2018-19": 27862,
        "2019-20": 24087,
        "2020-21": 24918,
    }
    assert real.team_games.groupby("season")["pts"].sum().to_dict() == {
        "2017-18": 278709.0,
        "2018-19": 291236.0,
        "2019-20": 254975.0,
        "2020-21": 260871.0,
    }
    assert real.seasons == ["2017-18", "2018-19", "2019-20", "2020-21"]
    assert real.player_games["player_id"].nunique() == 876
    assert len(real.sources) == 8


@needs_shared
def test_real_player_points_sum_to_team_points(real: GameData) -> None:
    by_team = real.player_games.groupby(["game_id", "team"])["pts"].sum()
    team = real.team_games.set_index(["game_id", "team"])["pts"]
    joined = team.to_frame("team").join(by_team.rename("players"), how="left")
    assert joined["players"].notna().all()
    assert (joined["team"] == joined["players"]).all()


@needs_shared
def test_real_records_match_the_official_ones(real: GameData) -> None:
    regular = real.team_games[real.team_games["season_type"] == "Regular Season"]
    record = regular.groupby(["season", "team"])["win"].agg(["sum", "count"])
    wins_losses = {
        key: (int(row["sum"]), int(row["count"] - row["sum"])) for key, row in record.iterrows()
    }
    assert wins_losses[("2017-18", "HOU")] == (65, 17)
    assert wins_losses[("2018-19", "MIL")] == (60, 22)
    assert wins_losses[("2019-20", "MIL")] == (56, 17)
    # the win flag agrees with the score everywhere
    assert (
        (real.team_games["pts"] > real.team_games["opp_pts"]).astype(float)
        == real.team_games["win"]
    ).all()


@needs_shared
def test_real_game_logs_satisfy_the_invariants(real: GameData) -> None:
    assert_canonical(real)
    home = real.team_games[real.team_games["is_home"]]
    assert len(home) == len(real.team_games) // 2 == real.team_games["game_id"].nunique()
    assert real.team_games["game_date"].is_monotonic_increasing


@needs_shared
def test_real_game_logs_strict_parser_gives_the_same_tables(
    real: GameData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The C-parser fast path for numbers and the value-by-value parser agree exactly."""
    monkeypatch.setattr(sources, "NUMERIC_COLUMNS", frozenset())
    strict = load_directory(GAMELOGS)
    pd.testing.assert_frame_equal(strict.team_games, real.team_games)
    pd.testing.assert_frame_equal(strict.player_games, real.player_games)


@needs_shared
def test_select_seasons(real: GameData) -> None:
    picked = real.select_seasons(["2019-20"])
    assert picked.seasons == ["2019-20"]
    assert len(picked.team_games) == 2284
    assert list(picked.team_games.index) == list(range(2284))


@needs_shared
def test_lebron_finder_keeps_regular_season_play_in_and_playoffs() -> None:
    path = CASSETTES / "leaguegamefinder_P_2544_lebron.json"
    body = json.loads(path.read_text())
    headers = body["resultSets"][0]["headers"]
    kinds = {row[headers.index("SEASON_ID")][0] for row in body["resultSets"][0]["rowSet"]}
    assert {"1", "3", "5", "6"} <= kinds  # pre-season, all-star, play-in and NBA Cup final
    data = load_files([path])
    assert data.team_games.empty
    assert_canonical(data)
    players = data.player_games
    assert players["season_type"].value_counts().to_dict() == {
        "Regular Season": 71,
        "Playoffs": 5,
        "PlayIn": 1,
    }
    assert set(players["player_id"]) == {2544} and set(players["team"]) == {"LAL"}
    assert data.seasons == ["2023-24"]
    first = players.iloc[0]
    assert first["game_id"] == "20231024-DEN-LAL" and first["pts"] == 21.0


@needs_shared
def test_leaguegamelog_response_pairs_team_rows(caplog: pytest.LogCaptureFixture) -> None:
    path = CASSETTES / "leaguegamelog_T_2025-26_regular_partial.json"
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        data = load_files([path])
    assert len(data.team_games) == 1678  # 10 rows of games whose other side is not in the body
    assert "opponent row is missing" in caplog.text
    assert_canonical(data)
    assert data.seasons == ["2025-26"]
    assert set(data.team_games["season_type"]) == {"Regular Season"}


@needs_shared
def test_full_team_season_from_the_game_finder() -> None:
    data = load_files([CASSETTES / "leaguegamefinder_T_2023-24_regular_full.json"])
    assert_canonical(data)
    assert len(data.team_games) == 2460
    assert (data.team_games.groupby("team").size() == 82).all()
    assert set(data.team_games["team"]) == TEAMS


@needs_shared
def test_player_only_data_gives_empty_team_games(tmp_path: Path) -> None:
    (tmp_path / "player_game_logs_2018-19.csv").symlink_to(
        GAMELOGS / "player_game_logs_2018-19.csv"
    )
    data = load_directory(tmp_path)
    assert data.team_games.empty and len(data.player_games) == 27862
    assert_canonical(data)


def test_cassette_of_another_endpoint_is_refused_clearly() -> None:
    if not CASSETTES.is_dir():
        pytest.skip("../shared/data not present")
    path = CASSETTES / "commonteamroster_1610612739_2025-26.json"
    with pytest.raises(DataError) as caught:
        load_files([path])
    assert_refusal(caught.value, path.name)
    assert "missing required column" in str(caught.value)


# --------------------------------------------------------------------------------------------
# Valid synthetic exports


def test_synthetic_season_imports(tmp_path: Path) -> None:
    data = load_directory(write_season(tmp_path))
    assert_canonical(data)
    assert len(data.team_games) == 10 and len(data.player_games) == 20
    assert data.team_games["game_date"].iloc[0] == pd.Timestamp("2019-10-22")  # sorted
    bos = data.team_games[(data.team_games["team"] == "BOS")].iloc[0]
    assert bos["game_id"] == "20191023-BOS-PHI" and bos["is_home"]
    assert (bos["pts"], bos["opp_pts"], bos["win"]) == (93.0, 107.0, 0.0)
    assert np.isnan(bos["ft_pct"])
    assert data.team_games["season_type"].tolist().count("Playoffs") == 2


def test_header_only_csv_is_valid_but_empty(tmp_path: Path) -> None:
    write(tmp_path / "a" / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, []))
    data = load_files([tmp_path / "a" / "team_game_logs_2019-20.csv"])
    assert data.team_games.empty and data.player_games.empty
    assert_canonical(data)
    with pytest.raises(DataError, match=r"^no game rows found in .*a$"):
        load_directory(tmp_path / "a")
    write_season(tmp_path / "a", games=GAMES[:1])  # overwrites the team file, adds players
    write(tmp_path / "a" / "team_game_logs_2018-19.csv", csv_text(TEAM_COLUMNS, []))
    assert len(load_directory(tmp_path / "a").team_games) == 2


def test_bom_and_crlf_and_cr_line_endings(tmp_path: Path) -> None:
    expected = load_directory(write_season(tmp_path / "plain"))
    for name, transform in (
        ("bom", lambda t: "\ufeff" + t),
        ("crlf", lambda t: t.replace("\n", "\r\n")),
        ("bom-crlf", lambda t: "\ufeff" + t.replace("\n", "\r\n")),
        ("cr", lambda t: t.replace("\n", "\r")),
    ):
        directory = tmp_path / name
        for path in (tmp_path / "plain").iterdir():
            write(directory / path.name, transform(path.read_text()))
        data = load_directory(directory)
        pd.testing.assert_frame_equal(data.team_games, expected.team_games)
        pd.testing.assert_frame_equal(data.player_games, expected.player_games)


def test_extra_unknown_columns_and_column_order_are_ignored(tmp_path: Path) -> None:
    expected = load_directory(write_season(tmp_path / "plain"))
    rows = [{**row, "VIDEO_AVAILABLE": 1, "NOTE": "x" * 5000} for row in team_rows()]
    columns = ["NOTE", *reversed(TEAM_COLUMNS), "VIDEO_AVAILABLE"]
    write(tmp_path / "extra" / "team_game_logs_2019-20.csv", csv_text(columns, rows))
    write(
        tmp_path / "extra" / "player_game_logs_2019-20.csv",
        (tmp_path / "plain" / "player_game_logs_2019-20.csv").read_text(),
    )
    data = load_directory(tmp_path / "extra")
    pd.testing.assert_frame_equal(data.team_games, expected.team_games)


def test_lower_case_and_padded_headers_and_values(tmp_path: Path) -> None:
    rows = [
        {
            k: (f" {v} " if k in ("MATCHUP", "TEAM_ABBREVIATION", "PTS") else v)
            for k, v in row.items()
        }
        for row in team_rows()
    ]
    text = csv_text(TEAM_COLUMNS, rows)
    header, body = text.split("\n", 1)
    write(tmp_path / "team_game_logs_2019-20.csv", header.lower() + "\n" + body)
    data = load_directory(tmp_path)
    assert_canonical(data)
    assert len(data.team_games) == 10


def test_duplicate_rows_are_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = load_directory(write_season(tmp_path / "plain"))
    write(
        tmp_path / "dup" / "team_game_logs_2019-20.csv",
        csv_text(TEAM_COLUMNS, team_rows() + team_rows()[:3]),
    )
    write(
        tmp_path / "dup" / "player_game_logs_2019-20.csv",
        csv_text(PLAYER_COLUMNS, player_rows() * 2),
    )
    # the same games again in a second file (an overlapping export) are duplicates too
    write(
        tmp_path / "dup" / "more" / "team_game_logs_2019-20.csv",
        csv_text(TEAM_COLUMNS, team_rows()[4:]),
    )
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        data = load_directory(tmp_path / "dup")
    assert "duplicate team-game rows" in caplog.text
    assert "duplicate player-game rows" in caplog.text
    pd.testing.assert_frame_equal(data.team_games, expected.team_games)
    pd.testing.assert_frame_equal(data.player_games, expected.player_games)


def test_rows_out_of_date_order_are_sorted(tmp_path: Path) -> None:
    rows = team_rows()
    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, rows[::-1]))
    data = load_directory(tmp_path)
    assert data.team_games["game_date"].is_monotonic_increasing
    assert_canonical(data)


def test_alternate_team_codes_are_mapped(tmp_path: Path) -> None:
    games = [
        ("2019-10-23", "BKN", "PHX", 110, 100, "Regular Season"),
        ("2019-10-24", "CHA", "NOP", 99, 98, "Regular Season"),
    ]
    text = csv_text(TEAM_COLUMNS, team_rows(games))
    for new, old in (("BRK", "BKN"), ("PHO", "PHX"), ("CHO", "CHA"), ("NOH", "NOP")):
        text = text.replace(old, new)
    write(tmp_path / "team_game_logs_2019-20.csv", text)
    data = load_directory(tmp_path)
    assert set(data.team_games["team"]) == {"BKN", "PHX", "CHA", "NOP"}
    assert set(data.team_games["game_id"]) == {"20191023-BKN-PHX", "20191024-CHA-NOP"}


def test_empty_wl_is_taken_from_the_score(tmp_path: Path) -> None:
    team = [{**row, "WL": ""} for row in team_rows()]
    players = [{**row, "WL": ""} for row in player_rows()]
    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team))
    write(tmp_path / "player_game_logs_2019-20.csv", csv_text(PLAYER_COLUMNS, players))
    data = load_directory(tmp_path)
    teams = data.team_games
    assert ((teams["pts"] > teams["opp_pts"]).astype(float) == teams["win"]).all()
    assert data.player_games["win"].isna().all()  # players keep what the file says


def test_excluded_season_types_are_dropped_and_play_in_is_kept(tmp_path: Path) -> None:
    rows = team_rows()
    rows[0]["SEASON_TYPE"] = rows[1]["SEASON_TYPE"] = "PlayIn"
    rows[2]["SEASON_TYPE"] = rows[3]["SEASON_TYPE"] = "Pre Season"
    rows[4]["SEASON_TYPE"] = rows[5]["SEASON_TYPE"] = "Play-In Tournament"
    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, rows))
    data = load_directory(tmp_path)
    assert len(data.team_games) == 8
    assert data.team_games.groupby("season_type").size().to_dict() == {
        "PlayIn": 4,
        "Playoffs": 2,
        "Regular Season": 2,
    }
    assert "20191023-BOS-PHI" in set(data.team_games["game_id"])


def test_season_id_decides_season_and_type(tmp_path: Path) -> None:
    rows = [{**row, "SEASON_ID": "22019"} for row in team_rows()]
    for row in rows[-2:]:
        row["SEASON_ID"] = "42019"
    rows[0]["SEASON_ID"] = rows[1]["SEASON_ID"] = "52019"  # play-in
    columns = ["SEASON_ID", *TEAM_COLUMNS[:-1]]  # no SEASON_TYPE, no season in the name
    write(tmp_path / "export.csv", csv_text(columns, rows))
    data = load_directory(tmp_path)
    assert len(data.team_games) == 10
    assert data.team_games.groupby("season_type").size().to_dict() == {
        "PlayIn": 2,
        "Playoffs": 2,
        "Regular Season": 6,
    }
    assert data.seasons == ["2019-20"]


def test_game_id_005_is_a_play_in_game(tmp_path: Path) -> None:
    """GAME_ID's type digit decides when there is no SEASON_ID (a play-in has 005...)."""
    rows = team_rows()
    for number, row in enumerate(rows):
        row["GAME_ID"] = f"00{'5' if number < 2 else '1' if number < 4 else '2'}1900{number:03d}"
    columns = ["GAME_ID", *TEAM_COLUMNS]  # SEASON_TYPE says Regular Season for every row
    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(columns, rows))
    data = load_directory(tmp_path)
    assert data.team_games.groupby("season_type").size().to_dict() == {
        "PlayIn": 2,
        "Regular Season": 6,
    }


def test_player_rows_without_team_rows_are_kept(tmp_path: Path) -> None:
    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows(GAMES[:2])))
    write(tmp_path / "player_game_logs_2019-20.csv", csv_text(PLAYER_COLUMNS, player_rows()))
    data = load_directory(tmp_path)
    assert len(data.team_games) == 4 and len(data.player_games) == 20


def test_team_row_without_its_opponent_is_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows()[1:]))
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        data = load_directory(tmp_path)
    assert len(data.team_games) == 8
    assert "1 team-game rows whose opponent row is missing" in caplog.text


def test_json_response_matches_the_csv(tmp_path: Path) -> None:
    expected = load_files([write_season(tmp_path / "csv") / "team_game_logs_2019-20.csv"])
    headers = ["SEASON_ID", *TEAM_COLUMNS[:-1], "GAME_ID"]
    rows = [
        [
            "22019" if r["SEASON_TYPE"] == "Regular Season" else "42019",
            *[None if r[c] == "" else r[c] for c in TEAM_COLUMNS[:-1]],
            "0021900001",
        ]
        for r in team_rows()
    ]
    path = write(
        tmp_path / "json" / "2019-20_regular-season_T.json",
        json.dumps(response(headers, rows, Season="2019-20")),
    )
    data = load_files([path])
    pd.testing.assert_frame_equal(data.team_games, expected.team_games)


def test_load_files_of_nothing_is_empty_with_canonical_columns() -> None:
    data = load_files([])
    assert data.team_games.empty and data.player_games.empty
    assert_canonical(data)
    assert_canonical(empty_game_data())
    assert data.seasons == []


# --------------------------------------------------------------------------------------------
# Refusals: one line, naming the file


def test_missing_required_column(tmp_path: Path) -> None:
    columns = [c for c in TEAM_COLUMNS if c != "MATCHUP"]
    path = write(tmp_path / "team_game_logs_2019-20.csv", csv_text(columns, team_rows()))
    assert refused(path) == f"{path}: missing required column MATCHUP for team game logs"
    path.unlink()
    columns = [c for c in PLAYER_COLUMNS if c != "MIN"]
    path = write(tmp_path / "player_game_logs_2019-20.csv", csv_text(columns, player_rows()))
    assert refused(path) == f"{path}: missing required column MIN for player game logs"


BAD_CELLS = [
    ("PTS", "abc", "row 3: PTS 'abc' is not a number"),
    ("PTS", "", "row 3: PTS is empty"),
    ("PTS", "nan", "PTS 'nan' is not a number"),
    ("PTS", "inf", "is out of range"),
    ("PTS", "1e308", "is out of range"),
    ("PTS", "-5", "row 3: PTS -5 is out of range"),
    ("REB", "1_000", "REB '1_000' is not a number"),
    ("FG_PCT", "45.5", "row 3: FG_PCT 45.5 is out of range"),
    ("GAME_DATE", "yesterday", "GAME_DATE 'yesterday' is not a date"),
    ("GAME_DATE", "2019-02-30", "GAME_DATE '2019-02-30' is not a date"),
    ("GAME_DATE", "", "GAME_DATE is empty"),
    ("GAME_DATE", "2021-01-05", "season 2019-20 does not match game date 2021-01-05"),
    ("GAME_DATE", "2019-06-01", "season 2019-20 does not match game date 2019-06-01"),
    ("MATCHUP", "BOS vs PHI vs NYK", "is not like 'BOS vs. PHI'"),
    ("MATCHUP", "XYZ @ BOS", "unknown team 'XYZ'"),
    ("MATCHUP", "PHI @ PHI", "a team cannot play itself"),
    ("TEAM_ABBREVIATION", "SEA2", "unknown team 'SEA2'"),
    ("TEAM_ABBREVIATION", "NYK", "TEAM_ABBREVIATION NYK does not match MATCHUP 'BOS vs. PHI'"),
    ("TEAM_ABBREVIATION", "", "row 3: TEAM_ABBREVIATION is empty"),
    ("MATCHUP", "", "row 3: MATCHUP is empty"),
    ("WL", "T", "WL 'T' is not W or L"),
    ("SEASON_TYPE", "Summer League", "unknown SEASON_TYPE 'Summer League'"),
    ("TEAM_NAME", "x" * 100_000, None),  # an ignored column may hold anything
]


@pytest.mark.parametrize(
    ("column", "value", "expected"), BAD_CELLS, ids=[f"{c}={v[:12]!r}" for c, v, _ in BAD_CELLS]
)
def test_bad_cell_in_a_team_file(
    tmp_path: Path, column: str, value: str, expected: str | None
) -> None:
    rows = team_rows()
    rows[1][column] = value
    path = write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, rows))
    if expected is None:
        assert len(load_directory(tmp_path).team_games) == 10
        return
    message = refused(path)
    assert expected in message
    assert message.startswith(f"{path}: ")


BAD_PLAYER_CELLS = [
    ("PLAYER_ID", "-3", "PLAYER_ID '-3' is not a positive integer"),
    ("PLAYER_ID", "12.5", "PLAYER_ID '12.5' is not a positive integer"),
    ("PLAYER_ID", "", "row 6: PLAYER_ID is empty"),
    ("PLAYER_NAME", "A" * 300, "PLAYER_NAME holds an oversized field (300 characters)"),
    ("MIN", "34:75", "MIN '34:75' is not a number"),
    ("MIN", "-1", "MIN -1 is out of range"),
    ("AST", "\u0661\u0662", "is not a number"),  # Arabic-Indic digits are not ASCII numbers
]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    BAD_PLAYER_CELLS,
    ids=[f"{c}={v[:12]!r}" for c, v, _ in BAD_PLAYER_CELLS],
)
def test_bad_cell_in_a_player_file(tmp_path: Path, column: str, value: str, expected: str) -> None:
    rows = player_rows()
    rows[4][column] = value
    path = write(tmp_path / "player_game_logs_2019-20.csv", csv_text(PLAYER_COLUMNS, rows))
    assert expected in refused(path)


def test_season_must_be_known(tmp_path: Path) -> None:
    path = write(tmp_path / "team_game_logs.csv", csv_text(TEAM_COLUMNS, team_rows()))
    assert "cannot tell the season" in refused(path)
    path.rename(tmp_path / "team_game_logs_2019-21.csv")  # not a season label
    assert "cannot tell the season" in refused(tmp_path / "team_game_logs_2019-21.csv")


def test_a_team_in_two_games_on_one_day(tmp_path: Path) -> None:
    games = [*GAMES, ("2019-10-23", "NYK", "PHI", 100, 90, "Regular Season")]
    path = write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows(games)))
    message = refused(path)
    assert "PHI is in two games on 2019-10-23" in message
    # the same across files: the later file is named
    write(tmp_path / "b" / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows()))
    other = write(
        tmp_path / "b" / "x_more_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows(games[-1:]))
    )
    assert "x_more_2019-20.csv: team PHI is in two games" in refused(other)


def test_a_player_in_two_games_on_one_day(tmp_path: Path) -> None:
    rows = player_rows()
    again = {**rows[0], "MATCHUP": "PHI @ NYK"}  # the same player, day and team, another game
    path = write(
        tmp_path / "player_game_logs_2019-20.csv", csv_text(PLAYER_COLUMNS, [*rows, again])
    )
    message = refused(path)
    assert f"player_id {rows[0]['PLAYER_ID']} is in two games on 2019-10-23" in message


def test_a_player_on_both_teams_of_one_game_is_refused(tmp_path: Path) -> None:
    # It used to be dropped as a "duplicate" (same game and player), keeping whichever came last.
    rows = player_rows()
    both = {**rows[0], "TEAM_ABBREVIATION": "BOS", "MATCHUP": "BOS vs. PHI"}
    path = write(tmp_path / "player_game_logs_2019-20.csv", csv_text(PLAYER_COLUMNS, [*rows, both]))
    assert refused(path) == (
        f"{path}: player_id {rows[0]['PLAYER_ID']} has two different rows for game "
        "20191023-BOS-PHI: team PHI and BOS, opponent BOS and PHI, is_home False and True"
    )


def test_one_game_with_two_scores_is_refused_naming_the_later_file(tmp_path: Path) -> None:
    write_season(tmp_path)
    corrected = {**team_rows()[0], "PTS": 109}  # PHI's 107 at BOS, exported again as 109
    later = write(
        tmp_path / "z-export" / "team_game_logs_2019-20.csv",  # read after the first
        csv_text(TEAM_COLUMNS, [corrected]),
    )
    assert refused(later, tmp_path) == (
        f"{later}: team PHI has two different rows for game 20191023-BOS-PHI: pts 107 and 109"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"  \n\n \r\n", "file is empty"),
        (b"\x00\x01\x02\x89PNG\r\n\x1a\n", "binary data"),
        (bytes(range(256)) * 8, "binary data"),
        (b"\xff\xfeT\x00E\x00A\x00M\x00", "binary data"),  # UTF-16
        ("TEAM_ABBREVIATION,GAME_DATE\nBOS,caf\u00e9\n".encode("latin-1"), "not a UTF-8 text file"),
        (b"just one line of prose", "missing required column"),
        (b'TEAM_ABBREVIATION,"GAME_DATE\nBOS,2019', "not a valid CSV file"),
        (b"a,b,c\n1,2,3\n4,5,6,7\n", "not a valid CSV file"),
        (b"a,b\n1,2,3\n", "more fields than the header"),
    ],
    ids=["empty", "blank", "png", "bytes", "utf16", "latin1", "prose", "quote", "ragged", "index"],
)
def test_unusable_csv_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = write(tmp_path / "team_game_logs_2019-20.csv", content)
    assert expected in refused(path)


def test_short_row_is_refused(tmp_path: Path) -> None:
    text = csv_text(TEAM_COLUMNS, team_rows())
    cut = text.rstrip("\n").rsplit(",", 3)[0] + "\n"  # the last row lost its last 3 fields
    path = write(tmp_path / "team_game_logs_2019-20.csv", cut)
    assert "line 11 has 14 fields, the header has 17" in refused(path)
    quoted = text.replace("The BOS", '"The, BOS"').rstrip("\n").rsplit(",", 1)[0] + "\n"
    write(path, quoted)
    assert "line 11 has 16 fields" in refused(path)


def test_duplicate_used_column_is_refused(tmp_path: Path) -> None:
    text = csv_text([*TEAM_COLUMNS, "PTS"], team_rows())
    path = write(tmp_path / "team_game_logs_2019-20.csv", text)
    assert "duplicate column PTS" in refused(path)
    header, body = csv_text(TEAM_COLUMNS, team_rows()).split("\n", 1)
    write(path, header.replace("REB", "pts") + "\n" + body)
    assert "duplicate column PTS" in refused(path)


def _json_file(tmp_path: Path, body: object, raw: str | None = None) -> Path:
    return write(
        tmp_path / "2019-20_regular-season_T.json", raw if raw is not None else json.dumps(body)
    )


_HEADERS = ["SEASON_ID", "TEAM_ABBREVIATION", "GAME_DATE", "MATCHUP", "WL", "PTS"]
_ROWS = [
    ["22019", "BOS", "2019-10-23", "BOS vs. PHI", "L", 93],
    ["22019", "PHI", "2019-10-23", "PHI @ BOS", "W", 107],
]


@pytest.mark.parametrize(
    ("body", "raw", "expected"),
    [
        ([1, 2, 3], None, "not a stats.nba.com response (a JSON list)"),
        ("resultSets", None, "not a stats.nba.com response (a JSON str)"),
        (None, "1e999", "not a stats.nba.com response (a JSON float)"),
        (None, "[" * 100_000 + "]" * 100_000, "invalid JSON"),
        (None, '{"a": ' * 50_000 + "1" + "}" * 50_000, "invalid JSON"),
        (None, "9" * 5000, "invalid JSON"),
        (None, '{"resultSets": [', "invalid JSON (Expecting value at line 1)"),
        ({"resultSets": {"headers": 1}}, None, "no result set with headers and rows"),
        ({"resultSets": "x"}, None, "no resultSets"),
        (response(_HEADERS, [*_ROWS, ["22019", "BOS"]]), None, "rowSet[2] has 2 values for 6"),
        (response(_HEADERS, [*_ROWS, "row"]), None, "rowSet[2] is not a list"),
        (
            response(_HEADERS, [[*_ROWS[0][:5], [93]], _ROWS[1]]),
            None,
            "rowSet[0]: PTS holds a JSON list, not a value",
        ),
        (response(_HEADERS, [[*_ROWS[0][:5], True], _ROWS[1]]), None, "PTS holds a JSON bool"),
        (response(_HEADERS, [[*_ROWS[0][:5], 10**4000], _ROWS[1]]), None, "rowSet[0]: PTS "),
        (response(_HEADERS, [[*_ROWS[0][:5], 10**4000], _ROWS[1]]), None, "... is out of range"),
        (response(_HEADERS, [[*_ROWS[0][:5], 1e300], _ROWS[1]]), None, "out of range"),
        (
            None,
            json.dumps(response(_HEADERS, [[*_ROWS[0][:5], float("inf")], _ROWS[1]])),
            "rowSet[0]: PTS inf is out of range",
        ),
        (
            None,
            json.dumps(response(_HEADERS, [[*_ROWS[0][:5], float("nan")], _ROWS[1]])),
            "rowSet[0]: PTS is empty",
        ),
        (
            response(_HEADERS, [["2019", *_ROWS[0][1:]], _ROWS[1]]),
            None,
            "rowSet[0]: SEASON_ID '2019' is not like 22019",
        ),
        (response(_HEADERS, [["29999", *_ROWS[0][1:]], _ROWS[1]]), None, "out of range"),
        (
            response(_HEADERS[1:], [r[1:] for r in _ROWS], Season="last year"),
            None,
            "parameters.Season 'last year' is not a season",
        ),
        (
            response(_HEADERS[1:], [r[1:] for r in _ROWS], Season=2019),
            None,
            "parameters.Season 2019 is not a season",
        ),
        (
            response(_HEADERS[1:], [r[1:] for r in _ROWS], Season="2019-20", SeasonType="Summer"),
            None,
            "unknown parameters.SeasonType 'Summer'",
        ),
        (response([*_HEADERS, "pts"], [[*r, 1] for r in _ROWS]), None, "duplicate column PTS"),
    ],
    ids=lambda v: None,
)
def test_unusable_json_files(tmp_path: Path, body: object, raw: str | None, expected: str) -> None:
    path = _json_file(tmp_path, body, raw)
    message = refused(path)
    assert expected in message, message


def test_json_values_of_any_scalar_type_are_accepted(tmp_path: Path) -> None:
    rows = [
        [22019, "BOS", "2019-10-23", "BOS vs. PHI", None, 93.0],
        [22019.0, "PHI", "2019-10-23T00:00:00", "PHI @ BOS", "W", "107"],
    ]
    data = load_directory(_json_file(tmp_path, response(_HEADERS, rows)).parent)
    assert data.team_games["win"].tolist() == [1.0, 0.0]  # PHI @ BOS sorts first (away)
    assert data.team_games["pts"].tolist() == [107.0, 93.0]


def test_json_preseason_rows_are_dropped(tmp_path: Path) -> None:
    rows = [*_ROWS, ["12019", "BOS", "2019-10-01", "BOS vs. XYZ", "W", 99]]
    data = load_directory(_json_file(tmp_path, response(_HEADERS, rows)).parent)
    assert len(data.team_games) == 2
    body = response(_HEADERS[1:], [r[1:] for r in _ROWS], Season="2019-20", SeasonType="Pre Season")
    with pytest.raises(DataError, match="no game rows found"):
        load_directory(_json_file(tmp_path, body).parent)


def test_file_name_with_a_newline_gives_a_one_line_message(tmp_path: Path) -> None:
    write(tmp_path / "team\nlogs_2019-20.csv", b"")
    with pytest.raises(DataError) as caught:
        load_directory(tmp_path)
    assert_refusal(caught.value, "team\\nlogs_2019-20.csv")


# --------------------------------------------------------------------------------------------
# The file system: missing, unreadable, special and hidden files


def test_directory_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_directory(tmp_path / "nowhere")
    assert_refusal(caught.value, "nowhere")
    assert str(caught.value) == f"{tmp_path / 'nowhere'}: no such directory"
    path = write(tmp_path / "file.csv", "x")
    with pytest.raises(DataError, match="not a directory"):
        load_directory(path)


def test_directory_without_game_log_files(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "hello")
    write(tmp_path / ".hidden.csv", "junk")
    write(tmp_path / ".cache" / "team_game_logs_2019-20.csv", "junk")
    write(tmp_path / "MANIFEST.json", "[]")
    with pytest.raises(DataError, match="no LeagueGameLog CSV or JSON files found in"):
        load_directory(tmp_path)


def test_recursive_and_flat(tmp_path: Path) -> None:
    write_season(tmp_path / "sub" / "deeper")
    assert len(load_directory(tmp_path).team_games) == 10
    with pytest.raises(DataError, match="no LeagueGameLog CSV or JSON files"):
        load_directory(tmp_path, recursive=False)


def test_symlinked_directory_loop_is_not_followed(tmp_path: Path) -> None:
    write_season(tmp_path)
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    data = load_directory(tmp_path)
    assert len(data.sources) == 2


def test_symlink_to_dev_zero_and_a_fifo_are_skipped(
    tmp_path: Path, alarm: None, caplog: pytest.LogCaptureFixture
) -> None:
    write_season(tmp_path)
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "gone.csv")
    with caplog.at_level(logging.WARNING, logger="nba_ml.data.importer"):
        data = load_directory(tmp_path)
    assert len(data.team_games) == 10 and len(data.sources) == 2
    assert "pipe.json: not a regular file" in caplog.text
    for special in ("zero.csv", "pipe.json"):
        with pytest.raises(DataError) as caught:
            load_files([tmp_path / special])
        assert_refusal(caught.value, special)
        assert "not a regular file" in str(caught.value)


def test_file_that_does_not_exist_in_load_files(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_files([tmp_path / "team_game_logs_2019-20.csv"])
    assert_refusal(caught.value, "team_game_logs_2019-20.csv")
    assert "cannot read (no such file or directory)" in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows()))
    path.chmod(0)
    try:
        assert "cannot read (permission denied)" in refused(path)
    finally:
        path.chmod(0o644)


def test_unreadable_file_simulated(tmp_path: Path, deny_open: Callable[[Path], None]) -> None:
    """The same refusal when running as root: the open itself is denied."""
    path = write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows()))
    deny_open(path)
    assert refused(path).endswith("team_game_logs_2019-20.csv: cannot read (permission denied)")


def test_memory_error_becomes_a_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows()))

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(sources, "_read_csv", exhausted)
    assert "too large to load into memory" in refused(path)


def test_team_logs_without_player_logs_are_named_before_training(
    tmp_path: Path, alarm: None
) -> None:
    """The player file is missing, or is a FIFO (skipped without blocking): one line naming the
    season, not a model library's complaint about zero samples."""
    from nba_ml.commands.train import load_training_data
    from nba_ml.config import resolve_settings

    write(tmp_path / "team_game_logs_2019-20.csv", csv_text(TEAM_COLUMNS, team_rows()))
    os.mkfifo(tmp_path / "player_game_logs_2019-20.csv")
    settings = resolve_settings(tmp_path / "data", environ={})
    with pytest.raises(DataError) as caught:
        load_training_data(settings, tmp_path, None)
    message = str(caught.value)
    assert "team game logs of 2019-20 (10 team-games) but no player game logs" in message
    assert "player_game_logs_2019-20.csv" in message and "\n" not in message
    with pytest.raises(DataError, match="not a regular file"):
        load_files([tmp_path / "player_game_logs_2019-20.csv"])
