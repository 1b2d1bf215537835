"""cli.main, the console script: the fast path when it takes the command line (its code is the
exit code, Typer never imported), else the whole command line goes to the Typer app.

Moved here: the entry tests of tests/cli/test_fast.py and tests/cli/test_app.py.
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from nba_ml.cli import fast
from nba_ml.cli import main as entry


def _main(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the entry point with ``argv``; return the code it exits with."""
    monkeypatch.setattr(sys, "argv", ["nba-ml", *argv])
    with pytest.raises(SystemExit) as stop:
        entry.main()
    code = stop.value.code
    assert code is None or isinstance(code, int)
    return code or 0


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something nobody planned for\nsecond line")


def test_the_console_script_and_python_m_are_this_entry_point() -> None:
    scripts = importlib.metadata.entry_points(group="console_scripts", name="nba-ml")
    if not scripts:
        pytest.skip("nba-ml is not installed (pip install -e .)")
    assert [script.value for script in scripts] == ["nba_ml.cli.main:main"]
    from nba_ml import __main__

    assert __main__.main is entry.main


def test_the_entry_point_uses_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(fast, "run", lambda argv: calls.append(argv) or 0)
    assert _main(["check"], monkeypatch) == 0 and calls == [["check"]]


@pytest.mark.parametrize("code", [1, 2, 75, 130])
def test_the_fast_path_s_code_is_the_exit_code(code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "run", lambda argv: code)
    assert _main(["status"], monkeypatch) == code


def test_a_command_line_the_fast_path_declines_goes_whole_to_typer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nba_ml.cli import app

    seen: list[list[str]] = []
    monkeypatch.setattr(fast, "run", lambda argv: None)
    monkeypatch.setattr(app, "main", lambda: seen.append(sys.argv[1:]))
    monkeypatch.setattr(sys, "argv", ["nba-ml", "--timeout", "3", "check"])
    entry.main()  # returns: the Typer app exits by itself
    assert seen == [["--timeout", "3", "check"]]


def test_the_fast_path_never_imports_the_typer_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import nba_ml.cli

    monkeypatch.delitem(sys.modules, "nba_ml.cli.app", raising=False)
    monkeypatch.delattr(nba_ml.cli, "app", raising=False)
    assert _main(["--data-dir", str(tmp_path / "none"), "check"], monkeypatch) == 1
    assert "nba_ml.cli.app" not in sys.modules
    assert "invalid: game_outcome: missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["--help"], 0, "Usage: nba-ml [OPTIONS] COMMAND [ARGS]..."),
        (["chek"], 2, "No such command 'chek'"),
        (["check", "--bogus"], 2, "No such option: --bogus"),
    ],
)
def test_typer_answers_what_the_fast_path_declines(
    argv: list[str],
    code: int,
    needle: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert fast.parse(argv) is None
    assert _main(argv, monkeypatch) == code
    out, err = capsys.readouterr()
    assert needle in out + err and "Traceback" not in err


def test_both_paths_reach_the_same_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--timeout 3`` sends check to Typer; the verdict on the same directory is the same."""
    data = ["--data-dir", str(tmp_path / "none")]
    fast_code = _main([*data, "check"], monkeypatch)
    fast_err = capsys.readouterr().err
    typer_code = _main(["--timeout", "3", *data, "check"], monkeypatch)
    assert (fast_code, fast_err) == (typer_code, capsys.readouterr().err) == (1, fast_err)


def test_the_entry_point_turns_any_stray_exception_into_one_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nba_ml.commands import status

    monkeypatch.setattr(status, "status", _boom)
    for argv in (["status"], ["--timeout", "3", "status"]):  # the fast path, then Typer
        assert _main(argv, monkeypatch) == 1
        stderr = capsys.readouterr().err
        errors = [line for line in stderr.splitlines() if " - ERROR - " in line]
        assert len(errors) == 1 and "Traceback" not in stderr, stderr
        assert "unexpected error: RuntimeError: something nobody planned for (a bug" in errors[0]


def test_global_options_after_the_command_reach_the_fast_path_before_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `nba-ml check --data-dir X` once said "No such option: --data-dir"
    calls: list[list[str]] = []
    monkeypatch.setattr(fast, "run", lambda argv: calls.append(argv) or 0)
    assert _main(["check", "--json", "--data-dir", "/srv/x", "-q"], monkeypatch) == 0
    assert calls == [["--data-dir", "/srv/x", "-q", "check", "--json"]]
