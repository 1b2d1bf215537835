"""serving.helper: the short-lived process that computes a server's day rows.

Its protocol (a pickled request on stdin; per batch an 8-byte big-endian length and a pickle of
("ok", Prepared) or ("error", one line) on stdout), bounded reads, its exit codes (0 answered,
2 no usable request, 1 the server stopped reading; each failure one line on stderr), and the
server's side, ``HelperProcess``: any failure of the helper (cannot start, dies, hangs, answers
garbage or an error) gives None (compute here) with one WARNING, never an exception.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from nba_ml.data.importer import GameData
from nba_ml.errors import DataError
from nba_ml.serving import helper
from nba_ml.serving.dayrows import Prepared
from nba_ml.serving.helper import (
    HEADER,
    HelperProcess,
    prepare_rows,
    read_message,
    write_message,
)
from nba_ml.serving.predictor import Predictor
from nba_ml.state.history import history_path

HELPER = [sys.executable, "-m", "nba_ml.serving.helper"]


def _frame(message: object) -> bytes:
    out = io.BytesIO()
    write_message(out, message)
    return out.getvalue()


class _Trickle(io.RawIOBase):
    """A pipe that hands out at most one byte per read, as a slow writer's pipe may."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 1) if size >= 0 else 1)


def _run_helper(request: bytes, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(HELPER, input=request, capture_output=True, timeout=timeout, check=False)


def _answers(stdout: bytes) -> list[object]:
    stream, answers = io.BytesIO(stdout), []
    while stream.tell() < len(stdout):
        answers.append(read_message(stream))
    return answers


def _request(data_dir: Path, sha256: str, *batches: list[object]) -> bytes:
    return pickle.dumps({"data_dir": str(data_dir), "sha256": sha256, "batches": list(batches)})


def _fake_python(tmp_path: Path, body: str) -> str:
    """An executable that stands where the helper's interpreter should be (a broken one)."""
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "nba_ml.serving.helper" and r.levelno == logging.WARNING
    ]


def _assert_same_rows(ours: Prepared, theirs: Prepared) -> None:
    assert ours.last_game_date == theirs.last_game_date
    pd.testing.assert_frame_equal(ours.latest, theirs.latest)
    assert ours.days.keys() == theirs.days.keys()
    for day, rows in ours.days.items():
        pd.testing.assert_frame_equal(rows.sides, theirs.days[day].sides)
        pd.testing.assert_frame_equal(rows.players, theirs.days[day].players)
        assert rows.who == theirs.days[day].who


# ---------------------------------------------------------------------------- framing


def test_messages_are_a_big_endian_length_then_the_pickle_read_back_in_order() -> None:
    messages = [("ok", {"a": 1}), ("error", "DataError: gone"), ("ok", list(range(1000)))]
    data = b"".join(_frame(message) for message in messages)
    first = _frame(messages[0])
    assert int.from_bytes(first[:HEADER], "big") == len(first) - HEADER
    assert pickle.loads(first[HEADER:]) == messages[0]
    stream = io.BytesIO(data)
    assert [read_message(stream) for _ in messages] == messages
    assert stream.read() == b""


def test_short_reads_are_gathered_into_whole_messages() -> None:
    messages = [("ok", "x" * 300), ("error", "y")]
    stream = _Trickle(b"".join(_frame(message) for message in messages))
    assert [read_message(stream) for _ in messages] == messages  # type: ignore[arg-type]


def test_an_announced_size_over_the_limit_is_refused_before_it_is_read() -> None:
    stream = io.BytesIO((1 << 40).to_bytes(HEADER, "big") + b"\0" * 64)
    with pytest.raises(ValueError, match=f"a helper answer of {1 << 40} bytes"):
        read_message(stream)
    assert stream.tell() == HEADER  # nothing of the announced payload was read or allocated
    small = _frame(("ok", "x" * 100))
    with pytest.raises(ValueError):
        read_message(io.BytesIO(small), limit=50)
    assert read_message(io.BytesIO(small), limit=len(small) - HEADER) == ("ok", "x" * 100)


@pytest.mark.parametrize("cut", [0, 3, HEADER, HEADER + 5, -1])
def test_an_answer_cut_short_is_an_eof_error(cut: int) -> None:
    data = _frame(("ok", "x" * 100))[:cut]
    with pytest.raises(EOFError, match="the helper process ended before answering"):
        read_message(io.BytesIO(data))


# ---------------------------------------------------------------------------- prepare_rows


