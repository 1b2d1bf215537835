"""A predictor for long-running servers that follows the installed model set by itself.

A web server does ``live = LivePredictor("/var/lib/nba-ml").start()`` once per process (the
gunicorn app module), and ``predictor = live.current()`` once per request (ModelsNotReady, a 503,
before the first set); README.md, "Using the models in a web server", shows a whole handler.

``current()`` costs a ``readlink`` of ``<data-dir>/models`` at most every ``check_interval``
seconds. When the installed generation changes, a background thread loads and verifies the new
set with ``load_predictor`` (the store's own verification: hashes, owners, modes, versions; the
game data named by that generation's manifest), prepares today's rows (Chicago), swaps one
reference, then prepares tomorrow's: requests never wait for a load and never see models of one
set with the game data of another. A set that fails is not served: the current one keeps
serving, one ERROR line says why, and that generation is tried again only once the installed one
changes again. At midnight Chicago the thread prepares the new today and tomorrow, so the first
request of a day finds its rows ready.

The served set is self-contained for as long as it is served: its game data is held open
(``state.held``: the very file verified at load), so the trainer may prune that file (it keeps
only the newest few, whatever a server refused) and the data directory may become unreadable,
and every date the set accepts is still answered. Dates are bounded (``horizon_days``,
``NBA_ML_SERVING_HORIZON_DAYS``), a date nobody prepared is computed in a helper process, and
while one is computed, requests for another unprepared date get ServingBusy (503) instead of
queueing: a computed day's cost never starves the other requests. ``info()`` tells whether
requests can be answered (``answering``, else ``problem``); ``serving.api.health_answer`` turns
it into ``/healthz``.

Threads and forks: ``current()`` may be called from any number of threads. The background thread
belongs to the process that started it; in a pre-fork server every worker runs its own (a child
forked from a started parent restarts it, see ``os.register_at_fork`` below), so each worker
follows the installed set on its own. A fork waits for a load in progress to end first.
"""

from __future__ import annotations

import concurrent.futures.thread  # noqa: F401 - register its at-fork hooks before a fork waits
import dataclasses
import datetime as dt
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nba_ml.config import SPECS
from nba_ml.data.seasons import today_in_chicago
from nba_ml.errors import ModelsNotReady, NbaMlError
from nba_ml.serving.contained import Seen, equip, held_problem, hold_installed
from nba_ml.serving.helper import HelperProcess
from nba_ml.serving.predictor import Predictor, load_models, load_predictor
from nba_ml.serving.swap import Key, exercise, installed_key, trim_heap
from nba_ml.state.layout import DataLayout

logger = logging.getLogger(__name__)

# seconds between two looks at <data-dir>/models (NBA_ML_SERVING_CHECK_SECONDS, in the table)
DEFAULT_CHECK_INTERVAL: float = SPECS["serving_check_seconds"].default
FORK_WAIT = 60.0  # seconds a fork waits for a refresh in progress (a swap takes seconds)
DEFAULT_HORIZON: int = SPECS["serving_horizon_days"].default  # NBA_ML_SERVING_HORIZON_DAYS
RETRY_PREPARE = 60.0  # seconds between two tries to prepare a new day's rows after a failure


@dataclasses.dataclass(frozen=True)
class ServingInfo:
    """What a LivePredictor serves now (``ready`` False: nothing yet, the other fields None).
    ``answering``: every request the served set accepts can be answered; else ``problem`` says
    why not (no set yet, the day's rows could not be prepared, the game data was altered)."""

    ready: bool
    generation: str | None
    trained_at: str | None
    last_game_date: str | None
    days_behind: int | None
    stale: bool
    loading: bool
    last_error: str | None
    answering: bool = False
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_instances: weakref.WeakSet[LivePredictor] = weakref.WeakSet()


def _fork_hook(method: str) -> Callable[[], None]:
    def hook() -> None:
        for instance in list(_instances):
            getattr(instance, method)()

    return hook


os.register_at_fork(
    before=_fork_hook("_hold_for_fork"),
    after_in_parent=_fork_hook("_release_after_fork"),
    after_in_child=_fork_hook("_after_fork"),
)


