"""What a prediction is asked for, checked once for the CLI and the web API: dates and teams.

``parse_day`` is the one date rule (a date, or text written ``YYYY-MM-DD`` and nothing else);
``resolve_team`` maps a team as people write it (a code, city or nickname: ``data.names``) to
nba_api's abbreviation, and ``find_player_id`` a player's id or name as people type it to his id,
both suggesting the closest when nothing matches: the one path of the CLI, ``predict today``'s
schedule file and the web API.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from nba_ml.data.names import PlayerNames, close_teams, find_teams
from nba_ml.data.seasons import today_in_chicago
from nba_ml.errors import UsageError
from nba_ml.state.files import is_ascii_number, safe_text

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
        raise UsageError(
            f"invalid date {safe_text(repr(str(date)[:40]))}: expected YYYY-MM-DD, e.g. 2026-12-02"
        ) from None


def upcoming_day(date: object, last: dt.date | None) -> pd.Timestamp:
    """Return the day asked for (default: today in Chicago) as a Timestamp; raise UsageError
    unless it comes after ``last``, the last game in the data."""
    import pandas as pd

    day = today_in_chicago() if date is None else parse_day(date)
    if last is not None and day <= last:
        raise UsageError(
            f"date {day.isoformat()} is not after the last game in the data "
            f"({last.isoformat()}); predictions are for upcoming games"
        )
    return pd.Timestamp(day)


def check_horizon(day: dt.date, last: dt.date | None, today: dt.date, horizon: int) -> None:
    """Raise UsageError unless ``day`` lies within ``horizon`` days after ``last`` (the data's
    last game) or from the day before ``today`` to ``horizon`` days after it: every other date
    would cost a live server a feature pass for a prediction nobody needs
    (``NBA_ML_SERVING_HORIZON_DAYS``)."""
    ahead = dt.timedelta(days=horizon)
    if last is not None and last < day <= last + ahead:
        return
    if today - dt.timedelta(days=1) <= day <= today + ahead:
        return
    after = (
        f"the {horizon} days after the data's last game ({last.isoformat()}) or " if last else ""
    )
    raise UsageError(
        f"date {day.isoformat()} is beyond what this server predicts: {after}"
        f"yesterday to {horizon} days after today ({today.isoformat()})"
    )


MAX_ID_DIGITS = 18  # digits of a player id looked up (ids have 1-7; int64 holds 18)
MAX_NAME = 60  # characters of a player's name looked up and echoed (names are far shorter)


def resolve_team(code: str) -> str:
    """Return the nba_api abbreviation for a team code, city, nickname or full name ("BOS",
    "boston", "Celtics", "Sixers"); raise UsageError suggesting close ones, or naming both teams
    of "LA" / "Los Angeles"."""
    shown = safe_text(repr(str(code)[:40]))
    teams = find_teams(code) if len(str(code)) <= MAX_NAME else []
    if len(teams) == 1:
        return teams[0]
    if teams:
        raise UsageError(f"ambiguous team {shown}: {' or '.join(teams)}?")
    close = close_teams(code) if len(str(code)) <= MAX_NAME else []
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"unknown team {shown}{hint}")


def find_player_id(text: str, latest: pd.DataFrame, by_name: PlayerNames) -> int:
    """Return the player id that ``text`` names among ``latest`` (each player's latest row, by
    id; ``by_name`` their names): an id written with the digits 0-9, or a name as people type
    it (``data.names.PlayerNames``: any case, accents or not, suffix or not, a first or last
    name one player has). Raise UsageError with the closest names when nobody matches, or the
    players a shared first or last name fits, most recently active first."""
    text = text.strip()
    shown = text if len(text) <= MAX_NAME else text[:MAX_NAME] + "..."
    # no name is longer than MAX_NAME: a longer text is neither compared nor echoed whole
    found = [] if len(text) > MAX_NAME else by_name.candidates(text)
    if len(found) > 1:
        names = ", ".join(by_name.names[i] for i in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise UsageError(f"ambiguous player {shown!r}: did you mean {names}{more}?")
    # an id is at most MAX_ID_DIGITS digits: int() of 5000 digits raises ValueError (a bug)
    if is_ascii_number(text):
        player_id: int | None = int(text) if len(text) <= MAX_ID_DIGITS else None
    else:
        player_id = found[0] if found else None
    if player_id is None or player_id not in latest.index:
        close = by_name.suggest(text) if len(text) <= MAX_NAME else []
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"unknown player {shown!r}{hint}")
    return player_id
