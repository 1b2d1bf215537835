"""The model store, read side: resolve the installed set, verify it, load it.

Layout under the data directory (names and modes in :mod:`nba_ml.state.layout`; the install
side, :mod:`nba_ml.state.install`, writes it)::

    generations/<id>/            the four .skops files and manifest.json (written last)
    models -> generations/<id>   a relative symlink, replaced with os.replace
    history/game_data-<sha>.npz  the game data the set was trained on (sha256 in the manifest)

A reader that resolves ``models`` once (as every function here does) sees one complete generation.
Verifying by hash imports neither scikit-learn nor skops; they are imported only to load models.
Loading builds only allowed types (:mod:`nba_ml.state.modelfile`), and nothing is loaded unless
:mod:`nba_ml.state.trust` also trusts the file and every directory above it. A set written by an
older nba-ml (pickles, manifest schema 1) is invalid: it is never loaded, and ``ensure`` retrains.
Every file is read with :func:`nba_ml.state.files.read_regular_file_with_status` (regular files
only, never blocking, bounded). Readers need no lock.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import math
import os
import re
import stat
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nba_ml import modelset
from nba_ml.errors import DataError
from nba_ml.manifest import MANIFEST_SCHEMA, Manifest, ManifestDamaged
from nba_ml.modelset import ModelSpec, lacking_line
from nba_ml.state import history
from nba_ml.state.files import (
    FileDamaged,
    describe_os_error,
    loads_json,
    parse_utc,
    read_regular_file_with_status,
    safe_text,
)
from nba_ml.state.layout import GENERATIONS_DIR, MANIFEST_NAME, DataLayout
from nba_ml.state.modelfile import loads_model
from nba_ml.state.trust import path_problem, status_problem, trusted_uids
from nba_ml.state.unusable import NO_SET, unusable_set
from nba_ml.state.versions import installed_version

log = logging.getLogger(__name__)

SET = "model set"  # the ModelProblem.model of a problem that concerns the whole set
GAME_DATA = "game data"  # the ModelProblem.model of a problem with the saved game data
# The name of every generation nba-ml writes: <UTC time>Z-<6 hex digits>.
GENERATION_PATTERN = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
MANIFEST_LIMIT = 16 * 1024 * 1024
MODEL_LIMIT = 512 * 1024 * 1024
# A trained_at up to this far ahead of the clock is clock skew between machines; beyond, the
# time cannot be trusted and the set counts as of unknown age.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class ModelProblem:
    """One reason a model (or, with model ``SET``, the whole set) cannot be served."""

    model: str
    problem: str

    def __str__(self) -> str:
        return f"{self.model}: {self.problem}"


@dataclass
class Verification:
    """The outcome of checking the installed model set; ``ok`` means every check passed.

    ``lacking``: registered models the set does not list because it was trained before they
    existed (``ModelSpec.required`` False); such a set is still ``ok`` and served without them.
    """

    ok: bool
    manifest: Manifest | None
    problems: list[ModelProblem]
    loaded: bool
    seconds: float
    path: Path | None = field(default=None)
    lacking: tuple[ModelSpec, ...] = ()

    def summary(self) -> str:
        """Return the problems as one line, or "ok"."""
        return "; ".join(str(problem) for problem in self.problems) if self.problems else "ok"

    def lacking_line(self) -> str:
        """Return the one line naming the models this set lacks ("" when none)."""
        return lacking_line(self.lacking)


# ----------------------------------------------------------------------------- resolving the set


def link_target(data_dir: Path) -> str | None:
    """Return what ``models`` points to, "" when it is not a symlink, None when absent."""
    try:
        return os.readlink(DataLayout(data_dir).models)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.EINVAL:  # not a symlink
            return ""
        raise


def generation_of(target: str | None) -> str | None:
    """Return the generation a ``models`` link target names when nba-ml made it, else None."""
    if not target:
        return None
    parts = target.split("/")
    if len(parts) == 2 and parts[0] == GENERATIONS_DIR and GENERATION_PATTERN.fullmatch(parts[1]):
        return parts[1]
    return None


def current_generation(data_dir: Path) -> str | None:
    """Return the name of the generation ``models`` points to, if nba-ml made that link."""
    try:
        return generation_of(link_target(Path(data_dir)))
    except OSError:
        return None


def _resolve_set_dir(data_dir: Path) -> tuple[Path | None, str | None]:
    """Return the directory holding the current set (resolved once) and the link target."""
    target = link_target(data_dir)
    if target is None:
        return None, None
    if target == "":
        return DataLayout(data_dir).models, target
    path = Path(target)
    return (path if path.is_absolute() else data_dir / path), target


def _read_manifest_file(
    set_dir: Path,
) -> tuple[Manifest | None, str | None, os.stat_result | None]:
    """Return (manifest, problem, file status) for ``set_dir/manifest.json``: the one place a
    manifest is parsed; damage becomes the problem."""
    path = set_dir / MANIFEST_NAME
    try:
        raw, status = read_regular_file_with_status(path, limit=MANIFEST_LIMIT)
    except FileNotFoundError:
        return None, f"{MANIFEST_NAME} is missing", None
    except FileDamaged as error:
        return None, f"{MANIFEST_NAME} {error.reason}", None
    except OSError as error:
        return None, f"{MANIFEST_NAME} cannot be read: {describe_os_error(error)}", None
    try:
        manifest = Manifest.from_json(loads_json(raw, source=path))
    except FileDamaged as error:
        return None, f"{MANIFEST_NAME} is damaged: {error.reason}", status
    except ManifestDamaged as error:
        return None, f"{MANIFEST_NAME} {error}", status
    return manifest, None, status


def read_manifest(data_dir: Path) -> Manifest | None:
    """Return the installed set's manifest, or None when there is none or it is unreadable."""
    try:
        set_dir, _ = _resolve_set_dir(Path(data_dir))
    except OSError:
        return None
    if set_dir is None:
        return None
    manifest, problem, _ = _read_manifest_file(set_dir)
    if problem and manifest is None and "missing" not in problem:
        log.warning("model manifest in %s: %s", safe_text(str(set_dir)), problem)
    return manifest


