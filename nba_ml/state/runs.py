"""Run history: ``<data_dir>/runs.jsonl``, one JSON object per line, newest last.

A record holds ``started_at``, ``ended_at``, ``command``, ``outcome`` ("trained", "skipped",
"failed", "not_promoted", "stopped", ...), ``exit_code``, ``message`` and ``figures``.
Appending never raises: losing a history line must not fail a training. The file is trimmed to
its last ``KEEP_RUNS`` lines, atomically, once it grows past ``TRIM_AFTER_RUNS``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path

from nba_ml.errors import StorageError

log = logging.getLogger(__name__)

KEEP_RUNS = 1000
TRIM_AFTER_RUNS = 1100
FILE_MODE = 0o640
# Only count lines once the file is big enough to possibly hold TRIM_AFTER_RUNS records.
_TRIM_CHECK_BYTES = 64 * 1024


def _encode(record: dict) -> bytes:
    # Without indent, json.dumps escapes every newline, so a record is always exactly one line.
    return json.dumps(record, default=str, separators=(",", ":")).encode() + b"\n"


def _open_current(path: Path) -> int:
    """Open ``path`` for appending under an exclusive flock, reopening if a trim replaced it."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
    while True:
        fd = os.open(path, flags, FILE_MODE)
        try:
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
    line = _encode(record)
    try:
        fd = _open_current(path)
    except OSError as error:
        log.warning("could not record this run in %s: %s", path, error.strerror or error)
        return
    try:
        size = os.fstat(fd).st_size
        if size and _last_byte(path, size) != b"\n":
            line = b"\n" + line  # a previous append was cut short; keep this record on its own line
        written = os.write(fd, line)
        os.fsync(fd)
    except OSError as error:
        os.close(fd)
        log.warning("could not record this run in %s: %s", path, error.strerror or error)
        return
    try:
        if written != len(line):
            log.warning("run history %s: only %d of %d bytes written", path, written, len(line))
        elif size + written > _TRIM_CHECK_BYTES:
            _trim(path)
    except OSError as error:
        log.warning("could not trim run history %s: %s", path, error.strerror or error)
    finally:
        os.close(fd)  # also releases the flock


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(size - 1)
        return handle.read(1)


def _trim(path: Path) -> None:
    """Keep the last KEEP_RUNS lines once there are over TRIM_AFTER_RUNS (caller has the flock)."""
    with open(path, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    if len(lines) <= TRIM_AFTER_RUNS:
        return
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        fd = os.open(temporary, flags, FILE_MODE)
        with open(fd, "wb") as handle:
            os.fchmod(fd, FILE_MODE)
            handle.writelines(lines[-KEEP_RUNS:])
            handle.flush()
            os.fsync(fd)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    log.debug("trimmed run history %s to its last %d runs", path, KEEP_RUNS)


def read_runs(path: Path, limit: int | None = None) -> list[dict]:
    """Return run records, newest last, skipping corrupt lines; raise StorageError if unreadable."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise StorageError(f"cannot read run history {path}: {reason}") from error
    runs: list[dict] = []
    skipped = 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
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
