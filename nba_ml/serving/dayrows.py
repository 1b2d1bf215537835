"""The feature rows of upcoming dates, computed from the game data with the training code, and
what a predictor keeps of them.

``compute_day`` runs the training feature code once over the whole history with one upcoming game
per team and one upcoming row per active player on that date (about a second on four seasons):
:class:`DayRows`. :func:`prepare` computes the player lookups and the rows of several dates at
once (:class:`Prepared`: what a live server's helper process hands back). :class:`DayCache` is
what a ``Predictor`` keeps of its game data: the rows of at most ``KEPT_DAYS`` dates and the
player lookups; it answers those dates' requests by lookups. The predictor, the helper process
and the live swap all go through these public names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from nba_ml.data.names import PlayerNames
from nba_ml.data.schema import PLAYER_GAME_COLUMNS, TEAM_GAME_COLUMNS
from nba_ml.modeling import features

if TYPE_CHECKING:
    import pandas as pd

    from nba_ml.data.importer import GameData

ACTIVE_DAYS = 400  # players whose last game is older than this get no precomputed row
KEPT_DAYS = 8  # days of prepared feature rows a predictor keeps (memory stays bounded)


@dataclasses.dataclass
class DayRows:
    """Feature rows of one upcoming date: each team's side and each active player's row."""

    sides: pd.DataFrame  # indexed by team: SIDE_COLUMNS as of the day
    players: pd.DataFrame  # indexed by player_id: PLAYER_FEATURES (opponent columns to refill)
    who: dict[int, tuple[str, str]]  # player_id -> (name, team) of the players with a row
    # each team's probable rotation on the day (team, player_id, expected_min and ratings):
    # what an absence list takes away (modeling.availability.sides_with_absent)
    rotation: pd.DataFrame | None = None


def compute_day(history: GameData, latest: pd.DataFrame, day: pd.Timestamp) -> DayRows:
    """Return the rows of ``day`` from ``history``; ``latest`` is each player's latest row
    (:func:`latest_players`)."""
    import pandas as pd

    from nba_ml.data.seasons import season_for_date

    season = season_for_date(day.date())
    players = history.player_games
    team_games = history.team_games
    teams = sorted(set(team_games["team"].dropna().unique()))
    if len(teams) % 2:
        teams.append("---")  # a stand-in opponent so every real team plays once
    rows = []
    for i in range(0, len(teams), 2):
        home, away = teams[i], teams[i + 1]
        game_id = f"{day:%Y%m%d}-{home}-{away}"
        for team, opponent, is_home in ((home, away, True), (away, home, False)):
            rows.append(
                {
                    "season": season,
                    "season_type": "Regular Season",
                    "game_id": game_id,
                    "game_date": day,
                    "team": team,
                    "opponent": opponent,
                    "is_home": is_home,
                }
            )
    probe_teams = pd.DataFrame(rows).reindex(columns=list(TEAM_GAME_COLUMNS))
    all_team_games = pd.concat([team_games, probe_teams], ignore_index=True)
    latest = latest[latest["game_date"] >= day - pd.Timedelta(days=ACTIVE_DAYS)]
    probe_of = probe_teams.set_index("team")
    probe_players = pd.DataFrame(
        {
            "season": season,
            "season_type": "Regular Season",
            "game_id": probe_of.loc[latest["team"], "game_id"].to_numpy(),
            "game_date": day,
            "player_id": latest.index.to_numpy(),
            "player_name": latest["player_name"].to_numpy(),
            "team": latest["team"].to_numpy(),
            "opponent": probe_of.loc[latest["team"], "opponent"].to_numpy(),
            "is_home": probe_of.loc[latest["team"], "is_home"].to_numpy(),
        }
    ).reindex(columns=list(PLAYER_GAME_COLUMNS))
    sides, table, rotation = features.day_tables(
        all_team_games, pd.concat([players, probe_players], ignore_index=True)
    )
    sides = sides[sides["game_date"] == day].set_index("team")
    rotation = rotation[rotation["game_id"].isin(probe_teams["game_id"])].reset_index(drop=True)
    table = table[table["pts"].isna() & (table["game_date"] == day)].set_index("player_id")
    who = dict(
        zip(
            table.index.tolist(),
            zip(table["player_name"].astype(str), table["team"].astype(str), strict=True),
            strict=True,
        )
    )
    return DayRows(sides, table, who, rotation.drop(columns=["game_id"]))


def last_game_of(history: GameData) -> dt.date | None:
    """Return the date of the last game in ``history`` (None when it has none)."""
    import pandas as pd

    last = history.team_games["game_date"].max()
    return None if pd.isna(last) else pd.Timestamp(last).date()


def latest_players(history: GameData) -> pd.DataFrame:
    """Return each player's latest row (name, team, game date), indexed by player_id."""
    players = history.player_games
    latest = players.sort_values("game_date", kind="mergesort").drop_duplicates(
        "player_id", keep="last"
    )
    return latest[["player_id", "player_name", "team", "game_date"]].set_index("player_id")


