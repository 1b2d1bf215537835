"""Turn LeagueGameLog exports (CSV files or raw nba_api JSON responses) into the canonical tables.

Accepted inputs, in any mix, from one directory:
- CSV files as nba_api DataFrames export them (``SEASON_ID`` present), or the column subset used by
  ``../shared/data/gamelogs`` where the season is only in the file name (``..._2019-20.csv``);
- JSON files holding a raw stats.nba.com response (``{"resource", "parameters", "resultSets"}``),
  such as nba-ml's own cache under ``raw/leaguegamelog/``.

Every refusal is a DataError whose message names the file and what is wrong with it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from nba_ml.errors import DataError
from nba_ml.schema import (
    OPTIONAL_STAT_COLUMNS,
    PLAYER_GAME_COLUMNS,
    REQUIRED_SOURCE_COLUMNS,
    SEASON_ID_TYPES,
    SEASON_TYPE_NAMES,
    TEAM_GAME_COLUMNS,
    canonical_team,
)
from nba_ml.seasons import parse_season, season_label

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

_SEASON_IN_NAME = re.compile(r"(\d{4}-\d{2})")
_MATCHUP = re.compile(r"^\s*([A-Za-z]{2,4})\s+(vs\.?|@)\s+([A-Za-z]{2,4})\s*$")
MAX_FILE_BYTES = 512 * 1024 * 1024
_MAX_FIELD_CHARS = 200


@dataclasses.dataclass
class GameData:
    """The canonical tables: ``team_games`` and ``player_games`` (see ``nba_ml.schema``)."""

    team_games: pd.DataFrame
    player_games: pd.DataFrame
    sources: list[str] = dataclasses.field(default_factory=list)

    @property
    def seasons(self) -> list[str]:
        """Return the seasons present, oldest first."""
        values = set(self.team_games["season"].unique()) | set(self.player_games["season"].unique())
        return sorted(values, key=parse_season)

    def select_seasons(self, seasons: list[str]) -> GameData:
        """Return only the rows of the given seasons."""
        keep = set(seasons)
        return GameData(
            self.team_games[self.team_games["season"].isin(keep)].reset_index(drop=True),
            self.player_games[self.player_games["season"].isin(keep)].reset_index(drop=True),
            self.sources,
        )


def empty_game_data() -> GameData:
    """Return GameData with no rows and the canonical columns."""
    import pandas as pd

    return GameData(pd.DataFrame(columns=list(TEAM_GAME_COLUMNS)),
                    pd.DataFrame(columns=list(PLAYER_GAME_COLUMNS)))


def load_directory(directory: Path, *, recursive: bool = True) -> GameData:
    """Return the canonical tables built from every CSV/JSON file under ``directory``.

    Raises DataError when the directory holds no usable file or a file is malformed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory} is not a directory")
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in directory.glob(pattern)
                   if p.is_file() and p.suffix.lower() in (".csv", ".json")
                   and not p.name.startswith(".") and p.name != "MANIFEST.json")
    frames = [_read_file(path) for path in files]
    frames = [frame for frame in frames if frame is not None]
    if not frames:
        raise DataError(f"no LeagueGameLog CSV or JSON files found in {directory}")
    return combine(frames, sources=[str(p) for p in files])


def load_files(paths: list[Path]) -> GameData:
    """Return the canonical tables built from the given files (JSON or CSV)."""
    frames = [_read_file(Path(p)) for p in paths]
    return combine([f for f in frames if f is not None], sources=[str(p) for p in paths])


@dataclasses.dataclass
class _SourceFrame:
    path: Path
    mode: str  # "T" or "P"
    frame: pd.DataFrame  # canonical columns, one mode


def _read_file(path: Path) -> _SourceFrame | None:
    """Return one file's rows in canonical form, None for an unrelated JSON, or raise DataError."""
    import pandas as pd

    try:
        size = path.stat().st_size
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise DataError(f"{path}: file too large ({size} bytes)")
    if size == 0:
        raise DataError(f"{path}: file is empty")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror})") from None
    if "\x00" in text:
        raise DataError(f"{path}: binary data, not a CSV or JSON file")
    parameters: dict = {}
    if path.suffix.lower() == ".json":
        try:
            body = json.loads(text)
        except ValueError as error:
            raise DataError(f"{path}: invalid JSON ({error.msg} at line {error.lineno})") from None
        table, parameters = _table_from_response(path, body)
    else:
        import io

        try:
            table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                na_values=[""], skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
            raise DataError(f"{path}: not a valid CSV file ({first})") from None
    table.columns = [str(c).strip().upper() for c in table.columns]
    mode = "P" if "PLAYER_ID" in table.columns else "T"
    if mode == "T" and "PLAYER_NAME" in table.columns:
        mode = "P"
    missing = [c for c in REQUIRED_SOURCE_COLUMNS[mode] if c not in table.columns]
    if missing:
        kind = "player" if mode == "P" else "team"
        raise DataError(f"{path}: missing required column {missing[0]} for {kind} game logs")
    return _SourceFrame(path, mode, _canonicalise(path, mode, table, parameters))


