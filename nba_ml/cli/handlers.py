"""What each command does at the terminal, shared by the Typer app and the fast path.

A handler takes parsed options, calls one command function, renders its result to stdout
(diagnostics to stderr) and returns the exit code; an expected failure is raised as
NbaMlError and turned into one ERROR line by :func:`run`. Nothing here imports Typer or Rich
(the Rich views are imported only when used), so ``check``, ``ensure`` and ``status`` start
fast.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from nba_ml.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, NbaMlError, OutputUnwritable

logger = logging.getLogger("nba_ml")

LOG_FORMAT = "%(asctime)s - %(levelname)s - %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class Invocation:
    """The options given before the command: ``--data-dir``, the settings flags, verbosity."""

    def __init__(
        self,
        data_dir: str | None = None,
        flags: dict[str, str] | None = None,
        verbose: bool = False,
        quiet: bool = False,
    ) -> None:
        self.data_dir = data_dir
        self.flags = flags or {}
        self.verbose = verbose
        self.quiet = quiet

    def settings(self, **command_flags: object) -> Any:
        """Return the resolved Settings (flag > environment > default); raise ConfigError."""
        from nba_ml.config import resolve_settings

        flags = {k: v for k, v in {**self.flags, **command_flags}.items() if v is not None}
        return resolve_settings(self.data_dir, environ=None, **flags)


class OneLineFormatter(logging.Formatter):
    """The log format; every message at INFO and above is one line, whatever it quotes (a path
    or a lock holder's hostname with a newline or a terminal escape is shown escaped). This is
    the one place where nba-ml's messages meet the terminal. DEBUG keeps its tracebacks."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        if record.levelno >= logging.INFO:
            from nba_ml.state.files import safe_text

            record.message = safe_text(record.message)
        return super().formatMessage(record)


def configure_logging(verbose: bool, quiet: bool) -> None:
    """Send nba-ml's log records to stderr as ``YYYY-MM-DD HH:MM:SS - LEVEL - Message``."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(LOG_FORMAT, LOG_DATE_FORMAT))
    root = logging.getLogger("nba_ml")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


_CLOSED = "cannot write the results: standard output is closed"


def write_out(text: str, end: str = "\n") -> None:
    """Write ``text`` and ``end`` to stdout; raise OutputUnwritable when that fails."""
    stream = sys.stdout
    if stream is None:
        raise OutputUnwritable(_CLOSED)
    try:
        stream.write(text + end)
        stream.flush()
    except OSError as error:
        raise output_error(error) from None
    except ValueError:  # I/O operation on closed file
        raise OutputUnwritable(_CLOSED) from None


class CheckedStdout:
    """Standard output while the Typer app runs: a write or flush that fails raises
    OutputUnwritable, as :func:`write_out` does, so text Click writes itself (``--help``,
    ``--version``) that cannot be written ends on the one ERROR line and exit 1 too, instead of
    "unexpected error ... a bug" (a full disk) or Click's silent exit 1 (a broken pipe).

    The first failure sticks: Click swallows errors of the writes it probes the stream with,
    and the final flush in :func:`guarded` must still report it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._error: OutputUnwritable | None = None

    def _fail(self, error: OutputUnwritable) -> OutputUnwritable:
        if self._error is None:
            _silence_stdout()  # so that the interpreter's own flush at exit cannot fail again
            self._error = error
        return self._error

    def write(self, text: str) -> int:
        if self._error is not None:
            raise self._error
        if self._stream is None:
            raise self._fail(OutputUnwritable(_CLOSED))
        try:
            return int(self._stream.write(text))
        except OSError as error:
            raise self._fail(output_error(error)) from None
        except ValueError:  # I/O operation on closed file
            raise self._fail(OutputUnwritable(_CLOSED)) from None

    def flush(self) -> None:
        if self._error is not None:
            raise self._error
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as error:
            raise self._fail(output_error(error)) from None
        except ValueError:
            raise self._fail(OutputUnwritable(_CLOSED)) from None

    def isatty(self) -> bool:
        return self._stream is not None and bool(self._stream.isatty())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def output_error(error: OSError) -> OutputUnwritable:
    from nba_ml.state.files import describe_os_error

    return OutputUnwritable(
        f"cannot write the results to standard output: {describe_os_error(error)}"
    )


def write_err(text: str) -> None:
    """Write ``text`` and a newline to stderr (a failure there cannot be reported anywhere)."""
    if sys.stderr is not None:
        try:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def print_json(payload: Any) -> None:
    write_out(json.dumps(payload, indent=2, sort_keys=False, default=str))


def use_color() -> bool:
    """Colour (and Rich views) only on a terminal, and never with NO_COLOR set."""
    try:
        return sys.stdout is not None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    except ValueError:
        return False


_LOGGED: list[NbaMlError] = []  # the error last logged (CheckedStdout raises its one again)


def log_error(error: NbaMlError) -> int:
    """Log ``error`` as the one ERROR line (escaped by the formatter); return its exit code.
    The very error logged last is not logged twice."""
    if not (_LOGGED and _LOGGED[0] is error):
        logger.error("%s", error)
        _LOGGED[:] = [error]
    return error.exit_code


def usage_error(message: str, command_path: str | None, code: int = EXIT_USAGE) -> int:
    """Log a command-line usage error (from the parser) as the one ERROR line, with a pointer
    to the command's ``--help``; return ``code`` (2 unless told). Logging is set up here: the
    error may come before the options that set it up were read."""
    configure_logging(verbose=False, quiet=False)
    hint = f" (see '{command_path} --help')" if command_path else ""
    logger.error("%s%s", message.strip(), hint)
    return code


def run(handler: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Return ``handler(...)``'s exit code; an NbaMlError becomes one ERROR line and its code."""
    try:
        return handler(*args, **kwargs)
    except NbaMlError as error:
        return log_error(error)


def guarded(entry: Callable[[], int | None]) -> int:
    """Run a whole command line: any exception nba-ml did not expect ends on one ERROR line and
    exit 1 (the traceback only with --verbose); unwritable output ends on one line too."""
    try:
        code = entry()
        flush_stdout()
    except NbaMlError as error:
        if not logger.handlers:  # before the options that set up logging were read (--help)
            configure_logging(verbose=False, quiet=False)
        return log_error(error)
    except Exception as error:  # noqa: BLE001 - the last line of defence
        from nba_ml.commands.recording import unexpected

        log_error(unexpected(error))
        return EXIT_FAILURE
    return EXIT_OK if code is None else code


def flush_stdout() -> None:
    """Flush stdout now (so a full disk is reported, not lost at exit); raise OutputUnwritable."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except OSError as error:
        _silence_stdout()
        raise output_error(error) from None
    except ValueError:
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


# ------------------------------------------------------------------------ the fast commands


def check(invocation: Invocation, *, as_json: bool = False, full: bool = False) -> int:
    from nba_ml.commands.check import check as check_models

    settings = invocation.settings()
    result = check_models(settings, full_load=full)
    if as_json:
        payload: dict[str, object] = {
            "ok": result.ok,
            "loaded": result.loaded,
            "problems": [
                {"model": model, "problem": problem} for model, problem in result.problems
            ],
            "seconds": round(result.seconds, 4),
        }
        if result.lacking:  # a valid set trained before newer models existed
            payload["lacking"] = list(result.lacking)
        print_json(payload)
    elif result.ok:
        write_out(str(result))
    else:
        from nba_ml.state.files import safe_text

        for line in result.lines():
            write_err(safe_text(line))
    return result.exit_code


def train(
    invocation: Invocation,
    command: str,
    *,
    wait: str | None = None,
    proxy: str | None = None,
    **options: Any,
) -> int:
    """``train`` and ``ensure``: a recorded run, with a progress display on a terminal."""
    from nba_ml.commands import train as training

    runner = training.run_ensure if command == "ensure" else training.run_train
    with progress_display(invocation):
        result = runner(lambda: invocation.settings(wait=wait, proxy=proxy), **options)
    if not _is_terminal(sys.stdout):  # on a terminal the line below is the summary, once
        logger.info("%s", result.message)
    write_out(str(result))
    return result.exit_code


def status(invocation: Invocation, *, as_json: bool = False, strict: bool = False) -> int:
    from nba_ml.commands.status import status as status_report

    report = status_report(invocation.settings())
    if as_json:
        print_json(report.to_json())
    elif use_color():
        from nba_ml.cli.render import render_status_rich

        try:
            render_status_rich(report)
        except OSError as error:
            raise output_error(error) from None
    else:
        from nba_ml.cli.render import status_lines

        write_out("\n".join(status_lines(report)))
    return EXIT_FAILURE if strict and not report.healthy else EXIT_OK


def _is_terminal(stream: Any) -> bool:
    try:
        return stream is not None and bool(stream.isatty())
    except (ValueError, AttributeError):  # closed, or not a file
        return False


def progress_display(invocation: Invocation) -> Any:
    """Return a context showing progress with Rich on a terminal (stderr a tty, not --quiet);
    elsewhere progress goes to the log (an INFO line every ~10 s)."""
    import contextlib

    try:
        interactive = sys.stderr is not None and sys.stderr.isatty()
    except ValueError:
        interactive = False
    if not interactive or invocation.quiet:
        return contextlib.nullcontext()
    from nba_ml.cli.progress_view import rich_progress

    return rich_progress()


# --------------------------------------------------------------------------- schedule, daily


def schedule(
    invocation: Invocation,
    kind: str,
    executable: str | None,
    user: str,
    system_timezone: str,
    image: str | None,
    output_dir: Any = None,
) -> int:
    """``schedule``: print the files for KIND (``nba_ml.commands.schedule``), or write them
    into ``output_dir``."""
    from nba_ml.commands.schedule import schedule as render

    text = render(
        invocation.settings(),
        kind,
        executable or this_executable(),
        user=user,
        system_timezone=system_timezone,
        image=image,
        output_dir=output_dir,
    )
    write_out(text, end="")
    return EXIT_OK


def this_executable() -> str:
    """The nba-ml being run (resolved), else the one beside this Python."""
    from pathlib import Path

    candidate = Path(sys.argv[0])
    if candidate.name == "nba-ml" and candidate.exists():
        return str(candidate.resolve())
    return str(Path(sys.executable).with_name("nba-ml"))


def daily(invocation: Invocation, source: Any) -> int:
    """``daily``: train at every scheduled run, each a child ``nba-ml train``, until a signal
    (``nba_ml.deploy.daily``); the settings given as options reach the children as variables."""
    from nba_ml.config import SPECS
    from nba_ml.deploy.daily import Daily, child_environment, run_daily

    settings = invocation.settings()
    given = {SPECS[name].env: str(value) for name, value in invocation.flags.items()}
    verbosity = ["--quiet"] * invocation.quiet + ["--verbose"] * invocation.verbose
    loop = Daily(
        [sys.executable, "-m", "nba_ml", *verbosity],
        settings.training_hour,
        settings.training_minute,
        settings.training_timezone,
        child_environment(os.environ, str(settings.data_dir), given),
        ["--from", str(source.resolve())] if source is not None else [],
    )
    return run_daily(loop)
