"""The model store, install side: a generation written whole, published atomically, pruned safely.

A failure at any step (a full disk on any file, a failed rename, symlink or swap, Ctrl-C) leaves
the current set complete and no litter; nothing nba-ml did not write is moved, replaced or pruned,
even when it appears while a set is being written. The read side is tests/state/test_store.py.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.metadata
import logging
import multiprocessing
import os
import re
import stat
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from nba_ml import MODEL_FILES, MODEL_NAMES
from nba_ml.errors import ConfigError, StorageError
from nba_ml.state import install
from nba_ml.state.install import (
    cleanup_leftovers,
    foreign_entries,
    refuse_foreign,
    write_model_set,
)
from nba_ml.state.store import GENERATION_PATTERN, model_age_hours, read_manifest, verify_model_set
from tests.modelsets import write_set

SKLEARN = importlib.metadata.version("scikit-learn")
GENERATION = GENERATION_PATTERN.pattern
ENOSPC = os.strerror(errno.ENOSPC).lower()  # "no space left on device"
EIO = os.strerror(errno.EIO).lower()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(data_dir: Path) -> list[str]:
    """Every path under ``data_dir`` (links not followed), relative to it."""
    return sorted(str(path.relative_to(data_dir)) for path in data_dir.rglob("*"))


def generation_names(data_dir: Path) -> list[str]:
    return sorted(path.name for path in (data_dir / "generations").iterdir())


def assert_kept(data_dir: Path, installed: dict | None) -> None:
    """The set installed before a failed write is still current and complete; nothing is left."""
    if installed is None:
        assert read_manifest(data_dir) is None
        assert not os.path.lexists(data_dir / "models")
        assert generation_names(data_dir) == []
    else:
        assert read_manifest(data_dir) == installed
        assert verify_model_set(data_dir, full_load=True).ok
        assert generation_names(data_dir) == [installed.generation]
    assert not [path for path in data_dir.iterdir() if path.name.startswith(".models.tmp-")]
    assert foreign_entries(data_dir) == []


# ----------------------------------------------------------------------------- writing


def test_write_installs_a_set_with_a_full_manifest(data_dir: Path, models_a) -> None:
    training = {
        "seasons": ["2023-24", "2024-25"],
        "rows": np.int64(4920),
        "brier": np.float64(0.21),
    }
    manifest = write_set(data_dir, models_a, training)

    link = data_dir / "models"
    assert link.is_symlink()
    assert os.readlink(link) == f"generations/{manifest.generation}"
    assert manifest.schema == 2
    assert manifest.to_json()["training"] == {
        "seasons": ["2023-24", "2024-25"],
        "rows": 4920,
        "brier": 0.21,
        "history_sha256": manifest.record.history_sha256,
    }
    assert manifest.versions["sklearn"] == SKLEARN
    assert manifest.versions["skops"] == importlib.metadata.version("skops")
    assert set(manifest.versions) >= {"python", "numpy", "pandas", "nba_api", "nba_ml"}
    assert 0 <= model_age_hours(manifest) < 0.1
    for name in MODEL_NAMES:
        entry = manifest.to_json()["models"][name]
        path = link / MODEL_FILES[name]
        assert entry == {
            "file": MODEL_FILES[name],
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
        }
    assert read_manifest(data_dir) == manifest
    assert verify_model_set(data_dir).ok


def test_modes_do_not_depend_on_the_umask(data_dir: Path, models_a) -> None:
    old = os.umask(0)
    try:
        write_set(data_dir, models_a, {})
    finally:
        os.umask(old)
    generation = (data_dir / "models").resolve()
    for directory in (data_dir, data_dir / "generations", generation):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o750
    for path in generation.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path


def test_new_writes_keep_only_the_current_and_previous_generation(
    data_dir: Path, models_a, models_b
) -> None:
    first = write_set(data_dir, models_a, {"n": 1})
    second = write_set(data_dir, models_b, {"n": 2})
    assert second.previous_generation == first.generation
    third = write_set(data_dir, models_a, {"n": 3})
    names = sorted(p.name for p in (data_dir / "generations").iterdir())
    assert names == sorted([second.generation, third.generation])
    assert read_manifest(data_dir).to_json()["training"]["n"] == 3
    assert verify_model_set(data_dir).ok


def test_an_incomplete_set_is_refused_before_anything_is_written(data_dir: Path, models_a) -> None:
    partial = {name: model for name, model in models_a.items() if name != "assists"}
    with pytest.raises(ValueError, match="assists"):
        write_set(data_dir, partial, {})
    assert not (data_dir / "generations").exists() or not any((data_dir / "generations").iterdir())


@pytest.mark.parametrize(
    "model",
    [
        lambda features: features,  # saved by skops as a function, which loading would refuse
        (row for row in []),  # a generator: skops cannot save it
    ],
    ids=["function", "generator"],
)
def test_a_model_that_cannot_be_saved_or_loaded_leaves_the_current_set(
    data_dir: Path, models_a, model: object
) -> None:
    installed = write_set(data_dir, models_a, {})
    broken = dict(models_a, rebounds=model)
    with pytest.raises(TypeError, match=r"does not load|cannot pickle"):
        write_set(data_dir, broken, {})
    assert read_manifest(data_dir) == installed
    assert [p.name for p in (data_dir / "generations").iterdir()] == [installed.generation]


def test_unserialisable_training_info_fails_before_writing(data_dir: Path, models_a) -> None:
    with pytest.raises(TypeError):
        write_set(data_dir, models_a, {"bad": object()})
    assert not (data_dir / "models").exists()


def test_a_first_set_names_no_previous_one_and_its_generation_is_its_time(
    data_dir: Path, models_a
) -> None:
    manifest = write_model_set(data_dir, models_a, {})
    generation = manifest.generation
    assert re.fullmatch(GENERATION, generation)
    assert manifest.previous_generation is None
    trained_at = datetime.fromisoformat(manifest.trained_at)
    assert trained_at.tzinfo is not None and trained_at.utcoffset().total_seconds() == 0
    assert (
        datetime.strptime(generation[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        == trained_at
    )
    assert sorted(os.listdir(data_dir / "generations" / generation)) == sorted(
        [*MODEL_FILES.values(), "manifest.json"]
    )
    assert generation_names(data_dir) == [generation]


def test_training_info_is_stored_as_plain_json(data_dir: Path, models_a) -> None:
    training = {
        "seasons": {"2024-25", "2023-24"},
        "source": Path("/srv/exports"),
        "through": date(2026, 4, 12),
        "at": datetime(2026, 4, 13, 4, 0, tzinfo=timezone.utc),
        "weights": np.array([0.5, 1.5]),
        "rows": np.int32(7),
        "nested": {"ok": True, "none": None},
    }
    manifest = write_model_set(data_dir, models_a, training)
    assert manifest.to_json()["training"] == {
        "seasons": ["2023-24", "2024-25"],
        "source": "/srv/exports",
        "through": "2026-04-12",
        "at": "2026-04-13T04:00:00+00:00",
        "weights": [0.5, 1.5],
        "rows": 7,
        "nested": {"ok": True, "none": None},
    }
    assert read_manifest(data_dir) == manifest


def test_a_set_with_an_unknown_model_is_refused_before_anything_is_written(
    data_dir: Path, models_a
) -> None:
    with pytest.raises(ValueError, match=r"missing \[\], unknown \['minutes'\]"):
        write_model_set(data_dir, {**models_a, "minutes": models_a["points"]}, {})
    assert not data_dir.exists()


def test_a_generation_name_already_taken_is_never_reused(
    data_dir: Path, models_a, models_b, monkeypatch: pytest.MonkeyPatch
) -> None:
    instant = datetime(2026, 1, 15, 10, 0, 0, tzinfo=timezone.utc)

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return instant

    tokens = iter(["abcdef", "abcdef", "123456"])
    monkeypatch.setattr(install, "datetime", FrozenClock)
    monkeypatch.setattr(install.secrets, "token_hex", lambda size: next(tokens))
    first = write_set(data_dir, models_a, {})
    second = write_set(data_dir, models_b, {})
    assert first.generation == "20260115T100000Z-abcdef"
    assert second.generation == "20260115T100000Z-123456"
    assert second.previous_generation == first.generation
    assert second.trained_at == "2026-01-15T10:00:00+00:00"
    assert generation_names(data_dir) == sorted([first.generation, second.generation])
    assert verify_model_set(data_dir).ok


# ----------------------------------------------------------------------------- failures


def _fail_writing(name: str) -> Callable[[pytest.MonkeyPatch], None]:
    """Make atomic_write of the file ``name`` fail as a full disk does."""

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        real = install.atomic_write

        def atomic_write(path, data, *, mode):  # type: ignore[no-untyped-def]
            if Path(path).name == name:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            real(path, data, mode=mode)

        monkeypatch.setattr(install, "atomic_write", atomic_write)

    return patch


def _fail_os(
    function: str, when: Callable[[str, str], bool], code: int
) -> Callable[[pytest.MonkeyPatch], None]:
    """Make ``os.<function>(source, target)`` fail with ``code`` when ``when`` says so."""

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        real = getattr(os, function)

        def failing(source, target, *args, **kwargs):  # type: ignore[no-untyped-def]
            if when(os.fspath(source), os.fspath(target)):
                raise OSError(code, os.strerror(code))
            return real(source, target, *args, **kwargs)

        monkeypatch.setattr(install.os, function, failing)

    return patch


FAILURES = {
    # step: (how it fails, the message after the data directory)
    "first model file": (
        _fail_writing(MODEL_FILES[MODEL_NAMES[0]]),
        rf"{ENOSPC} writing {{data}}/generations/\.tmp-{GENERATION}/"
        rf"{re.escape(MODEL_FILES[MODEL_NAMES[0]])}",
    ),
    "last model file": (
        _fail_writing(MODEL_FILES[MODEL_NAMES[-1]]),
        rf"{ENOSPC} writing {{data}}/generations/\.tmp-{GENERATION}/"
        rf"{re.escape(MODEL_FILES[MODEL_NAMES[-1]])}",
    ),
    "manifest": (
        _fail_writing("manifest.json"),
        rf"{ENOSPC} writing {{data}}/generations/\.tmp-{GENERATION}/manifest\.json",
    ),
    "rename into place": (
        _fail_os("rename", lambda source, _: "/.tmp-" in source, errno.EIO),
        rf"{EIO} writing {{data}}/generations/{GENERATION}",
    ),
    "temporary link": (
        _fail_os("symlink", lambda _, link: ".models.tmp-" in link, errno.ENOSPC),
        rf"{ENOSPC} writing {{data}}/models",
    ),
    "swap of the link": (
        _fail_os("replace", lambda _, target: target.endswith("/models"), errno.EIO),
        rf"{EIO} writing {{data}}/models",
    ),
}


@pytest.mark.parametrize("first", [False, True], ids=["over a set", "first set"])
@pytest.mark.parametrize("step", list(FAILURES))
def test_a_failure_at_any_step_keeps_the_current_set_and_leaves_no_litter(
    data_dir: Path, models_a, models_b, monkeypatch: pytest.MonkeyPatch, step: str, first: bool
) -> None:
    installed = None if first else write_set(data_dir, models_a, {"n": 1})
    fail, message = FAILURES[step]
    with monkeypatch.context() as patch:
        fail(patch)
        with pytest.raises(StorageError) as raised:
            write_set(data_dir, models_b, {"n": 2})
    expected = message.replace("{data}", re.escape(str(data_dir)))
    assert re.fullmatch(rf"{expected}; current models kept", str(raised.value)), raised.value
    assert raised.value.exit_code == 1
    assert isinstance(raised.value.__cause__, OSError)
    assert_kept(data_dir, installed)
    # Nothing of the failed attempt is in the way of the next one.
    assert write_set(data_dir, models_b, {"n": 3}).previous_generation == (
        None if installed is None else installed.generation
    )
    assert verify_model_set(data_dir).ok


def test_an_interrupted_write_keeps_the_current_set(
    data_dir: Path, models_a, models_b, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = write_set(data_dir, models_a, {})
    real = install._dump_model
    calls = []

    def interrupted(model, path):  # type: ignore[no-untyped-def]
        calls.append(path.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(model, path)

    monkeypatch.setattr(install, "_dump_model", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_model_set(data_dir, models_b, {})
    assert len(calls) == 3
    assert_kept(data_dir, installed)


# ----------------------------------------------------------------------------- nothing foreign


def _real_models_directory(data_dir: Path) -> Path:
    (data_dir / "models").mkdir()
    (data_dir / "models" / MODEL_FILES["points"]).write_bytes(b"their model")
    return data_dir / "models"


def _generations_is_a_file(data_dir: Path) -> Path:
    (data_dir / "generations").write_text("not a directory")
    return data_dir / "generations"


def _link_named_like_a_generation(data_dir: Path) -> Path:
    (data_dir / "generations").mkdir()
    (data_dir / "generations" / "20260101T000000Z-abcdef").symlink_to("/tmp")
    return data_dir / "generations" / "20260101T000000Z-abcdef"


def _directory_inside_a_generation(data_dir: Path) -> Path:
    inner = data_dir / "generations" / "20260101T000000Z-abcdef" / "extra"
    inner.mkdir(parents=True)
    return inner


def _temporary_name_that_is_not_ours(data_dir: Path) -> Path:
    (data_dir / "generations" / ".tmp-backup").mkdir(parents=True)
    return data_dir / "generations" / ".tmp-backup"


def _a_file_in_history(data_dir: Path) -> Path:
    (data_dir / "history").mkdir()
    (data_dir / "history" / "notes.txt").write_text("mine")
    return data_dir / "history" / "notes.txt"


@pytest.mark.parametrize(
    "plant",
    [
        _real_models_directory,
        _generations_is_a_file,
        _link_named_like_a_generation,
        _directory_inside_a_generation,
        _temporary_name_that_is_not_ours,
        _a_file_in_history,
    ],
)
def test_something_foreign_is_refused_before_any_work_and_left_alone(
    data_dir: Path, models_a, plant: Callable[[Path], Path]
) -> None:
    data_dir.mkdir(mode=0o750)
    foreign = plant(data_dir)
    before = tree(data_dir)
    assert foreign_entries(data_dir) == [foreign]
    for attempt in (
        lambda: write_model_set(data_dir, models_a, {}),
        lambda: cleanup_leftovers(data_dir),
        lambda: refuse_foreign(data_dir),
    ):
        with pytest.raises(ConfigError) as raised:
            attempt()
        assert str(raised.value) == (
            f"{foreign} was not written by nba-ml, which will not move, replace or delete it: "
            f"move it out of {data_dir} or use another --data-dir"
        )
        assert raised.value.exit_code == 2
        assert tree(data_dir) == before


def test_nothing_to_refuse_in_a_missing_or_fresh_data_directory(data_dir: Path) -> None:
    refuse_foreign(data_dir)
    assert cleanup_leftovers(data_dir) == []
    data_dir.mkdir()
    (data_dir / "runs.jsonl").write_text("")  # the top level is never published into or pruned
    assert foreign_entries(data_dir) == []
    refuse_foreign(data_dir)


def test_a_data_directory_that_cannot_be_listed_is_a_storage_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir.mkdir()

    def unreadable(path: Path) -> list[Path]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(install, "foreign_entries", unreadable)
    with pytest.raises(StorageError) as raised:
        refuse_foreign(data_dir)
    assert str(raised.value) == f"cannot list {data_dir}: {os.strerror(errno.EACCES).lower()}"
    assert raised.value.exit_code == 1


def test_a_models_directory_that_appears_mid_write_is_not_replaced(
    data_dir: Path, models_a, models_b, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = write_model_set(data_dir, models_a, {})
    real = install._dump_model

    def meanwhile(model, path):  # type: ignore[no-untyped-def]
        if (data_dir / "models").is_symlink():  # someone swaps in a directory of their own
            (data_dir / "models").unlink()
            _real_models_directory(data_dir)
        return real(model, path)

    monkeypatch.setattr(install, "_dump_model", meanwhile)
    with pytest.raises(
        ConfigError,
        match=r"/models was not written by nba-ml, which will not "
        r"replace it$",
    ):
        write_model_set(data_dir, models_b, {})
    assert (data_dir / "models" / MODEL_FILES["points"]).read_bytes() == b"their model"
    assert generation_names(data_dir) == [installed.generation]  # the new one is removed


def test_an_old_generation_that_gains_a_foreign_file_is_kept_not_pruned(
    data_dir: Path,
    models_a,
    models_b,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    oldest = write_model_set(data_dir, models_a, {"n": 1}).generation
    previous = write_model_set(data_dir, models_b, {"n": 2}).generation
    notes = data_dir / "generations" / oldest / "notes.txt"
    real = install._publish

    def publish(directory: Path, generation: str) -> None:
        notes.write_text("written after the check, before the prune")
        real(directory, generation)

    monkeypatch.setattr(install, "_publish", publish)
    caplog.clear()  # only this write's records (an earlier test may have left INFO enabled)
    with caplog.at_level(logging.WARNING, logger="nba_ml.state.install"):
        newest = write_model_set(data_dir, models_a, {"n": 3}).generation
    assert generation_names(data_dir) == sorted([oldest, previous, newest])
    assert notes.read_text() == "written after the check, before the prune"
    assert [
        record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING
    ] == [f"kept old generation {oldest}: it holds {notes}, which nba-ml did not write"]
    with pytest.raises(ConfigError, match=r"notes\.txt was not written by nba-ml"):
        cleanup_leftovers(data_dir)  # and the next training is refused until it is moved


def test_files_beside_the_store_survive_every_write(data_dir: Path, models_a, models_b) -> None:
    data_dir.mkdir(mode=0o750)
    mine = data_dir / "my_notes.txt"
    mine.write_text("keep me")
    for n in range(4):
        write_set(data_dir, (models_a, models_b)[n % 2], {"n": n})
    assert mine.read_text() == "keep me"
    assert len(generation_names(data_dir)) == 2


# ----------------------------------------------------------------------------- leftovers


def test_cleanup_leftovers_removes_only_temporary_things(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    generations = data_dir / "generations"
    half_written = generations / ".tmp-20260101T000000Z-abcdef"
    half_written.mkdir()
    (half_written / MODEL_FILES["points"]).write_bytes(b"partial")
    half_removed = generations / ".trash-20250101T000000Z-123456"
    half_removed.mkdir()
    stray_link = data_dir / ".models.tmp-20260101T000000Z-abcdef"
    stray_link.symlink_to("generations/.tmp-20260101T000000Z-abcdef")
    killed_write = data_dir / "history" / f".game_data-{'0' * 64}.npz.a1b2c3d4.tmp"
    killed_write.write_bytes(b"partial")
    # a link of the operator's that merely starts like nba-ml's temporary link: theirs, kept
    theirs = data_dir / ".models.tmp-backup"
    theirs.symlink_to("generations")

    removed = cleanup_leftovers(data_dir)
    assert sorted(removed) == sorted([half_written, half_removed, stray_link])
    assert theirs.is_symlink()
    assert verify_model_set(data_dir).ok
    assert cleanup_leftovers(data_dir) == []
    assert cleanup_leftovers(data_dir / "absent") == []


# ----------------------------------------------------------------------------- atomic swap


def _reader(data_dir: str, stop, report) -> None:  # type: ignore[no-untyped-def]
    """Verify the installed set in a loop; report (checks, bad results, generations seen)."""
    seen: set[str] = set()
    bad: list[str] = []
    checks = 0
    while not stop.is_set():
        verification = verify_model_set(Path(data_dir), full_load=checks % 4 == 0)
        checks += 1
        if not verification.ok:
            bad.append(verification.summary())
        else:
            seen.add(verification.manifest.generation)
    report.send((checks, bad, sorted(seen)))


def test_readers_never_see_a_mixed_or_partial_set(data_dir: Path, models_a, models_b) -> None:
    written = {write_set(data_dir, models_a, {"n": 0}).generation}
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    readers = [
        context.Process(target=_reader, args=(str(data_dir), stop, sender)) for _ in range(2)
    ]
    for reader in readers:
        reader.start()
    try:
        for n in range(1, 16):
            written.add(write_set(data_dir, (models_a, models_b)[n % 2], {"n": n}).generation)
    finally:
        stop.set()
        results = [receiver.recv() for _ in readers]
        for reader in readers:
            reader.join(10)
    for checks, bad, seen in results:
        assert bad == []
        assert checks > 10
        assert len(seen) >= 2
        assert set(seen) <= written
    assert verify_model_set(data_dir, full_load=True).ok


# ----------------------------------------------------------------------------- only what is ours


def test_foreign_entries_name_everything_nba_ml_did_not_write(data_dir: Path, models_a) -> None:
    write_set(data_dir, models_a, {})
    generations = data_dir / "generations"
    assert foreign_entries(data_dir) == []
    ours = [
        generations / ".tmp-20260101T000000Z-abcdef",
        generations / ".trash-20260101T000000Z-abcdef",
    ]
    for path in ours:
        path.mkdir()
        (path / ".manifest.json.k3j4h5.tmp").write_text("")  # a killed atomic_write
    (data_dir / ".models.tmp-20260101T000000Z-abcdef").symlink_to("generations/x")
    (data_dir / "runs.jsonl").write_text("")  # nba-ml never prunes at the top level
    (data_dir / "my_notes.txt").write_text("")
    assert foreign_entries(data_dir) == []

    generation = (data_dir / "models").resolve()
    strangers = [
        generations / "my-set",
        generation / "README",
        generations / "20260101T000000Z-abcdeg",
        data_dir / ".models.tmp-20260102T000000Z-abcdef",
    ]
    strangers[0].mkdir()
    strangers[1].write_text("")
    strangers[2].mkdir()  # not hex: not a name nba-ml gives
    strangers[3].mkdir()  # a directory where nba-ml only ever makes a symlink
    assert foreign_entries(data_dir) == sorted(strangers)
    with pytest.raises(ConfigError, match=r"\(and 3 more\) was not written by nba-ml") as raised:
        refuse_foreign(data_dir)
    assert raised.value.exit_code == 2
    with pytest.raises(ConfigError):
        cleanup_leftovers(data_dir)  # refused before anything is removed
    assert all(path.exists() for path in ours + strangers)


def test_a_symlink_nba_ml_did_not_make_is_never_replaced(
    data_dir: Path, models_a, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "their-models"
    elsewhere.mkdir()
    data_dir.mkdir()
    (data_dir / "models").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match="models was not written by nba-ml"):
        write_set(data_dir, models_a, {})
    assert os.readlink(data_dir / "models") == str(elsewhere)


def test_a_generation_an_older_nba_ml_pickled_is_its_own_and_pruned(
    data_dir: Path, models_a, models_b
) -> None:
    """Upgrading: the old set's .pkl files do not block a training as foreign files would."""
    write_set(data_dir, models_a, {})
    old = data_dir / "generations" / "20200101T000000Z-0a0b0c"
    old.mkdir()
    for name in install.LEGACY_MODEL_FILES:
        (old / name).write_bytes(b"an old pickle, never loaded")
    (old / "manifest.json").write_text('{"schema": 1, "models": {}}')
    legacy = tuple(name.replace(".skops", ".pkl") for name in MODEL_FILES.values())
    assert legacy == install.LEGACY_MODEL_FILES
    assert foreign_entries(data_dir) == []
    write_set(data_dir, models_b, {})
    assert not old.exists()