def _table_from_response(path: Path, body: object) -> tuple[pd.DataFrame, dict]:
    import pandas as pd

    if not isinstance(body, dict) or not isinstance(body.get("resultSets"), list):
        raise DataError(f"{path}: not a stats.nba.com response (no resultSets)")
    chosen = None
    for result in body["resultSets"]:
        if isinstance(result, dict) and isinstance(result.get("headers"), list):
            chosen = result
            if result.get("name") == "LeagueGameLog":
                break
    if chosen is None or not isinstance(chosen.get("rowSet"), list):
        raise DataError(f"{path}: response has no result set with headers and rows")
    headers = [str(h) for h in chosen["headers"]]
    rows = chosen["rowSet"]
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(headers):
            raise DataError(f"{path}: row {index} does not match the {len(headers)} headers")
    table = pd.DataFrame(rows, columns=headers, dtype=object)
    table = table.map(lambda v: None if v is None else str(v)) if len(table) else table.astype(str)
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    return table, parameters


def _season_from_name(path: Path) -> str | None:
    match = _SEASON_IN_NAME.search(path.name)
    if not match:
        return None
    label = match.group(1)
    try:
        parse_season(label)
    except Exception:  # noqa: BLE001 - a malformed label in a name is simply "no season"
        return None
    return label


