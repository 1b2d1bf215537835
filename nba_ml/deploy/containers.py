"""The Compose file that runs the image of deploy/Containerfile: the web app and its trainer.

Standard library only. ``deploy/compose.yaml`` is :func:`render_compose` for the defaults
(nba_ml.deploy.renderers.default_deploy_files; a test compares them); the Kubernetes forms are in
:mod:`nba_ml.deploy.kubernetes`.
"""

from __future__ import annotations

import re

from nba_ml.deploy.clock import (
    DEFAULT_HOUR,
    DEFAULT_MINUTE,
    DEFAULT_TIMEZONE,
    check_time,
    zone_info,
)
from nba_ml.deploy.names import DEFAULT_DATA_DIR, check_path
from nba_ml.errors import ConfigError

COMPOSE_NAME = "compose.yaml"
DEFAULT_IMAGE = "nba-ml:latest"
# The image's user nba-ml (deploy/Containerfile, ARG NBA_ML_UID): owner of every model set.
IMAGE_UID = 10001
IMAGE_DATA_DIR = DEFAULT_DATA_DIR  # where the image keeps its data (a VOLUME)
WEB_PORT = 8000
DEFAULT_PUBLISH = f"127.0.0.1:{WEB_PORT}"
# An image reference: [registry[:port]/]name[:tag][@digest], nothing YAML or a shell must quote.
_IMAGE = re.compile(r"^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(@sha256:[0-9a-f]{64})?$")
_PUBLISH = re.compile(r"^((\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:]+\]):\d{1,5}$")

HEALTH_COMMAND = (
    f"import urllib.request as u; u.urlopen('http://127.0.0.1:{WEB_PORT}/healthz', timeout=4)"
)

_COMPOSE = """\
# compose.yaml: nba-ml in containers, the reference web app and its daily trainer on one volume.
# Rendered by nba_ml.deploy.containers.render_compose (`nba-ml schedule compose`); see
# "Containers" in deploy/README.md.
#   docker compose -f deploy/compose.yaml up -d --build     (or: podman compose ...)
#   curl http://{publish}/healthz                        503 until the first set, then 200
#   docker compose -f deploy/compose.yaml logs -f trainer
# Both run as the image's user nba-ml (uid {uid}), which owns {data_dir} and every model set
# in it: nothing to trust beyond the running user.
name: nba-ml

services:
  web:
    # gunicorn nba_ml.web:app on port {port} (the image's default command). It starts at once and
    # answers 503 (JSON error) until the trainer has installed a model set, then serves it and
    # every later one without a restart.
    image: {image}
    build:
      context: ..
      dockerfile: deploy/Containerfile
    ports:
      - "{publish}:{port}"
    volumes:
      # read-only: the web server never changes the models
      - {volume}:{data_dir}:ro
    environment:
      NBA_ML_DATA_DIR: {data_dir}
    healthcheck:
      test: ["CMD", "python3", "-c", "{health}"]
      interval: 30s
      timeout: 5s
      start_period: 2m
      retries: 3
    init: true
    restart: unless-stopped
    # SIGTERM: gunicorn finishes the requests in flight (30 s), then exits.
    stop_grace_period: 40s
    read_only: true
    tmpfs:
      - /tmp
    cap_drop:
      - ALL
    security_opt:
      - no-new-privileges:true

  trainer:
    # `nba-ml daily`: trains at once when the set is missing, invalid or older than the last
    # scheduled run (a night missed while the host was down is caught up), then every day at
    # {at}, once on days of a DST change. The training lock on the shared volume
    # keeps two trainers from training at once.
    image: {image}
    command: ["nba-ml", "daily"]
    volumes:
      - {volume}:{data_dir}
    environment:
      NBA_ML_DATA_DIR: {data_dir}
      NBA_TRAINING_HOUR: "{hour}"
      NBA_TRAINING_MINUTE: "{minute}"
      NBA_TRAINING_TIMEZONE: {timezone}
    healthcheck:
      disable: true
    init: true
    restart: unless-stopped
    # SIGTERM ends a training as `stopped` (exit 143); the installed set stays complete.
    stop_grace_period: 1m
    read_only: true
    tmpfs:
      - /tmp
    cap_drop:
      - ALL
    security_opt:
      - no-new-privileges:true
{volumes}"""

_NAMED_VOLUME = """
volumes:
  # Created from the image's {data_dir}: owned by uid {uid}, mode 0750.
  nba-ml-data:
"""


def check_image(image: str) -> None:
    """Raise ConfigError unless ``image`` is an image reference that needs no quoting."""
    if len(image) > 255 or not _IMAGE.fullmatch(image) or "//" in image:
        raise ConfigError(
            f"image {image!r} is not an image reference such as registry.example.com/nba-ml:1.0"
        )


def check_publish(publish: str) -> None:
    """Raise ConfigError unless ``publish`` is ADDRESS:PORT (an IPv4 or [IPv6] address)."""
    port = publish.rpartition(":")[2]
    if not _PUBLISH.fullmatch(publish) or not 0 < int(port) < 65536:
        raise ConfigError(
            f"publish address {publish!r} must be ADDRESS:PORT, e.g. {DEFAULT_PUBLISH}"
        )


def render_compose(
    image: str = DEFAULT_IMAGE,
    hour: int = DEFAULT_HOUR,
    minute: int = DEFAULT_MINUTE,
    timezone: str = DEFAULT_TIMEZONE,
    host_dir: str | None = None,
    publish: str = DEFAULT_PUBLISH,
) -> str:
    """Return ``compose.yaml``: the web service (published on ``publish``, loopback by default)
    and the trainer (``nba-ml daily`` at ``hour:minute`` in ``timezone``) of ``image``, sharing
    a named volume, or the host directory ``host_dir`` (which must belong to uid 10001 and not
    be writable by group or others). Raises ConfigError for an invalid value."""
    check_image(image)
    check_time(hour, minute)
    zone_info(timezone)
    check_publish(publish)
    if host_dir is not None:
        check_path("data directory", host_dir)
    volume = "nba-ml-data" if host_dir is None else host_dir
    volumes = (
        _NAMED_VOLUME.format(data_dir=IMAGE_DATA_DIR, uid=IMAGE_UID) if host_dir is None else ""
    )
    return _COMPOSE.format(
        image=image,
        publish=publish,
        port=WEB_PORT,
        uid=IMAGE_UID,
        data_dir=IMAGE_DATA_DIR,
        volume=volume,
        health=HEALTH_COMMAND,
        hour=hour,
        minute=minute,
        timezone=timezone,
        at=f"{hour:02d}:{minute:02d} {timezone}",
        volumes=volumes,
    )
