"""nba_ml.cli.invoke: every command runs its handler on the invocation the global options
filled in, and exits with the handler's code (an nba-ml error as one line and its code)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from nba_ml.cli import invoke
from nba_ml.cli.handlers import Invocation
from nba_ml.errors import EXIT_USAGE, UsageError
from tests.conftest import cli_runner


def test_call_passes_the_invocation_and_exits_with_the_handlers_code() -> None:
    seen: list[tuple[Invocation, tuple[object, ...], dict[str, object]]] = []

    def handler(invocation: Invocation, *args: object, **kwargs: object) -> int:
        seen.append((invocation, args, kwargs))
        return 3

    with pytest.raises(typer.Exit) as stop:
        invoke.call(handler, "BOS", as_json=True)
    assert stop.value.exit_code == 3
    assert seen == [(invoke.INVOCATION, ("BOS",), {"as_json": True})]


def test_an_nba_ml_error_becomes_its_exit_code() -> None:
    def handler(invocation: Invocation) -> int:
        raise UsageError("no such team 'BOX'")

    with pytest.raises(typer.Exit) as stop:
        invoke.call(handler)
    assert stop.value.exit_code == EXIT_USAGE


def test_the_global_options_fill_in_the_invocation(tmp_path: Path) -> None:
    from nba_ml.cli.app import app

    result = cli_runner().invoke(app, ["--data-dir", str(tmp_path), "-q", "status", "--json"])
    assert result.exit_code in (0, 1), result.stderr
    assert invoke.INVOCATION.data_dir == str(tmp_path) and invoke.INVOCATION.quiet
