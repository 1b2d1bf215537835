"""The fast path (check/ensure/status parsed by hand) answers exactly as the Typer app does."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nba_ml.cli import fast
from nba_ml.state.lock import TrainingLock
from tests.conftest import copy_data_dir

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - ", flags=re.MULTILINE)


def _typer(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from nba_ml.cli import app

    old = sys.argv
    sys.argv = ["nba-ml", *argv]
    try:
        with pytest.raises(SystemExit) as stop:
            app.main()
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def _fast(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = fast.run(argv)
    assert code is not None, f"the fast path declined {argv}"
    out, err = capsys.readouterr()
    return code, out, err


def _normal(text: str) -> str:
    text = STAMP.sub("", text)
    text = re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text)
    return re.sub(r'"age_hours": [0-9.]+', '"age_hours": 0', text)


FORMS = [
    ["check"],
    ["check", "--json"],
    ["check", "--full"],
    ["check", "--json", "--full"],
    ["status"],
    ["status", "--json"],
    ["status", "--strict"],
    ["-q", "check"],
    ["-v", "status", "--json"],
    ["ensure"],
]


@pytest.mark.parametrize("form", FORMS, ids=" ".join)
def test_same_output_and_exit_code_on_valid_models(
    form: list[str], trained_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    for argv in (["--data-dir", str(copy), *form], [f"--data-dir={copy}", *form]):
        fast_result = _fast(argv, capsys)
        typer_result = _typer(argv, capsys)
        assert fast_result[0] == typer_result[0]
        assert _normal(fast_result[1]) == _normal(typer_result[1])
        assert _normal(fast_result[2]) == _normal(typer_result[2])


@pytest.mark.parametrize(
    "form", [["check"], ["check", "--json"], ["status", "--strict"], ["ensure"]], ids=" ".join
)
def test_same_output_and_exit_code_on_failures(
    form: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NBA_ML_DATA_DIR", raising=False)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with TrainingLock(data_dir / "train.lock"):  # ensure: busy (75), never a training
        results = [
            runner(["--data-dir", str(data_dir), *form], capsys) for runner in (_fast, _typer)
        ]
    assert results[0][0] == results[1][0] != 0
    assert _normal(results[0][1]) == _normal(results[1][1])
    assert _normal(results[0][2]) == _normal(results[1][2])
    # a missing directory (with a newline in its name; ensure would train there) and an empty
    # --data-dir (a usage error)
    for bad in ([str(tmp_path / "missing\nline")] if form != ["ensure"] else []) + [""]:
        results = [runner(["--data-dir", bad, *form], capsys) for runner in (_fast, _typer)]
        assert results[0][0] == results[1][0]
        assert _normal(results[0][1]) == _normal(results[1][1])
        assert _normal(results[0][2]) == _normal(results[1][2])
    file = tmp_path / "file"
    file.write_text("")
    results = [runner(["--data-dir", str(file), *form], capsys) for runner in (_fast, _typer)]
    assert results[0][0] == results[1][0] == 2
    assert _normal(results[0][2]) == _normal(results[1][2])


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["check", "--help"],
        ["--version"],
        ["check", "--bogus"],
        ["chek"],
        ["--timeout", "3", "check"],
        ["-vq", "check"],
        ["check", "--json", "--json"],
        ["--data-dir"],
        ["--data-dir", "--json", "check"],
        ["ensure", "--wait", "3"],
        ["train"],
        ["status", "extra"],
        ["--data-dir", "a", "--data-dir", "b", "check"],
    ],
)
def test_anything_unusual_goes_to_typer(argv: list[str]) -> None:
    assert fast.parse(argv) is None


def test_the_fast_path_imports_neither_typer_nor_rich_nor_metadata(
    trained_dir: Path, tmp_path: Path
) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    probe = (
        "import sys; from nba_ml.cli import main; sys.argv = ['nba-ml', '--data-dir', "
        f"{str(copy)!r}, sys.argv[1]]\ntry:\n    main.main()\nexcept SystemExit as e:\n"
        "    code = e.code\nbad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('typer', 'click', 'rich', 'pandas', 'numpy', 'sklearn') or m == "
        "'importlib.metadata')\nprint(code, bad, file=sys.stderr)"
    )
    for command in ("check", "ensure", "status"):
        result = subprocess.run(
            [sys.executable, "-c", probe, command],
            capture_output=True,
            text=True,
            timeout=60,
            env={"NO_COLOR": "1", "PATH": "/usr/bin"},
        )
        assert result.stderr.strip().endswith("0 []"), (command, result.stderr)


# What `check` and `ensure` with valid models must not import: each costs their start-up
# (benchmarks/startup.py times it, issue #19) and they do not use it. typing: annotations are
# never evaluated; zipfile: only loading a model (check --full) reads skops's zips; modeling/:
# only a training; dataclasses (and the inspect it imports): the classes on this path are
# nba_ml.records, whose class creation is cheap.
NOT_ON_THE_FAST_PATH = (
    "typing",
    "zipfile",
    "dataclasses",
    "inspect",
    "nba_ml.modeling",
    "nba_ml.state.modelfile",
)


def test_check_and_ensure_with_valid_models_import_only_what_they_use(
    trained_dir: Path, tmp_path: Path
) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    probe = (
        "import sys; from nba_ml.cli import main; sys.argv = ['nba-ml', '--data-dir', "
        f"{str(copy)!r}, sys.argv[1]]\ntry:\n    main.main()\nexcept SystemExit as e:\n"
        "    code = e.code\nbad = sorted(m for m in sys.modules if m.startswith("
        f"{NOT_ON_THE_FAST_PATH!r}))\nprint(code, bad, file=sys.stderr)"
    )
    for command in ("check", "ensure"):
        result = subprocess.run(
            [sys.executable, "-c", probe, command],
            capture_output=True,
            text=True,
            timeout=60,
            env={"NO_COLOR": "1", "PATH": "/usr/bin"},
        )
        assert result.stderr.strip().endswith("0 []"), (command, result.stderr)
