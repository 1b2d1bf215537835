"""What every Typer command shares: the invocation the global options filled in, and the one
way a command runs its handler (:func:`nba_ml.cli.handlers.run`) and exits with its code."""

from __future__ import annotations

from typing import Any, NoReturn

import typer

from nba_ml.cli import handlers
from nba_ml.cli.handlers import Invocation

# filled in by the app's callback (the global options) before any command runs
INVOCATION = Invocation()


def call(handler: Any, *args: Any, **kwargs: Any) -> NoReturn:
    """Run ``handler(INVOCATION, *args, **kwargs)`` as every command does (errors become one
    line and an exit code) and exit with its code."""
    raise typer.Exit(handlers.run(handler, INVOCATION, *args, **kwargs))
