"""Tests for nba_ml.deploy.web: the web server's unit carries the drop-in and systemd accepts it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from nba_ml.deploy.units import render_webserver_dropin
from nba_ml.deploy.web import WEB_NAME, render_web_unit
from nba_ml.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "deploy" / "systemd"


def _directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_unit_serves_the_installed_app_with_gunicorn_from_the_same_venv() -> None:
    unit = _directives(render_web_unit())
    assert unit["ExecStart"] == [
        "/opt/nba-ml/.venv/bin/gunicorn --workers 2 --preload --bind 127.0.0.1:8000 nba_ml.web:app"
    ]
    assert unit["Type"] == ["notify"] and unit["KillMode"] == ["mixed"]
    assert unit["RestartPreventExitStatus"] == ["4"]  # a bad setting: restarts cannot fix it
    assert unit["DynamicUser"] == ["yes"] and "PrivateUsers" not in unit
    assert unit["WantedBy"] == ["multi-user.target"]


def test_the_unit_applies_the_webserver_drop_in() -> None:
    unit = _directives(render_web_unit(data_dir="/srv/nba", owner="trainer"))
    dropin = _directives(
        render_webserver_dropin(data_dir="/srv/nba", group="trainer", owner="trainer")
    )
    for key in ("Wants", "SupplementaryGroups"):
        assert unit[key] == dropin[key], key
    assert unit["After"] == [f"{dropin['After'][0]} network.target"]
    assert set(dropin["Environment"]) <= set(unit["Environment"])
    assert "NBA_ML_DATA_DIR=/srv/nba" in unit["Environment"]
    assert "NBA_ML_TRUSTED_OWNER=trainer" in unit["Environment"]


def test_every_parameter_reaches_the_unit() -> None:
    text = render_web_unit(
        "/usr/local/venvs/nba/bin/nba-ml", "/var/lib/models", "svc_ml", "0.0.0.0:9000", 5
    )
    assert (
        "ExecStart=/usr/local/venvs/nba/bin/gunicorn --workers 5 --preload --bind "
        "0.0.0.0:9000 nba_ml.web:app"
    ) in text
    assert "curl http://0.0.0.0:9000/healthz" in text
    assert "[::1]:8000" in render_web_unit(bind="[::1]:8000")
    assert "--bind unix:/run/nba-ml-web/socket " in render_web_unit(
        bind="unix:/run/nba-ml-web/socket"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bind": "127.0.0.1"}, "bind address"),
        ({"bind": "127.0.0.1:0"}, "bind address"),
        ({"bind": "127.0.0.1:70000"}, "bind address"),
        ({"bind": "host:80 --reload"}, "bind address"),
        ({"bind": "unix:relative"}, "bind address"),
        ({"workers": 0}, "workers"),
        ({"workers": True}, "workers"),
        ({"owner": "Bad User"}, "not a valid system user name"),
        ({"data_dir": "relative"}, "must be an absolute path"),
        ({"executable": "/opt/with space/nba-ml"}, "must be an absolute path"),
    ],
)
def test_bad_values_raise_config_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render_web_unit(**kwargs)  # type: ignore[arg-type]


@pytest.fixture
def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.skip("systemd-analyze is not installed")
    return path


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "TZ": "UTC", "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": "", **env}
    return subprocess.run(
        args, capture_output=True, text=True, cwd=cwd, env=environ, timeout=60, check=False
    )


def test_systemd_analyze_verify_accepts_the_shipped_unit(
    systemd_analyze: str, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("nba-ml", "gunicorn"):  # stand-ins for the venv that tests cannot install
        (bin_dir / name).write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / name).chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for name in (WEB_NAME, "nba-ml-ensure.service", "nba-ml-alert@.service"):
        text = (SYSTEMD / name).read_text()
        (units / name).write_text(text.replace("/opt/nba-ml/.venv/bin", str(bin_dir)))
    unit_path = {"SYSTEMD_UNIT_PATH": f"{units}:"}
    result = _run(
        systemd_analyze, "verify", "--man=no", str(units / WEB_NAME), cwd=units, **unit_path
    )
    assert (result.returncode, result.stderr) == (0, "")
    # Wants= really loads the ensure unit: a broken copy of it is reported.
    ensure = units / "nba-ml-ensure.service"
    ensure.write_text(ensure.read_text() + "TimeoutStartSec=soon\n")
    result = _run(
        systemd_analyze, "verify", "--man=no", str(units / WEB_NAME), cwd=units, **unit_path
    )
    assert "nba-ml-ensure.service" in result.stderr and "TimeoutStartSec" in result.stderr


def test_security_exposure_of_the_web_unit_is_at_most_2(systemd_analyze: str) -> None:
    result = _run(
        systemd_analyze,
        "security",
        "--offline=true",
        "--no-pager",
        str(SYSTEMD / WEB_NAME),
        cwd=SYSTEMD,
    )
    assert result.returncode == 0, result.stderr
    match = re.search(
        rf"Overall exposure level for {re.escape(WEB_NAME)}: (\d+\.\d+)", result.stdout
    )
    assert match and float(match.group(1)) <= 2.0, result.stdout[-500:]
