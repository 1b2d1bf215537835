"""``predict game`` and ``predict player``: answers from the installed set and its saved data.

Dates are checked here (``YYYY-MM-DD`` only), and so is staleness: a prediction for a day far
after the data ends (by the rule ``status`` uses) is refused for the default date (today) with a
hint naming ``--date``, and answered with a warning for an explicit ``--date`` (the predictor's).
Every answer carries what served it (``serving.provenance``): generation, trained-at, the data's
last game and its staleness for the day predicted; and who it knew to be out
(``serving.availability``: ``--out``, then ``--injuries FILE`` or the data directory's
``injuries.csv`` / ``injuries.json``, else nobody).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.config import Settings
from nba_ml.errors import UsageError

if TYPE_CHECKING:
    from nba_ml.serving.availability import Availability
    from nba_ml.serving.predictor import Predictor
    from nba_ml.serving.provenance import Provenance

logger = logging.getLogger(__name__)


class _Served:
    """A prediction with what served it: ``as_dict`` is its JSON (the web API's fields)."""

    served: Provenance

    def as_dict(self) -> dict[str, Any]:
        fields = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.name != "served"
        }
        return fields | self.served.as_dict()


@dataclasses.dataclass(frozen=True)
class GamePrediction(_Served):
    game_date: str
    home: str
    away: str
    home_win_probability: float
    served: Provenance
    availability: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class PlayerPrediction(_Served):
    player_id: int
    player_name: str
    team: str
    opponent: str | None
    points: float
    assists: float
    rebounds: float
    served: Provenance
    availability: dict[str, Any] = dataclasses.field(default_factory=dict)


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
    frame = predictor.predict_games(
        [(home, away)], date=day.isoformat() if day else None, availability=listed
    )
    row = frame.iloc[0]
    return GamePrediction(
        str(row["game_date"]),
        str(row["home"]),
        str(row["away"]),
        float(row["home_win_probability"]),
        _served(predictor, frame, day),
        listed.as_dict(),
    )


def predict_player(
    settings: Settings,
    player: str,
    *,
    opponent: str | None = None,
    home: bool | None = None,
    date: str | None = None,
    out: Sequence[str] | None = None,
    injuries: Path | None = None,
) -> PlayerPrediction:
    """Return a player's expected points, assists and rebounds; raise as :func:`predict_game`."""
    day = parse_date(date)
    request = {**_player_key(player), "opponent": opponent, "is_home": home}
    predictor = _predictor(settings)
    check_fresh(predictor, day)
    listed = availability(predictor, settings, out, injuries, day)
    frame = predictor.predict_players(
        [request], date=day.isoformat() if day else None, availability=listed
    )
    row = frame.iloc[0]
    against = row["opponent"]
    return PlayerPrediction(
        player_id=int(row["player_id"]),
        player_name=str(row["player_name"]),
        team=str(row["team"]),
        opponent=against if isinstance(against, str) else None,
        points=float(row["points"]),
        assists=float(row["assists"]),
        rebounds=float(row["rebounds"]),
        served=_served(predictor, frame, day),
        availability=listed.as_dict(),
    )


def _served(predictor: Predictor, frame: Any, day: dt.date | None) -> Provenance:
    """Return the provenance of the prediction in ``frame`` (for the day it predicted)."""
    return predictor.provenance(str(frame.iloc[0]["game_date"]) if day else None)
