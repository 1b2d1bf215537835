"""state.layout: the data directory's names and modes, declared once; an installed set, the run
log and the settings' paths all follow it, and no other module joins those names itself."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

from nba_ml.config import resolve_settings
from nba_ml.state import layout
from nba_ml.state.layout import DataLayout, link_text, shown_path
from nba_ml.state.runlog import append_run
from tests.modelsets import write_set

PACKAGE = Path(__file__).resolve().parents[2] / "nba_ml"


def test_the_paths_are_the_names_on_disk(tmp_path: Path) -> None:
    paths = DataLayout(tmp_path)
    assert paths.models == tmp_path / "models"
    assert paths.manifest == tmp_path / "models" / "manifest.json"
    assert paths.generations == tmp_path / "generations"
    assert paths.generation("20261201T090000Z-abcdef") == (
        tmp_path / "generations" / "20261201T090000Z-abcdef"
    )
    assert paths.history == tmp_path / "history"
    assert paths.raw == tmp_path / "raw"
    assert paths.lock == tmp_path / "train.lock"
    assert paths.runs == tmp_path / "runs.jsonl"
    assert paths.metrics == tmp_path / "nba-ml.prom"
    assert DataLayout(str(tmp_path)) == paths  # type: ignore[arg-type]
    assert link_text("g") == "generations/g"
    assert shown_path(layout.MODELS_LINK) == "<data dir>/models"
    assert (layout.GAMELOG_DIR, layout.SCHEDULE_DIR) == ("leaguegamelog", "schedule")


def test_the_modes() -> None:
    assert (layout.DATA_DIR_MODE, layout.PARENT_DIR_MODE) == (0o750, 0o755)
    assert (layout.DIR_MODE, layout.FILE_MODE, layout.PUBLIC_FILE_MODE) == (0o750, 0o640, 0o644)


def test_the_settings_paths_are_the_layouts(tmp_path: Path) -> None:
    settings = resolve_settings(tmp_path, environ={})
    paths = DataLayout(tmp_path)
    assert settings.layout == paths
    assert settings.models_dir == paths.models and settings.raw_dir == paths.raw
    assert settings.lock_path == paths.lock and settings.runs_path == paths.runs
    assert settings.metrics_path == paths.metrics


def test_an_installed_set_and_the_run_log_follow_the_layout(
    tmp_path: Path, models_a: dict[str, object]
) -> None:
    data = tmp_path / "data"
    manifest = write_set(data, models_a)
    paths = DataLayout(data)
    assert os.readlink(paths.models) == link_text(manifest.generation)
    assert paths.manifest.is_file()
    for directory in (data, paths.generations, paths.generation(manifest.generation)):
        assert stat.S_IMODE(directory.stat().st_mode) == layout.DIR_MODE
    assert stat.S_IMODE(paths.manifest.stat().st_mode) == layout.FILE_MODE
    append_run(paths.runs, {"command": "train", "outcome": "trained"})
    assert stat.S_IMODE(paths.runs.stat().st_mode) == layout.FILE_MODE


NAMES = {
    layout.MODELS_LINK,
    layout.GENERATIONS_DIR,
    layout.MANIFEST_NAME,
    layout.HISTORY_DIR,
    layout.RAW_DIR,
    layout.GAMELOG_DIR,
    layout.SCHEDULE_DIR,
    layout.LOCK_NAME,
    layout.RUNS_NAME,
    layout.METRICS_NAME,
    layout.TMP_PREFIX,
    layout.TRASH_PREFIX,
    layout.LINK_TMP_PREFIX,
}
# names that are also words of the manifest or of a command line, never joined to a path
ALSO_WORDS = {layout.MODELS_LINK, layout.HISTORY_DIR, layout.SCHEDULE_DIR, layout.RAW_DIR}
MODES = {layout.DIR_MODE, layout.FILE_MODE, layout.DATA_DIR_MODE}


def _declarations_elsewhere(path: Path) -> list[str]:
    source = path.read_text()
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and side.value in NAMES:
                    found.append(f"line {node.lineno}: / {side.value!r}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in NAMES - ALSO_WORDS:
                found.append(f"line {node.lineno}: {node.value!r}")
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) is int
            and node.value in MODES
            and (ast.get_source_segment(source, node) or "").startswith("0o")
        ):
            found.append(f"line {node.lineno}: mode {oct(node.value)}")
    return found


def test_no_other_module_declares_a_name_or_mode_of_the_data_directory() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "layout.py" and (found := _declarations_elsewhere(path))
    }
    assert not offenders, offenders


def test_the_scan_finds_a_joined_literal(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('x = data_dir / "models"\ny = "runs.jsonl"\nz = 0o640\nw = {"models": 1}\n')
    assert _declarations_elsewhere(module) == [
        "line 1: / 'models'",
        "line 2: 'runs.jsonl'",
        "line 3: mode 0o640",
    ]
