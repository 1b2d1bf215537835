"""Turn LeagueGameLog exports (CSV files or raw nba_api JSON responses) into the canonical tables.

Accepted inputs, in any mix, from one directory:
- CSV files as nba_api DataFrames export them (``SEASON_ID`` present), or the column subset used by
  ``../shared/data/gamelogs`` where the season is only in the file name (``..._2019-20.csv``);
- JSON files holding a raw stats.nba.com response (``{"resource", "parameters", "resultSets"}``),
  such as nba-ml's own cache under ``raw/leaguegamelog/``.

Only regular-season and playoff rows are kept (pre-season, all-star, play-in and NBA Cup final rows
are dropped). Duplicate rows are dropped with a warning, rows are sorted by date, team codes are
mapped onto nba_api's (BRK -> BKN, ...), and team rows whose opponent row is missing are dropped;
player rows are kept even without team rows.

Every refusal is a DataError with a one-line message that names the file and what is wrong with
it. Columns are parsed value by distinct value (a season holds ~100k rows but only a few hundred
distinct dates, match-ups or point totals), which keeps the strict checks cheap.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import io
import json
import logging
import math
import os
import re
import stat
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.data.schema import (
    COLUMN_DTYPES,
    EXCLUDED_SEASON_ID_TYPES,
    EXCLUDED_SEASON_TYPES,
    OPTIONAL_STAT_COLUMNS,
    PLAYER_GAME_COLUMNS,
    REQUIRED_SOURCE_COLUMNS,
    SEASON_ID_TYPES,
    SEASON_TYPE_NAMES,
    TEAM_GAME_COLUMNS,
    canonical_team,
)
from nba_ml.data.seasons import parse_season, season_finished_on, season_label
from nba_ml.errors import DataError, UsageError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 512 * 1024 * 1024
_MAX_FIELD_CHARS = 200
_SHOW_CHARS = 40

_SEASON_IN_NAME = re.compile(r"(?<![0-9])([0-9]{4}-[0-9]{2})(?![0-9])")
_MATCHUP = re.compile(r"\s*([A-Za-z]{2,4})\s+(vs\.?|@)\s+([A-Za-z]{2,4})\s*")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CLOCK = re.compile(r"([0-9]{1,3}):([0-9]{1,2})")
_INTEGER = re.compile(r"\+?([0-9]{1,16})(?:\.0*)?")
_SEASON_ID = re.compile(r"([0-9])([0-9]{4})")
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")
_NAMED_DATE = re.compile(r"([A-Za-z]{3})[A-Za-z]*\.?\s+([0-9]{1,2}),?\s+([0-9]{4})")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_MONTHS = {name: number for number, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

# Columns read from a source; any other column is ignored.
_USED_COLUMNS = frozenset({
    *REQUIRED_SOURCE_COLUMNS["T"], *REQUIRED_SOURCE_COLUMNS["P"], *OPTIONAL_STAT_COLUMNS,
    "SEASON_ID", "SEASON_TYPE",
})
_NUMERIC_COLUMNS = frozenset({"PTS", "MIN", *OPTIONAL_STAT_COLUMNS})
_NON_NEGATIVE = frozenset({"MIN", "PTS", "REB", "AST", "STL", "BLK", "TOV"})
_FRACTIONS = frozenset({"FG_PCT", "FG3_PCT", "FT_PCT"})
_STAT_LIMITS = (-1000.0, 10000.0)
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


def _table(columns: tuple[str, ...], values: dict[str, Any] | None = None) -> pd.DataFrame:
    """Return a frame of the canonical ``columns`` with their dtypes (no rows by default)."""
    import numpy as np
    import pandas as pd

    data = {}
    for column in columns:
        dtype = COLUMN_DTYPES.get(column, "float64")
        value = values[column] if values is not None else []
        data[column] = (pd.array(value, dtype="str") if dtype == "str"
                        else np.asarray(value, dtype=dtype))
    return pd.DataFrame(data, copy=False)


def empty_game_data() -> GameData:
    """Return GameData with no rows and the canonical columns (with their dtypes)."""
    return GameData(_table(TEAM_GAME_COLUMNS), _table(PLAYER_GAME_COLUMNS))


def season_window(label: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day a game of the season ``label`` can be played on."""
    return (dt.date(parse_season(label), *SEASON_FIRST_DAY),
            season_finished_on(label) - dt.timedelta(days=1))


