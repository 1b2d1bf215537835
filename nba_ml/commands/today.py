"""``nba-ml predict today``: every game of the day's slate, with its likely players' stat lines.

The slate and its predictions are the serving layer's (``serving.slate``: the same code path as a
web server's ``/v1/today``); this command chooses the day, reads a ``--schedule`` file when one is
given and refuses stale data for today. Without a cached schedule (no nightly run, no internet),
``--schedule FILE`` gives the slate: a saved ScoreboardV3 response, or one game a line written by
hand (``PHI @ BOS``, ``Lakers vs Clippers``). Staleness follows ``predict game``: refused for
today, a warning for ``--date``; the result says what served it, and a game without likely
players says why.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from nba_ml.errors import DataError, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from nba_ml.config import Settings
    from nba_ml.data.scoreboard import ScheduledGame
    from nba_ml.serving.predictor import Predictor
    from nba_ml.serving.slate import Slate


def schedule_day(path: Path, day: dt.date | None) -> dt.date | None:
    """Return the day a ``--schedule`` file is for: ``day`` when given, else the ``gameDate``
    of a saved scoreboard (None: a slate written by hand, for today)."""
    from nba_ml.data.scoreboard import scoreboard_date

    if day is not None:
        return day
    try:
        return scoreboard_date(_schedule_body(path)[1])
    except UsageError:
        return None  # reported with its reason when the file is read for the slate


def _schedule_body(path: Path) -> tuple[str, object]:
    """Return the text of a ``--schedule`` file and its JSON (None when it is not JSON)."""
    import json

    from nba_ml.data.cache import MAX_CACHE_BYTES
    from nba_ml.state.files import describe_os_error, read_regular_file, safe_text

    shown = safe_text(str(path))
    try:
        text = read_regular_file(path, limit=MAX_CACHE_BYTES, follow_symlinks=True).decode()
    except FileNotFoundError:
        raise UsageError(f"--schedule {shown}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"--schedule {shown}: not UTF-8 text") from None
    except DataError as error:
        raise UsageError(f"--schedule {error}") from None
    except OSError as error:
        raise UsageError(f"--schedule {shown}: {describe_os_error(error)}") from None
    try:
        return text, json.loads(text)
    except (ValueError, RecursionError):
        return text, None


def schedule_file(path: Path, day: dt.date) -> tuple[list[ScheduledGame], list[str]]:
    """Return (games, skipped match-ups) of the slate of ``day`` in a ``--schedule`` file: a
    ScoreboardV3 response (as the nightly run caches it) or a slate written by hand, one game a
    line (``data.scoreboard.parse_matchups``; teams as people write them). Raise UsageError
    (one line naming the file) for anything else."""
    from nba_ml.data.schema import make_game_id
    from nba_ml.data.scoreboard import (
        ScheduledGame,
        parse_matchups,
        scoreboard_games,
        validate_schedule,
    )
    from nba_ml.data.upstream import Failure
    from nba_ml.serving.inputs import resolve_team
    from nba_ml.state.files import safe_text

    shown = safe_text(str(path))
    text, body = _schedule_body(path)
    if body is not None:
        try:
            validate_schedule(body, day)
            assert isinstance(body, dict)
            return scoreboard_games(body)
        except Failure as error:
            raise UsageError(f"--schedule {shown}: {error.reason}") from None
    try:
        matchups = parse_matchups(text)
    except ValueError as error:
        raise UsageError(f"--schedule {shown}: {error}") from None
    games: list[ScheduledGame] = []
    seen: set[str] = set()
    for number, home_text, away_text in matchups:
        try:
            home, away = resolve_team(home_text), resolve_team(away_text)
        except UsageError as error:
            raise UsageError(f"--schedule {shown} line {number}: {error}") from None
        if home == away or {home, away} & seen:
            raise UsageError(
                f"--schedule {shown} line {number}: {home} and {away} cannot "
                "play each other, or one of them plays twice that day"
            )
        seen |= {home, away}
        games.append(
            ScheduledGame(make_game_id(day.isoformat(), home, away), home, away, None, "", None)
        )
    return games, []


def predict_today(
    settings: Settings,
    day: dt.date | None = None,
    schedule: Path | None = None,
    out: Sequence[str] | None = None,
    injuries: Path | None = None,
) -> Slate:
    """Return the predictions for the cached slate of ``day`` (default: today in Chicago, or
    the day of a saved scoreboard given as ``schedule``).

    Raises NoSchedule (exit 1) when no schedule is cached for the day, DataError for a damaged
    one, UsageError for a bad ``schedule`` file or, without a date, data that is stale for
    today (as ``predict game``), ModelInvalid / DataError when the models cannot be served. A
    day without NBA games needs no models and gives an empty result. ``out`` / ``injuries``:
    who is out (``commands.predict.availability``).
    """
    from nba_ml.commands.predict import availability, check_fresh
    from nba_ml.data.seasons import today_in_chicago
    from nba_ml.serving.predictor import load_predictor
    from nba_ml.serving.slate import Schedule, day_slate

    chosen = day if schedule is None else schedule_day(schedule, day)
    predicted = chosen or today_in_chicago()
    listed = None if schedule is None else Schedule(*schedule_file(schedule, predicted), schedule)

    def fresh() -> Predictor:
        predictor = load_predictor(settings.data_dir)
        check_fresh(predictor, chosen)
        return predictor

    return day_slate(
        settings.data_dir,
        predicted,
        fresh,
        schedule=listed,
        chosen=chosen is not None,
        availability=lambda served, when: availability(served, settings, out, injuries, when),
    )
