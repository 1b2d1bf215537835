"""Docs that cannot drift: every command, option and environment variable is in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer
import typer.main

from nba_ml.cli.app import app
from nba_ml.config import ENVIRONMENT_VARIABLES, SETTINGS, environment_table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _commands() -> list[tuple[str, object]]:
    root = typer.main.get_command(app)
    found = [("", root)]

    def walk(prefix: str, group: object) -> None:
        for name, command in getattr(group, "commands", {}).items():
            path = f"{prefix} {name}".strip()
            found.append((path, command))
            walk(path, command)

    walk("", root)
    return found


def test_every_command_and_option_has_help_and_is_in_the_readme() -> None:
    for path, command in _commands():
        if path:
            assert (command.help or "").strip(), f"`{path}` has no help text"  # type: ignore[attr-defined]
            assert f"nba-ml {path}" in README, f"README misses `nba-ml {path}`"
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name == "option" and param.name not in ("help",):
                assert (param.help or "").strip(), f"{path} {param.opts} has no help"
                if param.name in ("install_completion", "show_completion"):
                    continue
                longest = max(param.opts, key=len)
                assert longest in README, f"README misses option {longest} of `{path}`"


def test_every_environment_variable_is_in_the_readme_table() -> None:
    rows = set(re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.MULTILINE))
    assert rows == set(ENVIRONMENT_VARIABLES)
    assert environment_table() in README, (
        "README's environment table differs from nba_ml/config/table.py; paste:\n"
        + environment_table()
    )


def test_every_setting_is_an_option_with_its_variable_in_help() -> None:
    options = {}
    for path, command in _commands():
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name == "option":
                options[max(param.opts, key=len)] = (path, param)
    for spec in SETTINGS:
        if spec.env_only:  # read where no command line exists (a web server's loader)
            assert not spec.flag
            continue
        assert spec.flag in options, f"{spec.env} has no option {spec.flag}"
        _, param = options[spec.flag]
        assert param.envvar == spec.env and param.show_envvar, spec.flag
        assert spec.help in (param.help or ""), spec.flag


def test_every_exit_code_is_documented() -> None:
    from nba_ml import errors

    codes = {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    documented = {int(c) for c in re.findall(r"^\| (\d+) \|", README, flags=re.MULTILINE)}
    assert codes == documented


def test_installed_entry_point_runs() -> None:
    """One subprocess test of the installed console script."""
    exe = Path(sys.executable).with_name("nba-ml")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("nba-ml ")
    result = subprocess.run(
        [*command, "--data-dir", "/nonexistent/\x01", "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1


DOCS = ["README.md", "deploy/README.md", "docs/reliability.md", "docs/quality-log.md"]
_TEST_FILE = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?|(?<![\w/.])::(\w+)")


def _named_tests(text: str) -> list[tuple[str, str | None]]:
    """(file, test or None) for every ``tests/x.py[::test]`` and every bare ``::test``, which
    names a test of the file named last before it."""
    found: list[tuple[str, str | None]] = []
    last = None
    for match in _TEST_FILE.finditer(text):
        file, name, bare = match.groups()
        if file:
            last = file
            found.append((file, name))
        elif last is not None:
            found.append((last, bare))
    return found


def test_every_test_the_docs_name_exists() -> None:
    missing = []
    for doc in DOCS:
        for file, name in _named_tests((ROOT / doc).read_text()):
            path = ROOT / file
            if not path.is_file():
                missing.append(f"{doc}: {file}")
            elif name and not re.search(rf"^\s*(async )?def {name}\(", path.read_text(), re.M):
                missing.append(f"{doc}: {file}::{name}")
    assert not missing, "docs name tests that do not exist: " + "; ".join(missing)


def test_named_tests_are_parsed_with_their_file() -> None:
    text = "`tests/a/test_x.py::test_one`, `::test_two`; see `tests/test_y.py`."
    assert _named_tests(text) == [
        ("tests/a/test_x.py", "test_one"),
        ("tests/a/test_x.py", "test_two"),
        ("tests/test_y.py", None),
    ]


def test_the_readme_python_snippets_name_only_what_they_or_earlier_ones_define() -> None:
    # the slate snippet used Path without importing it
    import ast
    import builtins

    defined = set(dir(builtins))
    for snippet in re.findall(r"```python\n(.*?)```", README, re.S):
        tree = ast.parse(snippet)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.arg):
                defined.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                defined.add(node.name)
        used = {
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        }
        assert used <= defined, (sorted(used - defined), snippet)


def test_the_metrics_table_lists_every_exported_outcome() -> None:
    """deploy/README's metrics table names the outcomes the metrics file exports, all of them
    (``busy`` was once missing there and in the metrics file alike), derived from the enum."""
    from nba_ml.state.metrics import KNOWN_OUTCOMES

    deploy_readme = (ROOT / "deploy" / "README.md").read_text()
    row = next(line for line in deploy_readme.splitlines() if "`nba_ml_last_run_outcome`" in line)
    listed = re.search(r"outcome \(([^)]*)\)", row)
    assert listed is not None, row
    assert sorted(re.findall(r"`(\w+)`", listed.group(1))) == sorted(KNOWN_OUTCOMES)