class LivePredictor:
    """Serves the installed model set and follows it: see the module docstring."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        check_interval: float = DEFAULT_CHECK_INTERVAL,
        prepare_days: int = 2,
        loader: Callable[[Path], Predictor] | None = None,
        today: Callable[[], dt.date] = today_in_chicago,
        helper_process: bool = True,
        horizon_days: int | None = DEFAULT_HORIZON,
    ) -> None:
        if check_interval <= 0:
            raise ValueError("check_interval must be positive")
        self.data_dir = Path(data_dir)
        self.check_interval = check_interval
        self.prepare_days = prepare_days
        self.helper_process = helper_process  # feature passes in a spawned helper process
        # With a helper, this process loads only the models; the helper reads the game data.
        self._loader = loader or (load_models if helper_process else load_predictor)
        self._today = today
        self._served: Predictor | None = None  # the one reference requests read
        self._served_key: Key | None = None
        self._failed_key: Key | None = None
        self._last_error: str | None = None
        self._prepared_on: dt.date | None = None
        self._prepare_after = 0.0  # monotonic time of the next try after a failed preparation
        self._day_problem: str | None = None  # why the day's rows could not be prepared
        self._data_problem: str | None = None  # why the held game data cannot be read
        self._held_seen: Seen | None = None  # its fstat when last verified
        self.horizon_days = horizon_days
        self._next_check = 0.0
        self._started = False
        self.swap_seconds: float | None = None  # how long the last swap took to prepare
        self._reset_process_state()
        _instances.add(self)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LivePredictor:
        """Return a (not yet started) LivePredictor for ``NBA_ML_DATA_DIR`` (else the default
        data directory) checking every ``NBA_ML_SERVING_CHECK_SECONDS`` seconds (default 2),
        predicting ``NBA_ML_SERVING_HORIZON_DAYS`` ahead (default 14); raise ConfigError naming
        the variable when a value is malformed."""
        from nba_ml.config import resolve_settings

        settings = resolve_settings(None, environ=os.environ if environ is None else environ)
        return cls(
            settings.data_dir,
            check_interval=settings.serving_check_seconds,
            horizon_days=settings.serving_horizon_days,
        )

    # ------------------------------------------------------------------ process-local state

    def _reset_process_state(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()  # guards the swap
        self._refreshing = threading.Lock()  # one refresh (look, load, prepare) at a time
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loading = False
        self._held_for_fork = False

    def _hold_for_fork(self) -> None:
        """Before a fork: wait up to FORK_WAIT s for a refresh in progress, whose half-imported
        modules and held locks a child would inherit (gunicorn --preload's workers refused sets)."""
        if self._pid != os.getpid() or threading.current_thread() is self._thread:
            return
        self._held_for_fork = self._refreshing.acquire(timeout=FORK_WAIT)

    def _release_after_fork(self) -> None:
        if self._held_for_fork:
            self._held_for_fork = False
            self._refreshing.release()

    def _after_fork(self) -> None:
        """In a forked child: fresh locks (a parent thread may have held one at fork time) and,
        when the parent had started, a watcher of this process's own."""
        self._reset_process_state()
        self._next_check = 0.0
        if self._started:
            self._start_thread()

    def _start_thread(self) -> None:
        thread = threading.Thread(target=self._run, name="nba-ml-live-predictor", daemon=True)
        self._thread = thread
        thread.start()

    def start(self) -> LivePredictor:
        """Start following the installed set in the background (idempotent); return self."""
        self._started = True
        if self._pid != os.getpid():  # forked without the at-fork hook having run
            self._reset_process_state()
        self._stopping.clear()
        if self._thread is None or not self._thread.is_alive():
            self._start_thread()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background thread (a load in progress finishes first, up to ``timeout``)."""
        self._started = False
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait_ready(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for a first set; return whether one is served."""
        self.start()
        deadline = time.monotonic() + timeout
        while self._served is None and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.02)
        return self._served is not None

    # ------------------------------------------------------------------------ requests

    def current(self) -> Predictor:
        """Return the set to answer one request with (hold it for the whole request: it never
        changes underneath); raise ModelsNotReady before any valid set was loaded."""
        if self._started and self._pid != os.getpid():
            self.start()  # forked by a path that skipped the at-fork hook: follow on our own
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.check_interval
            self._wake.set()  # the thread looks at the link; the request does not wait
        served = self._served
        if served is None:
            raise ModelsNotReady(self._not_ready_message())
        return served

    @property
    def ready(self) -> bool:
        return self._served is not None

    def info(self) -> ServingInfo:
        """Return what is served: generation, trained-at, last game date, staleness, ready."""
        served = self._served
        if served is None:
            return ServingInfo(
                False,
                None,
                None,
                None,
                None,
                False,
                self._loading,
                self._last_error,
                False,
                self._not_ready_message(),
            )
        behind, stale = served.staleness(self._today())
        last = served.last_game_date
        problem = self._data_problem or self._day_problem
        return ServingInfo(
            True,
            served.generation,
            served.trained_at,
            last.isoformat() if last else None,
            behind,
            stale,
            self._loading,
            self._last_error,
            problem is None,
            problem,
        )

    def _not_ready_message(self) -> str:
        where = DataLayout(self.data_dir).models
        if self._last_error:
            return f"no model set is served yet: {self._last_error}"
        if self._loading or installed_key(self.data_dir) is not None:
            return f"no model set is served yet: loading {where}"
        return f"no model set is served yet: none installed at {where}; run `nba-ml ensure`"

    # ------------------------------------------------------------------- the background

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stopping.is_set() and os.getpid() == pid:
            try:
                self.refresh()
            except Exception as error:  # noqa: BLE001 - the watcher never dies; next tick
                logger.error(
                    "live predictor: unexpected %s while following %s: %s",
                    type(error).__name__,
                    self.data_dir,
                    error,
                )
            self._wake.wait(self.check_interval)
            self._wake.clear()

    def refresh(self) -> bool:
        """Look at the installed set once: load and swap in a new generation, or prepare the
        day's rows after midnight. Runs in the background thread (tests may call it directly);
        return whether a new set was swapped in."""
        if not self._refreshing.acquire(blocking=False):
            return False  # another thread is already looking (and maybe loading)
        try:
            return self._refresh()
        finally:
            self._refreshing.release()

    def _refresh(self) -> bool:
        key = installed_key(self.data_dir)
        swapped = False
        if key is not None and key != self._served_key and key != self._failed_key:
            swapped = self._load(key)
        elif key == self._served_key:  # what is installed is served (again): nothing failed
            self._failed_key = self._last_error = None
        served, today = self._served, self._today()
        if served is not None:  # the held game data, verified again when its file changed
            self._held_seen, self._data_problem = held_problem(served, self._held_seen)
        if (
            served is not None
            and self._prepared_on != today
            and time.monotonic() >= self._prepare_after
        ):
            try:
                self._prepare_today(served, today)  # after midnight in Chicago
                self._prepared_on, self._day_problem = today, None
            except Exception as error:  # noqa: BLE001 - said by /healthz, tried again later
                self._prepare_after = time.monotonic() + RETRY_PREPARE
                self._day_problem = (
                    f"the rows of {today.isoformat()} could not be prepared: {_detail(error)}"
                )
                logger.error(
                    "live predictor: %s; trying again in %.0f s", self._day_problem, RETRY_PREPARE
                )
            finally:
                trim_heap()
        return swapped

    def _load(self, key: Key) -> bool:
        self._loading = True
        started, today = time.monotonic(), self._today()
        now_days = self._wanted(today, 0, 1)  # prepared before the set is served
        later_days = self._wanted(today, 1, self.prepare_days)  # right after
        helper = held = None
        try:
            if self.helper_process:  # the helper reads the data while the models load here
                held = hold_installed(self.data_dir)
                helper = HelperProcess(self.data_dir, held)
                helper.submit(now_days, later_days, sha256=held.sha256 if held else None)
            predictor = self._loader(self.data_dir)
            equip(
                predictor,
                held,
                self.data_dir,
                horizon_days=self.horizon_days,
                today=self._today,
                helper_process=self.helper_process,
            )
            self._prepare(predictor, now_days, helper)
            exercise(predictor, now_days)  # first calls of fresh models, before any request
        # Whatever stops a set from loading (an unexpected error included) keeps the current one.
        except Exception as error:  # noqa: BLE001
            if helper is not None:
                helper.close()
            self._loading = False
            self._failed_key = key
            detail = _detail(error)
            current = self._served.generation if self._served is not None else None
            keeping = f"still serving {current}" if current else "nothing served yet"
            self._last_error = f"new model set not served: {detail}"
            logger.error("%s; %s", self._last_error, keeping)
            return False
        with self._lock:
            old = self._served
            self._served, self._served_key = predictor, key
            self._failed_key, self._last_error = None, None
            self._prepared_on, self._prepare_after = None, 0.0
            self._day_problem = self._data_problem = self._held_seen = None
        del old  # the last reference but in-flight requests': its memory goes with them
        self.swap_seconds = time.monotonic() - started
        self._loading = False
        logger.info(
            "serving model set %s (trained %s, last game %s), loaded in %.1f s",
            predictor.generation,
            predictor.trained_at,
            predictor.last_game_date,
            self.swap_seconds,
        )
        try:
            self._prepare(predictor, later_days, helper)  # tomorrow's, already serving
        finally:
            if helper is not None:
                helper.close()
            trim_heap()
            self._prepared_on = today
        return True

    def _wanted(self, today: dt.date, first: int, end: int) -> list[dt.date]:
        return [today + dt.timedelta(days=offset) for offset in range(first, end)]

    def _prepare(
        self, predictor: Predictor, days: list[dt.date], helper: HelperProcess | None = None
    ) -> None:
        """Make the rows of ``days`` ready, so their first requests are lookups: from the
        helper process when it computed them from this set's own game data, else here."""
        if helper is not None and predictor.history_sha256 and days:
            prepared = helper.result(days, predictor.history_sha256)
            if prepared is not None:
                predictor.adopt(prepared)
                return
        if predictor.history is None and days:  # no helper answer: read the game data here
            predictor.history = predictor.games()  # (a server without a helper holds it)
        for day in days:
            if predictor.accepts_date(day):
                predictor.warm(day)

    def _prepare_today(self, predictor: Predictor, today: dt.date) -> None:
        """After midnight in Chicago: today's and tomorrow's rows (in a helper process)."""
        days = [d for d in self._wanted(today, 0, self.prepare_days) if predictor.accepts_date(d)]
        helper = HelperProcess(self.data_dir, predictor.held) if self.helper_process else None
        try:
            if helper is not None:
                helper.submit(days, sha256=predictor.history_sha256)
            self._prepare(predictor, days, helper)
        finally:
            if helper is not None:
                helper.close()


def _detail(error: Exception) -> str:
    """One line for an error that stopped a load or a preparation."""
    if isinstance(error, (NbaMlError, OSError)):
        return str(error)
    return f"{type(error).__name__}: {error}"
