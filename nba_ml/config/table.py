"""The settings table: one line per setting, the single declaration of every default.

The table is the body of :class:`Settings`: one line per setting gives its name (the field), its
environment variable, its type (the annotation), default, range and help text. Everything else
derives from it: :func:`nba_ml.config.resolution.resolve_settings`, the ``nba-ml`` options
(``envvar=`` shown in ``--help``), the README's environment table (checked by
``tests/system/test_docs.py``) and ``status`` (which shows each effective value and where it came
from). Adding a setting is one line here.

The data directory comes from ``--data-dir`` > ``NBA_ML_DATA_DIR`` > systemd's
``STATE_DIRECTORY`` > ``$XDG_DATA_HOME/nba-ml`` > ``~/.local/share/nba-ml``. Nothing is read at
import time.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from nba_ml.state.datadir import DATA_DIR_ENV, STATE_DIRECTORY_ENV
from nba_ml.state.layout import METRICS_NAME, MODELS_LINK, DataLayout, shown_path

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from nba_ml.data.upstream import CollectOptions

__all__ = [
    "ENVIRONMENT_VARIABLES",
    "OTHER_VARIABLES",
    "SETTINGS",
    "SPECS",
    "SettingSpec",
    "Settings",
    "environment_table",
]

T = TypeVar("T")


# The daily training's time, as the table's defaults and every rendered schedule (deploy/) say.
DEFAULT_TRAINING_HOUR = 4
DEFAULT_TRAINING_MINUTE = 0
DEFAULT_TRAINING_TIMEZONE = "America/Chicago"


def known_zone(name: str) -> ZoneInfo:
    """Return the time zone ``name`` names; raise ValueError("is not a known time zone")
    otherwise. The one check of a zone name: the setting's and the deploy renderers'."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if len(name) > 255 or not name.isprintable() or name.startswith(("/", ".")):
        raise ValueError("is not a known time zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a directory, a too-long name, ...
        raise ValueError("is not a known time zone") from None


def _known_zone(value: str) -> str:
    """Return ``value`` when it names a time zone (the setting's check); raise ValueError."""
    known_zone(value)
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
        DATA_DIR_ENV,
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
        DEFAULT_TRAINING_HOUR,
        low=0,
        high=23,
        help="Hour of the daily training in NBA_TRAINING_TIMEZONE.",
    )
    training_minute: int = setting(
        "NBA_TRAINING_MINUTE",
        DEFAULT_TRAINING_MINUTE,
        low=0,
        high=59,
        help="Minute of the daily training.",
    )
    training_timezone: str = setting(
        "NBA_TRAINING_TIMEZONE",
        DEFAULT_TRAINING_TIMEZONE,
        check=_known_zone,
        help="Time zone of the daily training.",
    )
    metrics_file: Path | None = setting(  # noqa: RUF009 - a field(), not a shared default
        "NBA_ML_METRICS_FILE",
        None,
        shown=shown_path(METRICS_NAME),
        help="node_exporter textfile-collector file of metrics, rewritten after each run.",
    )
    serving_check_seconds: float = setting(
        "NBA_ML_SERVING_CHECK_SECONDS",
        2.0,
        low=0.05,
        high=3600,
        env_only=True,
        help="Seconds between two looks of a live predictor (a web server) at "
        f"{shown_path(MODELS_LINK)} for a newly installed set.",
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

    def collect_options(self) -> CollectOptions:
        """The collector's options from these settings (their defaults are the table's)."""
        from nba_ml.data.upstream import CollectOptions

        return CollectOptions(
            timeout=self.timeout,
            retries=self.retries,
            pause=self.request_pause,
            budget=self.collect_budget,
            connect_timeout=self.connect_timeout,
            max_requests=self.max_requests,
            proxy=self.proxy,
        )

    @property
    def layout(self) -> DataLayout:
        """The paths of the data directory (:mod:`nba_ml.state.layout`)."""
        return DataLayout(self.data_dir)

    @property
    def metrics_path(self) -> Path:
        """Where the metrics file goes: NBA_ML_METRICS_FILE, else <data dir>/nba-ml.prom."""
        return self.metrics_file or self.layout.metrics

    @property
    def models_dir(self) -> Path:
        return self.layout.models

    @property
    def raw_dir(self) -> Path:
        return self.layout.raw

    @property
    def lock_path(self) -> Path:
        return self.layout.lock

    @property
    def runs_path(self) -> Path:
        return self.layout.runs


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
    STATE_DIRECTORY_ENV: "Set by systemd's StateDirectory=; the default data directory when "
    "present.",
}
# Variables read that are not rows of the table (the README lists them below it).
OTHER_VARIABLES = ("NBA_API_PROXY", "HTTPS_PROXY", STATE_DIRECTORY_ENV)


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
