"""The canonical tables every source is turned into, and the columns each source must carry.

``team_games``: one row per team per game. ``player_games``: one row per player per game.
A game is keyed by ``game_id`` = ``YYYYMMDD-HOME-AWAY`` (a team plays at most once a day), so
sources with and without nba.com's GAME_ID agree.
"""

from __future__ import annotations

# Columns a LeagueGameLog-style source must have (CSV export or raw JSON), by mode.
REQUIRED_SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "T": ("TEAM_ABBREVIATION", "GAME_DATE", "MATCHUP", "WL", "PTS"),
    "P": ("PLAYER_ID", "PLAYER_NAME", "TEAM_ABBREVIATION", "GAME_DATE", "MATCHUP", "MIN",
          "PTS", "REB", "AST"),
}
# Box-score columns carried when present (filled with NaN when a source lacks them).
OPTIONAL_STAT_COLUMNS: tuple[str, ...] = (
    "REB", "AST", "STL", "BLK", "TOV", "FG_PCT", "FG3_PCT", "FT_PCT", "PLUS_MINUS",
)

TEAM_GAME_COLUMNS: tuple[str, ...] = (
    "season", "season_type", "game_id", "game_date", "team", "opponent", "is_home", "win",
    "pts", "opp_pts", "reb", "ast", "stl", "blk", "tov", "fg_pct", "fg3_pct", "ft_pct",
)
PLAYER_GAME_COLUMNS: tuple[str, ...] = (
    "season", "season_type", "game_id", "game_date", "player_id", "player_name", "team",
    "opponent", "is_home", "win", "min", "pts", "reb", "ast", "stl", "blk", "tov", "fg_pct",
    "fg3_pct", "ft_pct", "plus_minus",
)
SEASON_TYPE_NAMES: dict[str, str] = {
    "regular season": "Regular Season",
    "regular": "Regular Season",
    "playoffs": "Playoffs",
    "playoff": "Playoffs",
}
# SEASON_ID's first digit in nba.com responses.
SEASON_ID_TYPES: dict[str, str] = {"2": "Regular Season", "4": "Playoffs"}
# Season types that exist upstream but are not part of the dataset (their rows are dropped).
EXCLUDED_SEASON_ID_TYPES: dict[str, str] = {
    "1": "Pre Season", "3": "All Star", "5": "PlayIn", "6": "NBA Cup final",
}
EXCLUDED_SEASON_TYPES: frozenset[str] = frozenset({
    "pre season", "preseason", "all star", "all-star", "allstar", "playin", "play-in", "play in",
    "playin tournament", "play-in tournament", "ist", "in-season tournament", "nba cup",
})

# The dtype of every canonical column (a column not listed here is float64).
COLUMN_DTYPES: dict[str, str] = {
    "season": "str", "season_type": "str", "game_id": "str", "game_date": "datetime64[us]",
    "team": "str", "opponent": "str", "is_home": "bool", "player_id": "int64",
    "player_name": "str",
}

# The 30 current franchises' nba_api abbreviations, and historical/alternate codes mapped onto them.
TEAMS: frozenset[str] = frozenset({
    "ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW", "HOU", "IND", "LAC",
    "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK", "OKC", "ORL", "PHI", "PHX", "POR", "SAC",
    "SAS", "TOR", "UTA", "WAS",
})
TEAM_ALIASES: dict[str, str] = {
    "BRK": "BKN", "NJN": "BKN", "CHO": "CHA", "CHH": "CHA", "PHO": "PHX", "NOH": "NOP",
    "NOK": "NOP", "SEA": "OKC", "VAN": "MEM", "WSB": "WAS", "GOS": "GSW", "SAN": "SAS",
    "UTH": "UTA", "NYN": "NYK",
}


def canonical_team(code: str) -> str | None:
    """Return the nba_api abbreviation for a team code, or None when it is not an NBA team."""
    code = str(code).strip().upper()
    code = TEAM_ALIASES.get(code, code)
    return code if code in TEAMS else None


def make_game_id(game_date: str, home: str, away: str) -> str:
    """Return the canonical game key ``YYYYMMDD-HOME-AWAY`` from an ISO date and two teams."""
    return f"{game_date.replace('-', '')[:8]}-{home}-{away}"
