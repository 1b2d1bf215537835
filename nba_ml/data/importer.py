"""Turn game-log sources (CSV exports or raw nba_api JSON responses) into the canonical tables.

Accepted inputs, in any mix, from one directory:
- CSV files as nba_api DataFrames export them (``SEASON_ID`` present), or the column subset used by
  ``../shared/data/gamelogs`` where the season is only in the file name (``..._2019-20.csv``);
- JSON files holding a raw stats.nba.com response (``{"resource", "parameters", "resultSets"}``),
  such as nba-ml's own cache under ``raw/leaguegamelog/``.

Regular-season, play-in and playoff rows are kept; the season type of a row comes from its
SEASON_ID digit, else its GAME_ID ("005..." is a play-in game), else a SEASON_TYPE column, else
the response's parameters, else the file name. Pre-season, all-star and NBA Cup final rows are
dropped. Identical rows are dropped with a warning (two different rows of a team or player in one
game are refused), rows are sorted by date, team codes are mapped onto nba_api's (BRK -> BKN,
...), and team rows whose opponent row is missing are dropped (player rows are kept).

Every refusal is a DataError with a one-line message that names the file and what is wrong with
it. Reading files is :mod:`nba_ml.data.sources`, parsing values :mod:`nba_ml.data.values`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.data import sources
from nba_ml.data.schema import (
    COLUMN_DTYPES,
    OPTIONAL_STAT_COLUMNS,
    PLAYER_GAME_COLUMNS,
    REQUIRED_SOURCE_COLUMNS,
    TEAM_GAME_COLUMNS,
    make_game_id,
)
from nba_ml.data.seasons import parse_season, season_finished_on
from nba_ml.data.sources import Table
from nba_ml.data.values import (
    DROP,
    column_map,
    error_for,
    number_text,
    numbers,
    parse_date,
    parse_game_id_type,
    parse_matchup,
    parse_name,
    parse_player_id,
    parse_season_id,
    parse_season_type,
    parse_team,
    parse_wl,
    reason,
    show,
    take,
)
from nba_ml.errors import DataError
from nba_ml.state.files import safe_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

# A season starting in year Y has games from this day of Y up to the day before it counts as
# finished (seasons.season_finished_on: 1 November of Y+1; the 2019-20 bubble finished on
# 2020-10-11; 2020-21 started on 2020-12-22).
SEASON_FIRST_DAY = (8, 1)


@dataclasses.dataclass
class GameData:
    """The canonical tables: ``team_games`` and ``player_games`` (see ``nba_ml.data.schema``)."""

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


def canonical_table(columns: tuple[str, ...], values: dict[str, Any] | None = None) -> pd.DataFrame:
    """Return a frame of the canonical ``columns`` with their dtypes (no rows by default)."""
    import numpy as np
    import pandas as pd

    data = {}
    for column in columns:
        dtype = COLUMN_DTYPES.get(column, "float64")
        value = values[column] if values is not None else []
        data[column] = (
            pd.array(value, dtype="str") if dtype == "str" else np.asarray(value, dtype=dtype)
        )
    return pd.DataFrame(data, copy=False)


def empty_game_data() -> GameData:
    """Return GameData with no rows and the canonical columns (with their dtypes)."""
    return GameData(canonical_table(TEAM_GAME_COLUMNS), canonical_table(PLAYER_GAME_COLUMNS))


def season_window(label: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day a game of the season ``label`` can be played on."""
    return (
        dt.date(parse_season(label), *SEASON_FIRST_DAY),
        season_finished_on(label) - dt.timedelta(days=1),
    )


# --------------------------------------------------------------------------------------------
# Finding and reading files


