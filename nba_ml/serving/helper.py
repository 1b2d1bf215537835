"""The helper process of ``LivePredictor``: computes day rows from the saved game data.

``HelperProcess`` is the server's side; ``main`` runs in the helper.

Started by the server as an isolated interpreter (:func:`helper_command`: ``python -I``, so
neither the server's working directory nor ``PYTHON*`` variables nor the user's site-packages
reach its ``sys.path``; run from ``/``), a plain child process: nothing of the server's main
module is imported again, no fork of a threaded server. It reads one request (a pickle from its
parent: data directory, game data sha256, the descriptor of the game data the server holds
open, batches of days) on stdin and writes, for each batch in order, an 8-byte big-endian
length and a pickle of ``("ok", Prepared)`` (``serving.dayrows.Prepared``) or
``("error", message)`` on stdout. The game data is checked against its sha256 before it is read
(``state.history.load_history``, no pickle). The helper runs at a lower CPU priority than the
server (``HELPER_NICE``): its feature passes are background work, and the
server's requests come first on a machine with few cores.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from nba_ml.serving.dayrows import Prepared, prepare
from nba_ml.state.files import describe_os_error

if TYPE_CHECKING:
    from nba_ml.state.held import HeldHistory

logger = logging.getLogger(__name__)

HEADER = 8  # bytes of the length prefix of each answer


def prepare_rows(
    data_dir: str, history_sha256: str, days: list[dt.date], fd: int | None = None
) -> Prepared:
    """Return the lookups and the rows of the ``days`` after the last game, from the saved game
    data with this sha256 (checked before it is read, no pickle): read through ``fd``, the file
    the server holds open, when given, else from ``data_dir``. Runs in a helper process
    (``LivePredictor``), so a server's own process spends neither the CPU nor the peak memory of
    the feature passes, nor holds the game data; it needs no model."""
    from nba_ml.state.held import HeldHistory
    from nba_ml.state.history import history_path, load_history

    if fd is not None:
        path = history_path(Path(data_dir), history_sha256)
        history = HeldHistory(os.dup(fd), history_sha256, path).load()  # the dup closes after
    else:
        history = load_history(Path(data_dir), history_sha256)
    return prepare(history, days)


def write_message(out: BinaryIO, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(payload).to_bytes(HEADER, "big"))
    out.write(payload)
    out.flush()


def read_message(stream: BinaryIO, limit: int = 1 << 30) -> Any:
    """Return the next message of a helper we started (trusted: our own code, our own user);
    raise EOFError when the helper ended early, ValueError for an impossible length."""
    size = int.from_bytes(_read_exact(stream, HEADER), "big")
    if size > limit:
        raise ValueError(f"a helper answer of {size} bytes")
    return pickle.loads(_read_exact(stream, size))  # our own child process: trusted


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the helper process ended before answering")
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


HELPER_TIMEOUT = 300.0  # seconds a helper process may take for a batch of days
# added to the helper's niceness: during a swap on 2 busy cores, requests at the same priority
# as the helper's passes took 1.5-1.7 x their no-swap median, at nice 10 about 0.9-1 x
HELPER_NICE = 10


# Run with -I: no current directory, PYTHON* variable or user site-packages on sys.path. The
# directory nba_ml was imported from is appended (last: it can shadow nothing of the standard
# library), for a server that found nba_ml through PYTHONPATH or its working directory.
_BOOT = (
    "import sys; sys.path.append(sys.argv.pop(1)); "
    "from nba_ml.serving.helper import main; sys.exit(main())"
)
SAFE_CWD = "/"  # the helper's working directory: nothing there is imported, nothing written


def helper_command() -> list[str]:
    """Return the helper's command line: this interpreter, isolated (see ``_BOOT``)."""
    import nba_ml

    root = str(Path(nba_ml.__file__).resolve().parent.parent)
    return [sys.executable, "-I", "-c", _BOOT, root]


