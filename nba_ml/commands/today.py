"""``nba-ml predict today``: every game of the day's slate, with its likely players' stat lines.

The nightly run caches the day's ScoreboardV3 (``raw/schedule/<date>.json``, date in Chicago).
For each scheduled game between two NBA teams this returns the home team's win probability and,
for each side's likely players (``data.rosters``: the players of the team's last 3 games), the
expected points, assists and rebounds: the same predictor the web server uses.

``slate`` is the one code path for the command and a web server's ``/v1/today`` (the reference
app passes its live predictor); ``predict_slate`` predicts a list of games with a Predictor.
Without a cached schedule (no nightly run, no internet), ``--schedule FILE`` gives the slate: a
saved ScoreboardV3 response, or one game a line written by hand (``PHI @ BOS``, ``Lakers vs
Clippers``). Staleness follows ``predict game``: refused for today, a warning for ``--date``;
the result says what served it, and a game without likely players says why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from nba_ml.errors import DataError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    import pandas as pd

    from nba_ml.config import Settings
    from nba_ml.data.schedule import ScheduledGame
    from nba_ml.serving.availability import Availability
    from nba_ml.serving.predictor import Predictor
    from nba_ml.serving.provenance import Provenance


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
    note: str | None = None  # why a side has no likely players


@dataclasses.dataclass(frozen=True)
class TodayResult:
    """The day's predictions; ``games`` is empty on a day without NBA games."""

    date: str
    schedule_file: str
    games: list[GameLine]
    skipped: list[str]  # match-ups on the scoreboard that are not two NBA teams
    served: Provenance | None = None  # what predicted the games (None: no games)
    # who the predictions knew to be out (serving.availability.Availability.as_dict)
    availability: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: the slate, then what served it (the web API's fields)."""
        out = dataclasses.asdict(self)
        out.pop("served")
        return out | (self.served.as_dict() if self.served else {})

    def lines(self) -> list[str]:
        """Return the text rendering: one line per game, then one per likely player (or why
        there is none), then what served the predictions."""
        if not self.games:
            return [f"no games scheduled on {self.date}"]
        lines = [f"{self.date}: {len(self.games)} game{'s' if len(self.games) != 1 else ''}"]
        for game in self.games:
            when = _start_time(game.starts_at)
            lines.append(
                f"{game.away} @ {game.home}{when} ({game.status or 'scheduled'}): home "
                f"win probability {game.home_win_probability:.3f}"
            )
            for line in game.players:
                lines.append(
                    f"  {line.team} {line.player_name:<26} points {line.points:5.1f}"
                    f"  assists {line.assists:4.1f}  rebounds {line.rebounds:4.1f}"
                )
            if game.note:
                lines.append(f"  ({game.note})")
        if self.served is not None:
            lines.append(self.served.line())
        if self.availability is not None:
            from nba_ml.serving.availability import describe

            lines.append(describe(self.availability))
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


def predict_slate(
    predictor: Predictor,
    games: list[ScheduledGame],
    day: dt.date,
    availability: Availability | None = None,
) -> list[GameLine]:
    """Return a GameLine for each scheduled game on ``day``, knowing who is out
    (``availability``; default nobody known); raise UsageError for a day that is not after the
    predictor's data."""
    import pandas as pd

    from nba_ml.data.rosters import likely_players
    from nba_ml.serving.predictor import ACTIVE_DAYS

    if not games:
        return []
    probabilities = predictor.predict_games(
        [(g.home, g.away) for g in games], date=day.isoformat(), availability=availability
    )
    opponent = {g.home: (g.away, True) for g in games} | {g.away: (g.home, False) for g in games}
    players = predictor.games().player_games
    likely = likely_players(players, sorted(opponent), pd.Timestamp(day))
    recent_teams = set(likely["team"])
    last_game = players.groupby("player_id")["game_date"].max()
    active = last_game[last_game >= pd.Timestamp(day) - pd.Timedelta(days=ACTIVE_DAYS)].index
    likely = likely[likely["player_id"].isin(set(active))]
    if availability is not None:  # a player listed out has no stat line tonight
        likely = likely[~likely["player_id"].isin(set(availability.ids))]
    requests = [
        {"player_id": int(pid), "opponent": opponent[team][0], "is_home": opponent[team][1]}
        for pid, team in zip(likely["player_id"], likely["team"], strict=True)
    ]
    stats = (
        predictor.predict_players(requests, date=day.isoformat(), availability=availability)
        if requests
        else None
    )
    lines: dict[str, list[PlayerLine]] = {}
    for index, row in enumerate(likely.itertuples(index=False)):
        assert stats is not None
        predicted = stats.iloc[index]
        lines.setdefault(str(row.team), []).append(
            PlayerLine(
                int(row.player_id),
                str(row.player_name),
                str(row.team),
                float(row.minutes),
                float(predicted["points"]),
                float(predicted["assists"]),
                float(predicted["rebounds"]),
            )
        )
    out = []
    for game, probability in zip(games, probabilities["home_win_probability"], strict=True):
        out.append(
            GameLine(
                game.game_id,
                game.home,
                game.away,
                game.starts_at,
                game.status,
                game.season_type,
                float(probability),
                lines.get(game.home, []) + lines.get(game.away, []),
                _no_players_note(
                    [t for t in (game.home, game.away) if t not in lines],
                    recent_teams,
                    players,
                    day,
                ),
            )
        )
    return out


def _no_players_note(
    teams: list[str], recent_teams: set[str], players: pd.DataFrame, day: dt.date
) -> str | None:
    """Return why ``teams`` have no likely players on ``day`` (None when every side has)."""
    from nba_ml.serving.predictor import ACTIVE_DAYS

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


def slate(
    raw_dir: Path,
    day: dt.date,
    predictor: Callable[[], Predictor],
    *,
    schedule: Path | None = None,
    chosen: bool = True,
    availability: Callable[[Predictor, dt.date], Availability] | None = None,
) -> TodayResult:
    """Return the predictions for the slate of ``day`` cached under ``raw_dir`` (or read from
    ``schedule``), from the predictor ``predictor()`` returns (asked only when there are
    games): the one code path of ``nba-ml predict today`` and a web server's ``/v1/today``.
    ``chosen`` tells whether the caller asked for ``day`` (else it is today);
    ``availability(predictor, day)`` says who is out (default: nobody known).

    Raises NoSchedule when no schedule is cached for the day, DataError for a damaged one,
    UsageError for a ``schedule`` file that cannot be read or holds an unknown team.
    """
    from nba_ml.data.schedule import read_schedule

    if schedule is not None:
        games, skipped = schedule_file(schedule, day)
        path = schedule
    else:
        try:
            games, skipped, path = read_schedule(raw_dir, day)
        except FileNotFoundError:
            raise NoSchedule(
                f"no schedule cached for {day} in {raw_dir / 'schedule'}: the "
                "nightly `nba-ml train` fetches it (run it, or wait for it); "
                "without internet, give one with --schedule FILE"
            ) from None
    if not games:
        return TodayResult(day.isoformat(), str(path), [], skipped)
    served = predictor()
    listed = availability(served, day) if availability is not None else None
    lines = predict_slate(served, games, day, listed)
    return TodayResult(
        day.isoformat(),
        str(path),
        lines,
        skipped,
        served.provenance(day if chosen else None),
        None if listed is None else listed.as_dict(),
    )


def schedule_day(path: Path, day: dt.date | None) -> dt.date | None:
    """Return the day a ``--schedule`` file is for: ``day`` when given, else the ``gameDate``
    of a saved scoreboard (None: a slate written by hand, for today)."""
    from nba_ml.data.schedule import scoreboard_date

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
    line (``data.schedule.parse_matchups``; teams as people write them). Raise UsageError
    (one line naming the file) for anything else."""
    from nba_ml.data.schedule import (
        ScheduledGame,
        parse_matchups,
        scoreboard_games,
        validate_schedule,
    )
    from nba_ml.data.schema import make_game_id
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
) -> TodayResult:
    """Return the predictions for the cached slate of ``day`` (default: today in Chicago, or
    the day of a saved scoreboard given as ``schedule``).

    Raises NoSchedule (exit 1) when no schedule is cached for the day, DataError for a damaged
    one, UsageError for a bad ``schedule`` file or, without a date, data that is stale for
    today (as ``predict game``), ModelInvalid / DataError when the models cannot be served. A
    day without NBA games needs no models and gives an empty result. ``out`` / ``injuries``:
    who is out (``commands.predict.availability``).
    """
    from nba_ml.commands.predict import availability as listed
    from nba_ml.commands.predict import check_fresh
    from nba_ml.data.seasons import today_in_chicago
    from nba_ml.serving.predictor import load_predictor

    chosen = day if schedule is None else schedule_day(schedule, day)

    def fresh() -> Predictor:
        predictor = load_predictor(settings.data_dir)
        check_fresh(predictor, chosen)
        return predictor

    return slate(
        settings.raw_dir,
        chosen or today_in_chicago(),
        fresh,
        schedule=schedule,
        chosen=chosen is not None,
        availability=lambda predictor, when: listed(predictor, settings, out, injuries, when),
    )