@dataclasses.dataclass
class Prepared:
    """What a server needs from the game data besides the models: the player lookups, the last
    game date, and the rows of the prepared days (computed by :func:`prepare`, in a helper
    process or here)."""

    latest: pd.DataFrame
    last_game_date: dt.date | None
    days: dict[dt.date, DayRows]


def prepare(history: GameData, days: list[dt.date]) -> Prepared:
    """Return the player lookups, the last game date and the rows of the ``days`` after the
    last game of ``history``."""
    import pandas as pd

    latest = latest_players(history)
    last = last_game_of(history)
    return Prepared(
        latest,
        last,
        {
            day: compute_day(history, latest, pd.Timestamp(day))
            for day in days
            if last is None or day > last
        },
    )


class DayCache:
    """What a predictor keeps of its game data: the rows of prepared dates (at most
    ``KEPT_DAYS``) and each player's latest row with the name lookup built from it.

    Reads take no lock: ``get`` looks one date up in a dict that :meth:`keep` replaces whole
    (readers see the old or the new one). Writers (the predictor, under its compute lock)
    call :meth:`keep` and :meth:`set_latest`.
    """

    def __init__(self) -> None:
        self._days: dict[pd.Timestamp, DayRows] = {}
        self._latest: pd.DataFrame | None = None
        self._names: PlayerNames | None = None

    def get(self, day: pd.Timestamp) -> DayRows | None:
        """Return the rows of ``day`` (None: not prepared)."""
        return self._days.get(day)

    def days(self) -> list[pd.Timestamp]:
        """Return the prepared dates."""
        return list(self._days)

    def keep(self, day: pd.Timestamp, rows: DayRows, today: pd.Timestamp) -> None:
        """Keep ``rows`` for ``day``, at most ``KEPT_DAYS`` days: the days farthest from
        ``today`` leave first, so requests cycling through other dates never push out the rows
        of today and tomorrow that a server prepared."""
        days = dict(self._days)
        days[day] = rows
        if len(days) > KEPT_DAYS:
            farthest = sorted(days, key=lambda d: (abs(d - today), d > today), reverse=True)
            for old in farthest[: len(days) - KEPT_DAYS]:
                days.pop(old)
        self._days = days  # one reference swapped: readers see the old or the new

    @property
    def latest(self) -> pd.DataFrame | None:
        """Each player's latest row (name, team, game date), indexed by player_id (None: not
        known yet)."""
        return self._latest

    @property
    def names(self) -> PlayerNames | None:
        """The player-name lookup built from :attr:`latest` (None: not known yet)."""
        return self._names

    def set_latest(self, latest: pd.DataFrame) -> None:
        """Keep each player's latest row (:func:`latest_players`) and the name lookup."""
        self._names = PlayerNames(
            (int(i), str(n))  # type: ignore[call-overload]
            for i, n in latest["player_name"].items()
        )
        self._latest = latest
