"""What a live predictor does around a swap: tell that the installed set changed (a cheap
identity of ``<data-dir>/models``), give freshly unpickled models their first calls before any
request does, and hand the heap a load or a feature pass freed back to the OS."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

from nba_ml import compat
from nba_ml.errors import UsageError
from nba_ml.serving.predictor import Predictor
from nba_ml.state.layout import DataLayout
from nba_ml.state.store import link_target

Key = tuple[object, ...]


def trim_heap() -> None:
    """Hand the heap pages freed by a load or a feature pass back to the OS: glibc keeps them
    otherwise, and a worker's resident memory would stay at its peak (no-op off glibc)."""
    compat.trim_heap()


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
    try:
        found = link_target(data_dir)
    except OSError as error:
        return ("unreadable", error.errno)
    if found is None:
        return None
    target = found or None  # "": a real directory (a legacy layout), not a link
    try:
        status = os.stat(DataLayout(data_dir).manifest)
    except OSError:
        return (target, None)
    return (target, status.st_ino, status.st_mtime_ns, status.st_size)
