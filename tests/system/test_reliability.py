"""Reliability and security of the real `nba-ml` command, run as the scheduler would run it.

Every test starts the installed console script in a subprocess on real files under tmp_path and
trains on one real season (symlinks into ../shared). Covered here: kill -9 at several points of
a training (its fitting workers must die with it), a killed fitting worker, many commands at
once, a full disk, a file size limit, a read-only or uncreatable data directory, the model
directory deleted mid-run, stats.nba.com unreachable through a proxy, tampered model files.
docs/reliability.md maps every fault to the test that proves its outcome.

No subprocess can reach the network: every one gets HTTP(S)_PROXY pointing at a closed loopback
port, and only the tests that exercise collection leave out ``--from``.
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nba_ml.commands.train import OFFLINE_HINT
from nba_ml.errors import ModelInvalid
from nba_ml.state.lock import LockHolder, read_lock_holder
from tests.conftest import copy_data_dir, link_seasons
from tests.modelsets import forge_model
from tests.replay import closed_port

pytestmark = pytest.mark.slow

NBA_ML = Path(sys.executable).with_name("nba-ml")
SEASON = "2018-19"
MODEL_FILES = {
    "game_outcome": "game_outcome_model.skops",
    "points": "points_prediction_model.skops",
    "assists": "assists_prediction_model.skops",
    "rebounds": "rebounds_prediction_model.skops",
}
INSTALLED = "installed model generation"
TRAIN_TIMEOUT = 600.0  # seconds; a training takes ~20 s of CPU, more on a loaded machine
POOL = (b"multiprocessing.spawn", b"multiprocessing.resource_tracker")  # fit_sets' processes


def command_env(**extra: str) -> dict[str, str]:
    """Return a clean environment for `nba-ml`: no nba-ml settings, no way out to the internet."""
    dropped = {"https_proxy", "http_proxy", "all_proxy", "no_proxy", "state_directory"}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NBA_ML_", "NBA_TRAINING_", "NBA_API_"))
        and key.lower() not in dropped
    }
    nowhere = f"http://127.0.0.1:{closed_port()}"
    env.update(
        HTTPS_PROXY=nowhere,
        HTTP_PROXY=nowhere,
        https_proxy=nowhere,
        http_proxy=nowhere,
        NBA_ML_RETRIES="1",
        NBA_ML_REQUEST_PAUSE="0",
        NO_COLOR="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def nba(
    data_dir: Path,
    *args: object,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = TRAIN_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run `nba-ml --data-dir DATA_DIR ARGS...` to completion."""
    return subprocess.run(
        [str(NBA_ML), "--data-dir", str(data_dir), *map(str, args)],
        capture_output=True,
        text=True,
        env=env or command_env(),
        preexec_fn=preexec_fn,
        timeout=timeout,
        check=False,
    )


_STARTED: list[subprocess.Popen[bytes]] = []
_ORPHANS: set[int] = set()  # worker processes a killed `nba-ml` left behind


