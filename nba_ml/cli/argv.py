"""The command line as people type it, put in the order the parser expects.

The global options (``--data-dir``, the setting options such as ``--timeout``, ``-v``, ``-q``)
belong before the command, but people write ``nba-ml train --data-dir X`` too. :func:`hoist`
moves each global option found after the command (and its value) before it, so both orders
work, on the fast path and on Typer's alike. Nothing after ``--`` is touched, nor a value
option with no value after it (the parser then words the error).
"""

from __future__ import annotations

from nba_ml.config import SETTINGS

# the global switches (no value) and the global options that take a value
SWITCHES = frozenset({"-v", "--verbose", "-q", "--quiet"})
VALUED = frozenset(spec.flag for spec in SETTINGS if not spec.command_option and not spec.env_only)


def _option(word: str) -> tuple[bool, int] | None:
    """Return (global, words it spans) for a global option word, else None."""
    if word in SWITCHES:
        return True, 1
    if word in VALUED:
        return True, 2
    if word.split("=", 1)[0] in VALUED and "=" in word:
        return True, 1
    return None


def hoist(argv: list[str]) -> list[str]:
    """Return ``argv`` with the global options given after the command moved before it."""
    index = 0
    while index < len(argv):  # the global options before the command, then the command
        word = argv[index]
        found = _option(word)
        if found is not None:
            index += found[1]
        elif word.startswith("-"):  # --help, --version, an unknown option or "--": as typed
            return list(argv)
        else:
            break
    if index >= len(argv):
        return list(argv)
    before, after = list(argv[:index]), []
    rest = argv[index:]
    position = 0
    while position < len(rest):
        word = rest[position]
        if word == "--":
            after.extend(rest[position:])
            break
        found = _option(word)
        if found is None or position + found[1] > len(rest):
            after.append(word)
            position += 1
            continue
        before.extend(rest[position : position + found[1]])
        position += found[1]
    return before + after
