"""``status``: a typed :class:`StatusReport` of the models, lock, data, runs, schedule and
settings, for the CLI to render (text, Rich or JSON).

Every part is read defensively: a damaged manifest (``training=[]``, a malformed date: parsed once
by :class:`nba_ml.manifest.Manifest`), an odd run line (``{"command": null}``) or an unreadable lock
shows as such in the report, never as a crash.
"""

from __future__ import annotations

import datetime as dt
import math

from nba_ml import modelset
from nba_ml.commands.check import verify
from nba_ml.config import Settings, effective_settings
from nba_ml.data.seasons import days_behind, in_season, is_stale
from nba_ml.errors import Outcome
from nba_ml.manifest import EMPTY_RECORD, as_date
from nba_ml.records import asdict, field, record

TYPE_CHECKING = False  # typing is not imported at run time: `status` starts faster
if TYPE_CHECKING:
    from typing import Any


@record(frozen=True)
class ModelFile:
    model: str
    file: str
    bytes: int | None
    sha256: str | None
    valid: bool
    problem: str | None
    metrics: dict[str, Any] | None


@record(frozen=True)
class Holdout:
    name: str | None
    games: int | None
    player_games: int | None


@record(frozen=True)
class ModelsStatus:
    valid: bool
    problems: list[str]
    trained_at: str | None
    age_hours: float | None
    generation: str | None
    seasons: list[str] | None
    first_game_date: str | None
    last_game_date: str | None
    holdout: Holdout | None
    files: list[ModelFile]
    # registered models the valid set does not hold: it was trained before they existed
    lacking: list[str] = field(default_factory=list)


@record(frozen=True)
class LockStatus:
    held: bool
    pid: int | None = None
    since: str | None = None
    command: str | None = None
    host: str | None = None
    problem: str | None = None


@record(frozen=True)
class DataStatus:
    raw_cache: str
    last_cached_game_date: str | None
    last_trained_game_date: str | None
    today_chicago: str
    days_behind: int | None
    stale: bool
    in_season: bool


@record(frozen=True)
class RunLine:
    started_at: str | None
    ended_at: str | None
    command: str | None
    outcome: str | None
    exit_code: int | None
    message: str


@record(frozen=True)
class ScheduleStatus:
    next_run_local: str
    next_run_utc: str
    timezone: str
    hour: int
    minute: int
    # the timer and cron files found (deploy.installed); empty: no run is due; None: not looked
    installed: list[str] | None = None


@record(frozen=True)
class SettingValue:
    name: str
    variable: str
    value: str
    source: str


