"""Entry point of the ``nba-ml`` console script: the fast path when it applies, else Typer."""

from __future__ import annotations

import sys


def main() -> None:
    """Run ``nba-ml`` with ``sys.argv``; exit with the command's exit code."""
    from nba_ml.cli import fast
    from nba_ml.cli.argv import hoist

    sys.argv[1:] = hoist(sys.argv[1:])  # global options after the command: moved before it
    code = fast.run(sys.argv[1:])
    if code is None:
        from nba_ml.cli.app import main as typer_main

        typer_main()
        return
    sys.exit(code)