# --------------------------------------------------------------------------------------------
# Finding and reading files


def load_directory(directory: Path, *, recursive: bool = True) -> GameData:
    """Return the canonical tables built from every CSV/JSON file under ``directory``.

    Hidden files and directories, ``MANIFEST.json`` and anything that is not a regular file
    (FIFOs, devices, sockets, symlinks to them) are skipped; symlinked directories are not
    followed. Raises DataError when the directory is missing or unreadable, holds no usable file
    or no game row at all, or when any file is malformed.
    """
    directory = Path(directory)
    try:
        info = directory.stat()
    except FileNotFoundError:
        raise _error(directory, "no such directory") from None
    except (OSError, ValueError) as error:
        raise _error(directory, f"cannot read ({_reason(error)})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise _error(directory, "not a directory")
    files = _find_files(directory, recursive)
    if not files:
        raise DataError(_one_line(f"no LeagueGameLog CSV or JSON files found in {directory}"))
    frames = [_read_file(path) for path in files]
    data = combine(frames, sources=[str(p) for p in files])
    if data.team_games.empty and data.player_games.empty:
        raise DataError(_one_line(f"no game rows found in {directory}"))
    return data


def load_files(paths: list[Path]) -> GameData:
    """Return the canonical tables built from the given files (JSON or CSV); may be empty."""
    frames = [_read_file(Path(p)) for p in paths]
    return combine(frames, sources=[str(p) for p in paths])


def _find_files(directory: Path, recursive: bool) -> list[Path]:
    """Return the candidate files under ``directory`` in a stable order (iterative walk)."""
    found: list[Path] = []
    pending = [directory]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listing = list(entries)
        except OSError as error:
            raise _error(current, f"cannot list directory ({_reason(error)})") from None
        for entry in listing:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if recursive:
                        pending.append(Path(entry.path))
                    continue
                wanted = (Path(entry.name).suffix.lower() in (".csv", ".json")
                          and entry.name != "MANIFEST.json")
                if wanted and not entry.is_file(follow_symlinks=True):
                    logger.warning("skipping %s: not a regular file", _display(entry.path))
                    continue
            except OSError:
                continue  # vanished, or a symlink loop: nothing to import
            if wanted:
                found.append(Path(entry.path))
    return sorted(found, key=lambda p: p.relative_to(directory).parts)


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
        raise _error(path, "too large to load into memory") from None
    except RecursionError:
        raise _error(path, "nested too deeply") from None
    except Exception as error:  # the contract: bad input only ever gives DataError
        logger.debug("unexpected failure importing %s", path, exc_info=True)
        raise _error(path, f"cannot be imported (internal error: {type(error).__name__})") from None


def _read_bytes(path: Path) -> bytes:
    """Return the file's bytes; refuse anything but a readable regular file of sane size."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO must not hang
    except (OSError, ValueError) as error:
        raise _error(path, f"cannot read ({_reason(error)})") from None
    with open(fd, "rb", closefd=True) as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _error(path, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise _error(path, f"file too large ({info.st_size} bytes)")
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise _error(path, f"cannot read ({_reason(error)})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _error(path, f"file too large (over {MAX_FILE_BYTES} bytes)")
    return raw


def _read_source(path: Path) -> _SourceFrame:
    raw = _read_bytes(path)
    if not raw or raw.isspace():  # without copying a file of up to MAX_FILE_BYTES
        raise _error(path, "file is empty")
    if b"\x00" in raw:
        raise _error(path, "binary data, not a CSV or JSON file")
    try:
        text = raw.decode("utf-8-sig")  # also proves the bytes are UTF-8 for pandas
    except UnicodeDecodeError:
        raise _error(path, "not a UTF-8 text file") from None
    if path.suffix.lower() == ".json":
        del raw
        table = _table_from_json(path, text)
    else:
        del text
        table = _table_from_csv(path, raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw)
    mode = "P" if ("PLAYER_ID" in table.names or "PLAYER_NAME" in table.names) else "T"
    missing = [c for c in REQUIRED_SOURCE_COLUMNS[mode] if c not in table.columns]
    if missing:
        kind = "player" if mode == "P" else "team"
        raise _error(path, f"missing required column {missing[0]} for {kind} game logs")
    frame = _canonicalise(table, mode)
    return _SourceFrame(path, mode, frame)


@dataclasses.dataclass
class _Table:
    """The used columns of one source, each an object array, plus where each row came from."""

    path: Path
    is_json: bool
    names: list[str]  # every (normalised) column name
    columns: dict[str, np.ndarray]  # used columns only
    origin: np.ndarray  # original row index of each current row
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.origin)

    def where(self, row: int) -> str:
        index = int(self.origin[row])
        return f"rowSet[{index}]" if self.is_json else f"row {index + 2}"

    def row_error(self, row: int, text: str) -> DataError:
        return _error(self.path, f"{self.where(row)}: {text}")

    def keep(self, mask: np.ndarray) -> None:
        if mask.all():
            return
        self.columns = {name: values[mask] for name, values in self.columns.items()}
        self.origin = self.origin[mask]


def _normalise_names(path: Path, raw_names: list[object]) -> list[str]:
    names = [str(name).strip().upper() for name in raw_names]
    seen: set[str] = set()
    for name in names:
        base = re.sub(r"\.[0-9]+$", "", name)  # pandas renames a repeated "PTS" to "PTS.1"
        if name in seen or (base != name and base in names and base in _USED_COLUMNS):
            shown = base if base in _USED_COLUMNS else name
            if shown in _USED_COLUMNS:
                raise _error(path, f"duplicate column {_show(shown, quote=False)}")
        seen.add(name)
    return names


def _read_csv(data: bytes, dtype: Any) -> pd.DataFrame:
    import pandas as pd

    with warnings.catch_warnings():
        # a first row with more fields than the header would silently become the index
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(io.BytesIO(data), encoding="utf-8", dtype=dtype, keep_default_na=False,
                           na_values=[""], skipinitialspace=True, index_col=False, engine="c")


def _table_from_csv(path: Path, data: bytes) -> _Table:
    """Return the used columns of a UTF-8 CSV file (``data`` without its BOM)."""
    import numpy as np
    import pandas as pd

    try:
        # fast path: the C parser reads the numbers; any odd value ("34:12", "abc") sends the
        # file through the strict value-by-value parser instead
        numeric = [name for name in _csv_header(data) if name.strip().upper() in _NUMERIC_COLUMNS]
        try:
            frame = _read_csv(data, collections.defaultdict[str, Any](
                lambda: object, dict.fromkeys(numeric, "float64")))
        except ValueError:  # the numeric columns come back as float64, or read_csv raises
            frame = _read_csv(data, object)
    except pd.errors.ParserWarning:
        raise _error(path, "a row has more fields than the header") from None
    except (ValueError, OverflowError, TypeError) as error:  # ParserError, EmptyDataError, ...
        lines = str(error).strip().splitlines()
        detail = lines[0] if lines else "unreadable"
        raise _error(path, f"not a valid CSV file ({detail})") from None
    names = _normalise_names(path, list(frame.columns))
    width = len(names)
    # The C parser pads short rows with empty fields; a row never has more commas than the header
    # (that is a parser error), so equal totals mean every row is complete.
    if b'"' in data or data.count(b",") != (width - 1) * (len(frame) + 1):
        _check_row_widths(path, data.decode("utf-8"), width)
    columns = {}
    for name, source in zip(names, frame.columns, strict=True):
        if name in _USED_COLUMNS:
            values = frame[source]
            columns[name] = (values.to_numpy() if values.dtype == "float64"
                             else values.to_numpy(dtype=object))
    return _Table(path, False, names, columns, np.arange(len(frame)))


def _csv_header(data: bytes) -> list[str]:
    """Return the header fields as the csv module reads them (only used to pick the fast path)."""
    import csv

    start = data[:65536].decode("utf-8", "ignore")
    try:
        return next(csv.reader(io.StringIO(start, newline=""), skipinitialspace=True), [])
    except csv.Error:
        return []


def _check_row_widths(path: Path, text: str, width: int) -> None:
    import csv

    try:
        reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
        next(reader, None)
        for row in reader:
            if row and any(field.strip() for field in row) and len(row) < width:
                raise _error(path, f"line {reader.line_num} has {len(row)} fields, the header "
                                   f"has {width}")
    except csv.Error:
        return  # pandas parsed it; the csv module is only used to find short rows


def _table_from_json(path: Path, text: str) -> _Table:
    import numpy as np

    try:
        body = json.loads(text)
    except RecursionError:
        raise _error(path, "invalid JSON (nested too deeply)") from None
    except ValueError as error:
        detail = (f"{error.msg} at line {error.lineno}" if isinstance(error, json.JSONDecodeError)
                  else _show(str(error), quote=False, limit=80))
        raise _error(path, f"invalid JSON ({detail})") from None
    if not isinstance(body, dict):
        raise _error(path, f"not a stats.nba.com response (a JSON {type(body).__name__})")
    result_sets = body.get("resultSets", body.get("resultSet"))
    if isinstance(result_sets, dict):
        result_sets = [result_sets]
    if not isinstance(result_sets, list):
        raise _error(path, "not a stats.nba.com response (no resultSets)")
    candidates = [r for r in result_sets if isinstance(r, dict)
                  and isinstance(r.get("headers"), list) and isinstance(r.get("rowSet"), list)]
    if not candidates:
        raise _error(path, "response has no result set with headers and rows")
    chosen = candidates[0]
    for result in candidates:
        headers = {str(h).strip().upper() for h in result["headers"]}
        if any(set(REQUIRED_SOURCE_COLUMNS[m]) <= headers for m in ("T", "P")):
            chosen = result
            break
    names = _normalise_names(path, chosen["headers"])
    rows = chosen["rowSet"]
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise _error(path, f"rowSet[{index}] is not a list")
        if len(row) != len(names):
            raise _error(path, f"rowSet[{index}] has {len(row)} values for {len(names)} headers")
    columns = {}
    for position, name in enumerate(names):
        if name not in _USED_COLUMNS:
            continue
        values = [row[position] for row in rows]
        kinds = set(map(type, values))
        if not kinds <= {str, int, float, type(None)}:
            index = next(i for i, v in enumerate(values) if type(v) not in (str, int, float,
                                                                            type(None)))
            kind = type(values[index]).__name__
            raise _error(path, f"rowSet[{index}]: {name} holds a JSON {kind}, not a value")
        array = np.empty(len(values), dtype=object)
        array[:] = values
        columns[name] = array
    parameters = body.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    return _Table(path, True, names, columns, np.arange(len(rows)), parameters)


# --------------------------------------------------------------------------------------------
# Parsing columns, one distinct value at a time


class _Reject:
    """A value that cannot be used, and why (the text follows the row in the message)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _column_map(table: _Table, column: str, parse: Callable[[object], object],
                fill: object = None) -> tuple[np.ndarray, list[Any]]:
    """Return (codes, results): ``results[codes]`` is ``parse`` of each row's value.

    Missing values (NaN, None, absent column) are parsed as None; a rejected value raises
    DataError naming the file and its first row holding it (``fill`` stands in for a rejected
    value no row uses, such as a missing value in a column without one).
    """
    import numpy as np
    import pandas as pd

    values = table.columns.get(column)
    if values is None:
        return np.full(len(table), 0, dtype=np.intp), [parse(None)]
    codes, uniques = pd.factorize(values)
    codes = np.where(codes < 0, len(uniques), codes)
    results: list[object] = []
    rejected: dict[int, str] = {}
    for position, value in enumerate([*uniques, None]):
        if isinstance(value, str) and len(value) > _MAX_FIELD_CHARS:
            rejected[position] = f"{column} holds an oversized field ({len(value)} characters)"
            results.append(fill)
            continue
        result = parse(value)
        if isinstance(result, _Reject):
            rejected[position] = result.reason
            result = fill
        results.append(result)
    if rejected:
        bad = np.zeros(len(results), dtype=bool)
        bad[list(rejected)] = True
        hits = np.flatnonzero(bad[codes])
        if len(hits):
            row = int(hits[0])
            raise table.row_error(row, rejected[int(codes[row])])
    return codes, results


def _take(results: list[Any], codes: np.ndarray, dtype: Any = object) -> np.ndarray:
    import numpy as np

    if dtype is object:
        lookup = np.empty(len(results), dtype=object)
        lookup[:] = results
    else:
        lookup = np.array(results, dtype=dtype)
    return lookup[codes]


def _text(value: object) -> str | None:
    """Return a stripped string, "" for missing; None when the value is not text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and math.isnan(value):
        return ""
    return None


def _limits(column: str) -> tuple[float, float]:
    if column in _FRACTIONS:
        return 0.0, 1.0
    low, high = _STAT_LIMITS
    return (0.0 if column in _NON_NEGATIVE else low), high


def _number_parser(column: str) -> Callable[[object], object]:
    low, high = _limits(column)

    def parse(value: object) -> object:
        if value is None:
            return math.nan
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:
                return _Reject(f"{column} {_show(value)} is out of range")
            if math.isnan(number):
                return math.nan
        elif isinstance(value, str):
            text = value.strip()
            if not text:
                return math.nan
            if _NUMBER.fullmatch(text) or text.lstrip("+-").lower() in ("inf", "infinity"):
                number = float(text)  # infinity is refused below, as when read_csv parses it
            elif column == "MIN" and (clock := _CLOCK.fullmatch(text)) and int(clock[2]) < 60:
                number = int(clock[1]) + int(clock[2]) / 60.0
            else:
                return _Reject(f"{column} {_show(value)} is not a number")
        else:
            return _Reject(f"{column} {_show(value)} is not a number")
        if not low <= number <= high:  # also catches inf
            return _Reject(f"{column} {_number_text(number)} is out of range")
        return number

    return parse


def _number_text(number: float) -> str:
    number = float(number)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _numbers(table: _Table, column: str) -> np.ndarray:
    import numpy as np

    values = table.columns.get(column)
    if values is not None and values.dtype == np.float64:  # already parsed by read_csv
        low, high = _limits(column)
        with np.errstate(invalid="ignore"):
            outside = np.flatnonzero((values < low) | (values > high))
        if len(outside):
            row = int(outside[0])
            raise table.row_error(row, f"{column} {_number_text(values[row])} is out of range")
        return values.astype(float, copy=True)
    codes, results = _column_map(table, column, _number_parser(column), fill=math.nan)
    return _take(results, codes, float)


@functools.lru_cache(maxsize=8192, typed=True)
def _parse_date(value: object) -> object:
    text = _text(value)
    if text is None:
        return _Reject(f"GAME_DATE {_show(value)} is not a date")
    if not text:
        return _Reject("GAME_DATE is empty")
    try:
        if match := _ISO_DATE.fullmatch(text):
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        elif (match := _NAMED_DATE.fullmatch(text)) and match[1].lower() in _MONTHS:
            day = dt.date(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
        elif match := _US_DATE.fullmatch(text):
            day = dt.date(int(match[3]), int(match[1]), int(match[2]))
        else:
            return _Reject(f"GAME_DATE {_show(value)} is not a date")
    except ValueError:
        return _Reject(f"GAME_DATE {_show(value)} is not a date")
    if not 1946 <= day.year <= 2101:
        return _Reject(f"GAME_DATE {_show(value)} is out of range")
    return day


@functools.lru_cache(maxsize=8192, typed=True)
def _parse_matchup(value: object) -> object:
    text = _text(value)
    if text == "":
        return _Reject("MATCHUP is empty")
    match = _MATCHUP.fullmatch(text) if text else None
    if match is None:
        return _Reject(f"MATCHUP {_show(value)} is not like 'BOS vs. PHI' or 'PHI @ BOS'")
    own, other = canonical_team(match[1]), canonical_team(match[3])
    for code, raw in ((own, match[1]), (other, match[3])):
        if code is None:
            return _Reject(f"unknown team {_show(raw)} in MATCHUP {_show(value)}")
    if own == other:
        return _Reject(f"MATCHUP {_show(value)}: a team cannot play itself")
    return (own, other, match[2].startswith("vs"))


@functools.lru_cache(maxsize=1024, typed=True)
def _parse_team(value: object) -> object:
    text = _text(value)
    if text == "":
        return _Reject("TEAM_ABBREVIATION is empty")
    code = canonical_team(text) if text else None
    if code is None:
        return _Reject(f"unknown team {_show(value)} in TEAM_ABBREVIATION")
    return code


def _parse_wl(value: object) -> object:
    text = _text(value)
    if text is None:
        return _Reject(f"WL {_show(value)} is not W or L")
    result = {"W": 1.0, "L": 0.0, "": math.nan}.get(text.upper())
    if result is None:
        return _Reject(f"WL {_show(value)} is not W or L")
    return result


def _parse_player_id(value: object) -> object:
    if _text(value) == "":
        return _Reject("PLAYER_ID is empty")
    number: object = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (match := _INTEGER.fullmatch(value.strip())):
        number = int(match[1])
    if not isinstance(number, int) or not 0 < number < 2**53:
        return _Reject(f"PLAYER_ID {_show(value)} is not a positive integer")
    return number


def _parse_name(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    text = _text(value)
    return _Reject(f"PLAYER_NAME {_show(value)} is not a name") if text is None else text


def _season_type_key(value: str) -> str:
    return re.sub(r"[\s_]+", " ", value.strip().lower())


_SEASON_TYPES = {_season_type_key(k): v for k, v in SEASON_TYPE_NAMES.items()}
_EXCLUDED_TYPES = {_season_type_key(k) for k in EXCLUDED_SEASON_TYPES}
_DROP = "drop"


def _parse_season_type(value: object) -> object:
    text = _text(value)
    if text is None:
        return _Reject(f"unknown SEASON_TYPE {_show(value)}")
    if not text:
        return None
    key = _season_type_key(text)
    if key in _SEASON_TYPES:
        return _SEASON_TYPES[key]
    if key in _EXCLUDED_TYPES:
        return _DROP
    return _Reject(f"unknown SEASON_TYPE {_show(value)}")


def _parse_season_id(value: object) -> object:
    """Return (season label, season type), _DROP, or None when the value is empty."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _text(value)
    if text is None:
        return _Reject(f"SEASON_ID {_show(value)} is not like 22019")
    if not text:
        return None
    match = _SEASON_ID.fullmatch(text)
    if match is None:
        return _Reject(f"SEASON_ID {_show(value)} is not like 22019")
    kind = SEASON_ID_TYPES.get(match[1])
    if kind is None:
        if match[1] not in EXCLUDED_SEASON_ID_TYPES:
            logger.warning("dropping rows of unknown season type %s", match[1])
        return _DROP
    year = int(match[2])
    if not 1946 <= year <= 2100:
        return _Reject(f"SEASON_ID {_show(value)} is out of range")
    return (season_label(year), kind)


def _season_from_name(path: Path) -> str | None:
    for match in _SEASON_IN_NAME.finditer(path.name):
        with contextlib.suppress(UsageError):  # "2021-01" in a name is a date, not a season
            parse_season(match.group(1))
            return match.group(1)
    return None


def _fallback_season(table: _Table) -> str | None:
    for key in ("Season", "SeasonYear"):
        value = table.parameters.get(key)
        if value in (None, ""):
            continue
        try:
            parse_season(value)
        except UsageError:  # also for a parameter that is not even text
            raise _error(table.path, f"parameters.{key} {_show(value)} is not a season like "
                                     "2019-20") from None
        return value.strip()
    return _season_from_name(table.path)


def _fallback_season_type(table: _Table) -> str:
    value = table.parameters.get("SeasonType")
    if value not in (None, ""):
        parsed = _parse_season_type(value)
        if isinstance(parsed, _Reject) or parsed is None:
            raise _error(table.path, f"unknown parameters.SeasonType {_show(value)}")
        return parsed  # type: ignore[return-value]
    return "Playoffs" if "playoff" in table.path.name.lower() else "Regular Season"


# --------------------------------------------------------------------------------------------
# One source -> canonical rows


def _canonicalise(table: _Table, mode: str) -> pd.DataFrame:
    """Return canonical rows (regular season and playoffs only); raise DataError naming the file."""
    import numpy as np
    import pandas as pd

    # Season and season type: SEASON_ID > SEASON_TYPE column / parameters > file name.
    id_codes, by_id = _column_map(table, "SEASON_ID", _parse_season_id)
    type_codes, declared = _column_map(table, "SEASON_TYPE", _parse_season_type)
    drop = (_take([r == _DROP for r in by_id], id_codes, bool)
            | _take([r == _DROP for r in declared], type_codes, bool))
    if drop.any():
        table.keep(~drop)
        id_codes, type_codes = id_codes[~drop], type_codes[~drop]
    known = _take([isinstance(r, tuple) for r in by_id], id_codes, bool)
    season = _take([r[0] if isinstance(r, tuple) else None for r in by_id], id_codes)
    season_type = _take([r[1] if isinstance(r, tuple) else None for r in by_id], id_codes)
    if not known.all():
        fallback = _fallback_season(table)
        if fallback is None:
            raise _error(table.path, "cannot tell the season (no SEASON_ID column and no "
                                     "season like 2019-20 in the file name)")
        season[~known] = fallback
        typed = _take([r is not None and r != _DROP for r in declared], type_codes, bool)
        by_column = ~known & typed
        season_type[by_column] = _take(declared, type_codes[by_column])
        untyped = ~known & ~typed
        if untyped.any():
            fallback_type = _fallback_season_type(table)
            if fallback_type == _DROP:
                table.keep(~untyped)
                season, season_type = season[~untyped], season_type[~untyped]
            else:
                season_type[untyped] = fallback_type
    n = len(table)

    codes, results = _column_map(table, "GAME_DATE", _parse_date, fill=dt.date(1970, 1, 1))
    epoch = dt.date(1970, 1, 1)
    dates = _take([(d - epoch).days for d in results], codes, "int64").astype("datetime64[D]")
    ymd = _take([d.strftime("%Y%m%d") for d in results], codes)
    # every row's date must fall inside its season
    season_codes, labels = pd.factorize(season)
    windows = [season_window(label) for label in labels]
    low = np.array([w[0] for w in windows], dtype="datetime64[D]")[season_codes]
    high = np.array([w[1] for w in windows], dtype="datetime64[D]")[season_codes]
    outside = np.flatnonzero((dates < low) | (dates > high))
    if len(outside):
        row = int(outside[0])
        raise table.row_error(row, f"season {season[row]} does not match game date "
                                   f"{dates[row]} (a {season[row]} game is played between "
                                   f"{windows[season_codes[row]][0]} and "
                                   f"{windows[season_codes[row]][1]})")

    codes, results = _column_map(table, "MATCHUP", _parse_matchup, fill=("", "", False))
    own = _take([r[0] for r in results], codes)
    other = _take([r[1] for r in results], codes)
    is_home = _take([r[2] for r in results], codes, bool)
    team_codes, team_results = _column_map(table, "TEAM_ABBREVIATION", _parse_team)
    listed = _take(team_results, team_codes)
    mismatch = np.flatnonzero(listed != own)
    if len(mismatch):
        row = int(mismatch[0])
        raise table.row_error(row, f"TEAM_ABBREVIATION {listed[row]} does not match MATCHUP "
                                   f"{_show(table.columns['MATCHUP'][row])}")
    home = np.where(is_home, own, other)
    away = np.where(is_home, other, own)
    game_id = ymd + "-" + home + "-" + away

    codes, results = _column_map(table, "WL", _parse_wl)
    win = _take(results, codes, float)
    out: dict[str, object] = {
        "season": season, "season_type": season_type, "game_id": game_id,
        "game_date": dates.astype("datetime64[us]"), "team": own, "opponent": other,
        "is_home": is_home, "win": win,
    }
    pts = _numbers(table, "PTS")
    empty = np.flatnonzero(np.isnan(pts))
    if len(empty):
        raise table.row_error(int(empty[0]), "PTS is empty")
    out["pts"] = pts
    for column in OPTIONAL_STAT_COLUMNS:
        out[column.lower()] = _numbers(table, column)
    if mode == "P":
        codes, results = _column_map(table, "PLAYER_ID", _parse_player_id, fill=0)
        out["player_id"] = _take(results, codes, "int64")
        codes, results = _column_map(table, "PLAYER_NAME", _parse_name)
        out["player_name"] = _take(results, codes)
        minutes = _numbers(table, "MIN")
        out["min"] = np.where(np.isnan(minutes), 0.0, minutes)
        columns = PLAYER_GAME_COLUMNS
    else:
        out["opp_pts"] = np.full(n, np.nan)
        columns = TEAM_GAME_COLUMNS
    return _table(columns, out)


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
    for mode, columns, key, what in (("T", TEAM_GAME_COLUMNS, "team", "team"),
                                     ("P", PLAYER_GAME_COLUMNS, "player_id", "player")):
        parts = [(i, f.frame) for i, f in enumerate(frames) if f.mode == mode and len(f.frame)]
        if not parts:
            tables.append(_table(columns))
            continue
        frame = (pd.concat([part for _, part in parts], ignore_index=True) if len(parts) > 1
                 else parts[0][1])
        source = np.repeat([i for i, _ in parts], [len(part) for _, part in parts])
        duplicate = frame.duplicated(subset=["game_id", key], keep="last").to_numpy()
        if duplicate.any():
            logger.warning("dropped %d duplicate %s-game rows", int(duplicate.sum()), what)
            frame, source = frame[~duplicate], source[~duplicate]
        _check_one_game_a_day(frame, source, key, paths)
        # game_id starts with the date (YYYYMMDD), so this order is by date too
        if mode == "T":
            frame = _pair_team_games(frame)
        else:
            frame = frame.sort_values(["game_id", "player_id"], kind="mergesort")
        tables.append(frame.reset_index(drop=True)[list(columns)])
    return GameData(tables[0], tables[1], sources or [])


def _check_one_game_a_day(frame: pd.DataFrame, source: np.ndarray, key: str,
                          paths: list[Path]) -> None:
    """Refuse a team (or player) in two different games on one day, naming the later file."""
    import numpy as np

    clash = frame.duplicated(subset=["game_date", key], keep="first").to_numpy()
    if not clash.any():
        return
    index = int(np.flatnonzero(clash)[0])
    row = frame.iloc[index]
    first = frame[(frame["game_date"] == row["game_date"]) & (frame[key] == row[key])].iloc[0]
    raise _error(paths[int(source[index])],
                 f"{key} {row[key]} is in two games on {row['game_date'].date()}: "
                 f"{first['game_id']} and {row['game_id']}")


def _pair_team_games(team_games: pd.DataFrame) -> pd.DataFrame:
    """Return the rows sorted by game (away side first) with ``opp_pts`` filled from the other
    side; drop games lacking one side. A missing WL is taken from the score.
    """
    import numpy as np

    # (game_id, team) is unique and game_id names both teams: a game has at most two rows, one
    # home and one away
    paired = team_games.duplicated(subset=["game_id"], keep=False).to_numpy()
    if not paired.all():
        logger.warning("dropped %d team-game rows whose opponent row is missing",
                       int((~paired).sum()))
        team_games = team_games[paired]
    team_games = team_games.sort_values(["game_id", "is_home"], kind="mergesort")
    pts = team_games["pts"].to_numpy(dtype=float)
    opp_pts = pts.reshape(-1, 2)[:, ::-1].reshape(-1)
    win = team_games["win"].to_numpy(dtype=float)
    unknown = np.isnan(win) & (pts != opp_pts)
    if unknown.any():
        win = np.where(unknown, (pts > opp_pts).astype(float), win)
    return team_games.assign(opp_pts=opp_pts, win=win)


def games_table(team_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per game: game_id, season, season_type, game_date, home, away, scores."""
    home = team_games[team_games["is_home"]]
    games = home[["game_id", "season", "season_type", "game_date", "team", "opponent", "pts",
                  "opp_pts"]].rename(columns={"team": "home", "opponent": "away",
                                              "pts": "home_pts", "opp_pts": "away_pts"})
    games = games.assign(home_win=(games["home_pts"] > games["away_pts"]).astype(float))
    return games.sort_values(["game_date", "game_id"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Messages


def _one_line(text: str) -> str:
    """Return ``text`` with every control or line-separator character escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def _display(path: object) -> str:
    return _one_line(str(path))


def _error(path: object, text: str) -> DataError:
    return DataError(_one_line(f"{path}: {text}"))


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or type(error).__name__


def _show(value: object, *, quote: bool = True, limit: int = _SHOW_CHARS) -> str:
    """Return a short one-line rendering of a bad value for a message."""
    text = _one_line(repr(value) if quote else str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."
