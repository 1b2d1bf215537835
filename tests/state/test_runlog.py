"""Run history: one JSON line per run, appended safely, read back tolerantly, kept bounded."""

from __future__ import annotations

import json
import logging
import multiprocessing
import resource
import signal
from datetime import datetime, timezone
from pathlib import Path

import pytest

from nba_ml.errors import StorageError
from nba_ml.state.runlog import KEEP_RUNS, TRIM_AFTER_RUNS, append_run, read_runs
from tests.conftest import run_in_child

FORK = multiprocessing.get_context("fork")


def record(n: int, **extra: object) -> dict:
    return {
        "started_at": f"2026-11-27T04:00:{n % 60:02d}+00:00",
        "ended_at": f"2026-11-27T04:10:{n % 60:02d}+00:00",
        "command": "train",
        "outcome": "trained",
        "exit_code": 0,
        "message": f"run {n}",
        "figures": {"n": n},
        **extra,
    }


@pytest.fixture
def runs_path(tmp_path: Path) -> Path:
    return tmp_path / "runs.jsonl"


def test_runs_come_back_newest_last(runs_path: Path) -> None:
    for n in range(5):
        append_run(runs_path, record(n))
    assert [run["figures"]["n"] for run in read_runs(runs_path)] == [0, 1, 2, 3, 4]
    assert [run["figures"]["n"] for run in read_runs(runs_path, limit=2)] == [3, 4]
    assert read_runs(runs_path, limit=0) == []
    assert runs_path.read_text().count("\n") == 5
    assert runs_path.stat().st_mode & 0o777 == 0o640


def test_awkward_values_are_written_not_raised(runs_path: Path) -> None:
    moment = datetime(2026, 11, 27, 4, tzinfo=timezone.utc)
    append_run(
        runs_path, record(1, message="two\nlines", figures={"at": moment, "brier": float("nan")})
    )
    (run,) = read_runs(runs_path)
    assert run["message"] == "two\nlines"
    assert run["figures"]["at"] == str(moment)
    assert runs_path.read_text().count("\n") == 1


def test_a_record_json_cannot_encode_is_still_one_readable_line(runs_path: Path) -> None:
    # Figures keyed by numpy integers (value_counts().to_dict()) or holding a 5000-digit int
    # made json.dumps raise out of append_run, which promises never to: the run went unrecorded.
    import numpy as np

    append_run(runs_path, record(1, figures={np.int64(3): 1.5, "big": 10**5000}))
    append_run(runs_path, record(2))
    first, second = read_runs(runs_path)
    assert first["figures"] == {"3": 1.5, "big": "<int>"} and first["message"] == "run 1"
    assert second == record(2)


def test_a_missing_history_is_empty(runs_path: Path) -> None:
    assert read_runs(runs_path) == []


def test_corrupt_lines_are_skipped(runs_path: Path) -> None:
    append_run(runs_path, record(1))
    with runs_path.open("ab") as handle:
        handle.write(b"not json\n[1, 2]\n\n\xff\xfe\n")
        handle.write(b'{"started_at": "2026-11-27T04:00:0')  # an append cut short by a full disk
    append_run(runs_path, record(2))
    assert [run["figures"]["n"] for run in read_runs(runs_path)] == [1, 2]


def test_an_unreadable_history_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(
        StorageError,
        match=r"cannot read run history .*: is not a regular file "
        r"\(a directory\)",
    ):
        read_runs(tmp_path)


def test_an_unwritable_history_logs_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="nba_ml.state.runlog"):
        append_run(tmp_path / "absent" / "runs.jsonl", record(1))
        append_run(tmp_path, record(2))  # a directory
    assert len(caplog.records) == 2
    assert "could not record this run" in caplog.records[0].getMessage()


