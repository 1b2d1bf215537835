"""Run picklable tasks in a few spawned worker processes, failing on one line when one dies.

A small replacement for ``concurrent.futures.ProcessPoolExecutor`` for the training's model
fits. The executor's manager thread races with worker start-up when a worker is killed (the OOM
killer, ``kill -9``): CPython 3.11 then prints tracebacks from its own thread and from half-started
children on stderr. Here the parent alone drives every worker through one pipe each, with no
helper thread and no shared semaphores:

* all workers start at once (``spawn``: a fresh interpreter, so no inherited threads or locks);
* each worker is handed one task at a time and gets the next when it returns a result, so
  unequal tasks still keep every worker busy;
* a worker that dies (no result, its process sentinel fires, or its pipe breaks), a task that
  raises, or any error in the parent kills every remaining worker at once (SIGKILL: nothing is
  printed) and raises ``WorkerFailed`` with one line;
* workers never act on SIGINT or SIGTERM, from their first instruction on (Ctrl-C and
  systemd's stop reach the parent too, which then kills them) and, through ``initializer``,
  can arrange to die with their parent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from nba_ml.errors import NbaMlError


class WorkerFailed(NbaMlError):
    """A worker process died or one of its tasks raised."""


def _serve(connection: Any, function: Callable[..., Any],
           initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """Worker loop: run ``function(*args)`` for each (index, args) received until None."""
    import signal

    # Ctrl-C and systemd's stop (SIGTERM to the whole control group) are the parent's to
    # handle: it kills the workers itself, so the run ends as "stopped" rather than as a
    # worker that died first. Workers still die with their parent (see ``initializer``).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if job is None:
            return
        index, args = job
        try:
            reply = (index, True, function(*args))
        except Exception as error:  # noqa: BLE001 - the parent reports it and fails the run
            reply = (index, False, f"{type(error).__name__}: {error}")
        try:
            connection.send(reply)
        except (OSError, EOFError):  # the parent is gone
            return
        except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be pickled
            connection.send((index, False, f"cannot return the result: {error}"))


def _died(process: Any) -> str:
    import signal

    code = process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"worker process {process.pid} was killed by {signal.Signals(-code).name}"
    return f"worker process {process.pid} exited with code {code} before returning its result"


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Block SIGINT and SIGTERM and set them to ignored (inherited by processes started inside),
    then restore both; a no-op outside the main thread, where handlers cannot be changed."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stops = (signal.SIGINT, signal.SIGTERM)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    handlers = {signum: signal.signal(signum, signal.SIG_IGN) for signum in stops}
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def run_tasks(function: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], jobs: int,
              initializer: Callable[..., None] | None = None,
              initargs: tuple[Any, ...] = (),
              on_done: Callable[[int, int], None] | None = None) -> list[Any]:
    """Return ``[function(*args) for args in tasks]``, computed in ``jobs`` worker processes.

    ``on_done(done, total)``, when given, is called in the parent after each task's result and
    about every second while tasks run (a progress reporter throttles it).

    ``function``, ``initializer`` and every argument must be picklable (module-level functions).
    Raises WorkerFailed when a worker dies or a task raises; no worker outlives the call.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    if not tasks:
        return []
    context = multiprocessing.get_context("spawn")
    workers: list[tuple[Any, Any]] = []  # (process, parent end of its pipe)
    results: list[Any] = [None] * len(tasks)
    queue = iter(enumerate(tasks))
    finished = 0
    busy: dict[Any, int] = {}  # connection -> index of the task it runs
    succeeded = False
    try:
        # Start the workers with SIGINT and SIGTERM ignored (a disposition that survives exec;
        # the interpreter then never installs its Ctrl-C handler): a Ctrl-C or a stop reaching
        # the whole process group while a worker is still starting must not make it print a
        # traceback. Meanwhile the parent blocks both, so one arriving then stays pending
        # (Linux never discards a blocked signal) and is handled as usual right after.
        with _stop_signals_held():
            for _ in range(max(1, min(jobs, len(tasks)))):
                parent_end, child_end = context.Pipe()
                process = context.Process(target=_serve, daemon=True,
                                          args=(child_end, function, initializer, initargs))
                process.start()
                child_end.close()
                workers.append((process, parent_end))
        process_of = {connection: process for process, connection in workers}

        def hand_out(connection: Any) -> None:
            job = next(queue, None)
            try:
                connection.send(job)
            except OSError:  # the worker died before it could read
                if job is None:  # it had nothing left to do: its results are all in
                    return
                raise WorkerFailed(_died_after_join(process_of[connection])) from None
            if job is not None:
                busy[connection] = job[0]

        for _, connection in workers:
            hand_out(connection)
        while busy:
            sentinels = {process_of[c].sentinel: c for c in busy}
            ready_now = wait([*busy, *sentinels], timeout=None if on_done is None else 1.0)
            if not ready_now and on_done is not None:  # a heartbeat while tasks run
                on_done(finished, len(tasks))
            for ready in ready_now:
                connection = sentinels.get(ready, ready)
                if connection not in busy:
                    continue  # already handled through its other handle in this round
                if ready in sentinels and not connection.poll():
                    raise WorkerFailed(_died_after_join(process_of[connection]))
                try:
                    index, ok, value = connection.recv()
                except (EOFError, OSError):
                    raise WorkerFailed(_died_after_join(process_of[connection])) from None
                if not ok:
                    raise WorkerFailed(f"a task failed in worker process "
                                       f"{process_of[connection].pid}: {value}")
                del busy[connection]
                results[index] = value
                if on_done is not None:
                    finished += 1
                    on_done(finished, len(tasks))
                hand_out(connection)
        succeeded = True
        return results
    finally:
        for process, connection in workers:
            if not succeeded and process.is_alive():
                process.kill()
            process.join(timeout=None if not succeeded else 30)
            if process.is_alive():  # a finished worker that did not exit: do not wait forever
                process.kill()
                process.join()
            connection.close()


def _died_after_join(process: Any) -> str:
    process.join(timeout=5)
    return _died(process)
