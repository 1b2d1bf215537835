"""Make a served set self-contained and bounded: what ``LivePredictor`` adds to a loaded set.

- its game data held open (``state.held``): the very file verified at load stays readable when
  the trainer prunes it or the data directory becomes unreadable, for as long as it is served;
- its dates bounded by the horizon (``NBA_ML_SERVING_HORIZON_DAYS``);
- a date nobody prepared computed in a helper process (lower CPU priority, off the server's
  GIL), one at a time: a request for another such date meanwhile gets ServingBusy (a 503);
- :func:`held_problem`: whether the held game data is still intact (checked again only when
  its file's status changed), for ``/healthz``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nba_ml.errors import NbaMlError
from nba_ml.serving.helper import HelperProcess
from nba_ml.serving.predictor import Predictor
from nba_ml.state.held import HeldHistory

if TYPE_CHECKING:
    import pandas as pd

    from nba_ml.serving.dayrows import DayRows

BUSY_WAIT = 0.0  # seconds a request waits for another date's feature pass before a 503

Seen = tuple[int, ...]


def hold_installed(data_dir: Path) -> HeldHistory | None:
    """Hold the game data the installed manifest names (None when it cannot: the set's own
    check after its models load says why)."""
    from nba_ml.state.store import read_manifest

    try:
        manifest = read_manifest(data_dir)
        sha = manifest.record.history_sha256 if manifest is not None else None
        return HeldHistory.open(data_dir, sha)
    except (NbaMlError, OSError):
        return None


def equip(
    predictor: Predictor,
    held: HeldHistory | None,
    data_dir: Path,
    *,
    horizon_days: int | None,
    today: Callable[[], dt.date],
    helper_process: bool,
) -> None:
    """Make a freshly loaded set self-contained and bounded before it is served (see the
    module docstring); raise DataError when its game data cannot be held."""
    sha = predictor.history_sha256
    if predictor.history is None and sha:
        predictor.held = (
            held if held is not None and held.sha256 == sha else (HeldHistory.open(data_dir, sha))
        )
    predictor.horizon_days, predictor.clock = horizon_days, today
    predictor.busy_wait = BUSY_WAIT
    if helper_process:
        predictor.compute_elsewhere = functools.partial(
            compute_in_helper, data_dir, weakref.ref(predictor)
        )


def compute_in_helper(data_dir: Path, ref: weakref.ref[Predictor], day: pd.Timestamp) -> DayRows:
    """Compute the rows of a date nobody prepared in a helper process; here when the helper
    fails (one WARNING)."""
    predictor = ref()
    assert predictor is not None  # called by the predictor itself
    sha = predictor.history_sha256
    helper = HelperProcess(data_dir, predictor.held)
    try:
        helper.submit([day.date()], sha256=sha)
        prepared = helper.result([day.date()], sha) if sha else None
    finally:
        helper.close()
    if prepared is not None and day.date() in prepared.days:
        return prepared.days[day.date()]
    return predictor.compute_day(day)


def held_problem(served: Predictor, seen: Seen | None) -> tuple[Seen | None, str | None]:
    """Return (the held file's status now, why it cannot be used or None), verifying it again
    only when its status differs from ``seen`` (a trusted user rewrote it in place)."""
    held = served.held
    if held is None:
        return None, None
    try:
        info = os.fstat(held.fileno())
        now: Seen | None = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_mode, info.st_uid)
    except (OSError, ValueError):
        now = None
    if now is not None and now == seen:
        return seen, None
    try:
        held.payload()
    except NbaMlError as error:
        return None, f"the served set's game data cannot be used: {error}"
    return now, None