def load_directory(directory: Path, *, recursive: bool = True) -> GameData:
    """Return the canonical tables built from every CSV/JSON file under ``directory``.

    Hidden files and directories, ``MANIFEST.json``, tables other than game logs (a warning:
    ``sources.is_game_log``) and non-regular files (FIFOs, devices, sockets, symlinks to them)
    are skipped; symlinked directories are not followed. Raises DataError when the directory is
    missing or unreadable, holds no usable file or no game row at all, or a file is malformed.
    """
    directory = Path(directory)
    try:
        info = directory.stat()
    except FileNotFoundError:
        raise error_for(directory, "no such directory") from None
    except (OSError, ValueError) as error:
        raise error_for(directory, f"cannot read ({reason(error)})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise error_for(directory, "not a directory")
    files = sources.game_log_files(directory, recursive)
    if not files:
        raise DataError(safe_text(f"no LeagueGameLog CSV or JSON files found in {directory}"))
    frames = [_read_file(path) for path in files]
    data = combine(frames, sources=[str(p) for p in files])
    if data.team_games.empty and data.player_games.empty:
        raise DataError(safe_text(f"no game rows found in {directory}"))
    return data


def load_files(paths: list[Path]) -> GameData:
    """Return the canonical tables built from the given files (JSON or CSV); may be empty."""
    frames = [_read_file(Path(p)) for p in paths]
    return combine(frames, sources=[str(p) for p in paths])


@dataclasses.dataclass
class _SourceFrame:
    path: Path
    mode: str  # "T" or "P"
    frame: pd.DataFrame  # canonical columns, one mode


def _read_file(path: Path) -> _SourceFrame:
    """Return one file's rows in canonical form or raise DataError naming the file."""
    try:
        return _read_source(path)
    except DataError:
        raise
    except MemoryError:
        raise error_for(path, "too large to load into memory") from None
    except RecursionError:
        raise error_for(path, "nested too deeply") from None
    except Exception as error:  # the contract: bad input only ever gives DataError
        logger.debug("unexpected failure importing %s", path, exc_info=True)
        raise error_for(
            path, f"cannot be imported (internal error: {type(error).__name__})"
        ) from None


def _read_source(path: Path) -> _SourceFrame:
    table = sources.read_table(path)
    mode = "P" if ("PLAYER_ID" in table.names or "PLAYER_NAME" in table.names) else "T"
    missing = [c for c in REQUIRED_SOURCE_COLUMNS[mode] if c not in table.columns]
    if missing:
        kind = "player" if mode == "P" else "team"
        raise error_for(path, f"missing required column {missing[0]} for {kind} game logs")
    frame = _canonicalise(table, mode)
    return _SourceFrame(path, mode, frame)


# --------------------------------------------------------------------------------------------
# One source -> canonical rows


def _canonicalise(table: Table, mode: str) -> pd.DataFrame:
    """Return canonical rows (regular season, play-in, playoffs); raise DataError naming the
    file."""
    import numpy as np

    season, season_type = _seasons(table)
    dates, ymd = _dates(table, season)
    own, other, is_home = _teams(table)
    home = np.where(is_home, own, other)
    away = np.where(is_home, other, own)
    game_id = make_game_id(ymd, home, away)

    codes, results = column_map(table, "WL", parse_wl)
    win = take(results, codes, float)
    out: dict[str, object] = {
        "season": season,
        "season_type": season_type,
        "game_id": game_id,
        "game_date": dates.astype("datetime64[us]"),
        "team": own,
        "opponent": other,
        "is_home": is_home,
        "win": win,
    }
    pts = numbers(table, "PTS")
    empty = np.flatnonzero(np.isnan(pts))
    if len(empty):
        raise table.row_error(int(empty[0]), "PTS is empty")
    out["pts"] = pts
    for column in OPTIONAL_STAT_COLUMNS:
        out[column.lower()] = numbers(table, column)
    if mode == "P":
        codes, results = column_map(table, "PLAYER_ID", parse_player_id, fill=0)
        out["player_id"] = take(results, codes, "int64")
        codes, results = column_map(table, "PLAYER_NAME", parse_name)
        out["player_name"] = take(results, codes)
        minutes = numbers(table, "MIN")
        out["min"] = np.where(np.isnan(minutes), 0.0, minutes)
        columns = PLAYER_GAME_COLUMNS
    else:
        out["opp_pts"] = np.full(len(table), np.nan)
        columns = TEAM_GAME_COLUMNS
    return canonical_table(columns, out)


def _seasons(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's season and season type, dropping the rows of other season types (the
    preseason, the All-Star game) from ``table``; raise DataError when the season is unknown.

    Season: SEASON_ID > parameters > file name. Season type: SEASON_ID > GAME_ID > SEASON_TYPE
    column > parameters > file name.
    """
    id_codes, by_id = column_map(table, "SEASON_ID", parse_season_id)
    gid_codes, by_gid = column_map(table, "GAME_ID", parse_game_id_type)
    type_codes, declared = column_map(table, "SEASON_TYPE", parse_season_type)
    drop = (
        take([r == DROP for r in by_id], id_codes, bool)
        | take([r == DROP for r in by_gid], gid_codes, bool)
        | take([r == DROP for r in declared], type_codes, bool)
    )
    if drop.any():
        table.keep(~drop)
        id_codes, gid_codes, type_codes = id_codes[~drop], gid_codes[~drop], type_codes[~drop]
    known = take([isinstance(r, tuple) for r in by_id], id_codes, bool)
    season = take([r[0] if isinstance(r, tuple) else None for r in by_id], id_codes)
    season_type = take([r[1] if isinstance(r, tuple) else None for r in by_id], id_codes)
    if known.all():
        return season, season_type
    fallback = sources.fallback_season(table)
    if fallback is None:
        raise error_for(
            table.path,
            "cannot tell the season (no SEASON_ID column and no "
            "season like 2019-20 in the file name)",
        )
    season[~known] = fallback
    by_game = ~known & take([r is not None for r in by_gid], gid_codes, bool)
    season_type[by_game] = take(by_gid, gid_codes[by_game])
    typed = take([r is not None for r in declared], type_codes, bool)
    by_column = ~known & ~by_game & typed
    season_type[by_column] = take(declared, type_codes[by_column])
    untyped = ~known & ~by_game & ~typed
    if untyped.any():
        fallback_type = sources.fallback_season_type(table)
        if fallback_type == DROP:
            table.keep(~untyped)
            season, season_type = season[~untyped], season_type[~untyped]
        else:
            season_type[untyped] = fallback_type
    return season, season_type


def _dates(table: Table, season: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's game date (datetime64[D]) and its YYYYMMDD text; raise DataError when
    a date falls outside its row's season."""
    import numpy as np
    import pandas as pd

    codes, results = column_map(table, "GAME_DATE", parse_date, fill=dt.date(1970, 1, 1))
    epoch = dt.date(1970, 1, 1)
    dates = take([(d - epoch).days for d in results], codes, "int64").astype("datetime64[D]")
    ymd = take([d.strftime("%Y%m%d") for d in results], codes)
    # every row's date must fall inside its season
    season_codes, labels = pd.factorize(season)
    windows = [season_window(label) for label in labels]
    low = np.array([w[0] for w in windows], dtype="datetime64[D]")[season_codes]
    high = np.array([w[1] for w in windows], dtype="datetime64[D]")[season_codes]
    outside = np.flatnonzero((dates < low) | (dates > high))
    if len(outside):
        row = int(outside[0])
        raise table.row_error(
            row,
            f"season {season[row]} does not match game date "
            f"{dates[row]} (a {season[row]} game is played between "
            f"{windows[season_codes[row]][0]} and "
            f"{windows[season_codes[row]][1]})",
        )
    return dates, ymd


def _teams(table: Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each row's team, opponent and whether it is at home, from MATCHUP; raise
    DataError when TEAM_ABBREVIATION names another team."""
    import numpy as np

    codes, results = column_map(table, "MATCHUP", parse_matchup, fill=("", "", False))
    own = take([r[0] for r in results], codes)
    other = take([r[1] for r in results], codes)
    is_home = take([r[2] for r in results], codes, bool)
    team_codes, team_results = column_map(table, "TEAM_ABBREVIATION", parse_team)
    listed = take(team_results, team_codes)
    mismatch = np.flatnonzero(listed != own)
    if len(mismatch):
        row = int(mismatch[0])
        raise table.row_error(
            row,
            f"TEAM_ABBREVIATION {listed[row]} does not match MATCHUP "
            f"{show(table.columns['MATCHUP'][row])}",
        )
    return own, other, is_home


# --------------------------------------------------------------------------------------------
# All sources -> GameData


def combine(frames: list[_SourceFrame], sources: list[str] | None = None) -> GameData:
    """Return GameData from per-file frames: deduplicated, paired, sorted by date.

    Raises DataError naming a file when its rows put a team (or a player) in two different
    games on one day.
    """
    import numpy as np
    import pandas as pd

    paths = [f.path for f in frames]
    tables = []
    for mode, columns, key, what in (
        ("T", TEAM_GAME_COLUMNS, "team", "team"),
        ("P", PLAYER_GAME_COLUMNS, "player_id", "player"),
    ):
        parts = [(i, f.frame) for i, f in enumerate(frames) if f.mode == mode and len(f.frame)]
        if not parts:
            tables.append(canonical_table(columns))
            continue
        frame = (
            pd.concat([part for _, part in parts], ignore_index=True)
            if len(parts) > 1
            else parts[0][1]
        )
        source = np.repeat([i for i, _ in parts], [len(part) for _, part in parts])
        keyed = np.flatnonzero(frame.duplicated(subset=["game_id", key], keep=False))
        duplicate = np.zeros(len(frame), dtype=bool)  # identical in every column: dropped
        duplicate[keyed[frame.iloc[keyed].duplicated(keep="last").to_numpy()]] = True
        if duplicate.any():
            logger.warning("dropped %d duplicate %s-game rows", int(duplicate.sum()), what)
            frame, source = frame[~duplicate], source[~duplicate]
        for by in ("game_id", "game_date"):  # different rows of a game, two games a day: refused
            _check_clashes(frame, source, key, paths, by)
        # game_id starts with the date (YYYYMMDD), so this order is by date too
        if mode == "T":
            frame = _pair_team_games(frame)
        else:
            frame = frame.sort_values(["game_id", "player_id"], kind="mergesort")
        tables.append(frame.reset_index(drop=True)[list(columns)])
    return GameData(tables[0], tables[1], sources or [])


def _check_clashes(
    frame: pd.DataFrame, source: np.ndarray, key: str, paths: list[Path], by: str
) -> None:
    """Refuse, naming the later file, a team (or player) in two different rows of one game
    (``by="game_id"``: another score, both teams; either is a guess) or two games on one day."""
    import numpy as np
    import pandas as pd

    clash = frame.duplicated(subset=[by, key], keep="first").to_numpy()
    if not clash.any():
        return
    index = int(np.flatnonzero(clash)[0])
    row = frame.iloc[index]
    first = frame[(frame[by] == row[by]) & (frame[key] == row[key])].iloc[0]
    if by == "game_date":
        raise error_for(
            paths[int(source[index])],
            f"{key} {row[key]} is in two games on {row['game_date'].date()}: "
            f"{first['game_id']} and {row['game_id']}",
        )
    shown = [
        [
            number_text(v) if isinstance(v, float) and not pd.isna(v) else show(v, quote=False)
            for v in side
        ]
        for side in (first, row)
    ]
    differ = [
        f"{name} {a} and {b}" for name, a, b in zip(frame.columns, *shown, strict=True) if a != b
    ]
    raise error_for(
        paths[int(source[index])],
        f"{key} {row[key]} has two different rows for "
        f"game {row['game_id']}: {', '.join(differ[:3])}",
    )


def _pair_team_games(team_games: pd.DataFrame) -> pd.DataFrame:
    """Return the rows sorted by game (away side first) with ``opp_pts`` filled from the other
    side; drop games lacking one side. A missing WL is taken from the score.
    """
    import numpy as np

    # (game_id, team) is unique and game_id names both teams: a game has at most two rows, one
    # home and one away
    paired = team_games.duplicated(subset=["game_id"], keep=False).to_numpy()
    if not paired.all():
        logger.warning(
            "dropped %d team-game rows whose opponent row is missing", int((~paired).sum())
        )
        team_games = team_games[paired]
    team_games = team_games.sort_values(["game_id", "is_home"], kind="mergesort")
    pts = team_games["pts"].to_numpy(dtype=float)
    opp_pts = pts.reshape(-1, 2)[:, ::-1].reshape(-1)
    win = team_games["win"].to_numpy(dtype=float)
    unknown = np.isnan(win) & (pts != opp_pts)
    if unknown.any():
        win = np.where(unknown, (pts > opp_pts).astype(float), win)
    return team_games.assign(opp_pts=opp_pts, win=win)


def require_player_logs(data: GameData, where: Path | str) -> None:
    """Raise DataError naming the seasons whose team logs came without player logs (training
    needs both; a player file that was skipped, e.g. a FIFO, is named in a warning before)."""
    team = set(data.team_games["season"].unique())
    players = set(data.player_games["season"].unique())
    lacking = sorted(team - players, key=parse_season)
    if lacking:
        count = int(data.team_games["season"].isin(lacking).sum())
        raise DataError(
            safe_text(
                f"{where}: team game logs of {', '.join(lacking)} ({count} team-games) but "
                f"no player game logs for {'them' if len(lacking) > 1 else 'it'}: add the player "
                f"file(s), e.g. "
                f"player_game_logs_{lacking[0]}.csv"
            )
        )
