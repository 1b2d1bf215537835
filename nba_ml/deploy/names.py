"""Defaults and name rules shared by the cron and systemd renderers (standard library only)."""

from __future__ import annotations

import re

from nba_ml.errors import ConfigError

DEFAULT_EXECUTABLE = "/opt/nba-ml/.venv/bin/nba-ml"
DEFAULT_DATA_DIR = "/var/lib/nba-ml"
# The static system user (and its group) that runs the jobs and owns the data directory.
DEFAULT_USER = "nba-ml"
SERVICE_NAME = "nba-ml-train.service"
TIMER_NAME = "nba-ml-train.timer"
ENSURE_NAME = "nba-ml-ensure.service"
ALERT_NAME = "nba-ml-alert@.service"
DROPIN_NAME = "webserver-ensure.conf"
OWNER_DROPIN_NAME = "webserver-owner-ensure.conf"

# Paths end up in /bin/sh command lines and systemd unit files: allow only characters that need no
# quoting in either (no spaces, quotes, "%", "$", ";", ...). Matched whole (fullmatch): "$" alone
# would let a trailing newline through, which starts a new line in a crontab or a unit.
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._+/-]*$")
_SAFE_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def check_path(kind: str, path: str) -> None:
    """Raise ConfigError unless ``path`` is absolute and needs no quoting in a shell or a unit."""
    if not _SAFE_PATH.fullmatch(path) or "/../" in f"{path}/" or path == "/":
        raise ConfigError(
            f"{kind} {path!r} must be an absolute path of letters, digits and . _ + - / only"
        )


def check_user(user: str) -> None:
    """Raise ConfigError unless ``user`` is a plain system user name."""
    if not _SAFE_USER.fullmatch(user):
        raise ConfigError(f"user {user!r} is not a valid system user name")


def check_command(executable: str, data_dir: str | None) -> None:
    """Validate the executable and data directory that a rendered file will name."""
    check_path("executable", executable)
    if data_dir is not None:
        check_path("data directory", data_dir)