def _canonicalise(path: Path, mode: str, table: pd.DataFrame, parameters: dict) -> pd.DataFrame:
    """Return canonical rows (regular season and playoffs only) or raise DataError naming the file."""
    import numpy as np
    import pandas as pd

    for column in table.columns:
        if table[column].dtype == object or str(table[column].dtype).startswith("str"):
            lengths = table[column].dropna().astype(str).str.len()
            if len(lengths) and int(lengths.max()) > _MAX_FIELD_CHARS:
                raise DataError(f"{path}: column {column} holds an oversized field")
    n = len(table)
    # Season and season type: SEASON_ID > explicit columns/parameters > file name.
    season = pd.Series([None] * n, dtype=object)
    season_type = pd.Series([None] * n, dtype=object)
    if "SEASON_ID" in table.columns:
        sid = table["SEASON_ID"].fillna("").astype(str).str.strip()
        ok = sid.str.fullmatch(r"\d{5}")
        years = pd.to_numeric(sid.str[1:].where(ok), errors="coerce")
        season = years.map(lambda y: season_label(int(y)) if pd.notna(y) else None)
        season_type = sid.str[0].map(SEASON_ID_TYPES).where(ok, None)
        # play-in (5), preseason (1), all-star (3) rows are not part of the dataset
        known_other = ok & season_type.isna()
        keep = ~known_other
        table, season, season_type = table[keep], season[keep], season_type[keep]
    fallback_season = parameters.get("Season") or _season_from_name(path)
    if season.isna().any():
        if not fallback_season:
            raise DataError(f"{path}: cannot tell the season (no SEASON_ID column and no season "
                            "like 2019-20 in the file name)")
        parse_season(str(fallback_season))
        season = season.fillna(str(fallback_season))
    if "SEASON_TYPE" in table.columns:
        declared = table["SEASON_TYPE"].fillna("").astype(str).str.strip().str.lower()
        mapped = declared.map(SEASON_TYPE_NAMES)
        unknown = declared[mapped.isna() & (declared != "")]
        known_skip = unknown.isin(["pre season", "preseason", "all star", "all-star", "playin",
                                   "play-in", "play in", "playin tournament"])
        if len(unknown) and not known_skip.all():
            bad = unknown[~known_skip].iloc[0]
            raise DataError(f"{path}: unknown SEASON_TYPE {bad!r}")
        season_type = season_type.where(season_type.notna(), mapped)
        keep = ~(declared.isin(unknown[known_skip]))
        table, season, season_type = table[keep], season[keep], season_type[keep]
    if season_type.isna().any():
        name_type = parameters.get("SeasonType") or (
            "Playoffs" if "playoff" in path.name.lower() else "Regular Season")
        name_type = SEASON_TYPE_NAMES.get(str(name_type).strip().lower())
        if name_type is None:
            raise DataError(f"{path}: unknown season type {parameters.get('SeasonType')!r}")
        season_type = season_type.fillna(name_type)
    table = table.reset_index(drop=True)
    season = season.reset_index(drop=True).astype(str)
    season_type = season_type.reset_index(drop=True).astype(str)

    out = pd.DataFrame({"season": season, "season_type": season_type})
    dates = pd.to_datetime(table["GAME_DATE"].astype(str).str.strip().str[:10],
                           format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        alt = pd.to_datetime(table["GAME_DATE"], format="mixed", errors="coerce")
        dates = dates.fillna(alt)
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(f"{path}: row {row + 2}: GAME_DATE {table['GAME_DATE'].iloc[row]!r} "
                        "is not a date")
    dates = dates.dt.normalize()
    out["game_date"] = dates
    start_years = season.map(parse_season)
    low = pd.to_datetime(start_years.astype(str) + "-08-01")
    high = pd.to_datetime((start_years + 1).astype(str) + "-10-31")
    outside = (dates < low) | (dates > high)
    if outside.any():
        row = int(np.flatnonzero(outside.to_numpy())[0])
        raise DataError(f"{path}: season {season.iloc[row]} does not match game date "
                        f"{dates.iloc[row].date()} (row {row + 2})")

    matchup = table["MATCHUP"].fillna("").astype(str).str.extract(_MATCHUP)
    if matchup[0].isna().any():
        row = int(np.flatnonzero(matchup[0].isna().to_numpy())[0])
        raise DataError(f"{path}: row {row + 2}: MATCHUP {table['MATCHUP'].iloc[row]!r} is not "
                        "like 'BOS vs. PHI' or 'PHI @ BOS'")
    own = matchup[0].map(canonical_team)
    other = matchup[2].map(canonical_team)
    listed = table["TEAM_ABBREVIATION"].fillna("").astype(str).map(canonical_team)
    for series, raw in ((own, matchup[0]), (other, matchup[2]), (listed, table["TEAM_ABBREVIATION"])):
        if series.isna().any():
            row = int(np.flatnonzero(series.isna().to_numpy())[0])
            raise DataError(f"{path}: row {row + 2}: unknown team {raw.iloc[row]!r}")
    if (listed != own).any():
        row = int(np.flatnonzero((listed != own).to_numpy())[0])
        raise DataError(f"{path}: row {row + 2}: TEAM_ABBREVIATION {listed.iloc[row]} does not "
                        f"match MATCHUP {table['MATCHUP'].iloc[row]!r}")
    if (own == other).any():
        row = int(np.flatnonzero((own == other).to_numpy())[0])
        raise DataError(f"{path}: row {row + 2}: a team cannot play itself")
    is_home = matchup[1].str.startswith("vs").to_numpy()
    out["team"] = own.to_numpy()
    out["opponent"] = other.to_numpy()
    out["is_home"] = is_home
    home = np.where(is_home, out["team"], out["opponent"])
    away = np.where(is_home, out["opponent"], out["team"])
    out["game_id"] = dates.dt.strftime("%Y%m%d").to_numpy() + "-" + home + "-" + away
    if "WL" in table.columns:
        wl = table["WL"].fillna("").astype(str).str.strip().str.upper()
        out["win"] = wl.map({"W": 1.0, "L": 0.0})
    else:
        out["win"] = np.nan

    def number(column: str, required: bool) -> pd.Series:
        if column not in table.columns:
            return pd.Series(np.nan, index=table.index)
        raw = table[column]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        if column == "MIN" and bad.any():  # "34:12" minute strings
            parts = raw.astype(str).str.extract(r"^\s*(\d+):(\d{1,2})\s*$").astype(float)
            values = values.fillna(parts[0] + parts[1] / 60.0)
            bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}: row {row + 2}: {column} {raw.iloc[row]!r} is not a number")
        if required and values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError(f"{path}: row {row + 2}: {column} is empty")
        if (values < -1000).any() or (values > 10000).any():
            row = int(np.flatnonzero(((values < -1000) | (values > 10000)).to_numpy())[0])
            raise DataError(f"{path}: row {row + 2}: {column} {raw.iloc[row]!r} is out of range")
        return values.astype(float)

    out["pts"] = number("PTS", True)
    for column in OPTIONAL_STAT_COLUMNS:
        out[column.lower()] = number(column, False)
    if mode == "P":
        ids = pd.to_numeric(table["PLAYER_ID"], errors="coerce")
        if ids.isna().any() or (ids <= 0).any() or (ids != ids.round()).any():
            bad = ids.isna() | (ids <= 0) | (ids != ids.round())
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}: row {row + 2}: PLAYER_ID {table['PLAYER_ID'].iloc[row]!r} "
                            "is not a positive integer")
        out["player_id"] = ids.astype("int64")
        out["player_name"] = table["PLAYER_NAME"].fillna("").astype(str).str.strip()
        out["min"] = number("MIN", False).fillna(0.0)
        for column in ("pts", "reb", "ast"):
            if (out[column] < 0).any():
                raise DataError(f"{path}: negative {column.upper()} value")
        return out[list(PLAYER_GAME_COLUMNS)]
    out["opp_pts"] = np.nan
    return out[list(TEAM_GAME_COLUMNS)]


