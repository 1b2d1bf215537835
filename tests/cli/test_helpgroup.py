"""cli.helpgroup: `nba-ml --help` lists train and predict first and every description whole
(Click cut them with "..." at the terminal's width, and predict came last)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nba_ml.cli.app import app
from nba_ml.cli.helpgroup import ORDER, HelpGroup


def _listed(output: str) -> list[str]:
    section = output.split("Commands:\n", 1)[1]
    return [
        line.split()[0]
        for line in section.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]


@pytest.mark.parametrize("columns", ["60", "80", "200"])
def test_the_commands_come_in_order_with_whole_descriptions(columns: str) -> None:
    result = CliRunner().invoke(app, ["--help"], prog_name="nba-ml", env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert _listed(result.output) == list(ORDER)
    assert "..." not in result.output.split("Commands:", 1)[1]
    flat = " ".join(result.output.split())
    assert (
        "check Exit 0 when every model is present, matches its manifest and can be served."
    ) in flat


def test_a_command_not_in_the_order_follows_as_defined() -> None:
    import typer

    extra = typer.Typer(cls=HelpGroup)
    for name in ("zeta", "status", "alpha", "train"):
        extra.command(name)(lambda: None)
    group = typer.main.get_command(extra)
    assert group.list_commands(None) == ["train", "status", "zeta", "alpha"]  # type: ignore[attr-defined, arg-type]
