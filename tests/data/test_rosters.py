"""data.rosters: who is likely to play for a team on a day, from the team's most recent games."""

from __future__ import annotations

import pandas as pd
import pytest

from nba_ml.data.rosters import MAX_PLAYERS, RECENT_GAMES, likely_players

COLUMNS = ["team", "player_id", "player_name", "minutes"]


def row(day: str, game: str, pid: int, team: str, minutes: float) -> dict[str, object]:
    return {
        "game_date": pd.Timestamp(day),
        "game_id": game,
        "player_id": pid,
        "player_name": f"P{pid}",
        "team": team,
        "min": minutes,
    }


def test_likely_players_come_from_the_team_s_recent_games() -> None:
    frame = pd.DataFrame(
        [
            row("2026-01-01", "g1", 1, "BOS", 30),
            row("2026-01-01", "g1", 2, "BOS", 20),
            row("2026-01-03", "g2", 1, "BOS", 34),
            row("2026-01-03", "g2", 3, "BOS", 0),
            row("2026-01-05", "g3", 2, "BOS", 25),
            row("2026-01-05", "g3", 4, "BOS", 10),
            row("2026-01-07", "g4", 1, "BOS", 36),
            row("2026-01-06", "g5", 4, "NYK", 12),  # traded: now a Knick
            row("2026-01-09", "g6", 5, "BOS", 40),  # after the day: not history
        ]
    )
    likely = likely_players(frame, ["BOS", "NYK"], pd.Timestamp("2026-01-08"))
    bos = likely[likely["team"] == "BOS"]
    assert bos["player_id"].tolist() == [1, 2]  # 3 played 0 minutes; 4 is a Knick now
    assert bos["minutes"].tolist() == pytest.approx([(34 + 36) / 3, 25 / 3], abs=0.05)
    assert likely[likely["team"] == "NYK"]["player_id"].tolist() == [4]


def test_the_defaults() -> None:
    assert (RECENT_GAMES, MAX_PLAYERS) == (3, 10)


def team_games(team: str, days: list[str], players: dict[int, list[float]]) -> list[dict]:
    """One game of ``team`` a day; ``players[pid][i]`` are pid's minutes in game i."""
    return [
        row(day, f"{team}-{i}", pid, team, minutes[i])
        for i, day in enumerate(days)
        for pid, minutes in players.items()
    ]


def test_games_on_the_day_itself_are_not_history() -> None:
    frame = pd.DataFrame(team_games("BOS", ["2026-01-01", "2026-01-02"], {1: [30, 0], 2: [0, 30]}))
    likely = likely_players(frame, ["BOS"], pd.Timestamp("2026-01-02"))
    assert likely["player_id"].tolist() == [1]
    assert likely["minutes"].tolist() == [30.0]  # one game before the day: its mean


def test_ranked_by_mean_minutes_capped_and_rounded() -> None:
    days = ["2026-01-01", "2026-01-03", "2026-01-05", "2026-01-07"]
    players = {pid: [10.0 + pid, 10.0 + pid, 10.0 + pid, 10.0 + pid] for pid in range(1, 13)}
    players[13] = [48.0, 0.0, 0.0, 0.0]  # played only the oldest of four: out of the window
    players[14] = [0.0, 0.0, 0.0, 1.0 / 3]  # one third of a minute in one of three games
    frame = pd.DataFrame(team_games("DEN", days, players))
    likely = likely_players(frame, ["DEN"], pd.Timestamp("2026-01-08"))
    assert len(likely) == MAX_PLAYERS
    assert likely["player_id"].tolist() == list(range(12, 2, -1))
    assert likely["minutes"].tolist() == [10.0 + pid for pid in range(12, 2, -1)]
    assert likely.columns.tolist() == COLUMNS
    every = likely_players(frame, ["DEN"], pd.Timestamp("2026-01-08"), max_players=20)
    assert 13 not in set(every["player_id"])
    assert every[every["player_id"] == 14]["minutes"].tolist() == [0.1]
    one_game = likely_players(
        frame, ["DEN"], pd.Timestamp("2026-01-08"), recent_games=1, max_players=20
    )
    assert set(one_game["player_id"]) == set(range(1, 13)) | {14}
    assert one_game[one_game["player_id"] == 14]["minutes"].tolist() == [0.3]


def test_equal_minutes_keep_a_stable_order() -> None:
    frame = pd.DataFrame(team_games("MIA", ["2026-01-01"], {7: [20], 3: [20], 5: [20]}))
    likely = likely_players(frame, ["MIA"], pd.Timestamp("2026-01-02"))
    assert likely["player_id"].tolist() == [3, 5, 7]  # ties by player id, the same every time


def test_a_traded_player_counts_for_his_new_team_only() -> None:
    frame = pd.DataFrame(
        [
            *team_games("PHX", ["2026-01-01", "2026-01-03"], {9: [35, 35], 8: [20, 20]}),
            row("2026-01-05", "DAL-0", 9, "DAL", 30),
        ]
    )
    likely = likely_players(frame, ["PHX", "DAL"], pd.Timestamp("2026-01-06"))
    assert likely[["team", "player_id"]].values.tolist() == [["PHX", 8], ["DAL", 9]]
    assert likely["player_name"].tolist() == ["P8", "P9"]


def test_nothing_to_go_on_gives_an_empty_table_with_the_columns() -> None:
    frame = pd.DataFrame(team_games("BOS", ["2026-01-05"], {1: [30]}))
    for teams, day in ((["BOS"], "2026-01-05"), ([], "2026-01-06"), (["TOR"], "2026-01-06")):
        likely = likely_players(frame, teams, pd.Timestamp(day))
        assert likely.empty and likely.columns.tolist() == COLUMNS
    only_zero = pd.DataFrame(team_games("BOS", ["2026-01-05"], {1: [0]}))
    assert likely_players(only_zero, ["BOS"], pd.Timestamp("2026-01-06")).empty
