"""modeling.workers: results in task order, and one-line failures that leave no process behind.

Tasks are standard-library functions, so the spawned workers need nothing from the test tree.
"""

from __future__ import annotations

import contextlib
import math
import operator
import os
import signal
import time
from pathlib import Path

import pytest

from nba_ml.modeling import workers
from nba_ml.modeling.workers import WorkerFailed, run_tasks


def children() -> set[int]:
    """Return the pids of this process's living children (zombies excluded), except
    multiprocessing's resource tracker (started once per process, lives until it exits)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            with contextlib.suppress(OSError):
                if b"resource_tracker" not in (entry / "cmdline").read_bytes():
                    pids.add(int(entry.name))
    return pids


@pytest.fixture
def no_leftover_workers() -> object:
    before = children()
    yield None
    assert children() - before == set(), "a worker process outlived run_tasks"


def test_results_come_back_in_task_order(no_leftover_workers: object) -> None:
    tasks = [(n,) for n in (30, 1, 12, 5, 0, 20, 7)]
    assert run_tasks(math.factorial, tasks, jobs=2) == [math.factorial(n) for (n,) in tasks]


def test_more_workers_than_tasks_and_no_tasks(no_leftover_workers: object) -> None:
    assert run_tasks(operator.add, [(2, 3)], jobs=4) == [5]
    assert run_tasks(operator.add, [], jobs=2) == []


def test_a_task_that_raises_fails_the_run_on_one_line(no_leftover_workers: object) -> None:
    with pytest.raises(WorkerFailed) as caught:
        run_tasks(operator.truediv, [(1, 2), (1, 0), (3, 4)], jobs=2)
    message = str(caught.value)
    assert "ZeroDivisionError: division by zero" in message and "\n" not in message


@pytest.mark.parametrize(
    ("task", "reason"),
    [
        ((signal.SIGKILL,), "was killed by SIGKILL"),
        ((signal.SIGUSR1,), "was killed by SIGUSR1"),
    ],
)
def test_a_worker_that_dies_fails_the_run_and_the_others_are_stopped(
    no_leftover_workers: object, task: tuple[int], reason: str
) -> None:
    # One task kills its own worker; the other worker is busy in a long task and is killed too.
    tasks = [(10**6,), task]
    functions = {(10**6,): math.factorial}

    with pytest.raises(WorkerFailed, match=reason):
        run_tasks(_dispatch, [(functions.get(t, signal.raise_signal), t) for t in tasks], jobs=2)


def test_a_worker_that_exits_without_a_result(no_leftover_workers: object) -> None:
    with pytest.raises(WorkerFailed, match="exited with code 3 before returning its result"):
        run_tasks(os._exit, [(3,)], jobs=1)


def _dispatch(function: object, args: tuple[object, ...]) -> object:
    return function(*args)  # type: ignore[operator]


def test_the_pool_reports_while_a_long_task_runs(no_leftover_workers: object) -> None:
    # logs must not go silent during a long fit: the pool calls back about every second
    calls: list[tuple[int, int]] = []
    results = run_tasks(
        time.sleep, [(2.5,)], jobs=1, on_done=lambda done, total: calls.append((done, total))
    )
    assert results == [None]
    assert calls[-1] == (1, 1)
    assert calls.count((0, 1)) >= 1


def _with_shared(shared: list[int], offset: int) -> tuple[int, int, int]:
    return os.getpid(), id(shared), shared[0] + offset


def test_a_shared_object_goes_to_each_worker_once(no_leftover_workers: object) -> None:
    # each task names the shared object it runs on; results still come back in task order
    from nba_ml.modeling.workers import Pool

    shared = [[100], [200]]
    tasks = [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]
    ran: list[str] = []
    with Pool(2) as pool:
        results = pool.run(_with_shared, tasks, shared=shared, meanwhile=lambda: ran.append("x"))
    assert [value for _, _, value in results] == [101, 102, 103, 201, 202, 203]
    assert ran == ["x"]  # the parent's own work ran once, while the workers fitted
    # a worker kept the object it received: one copy per worker and object, not one per task
    copies: dict[tuple[int, int], set[int]] = {}
    for (index, _), (pid, identity, _) in zip(tasks, results, strict=True):
        copies.setdefault((pid, index), set()).add(identity)
    assert all(len(ids) == 1 for ids in copies.values()), copies


def test_a_pool_started_early_reports_a_worker_killed_before_its_first_task(
    no_leftover_workers: object,
) -> None:
    from nba_ml.modeling.workers import Pool

    with Pool(1) as pool:
        victim = pool._workers[0][0]
        victim.kill()
        victim.join()
        with pytest.raises(
            WorkerFailed, match=f"worker process {victim.pid} was killed by SIGKILL"
        ):
            pool.run(operator.add, [(1, 2)])


def test_a_stop_while_workers_start_reaches_the_parent_even_through_another_thread(
    no_leftover_workers: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # systemd's stop arriving while the workers started was handed by the kernel to a thread
    # of the parent that did not block it; the handlers were set to "ignore" then, so the stop
    # was lost and the run went on to install its set ("trained", exit 0)
    import multiprocessing.process
    import threading

    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    original = multiprocessing.process.BaseProcess.start

    def start_during_a_stop(self: multiprocessing.process.BaseProcess) -> None:
        sender = threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGTERM))
        sender.start()  # the one thread not blocking SIGTERM: the kernel delivers it there
        sender.join()
        original(self)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start_during_a_stop)
    try:
        with workers.Pool(1) as pool:
            assert pool.run(operator.mul, [(3, 3)]) == [9]  # the worker never acted on it
        for _ in range(100):  # the handler runs in the main thread at its next instruction
            if received:
                break
            threading.Event().wait(0.01)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert received == [signal.SIGTERM]


def test_a_worker_never_imports_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_leftover_workers: object
) -> None:
    # spawn starts `python -c ...`, whose sys.path began with the directory nba-ml ran in: a
    # multiprocessing.py there ran as the training's user before the worker's first task
    marker = tmp_path / "ran"
    for name in ("multiprocessing", "dataclasses"):
        (tmp_path / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r})\nraise SystemExit(9)\n"
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PYTHONSAFEPATH", raising=False)
    assert run_tasks(operator.add, [(2, 3), (4, 5)], jobs=2) == [5, 9]
    assert not marker.exists()
    assert "PYTHONSAFEPATH" not in os.environ  # restored after the start
