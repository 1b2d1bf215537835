"""Settings: one table, resolved once per command as flag > environment variable > default.

The table is the body of :class:`Settings`: one line per setting gives its name (the field), its
environment variable, its type (the annotation), default, range and help text. Everything else
derives from it: :func:`resolve_settings`, the ``nba-ml`` options (``envvar=`` shown in
``--help``), the README's environment table (checked by ``tests/system/test_docs.py``) and
``status`` (which shows each effective value and where it came from). Adding a setting is one
line here.

The data directory comes from ``--data-dir`` > ``NBA_ML_DATA_DIR`` > systemd's
``STATE_DIRECTORY`` > ``$XDG_DATA_HOME/nba-ml`` > ``~/.local/share/nba-ml``. Nothing is read at
import time.
"""

from __future__ import annotations

import dataclasses
import math
import os
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from nba_ml.errors import ConfigError
from nba_ml.state.datadir import (
    choose_data_dir,
    default_data_dir,
    prepare_data_dir,
    xdg_data_home,
)

__all__ = [
    "SETTINGS",
    "SPECS",
    "Settings",
    "default_data_dir",
    "prepare_data_dir",
    "resolve_settings",
]

T = TypeVar("T")

# Where a value came from, as ``status`` shows it.
FROM_FLAG = "flag"
FROM_ENVIRONMENT = "environment"
FROM_DEFAULT = "default"
FROM_STATE_DIRECTORY = "STATE_DIRECTORY"
FROM_XDG = "XDG_DATA_HOME"
FROM_HOME = "home"


