"""Starting the reference web app: its settings, read once per process, and how a bad one ends.

:func:`start_live` returns a started :class:`~nba_ml.serving.live.LivePredictor` for
``NBA_ML_DATA_DIR`` (else nba-ml's default data directory), checking every
``NBA_ML_SERVING_CHECK_SECONDS``. A relative ``NBA_ML_DATA_DIR`` is resolved once, at start,
against the working directory, and the absolute path is logged; it is refused when the working
directory is not the one the server was started from (``$PWD``): ``gunicorn --chdir DIR`` made
``nba-ml-data`` mean ``DIR/nba-ml-data``, which stayed empty, and the server answered 503
forever.

A bad setting ends the process with one line on stderr and exit status 4 (:func:`fail_start`),
gunicorn's "App failed to load": the server stops instead of booting new workers forever.
When the workers of one server fail together, only one of them says so and exits 4; the others
wait quietly for the master's SIGTERM and exit 0. gunicorn 23-26 raised its halt a second time,
inside its own shutdown, when a second worker exited 4 during it: two tracebacks and exit 1.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from nba_ml.errors import ConfigError
from nba_ml.state.datadir import DATA_DIR_ENV
from nba_ml.state.files import safe_text

if TYPE_CHECKING:
    from nba_ml.serving import LivePredictor

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s - %(levelname)s - %(message)s"
# gunicorn's "App failed to load": the master stops with that reason instead of booting a new
# worker (any other status, 1 included, has it start one at once, failing the same way).
APP_LOAD_ERROR = 4
# Seconds a failing worker waits for the master's SIGTERM before it says why and exits 4 (the
# master sends it within milliseconds of another worker's exit 4).
GRACE_SECONDS = 1.0
# Seconds a worker that another one beat to the failure waits for that SIGTERM at most.
LOSER_WAIT_SECONDS = 30.0

_stopping = threading.Event()  # SIGTERM arrived while the app was being loaded
_previous_handler: Any = None
_held: list[socket.socket] = []  # the failure's name, bound until this process exits


def configure_logging() -> None:
    """Log INFO and above to stderr in nba-ml's format, unless the server configured logging."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S")


def watch_for_stop() -> None:
    """Note a SIGTERM that arrives while the app loads (the server is stopping), passing it on
    to the handler that was installed (gunicorn's worker). Main thread only; a no-op elsewhere."""
    global _previous_handler
    if threading.current_thread() is not threading.main_thread():
        return
    _previous_handler = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _note_stop)


def _note_stop(signum: int, frame: FrameType | None) -> None:
    _stopping.set()
    previous = _previous_handler
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_DFL:  # nobody else handles it: stop as the default would
        raise SystemExit(128 + signum)


def stop_watching() -> None:
    """Give SIGTERM back to the handler it had before :func:`watch_for_stop`."""
    global _previous_handler
    if _previous_handler is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _previous_handler)
        _previous_handler = None


def data_dir_from(environ: Mapping[str, str], cwd: str) -> Path | None:
    """Return ``NBA_ML_DATA_DIR`` made absolute against ``cwd``, or None when it is unset (or
    empty: the settings refuse that). Raise ConfigError when it is relative and ``cwd`` is not
    the directory the server was started from."""
    raw = environ.get(DATA_DIR_ENV, "")
    if not raw.strip():
        return None
    path = Path(raw).expanduser()
    if path.is_absolute():
        return path
    started = environ.get("PWD", "")
    if started and _same_directory(started, cwd) is False:
        raise ConfigError(
            f"{DATA_DIR_ENV}={safe_text(repr(raw))} is relative, and the server's working "
            f"directory {safe_text(cwd)} is not the one it was started from "
            f"({safe_text(started)}; gunicorn --chdir?): give an absolute path"
        )
    return Path(cwd) / path


def _same_directory(first: str, second: str) -> bool | None:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return None  # $PWD is gone or unreadable: nothing to compare with


def start_live(environ: Mapping[str, str] | None = None) -> LivePredictor:
    """Return a started LivePredictor for the settings in ``environ`` (default ``os.environ``);
    raise ConfigError naming the variable when one is malformed."""
    from nba_ml.serving import LivePredictor

    environ = dict(os.environ if environ is None else environ)
    data_dir = data_dir_from(environ, os.getcwd())
    if data_dir is not None:
        environ[DATA_DIR_ENV] = str(data_dir)
    live = LivePredictor.from_environment(environ)
    logger.info("serving the model sets installed in %s", live.data_dir)
    return live.start()


def fail_start(error: ConfigError, *, sleep: Callable[[float], bool] = _stopping.wait) -> NoReturn:
    """End a process whose app cannot start: one line and exit 4, once per server.

    The first of a server's workers to fail (the workers of one master share its pid as their
    parent) takes a name in the abstract socket namespace; a worker that finds the name taken
    waits for the master's SIGTERM and exits 0 without a word. The one that takes it, or that
    runs alone, waits ``GRACE_SECONDS`` for that SIGTERM too (another worker that failed a moment
    before and has exited already stopped the server) and otherwise says why and exits 4.
    """
    if _stopping.is_set():  # the server is stopping: someone else said why
        raise SystemExit(0)
    if not _take_the_failure():
        if sleep(LOSER_WAIT_SECONDS):
            raise SystemExit(0)
    elif sleep(GRACE_SECONDS):
        raise SystemExit(0)
    sys.stderr.write(f"nba-ml web: {error}\n")
    sys.stderr.flush()
    raise SystemExit(APP_LOAD_ERROR)


def _take_the_failure() -> bool:
    """Bind this server's failure name; return False when another worker holds it."""
    name = f"\0nba-ml-web-start-failed-{os.getppid()}"
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        probe.bind(name)
    except OSError as error:
        probe.close()
        # EADDRINUSE: another worker failed first; anything else (no abstract namespace off
        # Linux): nothing to coordinate with, so say it ourselves
        return error.errno != errno.EADDRINUSE
    _held.append(probe)
    return True
