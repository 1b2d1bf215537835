"""The player side of the serving API: finding a player and answering his upcoming games.

``PlayerSide`` is a part of ``serving.predictor.Predictor`` (its base class): ``find_player``,
``predict_players`` and the player models' stats and predictive distributions (P(stat <= k),
mixed over the venues a request may be played at). It reads the day's rows, the team sides with
the absences listed and the models from the Predictor it is a part of.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nba_ml.errors import UsageError
from nba_ml.modeling import availability as absences
from nba_ml.modeling import models, player_table
from nba_ml.serving.availability import Availability
from nba_ml.serving.dayrows import ACTIVE_DAYS
from nba_ml.serving.inputs import find_player_id, resolve_team
from nba_ml.serving.lines import Line, spread_fields
from nba_ml.serving.predictions import PlayerPrediction

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from nba_ml.modelset import ModelSpec
    from nba_ml.serving.dayrows import DayCache, DayRows
    from nba_ml.serving.provenance import Provenance


class PlayerSide:
    """The player-side answers of a ``Predictor`` (which defines what is declared below)."""

    if TYPE_CHECKING:
        models: dict[str, Any]
        day_rows: DayCache
        latest_players: Callable[[], pd.DataFrame]
        _upcoming: Callable[[object], pd.Timestamp]
        _check_staleness: Callable[[pd.Timestamp, bool], Provenance]
        _day: Callable[[pd.Timestamp], DayRows]
        _sides: Callable[[DayRows, Availability], pd.DataFrame]

    def find_player(self, name_or_id: str | int) -> tuple[int, str, str]:
        """Return (player_id, name, latest team) for an id or a name; raise UsageError with the
        closest names when nobody matches."""
        latest = self.latest_players()
        names = self.day_rows.names
        assert names is not None
        player_id = find_player_id(str(name_or_id), latest, names)
        row = latest.loc[player_id]
        return player_id, str(row["player_name"]), str(row["team"])

    def predict_players(
        self,
        players: Iterable[Mapping[str, Any]],
        date: object = None,
        lines: Sequence[Line] = (),
        availability: Availability | None = None,
    ) -> list[PlayerPrediction]:
        """Return the expected stat line of each upcoming player-game, in order: one value per
        player model, for the ``game_date`` predicted, with each stat's quantiles and the
        probabilities of ``lines`` (``serving.lines``; a set trained before the distributions
        says what it lacks instead).

        Each item has ``player_id`` (or ``player``: a name or id) and optionally ``opponent``
        and ``is_home`` (unknown venue: the mean of the home and away predictions). The player
        plays for his latest team. Raises UsageError for unknown players or teams, or a player
        inactive for more than ACTIVE_DAYS days. ``availability``: who is out (his team's and
        the opponent's absences move the prediction; it is on each answer).
        """
        day = self._upcoming(date)
        served = self._check_staleness(day, date is not None)
        cached = self._day(day)
        requests = []
        who = cached.who
        for item in players:
            key = item.get("player_id", item.get("player"))
            if key is None:
                raise UsageError("each player needs a player_id or a player name")
            if isinstance(key, int) and key in who:  # fast path: an id with a row
                player_id, (name, team) = key, who[key]
            else:
                player_id, name, team = self.find_player(key)
            if player_id not in who:
                raise UsageError(
                    f"{name} has not played in the {ACTIVE_DAYS} days before {day:%Y-%m-%d}"
                )
            opponent = resolve_team(item["opponent"]) if item.get("opponent") else None
            if opponent == team:
                raise UsageError(f"{name} cannot play against his own team {team}")
            venue = item.get("is_home")
            requests.append((player_id, team, opponent, None if venue is None else bool(venue)))
        if not requests:
            return []
        rows = cached.players.reindex([r[0] for r in requests]).reset_index()
        listed = availability or Availability()
        cdfs: dict[str, np.ndarray] = {}
        stats = self._player_stats(cached, rows, requests, cdfs, listed)
        return [
            PlayerPrediction(
                int(player_id),
                str(name),
                team,
                opponent,
                venue,
                f"{day:%Y-%m-%d}",
                {stat: float(values[i]) for stat, values in stats.items()},
                served=served,
                spread=spread_fields(cdfs, list(lines), i),
                availability=listed,
            )
            for i, (player_id, name, (_, team, opponent, venue)) in enumerate(
                zip(rows["player_id"], rows["player_name"], requests, strict=True)
            )
        ]

    def _player_stats(
        self,
        cached: DayRows,
        rows: pd.DataFrame,
        requests: list[tuple[int, str, str | None, bool | None]],
        cdfs: dict[str, np.ndarray] | None = None,
        listed: Availability | None = None,
    ) -> dict[str, Any]:
        """Return each player model's predictions for the ``requests`` (player_id, team,
        opponent, venue) whose feature ``rows`` are given: the registry's player models
        (``nba_ml.modelset``) in order, keyed by their ``output`` and rounded to their
        ``digits``; a model added after this set was trained (not ``required``) is left out.
        ``cdfs``, when given, receives each stat's P(stat <= k), k = 0, 1, ..., per request
        (the mean over its venues; nothing when the set has no distributions). ``listed``: who
        is out (default: nobody known)."""
        import numpy as np

        sides = self._sides(cached, listed or Availability())
        own = sides.reindex([r[1] for r in requests]).reset_index(drop=True)
        opp = sides.reindex([r[2] for r in requests]).reset_index(drop=True)
        # One row per (request, venue it may be played at): a known venue gives one row, an
        # unknown one two (home and away, averaged); then one predict call per model.
        pairs = [
            (i, home)
            for i, (*_, venue) in enumerate(requests)
            for home in ((True, False) if venue is None else (venue,))
        ]
        index = np.array([i for i, _ in pairs])
        home = np.array([h for _, h in pairs], dtype=float)
        variant = rows.iloc[index].reset_index(drop=True)
        refill = player_table.opponent_features(
            own.iloc[index].reset_index(drop=True), opp.iloc[index].reset_index(drop=True), home
        )
        refill.update(
            absences.player_columns(
                own.iloc[index].reset_index(drop=True),
                opp.iloc[index].reset_index(drop=True),
                variant["min_expected"].to_numpy(dtype=float),
            )
        )
        for column, values in refill.items():
            variant[column] = values
        out = {}
        for spec in models.player_specs():
            if spec.name not in self.models:
                continue  # a model this set was trained without (see ModelSpec.required)
            predicted = models.predict(spec, self.models[spec.name], variant)
            total = np.bincount(index, weights=predicted, minlength=len(rows))
            out[spec.output] = np.round(
                total / np.bincount(index, minlength=len(rows)), spec.digits
            )
        if cdfs is not None and self.has_player_distributions():
            cdfs.update(self._mixed_cdfs(variant, index, len(rows)))
        return out

    def _mixed_cdfs(
        self, variant: pd.DataFrame, index: np.ndarray, requests: int
    ) -> dict[str, np.ndarray]:
        """Return each distribution's P(stat <= k) per request, keyed by its model's output: the
        mean over the rows of ``variant`` (one per venue) that ``index`` maps to the request."""
        import numpy as np

        weights = 1.0 / np.bincount(index, minlength=requests)[index]
        out = {}
        for spec in self._distribution_specs():
            cdf = models.predict_stat_cdf(self.models[spec.name], variant, spec.target)
            mixed = np.zeros((requests, cdf.shape[1]))
            np.add.at(mixed, index, cdf * weights[:, None])
            out[spec.output] = mixed
        return out

    def _distribution_specs(self) -> list[ModelSpec]:
        """The registry's player models of this set whose spec declares a distribution."""
        return [
            spec
            for spec in models.player_specs()
            if spec.distribution is not None and spec.name in self.models
        ]

    def has_player_distributions(self) -> bool:
        """Return whether the installed player models carry predictive distributions (a set
        trained before issue #22 does not: retrain to add them)."""
        specs = self._distribution_specs()
        return bool(specs) and all(
            models.has_distribution(self.models[spec.name]) for spec in specs
        )
