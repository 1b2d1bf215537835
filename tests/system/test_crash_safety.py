"""The current set survives a killed writer, a full disk, a read-only or vanishing directory."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from nba_ml import MODEL_NAMES
from nba_ml.errors import ConfigError, StorageError
from nba_ml.state import modelfile
from nba_ml.state.history import history_path, write_history_payload
from nba_ml.state.install import cleanup_leftovers, write_model_set
from nba_ml.state.store import load_model_set, read_manifest, verify_model_set
from tests.conftest import copy_data_dir, drop_permission_override, run_in_child

GAME_DATA = b"the saved game data of a training"
GAME_DATA_SHA256 = hashlib.sha256(GAME_DATA).hexdigest()

FORK = multiprocessing.get_context("fork")


def make_models(seed: int, width: int = 4) -> dict[str, object]:
    """Return a small fitted model for each built-in model; a large ``width`` makes the
    regressors' pickles big."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(40, 4))
    models: dict[str, object] = {
        "game_outcome": LogisticRegression().fit(features, (features[:, 0] > 0).astype(int))
    }
    wide = rng.normal(size=(40, width))
    for name in MODEL_NAMES[1:]:
        models[name] = Ridge().fit(wide, rng.normal(size=40))
    return models


@pytest.fixture(scope="module")
def models_a() -> dict[str, object]:
    return make_models(1)


@pytest.fixture(scope="module")
def models_b() -> dict[str, object]:
    return make_models(2)


def write_set(data_dir: Path, models: dict[str, object], training: dict) -> dict:
    """Install ``models`` as a training does: the game data saved first, named in the manifest."""
    if not history_path(data_dir, GAME_DATA_SHA256).exists():
        write_history_payload(data_dir, GAME_DATA)
    return write_model_set(data_dir, models, {**training, "history_sha256": GAME_DATA_SHA256})


def leftovers(data_dir: Path) -> list[str]:
    names = [p.name for p in (data_dir / "generations").iterdir()]
    names += [p.name for p in data_dir.iterdir()]
    return sorted(n for n in names if n.startswith((".tmp-", ".trash-", ".models.tmp-")))


# ----------------------------------------------------------------------------- kill -9


def _write_forever(data_dir: Path, sets: list[dict[str, object]]) -> None:
    n = 0
    while True:
        write_set(data_dir, sets[n % 2], {"n": n})
        n += 1


def _coefficients(models: dict[str, object]) -> dict[str, list[float]]:
    return {
        name: np.ravel(model.coef_).tolist()  # type: ignore[attr-defined]
        for name, model in models.items()
    }


def test_a_writer_killed_at_any_point_leaves_a_complete_set(
    data_dir: Path, models_a, models_b
) -> None:
    write_set(data_dir, models_a, {"n": -1})
    # A model file's bytes differ between two saves of one model (skops records object ids), so
    # a set is told by what it holds: every model of it from models_a, or every one from models_b.
    expected = {"a": _coefficients(models_a), "b": _coefficients(models_b)}
    random.seed(20261127)
    interrupted_mid_write = 0
    for _ in range(20):
        writer = FORK.Process(target=_write_forever, args=(data_dir, [models_a, models_b]))
        writer.start()
        time.sleep(random.uniform(0.0, 0.08))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(10)
        assert writer.exitcode == -signal.SIGKILL

        verification = verify_model_set(data_dir, full_load=True)
        assert verification.ok, verification.problems
        assert _coefficients(load_model_set(data_dir)) in expected.values()  # never a mix
        found = leftovers(data_dir)
        interrupted_mid_write += bool(found)
        removed = cleanup_leftovers(data_dir)
        assert sorted(p.name for p in removed) == found
        assert leftovers(data_dir) == []
        assert verify_model_set(data_dir).ok
    assert interrupted_mid_write > 0  # the kills did land inside writes

    final = write_set(data_dir, models_a, {"n": "final"})
    generations = sorted(p.name for p in (data_dir / "generations").iterdir())
    assert len(generations) == 2 and final.generation in generations


