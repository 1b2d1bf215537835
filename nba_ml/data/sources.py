"""Reading game-log files into tables of raw values: CSV exports and raw stats.nba.com JSON.

Files are read without blocking and bounded in size (``state.files.read_regular_file``): a FIFO
or a device never hangs an import. JSON is parsed with bounded nesting, and its result set is
read by ``schema.result_set``, the same reader the collector validates responses with.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import dataclasses
import io
import json
import logging
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.data.schema import OPTIONAL_STAT_COLUMNS, REQUIRED_SOURCE_COLUMNS, result_set
from nba_ml.data.seasons import parse_season
from nba_ml.data.values import Reject, error_for, parse_season_type, reason, show
from nba_ml.errors import DataError, UsageError
from nba_ml.state.files import (
    MAX_JSON_DEPTH,
    FileDamaged,
    json_depth_ok,
    read_regular_file,
    safe_text,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger("nba_ml.data.importer")

MAX_FILE_BYTES = 512 * 1024 * 1024
_SEASON_IN_NAME = re.compile(r"(?<![0-9])([0-9]{4}-[0-9]{2})(?![0-9])")
# Columns read from a source; any other column is ignored.
USED_COLUMNS = frozenset(
    {
        *REQUIRED_SOURCE_COLUMNS["T"],
        *REQUIRED_SOURCE_COLUMNS["P"],
        *OPTIONAL_STAT_COLUMNS,
        "SEASON_ID",
        "SEASON_TYPE",
        "GAME_ID",
    }
)
NUMERIC_COLUMNS = frozenset({"PTS", "MIN", *OPTIONAL_STAT_COLUMNS})

# A file named like a game log is read as one (and refused when it is not); so is one with a
# season in its name that cannot be read as a table. Any other CSV or JSON is read as one only
# when it has the MATCHUP column of every LeagueGameLog row, so that a directory above the game
# logs (FiveThirtyEight's Elo tables, other endpoints' responses) has those skipped with a
# warning instead of failing the import.
_GAME_LOG_NAME = re.compile(r"game_?logs?|gamefinder", re.IGNORECASE)


def is_game_log(path: Path) -> bool:
    """Return False, with a warning naming the file, for one that is clearly not a game log."""
    if _GAME_LOG_NAME.search(path.name):
        return True
    try:
        why = "" if "MATCHUP" in read_table(path).names else "no MATCHUP column"
    except DataError as error:
        if season_from_name(path):  # e.g. 2019-20_regular-season_T.json: refused with why
            return True
        why = str(error).removeprefix(f"{safe_text(str(path))}: ")
    if why:
        logger.warning("skipping %s: not a game-log file (%s)", safe_text(str(path)), why)
    return not why


def game_log_files(directory: Path, recursive: bool = True) -> list[Path]:
    """Return the game-log files under ``directory`` (:func:`find_files`, then
    :func:`is_game_log`)."""
    return [path for path in find_files(directory, recursive) if is_game_log(path)]


def find_files(directory: Path, recursive: bool) -> list[Path]:
    """Return the candidate files under ``directory`` in a stable order (iterative walk)."""
    found: list[Path] = []
    pending = [directory]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listing = list(entries)
        except OSError as error:
            raise error_for(current, f"cannot list directory ({reason(error)})") from None
        for entry in listing:
            kind = _entry_kind(entry)
            if kind == "directory" and recursive:
                pending.append(Path(entry.path))
            elif kind == "file":
                found.append(Path(entry.path))
    return sorted(found, key=lambda p: p.relative_to(directory).parts)


def _entry_kind(entry: os.DirEntry[str]) -> str | None:
    """Return "directory" (not followed through a symlink), "file" for a candidate file (a
    regular .csv or .json file, symlinks followed), or None for anything else (hidden names,
    MANIFEST.json, other files; a candidate name that is no regular file is logged)."""
    if entry.name.startswith("."):
        return None
    wanted = Path(entry.name).suffix.lower() in (".csv", ".json") and entry.name != "MANIFEST.json"
    try:
        if entry.is_dir(follow_symlinks=False):
            return "directory"
        if wanted and not entry.is_file(follow_symlinks=True):
            logger.warning("skipping %s: not a regular file", safe_text(entry.path))
            return None
    except OSError as error:  # a symlink loop, a target that cannot be searched
        if wanted:
            logger.warning("skipping %s: %s", safe_text(entry.path), reason(error))
        return None
    return "file" if wanted else None


def read_bytes(path: Path) -> bytes:
    """Return the file's bytes; refuse anything but a readable regular file of sane size."""
    try:
        return read_regular_file(path, limit=MAX_FILE_BYTES, follow_symlinks=True)
    except FileDamaged as damaged:
        raise error_for(path, damaged.reason.removeprefix("is ")) from None
    except (OSError, ValueError) as error:
        raise error_for(path, f"cannot read ({reason(error)})") from None


def read_table(path: Path) -> Table:
    """Return the used columns of one CSV or JSON file; raise DataError naming the file."""
    raw = read_bytes(path)
    if not raw or raw.isspace():  # without copying a file of up to MAX_FILE_BYTES
        raise error_for(path, "file is empty")
    if b"\x00" in raw:
        raise error_for(path, "binary data, not a CSV or JSON file")
    try:
        text = raw.decode("utf-8-sig")  # also proves the bytes are UTF-8 for pandas
    except UnicodeDecodeError:
        raise error_for(path, "not a UTF-8 text file") from None
    if path.suffix.lower() == ".json":
        del raw
        return table_from_json(path, text)
    del text
    return table_from_csv(path, raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw)


