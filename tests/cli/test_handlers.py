"""cli.handlers: outcomes and errors become exit codes and one-line messages; output that cannot
be written is one of them; colour only on a terminal without NO_COLOR.

The handlers run in-process on data directories built here (small models, no training), so these
tests need no ../shared; the Typer and fast paths around them are tests/cli/test_app.py and
tests/cli/test_fast.py.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from nba_ml import MODEL_NAMES
from nba_ml.cli import handlers
from nba_ml.cli.handlers import Invocation
from nba_ml.cli.render import status_lines
from nba_ml.commands.status import status as status_report
from nba_ml.config import FROM_ENVIRONMENT, FROM_FLAG, resolve_settings
from nba_ml.errors import (
    EXIT_FAILURE,
    EXIT_NOT_PROMOTED,
    EXIT_OK,
    EXIT_TEMPORARY,
    EXIT_TERMINATED,
    EXIT_USAGE,
    ConfigError,
    DataError,
    Interrupted,
    LockHeld,
    NbaMlError,
    NotPromoted,
    OutputUnwritable,
    UpstreamUnavailable,
)
from nba_ml.state.lock import TrainingLock
from tests.modelsets import make_models, write_set

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - (DEBUG|INFO|WARNING|ERROR) - (.*)$")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure_logging rewires the "nba_ml" logger: put it back after each test."""
    logger = logging.getLogger("nba_ml")
    saved = logger.handlers[:], logger.level, logger.propagate
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NBA_ML_DATA_DIR", "NBA_ML_TIMEOUT", "NBA_ML_WAIT", "STATE_DIRECTORY", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def models() -> dict[str, object]:
    return make_models(5)


@pytest.fixture
def valid_dir(tmp_path: Path, models: dict[str, object]) -> Path:
    path = tmp_path / "data"
    write_set(path, models)
    return path


class Terminal(io.StringIO):
    """A stdout that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Full(io.StringIO):
    """A stdout on a full disk: every write or flush fails with ENOSPC."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


def logged(stderr: str) -> list[tuple[str, str]]:
    """Return (level, message) of every log line in ``stderr``; fail on any other line."""
    pairs = []
    for line in stderr.splitlines():
        match = LINE.match(line)
        assert match, f"not a log line: {line!r}"
        pairs.append((match.group(1), match.group(2)))
    return pairs


def errors(stderr: str) -> list[str]:
    return [message for level, message in logged(stderr) if level == "ERROR"]


# -------------------------------------------------------------------------------- Invocation


def test_settings_come_from_the_flags_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_TIMEOUT", "7")
    monkeypatch.setenv("NBA_ML_WAIT", "9")
    invocation = Invocation(str(tmp_path), flags={"max_requests": "5"})
    settings = invocation.settings(wait="2", proxy=None)
    assert settings.data_dir == tmp_path and settings.sources["data_dir"] == FROM_FLAG
    assert (settings.max_requests, settings.sources["max_requests"]) == (5, FROM_FLAG)
    assert (settings.wait, settings.sources["wait"]) == (2.0, FROM_FLAG)
    assert (settings.timeout, settings.sources["timeout"]) == (7.0, FROM_ENVIRONMENT)


def test_a_bad_flag_is_a_config_error_naming_the_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("--timeout='soon' is not a number")):
        Invocation(str(tmp_path), flags={"timeout": "soon"}).settings()
    with pytest.raises(ConfigError, match=re.escape("--wait='-1' is out of range")):
        Invocation(str(tmp_path)).settings(wait="-1")


# ---------------------------------------------------------------------------------- logging