def test_prepare_rows_computes_the_days_after_the_last_game_as_the_predictor_does(
    saved_games: tuple[Path, str], synthetic_games: GameData
) -> None:
    data_dir, sha256 = saved_games
    here = Predictor({}, synthetic_games)
    last = here.last_game_date
    assert last is not None
    after = [last + dt.timedelta(days=1), last + dt.timedelta(days=3)]
    prepared = prepare_rows(str(data_dir), sha256, [last - dt.timedelta(days=1), last, *after])
    assert prepared.last_game_date == last
    assert list(prepared.days) == after  # the last game's day and earlier are not upcoming
    pd.testing.assert_frame_equal(prepared.latest, here.latest_players())
    for day in after:
        rows = here.compute_day(pd.Timestamp(day))
        pd.testing.assert_frame_equal(prepared.days[day].sides, rows.sides)
        pd.testing.assert_frame_equal(prepared.days[day].players, rows.players)
        assert prepared.days[day].who == rows.who
    assert prepare_rows(str(data_dir), sha256, []).days == {}


def test_prepare_rows_checks_the_sha256_before_unpickling(saved_games: tuple[Path, str]) -> None:
    data_dir, sha256 = saved_games
    with pytest.raises(DataError, match="is missing"):
        prepare_rows(str(data_dir), "0" * 64, [dt.date(2019, 1, 1)])
    with pytest.raises(DataError, match="names no saved game data"):
        prepare_rows(str(data_dir), "not-a-sha", [dt.date(2019, 1, 1)])
    path = history_path(data_dir, sha256)
    path.write_bytes(pickle.dumps("a different pickle"))
    with pytest.raises(DataError, match="altered"):
        prepare_rows(str(data_dir), sha256, [dt.date(2019, 1, 1)])


# ---------------------------------------------------------------------------- the process


def test_the_helper_answers_every_batch_in_order_and_exits_0(
    saved_games: tuple[Path, str], synthetic_games: GameData
) -> None:
    data_dir, sha256 = saved_games
    last = Predictor({}, synthetic_games).last_game_date
    assert last is not None
    first, second = [last + dt.timedelta(days=1)], [last + dt.timedelta(days=2), last]
    bad = ["not a date"]  # this batch fails alone; the next is still answered
    result = _run_helper(_request(data_dir, sha256, first, bad, second))
    assert result.returncode == 0 and result.stderr == b""
    answers = _answers(result.stdout)
    assert [status for status, _ in answers] == ["ok", "error", "ok"]  # type: ignore[misc]
    _assert_same_rows(answers[0][1], prepare_rows(str(data_dir), sha256, first))  # type: ignore[index]
    assert list(answers[2][1].days) == [second[0]]  # type: ignore[index]
    error = answers[1][1]  # type: ignore[index]
    assert error.startswith("TypeError: ") and error.isprintable()
    assert type(answers[0][1]).__module__ == "nba_ml.serving.dayrows"  # the server can load it


def test_missing_game_data_is_one_line_per_batch_and_still_exit_0(tmp_path: Path) -> None:
    data_dir = tmp_path / "data\nwith a newline"
    result = _run_helper(_request(data_dir, "0" * 64, [dt.date(2019, 1, 1)], [dt.date(2019, 1, 2)]))
    assert result.returncode == 0 and result.stderr == b""
    answers = _answers(result.stdout)
    assert len(answers) == 2
    for status, message in answers:  # type: ignore[misc]
        assert status == "error" and message.startswith("DataError: ")
        assert "is missing" in message and message.isprintable()


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"",
        b"garbage",
        pickle.dumps({"batches": []})[:-3],
        pickle.dumps([1, 2]),
        pickle.dumps({"data_dir": "/tmp", "sha256": "0" * 64}),
        pickle.dumps({"data_dir": "/tmp", "sha256": "0" * 64, "batches": 7}),
    ],
)
def test_no_usable_request_is_exit_2_with_one_line_on_stderr(request_bytes: bytes) -> None:
    result = _run_helper(request_bytes)
    assert result.returncode == 2 and result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nba_ml.serving.helper: no usable request")