# ----------------------------------------------------------------------------- full disk


def _write_with_file_size_limit(data_dir: Path, models: dict[str, object], limit: int) -> str:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        write_set(data_dir, models, {})
    except StorageError as error:
        return str(error)
    return "written"


def test_a_full_disk_raises_storage_error_and_keeps_the_current_set(
    data_dir: Path, models_a
) -> None:
    installed = write_set(data_dir, models_a, {})
    big = make_models(
        3, width=2000
    )  # the regressors' pickles exceed the limit, the classifier's not
    outcome = run_in_child(_write_with_file_size_limit, data_dir, big, 4096)
    assert outcome[0] == "ok"
    message = outcome[1]
    assert message.startswith("file too large writing "), message
    assert message.endswith("points_prediction_model.skops; current models kept")
    assert "\n" not in message
    assert read_manifest(data_dir) == installed
    assert verify_model_set(data_dir, full_load=True).ok
    assert leftovers(data_dir) == []  # the failed writer removed its own temporary directory


# ----------------------------------------------------------------------------- read-only


def _write_without_permission(data_dir: Path, models: dict[str, object]) -> tuple[bool, str]:
    drop_permission_override()
    still_valid = verify_model_set(data_dir).ok  # reading needs no write access
    try:
        write_set(data_dir, models, {})
    except StorageError as error:
        return still_valid, str(error)
    return still_valid, "written"


def test_a_read_only_data_dir_raises_storage_error(data_dir: Path, models_a, models_b) -> None:
    installed = write_set(data_dir, models_a, {})
    for path in (data_dir, data_dir / "generations"):
        path.chmod(0o550)
    try:
        outcome = run_in_child(_write_without_permission, data_dir, models_b)
    finally:
        for path in (data_dir, data_dir / "generations"):
            path.chmod(0o750)
    assert outcome[0] == "ok", outcome
    still_valid, message = outcome[1]
    assert still_valid
    generations = data_dir / "generations"
    assert message.startswith(f"permission denied writing {generations}/.tmp-"), message
    assert message.endswith("; current models kept")
    assert read_manifest(data_dir) == installed
    assert leftovers(data_dir) == []


# ----------------------------------------------------------------------------- vanishing dirs


def test_a_deleted_generation_is_reported_and_replaced(data_dir: Path, models_a, models_b) -> None:
    installed = write_set(data_dir, models_a, {})
    shutil.rmtree(data_dir / "generations" / installed.generation)
    verification = verify_model_set(data_dir, full_load=True)
    assert not verification.ok
    assert "which does not exist" in verification.summary()
    assert read_manifest(data_dir) is None

    write_set(data_dir, models_b, {})
    assert verify_model_set(data_dir, full_load=True).ok