def descendants(pid: int) -> list[int]:
    """Return the pids of every living descendant of ``pid`` (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        children = parents.get(pending.pop(), [])
        found += children
        pending += children
    return found


def alive(pid: int) -> bool:
    """Return whether ``pid`` is a living process (a zombie counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def pool_processes(pid: int) -> list[int]:
    """Return the living fitting workers and resource tracker started by the process ``pid``."""
    return [
        child
        for child in descendants(pid)
        if alive(child) and any(marker in _cmdline(child) for marker in POOL)
    ]


def pool_semaphores(pids: list[int]) -> set[Path]:
    """Return the named semaphores in /dev/shm that the processes ``pids`` have mapped (those
    of the pool's queues; multiprocessing names them at random, so only the maps tell whose)."""
    found: set[Path] = set()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        for line in maps.splitlines():
            path = line.split(maxsplit=5)[5] if len(line.split(maxsplit=5)) == 6 else ""
            if path.startswith("/dev/shm/") and not path.endswith("(deleted)"):
                found.add(Path(path))
    return found


def kill_orphans(pids: set[int]) -> None:
    """SIGKILL the given leftovers of our own killed commands (checked to be Python workers)."""
    for pid in sorted(pids):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if alive(pid) and any(marker in command for marker in POOL):
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
        pids.discard(pid)


@pytest.fixture(autouse=True)
def _kill_leftover_processes() -> Iterator[None]:
    """Kill (by pid) any process a test started and left running, and their workers."""
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            _ORPHANS.update(descendants(process.pid))
            process.kill()
            process.wait(30)
    kill_orphans(_ORPHANS)


class Run:
    """A real `nba-ml` process started in the background; its output goes to files."""

    _count = 0

    def __init__(
        self,
        logs: Path,
        data_dir: Path,
        *args: object,
        env: dict[str, str] | None = None,
        default_sigint: bool = False,
    ) -> None:
        Run._count += 1
        logs.mkdir(parents=True, exist_ok=True)
        name = f"{Run._count:03d}-{args[0]}"
        self.out_path, self.err_path = logs / f"{name}.out", logs / f"{name}.err"
        self.args = args
        self.started = time.monotonic()
        self.ended: float | None = None
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.process = subprocess.Popen(
                [str(NBA_ML), "--data-dir", str(data_dir), *map(str, args)],
                stdout=out,
                stderr=err,
                env=env or command_env(),
                # as from a terminal, even when this test runs where SIGINT is ignored
                preexec_fn=_default_sigint if default_sigint else None,
            )
        _STARTED.append(self.process)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float = TRAIN_TIMEOUT) -> int:
        code = self.process.wait(timeout)
        self.ended = self.ended or time.monotonic()
        return code

    def wait_for_log(self, needle: str, timeout: float = TRAIN_TIMEOUT) -> None:
        """Return once stderr holds ``needle``; fail if the process ends first."""
        deadline = time.monotonic() + timeout
        while needle not in self.stderr:
            assert self.running(), f"{self.args} ended before logging {needle!r}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"no {needle!r} after {timeout} s:\n{self.stderr}"
            time.sleep(0.02)

    def kill(self) -> list[int]:
        """SIGKILL the command (not its workers, as the OOM killer or `kill -9 PID` would);
        return the pids of the workers it leaves behind."""
        assert self.running(), f"{self.args} ended before the kill:\n{self.stderr}"
        workers = descendants(self.pid)
        _ORPHANS.update(workers)
        os.kill(self.pid, signal.SIGKILL)
        assert self.wait(30) == -signal.SIGKILL
        return [pid for pid in workers if alive(pid)]

    def workers(self) -> list[int]:
        """Return the pids of the command's fitting worker processes (spawned children)."""
        return [pid for pid in descendants(self.pid) if alive(pid) and POOL[0] in _cmdline(pid)]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def wait_until(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.02
) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)
    return value


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " - ERROR - " in line]


def one_error_line(result: subprocess.CompletedProcess[str] | Run) -> str:
    """Return the single ERROR line of a command's stderr (and check there is no traceback)."""
    stderr = result.stderr
    assert "Traceback" not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    return lines[0]


def generation(data_dir: Path) -> str | None:
    try:
        return Path(os.readlink(data_dir / "models")).name
    except FileNotFoundError:
        return None


def leftovers(data_dir: Path) -> list[str]:
    """Return what an interrupted run may leave: temporary generations, links, history files."""
    found = []
    for directory, prefixes in (
        (data_dir / "generations", (".tmp-", ".trash-")),
        (data_dir, (".models.tmp-",)),
        (data_dir / "history", (".game_data.",)),
    ):
        if directory.is_dir():
            found += [
                f"{directory.name}/{p.name}"
                for p in directory.iterdir()
                if p.name.startswith(prefixes)
            ]
    return sorted(found)


