"""Small model sets for tests: the built-in models as small fitted scikit-learn models, installed
as a training would.

The state tests (the store's read side, the install side) and the check and handler tests build
their sets here: ``from tests.modelsets import make_models, write_set``; tests/state/conftest.py
wraps two of them as session fixtures.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

from nba_ml import MODEL_FILES, modelset
from nba_ml.manifest import Manifest
from nba_ml.state.history import write_history_payload
from nba_ml.state.install import write_model_set

# The built-in models as the tests name them: the game-outcome model, and the player models with
# the stat column each predicts (the registry's, nba_ml.modelset).
GAME_MODEL = modelset.MODEL_NAMES[0]
PLAYER_MODELS: dict[str, str] = {
    spec.name: spec.target for spec in modelset.models() if spec.level is modelset.Level.PLAYER
}


def make_models(seed: int) -> dict[str, object]:
    """Return a small fitted scikit-learn model for every built-in model (the game model a
    classifier, the rest regressors); different seeds give different pickles."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(60, 4))
    wins = (features[:, 0] + rng.normal(size=60) > 0).astype(int)
    models: dict[str, object] = {GAME_MODEL: LogisticRegression().fit(features, wins)}
    for name in modelset.MODEL_NAMES[1:]:
        models[name] = Ridge(alpha=1.0).fit(features, rng.normal(size=60))
    return models


def make_old_models(seed: int) -> dict[str, object]:
    """Return the models of a set trained before the models that are not ``required`` existed
    (the home margin and the total, added in 0.2.0): the required ones of :func:`make_models`."""
    required = {spec.name for spec in modelset.required()}
    return {name: model for name, model in make_models(seed).items() if name in required}


def write_set(data_dir: Path, models: dict[str, object], training: dict | None = None) -> Manifest:
    """Install ``models`` as a training would: the saved game data first, named in the manifest."""
    digest = write_history_payload(data_dir, b"game data of " + repr(training).encode())
    return write_model_set(data_dir, models, {**(training or {}), "history_sha256": digest})


def forge_model(data_dir: Path, name: str, payload: bytes) -> Path:
    """Swap ``payload`` in for model ``name`` of the installed set and re-hash it into the
    manifest, as someone able to write both would (only ownership can tell); return the
    manifest's path."""
    (data_dir / "models" / MODEL_FILES[name]).write_bytes(payload)
    path = data_dir / "models" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["models"][name]["sha256"] = hashlib.sha256(payload).hexdigest()
    manifest["models"][name]["bytes"] = len(payload)
    path.write_text(json.dumps(manifest))
    return path