def _known_zone(value: str) -> str:
    """Return ``value`` when it names a time zone; raise ValueError with the reason otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if len(value) > 255 or not value.isprintable() or value.startswith(("/", ".")):
        raise ValueError("is not a known time zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a directory, a too-long name, ...
        raise ValueError("is not a known time zone") from None
    return value


def setting(
    env: str,
    default: T,
    *,
    help: str,
    low: float | None = None,
    high: float | None = None,
    flag: str | None = None,
    shown: str | None = None,
    command_option: bool = False,
    env_only: bool = False,
    secret: bool = False,
    check: Callable[[str], str] | None = None,
) -> T:
    """Declare one setting (a row of the table) as a dataclass field of :class:`Settings`.

    ``flag`` is its option (default ``--<field-name>``); ``command_option`` puts that option on
    the commands that use it instead of before the command; ``shown`` is the default as the help
    and the README say it; ``check`` validates a text value (raises ValueError with the reason);
    ``env_only`` settings have no option (they are read where no command line exists, e.g. by a
    web server's loader); a ``secret`` value is never shown (not in the repr, not in status).
    """
    meta = {
        "env": env,
        "help": help,
        "low": low,
        "high": high,
        "flag": flag,
        "shown": shown,
        "command_option": command_option,
        "env_only": env_only,
        "secret": secret,
        "check": check,
    }
    return dataclasses.field(default=default, metadata=meta, repr=not secret)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about where and how to run (the settings table)."""

    data_dir: Path = setting(  # noqa: RUF009 - a field(), not a shared default
        "NBA_ML_DATA_DIR",
        Path("."),
        help="Data directory: models, raw cache, lock, run history.",
        shown="$STATE_DIRECTORY, else $XDG_DATA_HOME/nba-ml or ~/.local/share/nba-ml",
    )
    max_age_hours: float = setting(
        "NBA_ML_MAX_AGE_HOURS",
        20.0,
        low=0,
        high=24 * 365,
        help="Models younger than this many hours are fresh; train without --force skips.",
    )
    seasons: int = setting(
        "NBA_ML_SEASONS",
        4,
        low=1,
        high=30,
        flag="--season-count",
        help="How many seasons, ending with the current one, train collects.",
    )
    timeout: float = setting(
        "NBA_ML_TIMEOUT",
        30.0,
        low=0.1,
        high=600,
        help="Seconds stats.nba.com may take to answer one request (the read timeout).",
    )
    connect_timeout: float = setting(
        "NBA_ML_CONNECT_TIMEOUT",
        5.0,
        low=0.1,
        high=120,
        help="Seconds to open a connection to stats.nba.com or the proxy.",
    )
    max_requests: int = setting(
        "NBA_ML_MAX_REQUESTS",
        60,
        low=1,
        high=10000,
        help="Requests (attempts) one run may send to stats.nba.com at most.",
    )
    proxy: str | None = setting(
        "NBA_ML_PROXY",
        None,
        command_option=True,
        secret=True,
        shown="NBA_API_PROXY, else HTTPS_PROXY, else none",
        help="Proxy URL for stats.nba.com, e.g. http://user:pass@host:3128 (credentials are "
        "never shown).",
    )
    retries: int = setting(
        "NBA_ML_RETRIES",
        4,
        low=1,
        high=20,
        help="Attempts per stats.nba.com request before giving up.",
    )
    request_pause: float = setting(
        "NBA_ML_REQUEST_PAUSE",
        1.0,
        low=0,
        high=60,
        help="Seconds from the end of one request to the start of the next.",
    )
    collect_budget: float = setting(
        "NBA_ML_COLLECT_BUDGET",
        900.0,
        low=1,
        high=24 * 3600,
        help="Seconds the whole collection may take before it gives up.",
    )
    jobs: int = setting(
        "NBA_ML_JOBS",
        0,
        low=0,
        high=64,
        help="Processes that fit the player models, one thread each; 1 fits in-process; "
        "0 one per core; never more than there are fits (6).",
    )
    wait: float = setting(
        "NBA_ML_WAIT",
        0.0,
        low=0,
        high=24 * 3600,
        command_option=True,
        help="Seconds train/ensure wait for another training's lock; 0 exits 75 at once.",
    )
    training_hour: int = setting(
        "NBA_TRAINING_HOUR",
        4,
        low=0,
        high=23,
        help="Hour of the daily training in NBA_TRAINING_TIMEZONE.",
    )
    training_minute: int = setting(
        "NBA_TRAINING_MINUTE", 0, low=0, high=59, help="Minute of the daily training."
    )
    training_timezone: str = setting(
        "NBA_TRAINING_TIMEZONE",
        "America/Chicago",
        check=_known_zone,
        help="Time zone of the daily training.",
    )
    metrics_file: Path | None = setting(  # noqa: RUF009 - a field(), not a shared default
        "NBA_ML_METRICS_FILE",
        None,
        shown="<data dir>/nba-ml.prom",
        help="node_exporter textfile-collector file of metrics, rewritten after each run.",
    )
    serving_check_seconds: float = setting(
        "NBA_ML_SERVING_CHECK_SECONDS",
        2.0,
        low=0.05,
        high=3600,
        env_only=True,
        help="Seconds between two looks of a live predictor (a web server) at <data dir>/models "
        "for a newly installed set.",
    )
    serving_horizon_days: int = setting(
        "NBA_ML_SERVING_HORIZON_DAYS",
        14,
        low=1,
        high=366,
        env_only=True,
        help="Days a live predictor (a web server) predicts ahead: the N days after the data's "
        "last game, and yesterday to N days after today in Chicago; other dates are refused.",
    )
    trusted_owner: str = setting(
        "NBA_ML_TRUSTED_OWNER",
        "",
        env_only=True,
        help="Other owners (user names or uids, comma-separated) whose model files this "
        "process may load; root and the running user always are.",
    )
    # Not a setting: which of --proxy, NBA_ML_PROXY, NBA_API_PROXY, HTTPS_PROXY gave the proxy.
    proxy_source: str | None = dataclasses.field(default=None, compare=False)
    # Not a setting: where each value above came from (for ``status``).
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @property
    def proxy_shown(self) -> str | None:
        """The proxy URL with its credentials masked (for status, logs and messages)."""
        from nba_ml.data.proxy import redact_proxy

        return redact_proxy(self.proxy)

    @property
    def metrics_path(self) -> Path:
        """Where the metrics file goes: NBA_ML_METRICS_FILE, else <data dir>/nba-ml.prom."""
        return self.metrics_file or self.data_dir / "nba-ml.prom"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def raw_dir(self) -> Path:
        from nba_ml.data.cache import raw_dir_of

        return raw_dir_of(self.data_dir)

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "train.lock"

    @property
    def runs_path(self) -> Path:
        return self.data_dir / "runs.jsonl"


@dataclasses.dataclass(frozen=True)
class SettingSpec:
    """One row of the settings table, read from the field of :class:`Settings`."""

    name: str
    env: str
    kind: type  # int, float, str or Path (the annotation without ``| None``)
    optional: bool  # the annotation allows None: the setting may be unset
    default: Any
    help: str
    low: float | None
    high: float | None
    flag: str
    shown: str
    command_option: bool
    env_only: bool
    secret: bool
    check: Callable[[str], str] | None

    @property
    def bounds(self) -> str:
        """Return the allowed range as text (e.g. "0 to 86400"), or "" when unbounded."""
        if self.low is None or self.high is None:
            return ""
        return f"{self.low:g} to {self.high:g}"

    def describe(self) -> str:
        """Return the help text with the default and range, as ``--help`` shows it."""
        bounds = f"; {self.bounds}" if self.bounds else ""
        return f"{self.help} Default: {self.shown}{bounds}."


def _spec(field: dataclasses.Field[Any], annotation: Any) -> SettingSpec:
    meta = field.metadata
    members = [a for a in typing.get_args(annotation) if a is not type(None)]
    optional = len(members) < len(typing.get_args(annotation))
    kind = members[0] if optional else annotation
    if kind not in (int, float, str, Path):
        raise TypeError(f"setting {field.name}: unsupported type {annotation!r}")
    default = field.default
    shown = meta["shown"] or (
        "unset"
        if default is None or default == ""
        else f"{default:g}"
        if isinstance(default, float)
        else str(default)
    )
    return SettingSpec(
        name=field.name,
        env=meta["env"],
        kind=kind,
        optional=optional,
        default=default,
        help=meta["help"],
        low=meta["low"],
        high=meta["high"],
        flag="" if meta["env_only"] else meta["flag"] or f"--{field.name.replace('_', '-')}",
        shown=shown,
        command_option=meta["command_option"],
        env_only=meta["env_only"],
        secret=meta["secret"],
        check=meta["check"],
    )


def _table() -> tuple[SettingSpec, ...]:
    hints = typing.get_type_hints(Settings)
    return tuple(
        _spec(f, hints[f.name]) for f in dataclasses.fields(Settings) if "env" in f.metadata
    )


SETTINGS: tuple[SettingSpec, ...] = _table()
SPECS: dict[str, SettingSpec] = {spec.name: spec for spec in SETTINGS}

# Every environment variable nba-ml reads, with its meaning; the README table is checked against it.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    **{spec.env: spec.describe() for spec in SETTINGS},
    "NBA_API_PROXY": "nba_api's own proxy variable, used when NBA_ML_PROXY is unset.",
    "HTTPS_PROXY": "The usual proxy variable (also https_proxy), used when neither is set.",
    "STATE_DIRECTORY": "Set by systemd's StateDirectory=; the default data directory when present.",
}
# Variables read that are not rows of the table (the README lists them below it).
OTHER_VARIABLES = ("NBA_API_PROXY", "HTTPS_PROXY", "STATE_DIRECTORY")


