"""Progress of long steps, reported without the library knowing who listens.

Library code calls :func:`report` as it goes (``report("fitting player models", 3, 12)``). By
default that becomes an INFO log line at most every :data:`LOG_INTERVAL` seconds per step (and
one when a step that ran that long completes), so logs of a long training never stay silent for
long, and a quick command logs no progress. An interface
(the CLI on a terminal) can install its own :class:`Reporter`, e.g. a Rich progress bar, with
:func:`reporting_to`. This module imports nothing of nba-ml and nothing outside the standard
library.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from typing import Protocol

log = logging.getLogger("nba_ml.progress")

LOG_INTERVAL = 10.0


class Reporter(Protocol):
    def __call__(self, step: str, done: int, total: int | None) -> None: ...


class LogReporter:
    """Log ``step: done/total`` at INFO at most every ``interval`` s per step, and at the end of
    a step that ran at least ``interval`` s. A quicker step stays silent: a two-second command
    logged "building features: 3/3 (100%)" twice."""

    def __init__(self, interval: float = LOG_INTERVAL) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._started: dict[str, float] = {}

    def __call__(self, step: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if step not in self._last:  # the first report starts the step's clock, silently
            self._last[step] = self._started[step] = now
            if not finished:
                return
        if finished:
            long = now - self._started.pop(step) >= self.interval
            self._last.pop(step, None)  # a later run of the step starts afresh
            if long:
                self._log(step, done, total)
        elif now - self._last[step] >= self.interval:
            self._last[step] = now
            self._log(step, done, total)

    @staticmethod
    def _log(step: str, done: int, total: int | None) -> None:
        if total:
            log.info("%s: %d/%d (%d%%)", step, done, total, 100 * done // total)
        else:
            log.info("%s: %d done", step, done)


_current: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar(
    "nba_ml_progress", default=None
)
_default = LogReporter()


def report(step: str, done: int, total: int | None = None) -> None:
    """Tell whoever listens that ``done`` of ``total`` units of ``step`` are finished."""
    reporter = _current.get() or _default
    reporter(step, done, total)


@contextlib.contextmanager
def reporting_to(reporter: Reporter) -> Iterator[None]:
    """Send progress to ``reporter`` (instead of the log) inside the ``with`` block."""
    token = _current.set(reporter)
    try:
        yield
    finally:
        _current.reset(token)
