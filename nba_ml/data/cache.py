"""The raw cache: stats.nba.com responses as nba-ml received them, one file per request kind.

Layout under ``<data dir>/raw``::

    leaguegamelog/<season>_<regular-season|playin|playoffs>_<T|P>.json
    schedule/<YYYY-MM-DD>.json          (ScoreboardV3 of that day in Chicago)

Files are written atomically (``state.files.atomic_write``) and read without blocking and with
bounded size and nesting (``read_regular_file``, ``loads_json``). A damaged cache file that
nba-ml wrote (a regular file owned by this user) is renamed to ``<name>.damaged-<UTC time>``,
reported on one line and fetched again; anything else at a cache path (a FIFO, a device, a
symlink, another user's file) is refused with one line, never opened for a blocking read, moved
or deleted.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

from nba_ml.data.schema import result_set
from nba_ml.data.seasons import LEAGUE_TIMEZONE, SEASON_TYPES, parse_season
from nba_ml.errors import NbaMlError, StorageError
from nba_ml.state.datadir import make_directory
from nba_ml.state.files import (
    FileDamaged,
    atomic_write,
    describe_os_error,
    loads_json,
    read_regular_file,
    safe_text,
)
from nba_ml.state.layout import DIR_MODE, FILE_MODE, GAMELOG_DIR, SCHEDULE_DIR

logger = logging.getLogger(__name__)

MODES: tuple[str, ...] = ("T", "P")
SEASON_TYPE_SLUGS: dict[str, str] = {
    "Regular Season": "regular-season",
    "PlayIn": "playin",
    "Playoffs": "playoffs",
}
assert set(SEASON_TYPE_SLUGS) == set(SEASON_TYPES)
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a full season of player logs is ~30 MB
DAMAGED_MARK = ".damaged-"
# atomic_write's temporary file of a cache file (".<name>.json.<random>.tmp"), left only by a
# killed writer: the one kind of file prepare removes (".notes.tmp" is someone else's).
_SLUGS = "|".join(SEASON_TYPE_SLUGS.values())
_LEFTOVER = re.compile(
    rf"\.[0-9]{{4}}-[0-9]{{2}}(?:-[0-9]{{2}}|_(?:{_SLUGS})_[TP])\.json"
    r"\.[A-Za-z0-9_]+\.tmp"
)


def cache_path(raw_dir: Path, season: str, season_type: str, mode: str) -> Path:
    """Return the cache file of a season, season type and mode; raise ValueError if unknown."""
    if season_type not in SEASON_TYPE_SLUGS:
        raise ValueError(f"unknown season type {season_type!r}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected T or P")
    return Path(raw_dir) / GAMELOG_DIR / f"{season}_{SEASON_TYPE_SLUGS[season_type]}_{mode}.json"


def cache_files(raw_dir: Path, seasons: list[str]) -> list[Path]:
    """Return the game-log cache files of ``seasons`` that exist (every type and mode)."""
    files = [cache_path(raw_dir, s, t, m) for s in seasons for t in SEASON_TYPES for m in MODES]
    return [f for f in files if os.path.lexists(f)]


def schedule_path(raw_dir: Path, day: dt.date) -> Path:
    """Return the cache file of the ScoreboardV3 response for ``day``."""
    return Path(raw_dir) / SCHEDULE_DIR / f"{day.isoformat()}.json"


def prepare(raw_dir: Path, *subdirectories: str) -> None:
    """Create the cache directories and remove temporary files of interrupted writes."""
    for name in subdirectories:
        directory = Path(raw_dir) / name
        try:
            make_directory(directory, DIR_MODE, DIR_MODE)
            if not directory.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "not a directory")
            for leftover in directory.glob(".*.tmp"):
                if _LEFTOVER.fullmatch(leftover.name) and _written_by_us(leftover):
                    leftover.unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(
                f"cannot prepare raw cache {safe_text(str(directory))}: {describe_os_error(error)}"
            ) from None


def write(path: Path, data: str | bytes) -> None:
    """Replace a cache file atomically; raise StorageError naming it when that fails."""
    try:
        make_directory(path.parent, DIR_MODE, DIR_MODE)
        atomic_write(path, data, mode=FILE_MODE)
    except OSError as error:
        raise StorageError(
            f"cannot write cache file {safe_text(str(path))}: {describe_os_error(error)}"
        ) from None


def read(path: Path) -> dict[str, Any] | None:
    """Return the JSON object cached at ``path``, or None when there is none (or it was damaged
    and has been set aside). Raise StorageError for what nba-ml did not write or cannot read."""
    try:
        raw = read_regular_file(path, limit=MAX_CACHE_BYTES)
        body = loads_json(raw, source=path)
    except FileNotFoundError:
        return None
    except FileDamaged as error:
        set_aside(path, error.reason)
        return None
    except OSError as error:
        raise StorageError(
            f"cannot read cache file {safe_text(str(path))}: {describe_os_error(error)}"
        ) from None
    if not isinstance(body, dict):
        set_aside(path, f"holds a JSON {type(body).__name__}, not a response")
        return None
    return body


def set_aside(path: Path, reason: str) -> Path:
    """Rename a damaged cache file nba-ml wrote to ``<name>.damaged-<UTC time>``; return it.

    Raise StorageError (one line) when the entry is not a regular file owned by this user: a
    FIFO, device, symlink or another user's file is never nba-ml's, so it is not touched.
    """
    shown = safe_text(str(path))
    if not _written_by_us(path):
        raise StorageError(
            f"raw cache entry {shown} {reason}; nba-ml did not write it and "
            "leaves it alone: remove or move it, then run again"
        )
    stamp = dt.datetime.now(tz=dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}{DAMAGED_MARK}{stamp}")
    try:
        os.rename(path, target)
    except OSError as error:
        raise StorageError(
            f"cannot set aside damaged cache file {shown}: {describe_os_error(error)}"
        ) from None
    logger.warning(
        "cache file %s is unusable (%s); set aside as %s and fetched again",
        shown,
        safe_text(reason),
        safe_text(target.name),
    )
    return target


def _written_by_us(path: Path) -> bool:
    """Return whether ``path`` could be a file nba-ml wrote: regular, not a link, ours."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()