def environment_table() -> str:
    """Return the README's environment-variable table (Markdown), derived from the settings."""
    rows = ["| variable | option | meaning | default | range |", "|---|---|---|---|---|"]
    for spec in SETTINGS:
        where = (
            "-"
            if spec.env_only
            else f"`{spec.flag}`" + ("" if spec.command_option else " (before the command)")
        )
        rows.append(
            f"| `{spec.env}` | {where} | {spec.help} | {spec.shown} | {spec.bounds or '-'} |"
        )
    for name in OTHER_VARIABLES:
        rows.append(f"| `{name}` | - | {ENVIRONMENT_VARIABLES[name]} | - | - |")
    return "\n".join(rows) + "\n"


def _default_source(environ: Mapping[str, str]) -> str:
    """Return where the default data directory comes from (see state.datadir.default_data_dir)."""
    if environ.get("STATE_DIRECTORY", "").split(":")[0].strip():
        return FROM_STATE_DIRECTORY
    return FROM_XDG if xdg_data_home(environ) else FROM_HOME


def _parse(spec: SettingSpec, where: str, raw: object) -> Any:
    """Return ``raw`` (text from a flag or a variable, or a typed value) as the setting's type;
    raise ConfigError naming ``where`` (``--flag`` or ``VARIABLE``)."""
    from nba_ml.state.files import safe_text

    text = raw if isinstance(raw, str) else str(raw)
    shown = safe_text(repr(text)) if len(text) <= 80 else safe_text(repr(text[:80] + "..."))
    if spec.kind in (int, float):
        noun = "a whole number" if spec.kind is int else "a number"
        if not text.isascii() or "_" in text:  # int() and float() also read '٣' and '1_0'
            raise ConfigError(f"{where}={shown} is not {noun}")
        try:
            value = spec.kind(text.strip())
        except (ValueError, OverflowError):
            raise ConfigError(f"{where}={shown} is not {noun}") from None
        if spec.kind is float and math.isnan(value):
            raise ConfigError(f"{where}={shown} is not a number")
        low = -math.inf if spec.low is None else spec.low
        high = math.inf if spec.high is None else spec.high
        if not low <= value <= high:
            raise ConfigError(f"{where}={shown} is out of range ({low:g} to {high:g})")
        return value
    if spec.check is not None:
        try:
            text = spec.check(text.strip())
        except ValueError as error:
            raise ConfigError(f"{where}={shown} {error}") from None
    if spec.kind is Path:
        if not text.strip():
            raise ConfigError(f"{where} is empty: give a path")
        if "\0" in text:
            raise ConfigError(f"{where}={shown} contains a NUL character")
        return Path(text)
    return text


