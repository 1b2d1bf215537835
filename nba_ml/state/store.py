"""The model set on disk: written as one generation, swapped in atomically, verified and loaded.

Layout under the data directory::

    generations/<id>/            the four .pkl files and manifest.json (written last)
    models -> generations/<id>   a relative symlink, replaced with os.replace

A reader that resolves ``models`` once (as every function here does) sees one complete generation.
Verifying by hash imports neither scikit-learn nor joblib; they are imported only to load models.
Writers must hold the training lock (``nba_ml.state.lock.TrainingLock``); readers need no lock.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import logging
import math
import os
import stat
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from nba_ml import MODEL_FILES, MODEL_NAMES, __version__
from nba_ml.errors import ModelInvalid, StorageError

log = logging.getLogger(__name__)

MANIFEST_SCHEMA = 1
MANIFEST_NAME = "manifest.json"
GENERATIONS_DIR = "generations"
MODELS_LINK = "models"
SET = "model set"  # the ModelProblem.model of a problem that concerns the whole set
FILE_MODE = 0o640
DIR_MODE = 0o750
# zlib level 3: pickles shrink several-fold and still load in milliseconds.
COMPRESS: tuple[str, int] = ("zlib", 3)

_TMP_PREFIX = ".tmp-"
_TRASH_PREFIX = ".trash-"
_LINK_TMP_PREFIX = ".models.tmp-"
_CHUNK = 1 << 20
_UNSAFE_BITS = stat.S_IWGRP | stat.S_IWOTH
_VERSION_PACKAGES: dict[str, str] = {
    "sklearn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
    "joblib": "joblib",
    "nba_api": "nba_api",
}


@dataclass
class ModelProblem:
    """One reason a model (or, with model ``SET``, the whole set) cannot be served."""

    model: str
    problem: str

    def __str__(self) -> str:
        return f"{self.model}: {self.problem}"


@dataclass
class Verification:
    """The outcome of checking the installed model set; ``ok`` means every check passed."""

    ok: bool
    manifest: dict | None
    problems: list[ModelProblem]
    loaded: bool
    seconds: float
    path: Path | None = field(default=None)

    def summary(self) -> str:
        """Return the problems as one line, or "ok"."""
        return "; ".join(str(problem) for problem in self.problems) if self.problems else "ok"


# ----------------------------------------------------------------------------- small helpers


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _installed_version(distribution: str) -> str | None:
    # A wheel installs <name>-<version>.dist-info (name normalized, PEP 491): reading the
    # directory name spares `check` the import of importlib.metadata (and email) at start-up.
    import sys

    prefix = distribution.replace("-", "_").lower() + "-"
    for entry in sys.path:
        with contextlib.suppress(OSError):
            for name in os.listdir(entry or "."):
                if name.lower().startswith(prefix) and name.endswith(".dist-info"):
                    return name[len(prefix):-len(".dist-info")]
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _versions() -> dict[str, str | None]:
    import platform

    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, distribution in _VERSION_PACKAGES.items():
        versions[key] = _installed_version(distribution)
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


def _lower_first(text: str | None) -> str:
    text = text or "unknown error"
    return text[:1].lower() + text[1:]


def _storage_message(error: OSError, path: Path, action: str = "writing") -> str:
    reason = _lower_first(error.strerror or str(error))
    where = error.filename if error.filename else path
    return f"{reason} {action} {where}; current models kept"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dir(path: Path, *, parents: bool = False) -> None:
    """Create ``path`` with mode 0750 unless it already is a directory."""
    if path.is_dir():
        return
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if not path.is_dir():
            raise
        return
    os.chmod(path, DIR_MODE)


def _remove_tree(path: Path) -> bool:
    """Remove a directory tree, logging instead of raising; return whether it is gone."""
    try:
        import shutil  # here, not at the top: `check` starts faster without it

        shutil.rmtree(path)
    except FileNotFoundError:
        return True
    except OSError as error:
        log.warning("could not remove %s: %s", path, error.strerror or error)
        return False
    return True


def _unsafe_reason(
    status: os.stat_result, trusted: set[int], unsafe_bits: int = _UNSAFE_BITS
) -> str | None:
    """Return why a file or directory with this status must not be trusted, or None."""
    bits = status.st_mode & unsafe_bits
    if bits == _UNSAFE_BITS:
        return "writable by group and other users"
    if bits & stat.S_IWOTH:
        return "writable by other users"
    if bits & stat.S_IWGRP:
        return "writable by group"
    if status.st_uid not in trusted:
        return f"owned by another user (uid {status.st_uid})"
    return None


# ----------------------------------------------------------------------------- resolving the set


def _link_target(data_dir: Path) -> str | None:
    """Return what ``models`` points to, "" when it is a real directory, None when absent."""
    try:
        return os.readlink(data_dir / MODELS_LINK)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.EINVAL:  # not a symlink
            return ""
        raise


def _resolve_set_dir(data_dir: Path) -> tuple[Path | None, str | None]:
    """Return the directory holding the current set (resolved once) and the link target."""
    target = _link_target(data_dir)
    if target is None:
        return None, None
    if target == "":
        return data_dir / MODELS_LINK, target
    path = Path(target)
    return (path if path.is_absolute() else data_dir / path), target


def _current_generation(data_dir: Path) -> str | None:
    """Return the name of the generation ``models`` points to, if it is one of ours."""
    try:
        target = _link_target(data_dir)
    except OSError:
        return None
    if not target:
        return None
    path = Path(target)
    if not path.is_absolute():
        path = data_dir / path
    if path.parent.resolve(strict=False) == (data_dir / GENERATIONS_DIR).resolve(strict=False):
        return path.name
    return None


def _read_manifest_file(set_dir: Path) -> tuple[dict | None, str | None, os.stat_result | None]:
    """Return (manifest, problem, file status) for ``set_dir/manifest.json``."""
    path = set_dir / MANIFEST_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None, f"{MANIFEST_NAME} is missing", None
    except OSError as error:
        return None, f"{MANIFEST_NAME} cannot be opened: {_lower_first(error.strerror)}", None
    try:
        status = os.fstat(fd)
        with open(fd, "rb", closefd=False) as handle:
            raw = handle.read(16 * _CHUNK)
    except OSError as error:
        return None, f"{MANIFEST_NAME} cannot be read: {_lower_first(error.strerror)}", None
    finally:
        os.close(fd)
    try:
        manifest = json.loads(raw)
    except ValueError as error:
        return None, f"{MANIFEST_NAME} is not valid JSON ({error})", status
    if not isinstance(manifest, dict) or not isinstance(manifest.get("models"), dict):
        return None, f"{MANIFEST_NAME} has no models table", status
    return manifest, None, status


def read_manifest(data_dir: Path) -> dict | None:
    """Return the installed set's manifest, or None when there is none or it is unreadable."""
    try:
        set_dir, _ = _resolve_set_dir(Path(data_dir))
    except OSError:
        return None
    if set_dir is None:
        return None
    manifest, problem, _ = _read_manifest_file(set_dir)
    if problem and manifest is None and "missing" not in problem:
        log.warning("model manifest in %s: %s", set_dir, problem)
    return manifest


