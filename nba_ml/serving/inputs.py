"""What a prediction is asked for, checked once for the CLI and the web API: dates and teams.

``parse_day`` is the one date rule (a date, or text written ``YYYY-MM-DD`` and nothing else);
``resolve_team`` maps a team code to nba_api's abbreviation, suggesting close ones when unknown.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import TYPE_CHECKING

from nba_ml.data.schema import TEAMS, canonical_team
from nba_ml.data.seasons import today_in_chicago
from nba_ml.errors import UsageError
from nba_ml.state.files import safe_text

if TYPE_CHECKING:
    import pandas as pd

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(date: object) -> dt.date:
    """Return a date given as a date or a YYYY-MM-DD string; raise UsageError otherwise (one
    rule for the CLI's --date and the web API's date=)."""
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    text = str(date).strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"invalid date {safe_text(repr(str(date)[:40]))}: expected YYYY-MM-DD, "
                         "e.g. 2026-12-02") from None


def upcoming_day(date: object, last: dt.date | None) -> pd.Timestamp:
    """Return the day asked for (default: today in Chicago) as a Timestamp; raise UsageError
    unless it comes after ``last``, the last game in the data."""
    import pandas as pd

    day = today_in_chicago() if date is None else parse_day(date)
    if last is not None and day <= last:
        raise UsageError(f"date {day.isoformat()} is not after the last game in the data "
                         f"({last.isoformat()}); predictions are for upcoming games")
    return pd.Timestamp(day)


def resolve_team(code: str) -> str:
    """Return the nba_api abbreviation for a team code; raise UsageError suggesting close ones."""
    team = canonical_team(code)
    if team is None:
        close = difflib.get_close_matches(str(code).upper(), sorted(TEAMS), n=3, cutoff=0.3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"unknown team {safe_text(repr(str(code)[:40]))}{hint}")
    return team
