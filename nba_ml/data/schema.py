"""The canonical tables every source is turned into, and the columns each source must carry.

``team_games``: one row per team per game. ``player_games``: one row per player per game.
A game is keyed by ``game_id`` = ``YYYYMMDD-HOME-AWAY`` (a team plays at most once a day), so
sources with and without nba.com's GAME_ID agree.
"""

from __future__ import annotations

from typing import Any

# Columns a LeagueGameLog-style source must have (CSV export or raw JSON), by mode.
REQUIRED_SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "T": ("TEAM_ABBREVIATION", "GAME_DATE", "MATCHUP", "WL", "PTS"),
    "P": (
        "PLAYER_ID",
        "PLAYER_NAME",
        "TEAM_ABBREVIATION",
        "GAME_DATE",
        "MATCHUP",
        "MIN",
        "PTS",
        "REB",
        "AST",
    ),
}
# Box-score columns carried when present (filled with NaN when a source lacks them).
OPTIONAL_STAT_COLUMNS: tuple[str, ...] = (
    "REB",
    "AST",
    "STL",
    "BLK",
    "TOV",
    "FG_PCT",
    "FG3_PCT",
    "FT_PCT",
    "PLUS_MINUS",
)

TEAM_GAME_COLUMNS: tuple[str, ...] = (
    "season",
    "season_type",
    "game_id",
    "game_date",
    "team",
    "opponent",
    "is_home",
    "win",
    "pts",
    "opp_pts",
    "reb",
    "ast",
    "stl",
    "blk",
    "tov",
    "fg_pct",
    "fg3_pct",
    "ft_pct",
)
PLAYER_GAME_COLUMNS: tuple[str, ...] = (
    "season",
    "season_type",
    "game_id",
    "game_date",
    "player_id",
    "player_name",
    "team",
    "opponent",
    "is_home",
    "win",
    "min",
    "pts",
    "reb",
    "ast",
    "stl",
    "blk",
    "tov",
    "fg_pct",
    "fg3_pct",
    "ft_pct",
    "plus_minus",
)
# Spellings of the season types kept in the dataset (keys compared lower-case, blanks folded);
# the values are the canonical ``season_type`` values, which are also nba_api's SeasonType.
SEASON_TYPE_NAMES: dict[str, str] = {
    "regular season": "Regular Season",
    "regular": "Regular Season",
    "playoffs": "Playoffs",
    "playoff": "Playoffs",
    "playin": "PlayIn",
    "play-in": "PlayIn",
    "play in": "PlayIn",
    "playin tournament": "PlayIn",
    "play-in tournament": "PlayIn",
}
# The type digit of nba.com ids: SEASON_ID's first digit ("52019") and GAME_ID's third
# ("0052000101").
SEASON_ID_TYPES: dict[str, str] = {"2": "Regular Season", "4": "Playoffs", "5": "PlayIn"}
# Season types that exist upstream but are not part of the dataset (their rows are dropped).
EXCLUDED_SEASON_ID_TYPES: dict[str, str] = {
    "1": "Pre Season",
    "3": "All Star",
    "6": "NBA Cup final",
}
EXCLUDED_SEASON_TYPES: frozenset[str] = frozenset(
    {
        "pre season",
        "preseason",
        "all star",
        "all-star",
        "allstar",
        "ist",
        "in-season tournament",
        "nba cup",
    }
)

# The dtype of every canonical column (a column not listed here is float64).
COLUMN_DTYPES: dict[str, str] = {
    "season": "str",
    "season_type": "str",
    "game_id": "str",
    "game_date": "datetime64[us]",
    "team": "str",
    "opponent": "str",
    "is_home": "bool",
    "player_id": "int64",
    "player_name": "str",
}

# The 30 current franchises' nba_api abbreviations, and historical/alternate codes mapped onto them.
TEAMS: frozenset[str] = frozenset(
    {
        "ATL",
        "BOS",
        "BKN",
        "CHA",
        "CHI",
        "CLE",
        "DAL",
        "DEN",
        "DET",
        "GSW",
        "HOU",
        "IND",
        "LAC",
        "LAL",
        "MEM",
        "MIA",
        "MIL",
        "MIN",
        "NOP",
        "NYK",
        "OKC",
        "ORL",
        "PHI",
        "PHX",
        "POR",
        "SAC",
        "SAS",
        "TOR",
        "UTA",
        "WAS",
    }
)
TEAM_ALIASES: dict[str, str] = {
    "BRK": "BKN",
    "NJN": "BKN",
    "CHO": "CHA",
    "CHH": "CHA",
    "PHO": "PHX",
    "NOH": "NOP",
    "NOK": "NOP",
    "SEA": "OKC",
    "VAN": "MEM",
    "WSB": "WAS",
    "GOS": "GSW",
    "SAN": "SAS",
    "UTH": "UTA",
    "NYN": "NYK",
}


def canonical_team(code: str) -> str | None:
    """Return the nba_api abbreviation for a team code, or None when it is not an NBA team."""
    code = str(code).strip().upper()
    code = TEAM_ALIASES.get(code, code)
    return code if code in TEAMS else None


def make_game_id(ymd: Any, home: Any, away: Any) -> Any:
    """Return the canonical game key ``YYYYMMDD-HOME-AWAY``: the one place it is built.

    ``ymd`` is the date as ``YYYYMMDD`` or ISO ``YYYY-MM-DD`` text; the arguments may be strings
    or numpy string/object arrays of equal length (element-wise, for the importer).
    """
    if isinstance(ymd, str):
        return f"{ymd.replace('-', '')[:8]}-{home}-{away}"
    return ymd + "-" + home + "-" + away


def result_set(body: object, *, name: str | None = None) -> tuple[list[Any], list[Any]]:
    """Return ``(headers, rows)`` of the game-log result set of a stats.nba.com response.

    The ONE reader of the ``resultSets`` wire format (the collector validates responses with
    it, the importer reads files with it). The set chosen is the first whose headers hold the
    required columns of team or player logs, else the one called ``name``, else the first.
    Raises ValueError with a short reason (no set, rows that are not lists or do not match the
    headers); header names are returned as sent.
    """
    if not isinstance(body, dict):
        raise ValueError(f"not a stats.nba.com response (a JSON {type(body).__name__})")
    sets = body.get("resultSets", body.get("resultSet"))
    if isinstance(sets, dict):
        sets = [sets]
    if not isinstance(sets, list):
        raise ValueError("not a stats.nba.com response (no resultSets)")
    candidates = [
        s
        for s in sets
        if isinstance(s, dict)
        and isinstance(s.get("headers"), list)
        and isinstance(s.get("rowSet"), list)
    ]
    if not candidates:
        raise ValueError("response has no result set with headers and rows")
    chosen = next((s for s in candidates if s.get("name") == name), candidates[0])
    for candidate in candidates:
        headers = {str(h).strip().upper() for h in candidate["headers"]}
        if any(set(columns) <= headers for columns in REQUIRED_SOURCE_COLUMNS.values()):
            chosen = candidate
            break
    headers, rows = chosen["headers"], chosen["rowSet"]
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise ValueError(f"rowSet[{index}] is not a list")
        if len(row) != len(headers):
            raise ValueError(f"rowSet[{index}] has {len(row)} values for {len(headers)} headers")
    return headers, rows