def combine(frames: list[_SourceFrame], sources: list[str] | None = None) -> GameData:
    """Return GameData from per-file frames: deduplicated, paired, sorted by date."""
    import pandas as pd

    teams = [f.frame for f in frames if f.mode == "T"]
    players = [f.frame for f in frames if f.mode == "P"]
    empty = empty_game_data()
    team_games = pd.concat(teams, ignore_index=True) if teams else empty.team_games
    player_games = pd.concat(players, ignore_index=True) if players else empty.player_games
    team_games = _dedupe(team_games, ["game_id", "team"], "team")
    player_games = _dedupe(player_games, ["game_id", "player_id"], "player")
    team_games = _pair_team_games(team_games)
    team_games = team_games.sort_values(["game_date", "game_id", "is_home"],
                                        kind="mergesort").reset_index(drop=True)
    player_games = player_games.sort_values(["game_date", "game_id", "player_id"],
                                            kind="mergesort").reset_index(drop=True)
    team_games["is_home"] = team_games["is_home"].astype(bool)
    player_games["is_home"] = player_games["is_home"].astype(bool)
    player_games["player_id"] = player_games["player_id"].astype("int64")
    return GameData(team_games, player_games, sources or [])


def _dedupe(frame: pd.DataFrame, key: list[str], what: str) -> pd.DataFrame:
    before = len(frame)
    frame = frame.drop_duplicates(subset=key, keep="last")
    if len(frame) < before:
        logger.warning("dropped %d duplicate %s-game rows", before - len(frame), what)
    return frame


def _pair_team_games(team_games: pd.DataFrame) -> pd.DataFrame:
    """Fill ``opp_pts`` from the other side of each game; drop games lacking one side."""
    if team_games.empty:
        return team_games
    counts = team_games.groupby("game_id")["team"].transform("size")
    lonely = counts != 2
    if lonely.any():
        logger.warning("dropped %d team-game rows whose opponent row is missing",
                       int(lonely.sum()))
        team_games = team_games[~lonely]
    other = team_games[["game_id", "team", "pts"]].rename(
        columns={"team": "opponent", "pts": "opp_pts_other"})
    merged = team_games.drop(columns=["opp_pts"]).merge(other, on=["game_id", "opponent"],
                                                        how="left")
    merged = merged.rename(columns={"opp_pts_other": "opp_pts"})
    inconsistent = merged["opp_pts"].isna()
    if inconsistent.any():
        merged = merged[~inconsistent]
    return merged[list(TEAM_GAME_COLUMNS)]


def games_table(team_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per game: game_id, season, season_type, game_date, home, away, scores."""
    home = team_games[team_games["is_home"]]
    games = home[["game_id", "season", "season_type", "game_date", "team", "opponent", "pts",
                  "opp_pts"]].rename(columns={"team": "home", "opponent": "away",
                                              "pts": "home_pts", "opp_pts": "away_pts"})
    games = games.assign(home_win=(games["home_pts"] > games["away_pts"]).astype(float))
    return games.sort_values(["game_date", "game_id"], kind="mergesort").reset_index(drop=True)
