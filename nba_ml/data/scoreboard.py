"""The day's slate: ScoreboardV3 responses cached under ``raw/schedule/<YYYY-MM-DD>.json``.

The nightly run fetches the scoreboard of the day in Chicago (``collect.refresh_cache`` with
``schedule_day``); ``nba-ml predict today`` reads it back here. Reading never blocks and never
changes the cache (a damaged file is reported, not set aside). ``nba-ml predict today
--schedule FILE`` reads a scoreboard saved anywhere, or a slate written by hand
(:func:`parse_matchups`), for machines without a nightly run or without internet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

from nba_ml.data.cache import MAX_CACHE_BYTES, schedule_path
from nba_ml.data.schema import canonical_team
from nba_ml.data.upstream import Failure
from nba_ml.errors import DataError
from nba_ml.state.files import (
    describe_os_error,
    loads_json,
    parse_utc,
    read_regular_file,
    safe_text,
)


@dataclasses.dataclass(frozen=True)
class ScheduledGame:
    """One game of the slate, as stats.nba.com lists it."""

    game_id: str
    home: str  # nba_api abbreviation
    away: str
    starts_at: str | None  # "2025-11-06T00:00:00Z"
    status: str  # "7:00 pm ET", "Final", ...
    season_type: str | None  # from GAME_ID: Regular Season, PlayIn, Playoffs


def validate_schedule(body: object, day: dt.date) -> int:
    """Return the game count of a ScoreboardV3 response for ``day``; raise Failure otherwise."""
    board = body.get("scoreboard") if isinstance(body, dict) else None
    if not isinstance(board, dict) or not isinstance(board.get("games"), list):
        raise Failure("not a ScoreboardV3 response (no scoreboard.games)", bad_data=True)
    if board.get("gameDate") not in (None, day.isoformat()):
        raise Failure(f"the scoreboard is for {board.get('gameDate')!r}, not {day}", bad_data=True)
    for index, game in enumerate(board["games"]):
        sides = [
            game.get(key) if isinstance(game, dict) else None for key in ("homeTeam", "awayTeam")
        ]
        if not all(isinstance(s, dict) and isinstance(s.get("teamTricode"), str) for s in sides):
            raise Failure(f"games[{index}] has no home and away team", bad_data=True)
    return len(board["games"])


def read_schedule(raw_dir: Path, day: dt.date) -> tuple[list[ScheduledGame], list[str], Path]:
    """Return (NBA games, skipped match-ups that are not two NBA teams, file) for ``day``.

    Raise FileNotFoundError when no schedule is cached for the day and DataError (one line) when
    the cached file is unreadable or not a scoreboard of that day.
    """
    path = schedule_path(raw_dir, day)
    shown = safe_text(str(path))
    try:
        body = loads_json(read_regular_file(path, limit=MAX_CACHE_BYTES), source=path)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise DataError(f"cannot read the schedule {shown}: {describe_os_error(error)}") from None
    try:
        validate_schedule(body, day)
    except Failure as error:
        raise DataError(f"the schedule {shown} is unusable: {error.reason}") from None
    try:
        games, skipped = scoreboard_games(body)
    except Failure as error:
        raise DataError(f"the schedule {shown} is unusable: {error.reason}") from None
    return games, skipped, path


def scoreboard_date(body: object) -> dt.date | None:
    """Return the ``gameDate`` a ScoreboardV3 response names, or None."""
    board = body.get("scoreboard") if isinstance(body, dict) else None
    raw = board.get("gameDate") if isinstance(board, dict) else None
    try:
        return dt.date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def scoreboard_games(body: dict[str, Any]) -> tuple[list[ScheduledGame], list[str]]:
    """Return (NBA games, skipped match-ups that are not two NBA teams) of a ScoreboardV3
    response already checked by :func:`validate_schedule`; raise Failure (bad data) when it
    lists a team in two games (a team plays once a day: the scoreboard's fault, not the
    caller's)."""
    from nba_ml.data.values import parse_game_id_type

    games: list[ScheduledGame] = []
    skipped: list[str] = []
    for game in body["scoreboard"]["games"]:
        home_code, away_code = game["homeTeam"]["teamTricode"], game["awayTeam"]["teamTricode"]
        home, away = canonical_team(home_code), canonical_team(away_code)
        if home is None or away is None or home == away:
            skipped.append(safe_text(f"{away_code} @ {home_code}"))
            continue
        twice = {home, away} & {team for g in games for team in (g.home, g.away)}
        if twice:
            raise Failure(f"{sorted(twice)[0]} is listed in two games", bad_data=True)
        kind = parse_game_id_type(game.get("gameId"))
        starts = parse_utc(game.get("gameTimeUTC"))  # a time, or nothing: never raw text
        games.append(
            ScheduledGame(
                game_id=safe_text(str(game.get("gameId") or "")),
                home=home,
                away=away,
                starts_at=starts.strftime("%Y-%m-%dT%H:%M:%SZ") if starts else None,
                status=safe_text(str(game.get("gameStatusText") or "")).strip(),
                season_type=kind if isinstance(kind, str) and kind != "drop" else None,
            )
        )
    return games, skipped


_MATCHUP = re.compile(
    r"(?P<away>.+?)\s*@\s*(?P<home>.+)|(?P<away2>.+?)\s+at\s+(?P<home2>.+)|"
    r"(?P<home3>.+?)\s+vs?\.?\s+(?P<away3>.+)|(?P<home4>[^,]+),(?P<away4>[^,]+)",
    re.IGNORECASE,
)


def parse_matchups(text: str) -> list[tuple[int, str, str]]:
    """Return ``(line number, home, away)`` of each game of a slate written by hand, one a
    line: ``AWAY @ HOME`` (or ``AWAY at HOME``), ``HOME vs AWAY`` or ``HOME,AWAY``, the teams
    as typed (resolved by the caller); blank lines and ``#`` comments are skipped. Raise
    ValueError naming the first line that is none of these."""
    games = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _MATCHUP.fullmatch(line)
        if match is None:
            raise ValueError(
                f"line {number} is not AWAY @ HOME, HOME vs AWAY or HOME,AWAY: "
                f"{safe_text(repr(line[:60]))}"
            )
        parts = [v for v in match.groups() if v is not None]
        away_first = match.group("away") is not None or match.group("away2") is not None
        away, home = parts if away_first else parts[::-1]
        games.append((number, home.strip(), away.strip()))
    return games


def games_scheduled(raw_dir: Path, after: dt.date | None, until: dt.date) -> bool:
    """Return True when a schedule cached for a day after ``after`` (any day when None) up to
    ``until`` lists an NBA game: the league is playing, whatever the calendar says. A damaged
    file counts as no games (``predict today`` reports it)."""
    from nba_ml.state.layout import SCHEDULE_DIR

    try:
        names = [entry.name for entry in (Path(raw_dir) / SCHEDULE_DIR).iterdir()]
    except OSError:
        return False
    for name in names:
        try:
            day = dt.date.fromisoformat(name.removesuffix(".json"))
        except ValueError:
            continue
        if (after is None or day > after) and day <= until and name.endswith(".json"):
            try:
                if read_schedule(raw_dir, day)[0]:
                    return True
            except (OSError, DataError):
                continue
    return False
