"""``predict game`` and ``predict player``: answers from the installed set and its saved data.

Dates are checked here (``YYYY-MM-DD`` only), and so is staleness: a prediction for a day far
after the data ends (by the rule ``status`` uses) is refused for the default date (today) with a
hint naming ``--date``, and answered with a warning for an explicit ``--date``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from nba_ml.commands.status import staleness
from nba_ml.config import Settings
from nba_ml.errors import UsageError

if TYPE_CHECKING:
    from nba_ml.serving.predictor import Predictor

logger = logging.getLogger(__name__)



@dataclasses.dataclass(frozen=True)
class GamePrediction:
    game_date: str
    home: str
    away: str
    home_win_probability: float


@dataclasses.dataclass(frozen=True)
class PlayerPrediction:
    player_id: int
    player_name: str
    team: str
    opponent: str | None
    points: float
    assists: float
    rebounds: float


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
        raise UsageError(f"unknown player {safe_text(repr(text[:40]))}: an id is written "
                         "with the digits 0-9")
    if is_ascii_number(text):
        return {"player_id": int(text)}
    return {"player": text}


def _predictor(settings: Settings) -> Predictor:
    from nba_ml.serving.predictor import load_predictor

    return load_predictor(settings.data_dir)


def _check_fresh(predictor: Predictor, day: dt.date | None) -> None:
    """Refuse (no ``--date``) or warn (``--date``) when ``day`` is far after the data ends."""
    from nba_ml.data.seasons import today_in_chicago

    last_day = predictor.last_game_date
    if last_day is None:  # no games: the predictor refuses on its own
        return
    target = day or today_in_chicago()
    behind, stale = staleness(last_day, target)
    if not stale:
        return
    message = (f"the data ends {last_day} ({behind} days before {target}), so this prediction "
               "ignores every game since")
    if day is None:
        raise UsageError(f"{message}; retrain with `nba-ml train`, or give --date for a day "
                         f"soon after {last_day}")
    logger.warning("%s; retrain with `nba-ml train` for an up-to-date answer", message)


def predict_game(settings: Settings, home: str, away: str,
                 date: str | None = None) -> GamePrediction:
    """Return the home team's win probability on ``date`` (default today in Chicago); raise
    UsageError (a bad date or team, stale data without --date), ModelInvalid or DataError."""
    day = parse_date(date)
    predictor = _predictor(settings)
    _check_fresh(predictor, day)
    row = predictor.predict_games([(home, away)], date=day.isoformat() if day else None).iloc[0]
    return GamePrediction(str(row["game_date"]), str(row["home"]), str(row["away"]),
                          float(row["home_win_probability"]))


def predict_player(settings: Settings, player: str, *, opponent: str | None = None,
                   home: bool | None = None, date: str | None = None) -> PlayerPrediction:
    """Return a player's expected points, assists and rebounds; raise as :func:`predict_game`."""
    day = parse_date(date)
    request = {**_player_key(player), "opponent": opponent, "is_home": home}
    predictor = _predictor(settings)
    _check_fresh(predictor, day)
    row = predictor.predict_players([request], date=day.isoformat() if day else None).iloc[0]
    against = row["opponent"]
    return PlayerPrediction(
        player_id=int(row["player_id"]), player_name=str(row["player_name"]),
        team=str(row["team"]), opponent=against if isinstance(against, str) else None,
        points=float(row["points"]), assists=float(row["assists"]),
        rebounds=float(row["rebounds"]))
