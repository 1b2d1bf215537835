"""Run picklable tasks in a few spawned worker processes, failing on one line when one dies.

A small replacement for ``concurrent.futures.ProcessPoolExecutor`` for the training's model
fits. The executor's manager thread races with worker start-up when a worker is killed (the OOM
killer, ``kill -9``): CPython 3.11 then prints tracebacks from its own thread and from half-started
children on stderr. Here the parent alone drives every worker through one pipe each, with no
helper thread and no shared semaphores:

* all workers start at once (``spawn``: a fresh interpreter, so no inherited threads or locks);
* each worker is handed one task at a time and gets the next when it returns a result, so
  unequal tasks still keep every worker busy; a large input several tasks share is sent to a
  worker once, and its tasks go preferably to the worker that holds it;
* a :class:`Pool` can start its workers before the tasks exist, so that their start-up (a fresh
  interpreter importing scikit-learn) overlaps the parent's own work;
* a worker that dies (no result, its process sentinel fires, or its pipe breaks), a task that
  raises, or any error in the parent kills every remaining worker at once (SIGKILL: nothing is
  printed) and raises ``WorkerFailed`` with one line;
* a worker's interpreter never puts the current directory first on ``sys.path``
  (``PYTHONSAFEPATH``, :func:`_safe_path`): spawn starts ``python -c ...``, which would import a
  ``multiprocessing.py`` or ``dataclasses.py`` lying in the directory nba-ml was run from;
* workers never act on SIGINT or SIGTERM, from their first instruction on (blocked from exec
  until ignored; Ctrl-C and systemd's stop reach the parent too, which then kills them) and,
  through ``initializer``, can arrange to die with their parent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from nba_ml.errors import NbaMlError


class WorkerFailed(NbaMlError):
    """A worker process died or one of its tasks raised."""


def _serve(
    connection: Any, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    """Worker loop: keep the shared objects sent, run ``function(*args)`` for each task
    received (``function(shared[i], *args)`` for a task on shared object ``i``) until None."""
    _leave_stop_signals_to_the_parent()
    if initializer is not None:
        initializer(*initargs)
    held: tuple[int, Any] | None = None  # (index, object): the one shared object kept
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if job is None:
            return
        if job[0] == _SHARE:
            held = None  # free the previous object before the next one is unpickled
            held = (job[1], connection.recv())
            continue
        index, ok, value = _run_task(job, held)
        try:
            connection.send((index, ok, value))
        except (OSError, EOFError):  # the parent is gone
            return
        except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be pickled
            connection.send((index, False, f"cannot return the result: {error}"))


def _leave_stop_signals_to_the_parent() -> None:
    """Ignore SIGINT and SIGTERM in a worker.

    Ctrl-C and systemd's stop (SIGTERM to the whole control group) are the parent's to
    handle: it kills the workers itself, so the run ends as "stopped" rather than as a
    worker that died first. Workers still die with their parent (see ``initializer``).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a pending one is discarded: never acted on
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM))  # since exec


def _run_task(job: tuple[Any, ...], held: tuple[int, Any] | None) -> tuple[int, bool, Any]:
    """Run one task received by a worker (``held``: the shared object it keeps); return the
    reply: ``(index, True, result)``, or ``(index, False, what failed)``."""
    _, index, function, shared, args = job
    try:
        if shared is not None:
            if held is None or held[0] != shared:
                raise RuntimeError(f"shared object {shared} was not received")
            args = (held[1], *args)
        return index, True, function(*args)
    except Exception as error:  # noqa: BLE001 - the parent reports it and fails the run
        return index, False, f"{type(error).__name__}: {error}"


_SHARE, _TASK = "share", "task"


def _died(process: Any) -> str:
    import signal

    code = process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"worker process {process.pid} was killed by {signal.Signals(-code).name}"
    return f"worker process {process.pid} exited with code {code} before returning its result"