@dataclasses.dataclass
class Table:
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
        return error_for(self.path, f"{self.where(row)}: {text}")

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
        if name in seen or (base != name and base in names and base in USED_COLUMNS):
            shown = base if base in USED_COLUMNS else name
            if shown in USED_COLUMNS:
                raise error_for(path, f"duplicate column {show(shown, quote=False)}")
        seen.add(name)
    return names


def _read_csv(data: bytes, dtype: Any) -> pd.DataFrame:
    import pandas as pd

    with warnings.catch_warnings():
        # a first row with more fields than the header would silently become the index
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8",
            dtype=dtype,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
            index_col=False,
            engine="c",
        )


def table_from_csv(path: Path, data: bytes) -> Table:
    """Return the used columns of a UTF-8 CSV file (``data`` without its BOM)."""
    import numpy as np
    import pandas as pd

    try:
        # fast path: the C parser reads the numbers; any odd value ("34:12", "abc") sends the
        # file through the strict value-by-value parser instead
        numeric = [name for name in _csv_header(data) if name.strip().upper() in NUMERIC_COLUMNS]
        try:
            dtypes: dict[str, Any] = collections.defaultdict(
                lambda: object, dict.fromkeys(numeric, "float64")
            )
            frame = _read_csv(data, dtypes)
        except ValueError:  # the numeric columns come back as float64, or read_csv raises
            frame = _read_csv(data, object)
    except pd.errors.ParserWarning:
        raise error_for(path, "a row has more fields than the header") from None
    except (ValueError, OverflowError, TypeError) as error:  # ParserError, EmptyDataError, ...
        lines = str(error).strip().splitlines()
        detail = lines[0] if lines else "unreadable"
        raise error_for(path, f"not a valid CSV file ({detail})") from None
    names = _normalise_names(path, list(frame.columns))
    width = len(names)
    # The C parser pads short rows with empty fields; a row never has more commas than the header
    # (that is a parser error), so equal totals mean every row is complete.
    if b'"' in data or data.count(b",") != (width - 1) * (len(frame) + 1):
        _check_row_widths(path, data.decode("utf-8"), width)
    columns = {}
    for name, source in zip(names, frame.columns, strict=True):
        if name in USED_COLUMNS:
            values = frame[source]
            columns[name] = (
                values.to_numpy() if values.dtype == "float64" else values.to_numpy(dtype=object)
            )
    return Table(path, False, names, columns, np.arange(len(frame)))


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
                raise error_for(
                    path, f"line {reader.line_num} has {len(row)} fields, the header has {width}"
                )
    except csv.Error:
        return  # pandas parsed it; the csv module is only used to find short rows


def table_from_json(path: Path, text: str) -> Table:
    import numpy as np

    if not json_depth_ok(text):
        raise error_for(path, f"invalid JSON (nested deeper than {MAX_JSON_DEPTH} levels)")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as error:
        detail = (
            f"{error.msg} at line {error.lineno}"
            if isinstance(error, json.JSONDecodeError)
            else show(str(error), quote=False, limit=80)
        )
        raise error_for(path, f"invalid JSON ({detail})") from None
    try:
        headers, rows = result_set(body)
    except ValueError as error:
        raise error_for(path, str(error)) from None
    names = _normalise_names(path, headers)
    columns = {}
    for position, name in enumerate(names):
        if name not in USED_COLUMNS:
            continue
        values = [row[position] for row in rows]
        kinds = set(map(type, values))
        if not kinds <= {str, int, float, type(None)}:
            index = next(
                i for i, v in enumerate(values) if type(v) not in (str, int, float, type(None))
            )
            kind = type(values[index]).__name__
            raise error_for(path, f"rowSet[{index}]: {name} holds a JSON {kind}, not a value")
        array = np.empty(len(values), dtype=object)
        array[:] = values
        columns[name] = array
    parameters = body.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    return Table(path, True, names, columns, np.arange(len(rows)), parameters)


def season_from_name(path: Path) -> str | None:
    for match in _SEASON_IN_NAME.finditer(path.name):
        with contextlib.suppress(UsageError):  # "2021-01" in a name is a date, not a season
            parse_season(match.group(1))
            return match.group(1)
    return None


def fallback_season(table: Table) -> str | None:
    for key in ("Season", "SeasonYear"):
        value = table.parameters.get(key)
        if value in (None, ""):
            continue
        try:
            parse_season(value)
        except UsageError:  # also for a parameter that is not even text
            raise error_for(
                table.path, f"parameters.{key} {show(value)} is not a season like 2019-20"
            ) from None
        return value.strip()
    return season_from_name(table.path)


def fallback_season_type(table: Table) -> str:
    value = table.parameters.get("SeasonType")
    if value not in (None, ""):
        parsed = parse_season_type(value)
        if isinstance(parsed, Reject) or parsed is None:
            raise error_for(table.path, f"unknown parameters.SeasonType {show(value)}")
        return parsed  # type: ignore[return-value]
    name = table.path.name.lower()
    if "playoff" in name:
        return "Playoffs"
    return "PlayIn" if "playin" in name or "play-in" in name else "Regular Season"
