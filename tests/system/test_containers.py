"""The image of deploy/Containerfile in real containers (podman, runc), as Compose runs it.

Opt-in: it builds an image and trains three times (3.5 minutes with a cached base image and a
changed checkout, about 3 more for the first base image), so the normal run skips it. Run it
with ``deploy/container-test.sh`` (or ``NBA_ML_CONTAINER_TEST=1 pytest
tests/system/test_containers.py``), as root, with podman, runc and debootstrap installed
(``apt-get install podman runc debootstrap``).

No registry is needed: the base image is built from Debian's packages (``debootstrap
--variant=minbase`` of this host's suite, plus python3 and python3-venv), kept as
``localhost/nba-ml-base:<suite>`` for the next run (``NBA_ML_BASE_IMAGE`` names another), and
passed as ``PYTHON_IMAGE``. pip in the build uses this machine's CA bundle (``pip config``'s
``global.cert``), mounted read-only for the build only. Ports are published on 127.0.0.1 only.

One web container (gunicorn, the image's default command) lives for the whole module on an empty
volume: it answers 503 with a JSON error; a trainer container (``train --from`` the game logs,
mounted read-only) installs a set on the same volume, and the running web container serves it
without a restart; a second training runs while a loop of requests sees no error; ``podman stop``
ends a third training with exit 143 and the installed set complete; ``nba-ml daily`` (the Compose
trainer) starts, finds the set of the last scheduled run installed, and stops on SIGTERM.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GAMELOGS, ROOT

PODMAN = shutil.which("podman")
pytestmark = [
    pytest.mark.skipif(
        os.environ.get("NBA_ML_CONTAINER_TEST") != "1",
        reason="opt-in (builds an image, trains 3 times: minutes): run "
        "deploy/container-test.sh or set NBA_ML_CONTAINER_TEST=1",
    ),
    pytest.mark.skipif(
        PODMAN is None, reason="podman is not installed (apt-get install podman runc debootstrap)"
    ),
    pytest.mark.skipif(not GAMELOGS.is_dir(), reason="needs ../shared (real seasons)"),
]

IMAGE = "localhost/nba-ml:container-test"
RUN = ["--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
# As deploy/compose.yaml runs them: an init, a read-only root, /tmp in memory, no capabilities.
HARDENED = [
    "--init",
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
]
DATA = "/var/lib/nba-ml"
TRAIN = ["nba-ml", "train", "--from", "/gamelogs", "--seasons", "2017-18", "--seasons", "2018-19"]
CACHE = Path(os.environ.get("NBA_ML_CONTAINER_CACHE", "/var/cache/nba-ml-container"))


def podman(
    *args: str, timeout: float = 600, check: bool = True
) -> subprocess.CompletedProcess[str]:
    assert PODMAN is not None
    result = subprocess.run(
        [PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check:
        assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-3000:])
    return result


def _suite() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip('"')
    pytest.skip("cannot tell this host's Debian suite (no VERSION_CODENAME in /etc/os-release)")


def base_image() -> str:
    """Return the base image: NBA_ML_BASE_IMAGE, else a cached or newly debootstrapped one."""
    given = os.environ.get("NBA_ML_BASE_IMAGE")
    if given:
        return given
    name = f"localhost/nba-ml-base:{_suite()}"
    if podman("image", "exists", name, check=False).returncode == 0:
        return name
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None or os.geteuid() != 0:
        pytest.skip("no base image: debootstrap (as root) builds one, or set NBA_ML_BASE_IMAGE")
    rootfs = CACHE / f"rootfs-{_suite()}"
    if rootfs.exists():
        shutil.rmtree(rootfs)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            debootstrap,
            "--variant=minbase",
            "--include=python3,python3-venv",
            _suite(),
            str(rootfs),
            "http://deb.debian.org/debian",
        ],
        check=True,
        capture_output=True,
        timeout=1800,
    )
    for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for path in (rootfs / leftover).glob("*"):
            if path.is_file():
                path.unlink()
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    )
    assert PODMAN is not None
    subprocess.run(
        [PODMAN, "import", "--change", 'CMD ["/usr/bin/python3"]', "-", name],
        stdin=tar.stdout,
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert tar.wait() == 0
    shutil.rmtree(rootfs)
    return name


def _pip_cert() -> str | None:
    """Return the CA bundle pip uses here (``pip config list``: global.cert, or PIP_CERT)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    )
    found = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    for key in ("global.cert", ":env:.cert"):
        cert = found.get(key, "").strip("'\"")
        if cert and Path(cert).is_file():
            return cert
    return None