@contextlib.contextmanager
def _safe_path() -> Iterator[None]:
    """Set ``PYTHONSAFEPATH=1`` for the processes started inside (Python 3.11's ``-P``): a spawned
    worker is ``python -c ...``, whose ``sys.path`` would otherwise begin with the current
    directory before it imports ``multiprocessing``. Restored afterwards."""
    import os

    before = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = before


@contextlib.contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in the calling thread, then restore its mask. A process started
    inside inherits the mask through exec, so the signals stay pending for it until
    :func:`_serve` has set them to ignored. The handlers are left alone: set to ignored here,
    as they once were, a stop the kernel delivered meanwhile to another of the parent's
    threads (one not blocking it) was discarded, and a run stopped by systemd went on to
    install its set."""
    import signal

    mask = signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def run_tasks(
    function: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    on_done: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Return ``[function(*args) for args in tasks]``, computed in ``jobs`` worker processes.

    ``on_done(done, total)``, when given, is called in the parent after each task's result and
    about every second while tasks run (a progress reporter throttles it).

    ``function``, ``initializer`` and every argument must be picklable (module-level functions).
    Raises WorkerFailed when a worker dies or a task raises; no worker outlives the call.
    """
    if not tasks:
        return []
    with Pool(min(jobs, len(tasks)), initializer, initargs) as pool:
        return pool.run(function, tasks, on_done=on_done)


