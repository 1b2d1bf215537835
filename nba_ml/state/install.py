"""The model store, install side: write a generation, swap ``models`` to it, prune old ones.

A set is written into ``generations/.tmp-<id>/`` (every file with :func:`atomic_write`, the
manifest last), renamed to ``generations/<id>`` and published by replacing the ``models``
symlink with ``os.replace``; readers (:mod:`nba_ml.state.store`) see the old set or the new one.

nba-ml only ever moves, replaces or deletes what it wrote: generations named
``<time>Z-<hex>`` holding only its own file names, its temporary and trash directories, and the
``models`` link it made. Anything else where it would publish or prune (a real ``models/``
directory, a foreign file in ``generations/`` or ``history/``) is refused before any work with a
:class:`~nba_ml.errors.ConfigError` naming the path. Writers hold the training lock.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import secrets
import shutil
import stat
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from nba_ml import __version__, modelset
from nba_ml.errors import ConfigError, StorageError
from nba_ml.manifest import Manifest, ModelEntry
from nba_ml.state.datadir import make_directory
from nba_ml.state.files import atomic_write, describe_os_error, fsync_directory, safe_text
from nba_ml.state.history import foreign_history_entries
from nba_ml.state.layout import (
    DIR_MODE,
    FILE_MODE,
    LINK_TMP_PREFIX,
    MANIFEST_NAME,
    TMP_PREFIX,
    TRASH_PREFIX,
    DataLayout,
    link_text,
)
from nba_ml.state.store import (
    GENERATION_PATTERN,
    current_generation,
    generation_of,
    link_target,
)
from nba_ml.state.versions import installed_version

log = logging.getLogger(__name__)

# The model files of sets written before skops (pickles): still nba-ml's own, so that the old
# generations they sit in are pruned like any other (they are never loaded).
LEGACY_MODEL_FILES: tuple[str, ...] = tuple(
    f"{Path(name).stem}.pkl" for name in modelset.MODEL_FILES.values()
)


def _own_files() -> frozenset[str]:
    """The names of the files nba-ml writes in a generation (every registered model's)."""
    files = [spec.file for spec in modelset.models()]
    return frozenset([*files, *LEGACY_MODEL_FILES, MANIFEST_NAME])


_VERSION_PACKAGES: dict[str, str] = {
    "sklearn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
    "joblib": "joblib",
    "skops": "skops",
    "nba_api": "nba_api",
}


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, distribution in _VERSION_PACKAGES.items():
        versions[key] = installed_version(distribution)
    versions["nba_ml"] = __version__
    return versions


def _json_default(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _storage_message(error: OSError, path: Path | str, action: str = "writing") -> str:
    reason = describe_os_error(error)
    where = error.filename if error.filename else path
    return f"{reason} {action} {safe_text(str(where))}; current models kept"


def _remove_tree(path: Path) -> bool:
    """Remove a directory tree, logging instead of raising; return whether it is gone."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return True
    except OSError as error:
        log.warning("could not remove %s: %s", safe_text(str(path)), describe_os_error(error))
        return False
    return True


# ----------------------------------------------------------------------------- what is ours


def _is_own_file_name(name: str) -> bool:
    own_files = _own_files()
    if name in own_files:
        return True
    # atomic_write's temporary name for one of them, left by a killed writer.
    return any(name.startswith(f".{own}.") and name.endswith(".tmp") for own in own_files)


def _own_generation_name(name: str) -> bool:
    for prefix in ("", TMP_PREFIX, TRASH_PREFIX):
        if name.startswith(prefix) and GENERATION_PATTERN.fullmatch(name[len(prefix) :]):
            return True
    return False


def _own_link_tmp_name(name: str) -> bool:
    """Whether ``name`` is the temporary link _publish makes (``.models.tmp-<generation>``)."""
    return (
        name.startswith(LINK_TMP_PREFIX)
        and GENERATION_PATTERN.fullmatch(name[len(LINK_TMP_PREFIX) :]) is not None
    )


def _foreign_in_generation(path: Path) -> Path | None:
    """Return the first thing in one generation directory that nba-ml did not write, or None."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return path
    for entry in entries:
        if not _is_own_file_name(entry.name) or not entry.is_file(follow_symlinks=False):
            return Path(entry.path)
    return None


def foreign_entries(data_dir: Path) -> list[Path]:
    """Return every path where nba-ml would publish or prune that it did not write."""
    data_dir = Path(data_dir)
    foreign: list[Path] = []
    target = link_target(data_dir)
    if target is not None and generation_of(target) is None:
        foreign.append(DataLayout(data_dir).models)  # a real directory, or a link someone else made
    generations = DataLayout(data_dir).generations
    try:
        info = os.lstat(generations)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        foreign.append(generations)
    elif info is not None:
        for entry in os.scandir(generations):
            if not _own_generation_name(entry.name) or not entry.is_dir(follow_symlinks=False):
                foreign.append(Path(entry.path))
                continue
            inner = _foreign_in_generation(Path(entry.path))
            if inner is not None:
                foreign.append(inner)
    for entry in os.scandir(data_dir):
        if _own_link_tmp_name(entry.name) and not entry.is_symlink():
            foreign.append(Path(entry.path))
    foreign.extend(foreign_history_entries(data_dir))
    return sorted(foreign)


def refuse_foreign(data_dir: Path) -> None:
    """Raise ConfigError naming the first foreign path where nba-ml would write or prune."""
    data_dir = Path(data_dir)
    try:
        foreign = foreign_entries(data_dir) if data_dir.is_dir() else []
    except OSError as error:
        raise StorageError(
            f"cannot list {safe_text(str(data_dir))}: {describe_os_error(error)}"
        ) from None
    if foreign:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise ConfigError(
            f"{safe_text(str(foreign[0]))}{more} was not written by nba-ml, which will not move, "
            f"replace or delete it: move it out of {safe_text(str(data_dir))} or use another "
            "--data-dir"
        )


# ----------------------------------------------------------------------------- write


def _new_generation_id(now: datetime, generations: Path) -> str:
    while True:
        generation = f"{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
        if not (generations / generation).exists():
            return generation


def _dump_model(model: object, path: Path) -> ModelEntry:
    import hashlib

    from nba_ml.state.modelfile import dumps_model

    data = dumps_model(model)
    atomic_write(path, data, mode=FILE_MODE)
    return ModelEntry(path.name, hashlib.sha256(data).hexdigest(), len(data))


def _publish(data_dir: Path, generation: str) -> None:
    """Point ``models`` at ``generation`` (replacing only nba-ml's own link)."""
    link = DataLayout(data_dir).models
    target = link_target(data_dir)
    if target is not None and generation_of(target) is None:
        raise ConfigError(
            f"{safe_text(str(link))} was not written by nba-ml, which will not replace it"
        )
    temporary_link = data_dir / f"{LINK_TMP_PREFIX}{generation}"
    os.symlink(link_text(generation), temporary_link)
    try:
        os.replace(temporary_link, link)  # fails (EISDIR) rather than replace a directory
    finally:
        if temporary_link.is_symlink():
            temporary_link.unlink()


def _prune(data_dir: Path, keep: set[str | None]) -> None:
    """Remove nba-ml's generations other than ``keep`` and the one ``models`` points to now."""
    generations = DataLayout(data_dir).generations
    keep = {name for name in keep if name}
    keep.add(current_generation(data_dir))
    try:
        entries = list(os.scandir(generations))
    except OSError as error:
        log.warning("could not list %s: %s", generations, describe_os_error(error))
        return
    for entry in entries:
        if entry.name in keep or not GENERATION_PATTERN.fullmatch(entry.name):
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        foreign = _foreign_in_generation(Path(entry.path))
        if foreign is not None:
            log.warning(
                "kept old generation %s: it holds %s, which nba-ml did not write",
                entry.name,
                safe_text(str(foreign)),
            )
            continue
        trash = generations / f"{TRASH_PREFIX}{entry.name}"
        try:
            os.rename(entry.path, trash)  # atomic: a half-removed generation is never visible
        except OSError as error:
            log.warning(
                "could not remove old model generation %s: %s", entry.path, describe_os_error(error)
            )
            continue
        if _remove_tree(trash):
            log.debug("removed old model generation %s", entry.name)


def write_model_set(
    data_dir: Path, models: dict[str, object], training: dict[str, Any]
) -> Manifest:
    """Install ``models`` (one of each registered model) atomically as one new set, with the
    training record ``training``; return its manifest.

    Raise ConfigError when something nba-ml did not write is in the way, StorageError when the
    disk refuses (the current set is kept either way).
    """
    names = modelset.names()
    missing = [name for name in names if name not in models]
    unknown = sorted(set(models) - set(names))
    if missing or unknown:
        raise ValueError(f"a model set needs {list(names)}; missing {missing}, unknown {unknown}")
    training = json.loads(json.dumps(training, default=_json_default))
    data_dir = Path(data_dir)
    manifest, generation = _write_generation(data_dir, models, training)
    previous = manifest.previous_generation
    final_dir = DataLayout(data_dir).generations / generation
    try:
        _publish(data_dir, generation)
    except (OSError, ConfigError) as error:
        if current_generation(data_dir) != generation:
            _remove_tree(final_dir)
            if isinstance(error, ConfigError):
                raise
            raise StorageError(_storage_message(error, DataLayout(data_dir).models)) from error
        log.warning("new models installed, but tidying up failed: %s", error)
    fsync_directory(data_dir)
    _prune(data_dir, {generation, previous})
    log.info("installed model generation %s in %s", generation, data_dir)
    return manifest


def _write_generation(
    data_dir: Path, models: dict[str, object], training: dict
) -> tuple[Manifest, str]:
    """Write ``models`` and their manifest as a new generation directory, not yet published;
    return the manifest and the generation's name. Nothing is left behind when it fails
    (StorageError for the disk's refusals, naming the path that failed)."""
    generations = DataLayout(data_dir).generations
    now = datetime.now(timezone.utc)
    step = data_dir
    tmp_dir: Path | None = None
    try:
        make_directory(data_dir, DIR_MODE)
        refuse_foreign(data_dir)
        step = generations
        make_directory(generations, DIR_MODE)
        generation = _new_generation_id(now, generations)
        tmp_dir = step = generations / f"{TMP_PREFIX}{generation}"
        tmp_dir.mkdir(mode=DIR_MODE)
        os.chmod(tmp_dir, DIR_MODE)
        entries: dict[str, ModelEntry] = {}
        for spec in modelset.models():
            step = tmp_dir / spec.file
            entries[spec.name] = _dump_model(models[spec.name], step)
        previous = current_generation(data_dir)
        manifest = Manifest.new(
            generation=generation,
            previous_generation=previous,
            trained_at=now.isoformat(timespec="seconds"),
            models=entries,
            versions=_versions(),
            training=training,
        )
        step = tmp_dir / MANIFEST_NAME
        text = json.dumps(manifest.to_json(), indent=2, sort_keys=True) + "\n"
        atomic_write(step, text, mode=FILE_MODE)
        step = generations / generation
        os.rename(tmp_dir, step)
        tmp_dir = None
        fsync_directory(generations)
    except OSError as error:
        if tmp_dir is not None:
            _remove_tree(tmp_dir)
        raise StorageError(_storage_message(error, step)) from error
    except BaseException:
        if tmp_dir is not None:
            _remove_tree(tmp_dir)
        raise
    return manifest, generation


def cleanup_leftovers(data_dir: Path) -> list[Path]:
    """Remove the temporary directories and links a killed writer left; return those paths.

    Raise ConfigError first when something nba-ml did not write lies where it would install or
    prune (so a training is refused before it starts, not after it has fitted).
    """
    data_dir = Path(data_dir)
    refuse_foreign(data_dir)
    removed = [*_remove_temporary_generations(data_dir), *_remove_temporary_links(data_dir)]
    for path in removed:
        log.info("removed leftover %s", path)
    return removed


def _remove_temporary_generations(data_dir: Path) -> list[Path]:
    """Remove the generation directories a killed writer was filling or deleting; return them."""
    removed: list[Path] = []
    generations = DataLayout(data_dir).generations
    try:
        entries = list(os.scandir(generations))
    except FileNotFoundError:
        entries = []
    except OSError as error:
        log.warning("could not list %s: %s", generations, describe_os_error(error))
        entries = []
    for entry in entries:
        if entry.name.startswith((TMP_PREFIX, TRASH_PREFIX)) and _own_generation_name(entry.name):
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False) and _remove_tree(path):
                removed.append(path)
    return removed


def _remove_temporary_links(data_dir: Path) -> list[Path]:
    """Remove the temporary links a killed writer left beside the models link; return them."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(data_dir))
    except OSError:
        entries = []
    for entry in entries:
        if _own_link_tmp_name(entry.name) and entry.is_symlink():
            path = Path(entry.path)
            try:
                path.unlink()
                removed.append(path)
            except OSError as error:
                log.warning("could not remove %s: %s", path, describe_os_error(error))
    return removed
