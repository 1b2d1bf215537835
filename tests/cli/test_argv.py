"""cli.argv: the global options given after the command are moved before it, values and all;
nothing after ``--``, nothing before the command and no option of a command moves."""

from __future__ import annotations

import pytest

from nba_ml.cli.argv import SWITCHES, VALUED, hoist


def test_the_global_options_are_the_settings_table_s_and_the_log_switches() -> None:
    assert {"--data-dir", "--timeout", "--jobs", "--max-age-hours"} <= VALUED
    assert "--wait" not in VALUED and "--proxy" not in VALUED  # options of train/ensure
    assert {"-v", "--verbose", "-q", "--quiet"} == SWITCHES


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        (["train", "--data-dir", "X"], ["--data-dir", "X", "train"]),
        (["train", "--force", "--data-dir=X", "-v"], ["--data-dir=X", "-v", "train", "--force"]),
        (
            ["predict", "player", "LeBron", "--jobs", "2", "--json"],
            ["--jobs", "2", "predict", "player", "LeBron", "--json"],
        ),
        (["-q", "status", "--timeout", "5"], ["-q", "--timeout", "5", "status"]),
        (["--data-dir", "X", "check", "--full"], ["--data-dir", "X", "check", "--full"]),
        # a command's own options stay; so does everything after "--"
        (
            ["train", "--wait", "5", "--proxy", "http://p"],
            ["train", "--wait", "5", "--proxy", "http://p"],
        ),
        (
            ["predict", "player", "--", "--data-dir", "X"],
            ["predict", "player", "--", "--data-dir", "X"],
        ),
        # a value option without its value is left where it is, for the parser to word
        (["train", "--data-dir"], ["train", "--data-dir"]),
        # no command, or an option the parser must see first: as typed
        (["--help"], ["--help"]),
        (["--data-dir", "X"], ["--data-dir", "X"]),
        ([], []),
        (["--version", "train", "-v"], ["--version", "train", "-v"]),
    ],
)
def test_global_options_after_the_command_move_before_it(
    typed: list[str], parsed: list[str]
) -> None:
    assert hoist(typed) == parsed
