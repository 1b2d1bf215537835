"""Lines on player stats (``points=24.5``): parsing them, and answering them and the quantiles
from the predictive distributions the player models carry (issue #22).

A line is a stat and a number: P(over) is P(stat > line), P(under) P(stat < line) and, for a
whole number, P(push) P(stat == line) (a count cannot push a half line). The distributions are
P(stat <= k) for k = 0, 1, ... (``Predictor.predict_players(..., distributions=...)``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from nba_ml import modelset
from nba_ml.errors import UsageError
from nba_ml.modeling.models import QUANTILE_COLUMNS, QUANTILES

if TYPE_CHECKING:
    import numpy as np

# the highest line accepted (no player has scored 101 points)
MAX_LINE = 100.0
# what a set trained before the distributions says instead of them
NO_DISTRIBUTIONS = (
    "this model set has no predictive distributions (trained before nba-ml had them): "
    "run `nba-ml train --force` to add quantiles and line probabilities"
)


def line_stats() -> tuple[str, ...]:
    """Return the stats a line may be on: the outputs of the registry's player models that
    carry a predictive distribution (``ModelSpec.distribution``), in order."""
    return tuple(
        spec.output
        for spec in modelset.of_level(modelset.Level.PLAYER)
        if spec.distribution is not None
    )


@dataclasses.dataclass(frozen=True)
class Line:
    """One line on one stat (``stat``: points, assists or rebounds)."""

    stat: str
    value: float

    @property
    def whole(self) -> bool:
        return float(self.value).is_integer()

    def text(self, separator: str = "=") -> str:
        return f"{self.stat}{separator}{self.value:g}"


def parse_lines(texts: Iterable[str], separator: str = "=") -> list[Line]:
    """Return the lines written ``STAT<separator>NUMBER`` (``points=24.5``; the web API writes
    ``points:24.5``); raise UsageError naming every bad one."""
    lines, bad = [], []
    known = line_stats()
    for text in texts:
        stat, found, value = str(text).partition(separator)
        stat = stat.strip().lower()
        try:
            number = float(value) if found else math.nan
        except ValueError:
            number = math.nan
        if stat not in known or not (0 <= number <= MAX_LINE):
            bad.append(repr(str(text)[:40]))
            continue
        lines.append(Line(stat, number))
    if bad:
        stats = ", ".join(known)
        raise UsageError(
            f"bad line{'s' * (len(bad) > 1)} {', '.join(bad)}: write STAT{separator}NUMBER "
            f"with STAT one of {stats} and a number from 0 to {MAX_LINE:g}, "
            f"e.g. points{separator}24.5"
        )
    return lines


def quantiles(cdf: np.ndarray) -> list[dict[str, float]]:
    """Return each row's quantiles (``q05`` ... ``q95``: whole counts) of P(stat <= k)."""
    from nba_ml.modeling.distributions import count_quantiles

    table = count_quantiles(cdf, QUANTILES)
    return [dict(zip(QUANTILE_COLUMNS, map(float, row), strict=True)) for row in table]


def line_probabilities(cdf: np.ndarray, line: Line) -> list[dict[str, float]]:
    """Return each row's P(over), P(under) and, on a whole line, P(push), rounded to 4 places."""
    from nba_ml.modeling.distributions import line_probabilities as probabilities

    found = probabilities(cdf, line.value)
    keys = ("over", "under", "push") if line.whole else ("over", "under")
    return [{key: round(float(found[key][row]), 4) for key in keys} for row in range(cdf.shape[0])]


def spread_fields(cdfs: dict[str, np.ndarray], asked: list[Line], row: int = 0) -> dict[str, Any]:
    """Return one answer's ``quantiles`` (per stat), ``lines`` (per line asked: stat, line and
    its probabilities) and ``lacking`` (None, or why there are none: the set has no
    distributions) from the distributions of ``Predictor.predict_players``."""
    if not cdfs:
        return {"quantiles": None, "lines": None, "lacking": NO_DISTRIBUTIONS}
    return {
        "quantiles": {name: quantiles(cdf[row : row + 1])[0] for name, cdf in cdfs.items()},
        "lines": [
            {"stat": line.stat, "line": line.value}
            | line_probabilities(cdfs[line.stat][row : row + 1], line)[0]
            for line in asked
        ],
        "lacking": None,
    }
