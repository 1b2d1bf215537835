"""The layers drawn by the packages hold: imports only point down, Typer/Rich only in cli/,
and modules stay small (except the few being split, listed here until they are)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nba_ml"

# package -> the nba_ml packages it must never import
FORBIDDEN: dict[str, set[str]] = {
    "state": {"config", "modeling", "serving", "report", "commands", "cli", "deploy"},
    "data": {"config", "modeling", "serving", "report", "commands", "cli", "deploy"},
    "modeling": {"serving", "report", "commands", "cli"},
    "serving": {"report", "commands", "cli"},
    "report": {"serving", "commands", "cli"},
    "deploy": {"modeling", "serving", "report", "commands", "cli"},
    "commands": {"cli"},
    "cli": set(),
    # the settings table sits just above data/ and state/: it validates a data directory and a
    # proxy URL with their own rules, and nothing below imports it
    "config": {"modeling", "serving", "report", "commands", "cli", "deploy"},
    # the other top-level modules (config, errors, progress, __init__) sit below everything
    "": {"data", "state", "modeling", "serving", "report", "commands", "cli", "deploy"},
}
# config may use the shared file primitives (safe_text, describe_os_error)
ALLOWED_TOP_LEVEL = {"nba_ml.state.files"}
INTERFACE_ONLY = {"typer", "rich", "click"}
MAX_LINES = 400
# Files other helpers are splitting; remove an entry when its file is under the limit.
TOO_LONG_FOR_NOW: set[str] = set()


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    if relative.as_posix() == "__main__.py":  # ``python -m nba_ml`` runs the CLI
        return "cli"
    if relative.as_posix() == "config.py":
        return "config"
    return relative.parts[0] if len(relative.parts) > 1 else ""


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path: Path) -> None:
    layer = _layer(path)
    bad = []
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] in INTERFACE_ONLY and layer != "cli":
            bad.append(name)
        allowed = layer == "" and any(name.startswith(ok) for ok in ALLOWED_TOP_LEVEL)
        if parts[0] == "nba_ml" and len(parts) > 1 and parts[1] in FORBIDDEN[layer] and (
                not allowed):
            bad.append(name)
    assert not bad, f"{path.relative_to(ROOT)} ({layer or 'top level'}) imports {bad}"


def test_the_rule_catches_a_wrong_import(tmp_path: Path) -> None:
    wrong = tmp_path / "x.py"
    wrong.write_text("import typer\nfrom nba_ml.cli.app import app\n")
    assert _imports(wrong) == ["typer", "nba_ml.cli.app", "nba_ml.cli.app.app"]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    relative = path.relative_to(PACKAGE).as_posix()
    lines = len(path.read_text().splitlines())
    if relative in TOO_LONG_FOR_NOW:
        return
    assert lines <= MAX_LINES, f"{relative} has {lines} lines (at most {MAX_LINES}): split it"


def test_the_allow_list_only_names_files_that_need_it() -> None:
    for relative in TOO_LONG_FOR_NOW:
        path = PACKAGE / relative
        if path.exists():
            assert len(path.read_text().splitlines()) > MAX_LINES, (
                f"{relative} is small now: remove it from TOO_LONG_FOR_NOW")
