"""The training lock: ``fcntl.flock`` on the data directory and on ``<data_dir>/train.lock``.

The kernel releases a flock when its holder dies, so the lock never goes stale. Two flocks are
taken, both exclusive: one on the data directory itself, which deleting or replacing
``train.lock`` cannot change (an ``rm train.lock`` during a training must not let a second one
start), and one on ``train.lock``, re-checked after locking to be still the inode at that path
(retried otherwise). The holder writes who it is (pid, start time, host, command) into
``train.lock`` in place (never with ``atomic_write``: a new inode would be an unlocked one);
``read_lock_holder`` reports it only while the lock is really held. A flock belongs to the
open file: a child forked while the lock is held shares it, and the descriptors are
close-on-exec so programs the holder runs do not. ``train.lock`` must be a regular file: a FIFO
or device there is refused on one line, never opened in a blocking way.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import stat
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from nba_ml.data.proxy import redact_command
from nba_ml.errors import LockHeld, StorageError
from nba_ml.records import asdict, record
from nba_ml.state.files import describe_os_error, parse_utc, safe_text
from nba_ml.state.layout import FILE_MODE, LOCK_NAME

log = logging.getLogger(__name__)

# A reader probing the lock holds it shared for microseconds; a non-waiting acquire retries this
# long so that a concurrent `status` cannot make a training fail.
_PROBE_GRACE_SECONDS = 0.05


@record(frozen=True)
class LockHolder:
    """Who holds the training lock, as that process recorded it (fields may be unknown)."""

    pid: int | None = None
    started_at: str | None = None
    hostname: str | None = None
    command: str | None = None

    def describe(self) -> str:
        """Return e.g. "pid 1234, since 2026-11-27 04:00:01 UTC"."""
        parts = [f"pid {self.pid}" if self.pid is not None else "pid unknown"]
        if self.hostname and self.hostname != socket.gethostname():
            parts[0] += f" on {safe_text(self.hostname)}"
        since = _format_time(self.started_at)
        if since:
            parts.append(f"since {since}")
        return ", ".join(parts)


def _format_time(raw: str | None) -> str | None:
    if not raw:
        return None
    moment = parse_utc(raw)
    if moment is None:
        return safe_text(raw)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _parse_holder(raw: bytes) -> LockHolder:
    """Return the holder recorded in ``raw``; fields are None where the record is unreadable."""
    try:
        # raw_decode ignores whatever trails the record (the file is rewritten in place).
        record, _ = json.JSONDecoder().raw_decode(raw.decode("utf-8", "replace").lstrip())
    except (ValueError, RecursionError):  # a damaged record nested 2000 deep fits in 4 KiB
        return LockHolder()
    if not isinstance(record, dict):
        return LockHolder()
    pid = record.get("pid")
    return LockHolder(
        pid=pid if isinstance(pid, int) else None,
        started_at=_text(record.get("started_at")),
        hostname=_text(record.get("hostname")),
        command=_text(record.get("command")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _read_fd(fd: int) -> bytes:
    try:
        return os.pread(fd, 4096, 0)
    except OSError:
        return b""


def _open_error(error: OSError, path: Path) -> StorageError:
    reason = describe_os_error(error)
    if error.errno == errno.ELOOP:
        reason = "it is a symlink"
    return StorageError(f"cannot open the training lock {safe_text(str(path))}: {reason}")


def _open_lock_file(path: Path, flags: int) -> int:
    """Open the lock file without blocking; raise StorageError unless it is a regular file."""
    try:
        fd = os.open(path, flags | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, FILE_MODE)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _open_error(error, path) from error
    try:
        mode = os.fstat(fd).st_mode
    except OSError as error:
        os.close(fd)
        raise _open_error(error, path) from error
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise StorageError(
            f"cannot use the training lock {safe_text(str(path))}: it is not a "
            "regular file; remove it (nba-ml creates it again)"
        )
    return fd


def _open_directory(path: Path) -> int:
    directory = path.parent
    try:
        return os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise StorageError(
            f"cannot open {safe_text(str(directory))} to lock it: {describe_os_error(error)}"
        ) from error


def _is_locked(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # no flock here (a directory on NFS): nobody can hold one either
        return False
    _unlock(fd)
    return False


def read_lock_holder(path: Path) -> LockHolder | None:
    """Return who holds the lock at ``path`` (None if nobody); raise StorageError if unreadable.

    When the directory is locked but ``train.lock`` is not (it was deleted during a training),
    the holder is returned with its fields unknown.
    """
    path = Path(path)
    try:
        fd = _open_lock_file(path, os.O_RDONLY)
    except FileNotFoundError:
        fd = None
    try:
        if fd is not None and _is_locked(fd):
            return _parse_holder(_read_fd(fd))
    finally:
        if fd is not None:
            os.close(fd)
    try:
        directory_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return LockHolder() if _is_locked(directory_fd) else None
    finally:
        os.close(directory_fd)


def _try_lock_both(directory_fd: int, fd: int, path: Path) -> bool:
    """Take both exclusive flocks without waiting; on contention hold neither and return False.
    Raise StorageError when ``path`` cannot be flocked at all (ENOLCK: NFS without locks)."""
    try:
        fcntl.flock(directory_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:  # e.g. NFS, where a directory cannot be flocked: the file lock holds
        log.debug(
            "cannot flock the data directory (%s); locking %s only",
            describe_os_error(error),
            LOCK_NAME,
        )
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        _unlock(directory_fd)
        return False
    except OSError as error:
        _unlock(directory_fd)
        raise StorageError(
            f"cannot lock the training lock {safe_text(str(path))}: {describe_os_error(error)}"
        ) from error
    return True


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)


def _is_still_at(fd: int, path: Path) -> bool:
    """Return whether the open file ``fd`` is still the inode at ``path``."""
    try:
        current = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino)


@record
class _Opened:
    """The descriptors opened while taking the lock, closed again if taking it fails."""

    fd: int | None = None
    directory: int | None = None

    def close(self) -> None:
        for descriptor in (self.fd, self.directory):
            if descriptor is not None:
                os.close(descriptor)


class TrainingLock:
    """An exclusive, non-stale lock for one training at a time; use as a context manager."""

    def __init__(
        self,
        path: Path,
        wait: float = 0.0,
        *,
        command: str | None = None,
        poll_interval: float = 0.25,
    ) -> None:
        self.path = Path(path)
        self.wait = max(0.0, float(wait))
        # recorded in the lock file (readable by the group, shown by status, left by kill -9):
        # never a proxy's password
        self.command = redact_command(sys.argv if command is None else command.split(" "))
        self.poll_interval = poll_interval
        self.holder: LockHolder | None = None
        self._fd: int | None = None
        self._directory_fd: int | None = None

    @property
    def held(self) -> bool:
        """Return whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> LockHolder:
        """Take the lock (polling up to ``wait`` seconds) and return our record; raise LockHeld,
        or StorageError when the lock file or its directory cannot be used."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this TrainingLock")
        opened = _Opened()
        try:
            fd, directory_fd = self._lock_file_at_path(opened)
            holder = LockHolder(
                pid=os.getpid(),
                started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                hostname=socket.gethostname(),
                command=self.command,
            )
            self._record(fd, holder)
        except BaseException:
            opened.close()
            raise
        self._fd = fd
        self._directory_fd = directory_fd
        self.holder = holder
        log.debug("acquired the training lock %s", self.path)
        return holder

    def _lock_file_at_path(self, opened: _Opened) -> tuple[int, int]:
        """Lock the file at the path (polling up to ``wait`` seconds) and its directory; return
        both descriptors. ``opened`` holds them meanwhile, for the caller to close on failure."""
        started = time.monotonic()
        deadline = started + max(self.wait, _PROBE_GRACE_SECONDS)
        waited_logged = False
        replaced = 0
        while True:
            if opened.fd is None:
                try:
                    opened.fd = _open_lock_file(self.path, os.O_RDWR | os.O_CREAT)
                except FileNotFoundError as error:
                    raise _open_error(error, self.path) from error
            if opened.directory is None:
                opened.directory = _open_directory(self.path)
            fd, directory_fd = opened.fd, opened.directory
            if not _try_lock_both(directory_fd, fd, self.path):
                waited_logged = self._pause(fd, started, deadline, waited_logged)
                continue
            if _is_still_at(fd, self.path):
                return fd, directory_fd
            # train.lock was deleted or replaced between our open and our flock: the inode
            # we locked is no longer the lock. Let go and lock the one at the path now.
            replaced += 1
            _unlock(directory_fd)
            os.close(fd)
            opened.fd = None
            if replaced > 100:
                raise StorageError(
                    f"the training lock {safe_text(str(self.path))} keeps "
                    "being replaced; is something deleting it?"
                )

    def _pause(self, fd: int, started: float, deadline: float, logged: bool) -> bool:
        """Sleep until the next try of a lock someone holds; raise LockHeld past ``deadline``.
        Return whether the wait has been logged (once, and only when waiting was asked for)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._held_error(fd, time.monotonic() - started)
        if self.wait > 0 and not logged:
            holder = _parse_holder(_read_fd(fd))
            log.info("waiting up to %g s for the training lock (%s)", self.wait, holder.describe())
            logged = True
        interval = self.poll_interval if self.wait > 0 else 0.01
        time.sleep(min(interval, remaining))
        return logged

    def _held_error(self, fd: int, waited: float) -> LockHeld:
        holder = _parse_holder(_read_fd(fd))
        if self.wait > 0:
            return LockHeld(
                f"another training is still running ({holder.describe()}) after waiting "
                f"{waited:.0f} s; try again later"
            )
        return LockHeld(
            f"another training is running ({holder.describe()}); "
            "try again later or pass --wait SECONDS"
        )

    @staticmethod
    def _record(fd: int, holder: LockHolder) -> None:
        """Write the holder record in place: overwrite first, then cut, so it is never empty."""
        data = json.dumps(asdict(holder), sort_keys=True).encode() + b"\n"
        try:
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        except OSError as error:  # the lock itself is held; only the courtesy note failed
            log.warning(
                "could not record the lock holder in the lock file: %s", describe_os_error(error)
            )

    def release(self) -> None:
        """Clear the holder record and release the lock; doing so twice is harmless."""
        fd, self._fd = self._fd, None
        directory_fd, self._directory_fd = self._directory_fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
            if directory_fd is not None:
                os.close(directory_fd)  # closing releases the directory's flock
        self.holder = None
        log.debug("released the training lock %s", self.path)

    def __enter__(self) -> TrainingLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
