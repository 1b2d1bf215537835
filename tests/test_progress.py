"""progress: what library code reports reaches the installed reporter, or the log at most every
LOG_INTERVAL seconds per step (and once when a step completes)."""

from __future__ import annotations

import ast
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from nba_ml import progress
from nba_ml.progress import LOG_INTERVAL, LogReporter, report, reporting_to


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(progress, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """The lines nba_ml.progress logs during the test (whatever handlers other tests left)."""
    logger = logging.getLogger("nba_ml.progress")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# ----------------------------------------------------------------------------- LogReporter


def test_a_step_logs_at_most_once_an_interval_counted_from_its_last_line(
    clock: Clock, logged: list[str]
) -> None:
    reporter = LogReporter()
    reporter("fitting", 0, 12)  # the first report starts the step's clock, silently
    for seconds, done in ((1, 1), (9.9, 2)):
        clock.now = 1000 + seconds
        reporter("fitting", done, 12)
    assert logged == []
    clock.now = 1010.0
    reporter("fitting", 3, 12)
    assert logged == ["INFO fitting: 3/12 (25%)"]
    clock.now = 1019.0  # 9 s after that line: silent, though 19 s after the start
    reporter("fitting", 4, 12)
    assert len(logged) == 1
    clock.now = 1020.0
    reporter("fitting", 8, 12)
    assert logged[1:] == ["INFO fitting: 8/12 (66%)"]  # the percentage is rounded down


def test_a_long_step_logs_its_end_and_starts_afresh(clock: Clock, logged: list[str]) -> None:
    reporter = LogReporter()
    reporter("features", 0, 3)
    clock.now += 12
    reporter("features", 3, 3)
    assert logged == ["INFO features: 3/3 (100%)"]
    clock.now += 60  # the next training's same step begins silently again
    reporter("features", 0, 3)
    clock.now += 1
    reporter("features", 1, 3)
    assert logged == ["INFO features: 3/3 (100%)"]


def test_a_quick_step_is_silent_to_its_end(clock: Clock, logged: list[str]) -> None:
    # a two-second `predict` logged "building features: 3/3 (100%)" twice at INFO
    reporter = LogReporter()
    for _ in range(2):
        reporter("features", 0, 3)
        clock.now += 0.5
        reporter("features", 3, 3)
    reporter("fitting", 0, 0)  # nothing to fit: complete at its first report
    reporter("features", 3, 3)
    assert logged == []
    reporter("fitting", 0, 8)  # a later run of the step starts its clock again
    clock.now += 10
    reporter("fitting", 8, 8)
    assert logged == ["INFO fitting: 8/8 (100%)"]


def test_a_step_without_a_total_logs_a_count_and_never_completes(
    clock: Clock, logged: list[str]
) -> None:
    reporter = LogReporter(interval=5)
    for done in range(1, 5):
        reporter("backtest days", done, None)
        clock.now += 5
    assert logged == [
        "INFO backtest days: 2 done",
        "INFO backtest days: 3 done",
        "INFO backtest days: 4 done",
    ]


def test_each_step_has_its_own_clock(clock: Clock, logged: list[str]) -> None:
    reporter = LogReporter()
    reporter("a", 0, 4)
    clock.now += 6
    reporter("b", 0, 4)
    clock.now += 4  # 10 s into a, 4 s into b
    reporter("a", 1, 4)
    reporter("b", 1, 4)
    assert logged == ["INFO a: 1/4 (25%)"]


def test_an_interval_of_zero_logs_every_report_but_the_first(
    clock: Clock, logged: list[str]
) -> None:
    reporter = LogReporter(interval=0)
    for done in range(3):
        reporter("fitting", done, 2)
    assert logged == ["INFO fitting: 1/2 (50%)", "INFO fitting: 2/2 (100%)"]


def test_the_default_interval_is_ten_seconds() -> None:
    assert LOG_INTERVAL == 10.0
    assert LogReporter().interval == LOG_INTERVAL


# ----------------------------------------------------------------------- report, reporting_to


def test_without_a_reporter_progress_goes_to_the_log(
    clock: Clock, logged: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "_default", LogReporter())
    report("fitting", 0, 2)
    clock.now += LOG_INTERVAL
    report("fitting", 2, 2)
    assert logged == ["INFO fitting: 2/2 (100%)"]


def test_an_installed_reporter_gets_every_report_and_the_log_none(
    clock: Clock, logged: list[str]
) -> None:
    seen: list[tuple[str, int, int | None]] = []
    with reporting_to(lambda step, done, total: seen.append((step, done, total))):
        report("fitting", 0, 2)
        report("fitting", 1, 2)
        report("fitting", 2, 2)
        report("backtest days", 7)
    assert seen == [
        ("fitting", 0, 2),
        ("fitting", 1, 2),
        ("fitting", 2, 2),
        ("backtest days", 7, None),
    ]
    assert logged == []


def test_reporters_nest_and_the_outer_one_is_restored_even_after_an_error() -> None:
    outer: list[str] = []
    inner: list[str] = []
    with reporting_to(lambda step, done, total: outer.append(step)):
        report("before", 0)
        with (
            pytest.raises(RuntimeError),
            reporting_to(lambda step, done, total: inner.append(step)),
        ):
            report("inside", 0)
            raise RuntimeError("a failed step")
        report("after", 0)
    assert outer == ["before", "after"]
    assert inner == ["inside"]
    assert progress._current.get() is None


def test_progress_depends_on_the_standard_library_only() -> None:
    tree = ast.parse(Path(progress.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported
