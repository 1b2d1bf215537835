"""No model file or game-data file is unpickled anywhere in the package: a grep of nba_ml/.

Models are skops files (nba_ml.state.modelfile) and the game data numpy arrays read with
``allow_pickle=False`` (nba_ml.state.gametables); a planted pickle never runs
(tests/state/test_modelfile.py, tests/state/test_trust.py). The only unpickling left is the
serving helper's pipe protocol with its own parent or child process, never a file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nba_ml"
UNPICKLING = re.compile(
    r"\b(?:pickle|cPickle|_pickle|joblib|dill|cloudpickle)\.(?:load|loads|Unpickler)\b"
    r"|\bread_pickle\b|allow_pickle\s*=\s*True|\bshelve\b|\bmarshal\.loads?\b"
    r"|from\s+(?:pickle|joblib|dill|cloudpickle)\s+import\b[^\n]*\b(?:load|loads|Unpickler)\b"
)
# file -> the lines that may unpickle, and why
ALLOWED: dict[str, tuple[str, ...]] = {
    # The serving helper's protocol over the pipes between a server and the helper process it
    # started (same code, same user): the request on stdin and the answers on stdout.
    "nba_ml/serving/helper.py": (
        "request = pickle.load(sys.stdin.buffer)",
        "return pickle.loads(_read_exact(stream, size))",
    ),
}


def _hits(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if UNPICKLING.search(line)]


def test_the_pattern_finds_every_way_of_unpickling() -> None:
    for line in (
        "model = joblib.load(path)",
        "pickle.loads(data)",
        "pd.read_pickle(path)",
        "np.load(path, allow_pickle=True)",
        "from pickle import loads as x",
        "pickle.Unpickler(handle).load()",
        "frame = pandas.read_pickle(p)",
    ):
        assert _hits(line), line
    for line in ("pickle.dumps(message)", "json.loads(text)", "np.load(b, allow_pickle=False)"):
        assert not _hits(line), line


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_module_unpickles_a_file(path: Path) -> None:
    relative = path.relative_to(ROOT).as_posix()
    allowed = ALLOWED.get(relative, ())
    unexpected = [
        line for line in _hits(path.read_text()) if not any(line.startswith(ok) for ok in allowed)
    ]
    assert not unexpected, f"{relative} unpickles: {unexpected}"
