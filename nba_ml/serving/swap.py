"""What a live predictor does around a swap: tell that the installed set changed (a cheap
identity of ``<data-dir>/models``), give freshly unpickled models their first calls before any
request does, and hand the heap a load or a feature pass freed back to the OS."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import os
from pathlib import Path
from typing import Any

from nba_ml.errors import UsageError
from nba_ml.serving.predictor import Predictor

MODELS_LINK = "models"  # the name the store publishes a generation under

Key = tuple[object, ...]


def trim_heap() -> None:
    """Hand the heap pages freed by a load or a feature pass back to the OS: glibc keeps them
    otherwise, and a worker's resident memory would stay at its peak (no-op off glibc)."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None


def exercise(predictor: Predictor, days: list[dt.date]) -> None:
    """Answer one game and one player of a prepared day: the first calls of freshly unpickled
    models are several times slower than the next ones, and that should not be a request's.
    A model that cannot predict fails the load (the set is not served)."""
    import pandas as pd

    for day in days:
        rows = predictor.day_rows.get(pd.Timestamp(day))
        if rows is None:
            continue
        teams = [str(t) for t in rows.sides.index if t != "---"][:2]
        with contextlib.suppress(UsageError):  # a pick of ours the data does not allow: skip
            if len(teams) == 2:
                predictor.predict_games([(teams[0], teams[1])], date=day)
            for player_id, (_, team) in list(rows.who.items())[:1]:
                opponent = next((t for t in teams if t != team), None)
                predictor.predict_players(
                    [{"player_id": player_id, "opponent": opponent}], date=day
                )
        return


def installed_key(data_dir: Path) -> Key | None:
    """Return a cheap identity of the installed set (where ``models`` points, and the status of
    its manifest), or None when nothing is installed. Change detection only: loading verifies."""
    link = data_dir / MODELS_LINK
    try:
        target: str | None = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno != errno.EINVAL:  # EINVAL: a real directory (a legacy layout)
            return ("unreadable", error.errno)
        target = None
    try:
        status = os.stat(link / "manifest.json")
    except OSError:
        return (target, None)
    return (target, status.st_ino, status.st_mtime_ns, status.st_size)
