"""The canonical game data each model set was trained on, kept beside it for serving.

``<data_dir>/history/game_data-<sha256>.npz`` holds the team and player game tables of a
training as numpy arrays (:mod:`nba_ml.state.gametables`: no pickle), written atomically under a
name derived from its content; the model manifest records that sha256
(``training.history_sha256``), so a model set and its data always match, whatever crash happens
in between. ``check`` verifies the hash; loading also checks that the file and every directory
above it are trusted (:mod:`nba_ml.state.trust`) before it is read. Files an older nba-ml pickled
(``game_data-<sha256>.pkl``) are never read; they are still nba-ml's own, pruned like the rest.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from nba_ml.errors import DataError, StorageError
from nba_ml.state.datadir import make_directory
from nba_ml.state.files import (
    FileDamaged,
    atomic_write,
    describe_os_error,
    hash_regular_file,
    read_regular_file_with_status,
    safe_text,
)
from nba_ml.state.layout import DIR_MODE, FILE_MODE, DataLayout
from nba_ml.state.trust import path_problem, status_problem, trusted_uids

if TYPE_CHECKING:
    from nba_ml.data.importer import GameData

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 2 * 1024 * 1024 * 1024
_KEEP = 3
HISTORY_SUFFIX = ".npz"
# nba-ml's saved game data: ``.npz``, or ``.pkl`` as an older nba-ml wrote it (never read).
HISTORY_NAME = re.compile(r"game_data-([0-9a-f]{64})\.(?:npz|pkl)")
# atomic_write's temporary files for those names (and the older ".game_data.<random>.tmp"),
# left only by a killed writer.
LEFTOVER_NAME = re.compile(r"\.game_data(-[0-9a-f]{64}\.(?:npz|pkl))?\.[A-Za-z0-9_]+\.tmp")
_RETRAIN = "run `nba-ml train --force`"


def history_path(data_dir: Path, sha256: str) -> Path:
    """Return the path of the saved game data with this sha256."""
    return DataLayout(data_dir).history / f"game_data-{sha256}{HISTORY_SUFFIX}"


def save_history(data_dir: Path, data: GameData) -> str:
    """Write the game tables atomically and return their sha256 (recorded in the manifest);
    raise StorageError when the disk refuses."""
    from nba_ml.state.gametables import encode_tables

    return write_history_payload(data_dir, encode_tables(data.team_games, data.player_games))


def write_history_payload(data_dir: Path, payload: bytes) -> str:
    """Write encoded game tables under their sha256 and return it; raise StorageError."""
    digest = hashlib.sha256(payload).hexdigest()
    path = history_path(data_dir, digest)
    try:
        make_directory(Path(data_dir), DIR_MODE)
        make_directory(path.parent, DIR_MODE)
        atomic_write(path, payload, mode=FILE_MODE)
    except OSError as error:
        raise StorageError(
            f"cannot write {safe_text(str(path))}: {describe_os_error(error)}; current models kept"
        ) from None
    return digest


def read_history_payload(
    data_dir: Path, expected_sha256: object, trusted: Iterable[int] | None = None
) -> bytes:
    """Return the bytes of the saved game data named by ``expected_sha256`` once its hash matches
    and it, its directory and every directory above are trusted; raise DataError otherwise."""
    payload = _checked(data_dir, expected_sha256, trusted, keep=True)
    assert payload is not None
    return payload


def verify_history(
    data_dir: Path, expected_sha256: object, trusted: Iterable[int] | None = None
) -> None:
    """Check the saved game data as :func:`read_history_payload` does, streaming its hash
    (for ``check``: nothing is kept or decoded); raise DataError."""
    _checked(data_dir, expected_sha256, trusted, keep=False)


def _checked(
    data_dir: Path, expected_sha256: object, trusted: Iterable[int] | None, keep: bool
) -> bytes | None:
    if not isinstance(expected_sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", expected_sha256):
        raise DataError(f"the model manifest names no saved game data; {_RETRAIN}")
    trusted = trusted_uids() if trusted is None else frozenset(trusted)
    path = history_path(data_dir, expected_sha256)
    shown = safe_text(str(path))
    payload: bytes | None = None
    try:
        if keep:
            payload, status = read_regular_file_with_status(path, limit=HISTORY_LIMIT)
            digest = hashlib.sha256(payload).hexdigest()
        else:
            digest, _, status = hash_regular_file(path, limit=HISTORY_LIMIT)
    except FileNotFoundError:
        raise DataError(f"{shown} is missing; {_RETRAIN}") from None
    except FileDamaged as error:
        raise DataError(f"{shown} {error.reason}; {_RETRAIN}") from None
    except OSError as error:
        raise DataError(f"cannot read {shown}: {describe_os_error(error)}") from None
    reason = status_problem(status, trusted)
    if reason:
        raise DataError(f"{shown} is {reason}; it will not be loaded")
    reason = path_problem(path.parent, trusted, top=data_dir)
    if reason:
        raise DataError(f"{reason}; {shown} will not be loaded")
    if digest != expected_sha256:
        raise DataError(f"{shown} was altered (sha256 mismatch); {_RETRAIN}")
    return payload


def load_history(data_dir: Path, expected_sha256: str | None) -> GameData:
    """Return the game tables recorded in the manifest after checking their sha256 and trust,
    decoded without any pickle; raise DataError when missing, altered, untrusted or malformed."""
    path = history_path(data_dir, expected_sha256 or "")
    return parse_history(read_history_payload(data_dir, expected_sha256), path)


def parse_history(payload: bytes, path: Path) -> GameData:
    """Return the game tables of a payload whose sha256 and trust were checked by the caller,
    decoded without any pickle; raise DataError naming ``path`` when it is unusable."""
    from nba_ml.data.importer import GameData
    from nba_ml.state.gametables import decode_tables

    try:
        team_games, player_games = decode_tables(payload)
    except ValueError as error:
        raise DataError(
            f"cannot read {safe_text(str(path))}: {safe_text(str(error))}; {_RETRAIN}"
        ) from None
    return GameData(team_games, player_games, [str(path)])


def prune_history(data_dir: Path, keep_sha256: set[str]) -> None:
    """Remove nba-ml's own leftovers and old game data files (regular files with nba-ml's names
    only), keeping the named ones and the newest few; never raises."""
    directory = DataLayout(data_dir).history
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    saved: list[tuple[float, str, os.DirEntry[str]]] = []
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        if LEFTOVER_NAME.fullmatch(entry.name):
            _remove(entry.path)
            continue
        match = HISTORY_NAME.fullmatch(entry.name)
        if match:
            saved.append((info.st_mtime, match.group(1), entry))
    saved.sort(key=lambda item: item[0], reverse=True)
    for index, (_, sha, entry) in enumerate(saved):
        if index >= _KEEP and sha not in keep_sha256:
            _remove(entry.path)


def foreign_history_entries(data_dir: Path) -> list[Path]:
    """Return what lies in ``history/`` that nba-ml did not write (it never removes those)."""
    directory = DataLayout(data_dir).history
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        return []
    if not stat.S_ISDIR(info.st_mode):
        return [directory]
    foreign = []
    for entry in os.scandir(directory):
        ours = HISTORY_NAME.fullmatch(entry.name) or LEFTOVER_NAME.fullmatch(entry.name)
        if not ours or not entry.is_file(follow_symlinks=False):
            foreign.append(Path(entry.path))
    return sorted(foreign)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.warning("could not remove %s: %s", safe_text(path), describe_os_error(error))