def check_json(data_dir: Path) -> tuple[int, dict[str, Any]]:
    result = nba(data_dir, "check", "--json", timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def assert_complete_set(data_dir: Path) -> str:
    """Check that `nba-ml check` accepts the installed set; return its generation."""
    result = nba(data_dir, "check", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 6 models valid")
    current = generation(data_dir)
    manifest = json.loads((data_dir / "models" / "manifest.json").read_text())
    assert manifest["generation"] == current
    return current  # type: ignore[return-value]


def status_json(data_dir: Path) -> dict[str, Any]:
    result = nba(data_dir, "status", "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def lock_holder(data_dir: Path) -> LockHolder | None:
    holder = read_lock_holder(data_dir / "train.lock")
    return holder if holder is not None and holder.pid is not None else None


class CheckPoller:
    """Runs `nba-ml check --json` over and over in a thread while a test does something else."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.results: list[tuple[int, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.error: BaseException | None = None

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self.results.append(check_json(self.data_dir))
                self._stop.wait(0.5)  # leave the training most of the CPU
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            self.error = error

    def __enter__(self) -> CheckPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(120)
        if self.error is not None:
            raise self.error


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def season_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --from directory holding one real season (symlinks into ../shared)."""
    return link_seasons(tmp_path_factory.mktemp("season"), [SEASON])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, season_dir: Path) -> Path:
    """A data directory with a set trained by the real command (copy it before changing it)."""
    data_dir = tmp_path_factory.mktemp("base") / "data"
    result = nba(data_dir, "train", "--force", "--from", season_dir)
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def data(base: Path, tmp_path: Path) -> Path:
    """A private copy of the trained data directory."""
    return copy_data_dir(base, tmp_path / "data")


# ----------------------------------------------------------------------------- kill -9


def _kill_building_features(run: Run) -> None:
    run.wait_for_log("training on ")  # logged right before the features are built
    run.kill()


def _kill_fitting(run: Run) -> None:
    """Kill the command alone (as cron, an operator or the OOM killer may; systemd kills the
    whole control group) while its workers fit, and check that the workers and the resource
    tracker die with it and leave nothing in /dev/shm (the pool talks through pipes and needs no
    named semaphore; whatever /dev/shm file the processes have mapped must go with them)."""
    run.wait_for_log("fitting on data before the holdout")
    wait_until(lambda: len(run.workers()) >= 2, 60, "the fitting workers")
    time.sleep(0.5)
    pool = pool_processes(run.pid)
    assert len([pid for pid in pool if pid in run.workers()]) >= 2
    semaphores = pool_semaphores([run.pid, *pool])
    run.kill()
    assert lock_holder(run_data(run)) is None  # the workers never hold the training lock
    wait_until(
        lambda: not any(alive(pid) for pid in pool),
        10,
        f"the pool processes {pool} to die with the killed training",
    )
    wait_until(
        lambda: not any(path.exists() for path in semaphores),
        10,
        f"the killed training's semaphores {sorted(semaphores)} to leave /dev/shm",
    )


def run_data(run: Run) -> Path:
    return Path(run.process.args[2])  # type: ignore[index]


def _kill_installing(run: Run, data_dir: Path) -> None:
    run.wait_for_log("fitting on data before the holdout")
    generations = data_dir / "generations"
    while not any(entry.name.startswith(".tmp-") for entry in os.scandir(generations)):
        assert run.running(), f"the training ended before it was killed:\n{run.stderr}"
        time.sleep(0.001)
    run.kill()


def test_kill_9_at_any_point_keeps_a_complete_set_and_the_next_run_recovers(
    data: Path, season_dir: Path, tmp_path: Path
) -> None:
    """Before fitting, while fitting (the workers must die with the command) and as the new set
    is written; then a training amid the leftovers of every kind, with `check` in a loop."""
    old = generation(data)
    logs = tmp_path / "logs"
    killers: list[tuple[str, Callable[[Run], None]]] = [
        ("building features", _kill_building_features),
        ("fitting", _kill_fitting),
        ("installing", lambda run: _kill_installing(run, data)),
    ]
    for point, killer in killers:
        run = Run(logs, data, "train", "--force", "--from", season_dir)
        killer(run)
        assert INSTALLED not in run.stderr, point
        assert lock_holder(data) is None, f"the lock outlived a training killed {point}"
        wait_until(
            lambda run=run: not pool_processes(run.pid) and not any(alive(pid) for pid in _ORPHANS),
            10,
            f"the workers of the training killed {point} to die",
        )
        current = assert_complete_set(data)  # the old set, or a complete new one: never a mix
        if point != "installing":
            assert current == old, point
        report = status_json(data)
        assert report["models"]["valid"] is True and report["lock"]["held"] is False, point

    # A killer's leftovers of every kind; the next training must remove them all.
    (data / "generations" / ".tmp-20000101T000000Z-dead00").mkdir(exist_ok=True)
    (
        data / "generations" / ".tmp-20000101T000000Z-dead00" / "points_prediction_model.skops"
    ).write_bytes(b"half a model")
    (data / "generations" / ".trash-20000101T000000Z-dead01").mkdir()
    (data / ".models.tmp-20000101T000000Z-dead02").symlink_to("generations/nowhere")
    (data / "history" / ".game_data.dead03.tmp").write_bytes(b"half a table")
    assert len(leftovers(data)) >= 4
    before = assert_complete_set(data)

    with CheckPoller(data) as poller:
        recovery = Run(logs, data, "train", "--force", "--from", season_dir)
        assert recovery.wait() == 0, recovery.stderr
    assert recovery.stdout.startswith("trained: ")
    assert "removed leftover" in recovery.stderr
    assert "Traceback" not in recovery.stderr and not error_lines(recovery.stderr)
    assert leftovers(data) == []
    assert assert_complete_set(data) != before
    # Readers never saw a gap or a mixed set while the new set replaced the old one.
    assert poller.results and all(code == 0 for code, _ in poller.results), poller.results


def test_kill_9_of_a_first_training_leaves_no_set_and_check_says_so(
    tmp_path: Path, season_dir: Path
) -> None:
    data = tmp_path / "data"
    run = Run(tmp_path / "logs", data, "train", "--force", "--from", season_dir)
    _kill_building_features(run)
    assert lock_holder(data) is None
    result = nba(data, "check", timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"invalid: model set: no model set at {data / 'models'}" in result.stderr
    for model in MODEL_FILES:
        assert f"invalid: {model}: missing" in result.stderr
    report = status_json(data)
    assert report["models"]["valid"] is False and report["lock"]["held"] is False


def test_a_killed_worker_fails_the_run_on_one_line_and_keeps_the_set(
    data: Path, season_dir: Path, tmp_path: Path
) -> None:
    """The OOM killer picks one of the fitting worker processes."""
    before = assert_complete_set(data)
    run = Run(tmp_path / "logs", data, "train", "--force", "--from", season_dir)
    run.wait_for_log("fitting on data before the holdout")
    workers = wait_until(run.workers, 60, "the worker processes")
    os.kill(workers[0], signal.SIGKILL)
    assert run.wait() == 1, run.stderr
    line = one_error_line(run)
    assert (
        f"fitting the player models failed: worker process {workers[0]} was killed by "
        "SIGKILL; current models kept" in line
    ), line
    assert lock_holder(data) is None
    assert assert_complete_set(data) == before
    assert leftovers(data) == []
    assert not pool_processes(run.pid)
    assert "trained" not in [
        json.loads(r)["outcome"] for r in (data / "runs.jsonl").read_text().splitlines()[-1:]
    ]


@pytest.mark.parametrize(
    ("signum", "code", "everyone"),
    [(signal.SIGTERM, 143, False), (signal.SIGTERM, 143, True), (signal.SIGINT, 130, True)],
)
def test_a_stop_signal_while_fitting_ends_cleanly_on_one_line(
    data: Path, season_dir: Path, tmp_path: Path, signum: int, code: int, everyone: bool
) -> None:
    """`kill PID` or `timeout` (SIGTERM to nba-ml alone), systemd's stop or start-up timeout
    (SIGTERM to every process of the unit) and Ctrl-C (SIGINT to the terminal's process group)
    while the workers fit: one ERROR line and exit 128 + signal; the workers, the lock and the
    temporary files are released on the way out (not left for the next run); the run is
    recorded as stopped."""
    before = assert_complete_set(data)
    run = Run(
        tmp_path / "logs", data, "train", "--force", "--from", season_dir, default_sigint=True
    )
    run.wait_for_log("fitting on data before the holdout")
    wait_until(lambda: len(run.workers()) >= 2, 60, "the fitting workers")
    workers = run.workers()
    assert _sigint_handled(run.pid)  # Python's handler is in place: Ctrl-C raises in nba-ml
    for pid in [run.pid, *(workers if everyone else [])]:
        os.kill(pid, signum)
    assert run.wait(60) == code, run.stderr
    line = one_error_line(run)
    assert f" - ERROR - stopped by {signal.Signals(signum).name} during the training" in line
    assert not [pid for pid in workers if alive(pid)]
    assert lock_holder(data) is None
    assert leftovers(data) == []  # cleaned on the way out
    assert assert_complete_set(data) == before
    last = json.loads((data / "runs.jsonl").read_text().splitlines()[-1])
    assert (last["outcome"], last["exit_code"]) == ("stopped", code)
    status = nba(data, "status", "--json", "--strict", timeout=120)
    assert status.returncode == 1  # --strict: the last run needs a look
    assert f"last run stopped (exit {code}): stopped by" in " ".join(
        json.loads(status.stdout)["attention"]
    )


def _sigint_handled(pid: int) -> bool:
    """Return whether ``pid`` catches SIGINT (bit 2 of SigCgt in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


# ----------------------------------------------------------------------------- concurrency


def test_concurrent_trainers_ensures_checks_and_status_train_exactly_once(
    tmp_path: Path, season_dir: Path
) -> None:
    """Two web servers boot at once on an empty data directory (`ensure --wait 300`); while one
    of them trains, three `train --force`, an `ensure` without --wait and `status` run, and
    `check --json` runs in a loop all along."""
    data, logs = tmp_path / "data", tmp_path / "logs"
    with CheckPoller(data) as poller:
        servers = [
            Run(logs, data, "ensure", "--from", season_dir, "--wait", "300") for _ in range(2)
        ]
        holder = wait_until(lambda: lock_holder(data), 120, "a web server to take the lock")
        assert holder.pid in {server.pid for server in servers}
        assert "ensure" in (holder.command or "")

        others = [Run(logs, data, "train", "--force", "--from", season_dir) for _ in range(3)]
        others.append(Run(logs, data, "ensure", "--from", season_dir))
        statuses = [Run(logs, data, "status", "--json") for _ in range(2)]
        for run in others:
            assert run.wait(120) == 75, run.stderr
            message = one_error_line(run)
            assert f"another training is running (pid {holder.pid}" in message
        trainer = next(server for server in servers if server.pid == holder.pid)
        assert trainer.running(), "the refused commands did not exit at once"
        for run in statuses:
            assert run.wait(120) == 0, run.stderr
            lock = json.loads(run.stdout)["lock"]
            assert lock["held"] is True and lock["pid"] == holder.pid

        waiter = next(server for server in servers if server.pid != holder.pid)
        assert trainer.wait() == 0, trainer.stderr
        assert waiter.wait() == 0, waiter.stderr
        wait_until(lambda: any(code == 0 for code, _ in poller.results), 120, "a check after")
    assert trainer.stdout.startswith("trained: ")
    assert waiter.stdout.startswith("valid: models became valid while waiting"), waiter.stdout
    assert "waiting up to 300 s for the training lock" in waiter.stderr

    runs = [*servers, *others, *statuses]
    assert sum(run.stderr.count(INSTALLED) for run in runs) == 1
    assert [p.name for p in (data / "generations").iterdir()] == [generation(data)]
    records = [json.loads(line) for line in (data / "runs.jsonl").read_text().splitlines()]
    assert [r["command"] for r in records if r["outcome"] == "trained"] == ["ensure"]
    assert sorted(r["exit_code"] for r in records if r["outcome"] == "busy") == [75] * 4
    assert_complete_set(data)

    # Every check answered 0 or 1, saw no set or the complete new one, and never went back.
    codes = [code for code, _ in poller.results]
    assert set(codes) == {0, 1} and codes == sorted(codes, reverse=True), codes
    for code, report in poller.results:
        assert report["ok"] is (code == 0)
        for problem in report["problems"]:
            assert problem["problem"].startswith(("no model set at", "missing (")), report


# ----------------------------------------------------------------------------- disk and dirs


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, like ENOSPC
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    return apply


def _game_data_bytes(data_dir: Path) -> int:
    """Return the size of the saved game data in ``data_dir`` (one season: about 0.5 MB)."""
    return max(p.stat().st_size for p in (data_dir / "history").glob("game_data-*.npz"))


@pytest.fixture
def full_disk(base: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the trained data directory on its own tmpfs, with half the size of its saved
    game data to spare: the run history and the lock fit, the game data a training saves does
    not."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    used = sum(p.stat().st_size for p in base.rglob("*") if p.is_file() and not p.is_symlink())
    size_kb = used // 1024 + _game_data_bytes(base) // 2048 + 64
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0750", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield copy_data_dir(base, mount / "data")
    finally:
        if subprocess.run(["umount", str(mount)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_during_a_real_training_keeps_the_current_set(
    full_disk: Path, season_dir: Path
) -> None:
    before = assert_complete_set(full_disk)
    manifest = (full_disk / "models" / "manifest.json").read_bytes()
    result = nba(full_disk, "train", "--force", "--from", season_dir)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result)
    assert "no space left on device" in line.lower() and line.endswith("; current models kept"), (
        line
    )
    assert assert_complete_set(full_disk) == before
    assert (full_disk / "models" / "manifest.json").read_bytes() == manifest
    assert leftovers(full_disk) == []
    last = json.loads((full_disk / "runs.jsonl").read_text().splitlines()[-1])
    assert last["outcome"] == "failed" and last["exit_code"] == 1


def test_a_file_size_limit_fails_on_one_line_and_keeps_the_set(
    data: Path, season_dir: Path
) -> None:
    """RLIMIT_FSIZE of half the saved game data (EFBIG, the errno of a quota or size limit; no
    root needed). The fitting workers get their data through pipes, not files, so the limit is
    first hit by the game-data history written after fitting, before the models."""
    before = assert_complete_set(data)
    result = nba(
        data,
        "train",
        "--force",
        "--from",
        season_dir,
        preexec_fn=_file_size_limit(_game_data_bytes(data) // 2),
    )
    assert result.returncode == 1, result.stderr
    line = one_error_line(result)
    assert "file too large" in line.lower() and line.endswith("; current models kept"), line
    assert assert_complete_set(data) == before
    assert leftovers(data) == []


def test_a_data_dir_that_cannot_be_created_is_a_usage_error(
    tmp_path: Path, season_dir: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory should be\n")
    data = blocker / "data"
    for args in (("train", "--force", "--from", season_dir), ("ensure", "--from", season_dir)):
        result = nba(data, *args, timeout=120)
        assert result.returncode == 2, result.stderr
        line = one_error_line(result)
        assert f"cannot create data directory {data}: not a directory" in line
    checked = nba(data, "check", timeout=120)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "invalid: model set:" in checked.stderr
    assert blocker.read_text() == "a file where a directory should be\n"


def _without_permission_override() -> None:
    """Drop CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from the bounding set, so the
    command run next obeys file modes even as root."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.fixture
def read_only(data: Path) -> Iterator[Path]:
    """The trained data directory with mode 0555 (and root made to respect it)."""
    probe = data.parent / "probe"
    probe.mkdir(mode=0o555)
    try:
        denied = (
            subprocess.run(
                ["touch", str(probe / "x")],
                capture_output=True,
                check=False,
                preexec_fn=_without_permission_override,
            ).returncode
            != 0
        )
    except subprocess.SubprocessError:
        denied = False
    if not denied:
        pytest.skip("cannot make this process obey file modes (root without CAP_SETPCAP)")
    data.chmod(0o555)
    yield data
    data.chmod(0o750)


def test_a_read_only_data_dir_refuses_training_and_still_serves(
    read_only: Path, season_dir: Path
) -> None:
    before = generation(read_only)
    result = nba(
        read_only,
        "train",
        "--force",
        "--from",
        season_dir,
        preexec_fn=_without_permission_override,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert f"data directory {read_only} is not writable by this user" in one_error_line(result)
    checked = nba(read_only, "check", preexec_fn=_without_permission_override, timeout=120)
    assert checked.returncode == 0, checked.stderr
    status = nba(
        read_only, "status", "--json", preexec_fn=_without_permission_override, timeout=120
    )
    assert status.returncode == 0 and json.loads(status.stdout)["models"]["valid"] is True
    assert generation(read_only) == before


def test_ensure_on_a_read_only_data_dir_with_valid_models_exits_0(read_only: Path) -> None:
    result = nba(read_only, "ensure", preexec_fn=_without_permission_override, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid:")


# ----------------------------------------------------------------------------- upstream


class HangUpProxy:
    """A loopback listener that records the first line of each request, then hangs up."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                received = b""
                try:
                    while b"\r\n" not in received and (chunk := connection.recv(4096)):
                        received += chunk
                except OSError:
                    pass
                self.lines.append(received.split(b"\r\n", 1)[0].decode(errors="replace"))

    def close(self) -> None:
        self.server.close()
        self._thread.join(5)


@pytest.mark.parametrize("proxy", ["closed port", "hangs up"])
def test_unreachable_upstream_exits_75_with_one_line_and_keeps_models(
    data: Path, proxy: str
) -> None:
    before = assert_complete_set(data)
    manifest = (data / "models" / "manifest.json").read_bytes()
    listener = HangUpProxy() if proxy == "hangs up" else None
    url = listener.url if listener else f"http://127.0.0.1:{closed_port()}"
    env = command_env(
        HTTPS_PROXY=url,
        HTTP_PROXY=url,
        https_proxy=url,
        http_proxy=url,
        NBA_ML_RETRIES="2",
        NBA_ML_REQUEST_PAUSE="0",
        NBA_ML_TIMEOUT="5",
    )
    started = time.monotonic()
    try:
        result = nba(data, "train", "--force", env=env, timeout=120)
    finally:
        if listener:
            listener.close()
    assert result.returncode == 75, result.stderr
    line = one_error_line(result)
    # a proxy that cannot be reached is named (a refusal read as stats.nba.com's own failure)
    reason = "connection refused by the proxy" if proxy == "closed port" else "connection reset"
    assert f"stats.nba.com unreachable after 2 attempts ({reason})" in line, line
    assert line.endswith(f"; models untouched; {OFFLINE_HINT}")  # the way without internet
    assert time.monotonic() - started < 60
    if listener:  # nba_api's requests honour HTTPS_PROXY: both attempts went to the proxy
        assert len(listener.lines) == 2, listener.lines
        assert all(line.startswith("CONNECT stats.nba.com:443 ") for line in listener.lines)
    assert assert_complete_set(data) == before
    assert (data / "models" / "manifest.json").read_bytes() == manifest


# ----------------------------------------------------------------------------- tampering


def test_a_model_writable_by_others_is_refused_and_ensure_retrains_despite_rm_rf_models(
    data: Path, season_dir: Path, tmp_path: Path
) -> None:
    """`ensure` retrains a refused set; while it fits, someone deletes the models and every
    generation (`rm -rf models generations`): it still ends with a complete new set, alone."""
    old = generation(data)
    (data / "models" / MODEL_FILES["points"]).chmod(0o666)
    refused = nba(data, "check", timeout=120)
    assert refused.returncode == 1
    assert "invalid: points: writable by group and other users" in refused.stderr
    run = Run(tmp_path / "logs", data, "ensure", "--from", season_dir)
    run.wait_for_log("fitting on data before the holdout")
    os.unlink(data / "models")  # `rm -rf models`: the symlink
    shutil.rmtree(data / "generations")  # and every generation, the current one included
    gap = nba(data, "check", timeout=120)
    assert gap.returncode == 1 and "no model set at" in gap.stderr
    assert run.running(), "the deletion came too late to test anything"
    assert run.wait() == 0, run.stderr
    assert run.stdout.startswith("trained: ") and not error_lines(run.stderr)
    new = assert_complete_set(data)
    assert new != old
    assert [p.name for p in (data / "generations").iterdir()] == [new]


class _TouchOnLoad:
    """Unpickling this creates ``path``: a stand-in for code run by a malicious pickle."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


def malicious_pickle(marker: Path) -> bytes:
    """Return a pickle whose unpickling creates ``marker`` (checked to work on a decoy first)."""
    decoy = marker.with_name(marker.name + ".decoy")
    pickle.loads(pickle.dumps(_TouchOnLoad(decoy)))
    assert decoy.exists(), "the payload does not run when unpickled; the test would prove nothing"
    decoy.unlink()
    return pickle.dumps(_TouchOnLoad(marker))


def test_a_swapped_pickle_is_refused_before_it_is_unpickled(data: Path, tmp_path: Path) -> None:
    from nba_ml.serving.predictor import load_predictor
    from nba_ml.state.store import verify_model_set

    marker = tmp_path / "pwned"
    target = data / "models" / MODEL_FILES["points"]
    mode = stat.S_IMODE(target.stat().st_mode)
    target.write_bytes(malicious_pickle(marker))  # same owner, same 0640 mode, manifest unchanged
    assert stat.S_IMODE(target.stat().st_mode) == mode == 0o640
    no_source = tmp_path / "empty"
    no_source.mkdir()
    runs = {
        "check": nba(data, "check", timeout=120),
        "check --full": nba(data, "check", "--full", timeout=120),
        "ensure": nba(data, "ensure", "--from", no_source, timeout=120),
        "status": nba(data, "status", "--json", timeout=120),
        "predict": nba(data, "predict", "game", "BOS", "PHI", "--date", "2019-10-22", timeout=120),
        "report": nba(data, "report", "--fast", "--output", tmp_path / "r.html", timeout=120),
    }
    for name, result in runs.items():
        assert not marker.exists(), f"`{name}` unpickled the swapped file"
        assert "Traceback" not in result.stderr, (name, result.stderr)
    for name in ("check", "check --full", "predict", "report"):
        assert runs[name].returncode == 1, (name, runs[name].stderr)
        assert "points: sha256 mismatch" in runs[name].stderr, (name, runs[name].stderr)
    assert runs["ensure"].returncode == 1  # it tried to retrain: no game logs in no_source
    assert "no LeagueGameLog CSV or JSON files" in one_error_line(runs["ensure"])
    assert json.loads(runs["status"].stdout)["models"]["valid"] is False

    assert not verify_model_set(data, full_load=True).ok
    with pytest.raises(ModelInvalid, match="points: sha256 mismatch"):
        load_predictor(data)
    assert not marker.exists()


def _forge(data: Path, marker: Path) -> Path:
    """Swap in a malicious points pickle and re-hash it into the manifest, as someone able to
    write both would; return the manifest's path."""
    return forge_model(data, "points", malicious_pickle(marker))


def test_sha256_is_integrity_not_authenticity_permissions_are_the_protection(
    data: Path, tmp_path: Path
) -> None:
    """Whoever can write the manifest can make any file match it: the hashes stop accidents and
    naive swaps, file ownership and modes (which check enforces) stop other users."""
    marker = tmp_path / "pwned"
    manifest = _forge(data, marker)
    forged = nba(data, "check", timeout=120)
    assert forged.returncode == 0, forged.stderr  # the owner's forgery matches its manifest
    # ... and still the pickle never runs: model files are skops files, loaded without code
    for command in (("check", "--full"), ("predict", "game", "BOS", "PHI", "--date", "2019-10-22")):
        loaded = nba(data, *command, timeout=120)
        assert loaded.returncode == 1, (command, loaded.stderr)
        assert "points: not loadable: not a skops file" in loaded.stderr, (command, loaded.stderr)
        assert "Traceback" not in loaded.stderr
    assert not marker.exists(), "the owner's forged pickle ran"
    manifest.chmod(0o660)  # how another member of the group would have had to leave it
    refused = nba(data, "check", timeout=120)
    assert refused.returncode == 1
    assert "manifest.json is writable by group" in refused.stderr
    manifest.chmod(0o640)
    (data / "models" / MODEL_FILES["points"]).chmod(0o642)
    refused = nba(data, "check", timeout=120)
    assert refused.returncode == 1 and "invalid: points: writable by other users" in refused.stderr
    assert not marker.exists()  # verification by hash never unpickles


def test_full_load_does_not_unpickle_a_set_whose_manifest_others_could_write(
    data: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    _forge(data, marker).chmod(0o666)
    result = nba(data, "check", "--full", timeout=120)
    assert result.returncode == 1
    assert "manifest.json is writable by group and other users" in result.stderr
    assert not marker.exists(), "the pickle ran although the manifest was untrusted"
