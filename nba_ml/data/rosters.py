"""Who is likely to play for a team on a day: the players of its most recent games.

A player is likely to play for a team when he played (any minutes) in at least one of the team's
``RECENT_GAMES`` (3) last games before the day and his latest game was for that team (a traded
player counts for his new team only). They are ranked by their mean minutes in those games
(a game missed counts 0), at most ``MAX_PLAYERS`` (10) per team.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

RECENT_GAMES = 3
MAX_PLAYERS = 10


def likely_players(
    player_games: pd.DataFrame,
    teams: list[str],
    day: pd.Timestamp,
    *,
    recent_games: int = RECENT_GAMES,
    max_players: int = MAX_PLAYERS,
) -> pd.DataFrame:
    """Return ``team, player_id, player_name, minutes`` of each team's likely players on
    ``day`` (canonical ``player_games`` as input; only games before ``day`` count), ranked by
    ``minutes`` (their mean over the team's recent games) within each team."""
    import pandas as pd

    columns = ["team", "player_id", "player_name", "minutes"]
    before = player_games[player_games["game_date"] < day]
    if before.empty or not teams:
        return pd.DataFrame(columns=columns)
    latest = (
        before.sort_values("game_date", kind="mergesort")
        .drop_duplicates("player_id", keep="last")
        .set_index("player_id")
    )
    parts = []
    for team in teams:
        rows = before[before["team"] == team]
        games = rows.drop_duplicates("game_id").nlargest(recent_games, "game_date")["game_id"]
        recent = rows[rows["game_id"].isin(set(games)) & (rows["min"] > 0)]
        recent = recent[latest.loc[recent["player_id"], "team"].to_numpy() == team]
        if recent.empty:
            continue
        minutes = recent.groupby("player_id")["min"].sum() / max(len(games), 1)
        ranked = minutes.sort_values(ascending=False, kind="mergesort").head(max_players)
        parts.append(
            pd.DataFrame(
                {
                    "team": team,
                    "player_id": ranked.index.to_numpy(),
                    "player_name": latest.loc[ranked.index, "player_name"].astype(str).to_numpy(),
                    "minutes": ranked.round(1).to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