def test_a_server_that_stops_reading_ends_the_helper_with_exit_1_and_one_line(
    tmp_path: Path,
) -> None:
    batches = [[dt.date(2019, 1, n)] for n in range(1, 4)]  # no game data: quick answers
    process = subprocess.Popen(
        HELPER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin and process.stdout and process.stderr
    process.stdin.write(_request(tmp_path, "0" * 64, *batches))
    process.stdin.close()
    process.stdout.close()  # the server went away before the first answer
    assert process.wait(60) == 1
    lines = process.stderr.read().decode().splitlines()
    process.stderr.close()
    assert lines == ["nba_ml.serving.helper: the server stopped reading (broken pipe); stopping"]


def _blocked_on_a_pipe(pid: int, timeout: float = 30) -> None:
    """Wait until the process sleeps reading a pipe (its stdin: main has started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if "pipe_read" in Path(f"/proc/{pid}/wchan").read_text():
                return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never waited on its stdin")


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs Linux /proc wchan")
def test_a_sigint_ends_the_helper_quietly_without_a_traceback() -> None:
    # Ctrl-C on a server in a terminal reaches the helper too; it printed a KeyboardInterrupt
    # traceback into the server's log
    process = subprocess.Popen(
        HELPER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin and process.stdout and process.stderr
    try:
        _blocked_on_a_pipe(process.pid)
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == -signal.SIGINT
        assert process.stderr.read() == b"" and process.stdout.read() == b""
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()


# ---------------------------------------------------------------------------- HelperProcess


def test_rows_come_from_the_helper_for_the_data_they_were_computed_from(
    saved_games: tuple[Path, str], caplog: pytest.LogCaptureFixture
) -> None:
    data_dir, sha256 = saved_games
    now, later = [dt.date(2018, 12, 1)], [dt.date(2018, 12, 2), dt.date(2018, 12, 3)]
    process = HelperProcess(data_dir)
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        try:
            process.submit(now, [], later, sha256=sha256)  # an empty batch is no batch
            first = process.result(now, sha256)
            assert first is not None and list(first.days) == now
            _assert_same_rows(first, prepare_rows(str(data_dir), sha256, now))
            part = process.result([later[1]], sha256)  # a subset of a batch
            assert part is not None and list(part.days) == [later[1]]
            assert process.result(later, sha256) is None  # every batch was taken
        finally:
            process.close()
    assert not _warnings(caplog)


def test_rows_of_other_game_data_are_not_taken(saved_games: tuple[Path, str]) -> None:
    data_dir, sha256 = saved_games
    process = HelperProcess(data_dir)
    before = [dt.date(2018, 10, 1)]  # before the last game: no feature pass to wait for
    try:
        process.submit(before, sha256=sha256)
        assert process.result(before, "f" * 64) is None
    finally:
        process.close()


def test_without_game_data_named_or_days_asked_no_helper_starts(
    saved_games: tuple[Path, str],
) -> None:
    data_dir, sha256 = saved_games
    process = HelperProcess(data_dir)
    process.submit([dt.date(2018, 12, 1)])  # no installed manifest names any game data
    process.submit([], [], sha256=sha256)
    assert process._process is None
    assert process.result([dt.date(2018, 12, 1)], sha256) is None
    process.close()  # nothing to close: no error


def test_a_helper_that_cannot_start_gives_none_and_one_warning(
    saved_games: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir, sha256 = saved_games
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    process = HelperProcess(data_dir)
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        process.submit([dt.date(2018, 12, 1)], sha256=sha256)
        assert process.result([dt.date(2018, 12, 1)], sha256) is None
    assert _warnings(caplog) == [
        "no helper process for the day rows (no such file or directory); computing them here"
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("cat >/dev/null; exit 3", "the helper process ended before answering"),
        ("cat >/dev/null; printf 'garbage and more'", "a helper answer of"),
        ("cat >/dev/null; printf '\\000\\000\\000\\000\\000\\000\\000\\003abc'", "unpickling"),
    ],
)
def test_a_helper_that_dies_or_answers_garbage_gives_none_and_one_warning(
    saved_games: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    body: str,
    reason: str,
) -> None:
    data_dir, sha256 = saved_games
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, body))
    process = HelperProcess(data_dir)
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        process.submit([dt.date(2018, 12, 1)], [dt.date(2018, 12, 2)], sha256=sha256)
        assert process.result([dt.date(2018, 12, 1)], sha256) is None
        assert process.result([dt.date(2018, 12, 2)], sha256) is None  # closed: no retry
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and reason in warnings[0], warnings
    assert warnings[0].startswith("the helper process failed (")
    assert process._process is None  # reaped


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps(7),
        pickle.dumps(("ok", None)),
        pickle.dumps(("ok", "rows")),
        pickle.dumps(("error", 3)),
        pickle.dumps(("ok", 1, 2)),
        b"(lp0\nI1\na(I2\ntR.",  # garbage that unpickles into a TypeError
        b"\x80\x04\x8c\x03abc\x94\x8c\x03def\x93.",  # ... into an AttributeError
        b"cnosuchmodule\nx\n.",  # ... into a ModuleNotFoundError
    ],
)
def test_a_well_framed_answer_of_the_wrong_shape_gives_none_and_one_warning(
    saved_games: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    payload: bytes,
) -> None:
    # a TypeError here once escaped to LivePredictor, which then refused a valid model set
    data_dir, sha256 = saved_games
    frame = tmp_path / "frame"
    frame.write_bytes(len(payload).to_bytes(HEADER, "big") + payload)
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, f"cat >/dev/null; cat {frame}"))
    process = HelperProcess(data_dir)
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        process.submit([dt.date(2018, 12, 1)], sha256=sha256)
        assert process.result([dt.date(2018, 12, 1)], sha256) is None
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and warnings[0].startswith("the helper process failed ("), warnings
    assert process._process is None


def test_a_hung_helper_is_killed_after_the_timeout(
    saved_games: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir, sha256 = saved_games
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, "exec sleep 60"))
    monkeypatch.setattr(helper, "HELPER_TIMEOUT", 0.3)
    process = HelperProcess(data_dir)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        process.submit([dt.date(2018, 12, 1)], sha256=sha256)
        assert process.result([dt.date(2018, 12, 1)], sha256) is None
    assert time.monotonic() - started < 10
    assert len(_warnings(caplog)) == 1 and process._process is None


def test_an_error_answer_gives_none_and_one_warning_naming_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    process = HelperProcess(tmp_path / "data")
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        try:
            process.submit([dt.date(2018, 12, 1)], sha256="0" * 64)  # no such game data
            assert process.result([dt.date(2018, 12, 1)], "0" * 64) is None
        finally:
            process.close()
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and warnings[0].startswith("the helper process failed (DataError: ")
    assert "is missing" in warnings[0]


def test_close_stops_a_running_helper(
    saved_games: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir, sha256 = saved_games
    monkeypatch.setattr(sys, "executable", _fake_python(tmp_path, "exec sleep 60"))
    process = HelperProcess(data_dir)
    process.submit([dt.date(2018, 12, 1)], sha256=sha256)
    running = process._process
    assert running is not None and running.poll() is None
    process.close()
    assert running.poll() is not None and process._process is None
    assert process.result([dt.date(2018, 12, 1)], sha256) is None


def test_the_helper_runs_nicer_than_the_server(saved_games: tuple[Path, str]) -> None:
    # its feature passes are background work: the server's requests come first on the CPU
    import os

    data_dir, sha256 = saved_games
    process = HelperProcess(data_dir)
    try:
        process.submit([dt.date(2018, 10, 1)], sha256=sha256)
        assert process._process is not None
        niceness = os.getpriority(os.PRIO_PROCESS, process._process.pid)
        assert niceness == min(os.getpriority(os.PRIO_PROCESS, 0) + helper.HELPER_NICE, 19)
        assert helper.HELPER_NICE == 10
    finally:
        process.close()


def test_the_helper_never_imports_from_the_servers_working_directory(
    saved_games: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # `python -m nba_ml.serving.helper` put the cwd first on sys.path: a dataclasses.py there
    # ran as the server's user
    data_dir, sha256 = saved_games
    hostile = tmp_path / "cwd"
    hostile.mkdir()
    marker = tmp_path / "ran"
    for name in ("dataclasses", "pickle", "pandas", "nba_ml"):
        (hostile / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    monkeypatch.chdir(hostile)
    monkeypatch.setenv("PYTHONPATH", str(hostile))  # -I ignores PYTHON* variables too
    days = [dt.date(2018, 12, 1)]
    process = HelperProcess(data_dir)
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        try:
            process.submit(days, sha256=sha256)
            assert process.result(days, sha256) is not None
        finally:
            process.close()
    assert not marker.exists() and not _warnings(caplog)
    command = helper.helper_command()
    assert command[:3] == [sys.executable, "-I", "-c"] and helper.SAFE_CWD == "/"


def test_the_helper_reads_the_game_data_the_server_holds_after_a_prune(
    saved_games: tuple[Path, str], caplog: pytest.LogCaptureFixture
) -> None:
    from nba_ml.state.held import HeldHistory

    data_dir, sha256 = saved_games
    held = HeldHistory.open(data_dir, sha256)
    history_path(data_dir, sha256).unlink()  # pruned by the trainer
    days = [dt.date(2018, 12, 1)]
    process = HelperProcess(data_dir, held)
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.helper"):
        try:
            process.submit(days, days, sha256=sha256)  # two batches: one descriptor
            assert process.result(days, sha256) is not None
            assert process.result(days, sha256) is not None
        finally:
            process.close()
    assert not _warnings(caplog)
    assert held.load().team_games.shape[0] > 0  # still open here
