"""Shared test fixtures: no test may open a socket to anything but the loopback interface."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GAMELOGS = SHARED / "data" / "gamelogs"
CASSETTES = SHARED / "data" / "nba-api-cassettes"
FIVETHIRTYEIGHT = SHARED / "data" / "fivethirtyeight"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(OSError):
    """Raised when a test tries to reach a host other than the loopback interface."""


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests must not touch the network (tried {address!r})")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests must not touch the network (tried {address!r})")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if host is not None and not _is_loopback((host if isinstance(host, str) else host.decode(),)):
        raise NetworkBlocked(f"tests must not resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a socket to a non-loopback address or resolves a remote name."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def _nba_ml_logger_as_found():  # type: ignore[no-untyped-def]
    """Give each test nba-ml's logger as the test before found it: a CLI run points it at the
    runner's stream (closed afterwards) and stops its propagation, so a later test's caplog,
    which listens on the root logger under pytest 7.0, heard nothing."""
    import logging

    logger = logging.getLogger("nba_ml")
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    yield
    logger.handlers[:] = handlers
    logger.propagate = propagate
    logger.setLevel(level)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory, also exported as NBA_ML_DATA_DIR."""
    path = tmp_path / "data"
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(path))
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    return path


def require_gamelogs() -> None:
    """Skip the calling test when the real game logs of ../shared are not beside the checkout."""
    if not GAMELOGS.is_dir():
        pytest.skip(
            f"needs the real game logs in {GAMELOGS} (../shared); "
            "tests/system/test_offline_core.py covers these paths on synthetic seasons"
        )


@pytest.fixture
def gamelogs() -> Path:
    """The real game logs directory (skips when ../shared is absent)."""
    require_gamelogs()
    return GAMELOGS


def link_seasons(target: Path, seasons: list[str]) -> Path:
    """Return ``target`` holding symlinks to the shared CSVs of the given seasons."""
    require_gamelogs()
    target.mkdir(parents=True, exist_ok=True)
    for season in seasons:
        for kind in ("team", "player"):
            name = f"{kind}_game_logs_{season}.csv"
            (target / name).symlink_to(GAMELOGS / name)
    return target


@pytest.fixture(scope="session")
def two_seasons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the real 2017-18 and 2018-19 exports (symlinks into ../shared)."""
    return link_seasons(tmp_path_factory.mktemp("two_seasons"), ["2017-18", "2018-19"])


@pytest.fixture(scope="session")
def synthetic_seasons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with two small synthetic seasons, 2017-18 and 2018-19 (tests/synthetic.py):
    no ../shared needed. Read-only use."""
    from tests.synthetic import write_seasons

    return write_seasons(tmp_path_factory.mktemp("synthetic"))


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """Return the directory ``<name>`` that ``build(directory)`` filled, built once per run:
    under pytest-xdist (``-n 2``) the workers share it (the first to ask builds it while the
    others wait on a lock), so a session's model set is trained once, not once per worker.
    Read-only use, as for any session fixture."""
    import fcntl

    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        directory = tmp_path_factory.mktemp(name, numbered=True)
        build(directory)
        return directory
    root = tmp_path_factory.getbasetemp().parent  # the run's, shared by its workers
    directory, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            if directory.exists():  # a worker that failed half-way: start again
                import shutil

                shutil.rmtree(directory)
            directory.mkdir()
            build(directory)
            done.touch()
    return directory


def _train_into(source: Path, environ: dict[str, str]) -> Callable[[Path], None]:
    """Return a ``build`` for :func:`built_once`: a forced training of ``source`` into
    ``<directory>/data``."""

    def build(directory: Path) -> None:
        from nba_ml.commands.train import train
        from nba_ml.config import resolve_settings

        settings = resolve_settings(directory / "data", environ=environ)
        result = train(settings, force=True, source=source)
        assert result.outcome == "trained", result.message

    return build


@pytest.fixture(scope="session")
def trained_dir(tmp_path_factory: pytest.TempPathFactory, two_seasons: Path) -> Path:
    """A data directory with a model set trained once on two real seasons (read-only use)."""
    return built_once(tmp_path_factory, "trained", _train_into(two_seasons, {})) / "data"


@pytest.fixture(scope="session")
def synthetic_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding a set trained in-process on one round of two synthetic seasons
    (no ../shared; read-only use: copy it with copy_data_dir to change it). The players are
    "Player <TEAM> <n>" of the teams in tests.synthetic.TEAM_CODES; the logs it was trained on
    are in its sibling ``logs``."""

    def build(root: Path) -> None:
        from tests.synthetic import write_seasons

        source = write_seasons(root / "logs", rounds=1)
        _train_into(source, {"NBA_ML_JOBS": "1"})(root)

    return built_once(tmp_path_factory, "synthetic-set", build) / "data"


def _quick_player_model():  # type: ignore[no-untyped-def]
    """A small but real player model, so training and the honest refit take seconds."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        loss="absolute_error", max_iter=15, max_leaf_nodes=15, early_stopping=False, random_state=0
    )


