"""The commands as plain functions: check, ensure, train, backtest, status.

Each takes resolved Settings, does the work through the library modules and returns a result
object for the CLI to render; failures are NbaMlError subclasses carrying their exit code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.config import Settings, prepare_data_dir
from nba_ml.errors import DataError, NotPromoted

if TYPE_CHECKING:
    from nba_ml.data.importer import GameData
    from nba_ml.state.store import Verification

logger = logging.getLogger(__name__)

# The promotion gate: a new set must not be worse than the current one on the same holdout by
# more than these margins, and must beat the naive baselines.
BRIER_TOLERANCE = 0.005
MAE_TOLERANCE = 0.02
NAIVE_BRIER = 0.25


@dataclasses.dataclass
class TrainResult:
    """What ``train`` or ``ensure`` did: ``outcome`` is trained, skipped, valid or not_promoted."""

    outcome: str
    message: str
    manifest: dict[str, Any] | None = None
    figures: dict[str, Any] | None = None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(tz=dt.timezone.utc)


def check(settings: Settings, *, full_load: bool = False) -> Verification:
    """Return the verification of the installed model set (hashes, versions, permissions)."""
    from nba_ml.state.store import verify_model_set

    return verify_model_set(settings.data_dir, full_load=full_load)


def problems_by_model(settings: Settings, verification: Verification) -> list[tuple[str, str]]:
    """Return (model, problem) pairs naming every model that cannot be served.

    A set-wide problem (no manifest, no model set) is reported for the set and then for each
    model whose file is missing, so an operator sees every name.
    """
    from nba_ml import MODEL_FILES

    pairs = [(p.model, p.problem) for p in verification.problems]
    named = {model for model, _ in pairs}
    if not verification.ok:
        for name, filename in MODEL_FILES.items():
            if name not in named and not (settings.models_dir / filename).exists():
                pairs.append((name, f"missing ({settings.models_dir / filename})"))
    return pairs


def freshness(settings: Settings, verification: Verification) -> tuple[bool, str]:
    """Return (fresh, why): valid models younger than the maximum age are fresh."""
    from nba_ml.state.store import model_age_hours

    if not verification.ok or verification.manifest is None:
        return False, f"models are not valid ({verification.summary()})"
    age = model_age_hours(verification.manifest)
    if age < settings.max_age_hours:
        return True, (f"models are {age:.1f} h old (fresher than {settings.max_age_hours:g} h); "
                      "use `train --force` to retrain anyway")
    return False, f"models are {age:.1f} h old (older than {settings.max_age_hours:g} h)"


def load_training_data(settings: Settings, source: Path | None, seasons: list[str] | None,
                       *, session: Any = None) -> GameData:
    """Return game data from ``source`` (a directory of exports) or from stats.nba.com via the
    raw cache; raise DataError, UpstreamUnavailable or UsageError."""
    from nba_ml.data import importer
    from nba_ml.data.seasons import recent_seasons, sort_seasons, today_in_chicago

    if source is not None:
        data = importer.load_directory(Path(source))
        if seasons:
            wanted = sort_seasons(seasons)
            missing = [s for s in wanted if s not in data.seasons]
            if missing:
                raise DataError(f"season {missing[0]} is not in {source} "
                                f"(found: {', '.join(data.seasons)})")
            data = data.select_seasons(wanted)
        return data
    from nba_ml.data.collect import CollectOptions, refresh_cache

    today = today_in_chicago()
    wanted = sort_seasons(seasons) if seasons else recent_seasons(settings.seasons, today)
    options = CollectOptions(timeout=settings.timeout, retries=settings.retries,
                             pause=settings.request_pause, budget=settings.collect_budget)
    refresh_cache(settings.raw_dir, wanted, today=today, options=options, session=session)
    from nba_ml.data.collect import cache_path
    from nba_ml.data.seasons import SEASON_TYPES

    files = [cache_path(settings.raw_dir, s, t, m) for s in wanted for t in SEASON_TYPES
             for m in ("T", "P")]
    data = importer.load_files([f for f in files if f.exists()])
    if data.team_games.empty:
        raise DataError(f"stats.nba.com returned no games for {', '.join(wanted)}")
    return data


def promotion_verdict(new: dict[str, Any], current: dict[str, Any] | None) -> list[str]:
    """Return the reasons a newly trained set should not replace ``current`` (empty: promote)."""
    reasons = []
    metrics = new.get("metrics", {})
    game = metrics.get("game_outcome", {})
    if game.get("brier", 1.0) > NAIVE_BRIER:
        reasons.append(f"game Brier {game.get('brier', float('nan')):.4f} is worse than a coin "
                       f"flip ({NAIVE_BRIER})")
    for name in ("points", "assists", "rebounds"):
        ratio = metrics.get(name, {}).get("ratio_last10", 99.0)
        if ratio > 1.0:
            reasons.append(f"{name} MAE is {ratio:.3f} x the last-10-games average")
    if current and current.get("holdout") == new.get("holdout"):
        old = current.get("metrics", {})
        old_brier = old.get("game_outcome", {}).get("brier")
        if old_brier is not None and game.get("brier", 1.0) > old_brier + BRIER_TOLERANCE:
            reasons.append(f"game Brier {game['brier']:.4f} is worse than the current "
                           f"{old_brier:.4f} (tolerance {BRIER_TOLERANCE})")
        for name in ("points", "assists", "rebounds"):
            old_mae = old.get(name, {}).get("mae")
            new_mae = metrics.get(name, {}).get("mae")
            if old_mae and new_mae and new_mae > old_mae * (1 + MAE_TOLERANCE):
                reasons.append(f"{name} MAE {new_mae:.3f} is worse than the current "
                               f"{old_mae:.3f} (tolerance {MAE_TOLERANCE:.0%})")
    return reasons


def train(settings: Settings, *, force: bool = False, source: Path | None = None,
          seasons: list[str] | None = None, wait: float = 0.0, scheduled: bool = False,
          promote_anyway: bool = False, only_if_invalid: bool = False,
          session: Any = None) -> TrainResult:
    """Train, evaluate and atomically install a new model set unless fresh models exist.

    ``only_if_invalid`` is ``ensure``: train only when the current set is not valid (checked
    again under the lock, so two web servers starting together train once). Raises LockHeld,
    UpstreamUnavailable, DataError, StorageError or NotPromoted.
    """
    from nba_ml.state.lock import TrainingLock

    if scheduled:
        from nba_ml.deploy.schedule import is_scheduled_hour

        if not is_scheduled_hour(_utcnow(), settings.training_hour, settings.training_timezone):
            return TrainResult("skipped", f"not {settings.training_hour:02d}:xx in "
                               f"{settings.training_timezone}; the other cron entry runs today")
    if not force:  # read-only checks first: valid models need no writable data dir
        verification = check(settings)
        if only_if_invalid and verification.ok:
            return TrainResult("valid", "models are valid", verification.manifest)
        fresh, why = freshness(settings, verification)
        if fresh and not only_if_invalid:
            return TrainResult("skipped", why, verification.manifest)
    prepare_data_dir(settings)
    with TrainingLock(settings.lock_path, wait=wait):
        if not force:  # someone may have trained while we waited for the lock
            verification = check(settings)
            if only_if_invalid and verification.ok:
                return TrainResult("valid", "models became valid while waiting (trained by "
                                   "another process)", verification.manifest)
            fresh, why = freshness(settings, verification)
            if fresh and not only_if_invalid:
                return TrainResult("skipped", why, verification.manifest)
        return _train_locked(settings, source, seasons, promote_anyway, session)


def _train_locked(settings: Settings, source: Path | None, seasons: list[str] | None,
                  promote_anyway: bool, session: Any) -> TrainResult:
    from nba_ml.modeling.training import train_model_set
    from nba_ml.state.history import prune_history, save_history
    from nba_ml.state.store import cleanup_leftovers, read_manifest, write_model_set

    started = time.perf_counter()
    removed = cleanup_leftovers(settings.data_dir)
    if removed:
        logger.info("removed %d leftovers of an interrupted run", len(removed))
    data = load_training_data(settings, source, seasons, session=session)
    logger.info("training on %d team-games and %d player-games (%s)", len(data.team_games),
                len(data.player_games), ", ".join(data.seasons))
    trained = train_model_set(data, jobs=settings.jobs)
    current = read_manifest(settings.data_dir)
    current_training = current.get("training") if current else None
    reasons = promotion_verdict(trained.training, current_training)
    if reasons and not promote_anyway:
        raise NotPromoted("new models not promoted: " + "; ".join(reasons)
                          + "; current models kept (use --promote-anyway to install them)")
    if reasons:
        logger.warning("promoting despite: %s", "; ".join(reasons))
    trained.training["history_sha256"] = save_history(settings.data_dir, data)
    manifest = write_model_set(settings.data_dir, trained.models, trained.training)
    keep = {trained.training["history_sha256"]}
    if current_training and current_training.get("history_sha256"):
        keep.add(current_training["history_sha256"])
    prune_history(settings.data_dir, keep)
    seconds = time.perf_counter() - started
    metrics = trained.training["metrics"]
    message = (f"trained 4 models on {', '.join(data.seasons)} in {seconds:.0f} s; holdout "
               f"{trained.training['holdout']['name']}: game Brier "
               f"{metrics['game_outcome']['brier']:.4f}, MAE points "
               f"{metrics['points']['mae']:.2f} / assists {metrics['assists']['mae']:.2f} / "
               f"rebounds {metrics['rebounds']['mae']:.2f}")
    return TrainResult("trained", message, manifest, metrics)


def backtest(source: Path, test_season: str, output: Path) -> Any:
    """Run the walk-forward backtest of ``test_season`` on exports in ``source``; write the CSV."""
    from nba_ml.data import importer
    from nba_ml.data.seasons import parse_season
    from nba_ml.modeling.backtest import run_backtest, write_predictions

    parse_season(test_season)
    data = importer.load_directory(Path(source))
    result = run_backtest(data, test_season)
    write_predictions(result, output)
    return result


def status(settings: Settings, now: dt.datetime | None = None) -> dict[str, Any]:
    """Return everything ``status`` shows: models, lock, data, runs, schedule, attention items."""
    from nba_ml import MODEL_FILES
    from nba_ml.data.seasons import days_behind, in_season, is_stale, today_in_chicago
    from nba_ml.deploy.schedule import next_run
    from nba_ml.state.lock import read_lock_holder
    from nba_ml.state.runs import read_runs
    from nba_ml.state.store import model_age_hours

    now = now or _utcnow()
    today = today_in_chicago(now)
    attention: list[str] = []
    verification = check(settings)
    manifest = verification.manifest or {}
    training = manifest.get("training", {}) if isinstance(manifest, dict) else {}
    age = model_age_hours(manifest, now) if manifest else None
    models_info = []
    entries = manifest.get("models", {}) if isinstance(manifest, dict) else {}
    problems = {p.model: p.problem for p in verification.problems}
    for name, filename in MODEL_FILES.items():
        path = settings.models_dir / filename
        try:
            size: int | None = path.stat().st_size
        except OSError:
            size = None
        entry = entries.get(name, {}) if isinstance(entries, dict) else {}
        models_info.append({
            "model": name, "file": str(path), "bytes": size,
            "sha256": entry.get("sha256") if isinstance(entry, dict) else None,
            "valid": name not in problems and verification.ok,
            "problem": problems.get(name) or (problems.get("SET") if problems else None),
            "metrics": training.get("metrics", {}).get(name),
        })
    if not verification.ok:
        attention.append(f"models invalid: {verification.summary()}")
    elif age is not None and age > settings.max_age_hours + 24:
        attention.append(f"models are {age:.0f} h old; the daily training may not be running")
    holder = read_lock_holder(settings.lock_path)
    last_game = training.get("last_game_date")
    cached = None
    if settings.raw_dir.exists():
        from nba_ml.data.collect import last_cached_game_date

        cached_date = last_cached_game_date(settings.raw_dir)
        cached = cached_date.isoformat() if cached_date else None
    newest = max([d for d in (last_game, cached) if d], default=None)
    newest_day = dt.date.fromisoformat(newest) if newest else None
    behind, stale = days_behind(newest_day, today), is_stale(newest_day, today)
    if stale:
        attention.append(f"data is {behind} days behind today ({today}) during the season")
    runs = read_runs(settings.runs_path, limit=5)
    failed = [r for r in runs[-1:] if r.get("exit_code") not in (0, None)]
    if failed:
        attention.append(f"last run {str(failed[0].get('outcome', 'failed')).replace('_', ' ')} "
                         f"(exit {failed[0].get('exit_code')}): "
                         f"{failed[0].get('message', '')}")
    upcoming = next_run(now, settings.training_hour, settings.training_minute,
                        settings.training_timezone)
    return {
        "data_dir": str(settings.data_dir),
        "healthy": not attention,
        "attention": attention,
        "models": {
            "valid": verification.ok,
            "problems": [str(p) for p in verification.problems],
            "trained_at": manifest.get("trained_at") if manifest else None,
            "age_hours": None if age is None or age == float("inf") else round(age, 2),
            "generation": manifest.get("generation") if manifest else None,
            "seasons": training.get("seasons"),
            "first_game_date": training.get("first_game_date"),
            "last_game_date": last_game,
            "holdout": training.get("holdout"),
            "files": models_info,
        },
        "lock": {"held": holder is not None,
                 "pid": holder.pid if holder else None,
                 "since": holder.started_at if holder else None,
                 "command": holder.command if holder else None},
        "data": {"raw_cache": str(settings.raw_dir), "last_cached_game_date": cached,
                 "last_trained_game_date": last_game, "today_chicago": today.isoformat(),
                 "days_behind": behind, "stale": stale, "in_season": in_season(today)},
        "runs": runs,
        "schedule": {"next_run_local": upcoming.isoformat(),
                     "next_run_utc": upcoming.astimezone(dt.timezone.utc).isoformat(),
                     "timezone": settings.training_timezone,
                     "hour": settings.training_hour, "minute": settings.training_minute},
    }


def record_run(settings: Settings, command: str, started: dt.datetime, outcome: str,
               exit_code: int, message: str, figures: dict[str, Any] | None = None) -> None:
    """Append one line to the run history (never raises: history must not fail a run)."""
    from nba_ml.state.runs import append_run

    try:
        if not settings.data_dir.is_dir():
            return
        append_run(settings.runs_path, {
            "started_at": started.isoformat(timespec="seconds"),
            "ended_at": _utcnow().isoformat(timespec="seconds"),
            "command": command, "outcome": outcome, "exit_code": exit_code,
            "message": message, "figures": figures or {},
        })
    except Exception as error:  # noqa: BLE001 - the run's own outcome matters more
        logger.warning("could not record the run: %s", error)
