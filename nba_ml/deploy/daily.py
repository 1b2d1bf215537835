"""``nba-ml daily``: the trainer of a container, where no cron daemon or systemd timer runs.

It stays in the foreground and runs each training as a child process (``nba-ml train``, its
own memory, its own exit code and log lines), at the daily ``NBA_TRAINING_HOUR:MINUTE`` in
``NBA_TRAINING_TIMEZONE`` (04:00 America/Chicago):

- Each training stands for one scheduled instant and runs as ``train`` (not ``--force``) with
  ``NBA_ML_MAX_AGE_HOURS`` set to the hours since that instant: it trains unless the installed
  set is valid and was trained after it. So the scheduled run trains (as ``train --force``
  would), a second trainer on the same volume that lost the lock retries and then finds the
  night's set and stops, and an invalid or missing set is trained at once (``ensure``).
- At start, the latest instant already past is the one: a night missed while the host or the
  container was down is caught up when it starts again, as systemd's ``Persistent=true`` does;
  when that night's set is installed, nothing runs.
- The next instant comes from :func:`nba_ml.deploy.clock.next_run`: a day of a DST change has
  one run (a repeated wall time means its first occurrence, a skipped one the end of the gap).
  The wait looks at the wall clock at least every minute, so a suspended host or a corrected
  clock does not shift the run. A training still running at the next instant stands for it
  too (as a systemd timer that elapses while its service runs starts nothing).
- Exit 75 (the lock is held, stats.nba.com cannot be reached) is retried after 20 minutes, at
  most 3 times, as ``nba-ml-train.service`` does; any other failure waits for the next day.
- SIGTERM or SIGINT (``docker stop``, Ctrl-C) is passed on to a running training, which stops
  as ``stopped`` and leaves the installed set complete; then ``daily`` exits 143 or 130.

Two trainers never train at once: the training lock lives on the shared data directory.
Standard library only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import Any

from nba_ml.deploy.clock import local_instant, next_run, zone_info
from nba_ml.state.datadir import DATA_DIR_ENV

logger = logging.getLogger(__name__)

EXIT_TEMPORARY = 75
RETRY_SECONDS = 20 * 60.0  # as RestartSec=20min of nba-ml-train.service
RETRIES = 3
TICK_SECONDS = 60.0  # the longest wait between two looks at the wall clock
MAX_AGE_ENV = "NBA_ML_MAX_AGE_HOURS"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(tz=dt.timezone.utc)


def previous_run(now: dt.datetime, hour: int, minute: int, timezone: str) -> dt.datetime:
    """Return the latest daily run at or before aware ``now``, aware in ``timezone``."""
    zone = zone_info(timezone)
    today = now.astimezone(zone).date()
    for days in (0, -1, -2):
        candidate = local_instant(today + dt.timedelta(days=days), hour, minute, zone)
        if candidate <= now:
            return candidate
    raise AssertionError("unreachable: yesterday's run is in the past")  # pragma: no cover


def max_age_hours(since: dt.datetime, now: dt.datetime) -> str:
    """Return NBA_ML_MAX_AGE_HOURS for a training that stands for the run at ``since``: a set
    trained after it is younger than this, and fresh (whole seconds, rounded down)."""
    seconds = max(0.0, (now - since).total_seconds())
    return f"{int(seconds) / 3600:.6f}".rstrip("0").rstrip(".")


@dataclasses.dataclass
class Daily:
    """The loop: ``command`` is nba-ml's argv up to the command (``[python, -m, nba_ml]``),
    ``train_args`` what follows ``train`` (``--from DIR``), ``environ`` the trainings'
    environment. The clock, the wait and the child processes can be replaced (tests)."""

    command: Sequence[str]
    hour: int
    minute: int
    timezone: str
    environ: Mapping[str, str]
    train_args: Sequence[str] = ()
    now: Callable[[], dt.datetime] = _utcnow
    spawn: Callable[..., Any] = subprocess.Popen
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    signal_number: int | None = None
    child: Any = None

    def wait(self, seconds: float) -> bool:
        """Wait ``seconds``; return True when asked to stop meanwhile."""
        return self.stop.wait(max(0.0, seconds))

    def wait_until(self, instant: dt.datetime) -> bool:
        """Wait until the wall clock reaches ``instant``; return True when asked to stop."""
        while True:
            left = (instant - self.now()).total_seconds()
            if left <= 0:
                return self.stop.is_set()
            if self.wait(min(left, TICK_SECONDS)):
                return True

    def train(self, scheduled: dt.datetime) -> int:
        """Run one training for the run at ``scheduled``; return its exit code."""
        environ = {**self.environ, MAX_AGE_ENV: max_age_hours(scheduled, self.now())}
        argv = [*self.command, "train", *self.train_args]
        logger.info("training for the run of %s", scheduled.isoformat(timespec="minutes"))
        # its own session: a Ctrl-C reaches it once, through us, not twice
        child = self.spawn(argv, env=environ, start_new_session=True)
        self.child = child
        if self.stop.is_set():  # the signal came while it was being started
            child.send_signal(self.signal_number or signal.SIGTERM)
        try:
            code = int(child.wait())
        finally:
            self.child = None
        if code:
            level = logging.WARNING if code in (3, EXIT_TEMPORARY) else logging.ERROR
            logger.log(
                level,
                "the training for %s exited %d",
                scheduled.isoformat(timespec="minutes"),
                code,
            )
        return code

    def train_with_retries(self, scheduled: dt.datetime) -> int:
        """Run the training for ``scheduled``; retry exit 75 after RETRY_SECONDS, RETRIES times,
        while the next run is further away than that."""
        code = self.train(scheduled)
        for _ in range(RETRIES):
            if code != EXIT_TEMPORARY or self.stop.is_set():
                break
            upcoming = next_run(self.now(), self.hour, self.minute, self.timezone)
            if (upcoming - self.now()).total_seconds() <= RETRY_SECONDS:
                break
            logger.info("retrying in %d minutes", RETRY_SECONDS // 60)
            if self.wait(RETRY_SECONDS):
                break
            code = self.train(scheduled)
        return code

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        """SIGTERM or SIGINT: stop waiting, and pass the signal on to a running training."""
        self.signal_number = signum
        self.stop.set()
        child = self.child
        if child is not None:
            child.send_signal(signum)

    def run(self) -> int:
        """Run until a signal; return 128 + its number."""
        started = previous_run(self.now(), self.hour, self.minute, self.timezone)
        logger.info(
            "training daily at %02d:%02d %s; first the run of %s, if it was missed",
            self.hour,
            self.minute,
            self.timezone,
            started.isoformat(timespec="minutes"),
        )
        self.train_with_retries(started)
        while not self.stop.is_set():
            upcoming = next_run(self.now(), self.hour, self.minute, self.timezone)
            logger.info("next training at %s", upcoming.isoformat(timespec="minutes"))
            if self.wait_until(upcoming):
                break
            self.train_with_retries(upcoming)
        return 128 + (self.signal_number or signal.SIGTERM)


def run_daily(daily: Daily) -> int:
    """Run ``daily`` with SIGTERM and SIGINT handled by it (the main thread only)."""
    previous = {
        number: signal.signal(number, daily.handle) for number in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        return daily.run()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def child_environment(
    environ: Mapping[str, str], data_dir: str, settings: Mapping[str, str]
) -> dict[str, str]:
    """Return the trainings' environment: ``environ`` with the data directory and the settings
    given as flags before ``daily`` (variable -> text) made variables."""
    return {
        **environ,
        **settings,
        DATA_DIR_ENV: data_dir,
        "PYTHONUNBUFFERED": environ.get("PYTHONUNBUFFERED", "1"),
    }
