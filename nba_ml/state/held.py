"""A served set's game data, held open for as long as the set is served.

A live server (``serving.live.LivePredictor``) computes the rows of a date nobody prepared, and
each new day after midnight in Chicago, from its set's saved game data. The trainer prunes old
game-data files (``state.history.prune_history``) once newer sets exist, and it cannot know which
of them a server still serves: a server may refuse the newer sets for days (another
scikit-learn, a trust setting, a damaged set) and may run as another user that can only read.
So the trainer is not asked to know: the server holds what it needs. :class:`HeldHistory` is an
open descriptor on the very file that was verified when the set was loaded; a file pruned
(unlinked) after that stays readable through it until the server lets the set go, and so does
one whose directory became unreadable. Every read checks the sha256 (and the owner and mode)
again, so a file rewritten in place is refused, never used. The descriptor is close-on-exec;
a helper process gets it explicitly (``pass_fds``) and reads the same file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from nba_ml.errors import DataError
from nba_ml.state.files import describe_os_error, open_regular_file, safe_text
from nba_ml.state.history import HISTORY_LIMIT, history_path, parse_history, verify_history
from nba_ml.state.trust import status_problem, trusted_uids

if TYPE_CHECKING:
    from nba_ml.data.importer import GameData


class HeldHistory:
    """An open descriptor on a verified game-data file (see the module docstring). It is closed
    when the object is garbage collected, or by :meth:`close`."""

    def __init__(self, fd: int, sha256: str, path: Path | str) -> None:
        self._fd = fd
        self.sha256 = sha256
        self.path = Path(path)
        self._closer = weakref.finalize(self, _close, fd)

    @classmethod
    def open(
        cls, data_dir: Path, sha256: object, trusted: Iterable[int] | None = None
    ) -> HeldHistory:
        """Verify the game data named by ``sha256`` as ``state.history`` does (hash, owner,
        modes, every directory above) and hold the very file verified; raise DataError."""
        trusted = trusted_uids() if trusted is None else frozenset(trusted)
        verify_history(data_dir, sha256, trusted)  # every check and its one-line wording
        assert isinstance(sha256, str)
        path = history_path(data_dir, sha256)
        shown = safe_text(str(path))
        try:
            fd, opened = open_regular_file(path, limit=HISTORY_LIMIT)
        except OSError as error:
            raise DataError(f"cannot read {shown}: {describe_os_error(error)}") from None
        try:
            after = os.stat(path, follow_symlinks=False)
        except OSError as error:
            os.close(fd)
            raise DataError(f"cannot read {shown}: {describe_os_error(error)}") from None
        if (opened.st_dev, opened.st_ino) != (after.st_dev, after.st_ino):
            os.close(fd)
            raise DataError(f"{shown} was replaced while it was opened; try again")
        # The file opened is the very file verified (same inode); its bytes are checked again
        # at every read (a trusted writer may still rewrite it in place).
        return cls(fd, sha256, path)

    def fileno(self) -> int:
        return self._fd

    @property
    def closed(self) -> bool:
        return not self._closer.alive

    def close(self) -> None:
        self._closer()

    def payload(self, trusted: Iterable[int] | None = None) -> bytes:
        """Return the file's bytes once their sha256 matches and its owner and modes are still
        trusted; raise DataError otherwise (a file altered in place after it was verified)."""
        shown = safe_text(str(self.path))
        if self.closed:
            raise DataError(f"{shown} is no longer held")
        trusted = trusted_uids() if trusted is None else frozenset(trusted)
        try:
            info = os.fstat(self._fd)
            if info.st_size > HISTORY_LIMIT:
                raise DataError(f"{shown} is too large ({info.st_size} bytes)")
            chunks, offset = [], 0
            while chunk := os.pread(self._fd, 1 << 20, offset):
                chunks.append(chunk)
                offset += len(chunk)
                if offset > HISTORY_LIMIT:
                    raise DataError(f"{shown} is too large (more than {HISTORY_LIMIT} bytes)")
        except OSError as error:
            raise DataError(f"cannot read {shown}: {describe_os_error(error)}") from None
        reason = status_problem(info, trusted)
        if reason:
            raise DataError(f"{shown} is {reason}; it will not be loaded")
        data = b"".join(chunks)
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise DataError(
                f"{shown} was altered (sha256 mismatch) after this server loaded "
                f"it; run `nba-ml train --force`"
            )
        return data

    def load(self, trusted: Iterable[int] | None = None) -> GameData:
        """Return the game tables of the held file, checked again (see :meth:`payload`)."""
        return parse_history(self.payload(trusted), self.path)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