class Pool:
    """``jobs`` worker processes, started at once (their start-up overlaps whatever the parent
    does next) and driven by :meth:`run`; leaving the ``with`` block ends them (kills them
    after an error). Once a run failed, the pool is closed."""

    def __init__(
        self,
        jobs: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._workers: list[tuple[Any, Any]] = []  # (process, parent end of its pipe)
        self._closed = False
        try:
            # Start the workers with SIGINT and SIGTERM blocked (a mask that survives exec):
            # a Ctrl-C or a stop reaching the whole process group while a worker is still
            # starting stays pending in it until it ignores both (``_serve``), so it never
            # prints a traceback. In the parent, one arriving meanwhile stays pending for the
            # process (Linux never discards a blocked signal), or another thread takes it, and
            # it is handled as usual.
            with _stop_signals_blocked(), _safe_path():
                for _ in range(max(1, jobs)):
                    parent_end, child_end = context.Pipe()
                    process = context.Process(
                        target=_serve, daemon=True, args=(child_end, initializer, initargs)
                    )
                    process.start()
                    child_end.close()
                    self._workers.append((process, parent_end))
        except BaseException:
            self.close(succeeded=False)
            raise
        self._holds = {connection: None for _, connection in self._workers}
        self._process_of = {connection: process for process, connection in self._workers}

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.close(succeeded=kind is None)

    @property
    def jobs(self) -> int:
        return len(self._workers)

    def run(
        self,
        function: Callable[..., Any],
        tasks: Sequence[tuple[Any, ...]],
        shared: Sequence[Any] | None = None,
        on_done: Callable[[int, int], None] | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> list[Any]:
        """Return ``[function(*args) for args in tasks]`` computed in the workers.

        With ``shared``, each task is ``(i, *args)`` and runs as ``function(shared[i], *args)``:
        each worker receives ``shared[i]`` once (not once per task) and keeps the latest one,
        and is handed the tasks on the object it holds first, then those on an object no other
        worker holds, then the rest in order. ``meanwhile()``, when given, runs in the parent
        once the first tasks are handed out. ``on_done`` as in :func:`run_tasks`.
        """

        if self._closed:
            raise WorkerFailed("the worker pool is closed")
        if shared is not None:  # indexes into an earlier run's objects mean nothing now
            self._holds = dict.fromkeys(self._holds)
        results: list[Any] = [None] * len(tasks)
        pending = list(range(len(tasks)))
        busy: dict[Any, int] = {}  # connection -> index of the task it runs
        finished = 0
        try:
            for _, connection in self._workers:
                self._hand_out(connection, function, tasks, shared, pending, busy)
            if meanwhile is not None:
                meanwhile()
            while busy:
                sentinels, ready_now = self._wait(busy, on_done, finished, len(tasks))
                for ready in ready_now:
                    connection = sentinels.get(ready, ready)
                    if connection not in busy:
                        continue  # already handled through its other handle in this round
                    index, value = self._receive(connection, died=ready in sentinels)
                    del busy[connection]
                    results[index] = value
                    if on_done is not None:
                        finished += 1
                        on_done(finished, len(tasks))
                    self._hand_out(connection, function, tasks, shared, pending, busy)
        except BaseException:
            self.close(succeeded=False)
            raise
        return results

    def _wait(
        self,
        busy: dict[Any, int],
        on_done: Callable[[int, int], None] | None,
        finished: int,
        total: int,
    ) -> tuple[dict[Any, Any], list[Any]]:
        """Wait until a busy worker answers or ends; return the sentinels of the busy workers'
        processes (sentinel -> connection) and the handles ready. With ``on_done``, it is
        called every second meanwhile (a heartbeat while tasks run)."""
        from multiprocessing.connection import wait

        sentinels = {self._process_of[c].sentinel: c for c in busy}
        ready_now = wait([*busy, *sentinels], timeout=None if on_done is None else 1.0)
        if not ready_now and on_done is not None:
            on_done(finished, total)
        return sentinels, ready_now

    def _receive(self, connection: Any, died: bool) -> tuple[int, Any]:
        """Return the index and result of the task ``connection``'s worker finished; raise
        WorkerFailed when the task failed or the worker ended (``died``: its process did)
        without returning it."""
        process = self._process_of[connection]
        if died and not connection.poll():
            raise WorkerFailed(_died_after_join(process))
        try:
            index, ok, value = connection.recv()
        except (EOFError, OSError):
            raise WorkerFailed(_died_after_join(process)) from None
        if not ok:
            raise WorkerFailed(f"a task failed in worker process {process.pid}: {value}")
        return index, value

    def _hand_out(
        self,
        connection: Any,
        function: Callable[..., Any],
        tasks: Sequence[tuple[Any, ...]],
        shared: Sequence[Any] | None,
        pending: list[int],
        busy: dict[Any, int],
    ) -> None:
        """Send ``connection``'s worker its next task (and the shared object it needs)."""
        if not pending:
            return
        index = pending[0]
        if shared is not None:
            holds = self._holds[connection]
            others = {held for c, held in self._holds.items() if c is not connection}
            index = next(
                (i for i in pending if tasks[i][0] == holds),
                next((i for i in pending if tasks[i][0] not in others), index),
            )
        pending.remove(index)
        task = tasks[index]
        try:
            if shared is None:
                connection.send((_TASK, index, function, None, tuple(task)))
            else:
                if self._holds[connection] != task[0]:
                    self._holds[connection] = None
                    connection.send((_SHARE, task[0]))
                    connection.send(shared[task[0]])
                    self._holds[connection] = task[0]
                connection.send((_TASK, index, function, task[0], tuple(task[1:])))
        except OSError:  # the worker died before it could read
            raise WorkerFailed(_died_after_join(self._process_of[connection])) from None
        busy[connection] = index

    def close(self, succeeded: bool = True) -> None:
        """End the workers: tell them to exit (kill them when not ``succeeded``), reap them."""
        if self._closed:
            return
        self._closed = True
        for process, connection in self._workers:
            if succeeded:
                with contextlib.suppress(OSError):
                    connection.send(None)
            elif process.is_alive():
                process.kill()
        for process, connection in self._workers:
            process.join(timeout=None if not succeeded else 30)
            if process.is_alive():  # a finished worker that did not exit: do not wait forever
                process.kill()
                process.join()
            connection.close()


def _died_after_join(process: Any) -> str:
    process.join(timeout=5)
    return _died(process)
