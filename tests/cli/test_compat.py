"""One test per name the CLI reads from Typer's copy of Click (nba_ml.cli.compat): an upgrade
of Typer that moves one fails here, under its name."""

from __future__ import annotations

from typing import Annotated

import typer
from typer.testing import CliRunner

from nba_ml.cli import compat


def test_typer_click_exceptions_module() -> None:
    exceptions = compat.click_exceptions()
    assert exceptions.__name__ == "typer._click.exceptions"
    assert issubclass(exceptions.UsageError, exceptions.ClickException)
    assert hasattr(exceptions, "NoArgsIsHelpError")


def test_typer_click_tells_where_a_parameter_came_from() -> None:
    seen: list[bool | None] = []
    app = typer.Typer()

    @app.command()
    def run(
        level: Annotated[str | None, typer.Option("--level", envvar="COMPAT_LEVEL")] = None,
    ) -> None:
        seen.append(compat.from_command_line("level"))

    runner = CliRunner()
    assert runner.invoke(app, ["--level", "3"]).exit_code == 0
    assert runner.invoke(app, [], env={"COMPAT_LEVEL": "3"}).exit_code == 0
    assert seen == [True, False]
    assert compat.from_command_line("level") is None  # outside a command