def written_on_or_after(path: Path, day: dt.date) -> bool:
    """Return whether ``path`` was last written on ``day`` or later (Chicago dates)."""
    try:
        written = dt.datetime.fromtimestamp(os.lstat(path).st_mtime, tz=LEAGUE_TIMEZONE)
    except OSError:
        return False
    return written.date() >= day


# ------------------------------------------------------------------------------ game-log rows


def parse_game_date(value: object) -> dt.date:
    """Return the date of a GAME_DATE value ("2025-10-21" or "2025-10-21T00:00:00")."""
    if not isinstance(value, str):
        raise TypeError(f"GAME_DATE {value!r} is not a string")
    return dt.date.fromisoformat(value[:10])


def game_rows(body: object) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of a game log; raise ValueError when GAME_DATE is missing."""
    headers, rows = result_set(body, name="LeagueGameLog")
    if not all(isinstance(h, str) for h in headers):
        raise ValueError("the result set has non-text column headers")
    if "GAME_DATE" not in headers:
        raise ValueError("missing columns GAME_DATE")
    return headers, rows


def latest_date(body: object) -> dt.date | None:
    """Return the latest GAME_DATE of a cached game log (None without rows)."""
    headers, rows = game_rows(body)
    index = headers.index("GAME_DATE")
    return max((parse_game_date(row[index]) for row in rows), default=None)


def last_cached_game_date(raw_dir: Path) -> dt.date | None:
    """Return the latest GAME_DATE in the raw cache, or None when it holds no readable rows.

    Only reads (never sets aside): ``status`` calls this. Unreadable files are skipped.
    """
    by_season: dict[int, list[Path]] = {}
    for path in (Path(raw_dir) / GAMELOG_DIR).glob("*.json"):
        try:
            year = parse_season(path.name.split("_", 1)[0])
        except NbaMlError:
            continue
        by_season.setdefault(year, []).append(path)
    # Seasons do not overlap in time, so the newest season with rows holds the latest date; team
    # files carry the same dates as the (much larger) player files, so they are read first.
    for year in sorted(by_season, reverse=True):
        files = sorted(by_season[year], key=lambda path: not path.name.endswith("_T.json"))
        dates: list[dt.date] = []
        for path in files:
            if dates and not path.name.endswith("_T.json"):
                break
            try:
                latest = latest_date(
                    loads_json(read_regular_file(path, limit=MAX_CACHE_BYTES), source=path)
                )
            except (OSError, ValueError, TypeError, NbaMlError) as error:
                logger.debug("ignoring unreadable cache file %s: %s", path, error)
                continue
            if latest is not None:
                dates.append(latest)
        if dates:
            return max(dates)
    return None


def _row_key(headers: list[str], row: list[Any], mode: str) -> tuple[Any, ...]:
    """Return what identifies a row: its game and its team (T) or player (P)."""
    game = ("GAME_ID",) if "GAME_ID" in headers else ("GAME_DATE", "MATCHUP")
    who = ("PLAYER_ID",) if mode == "P" else ("TEAM_ABBREVIATION",)
    return tuple(row[headers.index(column)] for column in (*game, *who))


def merge(
    cached: dict[str, Any], fresh: dict[str, Any], since: dt.date, mode: str
) -> dict[str, Any]:
    """Return ``fresh`` plus the cached rows dated before ``since``: every cached row on or
    after ``since`` is replaced by what stats.nba.com sent now (late corrections win, a row it
    no longer sends is gone, nothing is duplicated)."""
    old_headers, old_rows = game_rows(cached)
    headers, new_rows = game_rows(fresh)
    old_date = old_headers.index("GAME_DATE")
    positions = [old_headers.index(h) if h in old_headers else None for h in headers]
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for old in old_rows:
        if parse_game_date(old[old_date]) < since:
            row = [old[p] if p is not None else None for p in positions]
            merged[_row_key(headers, row, mode)] = row
    for row in new_rows:
        merged[_row_key(headers, row, mode)] = row
    date = headers.index("GAME_DATE")
    game = headers.index("GAME_ID") if "GAME_ID" in headers else date
    rows = sorted(merged.values(), key=lambda row: (row[date][:10], str(row[game])))
    body = dict(fresh)
    sets = (
        fresh["resultSets"]
        if isinstance(fresh.get("resultSets"), list)
        else [fresh.get("resultSets", fresh.get("resultSet"))]
    )
    body.pop("resultSet", None)
    body["resultSets"] = [
        {**s, "rowSet": rows} if isinstance(s, dict) and s.get("rowSet") is new_rows else s
        for s in sets
    ]
    if isinstance(body.get("parameters"), dict):
        body["parameters"] = {**body["parameters"], "DateFrom": None}
    return body
