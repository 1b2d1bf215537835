"""A day's slate: every scheduled game with its home win probability and its likely players'
stat lines, from a predictor.

The nightly run caches the day's ScoreboardV3 (``<data dir>/raw/schedule/<date>.json``, date in
Chicago). For each scheduled game between two NBA teams, :func:`predict_slate` gives the
home team's win probability and, for each side's likely players (``data.rosters``: the players
of the team's last 3 games), their expected stat lines: the predictor's own
:class:`~nba_ml.serving.predictions.GamePrediction` and
:class:`~nba_ml.serving.predictions.PlayerPrediction`, each in a :class:`GameLine` /
:class:`PlayerLine` beside what the schedule says. :func:`day_slate` is the one code path of
``nba-ml predict today`` and a web server's ``/v1/today``; a game without likely players says
why. ``as_dict()`` is the one JSON form; the text form lives in ``nba_ml.cli.predictions_view``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.errors import DataError
from nba_ml.serving.availability import Availability

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from nba_ml.data.scoreboard import ScheduledGame
    from nba_ml.serving.predictions import GamePrediction, PlayerPrediction
    from nba_ml.serving.predictor import Predictor
    from nba_ml.serving.provenance import Provenance


class NoSchedule(DataError):
    """No schedule is cached for the day (exit 1; 404 on the web API)."""


@dataclasses.dataclass(frozen=True)
class PlayerLine:
    """One likely player's expected stat line, with his mean minutes over the team's recent
    games."""

    prediction: PlayerPrediction
    minutes: float

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: who, his minutes, then the predicted values."""
        player = self.prediction
        return {
            "player_id": player.player_id,
            "player_name": player.player_name,
            "team": player.team,
            "minutes": self.minutes,
            **player.predicted(),
        }


@dataclasses.dataclass(frozen=True)
class GameLine:
    """One scheduled game (as the scoreboard lists it): its prediction and both sides' likely
    players; ``note`` says why a side has none."""

    game: ScheduledGame
    prediction: GamePrediction
    players: list[PlayerLine]
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: the scoreboard's fields, the predicted values, the players."""
        return {
            **dataclasses.asdict(self.game),
            **self.prediction.predicted(),
            "players": [line.as_dict() for line in self.players],
            "note": self.note,
        }


@dataclasses.dataclass(frozen=True)
class Schedule:
    """The games of a day's slate, the match-ups skipped (not two NBA teams), and the file they
    were read from."""

    games: list[ScheduledGame]
    skipped: list[str]
    source: Path


@dataclasses.dataclass(frozen=True)
class Slate:
    """The day's predictions; ``games`` is empty on a day without NBA games."""

    date: str
    schedule_file: str
    games: list[GameLine]
    skipped: list[str]  # match-ups on the scoreboard that are not two NBA teams
    served: Provenance | None = None  # what predicted the games (None: no games)
    availability: Availability | None = None  # who they knew to be out (None: no games)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: the slate, then what served it (the web API's fields)."""
        return (
            {
                "date": self.date,
                "schedule_file": self.schedule_file,
                "games": [game.as_dict() for game in self.games],
                "skipped": list(self.skipped),
            }
            | ({"availability": self.availability.as_dict()} if self.availability else {})
            | (self.served.as_dict() if self.served else {})
        )