@record(frozen=True)
class StatusReport:
    """Everything ``status`` shows; ``healthy`` is False when ``attention`` lists anything."""

    data_dir: str
    healthy: bool
    attention: list[str]
    models: ModelsStatus
    lock: LockStatus
    data: DataStatus
    runs: list[RunLine]
    runs_problem: str | None
    schedule: ScheduleStatus
    settings: list[SettingValue]

    def to_json(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready data (the keys of ``status --json``)."""
        return asdict(self)


def staleness(
    newest: dt.date | None, today: dt.date, *, scheduled: bool = False
) -> tuple[int | None, bool]:
    """Return (days behind today, stale) by the one staleness rule (data.seasons.is_stale;
    ``scheduled``: the cached schedule lists games after ``newest``)."""
    return days_behind(newest, today), is_stale(newest, today, scheduled=scheduled)


def _text(raw: object) -> str | None:  # a field of a run line (runs.jsonl)
    return raw if isinstance(raw, str) else None


def _int(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _models(settings: Settings, now: dt.datetime, attention: list[str]) -> ModelsStatus:
    from nba_ml.state.store import SET, model_age_hours

    verification = verify(settings)
    manifest = verification.manifest
    training = manifest.record if manifest is not None else EMPTY_RECORD
    age = model_age_hours(manifest, now) if manifest is not None else None
    problems = {p.model: p.problem for p in verification.problems}
    lacking = [spec.name for spec in verification.lacking]
    files = []
    for spec in modelset.models():
        path = settings.models_dir / spec.file
        try:
            size: int | None = path.stat().st_size
        except OSError:
            size = None
        entry = manifest.models.get(spec.name) if manifest is not None else None
        metrics = training.figures(spec.name)
        files.append(
            ModelFile(
                model=spec.name,
                file=str(path),
                bytes=size,
                sha256=entry.sha256 if entry is not None else None,
                valid=spec.name not in problems and spec.name not in lacking and verification.ok,
                problem=problems.get(spec.name) or problems.get(SET),
                metrics=dict(metrics) if metrics is not None else None,
            )
        )
    if not verification.ok:
        attention.append(f"models invalid: {verification.summary()}")
    elif age is not None and math.isfinite(age) and age > settings.max_age_hours + 24:
        attention.append(f"models are {age:.0f} h old; the daily training may not be running")
    if manifest is not None and manifest.training is None:
        attention.append(
            "the manifest records no training (data window, holdout figures); "
            "run `nba-ml train --force`"
        )
    attention.extend(training.problems)
    holdout = training.holdout
    return ModelsStatus(
        valid=verification.ok,
        problems=[str(p) for p in verification.problems],
        trained_at=manifest.trained_at if manifest is not None else None,
        age_hours=None if age is None or not math.isfinite(age) else round(age, 2),
        generation=manifest.generation if manifest is not None else None,
        seasons=list(training.seasons) if training.seasons is not None else None,
        first_game_date=training.first_game_date,
        last_game_date=training.last_game_date,
        holdout=Holdout(holdout.name, holdout.games, holdout.player_games)
        if holdout is not None
        else None,
        files=files,
        lacking=lacking,
    )


def _lock(settings: Settings, attention: list[str]) -> LockStatus:
    from nba_ml.errors import NbaMlError
    from nba_ml.state.lock import read_lock_holder

    try:
        holder = read_lock_holder(settings.lock_path)
    except NbaMlError as error:
        attention.append(str(error))
        return LockStatus(held=False, problem=str(error))
    if holder is None:
        return LockStatus(held=False)
    return LockStatus(
        held=True,
        pid=holder.pid,
        since=holder.started_at,
        command=holder.command,
        host=holder.hostname,
    )


def _runs(settings: Settings, attention: list[str]) -> tuple[list[RunLine], str | None]:
    from nba_ml.errors import NbaMlError
    from nba_ml.state.runlog import read_runs

    try:
        records = read_runs(settings.runs_path, limit=5)
    except NbaMlError as error:
        attention.append(str(error))
        return [], str(error)
    runs = [
        RunLine(
            started_at=_text(r.get("started_at")),
            ended_at=_text(r.get("ended_at")),
            command=_text(r.get("command")),
            outcome=_text(r.get("outcome")),
            exit_code=_int(r.get("exit_code")),
            message=str(r.get("message") or ""),
        )
        for r in records
    ]
    if runs and runs[-1].exit_code not in (0, None):
        last = runs[-1]
        attention.append(
            f"last run {(last.outcome or Outcome.FAILED.value).replace('_', ' ')} "
            f"(exit {last.exit_code}): {last.message}"
        )
    return runs, None


def _data(
    settings: Settings, models: ModelsStatus, today: dt.date, attention: list[str]
) -> DataStatus:
    cached = None
    if settings.raw_dir.is_dir():
        from nba_ml.data.cache import last_cached_game_date

        cached_date = last_cached_game_date(settings.raw_dir)
        cached = cached_date.isoformat() if cached_date else None
    dates = [d for d in (as_date(models.last_game_date), as_date(cached)) if d is not None]
    from nba_ml.data.scoreboard import games_scheduled

    newest = max(dates, default=None)
    scheduled = games_scheduled(settings.raw_dir, newest, today)  # the league plays meanwhile
    behind, stale = staleness(newest, today, scheduled=scheduled)
    if stale:
        attention.append(f"data is {behind} days behind today ({today}) during the season")
    elif behind is not None and behind < 0:  # predict refuses every day before that game
        attention.append(
            f"the data's last game ({max(dates)}) is {-behind} days after today "
            f"({today}): game logs dated in the future, or a clock set wrong"
        )
    return DataStatus(
        raw_cache=str(settings.raw_dir),
        last_cached_game_date=cached,
        last_trained_game_date=models.last_game_date,
        today_chicago=today.isoformat(),
        days_behind=behind,
        stale=stale,
        in_season=in_season(today, last_game=newest, scheduled=scheduled),
    )


def _settings(settings: Settings) -> list[SettingValue]:
    return [
        SettingValue(
            spec.name,
            spec.env,
            f"{value:g}"
            if isinstance(value, float)
            else "unset"
            if value is None or value == ""
            else str(value),
            source,
        )
        for spec, value, source in effective_settings(settings)
    ]


def status(settings: Settings, now: dt.datetime | None = None) -> StatusReport:
    """Return everything ``status`` shows: models, lock, data, runs, schedule, settings."""
    from nba_ml.data.seasons import today_in_chicago
    from nba_ml.deploy.installed import installed_schedules
    from nba_ml.deploy.renderers import next_run

    now = now or dt.datetime.now(tz=dt.timezone.utc)
    today = today_in_chicago(now)
    attention: list[str] = []
    models = _models(settings, now, attention)
    lock = _lock(settings, attention)
    data = _data(settings, models, today, attention)
    runs, runs_problem = _runs(settings, attention)
    upcoming = next_run(
        now, settings.training_hour, settings.training_minute, settings.training_timezone
    )
    schedule = ScheduleStatus(
        next_run_local=upcoming.isoformat(),
        next_run_utc=upcoming.astimezone(dt.timezone.utc).isoformat(),
        timezone=settings.training_timezone,
        hour=settings.training_hour,
        minute=settings.training_minute,
        installed=installed_schedules(),
    )
    return StatusReport(
        data_dir=str(settings.data_dir),
        healthy=not attention,
        attention=attention,
        models=models,
        lock=lock,
        data=data,
        runs=runs,
        runs_problem=runs_problem,
        schedule=schedule,
        settings=_settings(settings),
    )