# ----------------------------------------------------------------------------- verify and load


def _hash_fd(fd: int, keep: bool) -> tuple[str, int, bytes | None]:
    digest = hashlib.sha256()
    size = 0
    parts: list[bytes] = []
    with open(fd, "rb", closefd=False) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if keep:
                parts.append(chunk)
    return digest.hexdigest(), size, (b"".join(parts) if keep else None)


def _load_model(data: bytes) -> tuple[object | None, str | None]:
    """Unpickle one model from bytes; return (model, None) or (None, problem), never raising."""
    import warnings

    try:
        import joblib
        from sklearn.exceptions import InconsistentVersionWarning
    except ImportError as error:
        return None, f"not loadable: {error}"

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # includes InconsistentVersionWarning
        try:
            model = joblib.load(io.BytesIO(data))
        except InconsistentVersionWarning as warning:
            return None, (
                f"trained with scikit-learn {warning.original_sklearn_version}, "
                f"running {warning.current_sklearn_version}"
            )
        # An unpickling failure can surface as any exception; each one is a problem, not a crash.
        except Exception as error:  # noqa: BLE001
            first_line = (str(error).strip().splitlines() or [""])[0][:200]
            detail = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
            return None, f"not loadable: {detail}"
    if not callable(getattr(model, "predict", None)):
        return None, f"not a model (loaded a {type(model).__name__})"
    return model, None


def _check_path_safety(
    path: Path, problems: list[ModelProblem], trusted: set[int], unsafe_bits: int = _UNSAFE_BITS
) -> None:
    try:
        status = os.stat(path)
    except OSError as error:
        problems.append(ModelProblem(SET, f"{path} cannot be read: {_lower_first(error.strerror)}"))
        return
    reason = _unsafe_reason(status, trusted, unsafe_bits)
    if reason:
        problems.append(ModelProblem(SET, f"{path} is {reason}"))


