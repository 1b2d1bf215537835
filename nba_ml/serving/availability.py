"""Who is out tonight, as a prediction is told: the caller's list, an injury report, or nobody.

Three sources, in this order of precedence (``Predictor.availability`` combines them):

1. the caller: ``predict ... --out "NAME-or-ID,..."`` or the API's ``out=`` (repeatable); names
   resolve as every player name does (``data.names``: any case, accents, "Jr." / "III");
   an unknown name is a usage error;
2. an injury report in the columns of the NBA's official report (Game Date, Game Time,
   Matchup, Team, Player Name as "Last, First", Current Status, Reason), as CSV or JSON (a
   list of records, or an object holding one), given with ``--injuries FILE`` or found at
   ``<data dir>/injuries.csv`` / ``injuries.json`` (``REPORT_NAMES``). Only rows of the day
   predicted count (a row without a date counts). A status's chance of playing is
   ``STATUS_PLAYS``; below ``OUT_BELOW`` the player is out: Out and Doubtful are out,
   Questionable, Probable and Available play. Unknown players, teams and statuses are reported
   in the notes, never silently dropped; an unreadable or malformed file is one note and the
   prediction falls back to the probable rotation, saying so;
3. none: the probable rotation (everyone who played lately), today's behaviour.

A list is taken as complete: everyone it does not name plays (as a box score says in
training). Listed players below the rotation threshold change nothing (as in training).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.errors import DataError
from nba_ml.state.files import safe_text

if TYPE_CHECKING:
    import pandas as pd

# the report's columns (the NBA's official injury report)
REPORT_COLUMNS: tuple[str, ...] = (
    "Game Date",
    "Game Time",
    "Matchup",
    "Team",
    "Player Name",
    "Current Status",
    "Reason",
)
REQUIRED: tuple[str, ...] = ("Team", "Player Name", "Current Status")
# chance of playing by status (the NBA's guidance: doubtful about 25 %, questionable 50 %,
# probable 75 %); a player below OUT_BELOW is out
STATUS_PLAYS: dict[str, float] = {
    "out": 0.0,
    "doubtful": 0.25,
    "questionable": 0.5,
    "probable": 0.75,
    "available": 1.0,
}
OUT_BELOW = 0.5
# where an operator drops the report in the data directory (the first that exists is read)
REPORT_NAMES: tuple[str, ...] = ("injuries.csv", "injuries.json")
MAX_REPORT_BYTES = 5_000_000


class ReportUnreadable(DataError):
    """The injury report cannot be read or has not the report's columns."""


