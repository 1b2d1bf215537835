"""Fixtures of the data tests: a guard against hanging reads and a denied open."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail instead of hanging forever (a FIFO opened for reading blocks without a writer)."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the read hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def deny_open(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """``deny_open(path)``: from now on ``os.open(path)`` fails with EACCES, as it does for an
    unreadable file when not running as root (root reads files whatever their mode)."""
    real_open = os.open

    def deny(path: Path) -> None:
        def opener(name: Any, *args: Any, **kwargs: Any) -> int:
            if str(name) == str(path):
                raise PermissionError(13, "Permission denied")
            return real_open(name, *args, **kwargs)

        monkeypatch.setattr(os, "open", opener)

    return deny
