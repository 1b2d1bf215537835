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
from nba_ml.state.datadir import choose_data_dir, default_data_dir, prepare_data_dir

__all__ = ["Settings", "default_data_dir", "prepare_data_dir", "resolve_settings"]

ENV_PREFIX = "NBA_ML_"

# Every environment variable nba-ml reads, with its meaning; the README table is checked against it.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "NBA_ML_DATA_DIR": "data directory (models, raw cache, lock, run history)",
    "NBA_ML_MAX_AGE_HOURS": "models younger than this are fresh; train without --force skips (20)",
    "NBA_ML_SEASONS": "how many seasons, ending with the current one, train collects (4)",
    "NBA_ML_TIMEOUT": "seconds stats.nba.com may take to answer one request (read timeout, 30)",
    "NBA_ML_CONNECT_TIMEOUT": "seconds to open a connection to stats.nba.com or the proxy (5)",
    "NBA_ML_MAX_REQUESTS": "requests (attempts) one run may send to stats.nba.com at most (60)",
    "NBA_ML_PROXY": "proxy URL for stats.nba.com, e.g. http://user:pass@host:3128 (none)",
    "NBA_API_PROXY": "nba_api's proxy variable, used when NBA_ML_PROXY is unset",
    "HTTPS_PROXY": "the usual proxy variable (also https_proxy), used when neither is set",
    "NBA_ML_RETRIES": "attempts per request before giving up (4)",
    "NBA_ML_REQUEST_PAUSE": "seconds from the end of one request to the start of the next (1.0)",
    "NBA_ML_COLLECT_BUDGET": "seconds the whole collection may take before it gives up (900)",
    "NBA_TRAINING_HOUR": "hour of the daily training in NBA_TRAINING_TIMEZONE (4)",
    "NBA_TRAINING_MINUTE": "minute of the daily training (0)",
    "NBA_TRAINING_TIMEZONE": "time zone of the daily training (America/Chicago)",
    "NBA_ML_JOBS": "processes that fit the player models; 1 fits in-process (0: one per core)",
    "NBA_ML_WAIT": "seconds train/ensure wait for another training's lock (0: exit 75 at once)",
    "NBA_ML_TRUSTED_OWNER": "other owners (user names or uids, comma-separated) whose model files "
                            "this process may unpickle; root and itself always are (none)",
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
    connect_timeout: float = 5.0
    max_requests: int = 60
    # the resolved proxy URL; it may hold credentials: show proxy_shown, never this
    proxy: str | None = dataclasses.field(default=None, repr=False)
    proxy_source: str | None = None  # --proxy, NBA_ML_PROXY, NBA_API_PROXY or HTTPS_PROXY
    jobs: int = 0
    training_hour: int = 4
    training_minute: int = 0
    training_timezone: str = "America/Chicago"

    @property
    def proxy_shown(self) -> str | None:
        """The proxy URL with its credentials masked (for status, logs and messages)."""
        from nba_ml.data.proxy import redact_proxy

        return redact_proxy(self.proxy)

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
    "connect_timeout": ("NBA_ML_CONNECT_TIMEOUT", float, 0.1, 120),
    "max_requests": ("NBA_ML_MAX_REQUESTS", int, 1, 10000),
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
    from nba_ml.data.proxy import resolve_proxy

    proxy_flag = overrides.get("proxy")
    values["proxy"], values["proxy_source"] = resolve_proxy(
        None if proxy_flag is None else str(proxy_flag), environ)
    chosen = choose_data_dir(data_dir, environ)  # for every command, reading ones included
    return Settings(data_dir=chosen, **values)  # type: ignore[arg-type]
