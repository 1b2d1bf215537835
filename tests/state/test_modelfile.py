"""The model file format: skops, loading only the allowed types; nothing in a file ever runs."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io

from nba_ml.modeling import model_factories, models
from nba_ml.modeling.features import GAME_FEATURES
from nba_ml.modeling.player_table import PLAYER_FEATURES
from nba_ml.state.modelfile import TRUSTED_TYPES, dumps_model, loads_model, untrusted_types


class Marker:
    """Unpickling this (or building it by calling what ``__reduce__`` names) creates a file."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.path}",))


@pytest.fixture(scope="module")
def real_models() -> dict[str, object]:
    """nba-ml's own model kinds (pipelines, gradient boosting in the project's estimator),
    fitted small."""
    rng = np.random.default_rng(0)
    games = pd.DataFrame(rng.normal(size=(120, len(GAME_FEATURES))), columns=list(GAME_FEATURES))
    game = model_factories.make_game_model().fit(games, (rng.normal(size=120) > 0).astype(int))
    rows = pd.DataFrame(rng.normal(size=(600, len(PLAYER_FEATURES))), columns=list(PLAYER_FEATURES))
    # the deployed shape: two regimes (a list known on a third of the rows)
    player = model_factories.player_estimator(models.player_specs()[0])
    player.set_params(base__estimator__max_iter=5, base__linear_rows=200, correction__max_iter=5)
    player.fit(rows, rng.normal(size=600) + 10)
    assert player.correction_ is not None
    return {"game": (game, games), "player": (player, rows)}


def test_the_projects_models_round_trip_with_identical_predictions(real_models) -> None:
    for model, features in real_models.values():
        data = dumps_model(model)
        assert untrusted_types(data) == []
        loaded, problem = loads_model(data)
        assert problem is None
        assert type(loaded) is type(model)
        np.testing.assert_array_equal(loaded.predict(features), model.predict(features))


def test_the_allowed_types_are_exact_names_never_everything() -> None:
    assert TRUSTED_TYPES and all(isinstance(name, str) for name in TRUSTED_TYPES)
    assert all("." in name and "*" not in name for name in TRUSTED_TYPES)
    package = Path(__file__).resolve().parents[2] / "nba_ml"
    for path in package.rglob("*.py"):
        assert "trusted=True" not in path.read_text(), f"{path} trusts every type"


def test_a_pickle_with_a_reduce_payload_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    decoy = tmp_path / "decoy"
    pickle.loads(pickle.dumps(Marker(decoy)))
    assert decoy.exists(), "the payload does not run when unpickled; the test would prove nothing"
    model, problem = loads_model(pickle.dumps(Marker(marker)))
    assert model is None
    assert problem == "not loadable: not a skops file (a model saved by an older nba-ml?)"
    assert not marker.exists()


@pytest.mark.parametrize("payload", ["object", "function"])
def test_a_skops_file_naming_any_other_type_is_refused_before_anything_is_built(
    tmp_path: Path, payload: str
) -> None:
    marker = tmp_path / "marker"
    hostile = Marker(marker) if payload == "object" else [os.system, f"touch {marker}"]
    data = skops.io.dumps(hostile)
    with pytest.raises(TypeError, match="does not load"):
        dumps_model(hostile)  # never written by nba-ml either
    model, problem = loads_model(data)
    assert model is None
    assert problem is not None and problem.startswith(
        "not loadable: names types nba-ml does not load: Untrusted types found in the file: ["
    )
    assert ("Marker" if payload == "object" else "system") in problem
    assert not marker.exists()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "not loadable: not a skops file (a model saved by an older nba-ml?)"),
        (
            b"PK\x03\x04 then garbage",
            "not loadable: not a skops file (a model saved by an older nba-ml?)",
        ),
        (skops.io.dumps({"not": "a model"}), "not a model (loaded a dict)"),
        (skops.io.dumps([1, 2])[:-30], "not loadable: not a skops file"),  # truncated
        (_zip({"schema.json": b"{not json"}), "not loadable: JSONDecodeError: "),
        (_zip({"other": b""}), "not loadable: KeyError: "),
    ],
)
def test_anything_else_is_a_one_line_problem_never_a_crash(data: bytes, expected: str) -> None:
    model, problem = loads_model(data)
    assert model is None
    assert problem is not None and problem.startswith(expected), problem