def predict_slate(
    predictor: Predictor,
    games: list[ScheduledGame],
    day: dt.date,
    availability: Availability | None = None,
) -> list[GameLine]:
    """Return a GameLine for each scheduled game on ``day``, knowing who is out
    (``availability``; default nobody known; a player listed out gets no line); raise
    UsageError for a day that is not after the predictor's data."""
    import pandas as pd

    from nba_ml.data.rosters import likely_players
    from nba_ml.serving.dayrows import ACTIVE_DAYS

    if not games:
        return []
    predictions = predictor.predict_games(
        [(g.home, g.away) for g in games], date=day.isoformat(), availability=availability
    )
    opponent = {g.home: (g.away, True) for g in games} | {g.away: (g.home, False) for g in games}
    players = predictor.games().player_games
    likely = likely_players(players, sorted(opponent), pd.Timestamp(day))
    recent_teams = set(likely["team"])
    last_game = players.groupby("player_id")["game_date"].max()
    active = last_game[last_game >= pd.Timestamp(day) - pd.Timedelta(days=ACTIVE_DAYS)].index
    likely = likely[likely["player_id"].isin(set(active))]
    if availability is not None:
        likely = likely[~likely["player_id"].isin(set(availability.ids))]
    requests = [
        {"player_id": int(pid), "opponent": opponent[team][0], "is_home": opponent[team][1]}
        for pid, team in zip(likely["player_id"], likely["team"], strict=True)
    ]
    stats = (
        predictor.predict_players(requests, date=day.isoformat(), availability=availability)
        if requests
        else []
    )
    lines: dict[str, list[PlayerLine]] = {}
    for row, predicted in zip(likely.itertuples(index=False), stats, strict=True):
        lines.setdefault(str(row.team), []).append(PlayerLine(predicted, float(row.minutes)))
    return [
        GameLine(
            game,
            prediction,
            lines.get(game.home, []) + lines.get(game.away, []),
            _no_players_note(
                [t for t in (game.home, game.away) if t not in lines], recent_teams, players, day
            ),
        )
        for game, prediction in zip(games, predictions, strict=True)
    ]


def _no_players_note(
    teams: list[str], recent_teams: set[str], players: pd.DataFrame, day: dt.date
) -> str | None:
    """Return why ``teams`` have no likely players on ``day`` (None when every side has)."""
    from nba_ml.serving.dayrows import ACTIVE_DAYS

    if not teams:
        return None
    last = players["game_date"].max()
    ends = f"the data ends {last:%Y-%m-%d}" if players.size else "the data holds no game"
    reasons = [
        f"{team} has no game in the data before {day}"
        if team not in recent_teams
        else f"{team}'s recent players have not played in the {ACTIVE_DAYS} days before {day}"
        for team in teams
    ]
    return (
        f"no likely players: {'; '.join(reasons)} ({ends}; `nba-ml train` brings "
        "the rosters up to date)"
    )


def cached_schedule(data_dir: Path | str, day: dt.date) -> Schedule:
    """Return the schedule of ``day`` that the nightly run cached in ``data_dir``; raise
    NoSchedule when none is cached for the day, DataError for a damaged one."""
    from nba_ml.data.scoreboard import read_schedule
    from nba_ml.state.layout import SCHEDULE_DIR, DataLayout

    raw_dir = DataLayout(Path(data_dir)).raw
    try:
        games, skipped, path = read_schedule(raw_dir, day)
    except FileNotFoundError:
        raise NoSchedule(
            f"no schedule cached for {day} in {raw_dir / SCHEDULE_DIR}: the "
            "nightly `nba-ml train` fetches it (run it, or wait for it); "
            "without internet, give one with --schedule FILE"
        ) from None
    return Schedule(games, skipped, path)


def day_slate(
    data_dir: Path | str,
    day: dt.date,
    predictor: Callable[[], Predictor],
    *,
    schedule: Schedule | None = None,
    chosen: bool = True,
    availability: Callable[[Predictor, dt.date], Availability] | None = None,
) -> Slate:
    """Return the predictions for the slate of ``day`` cached in ``data_dir`` (or ``schedule``,
    read elsewhere), from the predictor ``predictor()`` returns (asked only when there are
    games): the one code path of ``nba-ml predict today`` and a web server's ``/v1/today``.
    ``chosen`` tells whether the caller asked for ``day`` (else it is today);
    ``availability(predictor, day)`` says who is out (default: nobody known).

    Raises NoSchedule when no schedule is cached for the day, DataError for a damaged one,
    UsageError for a game the predictor cannot answer (an unknown team, a day not after the
    data).
    """
    listed = cached_schedule(data_dir, day) if schedule is None else schedule
    if not listed.games:
        return Slate(day.isoformat(), str(listed.source), [], listed.skipped)
    served = predictor()
    out = availability(served, day) if availability is not None else Availability()
    lines = predict_slate(served, listed.games, day, out)
    return Slate(
        day.isoformat(),
        str(listed.source),
        lines,
        listed.skipped,
        served.provenance(day if chosen else None),
        out,
    )
