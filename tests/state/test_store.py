"""The model store, read side: the installed set verified by hash, trusted, loaded safely.

Writing, publishing and pruning a set (nba_ml.state.install) are in tests/state/test_install.py."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nba_ml import MODEL_FILES, MODEL_NAMES
from nba_ml.errors import ModelInvalid
from nba_ml.manifest import EMPTY_RECORD, Manifest, ManifestDamaged
from nba_ml.state.modelfile import dumps_model
from nba_ml.state.store import (
    SET,
    ModelProblem,
    load_model_set,
    load_model_set_with_manifest,
    model_age_hours,
    read_manifest,
    verify_model_set,
)
from tests.modelsets import write_set

ROOT = Path(__file__).resolve().parents[2]
SKLEARN = importlib.metadata.version("scikit-learn")


def rewrite_manifest(data_dir: Path, change) -> dict:  # type: ignore[no-untyped-def]
    """Apply ``change`` to the installed manifest (as a forger would) and return it."""
    path = data_dir / "models" / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
    return manifest


def replace_model_file(data_dir: Path, name: str, data: bytes) -> None:
    """Replace one model file and re-hash it into the manifest, so only the content is wrong."""
    path = data_dir / "models" / MODEL_FILES[name]
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()

    def rehash(manifest: dict) -> None:
        manifest["models"][name].update(sha256=digest, bytes=len(data))

    rewrite_manifest(data_dir, rehash)


def problems_of(verification, model: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.problem for p in verification.problems if p.model == model]


# ----------------------------------------------------------------------------- verifying


def test_an_installed_set_verifies_by_hash_and_loads_as_written(data_dir: Path, models_a) -> None:
    manifest = write_set(data_dir, models_a, {"rows": 10})
    assert read_manifest(data_dir) == manifest

    verification = verify_model_set(data_dir)
    assert verification.ok, verification.problems
    assert verification.manifest == manifest
    assert verification.path == data_dir / "generations" / manifest.generation
    assert not verification.loaded
    assert verification.seconds < 1.0
    assert verification.summary() == "ok"
    assert verify_model_set(data_dir, full_load=True).loaded

    loaded, loaded_manifest = load_model_set_with_manifest(data_dir)
    assert loaded_manifest == manifest
    assert set(loaded) == set(MODEL_NAMES) == set(load_model_set(data_dir))
    probe = np.zeros((2, 4))
    for name in MODEL_NAMES:
        np.testing.assert_allclose(loaded[name].predict(probe), models_a[name].predict(probe))


def test_fast_verify_imports_no_heavy_library(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    code = (
        "import sys; from pathlib import Path; from nba_ml.state.store import verify_model_set\n"
        f"v = verify_model_set(Path({str(data_dir)!r}))\n"
        "heavy = sorted(m for m in ('sklearn', 'skops', 'joblib', 'numpy', 'pandas')\n"
        "               if m in sys.modules)\n"
        "print(v.ok, heavy)\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True []", result.stderr
    assert time.monotonic() - started < 2.0


def test_no_set_installed_is_reported_not_raised(data_dir: Path) -> None:
    verification = verify_model_set(data_dir)
    assert not verification.ok
    assert verification.manifest is None
    assert verification.problems == [ModelProblem(SET, f"no model set at {data_dir / 'models'}")]
    assert read_manifest(data_dir) is None
    with pytest.raises(ModelInvalid, match=r"no models in .* yet: run `nba-ml train`"):
        load_model_set(data_dir)


def test_sha_mismatch_makes_the_set_invalid(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    path = data_dir / "models" / MODEL_FILES["points"]
    path.write_bytes(path.read_bytes() + b"\0")
    verification = verify_model_set(data_dir)
    assert not verification.ok
    assert [p.model for p in verification.problems] == ["points"]
    assert problems_of(verification, "points")[0].startswith("sha256 mismatch")
    with pytest.raises(ModelInvalid, match=r"points: sha256 mismatch") as raised:
        load_model_set(data_dir)
    assert "\n" not in str(raised.value)


def test_a_missing_model_file_is_named(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    (data_dir / "models" / MODEL_FILES["assists"]).unlink()
    verification = verify_model_set(data_dir, full_load=True)
    assert verification.problems == [ModelProblem("assists", "missing")]
    assert not verification.loaded


def test_a_file_writable_by_others_is_refused(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    path = data_dir / "models" / MODEL_FILES["rebounds"]
    path.chmod(0o646)
    assert problems_of(verify_model_set(data_dir), "rebounds") == ["writable by other users"]
    path.chmod(0o660)
    assert problems_of(verify_model_set(data_dir), "rebounds") == ["writable by group"]
    with pytest.raises(ModelInvalid, match="rebounds: writable by group"):
        load_model_set(data_dir)


def test_a_generation_directory_writable_by_group_is_refused(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    generation = (data_dir / "models").resolve()
    generation.chmod(0o770)
    verification = verify_model_set(data_dir)
    assert [str(p) for p in verification.problems] == [f"{SET}: {generation} is writable by group"]


def test_a_data_directory_writable_by_group_or_others_is_refused(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    for mode, reason in (
        (0o770, "writable by group"),
        (0o757, "writable by other users"),
        (0o1777, "writable by group and other users"),
    ):  # sticky is no excuse
        data_dir.chmod(mode)
        assert problems_of(verify_model_set(data_dir), SET) == [f"{data_dir} is {reason}"]
    data_dir.chmod(0o750)
    assert verify_model_set(data_dir).ok


def test_a_parent_writable_by_others_is_refused_unless_sticky(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    parent = data_dir.parent
    parent.chmod(0o777)
    try:
        assert problems_of(verify_model_set(data_dir), SET) == [
            f"{parent} is writable by group and other users"
        ]
        with pytest.raises(ModelInvalid, match="writable by group and other users"):
            load_model_set(data_dir)
        parent.chmod(0o1777)  # like /tmp: nobody can rename what they do not own
        assert verify_model_set(data_dir).ok
    finally:
        parent.chmod(0o700)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_file_owned_by_another_user_is_refused(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    os.chown(data_dir / "models" / MODEL_FILES["points"], 65534, 65534)
    verification = verify_model_set(data_dir)
    assert problems_of(verification, "points") == ["owned by another user (uid 65534)"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files to another user")
def test_files_of_another_owner_are_trusted_only_when_named(
    data_dir: Path, models_a, monkeypatch: pytest.MonkeyPatch
) -> None:
    # e.g. a web server reading the set the nba-ml user trained: NBA_ML_TRUSTED_OWNER=nba-ml
    write_set(data_dir, models_a, {})
    for path in [data_dir, *data_dir.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    verification = verify_model_set(data_dir, full_load=True)
    generation = data_dir / os.readlink(data_dir / "models")
    assert problems_of(verification, SET) == [
        f"{generation} is owned by another user (uid 65534)",
        "manifest.json is owned by another user (uid 65534)",
    ]
    assert not verification.loaded
    monkeypatch.setenv("NBA_ML_TRUSTED_OWNER", "65534")
    assert verify_model_set(data_dir, full_load=True).ok


def test_a_manifest_recording_another_sklearn_is_invalid(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    rewrite_manifest(data_dir, lambda manifest: manifest["versions"].update(sklearn="1.4.0"))
    verification = verify_model_set(data_dir)
    assert problems_of(verification, SET) == [f"trained with scikit-learn 1.4.0, running {SKLEARN}"]
    with pytest.raises(ModelInvalid, match=r"trained with scikit-learn 1\.4\.0"):
        load_model_set(data_dir)


def test_a_set_is_invalid_when_either_sklearn_version_is_unknown(
    data_dir: Path, models_a, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nba_ml.state import store

    write_set(data_dir, models_a, {})
    rewrite_manifest(data_dir, lambda manifest: manifest["versions"].pop("sklearn"))
    assert problems_of(verify_model_set(data_dir), SET) == [
        "manifest does not record the scikit-learn version"
    ]
    rewrite_manifest(data_dir, lambda manifest: manifest.pop("versions"))
    assert problems_of(verify_model_set(data_dir), SET) == [
        "manifest does not record the scikit-learn version"
    ]
    monkeypatch.setattr(store, "installed_version", lambda distribution: None)
    assert problems_of(verify_model_set(data_dir), SET) == ["scikit-learn is not installed"]


def test_a_model_file_from_another_sklearn_is_caught_by_a_full_load(
    data_dir: Path, models_a, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_set(data_dir, models_a, {})
    # Forge the file-level version: scikit-learn stamps __version__ into each estimator's state.
    import sklearn.base

    with monkeypatch.context() as patch:
        patch.setattr(sklearn.base, "__version__", "1.4.0")
        forged = dumps_model(models_a["points"])
    replace_model_file(data_dir, "points", forged)

    assert verify_model_set(data_dir).ok  # hashes and the manifest agree: only loading can tell
    verification = verify_model_set(data_dir, full_load=True)
    assert not verification.ok
    assert verification.problems == [
        ModelProblem("points", f"trained with scikit-learn 1.4.0, running {SKLEARN}")
    ]
    with pytest.raises(ModelInvalid, match=r"points: trained with scikit-learn 1\.4\.0"):
        load_model_set(data_dir)


def test_a_corrupt_model_file_is_a_problem_not_a_crash(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    replace_model_file(data_dir, "game_outcome", b"PK\x03\x04not a zip at all")
    replace_model_file(data_dir, "assists", dumps_model({"not": "a model"}))

    verification = verify_model_set(data_dir, full_load=True)
    assert not verification.ok
    assert [p.model for p in verification.problems] == ["game_outcome", "assists"]
    assert problems_of(verification, "game_outcome")[0].startswith("not loadable: ")
    assert problems_of(verification, "assists") == ["not a model (loaded a dict)"]
    with pytest.raises(ModelInvalid, match=r"game_outcome: not loadable.*assists: not a model"):
        load_model_set(data_dir)


def test_a_corrupt_manifest_is_reported(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    (data_dir / "models" / "manifest.json").write_text('{"models": {')
    assert read_manifest(data_dir) is None
    verification = verify_model_set(data_dir)
    assert not verification.ok
    assert problems_of(verification, SET)[0].startswith("manifest.json is damaged: invalid JSON")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children)
    ),
    max_leaves=10,
)
MANIFESTS = JSON | st.fixed_dictionaries(
    {
        "models": st.dictionaries(st.sampled_from(MODEL_NAMES), JSON)
        | st.fixed_dictionaries(
            {name: st.fixed_dictionaries({"file": JSON, "sha256": JSON}) for name in MODEL_NAMES}
        ),
        "versions": JSON | st.fixed_dictionaries({"sklearn": JSON}),
        "trained_at": JSON,
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(manifest=MANIFESTS)
def test_any_manifest_content_is_reported_never_raised(data_dir: Path, models_a, manifest) -> None:  # type: ignore[no-untyped-def]
    if not (data_dir / "models").exists():
        write_set(data_dir, models_a, {})
    (data_dir / "models" / "manifest.json").write_text(json.dumps(manifest))
    verification = verify_model_set(data_dir, full_load=True)
    assert not verification.ok
    assert verification.problems
    try:
        parsed: Manifest | None = Manifest.from_json(manifest)
    except ManifestDamaged:
        parsed = None
    assert isinstance(model_age_hours(parsed), float)


def test_a_manifest_cannot_point_outside_the_generation(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    rewrite_manifest(
        data_dir, lambda manifest: manifest["models"]["points"].update(file="../../evil.skops")
    )
    assert problems_of(verify_model_set(data_dir), "points") == ["not listed in the manifest"]


def _trained_at(raw: object = None) -> Manifest:
    return Manifest.from_json({"models": {}, **({} if raw is None else {"trained_at": raw})})


def test_model_age_hours() -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    assert model_age_hours(_trained_at("2026-11-27T04:00:00+00:00"), now) == 6.0
    assert model_age_hours(_trained_at("2026-11-27T04:00:00Z"), now) == 6.0
    assert model_age_hours(_trained_at("2026-11-26T22:00:00"), now + timedelta(hours=1)) == 13.0
    assert model_age_hours(_trained_at(), now) == math.inf
    assert model_age_hours(None, now) == math.inf
    assert model_age_hours(_trained_at("yesterday"), now) == math.inf
    assert model_age_hours(_trained_at("2026-11-27T10:04:00Z"), now) == 0.0  # clock skew


def test_a_trained_at_in_the_future_is_an_unknown_age(caplog: pytest.LogCaptureFixture) -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    with caplog.at_level("WARNING", logger="nba_ml.state.store"):
        assert model_age_hours(_trained_at("2030-01-01T00:00:00+00:00"), now) == math.inf
    assert [r.getMessage() for r in caplog.records] == [
        "the models' trained_at 2030-01-01T00:00:00+00:00 is in the future; their age is "
        "unknown, so they count as stale"
    ]


@pytest.mark.parametrize(
    "manifest", [{"training": ["a"]}, {"training": "x"}, {"training": None}, {}]
)
def test_a_training_record_that_is_not_an_object_reads_as_empty(manifest: dict) -> None:
    parsed = Manifest.from_json({"models": {}, **manifest})
    assert parsed.training is None
    assert parsed.record == EMPTY_RECORD and parsed.record.to_json() == {}


def test_a_training_record_is_kept_as_it_was_written() -> None:
    record = {"history_sha256": "ab" * 32, "seasons": ["2017-18"]}
    parsed = Manifest.from_json({"models": {}, "training": record})
    assert parsed.training is not None and parsed.training.to_json() == record
    assert parsed.record.history_sha256 == "ab" * 32


def test_a_set_saved_by_an_older_nba_ml_is_invalid_and_never_loaded(
    data_dir: Path, models_a
) -> None:
    """Sets of schema 1 (joblib pickles) are refused from the manifest alone: `check` names
    the reason, `ensure` retrains (it retrains whatever is not ok), nothing is unpickled."""
    write_set(data_dir, models_a, {})
    rewrite_manifest(data_dir, lambda manifest: manifest.update(schema=1))
    verification = verify_model_set(data_dir, full_load=True)
    assert not verification.ok and not verification.loaded
    assert problems_of(verification, SET) == [
        "saved by an older nba-ml as pickles, which are no longer loaded (they could run code); "
        "`nba-ml ensure` or `nba-ml train` replaces the set"
    ]
    with pytest.raises(ModelInvalid, match="saved by an older nba-ml"):
        load_model_set(data_dir)
    rewrite_manifest(data_dir, lambda manifest: manifest.update(schema="3\x1b[2J"))
    assert problems_of(verify_model_set(data_dir), SET) == [
        "manifest schema 3\\x1b[2J is not the 2 this nba-ml reads; `nba-ml train` replaces the set"
    ]