def _inspect_once(
    data_dir: Path, set_dir: Path | None, target: str | None, load: bool
) -> tuple[Verification, dict[str, object]]:
    problems: list[ModelProblem] = []
    models: dict[str, object] = {}

    def done(manifest: dict | None = None) -> tuple[Verification, dict[str, object]]:
        loaded = load and not problems and len(models) == len(MODEL_NAMES)
        return Verification(not problems, manifest, problems, loaded, 0.0, set_dir), models

    link = data_dir / MODELS_LINK
    if set_dir is None:
        problems.append(ModelProblem(SET, f"no model set at {link}"))
        return done()
    try:
        set_status = os.stat(set_dir)
    except FileNotFoundError:
        problems.append(ModelProblem(SET, f"{link} points to {target}, which does not exist"))
        return done()
    except OSError as error:
        problems.append(ModelProblem(SET, f"{set_dir} cannot be read: {error.strerror}"))
        return done()
    if not stat.S_ISDIR(set_status.st_mode):
        problems.append(ModelProblem(SET, f"{set_dir} is not a directory"))
        return done()

    # Trusted owners: root, this user, and the data directory's owner, who controls everything
    # in it anyway (a web server in the trainer's group reads files the trainer owns).
    trusted = {0, os.geteuid()}
    with contextlib.suppress(OSError):
        trusted.add(os.stat(data_dir).st_uid)
    # The data directory's mode is the operator's choice (a group may share it); only a
    # world-writable one is refused. What lies below it is ours and checked strictly.
    _check_path_safety(data_dir, problems, trusted, stat.S_IWOTH)
    generations = data_dir / GENERATIONS_DIR
    if set_dir.parent == generations:
        _check_path_safety(generations, problems, trusted)
    reason = _unsafe_reason(set_status, trusted)
    if reason:
        problems.append(ModelProblem(SET, f"{set_dir} is {reason}"))

    manifest, manifest_problem, manifest_status = _read_manifest_file(set_dir)
    if manifest_problem:
        problems.append(ModelProblem(SET, manifest_problem))
    if manifest_status is not None:
        reason = _unsafe_reason(manifest_status, trusted)
        if reason:
            problems.append(ModelProblem(SET, f"{MANIFEST_NAME} is {reason}"))
    entries: dict[str, Any] = manifest["models"] if manifest else {}
    if manifest is not None:
        versions = manifest.get("versions")
        recorded = versions.get("sklearn") if isinstance(versions, dict) else None
        running = _installed_version("scikit-learn")
        if running is None:
            problems.append(ModelProblem(SET, "scikit-learn is not installed"))
        elif recorded is None:
            problems.append(ModelProblem(SET, "manifest does not record the scikit-learn version"))
        elif recorded != running:
            problems.append(
                ModelProblem(SET, f"trained with scikit-learn {recorded}, running {running}")
            )

    for name in MODEL_NAMES:
        filename = MODEL_FILES[name]
        path = set_dir / filename
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            problems.append(ModelProblem(name, "missing"))
            continue
        except OSError as error:
            detail = "is a symlink" if error.errno == errno.ELOOP else error.strerror
            problems.append(ModelProblem(name, f"cannot be opened: {_lower_first(detail)}"))
            continue
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                problems.append(ModelProblem(name, "not a regular file"))
                continue
            reason = _unsafe_reason(status, trusted)
            if reason:
                problems.append(ModelProblem(name, reason))
                continue
            if manifest is None:
                continue  # nothing to check the file against
            entry = entries.get(name)
            if not isinstance(entry, dict) or entry.get("file") != filename:
                problems.append(ModelProblem(name, "not listed in the manifest"))
                continue
            digest, size, data = _hash_fd(fd, keep=load)
        except OSError as error:
            problems.append(ModelProblem(name, f"cannot be read: {_lower_first(error.strerror)}"))
            continue
        finally:
            os.close(fd)
        if digest != entry.get("sha256"):
            problems.append(
                ModelProblem(name, f"sha256 mismatch ({size} bytes; file changed since training)")
            )
            continue
        if data is not None and any(p.model == SET for p in problems):
            continue  # never unpickle under an untrusted set (manifest, directory, versions)
        if data is not None:
            model, problem = _load_model(data)
            if problem:
                problems.append(ModelProblem(name, problem))
            else:
                models[name] = model
    return done(manifest)


