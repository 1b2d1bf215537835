"""errors: the exit code each failure maps to (cron, systemd and operators act on them), the run
outcomes recorded in runs.jsonl, and which outcome each failure records."""

from __future__ import annotations

import inspect
import json
import os
import re
import signal

import pytest

from nba_ml import errors
from nba_ml.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_NOT_PROMOTED,
    EXIT_OK,
    EXIT_TEMPORARY,
    EXIT_TERMINATED,
    EXIT_USAGE,
    ConfigError,
    DataError,
    Interrupted,
    LockHeld,
    ModelInvalid,
    ModelsNotReady,
    NbaMlError,
    NotPromoted,
    Outcome,
    OutputUnwritable,
    ServingBusy,
    StorageError,
    UpstreamDataError,
    UpstreamUnavailable,
    UsageError,
    outcome_of,
)

# Every failure: (its exit code, the outcome a run that ends with it records).
FAILURES: dict[type[NbaMlError], tuple[int, Outcome]] = {
    NbaMlError: (EXIT_FAILURE, Outcome.FAILED),
    UsageError: (EXIT_USAGE, Outcome.FAILED),
    ConfigError: (EXIT_USAGE, Outcome.FAILED),
    DataError: (EXIT_FAILURE, Outcome.FAILED),
    UpstreamDataError: (EXIT_FAILURE, Outcome.FAILED),  # bad answers do not improve by retrying
    UpstreamUnavailable: (EXIT_TEMPORARY, Outcome.FAILED),  # temporary, but not "busy"
    LockHeld: (EXIT_TEMPORARY, Outcome.BUSY),
    ModelInvalid: (EXIT_FAILURE, Outcome.FAILED),
    StorageError: (EXIT_FAILURE, Outcome.FAILED),
    NotPromoted: (EXIT_NOT_PROMOTED, Outcome.NOT_PROMOTED),
    Interrupted: (EXIT_INTERRUPTED, Outcome.STOPPED),
    OutputUnwritable: (EXIT_FAILURE, Outcome.FAILED),
    ModelsNotReady: (EXIT_TEMPORARY, Outcome.FAILED),
    ServingBusy: (EXIT_TEMPORARY, Outcome.FAILED),
}


def test_the_table_covers_every_error_the_module_defines() -> None:
    defined = {
        value
        for value in vars(errors).values()
        if inspect.isclass(value) and issubclass(value, NbaMlError)
    }
    assert defined == set(FAILURES)


@pytest.mark.parametrize("error_class", list(FAILURES), ids=lambda cls: cls.__name__)
def test_each_error_has_its_exit_code_and_recorded_outcome(error_class: type[NbaMlError]) -> None:
    code, outcome = FAILURES[error_class]
    error = error_class("one line")
    assert error.exit_code == code
    assert outcome_of(error) is outcome
    assert str(error) == "one line"
    assert isinstance(error, Exception)  # `except Exception` catches it; only signals do not


def test_the_exit_codes_follow_the_conventions_schedulers_know() -> None:
    assert (EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_NOT_PROMOTED) == (0, 1, 2, 3)
    assert EXIT_TEMPORARY == os.EX_TEMPFAIL == 75  # sysexits.h: try again later
    assert EXIT_INTERRUPTED == 128 + signal.SIGINT == 130
    assert EXIT_TERMINATED == 128 + signal.SIGTERM == 143


def test_the_module_documents_every_exit_code() -> None:
    documented = {int(code) for code in re.findall(r"^    (\d+) ", errors.__doc__ or "", re.M)}
    assert documented == {value for name, value in vars(errors).items() if name.startswith("EXIT_")}


def test_usage_errors_are_the_settings_errors() -> None:
    assert issubclass(ConfigError, UsageError)
    assert issubclass(UpstreamDataError, DataError)
    assert not issubclass(UpstreamUnavailable, DataError)


def test_an_interruption_carries_the_code_of_its_signal() -> None:
    terminated = Interrupted("stopped by SIGTERM", EXIT_TERMINATED)
    assert terminated.exit_code == EXIT_TERMINATED
    assert outcome_of(terminated) is Outcome.STOPPED
    assert str(terminated) == "stopped by SIGTERM"
    assert Interrupted("interrupted").exit_code == EXIT_INTERRUPTED
    assert Interrupted.exit_code == EXIT_INTERRUPTED  # the instance's code is its own


def test_a_subclass_of_a_mapped_error_records_the_same_outcome() -> None:
    class StaleLock(LockHeld):
        pass

    assert outcome_of(StaleLock("held")) is Outcome.BUSY
    assert StaleLock("held").exit_code == EXIT_TEMPORARY


def test_outcomes_are_the_strings_runs_jsonl_holds() -> None:
    assert {outcome.value for outcome in Outcome} == {
        "trained",
        "skipped",
        "valid",
        "not_promoted",
        "busy",
        "stopped",
        "failed",
    }
    assert Outcome.TRAINED == "trained" and isinstance(Outcome.BUSY, str)
    assert Outcome("not_promoted") is Outcome.NOT_PROMOTED
    assert json.dumps({"outcome": Outcome.NOT_PROMOTED}) == '{"outcome": "not_promoted"}'
    with pytest.raises(ValueError):
        Outcome("crashed")
