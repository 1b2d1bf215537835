"""Parsing the values of game-log sources: one distinct value at a time, strictly.

Each parser takes one raw value (text from a CSV, a JSON scalar) and returns the canonical value or
a :class:`Reject` carrying the reason, which the importer reports after the file and row. The
parsers are cached by value: a season holds ~100k rows but only a few hundred distinct dates,
match-ups or point totals.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nba_ml.data.schema import (
    EXCLUDED_SEASON_ID_TYPES,
    EXCLUDED_SEASON_TYPES,
    SEASON_ID_TYPES,
    SEASON_TYPE_NAMES,
    canonical_team,
)
from nba_ml.data.seasons import season_label
from nba_ml.errors import DataError
from nba_ml.state.files import describe_os_error, safe_text

if TYPE_CHECKING:
    import numpy as np

    from nba_ml.data.sources import Table

logger = logging.getLogger("nba_ml.data.importer")

MAX_FIELD_CHARS = 200
_SHOW_CHARS = 40

_MATCHUP = re.compile(r"\s*([A-Za-z]{2,4})\s+(vs\.?|@)\s+([A-Za-z]{2,4})\s*")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CLOCK = re.compile(r"([0-9]{1,3}):([0-9]{1,2})")
_INTEGER = re.compile(r"\+?([0-9]{1,16})(?:\.0*)?")
_SEASON_ID = re.compile(r"([0-9])([0-9]{4})")
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
_NAMED_DATE = re.compile(r"([A-Za-z]{3,9})\.?\s+([0-9]{1,2}),?\s+([0-9]{4})")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
# a month by its full name or its abbreviation ("Oct", "Sept"); never another word ("Octopus")
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}

NON_NEGATIVE = frozenset({"MIN", "PTS", "REB", "AST", "STL", "BLK", "TOV"})
FRACTIONS = frozenset({"FG_PCT", "FG3_PCT", "FT_PCT"})
STAT_LIMITS = (-1000.0, 10000.0)


class Reject:
    """A value that cannot be used, and why (the text follows the row in the message)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def text_value(value: object) -> str | None:
    """Return a stripped string, "" for missing; None when the value is not text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and math.isnan(value):
        return ""
    return None


def limits(column: str) -> tuple[float, float]:
    if column in FRACTIONS:
        return 0.0, 1.0
    low, high = STAT_LIMITS
    return (0.0 if column in NON_NEGATIVE else low), high


def number_parser(column: str) -> Callable[[object], object]:
    low, high = limits(column)

    def parse(value: object) -> object:
        number = _number(column, value)
        if isinstance(number, Reject) or math.isnan(number):
            return number
        if not low <= number <= high:  # also catches inf
            return Reject(f"{column} {number_text(number)} is out of range")
        return number

    return parse


def _number(column: str, value: object) -> float | Reject:
    """Return ``value`` (a cell of ``column``) as a number, NaN when empty, not yet checked
    against the column's range; or the Reject saying why it is no number."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return Reject(f"{column} {show(value)} is out of range")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return math.nan
        if _NUMBER.fullmatch(text) or text.lstrip("+-").lower() in ("inf", "infinity"):
            return float(text)  # infinity is refused by the range, as when read_csv parses it
        if column == "MIN" and (clock := _CLOCK.fullmatch(text)) and int(clock[2]) < 60:
            return int(clock[1]) + int(clock[2]) / 60.0
    return Reject(f"{column} {show(value)} is not a number")


def number_text(number: float) -> str:
    number = float(number)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