# ----------------------------------------------------------------------------- verify and load


def _schema_problem(manifest: Manifest) -> str | None:
    schema = manifest.schema
    if schema == MANIFEST_SCHEMA:
        return None
    if schema == 1:
        return (
            "saved by an older nba-ml as pickles, which are no longer loaded (they could run "
            "code); `nba-ml ensure` or `nba-ml train` replaces the set"
        )
    return (
        f"manifest schema {safe_text(str(schema))[:40]} is not the {MANIFEST_SCHEMA} this "
        "nba-ml reads; `nba-ml train` replaces the set"
    )


def _version_problem(manifest: Manifest) -> str | None:
    recorded = manifest.versions.get("sklearn")
    running = installed_version("scikit-learn")
    if running is None:
        return "scikit-learn is not installed"
    if recorded is None:
        return "manifest does not record the scikit-learn version"
    if recorded != running:
        return f"trained with scikit-learn {recorded}, running {running}"
    return None


def _game_data_problem(data_dir: Path, manifest: Manifest, trusted: frozenset[int]) -> str | None:
    """Return why the saved game data the manifest names cannot serve, or None (hash only)."""
    try:
        history.verify_history(data_dir, manifest.record.history_sha256, trusted)
    except DataError as error:
        return str(error)
    return None


def _read_model(
    path: Path, name: str, trusted: frozenset[int], problems: list[ModelProblem]
) -> bytes | None:
    """Return the bytes of one model file if it is a trusted regular file, else record why."""
    try:
        data, status = read_regular_file_with_status(path, limit=MODEL_LIMIT)
    except FileNotFoundError:
        problems.append(ModelProblem(name, "missing"))
        return None
    except FileDamaged as error:
        problems.append(ModelProblem(name, f"cannot be used: {error.reason}"))
        return None
    except OSError as error:
        problems.append(ModelProblem(name, f"cannot be read: {describe_os_error(error)}"))
        return None
    reason = status_problem(status, trusted)
    if reason:
        problems.append(ModelProblem(name, reason))
        return None
    return data


def _inspect_once(
    data_dir: Path,
    set_dir: Path | None,
    target: str | None,
    load: bool,
    trusted: frozenset[int],
) -> tuple[Verification, dict[str, object]]:
    problems: list[ModelProblem] = []
    models: dict[str, object] = {}
    lacking: tuple[ModelSpec, ...] = ()
    expected = modelset.models()

    def done(manifest: Manifest | None = None) -> tuple[Verification, dict[str, object]]:
        loaded = load and not problems and len(models) == len(expected) - len(lacking)
        verification = Verification(not problems, manifest, problems, loaded, 0.0, set_dir)
        verification.lacking = lacking
        return verification, models

    link = DataLayout(data_dir).models
    unusable = _set_dir_problem(link, set_dir, target)
    if unusable or set_dir is None:
        problems.append(ModelProblem(SET, unusable or f"{NO_SET} {safe_text(str(link))}"))
        return done()
    # The set directory and every directory above it, and the link itself (see trust.py).
    for checked in (set_dir, link):
        reason = path_problem(checked, trusted, top=data_dir)
        if reason:
            problems.append(ModelProblem(SET, reason))
            break
    manifest = _check_manifest(data_dir, set_dir, trusted, problems)
    if manifest is not None:
        lacking = manifest.lacking(expected)
    for spec in expected:
        if spec in lacking:
            continue  # trained before this model existed: served without it
        model = _check_model(set_dir, spec, manifest, trusted, problems, load)
        if model is not None:
            models[spec.name] = model
    return done(manifest)


