"""The helper process of ``LivePredictor``: computes day rows from the saved game data.

Started by the server as ``python -m nba_ml.serving.helper`` (a plain child process: nothing of
the server's main module is imported again, no fork of a threaded server). It reads one request
(a pickle from its parent: data directory, game data sha256, batches of days) on stdin and
writes, for each batch in order, an 8-byte big-endian length and a pickle of
``("ok", Prepared)`` or ``("error", message)`` on stdout. The game data is checked against its
sha256 before it is unpickled (``state.history.load_history``).
"""

from __future__ import annotations

import pickle
import sys
from typing import Any, BinaryIO

HEADER = 8  # bytes of the length prefix of each answer


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


def main() -> int:
    from nba_ml.serving.predictor import prepare_rows

    request = pickle.load(sys.stdin.buffer)  # from our parent: trusted
    out = sys.stdout.buffer
    for days in request["batches"]:
        try:
            message: tuple[str, Any] = ("ok", prepare_rows(request["data_dir"],
                                                           request["sha256"], days))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which decides
            message = ("error", f"{type(error).__name__}: {error}")
        write_message(out, message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