@dataclasses.dataclass(frozen=True)
class OutPlayer:
    """A player a list names out: his id, name, team, the status read and how the day's
    rotation counts him (``availability.counted``: "out" or "not in the rotation")."""

    player_id: int
    name: str
    team: str
    status: str = "Out"
    counted: str = "out"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Availability:
    """What a prediction knew about who plays: ``source`` ("none", "caller", "injury report
    <path>", or both joined by " + "), the players out and notes (unknown names, a fallback)."""

    source: str = "none"
    out: tuple[OutPlayer, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether a list is in use (everyone it does not name plays)."""
        return self.source != "none"

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(p.player_id for p in self.out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "out": [p.as_dict() for p in self.out],
            "notes": list(self.notes),
        }

    def describe(self) -> str:
        """One line for text output (:func:`describe`)."""
        return describe(self.as_dict())


def describe(listed: dict[str, Any]) -> str:
    """Return one line saying which availability a prediction used (``Availability.as_dict``
    of it): its source, the players out and the notes."""
    if listed.get("source", "none") == "none":
        head = "availability: none (the probable rotation: everyone who played lately)"
    else:
        names = ", ".join(
            f"{p['name']} ({p['team']}{'' if p['counted'] == 'out' else ', ' + p['counted']})"
            for p in listed.get("out", [])
        )
        head = f"availability: {listed['source']}; out: {names or 'nobody'}"
    return "; ".join([head, *listed.get("notes", [])])


@dataclasses.dataclass(frozen=True)
class ReportRow:
    """One row of an injury report: the player as "First Last", his team as written."""

    date: dt.date | None
    team: str
    player: str
    status: str
    reason: str


def report_path(data_dir: Path | None, given: Path | None) -> Path | None:
    """Return the report to read: ``given`` (``--injuries``), else the first of
    ``REPORT_NAMES`` in ``data_dir`` that exists, else None."""
    if given is not None:
        return Path(given)
    if data_dir is None:
        return None
    for name in REPORT_NAMES:
        path = Path(data_dir) / name
        if path.is_file():
            return path
    return None


def read_report(path: Path) -> list[ReportRow]:
    """Return the rows of an injury report file (CSV, or JSON when it ends in .json or starts
    with ``[`` / ``{``); raise ReportUnreadable with one line when it cannot be read or lacks
    the report's columns."""
    shown = safe_text(str(path))
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as error:
        raise ReportUnreadable(f"injury report {shown} unreadable: {error.strerror}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportUnreadable(f"injury report {shown} is over {MAX_REPORT_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReportUnreadable(f"injury report {shown} is not UTF-8 text") from None
    return parse_report(text, json_hint=path.suffix.lower() == ".json", shown=shown)


def parse_report(text: str, json_hint: bool = False, shown: str = "text") -> list[ReportRow]:
    """Return the rows of an injury report given as text (see ``read_report``)."""
    stripped = text.lstrip()
    if json_hint or stripped.startswith(("[", "{")):
        try:
            records = _json_records(json.loads(text))
        except ValueError as error:
            raise ReportUnreadable(f"injury report {shown} is not valid JSON: {error}") from None
    else:
        try:
            records = list(csv.DictReader(io.StringIO(text)))
        except csv.Error as error:
            raise ReportUnreadable(f"injury report {shown} is not valid CSV: {error}") from None
    if not records:
        return []
    columns = {str(k).strip() for k in records[0] if k is not None}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ReportUnreadable(
            f"injury report {shown} lacks the column(s) {', '.join(missing)} "
            f"(expected: {', '.join(REPORT_COLUMNS)})"
        )
    rows = []
    for record in records:
        clean = {str(k).strip(): "" if v is None else str(v).strip() for k, v in record.items()}
        if not clean.get("Player Name"):
            continue  # a game line without players ("NOT YET SUBMITTED")
        rows.append(
            ReportRow(
                _report_date(clean.get("Game Date", ""), shown),
                clean["Team"],
                first_last(clean["Player Name"]),
                clean["Current Status"],
                clean.get("Reason", ""),
            )
        )
    return rows


def _json_records(value: object) -> list[dict[str, Any]]:
    """Return the records of a JSON report: a list of objects, or an object holding one list
    of objects (``{"data": [...]}`` and the like); raise ValueError otherwise."""
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise ValueError("expected a list of records, or an object holding one")
        value = lists[0]
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValueError("expected a list of records")
    return value


def _report_date(text: str, shown: str) -> dt.date | None:
    """Return a report's Game Date (MM/DD/YYYY as the NBA writes it, or YYYY-MM-DD); None when
    empty; raise ReportUnreadable otherwise."""
    if not text:
        return None
    for pattern in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(text[:10], pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ReportUnreadable(f"injury report {shown} has a Game Date it cannot read: {text[:20]!r}")


def first_last(name: str) -> str:
    """Return "Last, First" as "First Last" (a suffix stays last: "Jackson Jr., Jaren" ->
    "Jaren Jackson Jr."); a name without a comma is returned as it is."""
    if "," not in name:
        return name.strip()
    last, first = name.split(",", 1)
    return f"{first.strip()} {last.strip()}".strip()


def plays(status: str) -> float | None:
    """Return a status's chance of playing (``STATUS_PLAYS``), None when unknown."""
    return STATUS_PLAYS.get(status.strip().lower())


def report_outs(
    rows: list[ReportRow],
    day: dt.date,
    named: dict[int, OutPlayer],
    find_player: Callable[[str], tuple[int, str, str]],
) -> list[str]:
    """Add the report's players out on ``day`` (status below ``OUT_BELOW``) to ``named`` (the
    caller's come first and stay), found by ``find_player`` (name -> id, name, team; raises
    UsageError); return notes on the rows it could not use: an unknown status (taken as
    playing), team or player. A row of another day is skipped."""
    from nba_ml.errors import UsageError
    from nba_ml.serving.inputs import resolve_team

    notes = []
    for row in rows:
        if row.date is not None and row.date != day:
            continue
        chance = plays(row.status)
        if chance is None:
            notes.append(f"unknown status {row.status!r} for {row.player}: taken as playing")
            continue
        if chance >= OUT_BELOW:
            continue
        try:
            resolve_team(row.team)
        except UsageError as error:
            notes.append(f"{row.player}: {error}")
        try:
            player_id, name, team = find_player(row.player)
        except UsageError as error:
            notes.append(f"injury report: {error}")
            continue
        named.setdefault(player_id, OutPlayer(player_id, name, team, row.status))
    return notes


class ReportCache:
    """The injury reports a predictor read, each read again only when its size or modification
    time changed: a server follows a file an operator replaces, without a restart."""

    def __init__(self) -> None:
        # path -> ((path, mtime_ns, size), rows); swapped whole, never mutated (threads)
        self._read: dict[str, tuple[tuple[str, int, int], list[ReportRow]]] = {}

    def rows(self, path: Path) -> list[ReportRow]:
        """Return the rows of the report at ``path``; raise ReportUnreadable."""
        try:
            stat = path.stat()
        except OSError as error:
            raise ReportUnreadable(
                f"injury report {safe_text(str(path))} unreadable: {error.strerror}"
            ) from None
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        cached = self._read.get(str(path))
        if cached is not None and cached[0] == key:
            return cached[1]
        rows = read_report(path)
        self._read = {**self._read, str(path): (key, rows)}
        return rows


def with_availability(frame: pd.DataFrame, listed: Availability) -> pd.DataFrame:
    """Return a predictor's result ``frame`` carrying the availability it used, as
    ``frame.attrs["availability"]`` (:meth:`Availability.as_dict`)."""
    frame.attrs["availability"] = listed.as_dict()
    return frame
