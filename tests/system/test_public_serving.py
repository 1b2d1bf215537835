"""The serving layer's public face: ``nba_ml.serving`` declares its public names (``__all__``,
imported on first use), and the web app and the examples use only those: no serving
submodule, no private name, no path of the data directory written by hand."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import nba_ml.serving

ROOT = Path(__file__).resolve().parents[2]
CALLERS = sorted([*(ROOT / "nba_ml" / "web").glob("*.py"), *(ROOT / "examples").glob("*.py")])
PUBLIC = set(nba_ml.serving.__all__)


def _serving_uses(path: Path) -> list[str]:
    """Return what ``path`` takes from the serving layer: ``nba_ml.serving.<name>`` for each
    name imported from it or read as an attribute of it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = set()  # local names bound to the nba_ml.serving package
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("nba_ml.serving."):
                    uses.append(alias.name)  # a submodule, imported whole
                elif alias.name == "nba_ml.serving" and alias.asname:
                    aliases.add(alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "nba_ml":
                aliases |= {a.asname or a.name for a in node.names if a.name == "serving"}
            elif node.module == "nba_ml.serving":
                uses += [f"nba_ml.serving.{alias.name}" for alias in node.names]
            elif node.module.startswith("nba_ml.serving."):
                uses += [f"{node.module}.{alias.name}" for alias in node.names]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = node.value
            aliased = isinstance(base, ast.Name) and base.id in aliases
            if aliased or ast.unparse(base) == "nba_ml.serving":
                uses.append(f"nba_ml.serving.{node.attr}")
    return uses


def _undeclared(path: Path) -> list[str]:
    return [
        name
        for name in _serving_uses(path)
        if name.count(".") != 2 or name.rpartition(".")[2] not in PUBLIC
    ]


@pytest.mark.parametrize("path", CALLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_web_app_and_the_examples_use_only_declared_public_serving_names(path: Path) -> None:
    assert not _undeclared(path), f"{path.relative_to(ROOT)} uses {_undeclared(path)}"


def test_the_web_app_does_use_the_serving_layer() -> None:
    routes = ROOT / "nba_ml" / "web" / "routes.py"
    assert {"nba_ml.serving.games_answer", "nba_ml.serving.today_answer"} <= set(
        _serving_uses(routes)
    )


@pytest.mark.parametrize(
    ("source", "wrong"),
    [
        ("from nba_ml.serving.api import games_answer\n", "nba_ml.serving.api.games_answer"),
        ("from nba_ml.serving import api\n", "nba_ml.serving.api"),
        ("import nba_ml.serving.live\n", "nba_ml.serving.live"),
        ("from nba_ml import serving\nserving._LAZY\n", "nba_ml.serving._LAZY"),
        ("import nba_ml.serving\nnba_ml.serving.slate\n", "nba_ml.serving.slate"),
        ("from nba_ml.serving import slate, day_slate\n", "nba_ml.serving.slate"),
    ],
)
def test_the_rule_catches_a_reach_past_the_public_names(
    tmp_path: Path, source: str, wrong: str
) -> None:
    path = tmp_path / "app.py"
    path.write_text(source)
    assert _undeclared(path) == [wrong]


@pytest.mark.parametrize("path", CALLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_caller_writes_the_data_directorys_layout_by_hand(path: Path) -> None:
    # examples/webapp.py once read the cached schedule from `data_dir / "raw"`
    strings = [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not {"raw", "models", "schedule", "manifest.json"} & set(strings)
    assert "nba_ml.commands" not in path.read_text()  # commands/ is no library


def test_every_public_name_is_importable_from_its_module() -> None:
    assert set(nba_ml.serving._LAZY) == PUBLIC
    for name in sorted(PUBLIC):
        value = getattr(nba_ml.serving, name)
        module = importlib.import_module(nba_ml.serving._LAZY[name])
        assert value is getattr(module, name), name
    with pytest.raises(AttributeError, match="no attribute 'predictor_cache'"):
        nba_ml.serving.predictor_cache  # type: ignore[attr-defined]  # noqa: B018


def test_importing_the_serving_package_imports_nothing_else() -> None:
    code = (
        "import sys; before = set(sys.modules); import nba_ml.serving; "
        "print(sorted(m for m in set(sys.modules) - before if m != 'nba_ml.serving'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "['nba_ml']"  # the package itself, as before: no pandas