def _inspect(data_dir: Path, load: bool) -> tuple[Verification, dict[str, object]]:
    data_dir = Path(data_dir)
    started = time.monotonic()
    result: tuple[Verification, dict[str, object]] | None = None
    for _attempt in range(3):
        try:
            set_dir, target = _resolve_set_dir(data_dir)
        except OSError as error:
            link = data_dir / MODELS_LINK
            problem = ModelProblem(SET, f"{link} cannot be read: {error.strerror}")
            result = Verification(False, None, [problem], False, 0.0, None), {}
            break
        result = _inspect_once(data_dir, set_dir, target, load)
        try:
            unchanged = _link_target(data_dir) == target
        except OSError:
            unchanged = True
        if result[0].ok or unchanged:
            break
        # A writer swapped (and may have pruned) the set while we read it: look again.
        log.debug("model set in %s changed while it was verified; verifying again", data_dir)
    assert result is not None
    result[0].seconds = time.monotonic() - started
    return result


def verify_model_set(data_dir: Path, *, full_load: bool = False) -> Verification:
    """Return a Verification of hashes, permissions, versions (and loads if asked); never raises."""
    verification, _ = _inspect(data_dir, load=full_load)
    return verification


def load_model_set(data_dir: Path) -> dict[str, object]:
    """Return the four verified models by name; raise ModelInvalid naming each bad model."""
    models, _ = load_model_set_with_manifest(data_dir)
    return models


def load_model_set_with_manifest(data_dir: Path) -> tuple[dict[str, object], dict]:
    """Return the verified models and the manifest of that same generation; raise ModelInvalid."""
    verification, models = _inspect(data_dir, load=True)
    if not verification.ok or verification.manifest is None:
        where = Path(data_dir) / MODELS_LINK
        raise ModelInvalid(f"models in {where} are not usable: {verification.summary()}")
    return models, verification.manifest


def model_age_hours(manifest: dict, now: datetime | None = None) -> float:
    """Return hours since the set in ``manifest`` was trained (infinity when unknown)."""
    raw = manifest.get("trained_at") if isinstance(manifest, dict) else None
    if not isinstance(raw, str):
        return math.inf
    try:
        trained_at = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return math.inf
    if trained_at.tzinfo is None:
        trained_at = trained_at.replace(tzinfo=timezone.utc)
    now = now or _now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return (now - trained_at).total_seconds() / 3600.0


# ----------------------------------------------------------------------------- write


def _new_generation_id(now: datetime, generations: Path) -> str:
    while True:
        import secrets

        generation = f"{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"
        if not (generations / generation).exists():
            return generation