class HelperProcess:
    """One short-lived helper process (:func:`helper_command`) that computes day rows from the
    saved game data, so the server's own process spends neither the CPU (the GIL its requests
    need) nor the peak memory of the feature passes, nor holds the game data. Any failure of
    the helper falls back to computing in the server's process, with one WARNING. ``held``:
    the game data the server holds open (``state.held``), handed to the helper as a descriptor
    whenever the sha256 asked for is its own, so a pruned file still serves."""

    def __init__(self, data_dir: Path, held: HeldHistory | None = None) -> None:
        self.data_dir = data_dir
        self.held = held
        self._process: subprocess.Popen[bytes] | None = None
        self._pending: list[tuple[list[dt.date], str]] = []

    def submit(self, *batches: list[dt.date], sha256: str | None = None) -> None:
        """Start the helper on these batches of days (in order) from the game data with
        ``sha256`` (default: the one the installed manifest names now)."""
        from nba_ml.state.store import read_manifest

        if sha256 is None:
            manifest = read_manifest(self.data_dir)
            sha256 = manifest.record.history_sha256 if manifest is not None else None
        batches = tuple(days for days in batches if days)
        if not sha256 or not batches:
            return
        held = self.held if self.held is not None and self.held.sha256 == sha256 else None
        fds = () if held is None or held.closed else (held.fileno(),)
        request = pickle.dumps(
            {
                "data_dir": str(self.data_dir),
                "sha256": sha256,
                "fd": fds[0] if fds else None,
                "batches": list(batches),
            }
        )
        try:
            process = subprocess.Popen(
                helper_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=SAFE_CWD,
                pass_fds=fds,
            )
            self._process = process
            _lower_priority(process.pid)
            assert process.stdin is not None
            process.stdin.write(request)
            process.stdin.close()
        except OSError as error:
            logger.warning(
                "no helper process for the day rows (%s); computing them here",
                describe_os_error(error),
            )
            self.close()
            return
        self._pending = [(days, sha256) for days in batches]

    def result(self, days: list[dt.date], sha256: str) -> Prepared | None:
        """Return the lookups and the rows of ``days`` from the data with ``sha256``, or None
        (compute here)."""
        while self._pending and self._process is not None:
            wanted, used = self._pending.pop(0)
            process = self._process
            watchdog = threading.Timer(HELPER_TIMEOUT, process.kill)
            watchdog.start()
            try:
                assert process.stdout is not None
                status, value = _answer(read_message(process.stdout))  # type: ignore[arg-type]
            # Unpickling garbage can raise nearly anything (TypeError, AttributeError, ...).
            except Exception as error:  # noqa: BLE001 - dead, garbled or foreign: compute here
                logger.warning("the helper process failed (%s); computing the rows here", error)
                self.close()
                return None
            finally:
                watchdog.cancel()
            if status != "ok":
                logger.warning("the helper process failed (%s); computing the rows here", value)
                return None
            if used == sha256 and set(days) <= set(wanted):
                return Prepared(
                    value.latest,
                    value.last_game_date,
                    {day: value.days[day] for day in days if day in value.days},
                )
        return None

    def close(self) -> None:
        process, self._process, self._pending = self._process, None, []
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _answer(message: object) -> tuple[str, Any]:
    """Return (status, value) of a well-formed answer; raise ValueError for any other message."""
    if isinstance(message, tuple) and len(message) == 2:
        status, value = message
        if (status == "ok" and isinstance(value, Prepared)) or (
            status == "error" and isinstance(value, str)
        ):
            return status, value
    raise ValueError(f"a malformed helper answer (a {type(message).__name__})")


def _lower_priority(pid: int) -> None:
    """Make the helper ``HELPER_NICE`` nicer than this process (from its start-up on)."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not on this OS
        niceness = os.getpriority(os.PRIO_PROCESS, 0) + HELPER_NICE
        os.setpriority(os.PRIO_PROCESS, pid, min(niceness, 19))


def main() -> int:
    """Answer each batch of the request on stdin, in order; return the exit code: 0 when every
    batch was answered (with its rows or its error), 2 when stdin holds no usable request, 1
    when the parent stopped reading (it went away: the rest is not computed). Either failure
    is one line on stderr, which is the server's log. A SIGINT (Ctrl-C on a server in a
    terminal reaches its helper too) ends it quietly, as SIGTERM does: no traceback."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # Run as __main__ (python -m, as before): take prepare_rows from the module under its own
    # name, so that nothing pickled names __main__ (Prepared is serving.dayrows's, either way).
    from nba_ml.serving.helper import prepare_rows as prepare

    try:
        request = pickle.load(sys.stdin.buffer)  # from our parent: trusted
        data_dir, sha256, batches = request["data_dir"], request["sha256"], request["batches"]
        batches, fd = list(batches), request.get("fd")
    except Exception as error:  # noqa: BLE001 - a truncated or foreign request, any form
        sys.stderr.write(
            f"nba_ml.serving.helper: no usable request on stdin "
            f"({type(error).__name__}); it is started by LivePredictor\n"
        )
        return 2
    out = sys.stdout.buffer
    for days in batches:
        try:
            message: tuple[str, Any] = ("ok", prepare(data_dir, sha256, days, fd))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which decides
            message = ("error", f"{type(error).__name__}: {error}")
        try:
            write_message(out, message)
        except OSError as error:  # a broken pipe: the server ended or closed its side
            _discard_stdout()
            sys.stderr.write(
                f"nba_ml.serving.helper: the server stopped reading "
                f"({describe_os_error(error)}); stopping\n"
            )
            return 1
    return 0


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit of what could not be written does
    not fail again (a second, multi-line report)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
