"""The exception tree, the exit codes that cron, systemd and operators act on, and run outcomes.

Exit codes:
    0   success (also "models already fresh, skipped")
    1   failure: bad data, invalid models, results that cannot be written, an unexpected error
    2   usage error: a bad flag, argument or environment value
    3   trained, but the new set was worse than the current one and was not promoted
    75  temporary failure: another training holds the lock (recorded as busy), or stats.nba.com
        cannot be reached
    130 interrupted by SIGINT (Ctrl-C)
    143 stopped by SIGTERM (systemctl stop, a start-up timeout, kill)
"""

from __future__ import annotations

import enum

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_PROMOTED = 3
EXIT_TEMPORARY = 75
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class NbaMlError(Exception):
    """Base of every expected nba-ml failure; ``str(error)`` is a one-line message."""

    exit_code: int = EXIT_FAILURE


class UsageError(NbaMlError):
    """A flag, argument, or environment value is invalid."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A setting (flag or ``NBA_ML_*`` / ``NBA_TRAINING_*`` variable) is invalid."""


class DataError(NbaMlError):
    """Input data (a file in ``--from``, a cached or received response) is unusable."""


class UpstreamUnavailable(NbaMlError):
    """stats.nba.com could not be reached or kept failing; try again later."""

    exit_code = EXIT_TEMPORARY


class UpstreamDataError(DataError):
    """stats.nba.com answered, but with data that cannot be used."""


class LockHeld(NbaMlError):
    """Another process holds the training lock."""

    exit_code = EXIT_TEMPORARY


class ModelInvalid(NbaMlError):
    """A model file is missing, does not match the manifest, or cannot be loaded."""


class StorageError(NbaMlError):
    """The data directory cannot be read or written (permissions, full disk, ...)."""


class NotPromoted(NbaMlError):
    """A new model set was trained but kept out because it scored worse than the current one."""

    exit_code = EXIT_NOT_PROMOTED


class Interrupted(NbaMlError):
    """A signal stopped the command (Ctrl-C, or SIGTERM from systemd, cron's timeout, kill)."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str, exit_code: int = EXIT_INTERRUPTED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Outcome(str, enum.Enum):
    """How a recorded run ended: the ``outcome`` of a ``runs.jsonl`` line (``.value``)."""

    TRAINED = "trained"  # a new set was installed
    SKIPPED = "skipped"  # models fresh, or not the scheduled hour
    VALID = "valid"  # ensure: the models were valid (not recorded)
    NOT_PROMOTED = "not_promoted"  # trained, but the current set was kept (exit 3)
    BUSY = "busy"  # another training held the lock (exit 75)
    STOPPED = "stopped"  # SIGINT or SIGTERM
    FAILED = "failed"  # anything else


def outcome_of(error: NbaMlError) -> Outcome:
    """Return the recorded outcome of a run that ended with ``error``."""
    if isinstance(error, NotPromoted):
        return Outcome.NOT_PROMOTED
    if isinstance(error, LockHeld):
        return Outcome.BUSY
    if isinstance(error, Interrupted):
        return Outcome.STOPPED
    return Outcome.FAILED


class OutputUnwritable(NbaMlError):
    """The results could not be written to stdout (closed, a full disk, a broken pipe)."""


class ModelsNotReady(NbaMlError):
    """No valid model set has been loaded yet (a server answers 503 and retries by itself)."""

    exit_code = EXIT_TEMPORARY


class ServingBusy(NbaMlError):
    """A live server is already computing the rows of another date nobody prepared; this request
    would queue behind it (a server answers 503: retry in a few seconds)."""

    exit_code = EXIT_TEMPORARY
