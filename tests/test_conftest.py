"""tests/conftest.py: a fresh clone's test run says why the tests that need ../shared skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


class Reporter:
    def __init__(self, skipped: int) -> None:
        self.stats = {"skipped": [object()] * skipped, "passed": [object()] * 3}
        self.lines: list[str] = []

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def test_a_run_without_shared_says_why_it_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conftest, "GAMELOGS", tmp_path / "absent")
    reporter = Reporter(148)
    conftest.pytest_terminal_summary(reporter, 0, None)  # type: ignore[arg-type]
    assert reporter.lines == [conftest.shared_skip_note(148)]
    assert reporter.lines[0].startswith("148 skipped: tests that read the real data in ")
    assert "absent beside this checkout" in reporter.lines[0]
    quiet = Reporter(0)
    conftest.pytest_terminal_summary(quiet, 0, None)  # type: ignore[arg-type]
    assert quiet.lines == []


def test_a_run_with_shared_adds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GAMELOGS", "CASSETTES", "FIVETHIRTYEIGHT"):
        monkeypatch.setattr(conftest, name, tmp_path)
    assert conftest.shared_skip_note(5) is None
