"""Progress of long steps: bars on a terminal, the log elsewhere."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from nba_ml import progress
from nba_ml.cli import handlers
from nba_ml.cli.progress_view import rich_progress


def test_bars_show_each_step_and_log_lines_print_above_them() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    handlers.configure_logging(False, False)
    log = logging.getLogger("nba_ml.test")
    with rich_progress(console):
        for done in range(1, 4):
            progress.report("fitting player models", done, 3)
        log.info("half way\nthere")
        progress.report("backtest days", 1, None)
    text = out.getvalue()
    assert "fitting player models" in text and "backtest days" in text
    assert "INFO - half way\\nthere" in text
    handler = logging.getLogger("nba_ml").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    assert not hasattr(handler.stream, "console")  # the log's own stream is back


def test_no_bars_off_a_terminal_or_with_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    import contextlib

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert isinstance(handlers.progress_display(handlers.Invocation()), contextlib.nullcontext)
    monkeypatch.setattr("sys.stderr", Tty())
    assert isinstance(
        handlers.progress_display(handlers.Invocation(quiet=True)), contextlib.nullcontext
    )
    assert not isinstance(handlers.progress_display(handlers.Invocation()), contextlib.nullcontext)
