"""What served a prediction: the model set's generation, when it was trained, the data's last game
and whether that data is stale for the day predicted.

Every prediction carries it (``serving.predictions``: ``served``): the CLI's text and
``--json``, the web API's answers and the Python API's results alike. Staleness is judged for
the day predicted (``data.seasons.is_stale``, the rule ``status`` uses), not for today: a
prediction for the day after the data ends is fresh whenever it is asked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from nba_ml.data.seasons import days_behind, is_stale


@dataclasses.dataclass(frozen=True)
class Provenance:
    """Where a prediction for ``day`` comes from; ``warning`` is set when its data is stale."""

    day: str
    generation: str | None
    trained_at: str | None
    last_game_date: str | None
    days_behind: int | None
    stale: bool
    warning: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the fields a JSON answer carries (``warning`` only when there is one; the
        day is the prediction's own ``game_date``)."""
        out = {
            "generation": self.generation,
            "trained_at": self.trained_at,
            "last_game_date": self.last_game_date,
            "days_behind": self.days_behind,
            "stale": self.stale,
        }
        return out | ({"warning": self.warning} if self.warning else {})


def stale_message(last_game: dt.date | None, day: dt.date) -> str | None:
    """Return the one sentence saying that predictions for ``day`` come from stale data (None
    when the data is not stale for that day)."""
    if not is_stale(last_game, day):
        return None
    return (
        f"the data ends {last_game} ({days_behind(last_game, day)} days before {day}), so "
        "this prediction ignores every game since"
    )


def stale_warning(last_game: dt.date | None, day: dt.date, *, chosen: bool) -> str | None:
    """Return the warning for predicting ``day`` from stale data, with what to do: retrain,
    or (a day nobody chose, i.e. today) give --date (date= on the web API)."""
    message = stale_message(last_game, day)
    if message is None:
        return None
    if chosen:
        return f"{message}; retrain with `nba-ml train` for an up-to-date answer"
    return (
        f"{message}; retrain with `nba-ml train`, or give --date (date=) for a day soon "
        f"after {last_game}"
    )


def provenance(
    manifest_fields: tuple[str | None, str | None],
    last_game: dt.date | None,
    day: dt.date,
    *,
    chosen: bool,
) -> Provenance:
    """Return the provenance of a prediction for ``day`` from a set of (generation,
    trained_at) whose data ends ``last_game``; ``chosen`` tells whether the caller asked for
    that day (else it is today), which changes only the warning's advice."""
    generation, trained_at = manifest_fields
    return Provenance(
        day.isoformat(),
        generation,
        trained_at,
        None if last_game is None else last_game.isoformat(),
        days_behind(last_game, day),
        is_stale(last_game, day),
        stale_warning(last_game, day, chosen=chosen),
    )
