"""The training lock: one holder at a time, never stale, and it says who holds it."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nba_ml.errors import EXIT_TEMPORARY, LockHeld, StorageError
from nba_ml.state.lock import LockHolder, TrainingLock, read_lock_holder
from tests.conftest import drop_permission_override

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from pathlib import Path
from nba_ml.state.lock import TrainingLock
lock = TrainingLock(Path(sys.argv[1]), command="holder-under-test")
lock.acquire()
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""

CONTENDER = """
import sys, time
from pathlib import Path
from nba_ml.errors import LockHeld
from nba_ml.state.lock import TrainingLock
lock_path, ready, go, done = (Path(arg) for arg in sys.argv[1:5])
ready.touch()
while not go.exists():
    time.sleep(0.002)
try:
    lock = TrainingLock(lock_path, command="contender")
    lock.acquire()
except LockHeld:
    print("held", flush=True)
    sys.exit(0)
print("got", flush=True)
while not done.exists():
    time.sleep(0.01)
"""


def python(code: str, *args: object, **kwargs) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "train.lock"


@pytest.fixture
def holder(lock_path: Path):  # type: ignore[no-untyped-def]
    """A live subprocess holding the lock for up to a minute."""
    process = python(HOLDER, lock_path, 60)
    assert process.stdout.readline().strip() == "locked"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(10)
    process.stdout.close()


def test_acquire_records_the_holder_and_release_keeps_the_file(lock_path: Path) -> None:
    with TrainingLock(lock_path, command="nba-ml train") as lock:
        assert lock.held
        recorded = json.loads(lock_path.read_text())
        assert recorded["pid"] == os.getpid()
        assert recorded["hostname"] == socket.gethostname()
        assert recorded["command"] == "nba-ml train"
        assert recorded["started_at"].endswith("+00:00")
        assert read_lock_holder(lock_path) == lock.holder
        assert lock.holder == LockHolder(**recorded)
    assert not lock.held
    assert lock_path.exists()
    assert read_lock_holder(lock_path) is None
    lock.release()  # twice is harmless


def test_nobody_holds_a_lock_that_was_never_created(lock_path: Path) -> None:
    assert read_lock_holder(lock_path) is None
    assert not lock_path.exists()


def test_a_second_acquirer_is_refused_at_once(lock_path: Path) -> None:
    with TrainingLock(lock_path):
        started = time.monotonic()
        with pytest.raises(LockHeld) as raised:
            TrainingLock(lock_path).acquire()
        assert time.monotonic() - started < 0.5
    message = str(raised.value)
    assert message.startswith(f"another training is running (pid {os.getpid()}, since ")
    assert message.endswith(" UTC); try again later or pass --wait SECONDS")
    assert raised.value.exit_code == EXIT_TEMPORARY


def test_the_lock_is_released_when_the_body_raises(lock_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), TrainingLock(lock_path):
        raise RuntimeError("boom")
    with TrainingLock(lock_path):
        pass


def test_one_object_cannot_acquire_twice(lock_path: Path) -> None:
    with TrainingLock(lock_path) as lock, pytest.raises(RuntimeError, match="already held"):
        lock.acquire()


def test_wait_polls_until_the_holder_exits(lock_path: Path) -> None:
    process = python(HOLDER, lock_path, 0.6)
    try:
        assert process.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with TrainingLock(lock_path, wait=10, poll_interval=0.05):
            waited = time.monotonic() - started
    finally:
        process.wait(10)
        process.stdout.close()
    assert 0.2 < waited < 5


def test_wait_gives_up_after_the_given_seconds(lock_path: Path, holder) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(LockHeld, match=rf"still running \(pid {holder.pid}, since .*after waiting"):
        TrainingLock(lock_path, wait=0.4, poll_interval=0.05).acquire()
    assert 0.35 < time.monotonic() - started < 2


def test_read_lock_holder_names_a_live_holder_and_forgets_it_after_exit(
    lock_path: Path, holder
) -> None:  # type: ignore[no-untyped-def]
    found = read_lock_holder(lock_path)
    assert found is not None
    assert found.pid == holder.pid
    assert found.command == "holder-under-test"
    assert found.describe().startswith(f"pid {holder.pid}, since ")
    holder.terminate()
    holder.wait(10)
    assert read_lock_holder(lock_path) is None


def test_a_killed_holder_leaves_no_stale_lock(lock_path: Path, holder) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LockHeld):
        TrainingLock(lock_path).acquire()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(10)
    assert read_lock_holder(lock_path) is None  # its record is still in the file, but ignored
    assert json.loads(lock_path.read_text())["pid"] == holder.pid
    with TrainingLock(lock_path) as lock:
        assert lock.holder.pid == os.getpid()


def test_exactly_one_of_many_contending_processes_gets_the_lock(
    tmp_path: Path, lock_path: Path
) -> None:
    go, done = tmp_path / "go", tmp_path / "done"
    readies = [tmp_path / f"ready-{n}" for n in range(6)]
    processes = [python(CONTENDER, lock_path, ready, go, done) for ready in readies]
    try:
        deadline = time.monotonic() + 20
        while not all(ready.exists() for ready in readies):
            assert time.monotonic() < deadline, "contenders did not start"
            time.sleep(0.01)
        go.touch()
        answers = [process.stdout.readline().strip() for process in processes]
        assert sorted(answers) == ["got"] + ["held"] * 5
        winner = processes[answers.index("got")]
        assert read_lock_holder(lock_path).pid == winner.pid
    finally:
        done.touch()
        for process in processes:
            process.wait(10)
            process.stdout.close()
    assert read_lock_holder(lock_path) is None


def test_probing_the_holder_never_makes_an_acquire_fail(lock_path: Path) -> None:
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            read_lock_holder(lock_path)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        for _ in range(200):
            with TrainingLock(lock_path):
                pass
    finally:
        stop.set()
        prober.join()


def test_the_lock_descriptor_is_not_inherited_by_programs_it_runs(lock_path: Path) -> None:
    with TrainingLock(lock_path):
        child = subprocess.run(
            ["sh", "-c", f"ls -l /proc/self/fd/ | grep -c {lock_path.name} || true"],
            close_fds=False,
            capture_output=True,
            text=True,
            check=True,
        )
    assert child.stdout.strip() == "0"


def test_a_lock_path_that_cannot_be_opened_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"cannot open the training lock .*: is a directory"):
        TrainingLock(tmp_path).acquire()
    with pytest.raises(StorageError, match="no such file or directory"):
        TrainingLock(tmp_path / "absent" / "train.lock").acquire()
    link = tmp_path / "link.lock"
    link.symlink_to(tmp_path / "elsewhere.lock")
    with pytest.raises(StorageError, match="it is a symlink"):
        TrainingLock(link).acquire()
    with pytest.raises(StorageError, match="it is a symlink"):
        read_lock_holder(link)


def _messages_without_permission(path: Path, report) -> None:  # type: ignore[no-untyped-def]
    drop_permission_override()
    messages = []
    for attempt in (lambda: read_lock_holder(path), lambda: TrainingLock(path).acquire()):
        try:
            attempt()
            messages.append("no error")
        except StorageError as error:
            messages.append(str(error))
    report.send(messages)


def test_an_unreadable_lock_file_is_a_clear_storage_error(lock_path: Path) -> None:
    lock_path.touch()
    lock_path.chmod(0)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_messages_without_permission, args=(lock_path, sender))
    child.start()
    messages = receiver.recv()
    child.join(10)
    expected = f"cannot open the training lock {lock_path}: permission denied"
    assert messages == [expected, expected]


# ----------------------------------------------------------------------------- a replaced lock file


def test_deleting_the_lock_file_during_a_training_never_lets_a_second_one_start(
    lock_path: Path,
) -> None:
    process = python(HOLDER, lock_path, 30)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        lock_path.unlink()  # an operator "cleaning up a stale lock"
        with pytest.raises(LockHeld, match="another training is running"):
            TrainingLock(lock_path).acquire()
        assert read_lock_holder(lock_path) == LockHolder()  # held, holder unknown
        replacement = lock_path.with_name("other")
        replacement.write_text("{}")
        os.replace(replacement, lock_path)  # or replaced by another file
        with pytest.raises(LockHeld):
            TrainingLock(lock_path).acquire()
    finally:
        process.kill()
        process.wait()
    with TrainingLock(lock_path) as lock:  # free once the holder is gone
        assert lock.held


def test_a_lock_file_replaced_between_open_and_flock_is_locked_again(
    lock_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    import nba_ml.state.lock as lock_module

    real_flock = fcntl.flock
    swaps = []

    def flock_after_a_swap(fd: int, operation: int) -> None:
        # The first time the file is locked, someone replaces train.lock just before.
        if not swaps and operation & fcntl.LOCK_EX and os.fstat(fd).st_ino == _ino(lock_path):
            swaps.append(_ino(lock_path))
            replacement = lock_path.with_name("replacement")
            replacement.write_text("")
            os.replace(replacement, lock_path)
        real_flock(fd, operation)

    monkeypatch.setattr(lock_module.fcntl, "flock", flock_after_a_swap)
    with TrainingLock(lock_path) as lock:
        assert swaps and swaps[0] != _ino(lock_path)
        assert lock._fd is not None and os.fstat(lock._fd).st_ino == _ino(lock_path)
        monkeypatch.setattr(lock_module.fcntl, "flock", real_flock)
        with pytest.raises(LockHeld):  # the inode at the path is the one really held
            TrainingLock(lock_path).acquire()


def _ino(path: Path) -> int:
    return os.stat(path).st_ino


@pytest.mark.parametrize("reader", ["acquire", "read_lock_holder"])
def test_a_fifo_in_place_of_the_lock_never_hangs(lock_path: Path, reader: str) -> None:
    os.mkfifo(lock_path)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def main() -> None:
        try:
            if reader == "acquire":
                TrainingLock(lock_path).acquire()
            else:
                read_lock_holder(lock_path)
            sender.send("no error")
        except StorageError as error:
            sender.send(str(error))

    child = context.Process(target=main)
    child.start()
    child.join(10)
    if child.is_alive():
        child.kill()
        pytest.fail("a FIFO lock file hung")
    assert receiver.recv() == (
        f"cannot use the training lock {lock_path}: it is not a regular "
        "file; remove it (nba-ml creates it again)"
    )


def test_a_hostname_with_control_characters_stays_on_one_line() -> None:
    holder = LockHolder(pid=5, hostname="evil\n2026-01-01 - ERROR - \x1b[31mfake")
    assert "\n" not in holder.describe() and "\x1b" not in holder.describe()


def test_where_a_directory_cannot_be_flocked_the_file_lock_still_holds(
    lock_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import fcntl
    import stat as stat_module

    import nba_ml.state.lock as lock_module

    real_flock = fcntl.flock

    def nfs_like_flock(fd: int, operation: int) -> None:
        if stat_module.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EBADF, "Bad file descriptor")
        real_flock(fd, operation)

    monkeypatch.setattr(lock_module.fcntl, "flock", nfs_like_flock)
    # `status` asks who holds it: with the lock free, the directory probe used to raise EBADF
    assert read_lock_holder(lock_path) is None
    with TrainingLock(lock_path), pytest.raises(LockHeld):
        TrainingLock(lock_path).acquire()
    with TrainingLock(lock_path) as lock:
        assert lock.held
        assert read_lock_holder(lock_path) == lock.holder
    assert read_lock_holder(lock_path) is None


def test_a_file_system_without_flock_is_a_storage_error_on_one_line(
    lock_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import nba_ml.state.lock as lock_module

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")  # NFS without a lock manager

    monkeypatch.setattr(lock_module.fcntl, "flock", no_locks)
    with pytest.raises(StorageError) as caught:
        TrainingLock(lock_path).acquire()  # was the bare OSError: "unexpected error ... a bug"
    assert str(caught.value) == f"cannot lock the training lock {lock_path}: no locks available"
    assert read_lock_holder(lock_path) is None  # nothing can hold it there either


@pytest.mark.parametrize("record", [b"[" * 4000, b'{"pid": ' + b"{" * 3000, b"\xff\xfe{{"])
def test_a_damaged_holder_record_is_an_unknown_holder_never_a_crash(
    lock_path: Path, record: bytes
) -> None:
    # Someone overwrote the record while a training holds the lock: a JSON array nested 4000
    # deep made the json module raise RecursionError (not ValueError) out of both readers.
    import fcntl

    lock_path.write_bytes(record)
    fd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert read_lock_holder(lock_path) == LockHolder()
        with pytest.raises(LockHeld, match="another training is running \\(pid unknown\\)"):
            TrainingLock(lock_path).acquire()
    finally:
        os.close(fd)


def test_the_recorded_command_never_holds_a_proxy_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # train --proxy http://nba:PASSWORD@... wrote the password into train.lock (readable by the
    # web server's group, shown by status --json, left there after kill -9)
    lock_path = tmp_path / "train.lock"
    monkeypatch.setattr(
        sys,
        "argv",
        ["/venv/bin/nba-ml", "train", "--proxy", "http://nba:PASSWORD@127.0.0.1:3128", "--force"],
    )
    with TrainingLock(lock_path) as lock:
        assert "PASSWORD" not in lock_path.read_text()
        holder = read_lock_holder(lock_path)
        assert holder is not None and holder.command == (
            "/venv/bin/nba-ml train --proxy http://***@127.0.0.1:3128 --force"
        )
        assert lock.held
    with TrainingLock(lock_path, command="nba-ml train --proxy=http://u:PASSWORD@h:1"):
        assert "PASSWORD" not in lock_path.read_text()
