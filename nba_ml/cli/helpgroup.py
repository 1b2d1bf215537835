"""The command list of ``nba-ml --help``: in the order a new user needs the commands, each with
its whole first sentence.

Typer lists commands in the order they were defined (``predict``, a group added last, came
last) and Click cuts each description to the terminal's width with "..." ("Exit 0 when all four
models are present, match their manifest..."). :class:`HelpGroup` lists :data:`ORDER` first (any
other command after, as defined) and wraps each first sentence instead of cutting it.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

# the commands in the order --help lists them; one not named here follows, as defined
ORDER = ("train", "predict", "status", "check", "ensure", "report", "backtest", "schedule", "daily")
_WHOLE = 10_000  # a limit no first sentence reaches: Click then keeps it whole


class HelpGroup(TyperGroup):
    """A Typer group that lists its commands in :data:`ORDER`, descriptions uncut."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return [name for name in ORDER if name in names] + [
            name for name in names if name not in ORDER
        ]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(_WHOLE)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)  # wraps the descriptions to the terminal's width
