"""Settings resolved once per command: flag > environment variable > default.

Directories honour systemd's ``STATE_DIRECTORY`` when it is set. Nothing is read at import time.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nba_ml.errors import ConfigError

ENV_PREFIX = "NBA_ML_"

# Every environment variable nba-ml reads, with its meaning; the README table is checked against it.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "NBA_ML_DATA_DIR": "data directory (models, raw cache, lock, run history)",
    "NBA_ML_MAX_AGE_HOURS": "models younger than this are fresh; train without --force skips (20)",
    "NBA_ML_SEASONS": "how many seasons, ending with the current one, train collects (4)",
    "NBA_ML_TIMEOUT": "seconds before one stats.nba.com request times out (30)",
    "NBA_ML_RETRIES": "attempts per request before giving up (4)",
    "NBA_ML_REQUEST_PAUSE": "seconds from the end of one request to the start of the next (1.0)",
    "NBA_ML_COLLECT_BUDGET": "seconds the whole collection may take before it gives up (900)",
    "NBA_TRAINING_HOUR": "hour of the daily training in NBA_TRAINING_TIMEZONE (4)",
    "NBA_TRAINING_MINUTE": "minute of the daily training (0)",
    "NBA_TRAINING_TIMEZONE": "time zone of the daily training (America/Chicago)",
    "NBA_ML_JOBS": "processes that fit the player models; 1 fits in-process (0: one per core)",
    "NBA_ML_WAIT": "seconds train/ensure wait for another training's lock (0: exit 75 at once)",
    "NBA_ML_METRICS_FILE": "node_exporter textfile metrics, rewritten after each run "
                           "(<data dir>/nba-ml.prom)",
    "STATE_DIRECTORY": "set by systemd's StateDirectory=; the default data directory when present",
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about where and how to run."""

    data_dir: Path
    max_age_hours: float = 20.0
    seasons: int = 4
    timeout: float = 30.0
    retries: int = 4
    request_pause: float = 1.0
    collect_budget: float = 900.0
    jobs: int = 0
    training_hour: int = 4
    training_minute: int = 0
    training_timezone: str = "America/Chicago"
    metrics_file: Path | None = None

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "train.lock"

    @property
    def runs_path(self) -> Path:
        return self.data_dir / "runs.jsonl"

    @property
    def metrics_path(self) -> Path:
        return self.metrics_file or self.data_dir / "nba-ml.prom"


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """Return systemd's first STATE_DIRECTORY, else ``$XDG_DATA_HOME/nba-ml`` or ~/.local/share."""
    state = environ.get("STATE_DIRECTORY", "").split(":")[0].strip()
    if state:
        return Path(state)
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg else Path(environ.get("HOME") or Path.home()) / ".local" / "share"
    return base / "nba-ml"


def _number(name: str, raw: str, kind: type, low: float, high: float) -> float | int:
    try:
        value = kind(raw.strip())
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name}={raw!r} is not {noun}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} is out of range ({low:g} to {high:g})")
    return value


_NUMERIC: dict[str, tuple[str, type, float, float]] = {
    "max_age_hours": ("NBA_ML_MAX_AGE_HOURS", float, 0, 24 * 365),
    "seasons": ("NBA_ML_SEASONS", int, 1, 30),
    "timeout": ("NBA_ML_TIMEOUT", float, 0.1, 600),
    "retries": ("NBA_ML_RETRIES", int, 1, 20),
    "request_pause": ("NBA_ML_REQUEST_PAUSE", float, 0, 60),
    "collect_budget": ("NBA_ML_COLLECT_BUDGET", float, 1, 24 * 3600),
    "jobs": ("NBA_ML_JOBS", int, 0, 64),
    "training_hour": ("NBA_TRAINING_HOUR", int, 0, 23),
    "training_minute": ("NBA_TRAINING_MINUTE", int, 0, 59),
}


def resolve_settings(
    data_dir: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Return Settings from flags (``data_dir``, ``overrides``) > environment > defaults.

    Raises ConfigError naming the variable when a value is malformed or out of range.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field, (name, kind, low, high) in _NUMERIC.items():
        flag = overrides.get(field)
        if flag is not None:
            values[field] = _number(f"--{field.replace('_', '-')}", str(flag), kind, low, high)
        elif environ.get(name, "").strip():
            values[field] = _number(name, environ[name], kind, low, high)
    zone = overrides.get("training_timezone") or environ.get("NBA_TRAINING_TIMEZONE", "").strip()
    if zone:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"NBA_TRAINING_TIMEZONE={zone!r} is not a known time zone") from None
        values["training_timezone"] = str(zone)
    metrics = str(overrides.get("metrics_file") or environ.get("NBA_ML_METRICS_FILE", "")).strip()
    if metrics:
        values["metrics_file"] = Path(metrics).expanduser().absolute()
    if data_dir is not None and str(data_dir).strip():
        chosen = Path(data_dir)
    elif environ.get("NBA_ML_DATA_DIR", "").strip():
        chosen = Path(environ["NBA_ML_DATA_DIR"])
    else:
        chosen = default_data_dir(environ)
    chosen = chosen.expanduser().absolute()
    if chosen.exists() and not chosen.is_dir():  # for every command, reading ones included
        raise ConfigError(f"data directory {chosen} exists and is not a directory")
    return Settings(data_dir=chosen, **values)  # type: ignore[arg-type]


def prepare_data_dir(settings: Settings) -> None:
    """Create the data directory (mode 0750 where new); raise ConfigError when it is unusable."""
    path = settings.data_dir
    if path.exists() and not path.is_dir():
        raise ConfigError(f"data directory {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o750)
    except OSError as error:
        raise ConfigError(f"cannot create data directory {path}: {error.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"data directory {path} is not writable by this user")
