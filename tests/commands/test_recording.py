"""commands.recording: every run ends on one error or a result, recorded with its outcome."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from nba_ml.commands.recording import recorded_run
from nba_ml.config import Settings, resolve_settings
from nba_ml.errors import Interrupted, LockHeld, NbaMlError, NotPromoted, Outcome


def _records(settings: Settings) -> list[dict[str, Any]]:
    return [json.loads(line) for line in settings.runs_path.read_text().splitlines()]


def _run(settings: Settings, work: Any) -> Any:
    return recorded_run(
        "train",
        lambda: settings,
        work,
        outcome=lambda result: (result, f"did {result.value}", {"n": 1}),
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    tmp_path.joinpath("d").mkdir()
    return resolve_settings(tmp_path / "d", environ={})


def test_results_are_recorded_except_valid(settings: Settings) -> None:
    assert _run(settings, lambda s: Outcome.TRAINED) is Outcome.TRAINED
    assert _run(settings, lambda s: Outcome.VALID) is Outcome.VALID
    [record] = _records(settings)
    assert (record["command"], record["outcome"], record["exit_code"]) == ("train", "trained", 0)
    assert record["message"] == "did trained" and record["figures"] == {"n": 1}


@pytest.mark.parametrize(
    ("error", "outcome", "code"),
    [
        (LockHeld("another training is running"), "busy", 75),
        (NotPromoted("new models not promoted"), "not_promoted", 3),
        (Interrupted("stopped", 143), "stopped", 143),
        (NbaMlError("bad data"), "failed", 1),
    ],
)
def test_errors_are_recorded_with_their_outcome(
    settings: Settings, error: NbaMlError, outcome: str, code: int
) -> None:
    def work(_: Settings) -> Outcome:
        raise error

    with pytest.raises(NbaMlError) as raised:
        _run(settings, work)
    assert raised.value is error
    [record] = _records(settings)
    assert (record["outcome"], record["exit_code"], record["message"]) == (
        outcome,
        code,
        str(error),
    )


def test_ctrl_c_and_bugs_become_one_line_errors(settings: Settings) -> None:
    def interrupted(_: Settings) -> Outcome:
        raise KeyboardInterrupt

    def buggy(_: Settings) -> Outcome:
        raise ZeroDivisionError("division by zero\nmore")

    with pytest.raises(Interrupted) as stopped:
        _run(settings, interrupted)
    assert stopped.value.exit_code == 130 and "SIGINT" in str(stopped.value)
    with pytest.raises(NbaMlError) as bug:
        _run(settings, buggy)
    assert str(bug.value).startswith("unexpected error: ZeroDivisionError: division by zero (a")
    assert [r["outcome"] for r in _records(settings)] == ["stopped", "failed"]


def test_sigterm_stops_the_run_even_inside_an_except_exception(settings: Settings) -> None:
    # SIGTERM was raised as Interrupted, an Exception: the importer's "any failure is bad input"
    # turned it into "player_game_logs_2017-18.csv: cannot be imported (internal error:
    # Interrupted)" (exit 1, recorded as failed), and the promotion gate's fallback into a
    # warning, after which the run went on and installed its set.
    import os
    import signal
    import time

    carried_on = []

    def work(_: Settings) -> Outcome:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler runs here
        except Exception:  # noqa: BLE001 - as a library's own catch-all would
            carried_on.append(True)
        return Outcome.TRAINED

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as stopped:
        _run(settings, work)
    assert stopped.value.exit_code == 143 and "stopped by SIGTERM" in str(stopped.value)
    assert carried_on == [] and signal.getsignal(signal.SIGTERM) is before
    [record] = _records(settings)
    assert (record["outcome"], record["exit_code"]) == ("stopped", 143)


def test_a_run_outside_the_main_thread_works_and_a_missing_dir_is_not_created(
    tmp_path: Path,
) -> None:
    settings = resolve_settings(tmp_path / "none", environ={})
    results: list[Any] = []
    thread = threading.Thread(
        target=lambda: results.append(_run(settings, lambda s: Outcome.SKIPPED))
    )
    thread.start()
    thread.join()
    assert results == [Outcome.SKIPPED]
    assert not settings.data_dir.exists()  # history is never the reason a directory appears