def _set_dir_problem(link: Path, set_dir: Path | None, target: str | None) -> str | None:
    """Return why the installed set's directory (``link`` resolved to ``set_dir`` through
    ``target``) cannot be inspected at all, or None."""
    shown = safe_text(str(link))
    if set_dir is None:
        return f"{NO_SET} {shown}"
    if target == "":
        return f"{shown} is not the symlink nba-ml installs; nba-ml will not use, move or delete it"
    try:
        set_status = os.stat(set_dir)
    except FileNotFoundError:
        return f"{shown} points to {safe_text(str(target))}, which does not exist"
    except OSError as error:
        return f"{safe_text(str(set_dir))} cannot be read: {describe_os_error(error)}"
    if not stat.S_ISDIR(set_status.st_mode):
        return f"{safe_text(str(set_dir))} is not a directory"
    return None


def _check_manifest(
    data_dir: Path, set_dir: Path, trusted: frozenset[int], problems: list[ModelProblem]
) -> Manifest | None:
    """Return the set's manifest (None when unreadable), adding its problems to ``problems``:
    the file's own, its schema and versions, and the game data it records."""
    manifest, manifest_problem, manifest_status = _read_manifest_file(set_dir)
    if manifest_problem:
        problems.append(ModelProblem(SET, manifest_problem))
    if manifest_status is not None:
        reason = status_problem(manifest_status, trusted)
        if reason:
            problems.append(ModelProblem(SET, f"{MANIFEST_NAME} is {reason}"))
    if manifest is not None:
        for problem in (_schema_problem(manifest), _version_problem(manifest)):
            if problem:
                problems.append(ModelProblem(SET, problem))
        problem = _game_data_problem(data_dir, manifest, trusted)
        if problem:
            problems.append(ModelProblem(GAME_DATA, problem))
    return manifest


def _check_model(
    set_dir: Path,
    spec: ModelSpec,
    manifest: Manifest | None,
    trusted: frozenset[int],
    problems: list[ModelProblem],
    load: bool,
) -> object | None:
    """Check the model file of ``spec`` against the manifest, adding its problems to
    ``problems``; return the loaded model when ``load`` and nothing is wrong, else None."""
    name, filename = spec.name, spec.file
    data = _read_model(set_dir / filename, name, trusted, problems)
    if data is None or manifest is None:
        return None  # nothing to check the file against
    entry = manifest.models.get(name)
    if entry is None or entry.file != filename:
        problems.append(ModelProblem(name, "not listed in the manifest"))
        return None
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        problems.append(
            ModelProblem(name, f"sha256 mismatch ({len(data)} bytes; file changed since training)")
        )
        return None
    if not load or any(p.model == SET for p in problems):
        return None  # never load under an untrusted set (manifest, directory, versions, format)
    model, problem = loads_model(data)
    if problem:
        problems.append(ModelProblem(name, problem))
        return None
    return model


def _inspect(data_dir: Path, load: bool) -> tuple[Verification, dict[str, object]]:
    data_dir = Path(data_dir)
    started = time.monotonic()
    trusted = trusted_uids()
    result: tuple[Verification, dict[str, object]] | None = None
    for _attempt in range(3):
        try:
            set_dir, target = _resolve_set_dir(data_dir)
        except OSError as error:
            link = safe_text(str(DataLayout(data_dir).models))
            problem = ModelProblem(SET, f"{link} cannot be read: {describe_os_error(error)}")
            result = Verification(False, None, [problem], False, 0.0, None), {}
            break
        result = _inspect_once(data_dir, set_dir, target, load, trusted)
        try:
            unchanged = link_target(data_dir) == target
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
    """Return a Verification of trust, hashes, versions and the saved game data (and loads if
    asked); raise only ConfigError for a malformed NBA_ML_TRUSTED_OWNER."""
    verification, _ = _inspect(data_dir, load=full_load)
    return verification


def load_model_set(data_dir: Path) -> dict[str, object]:
    """Return the verified models by name (every registered model the set does not lack);
    raise ModelInvalid naming each bad model."""
    models, _ = load_model_set_with_manifest(data_dir)
    return models


def load_model_set_with_manifest(data_dir: Path) -> tuple[dict[str, object], Manifest]:
    """Return the verified models and the manifest of that same generation; raise ModelInvalid.

    The saved game data is not needed to load models: a problem with it alone is left to
    :func:`nba_ml.state.history.load_history`, which callers that need the data use.
    """
    verification, models = _inspect(data_dir, load=True)
    blocking = [p for p in verification.problems if p.model != GAME_DATA]
    served = len(modelset.models()) - len(verification.lacking)
    if blocking or verification.manifest is None or len(models) != served:
        raise unusable_set(data_dir, blocking or verification.problems)
    return models, verification.manifest


def model_age_hours(manifest: Manifest | None, now: datetime | None = None) -> float:
    """Return hours since the set in ``manifest`` was trained; infinity when that time is
    missing, malformed or in the future (beyond a few minutes of clock skew), with a warning."""
    raw = manifest.trained_at if manifest is not None else None
    trained_at = parse_utc(raw)
    if trained_at is None:
        return math.inf
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if trained_at > now + CLOCK_SKEW:
        log.warning(
            "the models' trained_at %s is in the future; their age is unknown, so they "
            "count as stale",
            safe_text(str(raw)),
        )
        return math.inf
    return max(0.0, (now - trained_at).total_seconds() / 3600.0)
