"""A Rich progress display for long steps (fitting, features, backtest days) on a terminal."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from nba_ml import progress


class _RichReporter:
    """A :class:`nba_ml.progress.Reporter` that keeps one bar per step."""

    def __init__(self, bars: Progress) -> None:
        self.bars = bars
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, step: str, done: int, total: int | None) -> None:
        task = self.tasks.get(step)
        if task is None:
            task = self.tasks[step] = self.bars.add_task(step, total=total)
        self.bars.update(task, completed=done, total=total)


class _ConsoleStream:
    """A stream for the log handler that prints above the live display instead of through it."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def write(self, text: str) -> int:
        self.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def rich_progress(console: Console | None = None) -> Iterator[None]:
    """Show progress bars (on stderr by default) inside the block; log lines print above."""
    console = console or Console(stderr=True)
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    handlers = [
        h for h in logging.getLogger("nba_ml").handlers if isinstance(h, logging.StreamHandler)
    ]
    streams: list[Any] = [h.stream for h in handlers]
    with bars:
        for handler in handlers:
            handler.setStream(_ConsoleStream(console))
        try:
            with progress.reporting_to(_RichReporter(bars)):
                yield
        finally:
            for handler, stream in zip(handlers, streams, strict=True):
                handler.setStream(stream)
