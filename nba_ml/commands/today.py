"""``nba-ml predict today``: every game of the day's slate, with its likely players' stat lines.

The nightly run caches the day's ScoreboardV3 (``raw/schedule/<date>.json``, date in Chicago).
For each scheduled game between two NBA teams this returns the home team's win probability and,
for each side's likely players (``data.rosters``: the players of the team's last 3 games), the
expected points, assists and rebounds: the same predictor the web server uses.

``slate`` is the one code path for the command and a web server's ``/v1/today`` (the reference
app passes its live predictor); ``predict_slate`` predicts a list of games with a Predictor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from nba_ml.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nba_ml.config import Settings
    from nba_ml.data.schedule import ScheduledGame
    from nba_ml.serving.predictor import Predictor


class NoSchedule(DataError):
    """No schedule is cached for the day (exit 1)."""


@dataclasses.dataclass(frozen=True)
class PlayerLine:
    """One likely player's expected stat line."""

    player_id: int
    player_name: str
    team: str
    minutes: float  # his mean minutes over the team's recent games
    points: float
    assists: float
    rebounds: float


@dataclasses.dataclass(frozen=True)
class GameLine:
    """One scheduled game: the home team's win probability and both sides' likely players."""

    game_id: str
    home: str
    away: str
    starts_at: str | None
    status: str
    season_type: str | None
    home_win_probability: float
    players: list[PlayerLine]


@dataclasses.dataclass(frozen=True)
class TodayResult:
    """The day's predictions; ``games`` is empty on a day without NBA games."""

    date: str
    schedule_file: str
    games: list[GameLine]
    skipped: list[str]  # match-ups on the scoreboard that are not two NBA teams

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def lines(self) -> list[str]:
        """Return the text rendering: one line per game, then one per likely player."""
        if not self.games:
            return [f"no games scheduled on {self.date}"]
        lines = [f"{self.date}: {len(self.games)} game{'s' if len(self.games) != 1 else ''}"]
        for game in self.games:
            when = _start_time(game.starts_at)
            lines.append(f"{game.away} @ {game.home}{when} ({game.status or 'scheduled'}): home "
                         f"win probability {game.home_win_probability:.3f}")
            for line in game.players:
                lines.append(f"  {line.team} {line.player_name:<26} points {line.points:5.1f}"
                             f"  assists {line.assists:4.1f}  rebounds {line.rebounds:4.1f}")
        if self.skipped:
            lines.append(f"not predicted (not two NBA teams): {', '.join(self.skipped)}")
        return lines


def _start_time(starts_at: str | None) -> str:
    """Return " 7:00 pm CST": the start in Chicago's time (the league's days are Chicago's),
    for the text view (JSON keeps stats.nba.com's UTC); "" when unknown or unreadable."""
    from nba_ml.data.seasons import LEAGUE_TIMEZONE

    try:
        moment = dt.datetime.fromisoformat(str(starts_at).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    local = moment.astimezone(LEAGUE_TIMEZONE)
    return f" {local:%I:%M %p %Z}".replace(" 0", " ", 1).replace("AM", "am").replace("PM", "pm")


def predict_slate(predictor: Predictor, games: list[ScheduledGame], day: dt.date
                  ) -> list[GameLine]:
    """Return a GameLine for each scheduled game on ``day`` (raise UsageError for a day that is
    not after the predictor's data)."""
    import pandas as pd

    from nba_ml.data.rosters import likely_players
    from nba_ml.serving.predictor import ACTIVE_DAYS

    if not games:
        return []
    probabilities = predictor.predict_games([(g.home, g.away) for g in games],
                                            date=day.isoformat())
    opponent = {g.home: (g.away, True) for g in games} | {g.away: (g.home, False) for g in games}
    players = predictor.games().player_games
    likely = likely_players(players, sorted(opponent), pd.Timestamp(day))
    last_game = players.groupby("player_id")["game_date"].max()
    active = last_game[last_game >= pd.Timestamp(day) - pd.Timedelta(days=ACTIVE_DAYS)].index
    likely = likely[likely["player_id"].isin(set(active))]
    requests = [{"player_id": int(pid), "opponent": opponent[team][0],
                 "is_home": opponent[team][1]}
                for pid, team in zip(likely["player_id"], likely["team"], strict=True)]
    stats = predictor.predict_players(requests, date=day.isoformat()) if requests else None
    lines: dict[str, list[PlayerLine]] = {}
    for index, row in enumerate(likely.itertuples(index=False)):
        assert stats is not None
        predicted = stats.iloc[index]
        lines.setdefault(str(row.team), []).append(PlayerLine(
            int(row.player_id), str(row.player_name), str(row.team), float(row.minutes),
            float(predicted["points"]), float(predicted["assists"]),
            float(predicted["rebounds"])))
    out = []
    for game, probability in zip(games, probabilities["home_win_probability"], strict=True):
        out.append(GameLine(game.game_id, game.home, game.away, game.starts_at, game.status,
                            game.season_type, float(probability),
                            lines.get(game.home, []) + lines.get(game.away, [])))
    return out


def slate(raw_dir: Path, day: dt.date, predictor: Callable[[], Predictor]) -> TodayResult:
    """Return the predictions for the slate of ``day`` cached under ``raw_dir``, from the
    predictor ``predictor()`` returns (asked only when there are games): the one code path of
    ``nba-ml predict today`` and a web server's ``/v1/today``.

    Raises NoSchedule when no schedule is cached for the day, DataError for a damaged one.
    """
    from nba_ml.data.schedule import read_schedule

    try:
        games, skipped, path = read_schedule(raw_dir, day)
    except FileNotFoundError:
        raise NoSchedule(f"no schedule cached for {day} in {raw_dir / 'schedule'}: "
                         "the nightly `nba-ml train` fetches it (run it, or wait for it)"
                         ) from None
    lines = predict_slate(predictor(), games, day) if games else []
    return TodayResult(day.isoformat(), str(path), lines, skipped)


def predict_today(settings: Settings, day: dt.date | None = None) -> TodayResult:
    """Return the predictions for the cached slate of ``day`` (default: today in Chicago).

    Raises NoSchedule (exit 1) when no schedule is cached for the day, DataError for a damaged
    one, ModelInvalid / DataError when the models cannot be served. A day without NBA games
    needs no models and gives an empty result.
    """
    from nba_ml.data.seasons import today_in_chicago
    from nba_ml.serving.predictor import load_predictor

    return slate(settings.raw_dir, day or today_in_chicago(),
                 lambda: load_predictor(settings.data_dir))
