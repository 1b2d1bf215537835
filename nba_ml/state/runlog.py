"""Run history: ``<data_dir>/runs.jsonl``, one JSON object per line, newest last.

A record holds ``started_at``, ``ended_at``, ``command``, ``outcome`` (the value of an
:class:`nba_ml.errors.Outcome`), ``exit_code``, ``message`` and ``figures``.
Appending never raises: losing a history line must not fail a training. The file is trimmed to
its last ``KEEP_RUNS`` lines, atomically, once it grows past ``TRIM_AFTER_RUNS``; a trim reads
only the file's tail, so even a huge or damaged file is rebuilt from its last good lines.
Reading is bounded, never blocks (a FIFO is refused) and skips lines that are not JSON objects
(too deep, not UTF-8, truncated).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import stat
from pathlib import Path

from nba_ml.errors import StorageError
from nba_ml.state.files import (
    FileDamaged,
    atomic_write,
    describe_os_error,
    loads_json,
    read_regular_file,
    safe_text,
)
from nba_ml.state.layout import FILE_MODE

log = logging.getLogger(__name__)

KEEP_RUNS = 1000
TRIM_AFTER_RUNS = 1100
# Only count lines once the file is big enough to possibly hold TRIM_AFTER_RUNS records.
_TRIM_CHECK_BYTES = 64 * 1024
# What a trim reads from the end of the file: far more than KEEP_RUNS records need.
_TRIM_READ_BYTES = 8 * 1024 * 1024
READ_LIMIT = 64 * 1024 * 1024


def _encode(record: dict) -> bytes:
    # Without indent, json.dumps escapes every newline, so a record is always exactly one line.
    try:
        text = json.dumps(record, default=str, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):  # a numpy key, a cycle, a 5000-digit int
        text = json.dumps(_plain(record), separators=(",", ":"))
    return text.encode() + b"\n"


def _plain(value: object, depth: int = 0) -> object:
    """Return ``value`` as JSON can hold it: text keys, lists, and str() of anything else."""
    if isinstance(value, dict) and depth < 32:
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and depth < 32:
        return [_plain(item, depth + 1) for item in value]
    if value is None or isinstance(value, (bool, float, str)):
        return value
    if isinstance(value, int) and abs(value) < 2**63:
        return value
    try:
        return str(value)
    except ValueError:  # int.__str__ past sys.get_int_max_str_digits()
        return f"<{type(value).__name__}>"


class _NotRegular(Exception):
    """runs.jsonl is something nba-ml does not write into (a FIFO, a device, a directory)."""


def _open_current(path: Path) -> int:
    """Open ``path`` for appending under an exclusive flock, reopening if a trim replaced it."""
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW
    while True:
        try:
            fd = os.open(path, flags, FILE_MODE)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
                raise _NotRegular(
                    "is a symbolic link" if error.errno == errno.ELOOP else "is not a regular file"
                ) from None
            raise
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise _NotRegular("is not a regular file")
            os.set_blocking(fd, True)
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def append_run(path: Path, record: dict) -> None:
    """Append one run record with a single write and fsync; log a warning instead of raising."""
    path = Path(path)
    shown = safe_text(str(path))
    line = _encode(record)
    try:
        fd = _open_current(path)
    except _NotRegular as error:
        log.warning("could not record this run: %s %s; nba-ml will not write into it", shown, error)
        return
    except OSError as error:
        log.warning("could not record this run in %s: %s", shown, describe_os_error(error))
        return
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a previous append was cut short; keep this record on its own line
        written = os.write(fd, line)
        os.fsync(fd)
    except OSError as error:
        os.close(fd)
        log.warning("could not record this run in %s: %s", shown, describe_os_error(error))
        return
    try:
        if written != len(line):
            log.warning("run history %s: only %d of %d bytes written", shown, written, len(line))
        elif size + written > _TRIM_CHECK_BYTES:
            _trim(path, fd, size + written)
    except OSError as error:
        log.warning("could not trim run history %s: %s", shown, describe_os_error(error))
    finally:
        os.close(fd)  # also releases the flock


def _trim(path: Path, fd: int, size: int) -> None:
    """Keep the last KEEP_RUNS lines once there are over TRIM_AFTER_RUNS (caller has the flock).

    Only the last few megabytes are read, so an oversized file is rebuilt from its tail.
    """
    start = max(0, size - _TRIM_READ_BYTES)
    tail = os.pread(fd, size - start, start)
    lines = tail.splitlines(keepends=True)
    if start > 0 and lines:
        lines = lines[1:]  # the first line read is probably cut
    elif len(lines) <= TRIM_AFTER_RUNS:
        return
    atomic_write(path, b"".join(lines[-KEEP_RUNS:]), mode=FILE_MODE)
    log.debug("trimmed run history %s to its last %d runs", path, KEEP_RUNS)


def read_runs(path: Path, limit: int | None = None) -> list[dict]:
    """Return run records, newest last, skipping damaged lines; raise StorageError when the
    file cannot be read (not a regular file, too large, unreadable)."""
    path = Path(path)
    try:
        raw = read_regular_file(path, limit=READ_LIMIT)
    except FileNotFoundError:
        return []
    except FileDamaged as error:
        raise StorageError(f"cannot read run history {error}") from None
    except OSError as error:
        raise StorageError(
            f"cannot read run history {safe_text(str(path))}: {describe_os_error(error)}"
        ) from error
    runs: list[dict] = []
    skipped = 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            record = loads_json(line, source=path)
        except FileDamaged:
            skipped += 1
            continue
        if isinstance(record, dict):
            runs.append(record)
        else:
            skipped += 1
    if skipped:
        log.debug("skipped %d unreadable line(s) in %s", skipped, path)
    if limit is not None:
        return runs[-limit:] if limit > 0 else []
    return runs
