"""Run recording: every train/ensure run ends on one line, with its outcome in ``runs.jsonl``.

:func:`recorded_run` runs a training command: Ctrl-C and SIGTERM become :class:`Interrupted`
(so the lock, the workers and the temporary files are released on the way out), an exception
nba-ml did not expect becomes a one-line :class:`NbaMlError` (its traceback at DEBUG), and the run
is appended to the history with its :class:`Outcome` and exit code.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
from collections.abc import Callable
from typing import Any, TypeVar

from nba_ml.config import Settings
from nba_ml.errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    Interrupted,
    NbaMlError,
    Outcome,
    outcome_of,
)

logger = logging.getLogger(__name__)

R = TypeVar("R")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(tz=dt.timezone.utc)


def stopped(signal_name: str) -> Interrupted:
    """Return the error of a training stopped by ``signal_name`` (SIGINT or SIGTERM)."""
    code = EXIT_TERMINATED if signal_name == "SIGTERM" else EXIT_INTERRUPTED
    return Interrupted(
        f"stopped by {signal_name} during the training; the installed model set "
        "is complete (a set is only ever swapped in whole)",
        code,
    )


def unexpected(error: BaseException) -> NbaMlError:
    """Return a one-line error for an exception nba-ml did not expect (a bug); the traceback
    goes to the debug log (``--verbose``)."""
    import traceback

    logger.debug("%s", "".join(traceback.format_exception(error)).rstrip())
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return NbaMlError(
        f"unexpected error: {type(error).__name__}"
        f"{': ' + first if first else ''} (a bug: please report it with the "
        "output of the same command run with --verbose)"
    )


class Terminated(BaseException):
    """SIGTERM while a training runs. Like KeyboardInterrupt for Ctrl-C it is no Exception, so
    that no ``except Exception`` on the way (the importer's "any failure is bad input", the
    promotion gate's fallback, a library's own) can take the stop for a failure and carry on;
    :func:`recorded_run` turns it into :class:`Interrupted` (exit 143)."""


def _raise_on_sigterm(signum: int, frame: Any) -> None:
    del signum, frame
    raise Terminated


def record_run(
    settings: Settings,
    command: str,
    started: dt.datetime,
    outcome: Outcome,
    exit_code: int,
    message: str,
    figures: dict[str, Any] | None = None,
) -> None:
    """Append one line to the run history and rewrite the metrics file (never raises: neither
    may fail a run)."""
    from nba_ml.state.metrics import write_run_metrics
    from nba_ml.state.runlog import append_run

    try:
        if not settings.data_dir.is_dir():
            return
        append_run(
            settings.runs_path,
            {
                "started_at": started.isoformat(timespec="seconds"),
                "ended_at": _utcnow().isoformat(timespec="seconds"),
                "command": command,
                "outcome": Outcome(outcome).value,
                "exit_code": exit_code,
                "message": message,
                "figures": figures or {},
            },
        )
        write_run_metrics(settings.metrics_path, settings.runs_path, settings.data_dir)
    except Exception as error:  # noqa: BLE001 - the run's own outcome matters more
        logger.warning("could not record the run: %s", error)


def recorded_run(
    command: str,
    settings_factory: Callable[[], Settings],
    work: Callable[[Settings], R],
    *,
    outcome: Callable[[R], tuple[Outcome, str, dict[str, Any] | None]],
) -> R:
    """Run ``work(settings)`` as the recorded run ``command``; return its result.

    In the main thread SIGTERM is raised as :class:`Interrupted` while the work runs.

    ``outcome(result)`` says what to record for a result (a VALID outcome is not recorded: an
    ``ensure`` that found valid models did nothing). Raises NbaMlError (recorded, with its
    outcome) for every failure, a bug included.
    """
    import threading

    started = _utcnow()
    settings: Settings | None = None
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm) if main_thread else None
    try:
        try:
            settings = settings_factory()
            result = work(settings)
        except KeyboardInterrupt:
            raise stopped("SIGINT") from None
        except Terminated:
            raise stopped("SIGTERM") from None
        except NbaMlError:
            raise
        except Exception as error:  # noqa: BLE001 - a bug: one line, recorded, traceback at -v
            raise unexpected(error) from None
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, previous)
    except NbaMlError as error:
        if settings is not None:
            record_run(settings, command, started, outcome_of(error), error.exit_code, str(error))
        raise
    kind, message, figures = outcome(result)
    if kind is not Outcome.VALID:
        record_run(settings, command, started, kind, EXIT_OK, message, figures)
    return result