def _check_metrics_file(path: Path, data_dir: Path, where: str) -> None:
    """Refuse a metrics file inside the data directory other than its default place: one in
    ``models/`` (a generation) made every later training refuse to run ("not written by
    nba-ml"), even after the variable was unset."""
    from nba_ml.state.files import safe_text

    home = Path(os.path.realpath(data_dir))
    target = Path(os.path.realpath(path.parent)) / path.name
    if home in target.parents and target != home / "nba-ml.prom":
        raise ConfigError(
            f"{where}={safe_text(repr(str(path)))} is inside the data directory "
            f"{safe_text(str(data_dir))}, where only nba-ml's own files go: unset "
            "it for <data dir>/nba-ml.prom, or name a file elsewhere"
        )


def resolve_settings(
    data_dir: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **flags: object,
) -> Settings:
    """Return Settings from flags (``data_dir``, ``flags`` by field name) > environment > default.

    A flag given as None is absent; an empty variable counts as unset. Raises ConfigError naming
    the flag or variable when a value is malformed or out of range, or when the data directory
    exists and is not a directory.
    """
    from nba_ml.data.proxy import resolve_proxy

    environ = os.environ if environ is None else environ
    unknown = set(flags) - set(SPECS) - {"data_dir"}
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    given = {"data_dir": data_dir, **flags}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for spec in SETTINGS:
        flag = given.get(spec.name)
        if spec.name in ("data_dir", "proxy"):
            continue  # resolved below, by their own rules
        if flag is not None:
            values[spec.name] = _parse(spec, spec.flag, flag)
            sources[spec.name] = FROM_FLAG
        elif environ.get(spec.env, "").strip():
            values[spec.name] = _parse(spec, spec.env, environ[spec.env])
            sources[spec.name] = FROM_ENVIRONMENT
        else:
            sources[spec.name] = FROM_DEFAULT
    if data_dir is not None:
        sources["data_dir"] = FROM_FLAG
    elif "NBA_ML_DATA_DIR" in environ:
        sources["data_dir"] = FROM_ENVIRONMENT
    else:
        sources["data_dir"] = _default_source(environ)
    # an empty --data-dir or NBA_ML_DATA_DIR is refused (it would mean the current directory)
    values["data_dir"] = choose_data_dir(None if data_dir is None else str(data_dir), environ)
    if values.get("metrics_file") is not None:
        _check_metrics_file(
            values["metrics_file"],
            values["data_dir"],
            SPECS["metrics_file"].flag
            if sources["metrics_file"] == FROM_FLAG
            else SPECS["metrics_file"].env,
        )
    proxy_flag = given.get("proxy")
    values["proxy"], values["proxy_source"] = resolve_proxy(
        None if proxy_flag is None else str(proxy_flag), environ
    )
    sources["proxy"] = (
        FROM_DEFAULT
        if values["proxy_source"] is None
        else FROM_FLAG
        if values["proxy_source"] == "--proxy"
        else FROM_ENVIRONMENT
    )
    return Settings(**values, sources=sources)


def effective_settings(settings: Settings) -> list[tuple[SettingSpec, Any, str]]:
    """Return (row, value, source) for every setting, as ``status`` shows them."""
    rows = []
    for spec in SETTINGS:
        value = getattr(settings, spec.name)
        source = settings.sources.get(spec.name, FROM_DEFAULT)
        if spec.name == "proxy":  # credentials masked; the variable that gave it named
            value, source = settings.proxy_shown, settings.proxy_source or FROM_DEFAULT
        elif spec.secret:
            value = "(hidden)"
        rows.append((spec, value, source))
    return rows
