"""What the predictor answers: one frozen object per prediction, and its one JSON form.

:class:`GamePrediction` (a game's home win probability, expected home margin and total with their
quantiles, and any other game-level answer) and
:class:`PlayerPrediction` (a player's expected stat line) are what
``Predictor.predict_games`` / ``predict_players`` return, for ``nba-ml predict``, ``predict
today``, the web API and the Python API alike. Each carries what served it (``served``:
:class:`~nba_ml.serving.provenance.Provenance`).

``as_dict()`` is the one JSON form (``--json`` and the web API): the fields in their declared
order, the fields marked :data:`PREDICTED` (the predicted values; a mapping gives one entry per
key) among them, then what served it. :meth:`~GamePrediction.predicted` is those predicted
values alone (the slate's lines show them beside their own fields). A new field is declared
once, in its class: a predicted value with ``metadata=PREDICTED``, anything else plainly; both
JSON forms follow. The text forms live in ``nba_ml.cli.predictions_view``.

A player's stat values are keyed by model name (``stats``: ``{"points": 25.69, ...}``, in the
model set's order): the predictor fills it by iterating the player models, and nothing else
names them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nba_ml import modelset
from nba_ml.serving.availability import Availability

if TYPE_CHECKING:
    from nba_ml.serving.provenance import Provenance

# The metadata of a field that holds predicted values (see the module docstring).
PREDICTED: Mapping[str, bool] = {"predicted": True}
# The metadata of a field the JSON form gives after what served it (the availability used):
# the predicted values stay together, whatever a subclass adds.
TRAILING: Mapping[str, bool] = {"trailing": True}


def _entries(name: str, value: object) -> dict[str, Any]:
    """Return a field's JSON entries: a mapping gives one per key, an object with its own JSON
    form (``as_dict``: the availability) one entry of it, anything else its own."""
    if isinstance(value, Mapping):
        return dict(value)
    as_dict = getattr(value, "as_dict", None)
    if as_dict is not None:
        return {name: as_dict()}
    return {name: value}


class _Prediction:
    """The JSON forms every prediction shares (a mixin of the dataclasses below)."""

    served: Provenance

    def predicted(self) -> dict[str, Any]:
        """Return the predicted values (the fields marked PREDICTED), in their order."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            if field.metadata.get("predicted"):
                out |= _entries(field.name, getattr(self, field.name))
        return out

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: every field in its order (predicted values flattened), then
        what served it (``Provenance.as_dict``)."""
        out: dict[str, Any] = {}
        trailing: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            if field.metadata.get("trailing"):
                trailing |= _entries(field.name, getattr(self, field.name))
            elif field.name != "served":
                out |= _entries(field.name, getattr(self, field.name))
        return out | self.served.as_dict() | trailing


@dataclasses.dataclass(frozen=True)
class GamePrediction(_Prediction):
    """The game-level models' answers for one game on ``game_date`` (YYYY-MM-DD).

    ``values`` maps each game-level model's ``output`` (``ModelSpec.output``, e.g.
    ``home_win_probability``, ``home_margin``, ``total_points``) to its value (a
    distribution's mean), in the model set's order; a model the set was trained without has no
    entry. Treat it as read-only.
    """

    game_date: str
    home: str  # nba_api abbreviation
    away: str
    values: Mapping[str, float] = dataclasses.field(metadata=PREDICTED)
    served: Provenance = dataclasses.field(kw_only=True)
    # the game-level distributions (issue #22: the home margin, the total; filled by
    # ``Predictor.predict_games``): ``quantiles`` (per output, q05 ... q95) and ``lacking``
    # (None, or which of them the set was trained without); flattened into the JSON forms,
    # empty when not computed
    spread: Mapping[str, Any] = dataclasses.field(
        default_factory=dict, kw_only=True, metadata=PREDICTED
    )
    # who the prediction knew to be out (issue #23; default: nobody known)
    availability: Availability = dataclasses.field(
        default_factory=Availability, kw_only=True, metadata=TRAILING
    )

    @property
    def home_win_probability(self) -> float:
        """The game-outcome model's home-win probability (the first game-level classifier)."""
        outcome = next(
            spec
            for spec in modelset.of_level(modelset.Level.GAME)
            if spec.task is modelset.Task.CLASSIFIER
        )
        return self.values[outcome.output]

    def quantiles(self, output: str) -> Mapping[str, float] | None:
        """Return the quantiles (``q05`` ... ``q95``) of the game-level distribution whose
        output is ``output`` (``home_margin``), or None when the set has none."""
        return (self.spread.get("quantiles") or {}).get(output)


@dataclasses.dataclass(frozen=True)
class PlayerPrediction(_Prediction):
    """A player's expected stat line in one game on ``game_date`` for his latest team.

    ``opponent`` and ``is_home`` are as asked (None: not given; an unknown venue is the mean of
    the home and away predictions). ``stats`` maps each player model's name to its expected
    value (rounded to 2 decimals), in the model set's order; treat it as read-only.
    """

    player_id: int
    player_name: str
    team: str
    opponent: str | None
    is_home: bool | None
    game_date: str
    stats: Mapping[str, float] = dataclasses.field(metadata=PREDICTED)
    served: Provenance = dataclasses.field(kw_only=True)
    # the stats' predictive distributions (issue #22, ``serving.lines.spread_fields``):
    # ``quantiles`` (per stat, q05 ... q95), ``lines`` (per line asked: stat, line, over,
    # under, push on a whole line) and ``lacking`` (None, or why there are none: a set trained
    # before them); flattened into the JSON form, empty when not computed
    spread: Mapping[str, Any] = dataclasses.field(default_factory=dict, kw_only=True)
    # who the prediction knew to be out (issue #23; default: nobody known)
    availability: Availability = dataclasses.field(
        default_factory=Availability, kw_only=True, metadata=TRAILING
    )

    def stat(self, name: str) -> float:
        """Return the expected value of the stat (player model) ``name``; raise KeyError."""
        return self.stats[name]
