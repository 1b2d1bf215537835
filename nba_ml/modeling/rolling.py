"""Vectorised rolling numerics over rows sorted by (group, date): the arithmetic of the features.

Every ``prior_*`` function returns, for each row, a statistic of the *earlier* rows of its group
(the row itself excluded), so a feature built from them never sees the game it describes.
``inclusive_*`` functions include the row itself: they give the state *after* a game, which the
callers shift onto later games. Groups are given by ``starts``: for each row, the index of its
group's first row (see :func:`group_starts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def group_starts(*columns: np.ndarray) -> np.ndarray:
    """Return, for rows sorted so that equal column tuples are adjacent, each row's group start."""
    import numpy as np

    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for column in columns:
        new[1:] |= column[1:] != column[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(n), 0))


def _cumulative(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return cumulative sums of the non-NaN values and of their count, each with a leading 0."""
    import numpy as np

    valid = ~np.isnan(values)
    total = np.concatenate([[0.0], np.cumsum(np.where(valid, values, 0.0))])
    count = np.concatenate([[0], np.cumsum(valid)])
    return total, count


def prior_sum_count(
    values: np.ndarray, starts: np.ndarray, window: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the sum and count of up to ``window`` earlier non-NaN values of each row's group."""
    import numpy as np

    total, count = _cumulative(values)
    index = np.arange(len(values))
    low = starts if window is None else np.maximum(starts, index - window)
    return total[index] - total[low], count[index] - count[low]


def prior_mean(values: np.ndarray, starts: np.ndarray, window: int | None) -> np.ndarray:
    """Return the mean of up to ``window`` earlier non-NaN values of the group (NaN if none)."""
    import numpy as np

    sums, counts = prior_sum_count(values, starts, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def prior_std(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """Return the standard deviation of up to ``window`` earlier values of the group."""
    import numpy as np

    mean = prior_mean(values, starts, window)
    mean_sq = prior_mean(values * values, starts, window)
    return np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))


def inclusive_mean(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """Return the mean of the last ``window`` values of the group up to and including each row."""
    import numpy as np

    total, count = _cumulative(values)
    nxt = np.arange(len(values)) + 1
    low = np.maximum(starts, nxt - window)
    cnt = count[nxt] - count[low]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, (total[nxt] - total[low]) / np.maximum(cnt, 1), np.nan)


# Decayed sums use weights decay**(-position) within a group; beyond this many rows a group is
# computed by the loop, so that the weights stay far from overflow for any decay used here.
_DECAY_CLOSED_FORM_ROWS = 2000


def inclusive_decayed_sum(values: np.ndarray, starts: np.ndarray, decay: float) -> np.ndarray:
    """Return ``sum_{j <= i in the group} decay**(i - j) * values[j]`` (NaN counts as 0)."""
    import numpy as np
    import pandas as pd

    n = len(values)
    if n == 0:
        return np.zeros(0)
    v = np.nan_to_num(values.astype(float), nan=0.0)
    position = np.arange(n) - starts
    if int(position.max()) >= _DECAY_CLOSED_FORM_ROWS:
        return _inclusive_decayed_sum_loop(v, starts, decay)
    # The running sum restarts in each group: one over all rows would carry a long group's far
    # larger weights into the next group and cancel its values away when subtracted.
    scaled = (
        pd.Series(v * decay ** (-position.astype(float)))
        .groupby(starts, sort=False)
        .cumsum()
        .to_numpy()
    )
    return scaled * decay ** position.astype(float)


def _inclusive_decayed_sum_loop(values: np.ndarray, starts: np.ndarray, decay: float) -> np.ndarray:
    import numpy as np

    out = np.empty(len(values))
    acc = 0.0
    for i, v in enumerate(values):
        acc = v if starts[i] == i else acc * decay + v
        out[i] = acc
    return out


def prior_ewm(values: np.ndarray, starts: np.ndarray, halflife: float) -> np.ndarray:
    """Return an exponentially weighted mean of earlier values in the group (NaN if none).

    Weights decay by position (a row without a value still moves the weights on)."""
    import numpy as np

    decay = 0.5 ** (1.0 / halflife)
    valid = ~np.isnan(values)
    weighted = inclusive_decayed_sum(np.where(valid, values, 0.0), starts, decay)
    mass = inclusive_decayed_sum(valid.astype(float), starts, decay)
    first = starts == np.arange(len(values))
    before_w = np.where(first, 0.0, np.concatenate([[0.0], weighted[:-1]]))
    before_m = np.where(first, 0.0, np.concatenate([[0.0], mass[:-1]]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before_m > 0, before_w / np.maximum(before_m, 1e-300), np.nan)


def prior_ewm_loop(values: np.ndarray, starts: np.ndarray, decay: float) -> np.ndarray:
    """Reference loop of :func:`prior_ewm` (``decay`` per row), for tests and long groups."""
    import numpy as np

    out = np.full(len(values), np.nan)
    acc = mass = 0.0
    for i, v in enumerate(values):
        if starts[i] == i:
            acc = mass = 0.0
        if mass > 0:
            out[i] = acc / mass
        acc *= decay
        mass *= decay
        if not np.isnan(v):
            acc += v
            mass += 1.0
    return out


def shift_in_group(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return each row's previous value within its group (NaN for a group's first row)."""
    import numpy as np

    previous = np.concatenate([[np.nan], values[:-1].astype(float)])
    previous[starts == np.arange(len(values))] = np.nan
    return previous


def days_since_previous(dates: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return the days since the group's previous row (NaN for a group's first row)."""
    import numpy as np

    days = dates.astype("datetime64[D]").astype(np.int64).astype(float)
    return days - shift_in_group(days, starts)


def lookup(keys: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Return ``table``'s rows matching each row of ``keys`` on ``on`` (NaN where none), aligned
    with ``keys``; ``table`` must be unique on ``on``. A hash join, far faster than tuple keys."""
    keys = keys[on].reset_index(drop=True)
    merged = keys.merge(table, on=on, how="left", validate="many_to_one", sort=False)
    return merged.set_axis(keys.index)


def season_start_years(seasons: pd.Series) -> np.ndarray:
    """Return the start year of each season label ("2019-20" -> 2019), vectorised."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(seasons)
    years = np.array([int(str(label)[:4]) for label in uniques], dtype=np.int64)
    return years[codes] if len(uniques) else np.zeros(len(seasons), dtype=np.int64)