@functools.lru_cache(maxsize=8192, typed=True)
def parse_date(value: object) -> object:
    text = text_value(value)
    if text is None:
        return Reject(f"GAME_DATE {show(value)} is not a date")
    if not text:
        return Reject("GAME_DATE is empty")
    try:
        if match := _ISO_DATE.fullmatch(text):
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        elif (match := _NAMED_DATE.fullmatch(text)) and match[1].lower() in _MONTHS:
            day = dt.date(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
        elif match := _US_DATE.fullmatch(text):
            day = dt.date(int(match[3]), int(match[1]), int(match[2]))
        else:
            return Reject(f"GAME_DATE {show(value)} is not a date")
    except ValueError:
        return Reject(f"GAME_DATE {show(value)} is not a date")
    if not 1946 <= day.year <= 2101:
        return Reject(f"GAME_DATE {show(value)} is out of range")
    return day


@functools.lru_cache(maxsize=8192, typed=True)
def parse_matchup(value: object) -> object:
    text = text_value(value)
    if text == "":
        return Reject("MATCHUP is empty")
    match = _MATCHUP.fullmatch(text) if text else None
    if match is None:
        return Reject(f"MATCHUP {show(value)} is not like 'BOS vs. PHI' or 'PHI @ BOS'")
    own, other = canonical_team(match[1]), canonical_team(match[3])
    for code, raw in ((own, match[1]), (other, match[3])):
        if code is None:
            return Reject(f"unknown team {show(raw)} in MATCHUP {show(value)}")
    if own == other:
        return Reject(f"MATCHUP {show(value)}: a team cannot play itself")
    return (own, other, match[2].startswith("vs"))


@functools.lru_cache(maxsize=1024, typed=True)
def parse_team(value: object) -> object:
    text = text_value(value)
    if text == "":
        return Reject("TEAM_ABBREVIATION is empty")
    code = canonical_team(text) if text else None
    if code is None:
        return Reject(f"unknown team {show(value)} in TEAM_ABBREVIATION")
    return code


def parse_wl(value: object) -> object:
    text = text_value(value)
    if text is None:
        return Reject(f"WL {show(value)} is not W or L")
    result = {"W": 1.0, "L": 0.0, "": math.nan}.get(text.upper())
    if result is None:
        return Reject(f"WL {show(value)} is not W or L")
    return result


def parse_player_id(value: object) -> object:
    if text_value(value) == "":
        return Reject("PLAYER_ID is empty")
    number: object = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (match := _INTEGER.fullmatch(value.strip())):
        number = int(match[1])
    if not isinstance(number, int) or not 0 < number < 2**53:
        return Reject(f"PLAYER_ID {show(value)} is not a positive integer")
    return number


def parse_name(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    text = text_value(value)
    return Reject(f"PLAYER_NAME {show(value)} is not a name") if text is None else text


def _season_type_key(value: str) -> str:
    return re.sub(r"[\s_]+", " ", value.strip().lower())


_SEASON_TYPES = {_season_type_key(k): v for k, v in SEASON_TYPE_NAMES.items()}
_EXCLUDED_TYPES = {_season_type_key(k) for k in EXCLUDED_SEASON_TYPES}
DROP = "drop"


def parse_season_type(value: object) -> object:
    text = text_value(value)
    if text is None:
        return Reject(f"unknown SEASON_TYPE {show(value)}")
    if not text:
        return None
    key = _season_type_key(text)
    if key in _SEASON_TYPES:
        return _SEASON_TYPES[key]
    if key in _EXCLUDED_TYPES:
        return DROP
    return Reject(f"unknown SEASON_TYPE {show(value)}")


def parse_season_id(value: object) -> object:
    """Return (season label, season type), DROP, or None when the value is empty."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = text_value(value)
    if text is None:
        return Reject(f"SEASON_ID {show(value)} is not like 22019")
    if not text:
        return None
    match = _SEASON_ID.fullmatch(text)
    if match is None:
        return Reject(f"SEASON_ID {show(value)} is not like 22019")
    kind = SEASON_ID_TYPES.get(match[1])
    if kind is None:
        if match[1] not in EXCLUDED_SEASON_ID_TYPES:
            logger.warning("dropping rows of unknown season type %s", match[1])
        return DROP
    year = int(match[2])
    if not 1946 <= year <= 2100:
        return Reject(f"SEASON_ID {show(value)} is out of range")
    return (season_label(year), kind)


_GAME_ID = re.compile(r"00([0-9])[0-9]{7}")


def parse_game_id_type(value: object) -> object:
    """Return the season type a GAME_ID names ("0052000101" -> "PlayIn"), DROP for excluded
    types, or None when the value is empty or not an nba.com game id (then it says nothing)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:010d}"
    if not isinstance(value, str):
        return None
    match = _GAME_ID.fullmatch(value.strip())
    if match is None:
        return None
    kind = SEASON_ID_TYPES.get(match[1])
    if kind is None:
        return DROP if match[1] in EXCLUDED_SEASON_ID_TYPES else None
    return kind


# --------------------------------------------------------------------------------------------
# Columns, one distinct value at a time


def column_map(
    table: Table, column: str, parse: Callable[[object], object], fill: object = None
) -> tuple[np.ndarray, list[Any]]:
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
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            rejected[position] = f"{column} holds an oversized field ({len(value)} characters)"
            results.append(fill)
            continue
        result = parse(value)
        if isinstance(result, Reject):
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


def take(results: list[Any], codes: np.ndarray, dtype: Any = object) -> np.ndarray:
    import numpy as np

    if dtype is object:
        lookup = np.empty(len(results), dtype=object)
        lookup[:] = results
    else:
        lookup = np.array(results, dtype=dtype)
    return lookup[codes]


def numbers(table: Table, column: str) -> np.ndarray:
    import numpy as np

    values = table.columns.get(column)
    if values is not None and values.dtype == np.float64:  # already parsed by read_csv
        low, high = limits(column)
        with np.errstate(invalid="ignore"):
            outside = np.flatnonzero((values < low) | (values > high))
        if len(outside):
            row = int(outside[0])
            raise table.row_error(row, f"{column} {number_text(values[row])} is out of range")
        return values.astype(float, copy=True)
    codes, results = column_map(table, column, number_parser(column), fill=math.nan)
    return take(results, codes, float)


# --------------------------------------------------------------------------------------------
# Messages


def error_for(path: object, text: str) -> DataError:
    """Return the one-line DataError ``<path>: <text>``."""
    return DataError(safe_text(f"{path}: {text}"))


def reason(error: BaseException) -> str:
    """Return the wording of an OS error (or the class name of another error)."""
    return describe_os_error(error) if isinstance(error, OSError) else type(error).__name__


def show(value: object, *, quote: bool = True, limit: int = _SHOW_CHARS) -> str:
    """Return a short one-line rendering of a bad value for a message."""
    text = safe_text(repr(value) if quote else str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."
