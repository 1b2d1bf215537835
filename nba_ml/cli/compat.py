"""The CLI's reach into Typer's private API: the copy of Click that Typer runs on
(``typer._click``, since Typer 0.26, the declared floor). ``tests/cli/test_compat.py`` has one
test per name used here, so an upgrade that moves them fails there, by name. The package's
other private reaches are in ``nba_ml.compat``.
"""

from __future__ import annotations

import importlib
from typing import Any


def click_exceptions() -> Any:
    """Return the exceptions module of the Click that Typer runs on (``typer._click`` since
    Typer 0.22; the ``click`` package before)."""
    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:
        return importlib.import_module("click.exceptions")


def from_command_line(name: str) -> bool | None:
    """Return whether the parameter ``name`` of the command being run was given on the
    command line; None outside a command (no Click context)."""
    # the click package's context stack would be empty: Typer runs its own copy
    from typer._click.core import ParameterSource
    from typer._click.globals import get_current_context

    context = get_current_context(silent=True)
    if context is None:
        return None
    return context.get_parameter_source(name) == ParameterSource.COMMANDLINE