def _write_new_file(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    fd = os.open(path, flags, FILE_MODE)
    with open(fd, "wb") as handle:
        os.fchmod(fd, FILE_MODE)
        handle.write(data)
        handle.flush()
        os.fsync(fd)


def _dump_model(model: object, path: Path) -> dict[str, Any]:
    import joblib

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    fd = os.open(path, flags, FILE_MODE)
    with open(fd, "wb") as handle:
        os.fchmod(fd, FILE_MODE)
        joblib.dump(model, handle, compress=COMPRESS)
        handle.flush()
        os.fsync(fd)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        digest, size, _ = _hash_fd(fd, keep=False)
    finally:
        os.close(fd)
    return {"file": path.name, "sha256": digest, "bytes": size}


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); return False where unsupported."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    path_type, int_type = ctypes.c_char_p, ctypes.c_int
    renameat2.argtypes = [int_type, path_type, int_type, path_type, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _legacy_name(generations: Path) -> Path:
    import secrets

    return generations / f"legacy-{_now():%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


def _publish(data_dir: Path, generation: str) -> str | None:
    """Point ``models`` at ``generation``; return where a legacy directory was moved, if any."""
    link = data_dir / MODELS_LINK
    temporary_link = data_dir / f"{_LINK_TMP_PREFIX}{generation}"
    os.symlink(f"{GENERATIONS_DIR}/{generation}", temporary_link)
    moved_aside: str | None = None
    try:
        if link.is_dir() and not link.is_symlink():
            aside = _legacy_name(data_dir / GENERATIONS_DIR)
            if _exchange(temporary_link, link):
                # `models` is now the link; the legacy directory sits at the temporary name.
                os.rename(temporary_link, aside)
            else:
                os.rename(link, aside)
                os.replace(temporary_link, link)
            moved_aside = aside.name
            log.info("moved the models directory %s aside to %s", link, aside)
        else:
            os.replace(temporary_link, link)
    finally:
        if temporary_link.is_symlink():
            temporary_link.unlink()
    return moved_aside


def _prune(data_dir: Path, keep: set[str | None]) -> None:
    """Remove generations other than those in ``keep`` and the one ``models`` points to now."""
    generations = data_dir / GENERATIONS_DIR
    keep = {*(name for name in keep if name), _current_generation(data_dir)}
    try:
        entries = list(os.scandir(generations))
    except OSError as error:
        log.warning("could not list %s: %s", generations, error.strerror)
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name in keep:
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        trash = generations / f"{_TRASH_PREFIX}{entry.name}"
        try:
            os.rename(entry.path, trash)  # atomic: a half-removed generation is never visible
        except OSError as error:
            log.warning("could not remove old model generation %s: %s", entry.path, error.strerror)
            continue
        if _remove_tree(trash):
            log.debug("removed old model generation %s", entry.name)


def write_model_set(data_dir: Path, models: dict[str, object], training: dict) -> dict:
    """Install ``models`` atomically as one new set; return its manifest or raise StorageError."""
    missing = [name for name in MODEL_NAMES if name not in models]
    unknown = sorted(set(models) - set(MODEL_NAMES))
    if missing or unknown:
        raise ValueError(
            f"a model set needs {list(MODEL_NAMES)}; missing {missing}, unknown {unknown}"
        )
    training = json.loads(json.dumps(training, default=_json_default))
    data_dir = Path(data_dir)
    generations = data_dir / GENERATIONS_DIR
    now = _now()
    step = data_dir
    tmp_dir: Path | None = None
    try:
        _make_dir(data_dir, parents=True)
        step = generations
        _make_dir(generations)
        generation = _new_generation_id(now, generations)
        tmp_dir = step = generations / f"{_TMP_PREFIX}{generation}"
        tmp_dir.mkdir(mode=DIR_MODE)
        os.chmod(tmp_dir, DIR_MODE)
        entries: dict[str, dict[str, Any]] = {}
        for name in MODEL_NAMES:
            step = tmp_dir / MODEL_FILES[name]
            entries[name] = _dump_model(models[name], step)
        previous = _current_generation(data_dir)
        manifest: dict[str, Any] = {
            "schema": MANIFEST_SCHEMA,
            "generation": generation,
            "previous_generation": previous,
            "trained_at": now.isoformat(timespec="seconds"),
            "models": entries,
            "versions": _versions(),
            "training": training,
        }
        step = tmp_dir / MANIFEST_NAME
        _write_new_file(step, json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
        step = tmp_dir
        _fsync_dir(tmp_dir)
        step = generations / generation
        os.rename(tmp_dir, step)
        tmp_dir = None
        _fsync_dir(generations)
    except OSError as error:
        if tmp_dir is not None:
            _remove_tree(tmp_dir)
        raise StorageError(_storage_message(error, step)) from error
    except BaseException:
        if tmp_dir is not None:
            _remove_tree(tmp_dir)
        raise

    final_dir = generations / generation
    try:
        moved_aside = _publish(data_dir, generation)
    except OSError as error:
        if _current_generation(data_dir) != generation:
            _remove_tree(final_dir)
            raise StorageError(_storage_message(error, data_dir / MODELS_LINK)) from error
        moved_aside = None
        log.warning("new models installed, but tidying up failed: %s", error.strerror)
    try:
        _fsync_dir(data_dir)
    except OSError as error:
        log.warning("could not fsync %s: %s", data_dir, error.strerror)
    _prune(data_dir, {generation, previous, moved_aside})
    log.info("installed model generation %s in %s", generation, data_dir)
    return manifest


def cleanup_leftovers(data_dir: Path) -> list[Path]:
    """Remove temporary directories and links a killed writer left behind; return those paths."""
    data_dir = Path(data_dir)
    removed: list[Path] = []
    generations = data_dir / GENERATIONS_DIR
    try:
        entries = list(os.scandir(generations))
    except FileNotFoundError:
        entries = []
    except OSError as error:
        log.warning("could not list %s: %s", generations, error.strerror)
        entries = []
    for entry in entries:
        if entry.name.startswith((_TMP_PREFIX, _TRASH_PREFIX)):
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if _remove_tree(path):
                    removed.append(path)
            else:
                try:
                    path.unlink()
                    removed.append(path)
                except OSError as error:
                    log.warning("could not remove %s: %s", path, error.strerror)
    try:
        entries = list(os.scandir(data_dir))
    except OSError:
        entries = []
    for entry in entries:
        if not entry.name.startswith(_LINK_TMP_PREFIX):
            continue
        path = Path(entry.path)
        try:
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                path.unlink()
                removed.append(path)
            else:
                # A legacy models directory swapped out by a writer killed before it moved it aside.
                _make_dir(generations)
                aside = _legacy_name(generations)
                os.rename(path, aside)
                log.warning("moved the former models directory %s to %s", path, aside)
        except OSError as error:
            log.warning("could not remove %s: %s", path, error.strerror)
    for path in removed:
        log.info("removed leftover %s", path)
    return removed
