"""Prove the dependency floors: install the lowest version pyproject.toml allows of every
dependency into a fresh venv and run the given tests there (default: the collector, CLI,
Python API and serving tests).

Usage (needs a package index; takes a few minutes)::

    python tests/check_floor.py [--venv DIR] [--keep] [TEST_FILE ...]

Every ``name>=X`` in ``[project].dependencies`` (and the ``test`` and ``web`` extras) is
installed as ``name==X``; pip resolves the rest (transitive dependencies) to what it would pick
for a user.
The project itself is installed without dependencies, ``pip check`` must pass, then pytest
runs. The exit code is pytest's (or pip's when an install fails).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the collector, the CLI and the Python API (where the typer floor was once false), each reach
# into a library's private API (compat), the model set and its manifest, and the serving side:
# the predictor, its typed predictions, inputs and answers, and the web app's routes (Flask)
DEFAULT_TESTS = [
    "tests/data/test_collect.py",
    "tests/data/test_collect_faults.py",
    "tests/data/test_upstream.py",
    "tests/data/test_seasons.py",
    "tests/cli/test_options.py",
    "tests/cli/test_app.py",
    "tests/cli/test_predict.py",
    "tests/cli/test_compat.py",
    "tests/test_compat.py",
    "tests/test_modelset.py",
    "tests/test_manifest.py",
    "tests/test_api.py",
    "tests/serving/test_predictor.py",
    "tests/serving/test_player_side.py",
    "tests/serving/test_predictions.py",
    "tests/serving/test_inputs.py",
    "tests/serving/test_api.py",
    "tests/web/test_routes.py",
]
_REQUIREMENT = re.compile(r'^\s*"([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,"\s]*)')


def floor_pins(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """Return ``name==floor`` for every dependency and test extra with a ``>=`` floor."""
    pins = []
    section = None
    for line in pyproject.read_text().splitlines():
        if line.startswith("["):
            section = line.strip()
        elif re.match(r"^\s*(dependencies|test|web)\s*=", line):
            section = f"{section}:{line.split('=')[0].strip()}"
        if section in (
            "[project]:dependencies",
            "[project.optional-dependencies]:test",
            "[project.optional-dependencies]:web",
        ):
            for match in re.finditer(r'"([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,"\s]*)', line):
                if match[1] == "ruff":  # a linter: not needed to run the tests
                    continue
                pins.append(f"{match[1]}=={match[2]}")
        if "]" in line and section and ":" in section:
            section = section.split(":")[0]
    return pins


def run(command: list[str], **kwargs: object) -> int:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=False, **kwargs).returncode  # type: ignore[call-overload]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="venv directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the venv afterwards")
    parser.add_argument("tests", nargs="*", default=DEFAULT_TESTS)
    options = parser.parse_args()
    venv = options.venv or Path(tempfile.mkdtemp(prefix="nba-ml-floor-"))
    pins = floor_pins()
    print("floors:", " ".join(pins), flush=True)
    started = time.monotonic()
    try:
        if run([sys.executable, "-m", "venv", "--clear", str(venv)]):
            return 1
        python = str(venv / "bin" / "python")
        code = (
            run([python, "-m", "pip", "install", "-q", *pins])
            or run([python, "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)])
            or run([python, "-m", "pip", "check"])
        )
        if code:
            return code
        run([python, "-m", "pip", "list", "--format=freeze"])
        code = run([python, "-m", "pytest", "-x", "-q", *options.tests], cwd=ROOT)
        print(
            f"floor check: pytest exit {code} after {time.monotonic() - started:.0f} s", flush=True
        )
        return code
    finally:
        if not options.keep and options.venv is None:
            shutil.rmtree(venv, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