def build() -> str:
    args = [
        "build",
        *RUN,
        "--format",
        "docker",
        "--build-arg",
        f"PYTHON_IMAGE={base_image()}",
        "-f",
        str(ROOT / "deploy" / "Containerfile"),
        "-t",
        IMAGE,
    ]
    cert = _pip_cert()
    if cert:  # for the build only: a volume of the build, not a layer of the image
        args += ["-v", f"{cert}:{cert}:ro", "--build-arg", f"PIP_CA_BUNDLE={cert}"]
    result = podman(*args, str(ROOT), timeout=1800, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return IMAGE


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # loopback only
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Env:
    def __init__(self, image: str, volume: str, web: str, port: int) -> None:
        self.image, self.volume, self.web = image, volume, web
        self.url = f"http://127.0.0.1:{port}"
        self.generations: list[str] = []

    def run(
        self, *command: str, name: str | None = None, detach: bool = False, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        args = [
            "run",
            *RUN,
            *HARDENED,
            "--no-healthcheck",
            "-v",
            f"{self.volume}:{DATA}",
            "-v",
            f"{GAMELOGS}:/gamelogs:ro",
        ]
        args += ["--name", name] if name else []
        args += ["-d"] if detach else ["--rm"]
        return podman(*args, self.image, *command, timeout=timeout, check=False)

    def installed(self) -> str:
        result = self.run("cat", f"{DATA}/models/manifest.json")
        assert result.returncode == 0, result.stderr
        return str(json.loads(result.stdout)["generation"])

    def until(self, accept: Any, timeout: float = 180) -> dict[str, Any]:
        deadline, body = time.monotonic() + timeout, {}
        while time.monotonic() < deadline:
            try:
                status, body = get(self.url + "/healthz")
            except (OSError, ValueError):
                status = -1
            if accept(status, body):
                return body
            time.sleep(0.5)
        logs = podman("logs", self.web, check=False)
        raise AssertionError(f"last /healthz {body}; web log: {logs.stderr[-3000:]}")

    def started_at(self) -> str:
        result = podman("inspect", "--format", "{{.State.StartedAt}} {{.RestartCount}}", self.web)
        return result.stdout.strip()


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    started = time.monotonic()
    image = build()
    print(
        f"\nimage built in {time.monotonic() - started:.0f} s: "
        f"{podman('image', 'inspect', '--format', '{{.Size}}', image).stdout.strip()} bytes"
    )
    volume, web = f"nba-ml-test-{os.getpid()}", f"nba-ml-test-web-{os.getpid()}"
    podman("volume", "create", volume)
    port = _free_port()
    try:
        podman(
            "run",
            *RUN,
            *HARDENED,
            "-d",
            "--name",
            web,
            "-p",
            f"127.0.0.1:{port}:8000",
            "-v",
            f"{volume}:{DATA}:ro",
            "-e",
            "NBA_ML_SERVING_CHECK_SECONDS=0.5",
            # the data ends in 2019 and the requests ask for 2019-10-22 (in the horizon)
            "-e",
            "NBA_ML_SERVING_HORIZON_DAYS=366",
            image,
        )
        yield Env(image, volume, web, port)
    finally:
        podman("rm", "-f", "-t", "5", web, check=False)
        podman("volume", "rm", "-f", volume, check=False)
        print(f"container test: {time.monotonic() - started:.0f} s in all")


def test_the_image_runs_as_its_fixed_user_and_owns_the_volume(env: Env) -> None:
    result = env.run("sh", "-c", f"id -u; id -g; stat -c '%u:%g %a' {DATA}")
    assert result.stdout.split("\n")[:3] == ["10001", "10001", "10001:10001 750"], result.stderr


def test_the_build_s_ca_bundle_is_not_baked_into_the_image(env: Env) -> None:
    cert = _pip_cert()
    if cert is None:
        pytest.skip("no CA bundle was mounted into the build")
    script = f"sha256sum {cert} 2>/dev/null || echo absent"
    mine = podman("run", "--rm", *RUN, env.image, "sh", "-c", script).stdout.split()[0]
    base = podman("run", "--rm", *RUN, base_image(), "sh", "-c", script).stdout.split()[0]
    assert mine == base  # the base image's own file (or none), not the one the build used


def test_the_web_container_on_an_empty_volume_answers_503_with_a_json_error(env: Env) -> None:
    body = env.until(lambda status, _: status == 503, timeout=120)
    # clients never see the server's paths: the data directory reads <data dir>
    assert "no model set is served yet: none installed at <data dir>/models" in (body["error"])
    status, body = get(env.url + "/v1/games?home=BOS&away=LAL")
    assert status == 503 and body["error"]
    # the image's HEALTHCHECK (podman runs it by hand here: no systemd timers in this host)
    assert podman("healthcheck", "run", env.web, check=False).stdout.strip() == "unhealthy"


def test_a_trainer_container_installs_a_set_the_running_web_container_serves(env: Env) -> None:
    before = env.started_at()
    result = env.run(*TRAIN)
    assert result.returncode == 0, result.stderr[-3000:]
    assert " - INFO - installed model generation " in result.stderr  # the usual log format
    generation = env.installed()
    body = env.until(lambda status, b: status == 200 and b["generation"] == generation)
    assert body["ready"] and body["last_game_date"] == "2019-06-13"
    status, body = get(env.url + "/v1/games?home=BOS&away=LAL&date=2019-10-22")
    assert status == 200 and 0 < body["home_win_probability"] < 1
    assert env.started_at() == before  # the same container, never restarted
    assert podman("healthcheck", "run", env.web, check=False).returncode == 0
    env.generations.append(generation)


def test_a_second_training_beside_a_loop_of_requests_sees_no_error(env: Env) -> None:
    first = env.until(lambda status, _: status == 200)["generation"]
    failures: list[Any] = []
    seen: list[str] = []
    stop = threading.Event()

    def loop() -> None:
        paths = (
            "/healthz",
            "/v1/games?home=BOS&away=LAL&date=2019-10-22",
            "/v1/players?player=LeBron%20James&opponent=BOS&date=2019-10-22",
        )
        i = 0
        while not stop.is_set():
            path, i = paths[i % len(paths)], i + 1
            try:
                status, body = get(env.url + path)
            except (OSError, ValueError) as error:
                failures.append((path, repr(error)))
                continue
            if status != 200:
                failures.append((path, status, body))
            else:
                seen.append(body["generation"])

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        result = env.run(*TRAIN[:2], "--force", *TRAIN[2:])
        assert result.returncode == 0, result.stderr[-3000:]
        second = env.installed()
        assert second != first
        env.until(lambda status, b: status == 200 and b["generation"] == second)
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert not failures, failures[:5]
    assert first in seen and second in seen and seen.index(second) > seen.index(first)
    env.generations.append(second)


def test_podman_stop_ends_a_training_with_143_and_the_set_complete(env: Env) -> None:
    served = env.installed()
    name = f"nba-ml-test-train-{os.getpid()}"
    result = env.run(*TRAIN[:2], "--force", *TRAIN[2:], name=name, detach=True)
    assert result.returncode == 0, result.stderr
    try:
        deadline = time.monotonic() + 300
        while "fitting" not in podman("logs", name, check=False).stderr:
            assert time.monotonic() < deadline, podman("logs", name, check=False).stderr
            time.sleep(0.5)
        podman("stop", "-t", "60", name)
        assert podman("wait", name).stdout.strip() == "143"
        log = podman("logs", name).stderr
    finally:
        podman("rm", "-f", name, check=False)
    assert "stopped by SIGTERM" in log and "the installed model set is complete" in log, log
    assert "Traceback" not in log
    check = env.run("nba-ml", "check")
    assert check.returncode == 0 and check.stdout.startswith("ok: 6 models valid"), check
    assert env.installed() == served
    status, body = get(env.url + "/healthz")
    assert status == 200 and body["generation"] == served


def test_the_compose_trainer_finds_the_set_in_place_and_stops_on_sigterm(env: Env) -> None:
    name = f"nba-ml-test-daily-{os.getpid()}"
    result = env.run("nba-ml", "daily", "--from", "/gamelogs", name=name, detach=True)
    assert result.returncode == 0, result.stderr
    try:
        deadline = time.monotonic() + 120
        while "next training at" not in podman("logs", name, check=False).stderr:
            assert time.monotonic() < deadline, podman("logs", name, check=False).stderr
            time.sleep(0.5)
        podman("stop", "-t", "30", name)
        assert podman("wait", name).stdout.strip() == "143"
        logs = podman("logs", name)
        log = logs.stdout + logs.stderr
    finally:
        podman("rm", "-f", name, check=False)
    assert "training daily at 04:00 America/Chicago" in log
    assert "skipped: models are" in log  # trained after the last 04:00 Chicago: nothing to do
    assert "Traceback" not in log