@pytest.mark.parametrize(
    ("verbose", "quiet", "level"),
    [(False, False, logging.INFO), (True, False, logging.DEBUG), (False, True, logging.WARNING)],
)
def test_logging_goes_to_stderr_at_the_chosen_level(
    verbose: bool, quiet: bool, level: int, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers.configure_logging(False, False)
    handlers.configure_logging(verbose, quiet)  # twice: still one handler
    logger = logging.getLogger("nba_ml")
    assert logger.level == level and len(logger.handlers) == 1 and logger.propagate is False
    logging.getLogger("nba_ml.some.module").info("hello %s", "there")
    out, err = capsys.readouterr()
    assert out == ""
    assert logged(err) == ([("INFO", "hello there")] if level <= logging.INFO else [])


def test_a_message_is_one_line_whatever_it_quotes(capsys: pytest.CaptureFixture[str]) -> None:
    handlers.configure_logging(True, False)
    logger = logging.getLogger("nba_ml")
    logger.warning("lock held on %s", "box\n2026-01-01 00:00:00 - ERROR - fake\x1b[2J")
    logger.debug("traceback:\n  line 1")
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert LINE.match(lines[0]) and lines[0].endswith(
        " - WARNING - lock held on box\\n2026-01-01 00:00:00 - ERROR - fake\\x1b[2J"
    )
    assert "\x1b" not in lines[0]
    assert lines[1].endswith(" - DEBUG - traceback:") and lines[2] == "  line 1"  # DEBUG as is


# ----------------------------------------------------------------------------------- output


def test_write_out_writes_the_text_and_its_end(capsys: pytest.CaptureFixture[str]) -> None:
    handlers.write_out("one")
    handlers.write_out("two", end="")
    assert capsys.readouterr().out == "one\ntwo"


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (None, "cannot write the results: standard output is closed"),
        (Full(), "cannot write the results to standard output: no space left on device"),
        ("closed", "cannot write the results: standard output is closed"),
    ],
)
def test_unwritable_stdout_is_output_unwritable(
    stream: object, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if stream == "closed":
        stream = io.StringIO()
        stream.close()  # type: ignore[union-attr]
    monkeypatch.setattr("sys.stdout", stream)
    with pytest.raises(OutputUnwritable) as caught:
        handlers.write_out("x")
    assert str(caught.value) == message and caught.value.exit_code == EXIT_FAILURE


def test_write_err_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    for stream in (None, Full()):
        monkeypatch.setattr("sys.stderr", stream)
        handlers.write_err("nowhere to go")


def test_print_json_keeps_the_order_and_writes_paths_as_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handlers.print_json({"z": 1, "a": Path("/d/models"), "m": [1.5]})
    out = capsys.readouterr().out
    assert out == '{\n  "z": 1,\n  "a": "/d/models",\n  "m": [\n    1.5\n  ]\n}\n'


@pytest.mark.parametrize(
    ("stream", "no_color", "expected"),
    [
        (Terminal(), None, True),
        (Terminal(), "1", False),
        (Terminal(), "", True),
        (io.StringIO(), None, False),
        (None, None, False),
    ],
)
def test_colour_only_on_a_terminal_without_no_color(
    stream: object, no_color: str | None, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout", stream)
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert handlers.use_color() is expected


# ------------------------------------------------------------------- errors -> exit codes


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (NbaMlError("plain failure"), EXIT_FAILURE),
        (DataError("bad file"), EXIT_FAILURE),
        (ConfigError("bad flag"), EXIT_USAGE),
        (NotPromoted("kept the old set"), EXIT_NOT_PROMOTED),
        (LockHeld("another training is running"), EXIT_TEMPORARY),
        (UpstreamUnavailable("stats.nba.com down"), EXIT_TEMPORARY),
        (Interrupted("stopped by SIGTERM", EXIT_TERMINATED), EXIT_TERMINATED),
    ],
)
def test_an_expected_error_is_its_exit_code_and_one_error_line(
    error: NbaMlError, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers.configure_logging(False, False)

    def handler(*args: object, **kwargs: object) -> int:
        assert (args, kwargs) == (("a",), {"b": 1})
        raise error

    assert handlers.run(handler, "a", b=1) == code
    out, err = capsys.readouterr()
    assert out == "" and logged(err) == [("ERROR", str(error))]


def test_run_returns_the_handler_s_own_code() -> None:
    assert handlers.run(lambda: EXIT_NOT_PROMOTED) == EXIT_NOT_PROMOTED


def test_guarded_turns_none_into_0_and_passes_codes_and_errors_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handlers.configure_logging(False, False)
    assert handlers.guarded(lambda: None) == EXIT_OK
    assert handlers.guarded(lambda: 3) == 3

    def busy() -> int:
        raise LockHeld("another training is running")

    assert handlers.guarded(busy) == EXIT_TEMPORARY
    assert errors(capsys.readouterr().err) == ["another training is running"]


@pytest.mark.parametrize("verbose", [False, True])
def test_an_unexpected_exception_is_one_line_and_exit_1(
    verbose: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers.configure_logging(verbose, False)

    def bug() -> int:
        raise RuntimeError("nobody planned\nfor this")

    assert handlers.guarded(bug) == EXIT_FAILURE
    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if " - ERROR - " in line]
    assert len(error_lines) == 1
    assert error_lines[0].endswith(
        " - ERROR - unexpected error: RuntimeError: nobody planned (a bug: please report it with "
        "the output of the same command run with --verbose)"
    )
    assert ("Traceback (most recent call last)" in err) is verbose


def test_a_full_disk_at_the_final_flush_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers.configure_logging(False, False)
    monkeypatch.setattr("sys.stdout", Full())
    assert handlers.guarded(lambda: EXIT_OK) == EXIT_FAILURE
    assert errors(capsys.readouterr().err) == [
        "cannot write the results to standard output: no space left on device"
    ]


def test_checked_stdout_reports_a_write_click_swallowed_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Click probes stdout with a write and ignores its error; the help text then went to the
    # full disk unreported (exit 0), or ended as "unexpected error: OSError ... a bug".
    handlers.configure_logging(False, False)
    monkeypatch.setattr(handlers, "_silence_stdout", lambda: None)  # keep pytest's own fd 1
    checked = handlers.CheckedStdout(Full())
    monkeypatch.setattr("sys.stdout", checked)

    def swallowed_then_written() -> int:
        with contextlib.suppress(Exception):  # as click._compat._is_binary_writer does
            checked.write("")
        handlers.write_out("help text")
        return EXIT_OK

    assert handlers.guarded(swallowed_then_written) == EXIT_FAILURE
    assert errors(capsys.readouterr().err) == [
        "cannot write the results to standard output: no space left on device"
    ]
    assert not handlers.CheckedStdout(None).isatty()
    with pytest.raises(OutputUnwritable, match="standard output is closed"):
        handlers.CheckedStdout(None).write("x")


# ----------------------------------------------------------------------------------- check


def test_check_on_a_valid_set_says_so_on_stdout(
    valid_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invocation = Invocation(str(valid_dir))
    assert handlers.check(invocation) == EXIT_OK
    assert capsys.readouterr() == ("ok: 6 models valid (verified by sha256, not loaded)\n", "")
    assert handlers.check(invocation, full=True) == EXIT_OK
    assert capsys.readouterr().out == "ok: 6 models valid (loaded)\n"


def test_check_json_is_the_verdict(
    valid_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert handlers.check(Invocation(str(valid_dir)), as_json=True, full=True) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == ["ok", "loaded", "problems", "seconds"]
    assert (payload["ok"], payload["loaded"], payload["problems"]) == (True, True, [])
    assert payload["seconds"] == round(payload["seconds"], 4) >= 0
    assert handlers.check(Invocation(str(tmp_path / "none")), as_json=True) == EXIT_FAILURE
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["loaded"] is False
    assert [p["model"] for p in payload["problems"]] == ["model set", *MODEL_NAMES]


def test_check_names_each_invalid_model_on_stderr_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "odd\nname\x1b[31m"
    assert handlers.check(Invocation(str(data_dir))) == EXIT_FAILURE
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert [line.split(": ")[1] for line in lines] == ["model set", *MODEL_NAMES]
    assert all(line.startswith("invalid: ") for line in lines)
    assert "\x1b" not in err and "odd\\nname\\x1b[31m" in lines[0]


# ---------------------------------------------------------------------------------- status


def test_status_piped_is_the_text_view_and_strict_fails_when_unhealthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    invocation = Invocation(str(data_dir))
    assert handlers.status(invocation) == EXIT_OK
    out = capsys.readouterr().out
    report = status_report(resolve_settings(data_dir, environ={}))
    assert report.healthy is False
    assert (
        out.splitlines()[:2]
        == status_lines(report)[:2]
        == [f"nba-ml status — {data_dir}", "health: NEEDS ATTENTION"]
    )
    assert "\x1b[" not in out
    assert handlers.status(invocation, strict=True) == EXIT_FAILURE


def test_status_json_is_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert handlers.status(Invocation(str(tmp_path / "data")), as_json=True) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    assert payload["healthy"] is False and payload["models"]["valid"] is False
    assert payload["lock"]["held"] is False


@pytest.mark.parametrize("no_color", [True, False])
def test_status_on_a_terminal_is_rich_unless_no_color(
    no_color: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    monkeypatch.setenv("TERM", "xterm-256color")
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    assert handlers.status(Invocation(str(tmp_path / "data"))) == EXIT_OK
    text = terminal.getvalue()
    assert ("\x1b[" in text) is not no_color
    assert text.count("next run:") == 1 and "rebounds" in text


def test_status_on_a_full_terminal_is_output_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FullTerminal(Full):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", FullTerminal())
    with pytest.raises(OutputUnwritable, match="no space left on device"):
        handlers.status(Invocation(str(tmp_path / "data")))


# ----------------------------------------------------------------------------- train/ensure


def test_ensure_on_a_valid_set_prints_its_outcome_and_logs_it(
    valid_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers.configure_logging(False, False)
    assert handlers.train(Invocation(str(valid_dir)), "ensure") == EXIT_OK
    out, err = capsys.readouterr()
    assert out == "valid: models are valid\n"
    assert logged(err) == [("INFO", "models are valid")]
    assert not (valid_dir / "runs.jsonl").exists()  # a valid ensure did nothing to record


def test_train_while_the_lock_is_held_is_exit_75_and_recorded_as_busy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers.configure_logging(False, False)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with TrainingLock(data_dir / "train.lock"):
        code = handlers.run(handlers.train, Invocation(str(data_dir)), "train", force=True)
    assert code == EXIT_TEMPORARY
    out, err = capsys.readouterr()
    assert out == ""
    [message] = errors(err)
    assert message.startswith("another training is running")
    last = json.loads((data_dir / "runs.jsonl").read_text().splitlines()[-1])
    assert (last["command"], last["outcome"], last["exit_code"]) == ("train", "busy", 75)


def test_a_bad_wait_is_exit_2_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handlers.configure_logging(False, False)
    code = handlers.run(handlers.train, Invocation(str(tmp_path / "data")), "ensure", wait="-3")
    assert code == EXIT_USAGE
    assert errors(capsys.readouterr().err) == ["--wait='-3' is out of range (0 to 86400)"]


@pytest.mark.parametrize(
    ("tty", "quiet", "rich"), [(False, False, False), (True, True, False), (True, False, True)]
)
def test_progress_is_shown_with_rich_only_on_a_terminal_and_not_quiet(
    tty: bool, quiet: bool, rich: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", Terminal() if tty else io.StringIO())
    handlers.configure_logging(False, quiet)  # as every command does first (on this stderr)
    display = handlers.progress_display(Invocation(quiet=quiet))
    assert isinstance(display, contextlib.nullcontext) is not rich
    with display:
        pass


@pytest.mark.parametrize("terminal", [True, False])
def test_the_train_summary_is_shown_once_on_a_terminal(
    terminal: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # on a terminal the summary came twice: as an INFO line on stderr and on stdout
    from nba_ml.commands import train as training
    from nba_ml.commands.train import TrainResult
    from nba_ml.errors import Outcome

    summary = "4 models on 2017-18 in 3 s; holdout games from 2018-04-01 (55 games): ..."
    monkeypatch.setattr(
        training, "run_train", lambda *_, **__: TrainResult(Outcome.TRAINED, summary)
    )
    stdout = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stdout", stdout)
    with caplog.at_level(logging.INFO):
        assert handlers.train(Invocation(str(tmp_path / "data"), quiet=True), "train") == EXIT_OK
    assert stdout.getvalue() == f"trained: {summary}\n"  # not "trained: trained 4 models"
    assert (summary in caplog.text) is not terminal  # piped: in the log too, for the journal
