"""``predict game`` and ``predict player``: answers from the installed set and its saved data.

Dates are checked here (``YYYY-MM-DD`` only), and so is staleness: a prediction for a day far
after the data ends (by the rule ``status`` uses) is refused for the default date (today) with a
hint naming ``--date``, and answered with a warning for an explicit ``--date`` (the predictor's).
The answers are the predictor's own (``serving.predictions``), each carrying what served it:
generation, trained-at, the data's last game and its staleness for the day predicted, and who it
knew to be out (``serving.availability``: ``--out``, then ``--injuries FILE`` or the data
directory's ``injuries.csv`` / ``injuries.json``, else nobody).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.config import Settings
from nba_ml.errors import UsageError

if TYPE_CHECKING:
    from nba_ml.serving.availability import Availability
    from nba_ml.serving.predictions import GamePrediction, PlayerPrediction
    from nba_ml.serving.predictor import Predictor

logger = logging.getLogger(__name__)


def parse_date(raw: str | None) -> dt.date | None:
    """Return the ``--date`` as a date (None when not given); raise UsageError unless it is a
    real calendar date written YYYY-MM-DD (the rule of serving.inputs.parse_day)."""
    from nba_ml.serving.inputs import parse_day

    return None if raw is None else parse_day(raw)


def _player_key(raw: str) -> dict[str, Any]:
    from nba_ml.state.files import is_ascii_number, safe_text

    text = raw.strip()
    if not text:
        raise UsageError("the player name is empty")
    if text.isdigit() and not is_ascii_number(text):  # '²' is a digit to Python, not an id
        raise UsageError(
            f"unknown player {safe_text(repr(text[:40]))}: an id is written with the digits 0-9"
        )
    if is_ascii_number(text):
        return {"player_id": int(text)}
    return {"player": text}


def _predictor(settings: Settings) -> Predictor:
    from nba_ml.serving.predictor import load_predictor

    return load_predictor(settings.data_dir)


def check_fresh(predictor: Predictor, day: dt.date | None) -> None:
    """Refuse a prediction for today (no ``--date``) from data that is stale for today, with a
    hint naming ``--date``; for an explicit day the predictor itself warns."""
    from nba_ml.data.seasons import today_in_chicago
    from nba_ml.serving.provenance import stale_message

    last_day = predictor.last_game_date
    message = None if day is not None else stale_message(last_day, today_in_chicago())
    if message:
        raise UsageError(
            f"{message}; retrain with `nba-ml train`, or give --date for a day "
            f"soon after {last_day}"
        )


def split_out(values: Sequence[str] | None) -> list[str]:
    """Return the players of ``--out`` options: each a comma-separated list of names or ids."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def availability(
    predictor: Predictor,
    settings: Settings,
    out: Sequence[str] | None,
    injuries: Path | None,
    day: dt.date | None,
) -> Availability:
    """Return who is out on ``day`` (default today): the ``--out`` players, then the injury
    report (``injuries``, else the data directory's ``serving.availability.REPORT_NAMES``);
    raise UsageError for an unknown ``--out`` player or an ``--injuries`` path that is no
    file (a malformed report is a note: the prediction falls back to the probable rotation)."""
    from nba_ml.serving.availability import report_path
    from nba_ml.state.files import safe_text

    if injuries is not None and not Path(injuries).is_file():
        raise UsageError(f"--injuries {safe_text(str(injuries))}: no such file")
    report = report_path(settings.data_dir, injuries)
    return predictor.availability(split_out(out), report, date=day.isoformat() if day else None)


def predict_game(
    settings: Settings,
    home: str,
    away: str,
    date: str | None = None,
    out: Sequence[str] | None = None,
    injuries: Path | None = None,
) -> GamePrediction:
    """Return the home team's win probability on ``date`` (default today in Chicago), knowing
    who is out (``availability``); raise UsageError (a bad date, team or player, stale data
    without --date), ModelInvalid or DataError."""
    day = parse_date(date)
    predictor = _predictor(settings)
    check_fresh(predictor, day)
    listed = availability(predictor, settings, out, injuries, day)
    return predictor.predict_games(
        [(home, away)], date=day.isoformat() if day else None, availability=listed
    )[0]


def predict_player(
    settings: Settings,
    player: str,
    *,
    opponent: str | None = None,
    home: bool | None = None,
    date: str | None = None,
    lines: list[str] | None = None,
    out: Sequence[str] | None = None,
    injuries: Path | None = None,
) -> PlayerPrediction:
    """Return a player's expected stat line (one value per player model), its quantiles and
    the probabilities of ``lines`` (``points=24.5``), knowing who is out (``availability``);
    raise as :func:`predict_game` (a bad line is a UsageError naming every bad one)."""
    from nba_ml.serving.lines import parse_lines

    asked = parse_lines(lines or [])
    day = parse_date(date)
    request = {**_player_key(player), "opponent": opponent, "is_home": home}
    predictor = _predictor(settings)
    check_fresh(predictor, day)
    listed = availability(predictor, settings, out, injuries, day)
    answers = predictor.predict_players(
        [request], date=day.isoformat() if day else None, lines=asked, availability=listed
    )
    return answers[0]
