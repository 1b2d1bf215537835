"""The canonical game data each model set was trained on, kept beside it for serving.

``<data_dir>/history/game_data-<sha256>.pkl`` holds the team and player game tables of a
training, written atomically under a name derived from its content; the model manifest records
that sha256, so a model set and its data always match, whatever crash happens in between, and
the file is checked before it is unpickled.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from nba_ml.errors import DataError, StorageError

if TYPE_CHECKING:
    from nba_ml.data.importer import GameData

logger = logging.getLogger(__name__)

HISTORY_DIR = "history"
_KEEP = 3


def history_path(data_dir: Path, sha256: str) -> Path:
    """Return the path of the saved game data with this sha256."""
    return Path(data_dir) / HISTORY_DIR / f"game_data-{sha256}.pkl"


def save_history(data_dir: Path, data: GameData) -> str:
    """Write the game tables atomically and return their sha256 (recorded in the manifest);
    raise StorageError when the disk refuses."""
    payload = pickle.dumps({"team_games": data.team_games, "player_games": data.player_games},
                           protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest()
    path = history_path(data_dir, digest)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".game_data.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        raise StorageError(f"cannot write {path}: {error.strerror or error}; "
                           "current models kept") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return digest


def load_history(data_dir: Path, expected_sha256: str | None) -> GameData:
    """Return the game tables recorded in the manifest after checking their sha256 (pickles run
    code when loaded); raise DataError when missing, altered or unreadable."""
    from nba_ml.data.importer import GameData

    if not expected_sha256:
        raise DataError("the model manifest names no game data; run `nba-ml train --force`")
    path = history_path(data_dir, expected_sha256)
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path} is missing; run `nba-ml train --force`") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}") from None
    if hashlib.sha256(payload).hexdigest() != expected_sha256:
        raise DataError(f"{path} was altered (sha256 mismatch); run `nba-ml train --force`")
    try:
        tables = pickle.loads(payload)  # verified against the manifest above
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
        raise DataError(f"cannot read {path}: {error}") from None
    return GameData(tables["team_games"], tables["player_games"], [str(path)])


def prune_history(data_dir: Path, keep_sha256: set[str]) -> None:
    """Remove temporary leftovers and old game data files, keeping the named ones and the newest."""
    directory = Path(data_dir) / HISTORY_DIR
    if not directory.is_dir():
        return
    for leftover in directory.glob(".game_data.*.tmp"):
        leftover.unlink(missing_ok=True)
    files = sorted(directory.glob("game_data-*.pkl"), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    for index, path in enumerate(files):
        sha = path.stem.removeprefix("game_data-")
        if index >= _KEEP and sha not in keep_sha256:
            path.unlink(missing_ok=True)