@pytest.fixture(scope="module")
def quick_models():  # type: ignore[no-untyped-def]
    """Small player models, fitted on one thread: OpenMP threads spin against other busy
    processes, which made one 15-iteration fit take a minute instead of a second."""
    import sklearn.ensemble  # noqa: F401 - load the OpenMP runtime so that the limit applies
    from threadpoolctl import threadpool_limits

    from nba_ml.modeling import model_factories

    with pytest.MonkeyPatch.context() as patch, threadpool_limits(limits=1):
        patch.setattr(model_factories, "make_player_model", _quick_player_model)
        yield


def run_in_child(target, *args, seconds: float = 60) -> object:  # type: ignore[no-untyped-def]
    """Run ``target(*args)`` in a forked child; return ("ok", result) or ("raised", message).

    Fail the test (and kill the child) when no outcome arrives within ``seconds``: a test of
    "never hangs" must not hang itself.
    """
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    receiver, sender = fork.Pipe(duplex=False)

    def main() -> None:
        try:
            sender.send(("ok", target(*args)))
        except BaseException as error:  # noqa: BLE001 - the parent reports it
            sender.send(("raised", f"{type(error).__name__}: {error}"))

    child = fork.Process(target=main)
    child.start()
    if not receiver.poll(seconds):
        child.kill()
        child.join()
        pytest.fail(f"{getattr(target, '__name__', target)} hung for {seconds} s")
    outcome = receiver.recv()
    child.join(10)
    assert child.exitcode == 0
    return outcome


def drop_permission_override() -> None:
    """Drop CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER, so that root obeys file
    modes (for good: call it in a child, e.g. through :func:`run_in_child`)."""
    if os.geteuid() != 0:
        return

    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    for bit in (1, 2, 3):
        data[0].effective &= ~(1 << bit)
        data[0].permitted &= ~(1 << bit)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def collect_options(**overrides: object):  # type: ignore[no-untyped-def]
    """The collector's options with the settings table's defaults (CollectOptions declares none
    of its own for the settings), and ``overrides`` as a test wants them."""
    import dataclasses

    from nba_ml.config import Settings

    return dataclasses.replace(Settings().collect_options(), **overrides)


def copy_data_dir(source: Path, target: Path) -> Path:
    """Return a private copy of a trained data directory (symlinks kept, modes kept)."""
    import shutil

    shutil.copytree(source, target, symlinks=True)
    return target


_SHARED_NAMES = ("GAMELOGS", "CASSETTES", "FIVETHIRTYEIGHT", "SHARED")


def slow_files_first(items: list[pytest.Item]) -> None:
    """Move the test files marked ``slow`` (a module's ``pytestmark``) ahead of the others, each
    file whole and every file in its order: with ``-n 2 --dist loadfile`` (and the
    ``--no-loadscope-reorder`` of pyproject.toml) a worker takes the next file when it is
    almost done, so the longest files start first and the short ones fill in around them
    instead of one long file running alone at the end."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)  # a stable sort


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the slow files first (:func:`slow_files_first`), then skip, with a reason, every test
    whose own code reads ../shared when it is absent (tests that reach it through a fixture skip
    in the fixture); on a fresh clone with nothing beside it the rest,
    tests/system/test_offline_core.py among them, still runs."""
    del config
    slow_files_first(items)
    if GAMELOGS.is_dir() and CASSETTES.is_dir() and FIVETHIRTYEIGHT.is_dir():
        return
    import inspect
    import re

    pattern = re.compile(r"\b(" + "|".join(_SHARED_NAMES) + r")\b")
    for item in items:
        function = getattr(item, "function", None)
        if function is None:
            continue
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        if pattern.search(source):
            item.add_marker(
                pytest.mark.skip(
                    reason=f"reads the real data in {SHARED} (../shared), which is absent"
                )
            )


def cli_runner():  # type: ignore[no-untyped-def]
    """Return Typer's test runner with stderr apart from stdout on every Click the floors allow:
    Click 8.2 always separates them, 8.1 (beside the typer floor) only with mix_stderr=False."""
    import inspect

    from typer.testing import CliRunner

    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


def shared_skip_note(skipped: int) -> str | None:
    """Return the line that says why tests were skipped when ../shared is absent, else None."""
    if skipped == 0 or (GAMELOGS.is_dir() and CASSETTES.is_dir() and FIVETHIRTYEIGHT.is_dir()):
        return None
    return (
        f"{skipped} skipped: tests that read the real data in {SHARED} (../shared: "
        "game logs, recorded stats.nba.com responses, FiveThirtyEight's Elo), which is "
        "absent beside this checkout; everything else ran (see README, 'Two commands for a "
        "fresh machine')"
    )


def pytest_terminal_summary(
    terminalreporter: object, exitstatus: int, config: pytest.Config
) -> None:
    """On a fresh clone, say why so many tests were skipped ("148 skipped" said nothing)."""
    del exitstatus, config
    stats = getattr(terminalreporter, "stats", {})
    note = shared_skip_note(len(stats.get("skipped", [])))
    if note is not None:
        terminalreporter.write_line(note)  # type: ignore[attr-defined]
