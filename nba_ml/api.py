"""The operator's Python API: what ``nba-ml check``, ``train``, ``ensure`` and ``status`` do,
as functions that return the typed results the CLI renders.

    import nba_ml

    result = nba_ml.check("/var/lib/nba-ml")          # CheckResult: ok, problems, ...
    if not result.ok:
        nba_ml.ensure("/var/lib/nba-ml", source="/srv/gamelogs")   # TrainResult
    print(nba_ml.status("/var/lib/nba-ml").models.trained_at)
    print(nba_ml.next_run())                          # aware datetime, America/Chicago

Each function resolves its settings by the CLI's one rule (keyword argument > environment
variable > default; ``data_dir`` as ``--data-dir``), runs the same command function the CLI
runs (``train`` and ``ensure`` are recorded in the run history and the metrics file, as from
the shell), and raises the exception the CLI turns into an exit code: every one is a
:class:`nba_ml.errors.NbaMlError` whose ``exit_code`` is that code (ConfigError 2, DataError 1,
NotPromoted 3, LockHeld and UpstreamUnavailable 75, Interrupted 130 or 143). ``check`` does
not raise for an invalid set: it returns ``ok=False`` with the problems, and the CLI's exit 1
is ``result.exit_code``.

Setting keywords are the settings table's fields (``nba_ml.config.Settings``: ``timeout``,
``jobs``, ``max_age_hours``, ...), with one rename: the number of seasons to collect, the
field ``seasons`` and the option ``--season-count``, is ``season_count`` here, because
``train(seasons=[...])`` names the seasons to train on as ``--seasons`` does.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from nba_ml.commands.check import CheckResult
from nba_ml.commands.status import StatusReport
from nba_ml.commands.train import TrainResult
from nba_ml.config import Settings, resolve_settings

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "CheckResult",
    "SettingOptions",
    "StatusReport",
    "TrainResult",
    "check",
    "ensure",
    "next_run",
    "settings",
    "status",
    "train",
]


class SettingOptions(TypedDict, total=False):
    """The settings a function takes as keywords (each also read from its variable)."""

    max_age_hours: float
    season_count: int
    timeout: float
    connect_timeout: float
    max_requests: int
    proxy: str
    retries: int
    request_pause: float
    collect_budget: float
    jobs: int
    wait: float
    training_hour: int
    training_minute: int
    training_timezone: str
    metrics_file: str | os.PathLike[str]
    serving_check_seconds: float
    serving_horizon_days: int
    trusted_owner: str


# The API's keyword -> the settings table's field, where the two differ.
RENAMED = {"season_count": "seasons"}


def settings(
    data_dir: str | os.PathLike[str] | None = None, **options: Unpack[SettingOptions]
) -> Settings:
    """Return the resolved settings, as the CLI resolves them: a keyword given (not None) >
    its environment variable > the default; ``data_dir`` as ``--data-dir`` (else
    ``NBA_ML_DATA_DIR``, systemd's ``STATE_DIRECTORY``, the XDG default).

    Raises ConfigError (exit code 2) naming the option for a malformed or out-of-range value,
    and TypeError for a keyword that is no setting.
    """
    unknown = sorted(set(options) - set(SettingOptions.__annotations__))
    if unknown:
        raise TypeError(
            f"unknown setting {unknown[0]!r}"
            + (
                " (the number of seasons to collect is season_count)"
                if "seasons" in unknown
                else ""
            )
        )
    flags: dict[str, object] = {
        RENAMED.get(name, name): value for name, value in options.items() if value is not None
    }
    given = None if data_dir is None else Path(os.fspath(data_dir))
    return resolve_settings(given, environ=None, **flags)


def check(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    full: bool = False,
    **options: Unpack[SettingOptions],
) -> CheckResult:
    """``nba-ml check``: whether the installed model set can be served.

    Returns a :class:`CheckResult`: ``ok``, ``problems`` ((model, why) pairs, every model
    named), ``loaded`` (``full=True`` also loads every model), ``exit_code`` (0 or 1, as the CLI
    exits) and ``summary()`` (the CLI's text). Raises ConfigError for a bad setting; an invalid
    or missing set is a result, not an exception.
    """
    from nba_ml.commands.check import check as check_models

    return check_models(settings(data_dir, **options), full_load=full)


def train(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    source: str | os.PathLike[str] | None = None,
    seasons: Sequence[str] | None = None,
    scheduled: bool = False,
    promote_anyway: bool = False,
    **options: Unpack[SettingOptions],
) -> TrainResult:
    """``nba-ml train``: collect (or read ``source``, as ``--from``), train, evaluate and install
    a new model set atomically; recorded in the run history like a run from the shell.

    Without ``force`` it skips when valid models are younger than ``max_age_hours``.
    ``seasons`` are season labels (``["2019-20", "2020-21"]``, as ``--seasons``); ``wait`` (a
    setting keyword) is how long to wait for another training's lock.

    Returns a :class:`TrainResult` whose ``outcome`` is ``Outcome.TRAINED`` or
    ``Outcome.SKIPPED``, with ``message``, the new ``manifest`` and the holdout ``figures``.
    Raises NotPromoted (exit code 3: the new set scored worse and the current one was kept),
    LockHeld or UpstreamUnavailable (75), DataError, StorageError or ModelInvalid (1),
    ConfigError or UsageError (2), Interrupted (130 or 143).
    """
    from nba_ml.commands.train import run_train

    return run_train(
        _factory(data_dir, options),
        force=force,
        source=_path(source),
        seasons=None if seasons is None else _labels(seasons),
        scheduled=scheduled,
        promote_anyway=promote_anyway,
    )


def ensure(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    source: str | os.PathLike[str] | None = None,
    **options: Unpack[SettingOptions],
) -> TrainResult:
    """``nba-ml ensure``: return at once when the installed set is valid (``Outcome.VALID``),
    otherwise train one (``Outcome.TRAINED``), checked again under the lock so that two callers
    starting together train once. Raises as :func:`train` does."""
    from nba_ml.commands.train import run_ensure

    return run_ensure(_factory(data_dir, options), source=_path(source))


def status(
    data_dir: str | os.PathLike[str] | None = None, **options: Unpack[SettingOptions]
) -> StatusReport:
    """``nba-ml status``: the models, the lock, the data's last game against today in Chicago,
    recent runs, the next scheduled run and every effective setting, as a
    :class:`StatusReport` (``healthy`` and ``attention`` say what ``--strict`` exits 1 on;
    ``to_json()`` is ``status --json``). Raises ConfigError for a bad setting."""
    from nba_ml.commands.status import status as status_report

    return status_report(settings(data_dir, **options))


def next_run(now: dt.datetime | None = None, **options: Unpack[SettingOptions]) -> dt.datetime:
    """Return the next scheduled training after ``now`` (default: the current time) as an aware
    datetime in ``training_timezone`` (default America/Chicago, at ``training_hour``:
    ``training_minute``, 04:00 by default), as ``status`` shows it. The time is where cron and the
    systemd timer start ``train``; across a daylight-saving change it is the one wall-clock
    instant the day has. Raises ConfigError for a bad setting, ValueError for a naive ``now``."""
    from nba_ml.deploy.clock import next_run as next_daily_run

    resolved = settings(None, **options)
    moment = dt.datetime.now(tz=dt.timezone.utc) if now is None else now
    return next_daily_run(
        moment, resolved.training_hour, resolved.training_minute, resolved.training_timezone
    )


def _factory(
    data_dir: str | os.PathLike[str] | None, options: SettingOptions
) -> Callable[[], Settings]:
    """Return the settings factory a recorded run calls (its ConfigError is raised from there,
    as on the command line)."""
    return lambda: settings(data_dir, **options)


def _path(source: str | os.PathLike[str] | None) -> Path | None:
    return None if source is None else Path(os.fspath(source))


def _labels(seasons: Sequence[str]) -> list[str]:
    """Return ``seasons`` as a list; a lone string is refused (it would be read letter by
    letter)."""
    from nba_ml.errors import UsageError

    if isinstance(seasons, str):
        raise UsageError(f"seasons={seasons!r} is one string: give a list, e.g. [{seasons!r}]")
    return list(seasons)
