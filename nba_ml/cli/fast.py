"""The fast path: the common ``check``, ``ensure`` and ``status`` command lines, parsed by hand.

A web server runs ``nba-ml ensure`` before every start and monitors run ``check``/``status``
often; importing Typer, Click and Rich costs more than the work itself. :func:`run` parses only
the plain forms (``[--data-dir DIR] [-v|-q] check [--json] [--full]`` and the like) and runs the
same handlers as the Typer app; for anything else (``--help``, another option, a typo) it returns
None and the caller hands the whole command line to Typer, so messages and exit codes are the
ones Typer gives.
"""

from __future__ import annotations

from nba_ml.cli import handlers

# command -> {flag: keyword argument of its handler}
_COMMANDS: dict[str, dict[str, str]] = {
    "check": {"--json": "as_json", "--full": "full"},
    "ensure": {},
    "status": {"--json": "as_json", "--strict": "strict"},
}
_GLOBAL_FLAGS = {"-v": "verbose", "--verbose": "verbose", "-q": "quiet", "--quiet": "quiet"}


def parse(argv: list[str]) -> tuple[handlers.Invocation, str, dict[str, bool]] | None:
    """Return (invocation, command, handler options) for a plain command line, else None."""
    invocation = handlers.Invocation()
    index = _global_options(argv, invocation)
    if index is None or index >= len(argv) or argv[index] not in _COMMANDS:
        return None
    command = argv[index]
    flags = _COMMANDS[command]
    options: dict[str, bool] = {}
    for word in argv[index + 1 :]:
        if word not in flags or flags[word] in options:
            return None
        options[flags[word]] = True
    return invocation, command, options


def _global_options(argv: list[str], invocation: handlers.Invocation) -> int | None:
    """Set the global options before the command on ``invocation``; return the index of the
    first other word, or None when they are not plain (an option twice, a missing value)."""
    seen: set[str] = set()
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in _GLOBAL_FLAGS:
            name = _GLOBAL_FLAGS[word]
            if name in seen:
                return None
            seen.add(name)
            setattr(invocation, name, True)
            index += 1
        elif word == "--data-dir" or word.startswith("--data-dir="):
            if "data_dir" in seen:
                return None
            seen.add("data_dir")
            if word == "--data-dir":
                if index + 1 >= len(argv) or argv[index + 1].startswith("-"):
                    return None  # let Typer word the missing value
                invocation.data_dir = argv[index + 1]
                index += 2
            else:
                invocation.data_dir = word.split("=", 1)[1]
                index += 1
        else:
            break
    return index


def run(argv: list[str]) -> int | None:
    """Run a plain ``check``/``ensure``/``status`` command line and return its exit code;
    return None (having done nothing) when it is not one."""
    parsed = parse(argv)
    if parsed is None:
        return None
    invocation, command, options = parsed
    handlers.configure_logging(invocation.verbose, invocation.quiet)
    try:
        if command == "check":
            return handlers.guarded(lambda: handlers.run(handlers.check, invocation, **options))
        if command == "status":
            return handlers.guarded(lambda: handlers.run(handlers.status, invocation, **options))
        return handlers.guarded(lambda: handlers.run(handlers.train, invocation, "ensure"))
    except KeyboardInterrupt:  # as Click words it on the Typer path
        handlers.write_err("\nAborted!")
        return 1