def test_a_deleted_models_link_is_reported_and_replaced(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    (data_dir / "models").unlink()
    assert "no model set" in verify_model_set(data_dir).summary()
    write_set(data_dir, models_a, {})
    assert verify_model_set(data_dir).ok


def saboteur(victim: object, doomed: str):  # type: ignore[no-untyped-def]
    """Return ``modelfile.dumps_model`` that deletes ``doomed`` (a glob) once it has saved
    ``victim``, before the file is written: a stray `rm -rf` during a write."""
    real = modelfile.dumps_model

    def dumps_model(model: object) -> bytes:
        data = real(model)
        if model is victim:
            for path in Path(doomed).parent.glob(Path(doomed).name):
                shutil.rmtree(path)
        return data

    return dumps_model


@pytest.mark.parametrize("doomed", ["generations/.tmp-*", "generations"])
def test_a_directory_deleted_mid_write_raises_storage_error(
    data_dir: Path, models_a, models_b, doomed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = write_set(data_dir, models_a, {})
    with monkeypatch.context() as patch:
        patch.setattr(
            modelfile, "dumps_model", saboteur(models_b["points"], str(data_dir / doomed))
        )
        with pytest.raises(
            StorageError, match=r"no such file or directory .*; current models kept"
        ):
            write_set(data_dir, models_b, {})
    if doomed == "generations":  # the current set went with it; the link says so
        assert "which does not exist" in verify_model_set(data_dir).summary()
    else:
        assert read_manifest(data_dir) == installed
        assert verify_model_set(data_dir, full_load=True).ok
    assert not list((data_dir / "generations").glob(".tmp-*"))
    write_set(data_dir, models_b, {})
    assert verify_model_set(data_dir, full_load=True).ok


# ----------------------------------------------------------------------------- through the CLI

ROOT = Path(__file__).resolve().parents[2]


def nba_ml(data_dir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the real CLI on ``data_dir``; stats.nba.com is a closed loopback port (fails fast)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_ML_", "HTTP"))}
    env.update(
        NBA_ML_DATA_DIR=str(data_dir),
        HTTPS_PROXY="http://127.0.0.1:9",
        NBA_ML_RETRIES="1",
        NBA_ML_TIMEOUT="2",
        PYTHONPATH=str(ROOT),
    )
    try:
        return subprocess.run(
            [sys.executable, "-m", "nba_ml", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`nba-ml {' '.join(args)}` hung for {timeout} s")


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    assert "unexpected error" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if " - ERROR - " in line]


def _broken_game_logs(directory: Path) -> Path:
    """Return ``directory`` holding game logs by name that no training could use: ``--from``
    is looked at first (a directory without game logs is a usage error before anything else),
    so the data directory's own checks come next, and no training follows them."""
    directory.mkdir()
    (directory / "team_game_logs_2018-19.csv").write_text("TEAM_ABBREVIATION,PTS\nBOS,x\n")
    (directory / "player_game_logs_2018-19.csv").write_text("PLAYER_ID,PTS\n1,2\n")
    return directory


def test_a_foreign_models_directory_survives_any_number_of_runs(tmp_path: Path) -> None:
    data = tmp_path / "someone-elses"
    (data / "models").mkdir(parents=True)
    bert = data / "models" / "my_bert.bin"
    bert.write_bytes(b"weights")
    empty = _broken_game_logs(tmp_path / "empty")
    for command in (
        ["train", "--force", "--from", str(empty)],
        ["ensure", "--from", str(empty)],
        ["train", "--force", "--from", str(empty)],
        ["train", "--from", str(empty)],
    ):
        result = nba_ml(data, *command)
        assert result.returncode == 2, result.stderr
        assert error_lines(result) and error_lines(result)[-1].endswith(
            f"{data / 'models'} was not written by nba-ml, which will not move, replace or delete "
            f"it: move it out of {data} or use another --data-dir"
        ), result.stderr
    result = nba_ml(data, "check")
    assert result.returncode == 1
    assert "is not the symlink nba-ml installs" in result.stdout + result.stderr
    assert bert.read_bytes() == b"weights"
    assert sorted(p.name for p in data.iterdir()) == [
        "models",
        "nba-ml.prom",
        "runs.jsonl",
        "train.lock",
    ]


def test_foreign_files_where_nba_ml_prunes_are_refused_and_kept(
    data_dir: Path, models_a, tmp_path: Path
) -> None:
    write_set(data_dir, models_a, {})
    empty = _broken_game_logs(tmp_path / "empty")
    generation = (data_dir / "models").resolve()
    for foreign in (
        data_dir / "generations" / "my-experiment",
        generation / "notes.txt",
        data_dir / "history" / "backup.pkl",
        data_dir / "generations" / "legacy-20250101T000000Z-abcdef",
    ):
        if foreign.suffix:
            foreign.write_text("mine")
        else:
            foreign.mkdir()
        result = nba_ml(data_dir, "train", "--force", "--from", str(empty))
        assert result.returncode == 2, result.stderr
        assert (
            error_lines(result)[-1]
            .split(" - ERROR - ")[1]
            .startswith(f"{foreign} was not written by nba-ml")
        ), result.stderr
        assert foreign.exists()
        with pytest.raises(ConfigError, match="was not written by nba-ml"):
            write_set(data_dir, models_a, {})
        if foreign.is_dir():
            foreign.rmdir()
        else:
            foreign.unlink()
    assert verify_model_set(data_dir).ok


@pytest.mark.parametrize("victim", ["manifest", "model", "game data", "runs", "lock"])
def test_a_fifo_in_place_of_any_file_never_hangs_a_command(
    data_dir: Path, models_a, tmp_path: Path, victim: str
) -> None:
    write_set(data_dir, models_a, {})
    generation = (data_dir / "models").resolve()
    path = {
        "manifest": generation / "manifest.json",
        "model": generation / "points_prediction_model.skops",
        "game data": history_path(data_dir, GAME_DATA_SHA256),
        "runs": data_dir / "runs.jsonl",
        "lock": data_dir / "train.lock",
    }[victim]
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in (
        ["check"],
        ["check", "--full"],
        ["status"],
        ["ensure", "--from", str(empty)],
        ["train", "--from", str(empty)],
    ):
        result = nba_ml(data_dir, *command, timeout=30)
        assert len(error_lines(result)) <= 1, result.stderr
        if command[0] == "check":
            assert result.returncode == (0 if victim in ("runs", "lock") else 1), result.stderr
            if victim not in ("runs", "lock"):
                assert "not a regular file (a FIFO)" in result.stdout + result.stderr
    assert stat.S_ISFIFO(os.lstat(path).st_mode)  # never removed: nba-ml did not make it


def test_a_deeply_nested_manifest_is_one_line_never_a_recursion_error(
    data_dir: Path, models_a
) -> None:
    write_set(data_dir, models_a, {})
    manifest = (data_dir / "models").resolve() / "manifest.json"
    manifest.write_text('{"models": ' + "[" * 100_000 + "]" * 100_000 + "}")
    for command in (["check"], ["check", "--full", "--json"], ["status"]):
        result = nba_ml(data_dir, *command)
        assert result.returncode == (0 if command == ["status"] else 1), result.stderr
        assert "manifest.json is damaged: nests deeper than 64 levels" in (
            result.stdout + result.stderr
        )
        assert len(error_lines(result)) <= 1


def test_check_covers_the_game_data_and_the_next_training_repairs_damage(
    synthetic_set: Path, tmp_path: Path
) -> None:
    logs = synthetic_set.parent / "logs"  # the seasons the set was trained on
    data = copy_data_dir(synthetic_set, tmp_path / "data")
    manifest = json.loads(((data / "models").resolve() / "manifest.json").read_text())
    saved = history_path(data, manifest["training"]["history_sha256"])
    content = saved.read_bytes()
    saved.write_bytes(content[:-1] + bytes([content[-1] ^ 0xFF]))  # the game data altered
    result = nba_ml(data, "check")
    assert result.returncode == 1
    assert f"game data: {saved} was altered (sha256 mismatch)" in result.stdout + result.stderr
    result = nba_ml(data, "ensure", "--from", str(logs), timeout=600)
    assert result.returncode == 0, result.stderr
    assert nba_ml(data, "check").returncode == 0

    (data / "models").resolve().joinpath("manifest.json").write_text("[" * 10_000)
    result = nba_ml(data, "check")
    assert result.returncode == 1 and "manifest.json is damaged" in result.stdout + result.stderr
    result = nba_ml(data, "train", "--force", "--from", str(logs), timeout=600)
    assert result.returncode == 0, result.stderr
    assert nba_ml(data, "check", "--full").returncode == 0
