"""Safe file primitives for everything nba-ml reads or writes under its data directory.

- :func:`atomic_write` replaces a file as one step: a temporary file in the same directory, fsync
  of the file, ``os.replace``, fsync of the directory. Readers see the old bytes or the new ones.
- :func:`read_regular_file` opens without following a final symlink (unless asked) and without
  blocking (a FIFO or a device never hangs a read), refuses anything but a regular file and never
  reads more than ``limit`` bytes.
- :func:`loads_json` parses JSON with bounded nesting, so a hostile or damaged file is a one-line
  :class:`FileDamaged`, never a ``RecursionError``.
- :func:`describe_os_error` is the one wording of an ``OSError`` in nba-ml's messages.
- :func:`parse_utc` is the one parser of the ISO-8601 times nba-ml writes.

This module imports nothing of nba-ml but :mod:`nba_ml.errors`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import stat
from pathlib import Path

from nba_ml.errors import DataError

TYPE_CHECKING = False  # typing is not imported at run time: `check` and `ensure` start faster
if TYPE_CHECKING:
    from typing import Any

# JSON written by nba-ml (manifests, run records, lock holders) nests a few levels; stats.nba.com
# responses nest four. Anything deeper than this is damage or an attack.
MAX_JSON_DEPTH = 64
DEFAULT_READ_LIMIT = 64 * 1024 * 1024


class FileDamaged(DataError):
    """A file nba-ml reads is not what it should be (not regular, too large, unparseable)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{safe_text(str(path))}: {reason}")
        self.path = Path(path)
        self.reason = reason


def is_ascii_number(text: str) -> bool:
    """Whether ``text`` is a whole number written with the digits 0-9 only: ``str.isdigit``
    also takes '²' (which ``int`` refuses) and '١٠' (which ``int`` reads as 10), and neither is
    an id, a uid or a count of seconds here."""
    return text.isascii() and text.isdigit()


def safe_text(text: str) -> str:
    """Return ``text`` fit for one log line: control characters (newlines, escapes) escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def describe_os_error(error: OSError) -> str:
    """The one wording of an OS error: its strerror in lower case, else its text or class name."""
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def parse_utc(raw: object) -> dt.datetime | None:
    """Parse an ISO-8601 time (``Z`` or an offset; naive means UTC) to an aware UTC datetime.

    Return None for anything that is not such a time (None, numbers, empty or malformed text).
    """
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    try:
        return moment.astimezone(dt.timezone.utc)
    except OverflowError:  # "0001-01-01T00:00:00+14:00" is before year 1 in UTC
        return None


def read_regular_file(
    path: Path | str, *, limit: int = DEFAULT_READ_LIMIT, follow_symlinks: bool = False
) -> bytes:
    """Return the bytes of the regular file ``path``, read without blocking, at most ``limit``.

    Raise FileNotFoundError when it does not exist (callers often treat that as "none yet"),
    :class:`FileDamaged` when it is a FIFO, device, directory, socket, a symlink (unless
    ``follow_symlinks``) or larger than ``limit``, and OSError for other failures to read.
    """
    data, _ = read_regular_file_with_status(path, limit=limit, follow_symlinks=follow_symlinks)
    return data


def read_regular_file_with_status(
    path: Path | str, *, limit: int = DEFAULT_READ_LIMIT, follow_symlinks: bool = False
) -> tuple[bytes, os.stat_result]:
    """Like :func:`read_regular_file`, also returning the ``fstat`` of the descriptor read.

    The status belongs to the very file whose bytes are returned, so a caller can check its
    owner and mode without a race between the check and the read.
    """
    fd, info = _open_regular(path, limit, follow_symlinks)
    try:
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise FileDamaged(path, f"is too large (more than {limit} bytes)")
        return data, info
    finally:
        os.close(fd)


def hash_regular_file(
    path: Path | str, *, limit: int = DEFAULT_READ_LIMIT, follow_symlinks: bool = False
) -> tuple[str, int, os.stat_result]:
    """Return (sha256 hex digest, size, fstat) of the regular file ``path``, streamed.

    Opened and refused exactly as :func:`read_regular_file` does, without holding the content.
    """
    fd, info = _open_regular(path, limit, follow_symlinks)
    try:
        digest = hashlib.sha256()
        size = 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:
                raise FileDamaged(path, f"is too large (more than {limit} bytes)")
            digest.update(chunk)
        return digest.hexdigest(), size, info
    finally:
        os.close(fd)


def open_regular_file(
    path: Path | str, *, limit: int = DEFAULT_READ_LIMIT, follow_symlinks: bool = False
) -> tuple[int, os.stat_result]:
    """Open ``path`` as :func:`read_regular_file` does and return (a blocking close-on-exec
    descriptor the caller closes, its fstat); raise as :func:`read_regular_file` does."""
    return _open_regular(path, limit, follow_symlinks)


def _open_regular(
    path: Path | str, limit: int, follow_symlinks: bool
) -> tuple[int, os.stat_result]:
    """Open ``path`` without blocking; return (blocking fd, fstat) of a regular file <= limit."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise FileDamaged(path, "is a symbolic link, not a regular file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileDamaged(path, f"is not a regular file ({describe_file_type(info.st_mode)})")
        if info.st_size > limit:
            raise FileDamaged(path, f"is too large ({info.st_size} bytes; at most {limit})")
        # The file is regular: clear O_NONBLOCK so reads behave normally.
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def describe_file_type(mode: int) -> str:
    """Name the kind of a non-regular file from its mode ("a FIFO", "a directory", ...)."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def json_depth_ok(text: str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Return whether JSON ``text`` nests at most ``max_depth`` deep (strings skipped)."""
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def loads_json(
    text: str | bytes, *, source: Path | str = "<json>", max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON with nesting bounded by ``max_depth``; raise :class:`FileDamaged` otherwise."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise FileDamaged(source, "is not UTF-8 text") from None
    if not json_depth_ok(text, max_depth):
        raise FileDamaged(source, f"nests deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        reason = f"invalid JSON ({error.__class__.__name__}: {error})"[:200]
        raise FileDamaged(source, reason) from None


def read_json_file(
    path: Path | str, *, limit: int = DEFAULT_READ_LIMIT, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Read and parse the regular JSON file ``path`` safely (see the two functions above)."""
    return loads_json(read_regular_file(path, limit=limit), source=path, max_depth=max_depth)


def fsync_directory(directory: Path | str) -> None:
    """fsync a directory so a rename in it is durable; filesystems that cannot are ignored."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path | str, data: bytes | str, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically and durably; raise OSError on failure.

    The temporary file (``.<name>.<random>.tmp`` beside ``path``) is removed on any failure, so a
    failed write leaves the old file untouched and no litter. ``mode`` is applied before the
    rename (the umask cannot widen or narrow it). A symlink at ``path`` is replaced, never
    followed.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    import tempfile  # here, not at the top: `check` starts faster without it

    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(target.parent)