def _append_with_file_size_limit(path: Path, limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    append_run(path, record(2))  # must not raise
    append_run(path, record(3))


def test_a_full_disk_never_raises_and_later_runs_still_read(runs_path: Path) -> None:
    append_run(runs_path, record(1))
    size = runs_path.stat().st_size
    child = FORK.Process(target=_append_with_file_size_limit, args=(runs_path, size + 20))
    child.start()
    child.join(10)
    assert child.exitcode == 0
    assert runs_path.stat().st_size == size + 20  # a cut-short line
    append_run(runs_path, record(4))
    assert [run["figures"]["n"] for run in read_runs(runs_path)] == [1, 4]


def test_the_history_is_trimmed_to_the_last_runs(runs_path: Path) -> None:
    padding = "x" * 60
    lines = [json.dumps(record(n, note=padding)) + "\n" for n in range(TRIM_AFTER_RUNS)]
    runs_path.write_text("".join(lines))
    append_run(runs_path, record(TRIM_AFTER_RUNS))
    runs = read_runs(runs_path)
    assert len(runs) == KEEP_RUNS
    assert runs[-1]["figures"]["n"] == TRIM_AFTER_RUNS
    assert runs[0]["figures"]["n"] == TRIM_AFTER_RUNS + 1 - KEEP_RUNS
    assert runs_path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in runs_path.parent.iterdir()] == ["runs.jsonl"]
    append_run(runs_path, record(TRIM_AFTER_RUNS + 1))  # below the threshold: just appended
    assert len(read_runs(runs_path)) == KEEP_RUNS + 1


def _append_many(path: Path, worker: int, count: int) -> None:
    for n in range(count):
        append_run(path, record(worker * 1000 + n, note="y" * 2000))


def test_concurrent_appenders_and_trims_lose_nothing(runs_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import nba_ml.state.runlog

    # Make trimming happen during the race: keep 30, trim beyond 40 (the children inherit this).
    monkeypatch.setattr(nba_ml.state.runlog, "KEEP_RUNS", 30)
    monkeypatch.setattr(nba_ml.state.runlog, "TRIM_AFTER_RUNS", 40)
    workers = [FORK.Process(target=_append_many, args=(runs_path, w, 25)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)
        assert worker.exitcode == 0
    runs = read_runs(runs_path)
    assert 30 <= len(runs) <= 40
    assert runs_path.read_text().count("\n") == len(runs)  # no torn or glued lines
    # Trimming drops only the oldest lines, so what each worker has left is an unbroken run of
    # its records ending with its last one; a lost append would leave a gap.
    kept: dict[int, list[int]] = {}
    for run in runs:
        kept.setdefault(run["figures"]["n"] // 1000, []).append(run["figures"]["n"] % 1000)
    for numbers in kept.values():
        assert numbers == list(range(numbers[0], 25))


def test_a_fifo_in_place_of_the_history_never_hangs(
    runs_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import os

    os.mkfifo(runs_path)
    outcome = run_in_child(read_runs, runs_path, seconds=10)
    assert outcome == (
        "raised",
        f"StorageError: cannot read run history {runs_path}: is not a regular file (a FIFO)",
    )
    assert run_in_child(append_run, runs_path, record(1), seconds=10) == ("ok", None)
    with caplog.at_level(logging.WARNING, logger="nba_ml.state.runlog"):
        append_run(runs_path, record(1))  # in-process too, for the message
    assert "is not a regular file; nba-ml will not write into it" in caplog.text
    assert os.path.exists(runs_path) and not runs_path.is_file()  # left as it was


def test_a_symlinked_history_is_never_followed(runs_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("precious\n")
    runs_path.symlink_to(target)
    append_run(runs_path, record(1))
    assert target.read_text() == "precious\n"
    with pytest.raises(StorageError, match="symbolic link"):
        read_runs(runs_path)


def test_a_deeply_nested_line_is_skipped_not_a_recursion_error(runs_path: Path) -> None:
    append_run(runs_path, record(1))
    with runs_path.open("ab") as handle:
        handle.write(b"[" * 200_000 + b"]" * 200_000 + b"\n")
        handle.write(b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n")
    append_run(runs_path, record(2))
    assert [run["figures"]["n"] for run in read_runs(runs_path)] == [1, 2]


def test_an_oversized_history_is_rebuilt_from_its_tail(runs_path: Path) -> None:
    from nba_ml.state import runlog as runs_module

    good = "".join(json.dumps(record(n)) + "\n" for n in range(KEEP_RUNS + 50))
    with runs_path.open("wb") as handle:
        handle.write(b"x" * (runs_module._TRIM_READ_BYTES + 10) + b"\n")  # junk beyond the tail
        handle.write(good.encode())
    append_run(runs_path, record(99_999))
    runs = read_runs(runs_path)
    assert len(runs) == KEEP_RUNS
    assert runs[-1]["figures"]["n"] == 99_999
    assert runs_path.stat().st_size < 1_000_000
