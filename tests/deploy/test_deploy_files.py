"""Tests for the shipped files under deploy/: they match the renderers and systemd accepts them."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nba_ml.deploy.renderers import (
    DEFAULT_EXECUTABLE,
    default_deploy_files,
    next_run,
    render_crontab,
    render_systemd_units,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICE = DEPLOY / "systemd" / "nba-ml-train.service"
TIMER = DEPLOY / "systemd" / "nba-ml-train.timer"
ENSURE = DEPLOY / "systemd" / "nba-ml-ensure.service"
DROPIN = DEPLOY / "systemd" / "webserver-ensure.conf"
OWNER_DROPIN = DEPLOY / "systemd" / "webserver-owner-ensure.conf"
ALERT = DEPLOY / "systemd" / "nba-ml-alert@.service"
README = DEPLOY / "README.md"
UTC = dt.timezone.utc
MAX_EXPOSURE = 3.0


@pytest.fixture
def systemd_analyze() -> str:
    """The systemd-analyze executable; skips the test where it is not installed."""
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.skip("systemd-analyze is not installed")
    return path


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "TZ": "UTC", "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": "", **env}
    return subprocess.run(
        args, capture_output=True, text=True, cwd=cwd, env=environ, timeout=60, check=False
    )


@pytest.fixture
def fake_executable(tmp_path: Path) -> Path:
    """An executable standing in for /opt/nba-ml/.venv/bin/nba-ml, which tests cannot install."""
    path = tmp_path / "bin" / "nba-ml"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def copy_with_executable(source: Path, target: Path, executable: Path) -> Path:
    text = source.read_text()
    assert DEFAULT_EXECUTABLE in text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace(DEFAULT_EXECUTABLE, str(executable)))
    return target


def directive(path: Path, key: str) -> str:
    values = [
        line.split("=", 1)[1]
        for line in path.read_text().splitlines()
        if line.startswith(f"{key}=")
    ]
    assert len(values) == 1, (path, key, values)
    return values[0]


# --- the shipped files are the rendered ones ---------------------------------------------------


@pytest.mark.parametrize("relative", sorted(default_deploy_files()))
def test_shipped_file_equals_its_rendering(relative: str) -> None:
    shipped = (DEPLOY / relative).read_text()
    assert shipped == default_deploy_files()[relative], (
        f"deploy/{relative} drifted from nba_ml.deploy.renderers; regenerate it with "
        "python -c 'from nba_ml.deploy.renderers import default_deploy_files; ...'"
    )


def test_deploy_holds_only_rendered_files_and_the_readme() -> None:
    shipped = {str(p.relative_to(DEPLOY)) for p in DEPLOY.rglob("*") if p.is_file()}
    # and the image with its real-container test (tests/deploy/test_containers.py,
    # tests/system/test_containers.py)
    assert shipped == {*default_deploy_files(), "README.md", "Containerfile", "container-test.sh"}


def test_readme_covers_every_file_and_both_cron_flavours() -> None:
    readme = README.read_text()
    for relative in default_deploy_files():
        assert Path(relative).name in readme, relative
    for needed in (
        "systemctl enable --now nba-ml-train.timer",
        "systemd-analyze calendar",
        "journalctl -u nba-ml-train.service",
        "journalctl -t nba-ml",
        "CRON_TZ",
        "--scheduled",
        'flavour="cronie"',
        "systemctl daemon-reload",
        "useradd --system --home-dir /var/lib/nba-ml --shell /usr/sbin/nologin nba-ml",
        "usermod -aG nba-ml",
        "NBA_ML_DATA_DIR=/var/lib/nba-ml",
        "systemctl start nba-ml-ensure.service",
        "render_systemd_units(user=None)",
        "CRON_TZ=America/Chicago\n0 4 * * *",
        "ExecStartPre=-/opt/nba-ml/.venv/bin/nba-ml ensure",
        "TimeoutStartSec=20min",
        "Which to pick",
        "OnFailure=nba-ml-alert@%N.service",
        "NBA_ML_METRICS_FILE",
        "nba_ml_last_success_timestamp_seconds",
        "NbaMlTrainingFailed",
        "NbaMlTrainingStale",
        "26 * 3600",
        "systemd-analyze verify nba-ml-alert@nba-ml-train.service",
        "The promotion gate",
    ):
        assert needed in readme, needed


def test_readme_shows_the_rendered_entries() -> None:
    readme = README.read_text()
    assert render_crontab(flavour="cronie").splitlines()[-1] in readme
    shipped = [line for line in render_crontab().splitlines() if line[:1].isdigit()]
    assert "\n".join(["CRON_TZ=America/Chicago", *shipped]) in readme


def test_readme_lists_every_metric_the_file_holds() -> None:
    from nba_ml.manifest import Manifest
    from nba_ml.state.metrics import render_metrics

    manifest = {
        "models": {},
        "generation": "g",
        "trained_at": "2026-12-01T10:00:00+00:00",
        "training": {
            "last_game_date": "2026-11-30",
            "holdout": {"games": 1},
            "metrics": {"game_outcome": {"brier": 0.2}, "points": {"mae": 1.0}},
        },
    }
    runs = [
        {
            "command": "train",
            "outcome": "trained",
            "exit_code": 0,
            "started_at": "2026-12-01T09:59:00+00:00",
            "ended_at": "2026-12-01T10:00:00+00:00",
        }
    ]
    names = set(
        re.findall(r"^# TYPE (\S+)", render_metrics(runs, Manifest.from_json(manifest), True), re.M)
    )
    assert len(names) >= 10
    readme = README.read_text()
    for name in names:
        assert f"| `{name}` |" in readme, name


# --- systemd accepts the units -----------------------------------------------------------------


def test_systemd_analyze_verify_accepts_the_units(
    systemd_analyze: str, tmp_path: Path, fake_executable: Path
) -> None:
    units = tmp_path / "units"
    service = copy_with_executable(SERVICE, units / SERVICE.name, fake_executable)
    ensure = copy_with_executable(ENSURE, units / ENSURE.name, fake_executable)
    timer = units / TIMER.name
    shutil.copy(TIMER, timer)
    shutil.copy(ALERT, units / ALERT.name)
    paths = [str(service), str(ensure), str(timer)]
    unit_path = {"SYSTEMD_UNIT_PATH": f"{units}:"}
    result = run(systemd_analyze, "verify", "--man=no", *paths, cwd=units, **unit_path)
    assert (result.returncode, result.stderr) == (0, "")
    # OnFailure= really loads the alert template: a broken copy of it is reported.
    (units / ALERT.name).write_text(ALERT.read_text() + "TimeoutStartSec=soon\n")
    result = run(systemd_analyze, "verify", "--man=no", str(service), cwd=units, **unit_path)
    assert ALERT.name in result.stderr and "TimeoutStartSec" in result.stderr


def test_systemd_analyze_verify_accepts_an_instance_of_the_alert_template(
    systemd_analyze: str, tmp_path: Path
) -> None:
    shutil.copy(ALERT, tmp_path / ALERT.name)
    unit_path = {"SYSTEMD_UNIT_PATH": f"{tmp_path}:"}
    for instance in ("nba-ml-alert@nba-ml-train.service", "nba-ml-alert@nba-ml-ensure.service"):
        result = run(systemd_analyze, "verify", "--man=no", instance, cwd=tmp_path, **unit_path)
        assert (result.returncode, result.stderr) == (0, ""), instance


def _alert_commands(instance: str, host: str) -> list[str]:
    """The alert template's ExecStart= lines as systemd hands them to /bin/sh's -c."""
    text = ALERT.read_text().replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            line = line.removeprefix("ExecStart=").lstrip("-")
            script = line.split("'")[1]
            commands.append(script.replace("$$", "$").replace("%H", host))
            assert line.split("'")[2].strip() == "sh %i"
    return commands


def test_alert_commands_log_and_mail_the_failed_units_status(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    for name, body in {
        "systemctl": 'echo "status of $5"',
        "logger": 'echo "logger $* <$(cat)>" >> "$CALLS"',
        "mail": 'echo "mail $* <$(cat)>" >> "$CALLS"',
    }.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    environ = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(calls), "MAILTO": "ops"}
    for script in _alert_commands("nba-ml-train", "host1"):
        result = run("/bin/sh", "-c", script, "sh", "nba-ml-train", **environ)
        assert (result.returncode, result.stderr) == (0, "")
    assert calls.read_text().splitlines() == [
        "logger -p daemon.err -t nba-ml-alert <status of nba-ml-train.service>",
        "mail -s nba-ml: nba-ml-train.service failed on host1 ops <status of nba-ml-train.service>",
    ]
    # Without mail(1), the second command does nothing and succeeds.
    (bin_dir / "mail").unlink()
    calls.unlink()
    environ["PATH"] = str(bin_dir)
    for script in _alert_commands("nba-ml-train", "host1"):
        assert run("/bin/sh", "-c", script, "sh", "nba-ml-train", **environ).returncode == 0
    assert len(calls.read_text().splitlines()) == 1


def test_systemd_analyze_verify_accepts_the_dynamic_user_variant(
    systemd_analyze: str, tmp_path: Path, fake_executable: Path
) -> None:
    paths = []
    for name, text in render_systemd_units(str(fake_executable), user=None).items():
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    result = run(systemd_analyze, "verify", "--man=no", *paths, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


def test_systemd_analyze_verify_only_misses_the_uninstalled_executable(
    systemd_analyze: str,
) -> None:
    paths = [str(SERVICE), str(ENSURE), str(TIMER)]
    result = run(systemd_analyze, "verify", "--man=no", *paths, cwd=SERVICE.parent)
    complaints = [line for line in result.stderr.splitlines() if line.strip()]
    assert complaints, "expected systemd to report the missing /opt/nba-ml executable"
    for line in complaints:
        assert DEFAULT_EXECUTABLE in line or "bad unit file setting" in line, line
        assert "Failed to parse" not in line and "Unknown" not in line, line


def test_systemd_analyze_verify_accepts_the_webserver_dropin(
    systemd_analyze: str, tmp_path: Path, fake_executable: Path
) -> None:
    units = tmp_path / "units"
    web = units / "web.service"
    units.mkdir()
    web.write_text(f"[Service]\nUser=www-data\nExecStart={fake_executable} serve\n")
    copy_with_executable(ENSURE, units / ENSURE.name, fake_executable)
    dropin = units / "web.service.d" / "nba-ml-ensure.conf"
    dropin.parent.mkdir()
    shutil.copy(DROPIN, dropin)
    unit_path = {"SYSTEMD_UNIT_PATH": f"{units}:"}
    result = run(systemd_analyze, "verify", "--man=no", str(web), cwd=units, **unit_path)
    assert (result.returncode, result.stderr) == (0, "")
    # The drop-in really was read: a broken copy of it is reported.
    dropin.write_text(dropin.read_text() + "TimeoutStartSec=soon\n")
    result = run(systemd_analyze, "verify", "--man=no", str(web), cwd=units, **unit_path)
    assert "nba-ml-ensure.conf" in result.stderr and "TimeoutStartSec" in result.stderr


def test_systemd_analyze_verify_accepts_the_owner_dropin(
    systemd_analyze: str, tmp_path: Path, fake_executable: Path
) -> None:
    units = tmp_path / "units"
    web = units / "web.service"
    units.mkdir()
    web.write_text(f"[Service]\nExecStart={fake_executable} serve\n")
    dropin = copy_with_executable(
        OWNER_DROPIN, units / "web.service.d" / "nba-ml-ensure.conf", fake_executable
    )
    unit_path = {"SYSTEMD_UNIT_PATH": f"{units}:"}
    result = run(systemd_analyze, "verify", "--man=no", str(web), cwd=units, **unit_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert directive(dropin, "ExecStartPre") == f"-{fake_executable} ensure"
    # The drop-in really was read: a broken copy of it is reported.
    dropin.write_text(dropin.read_text() + "TimeoutStartSec=soon\n")
    result = run(systemd_analyze, "verify", "--man=no", str(web), cwd=units, **unit_path)
    assert "nba-ml-ensure.conf" in result.stderr and "TimeoutStartSec" in result.stderr


def _elapses(
    systemd_analyze: str, expression: str, base: dt.datetime, count: int
) -> list[dt.datetime]:
    result = run(
        systemd_analyze,
        "calendar",
        f"--iterations={count}",
        f"--base-time=@{int(base.timestamp())}",
        expression,
    )
    assert result.returncode == 0, result.stderr
    assert f"Normalized form: {expression}" in result.stdout
    found = re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", result.stdout)
    assert len(found) == count, result.stdout
    return [dt.datetime.fromisoformat(text).replace(tzinfo=UTC) for text in found]


@pytest.mark.parametrize(
    "base",
    [
        dt.datetime(2026, 3, 6, 12, tzinfo=UTC),  # across spring forward (2026-03-08)
        dt.datetime(2026, 10, 30, 12, tzinfo=UTC),  # across fall back (2026-11-01)
        dt.datetime(2026, 7, 1, 9, tzinfo=UTC),  # exactly at a run: the next one is tomorrow's
        dt.datetime(2027, 3, 13, 9, 30, tzinfo=UTC),
        dt.datetime.now(tz=UTC),
    ],
)
def test_timer_calendar_agrees_with_next_run(systemd_analyze: str, base: dt.datetime) -> None:
    expression = directive(TIMER, "OnCalendar")
    assert expression == "*-*-* 04:00:00 America/Chicago"
    expected, now = [], base
    for _ in range(4):
        now = next_run(now)
        expected.append(now.astimezone(UTC))
    assert _elapses(systemd_analyze, expression, base, 4) == expected


def test_systemd_skips_a_missing_wall_time_where_next_run_takes_the_end_of_the_gap(
    systemd_analyze: str,
) -> None:
    # Documented in deploy/README.md; irrelevant for 04:00 Chicago, which DST never skips.
    base = dt.datetime(2026, 3, 7, 12, tzinfo=UTC)
    elapses = _elapses(systemd_analyze, "*-*-* 02:30:00 America/Chicago", base, 1)
    assert elapses == [dt.datetime(2026, 3, 9, 7, 30, tzinfo=UTC)]
    assert next_run(base, hour=2, minute=30).astimezone(UTC) == dt.datetime(
        2026, 3, 8, 8, tzinfo=UTC
    )


def _exposure(systemd_analyze: str, unit: Path) -> float:
    result = run(systemd_analyze, "security", "--offline=true", "--no-pager", str(unit))
    assert result.returncode == 0, result.stderr
    name = re.escape(unit.name)
    match = re.search(rf"Overall exposure level for {name}: (\d+\.\d+)", result.stdout)
    assert match, result.stdout
    return float(match.group(1))


def test_security_exposure_is_at_most_3(systemd_analyze: str, tmp_path: Path) -> None:
    dynamic = tmp_path / SERVICE.name
    dynamic.write_text(render_systemd_units(user=None)[SERVICE.name])
    exposures = {unit: _exposure(systemd_analyze, unit) for unit in (SERVICE, ENSURE, dynamic)}
    assert max(exposures.values()) <= MAX_EXPOSURE, exposures
    stated = re.search(r"exposure level (\d+\.\d+) with systemd (\d+)", README.read_text())
    assert stated, "deploy/README.md must state the exposure level"
    version = run(systemd_analyze, "--version").stdout.split()[1]
    if version == stated.group(2):
        for unit in (SERVICE, ENSURE):
            assert float(stated.group(1)) == exposures[unit], "update the score in the README"


# --- MemoryDenyWriteExecute=yes holds for the training stack ---------------------------------

# A seccomp filter with the rules of systemd's MemoryDenyWriteExecute=yes (x86-64 syscall
# numbers): refuse mmap with PROT_WRITE|PROT_EXEC, mprotect/pkey_mprotect adding PROT_EXEC, and
# shmat with SHM_EXEC. The child then loads the compiled parts of the stack (OpenBLAS, OpenMP,
# pandas and scikit-learn extensions), calls through a ctypes callback as threadpoolctl does, and
# fits, saves and loads models. (loky worker processes inherit the filter; they were checked by
# hand, too slow for this suite.)
_MDWX_CHILD = textwrap.dedent(
    """
    import ctypes, mmap, struct
    def op(code, k, jt=0, jf=0):
        return struct.pack("HBBI", code, jt, jf, k)
    LD, JEQ, AND, RET = 0x20, 0x15, 0x54, 0x06
    ALLOW, EPERM = 0x7FFF0000, 0x00050001
    ARG2 = 16 + 8 * 2
    program = [
        op(LD, 0),
        op(JEQ, 9, 4, 0), op(JEQ, 10, 7, 0), op(JEQ, 329, 6, 0), op(JEQ, 30, 9, 0),
        op(RET, ALLOW),
        op(LD, ARG2), op(AND, 6), op(JEQ, 6, 8, 0), op(RET, ALLOW),
        op(LD, ARG2), op(AND, 4), op(JEQ, 4, 4, 0), op(RET, ALLOW),
        op(LD, ARG2), op(AND, 0o100000), op(JEQ, 0o100000, 0, 1),
        op(RET, EPERM), op(RET, ALLOW),
    ]
    code = ctypes.create_string_buffer(b"".join(program))
    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    filt = Program(len(program), ctypes.cast(code, ctypes.c_void_p))
    assert libc.prctl(22, 2, ctypes.byref(filt), 0, 0) == 0  # PR_SET_SECCOMP, MODE_FILTER
    try:
        mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        raise SystemExit("the filter does not work")
    except PermissionError:
        pass
    assert ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda x: x + 1)(1) == 2
    import numpy, pandas, threadpoolctl
    from nba_ml.state.modelfile import dumps_model, loads_model
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression
    threadpoolctl.threadpool_info()
    rng = numpy.random.default_rng(0)
    x = pandas.DataFrame(rng.normal(size=(300, 4))).rolling(3, min_periods=1).mean()
    y = x[0] + rng.normal(size=300)
    HistGradientBoostingRegressor(max_iter=5).fit(x, y)
    model = LogisticRegression().fit(x, y > 0)
    loaded, problem = loads_model(dumps_model(model))  # how model sets are saved and loaded
    assert problem is None, problem
    loaded.predict(x)
    print("ok")
    """
)


def test_training_stack_runs_under_memory_deny_write_execute(tmp_path: Path) -> None:
    if sys.platform != "linux" or platform.machine() != "x86_64":
        pytest.skip("the seccomp filter is written for Linux on x86-64")
    assert directive(SERVICE, "MemoryDenyWriteExecute") == "yes"
    result = run(sys.executable, "-c", _MDWX_CHILD, cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "ok"), result.stderr[-2000:]
