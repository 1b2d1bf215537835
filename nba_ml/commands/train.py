"""``train`` and ``ensure``: collect, train, evaluate and install a model set atomically.

Both run through :func:`nba_ml.commands.recording.recorded_run` when called with ``record=True``
(as the CLI does), so every run is in the history with its outcome.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.commands.check import verify
from nba_ml.config import Settings, prepare_data_dir
from nba_ml.errors import DataError, NotPromoted, Outcome, UpstreamUnavailable, UsageError
from nba_ml.modeling import promotion

if TYPE_CHECKING:
    from nba_ml.data.importer import GameData
    from nba_ml.manifest import Manifest
    from nba_ml.state.store import Verification

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class TrainResult:
    """What ``train`` or ``ensure`` did: ``outcome`` is TRAINED, SKIPPED or VALID; ``manifest``:
    the installed set's (the new one when TRAINED), ``figures``: the new set's holdout figures."""

    outcome: Outcome
    message: str
    manifest: Manifest | None = None
    figures: dict[str, Any] | None = None

    @property
    def exit_code(self) -> int:
        """The exit code the CLI ends with for a result (a failure is raised, not returned)."""
        from nba_ml.errors import EXIT_OK

        return EXIT_OK

    def __str__(self) -> str:
        """The line ``nba-ml train`` and ``ensure`` print: ``OUTCOME: MESSAGE``."""
        return f"{self.outcome.value}: {self.message}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(tz=dt.timezone.utc)


def freshness(settings: Settings, verification: Verification) -> tuple[bool, str]:
    """Return (fresh, why): valid models younger than the maximum age are fresh."""
    from nba_ml.state.store import model_age_hours

    if not verification.ok or verification.manifest is None:
        return False, f"models are not valid ({verification.summary()})"
    age = model_age_hours(verification.manifest)
    if age == float("inf"):
        return False, "models' training time is missing, malformed or in the future"
    if age < settings.max_age_hours:
        return True, (
            f"models are {age:.1f} h old (fresher than {settings.max_age_hours:g} h); "
            "use `train --force` to retrain anyway"
        )
    return False, f"models are {age:.1f} h old (older than {settings.max_age_hours:g} h)"


def load_training_data(
    settings: Settings, source: Path | None, seasons: list[str] | None, *, session: Any = None
) -> GameData:
    """Return game data from ``source`` (a directory of exports) or from stats.nba.com via the
    raw cache; raise DataError, UpstreamUnavailable or UsageError."""
    from nba_ml.data import importer
    from nba_ml.data.seasons import recent_seasons, sort_seasons, today_in_chicago

    if source is not None:
        data = _load_source(Path(source))
        importer.require_player_logs(data, Path(source))
        if seasons:
            wanted = sort_seasons(seasons)
            missing = [s for s in wanted if s not in data.seasons]
            if missing:  # the command line asks for what is not there: a usage error
                raise UsageError(
                    f"season {missing[0]} is not in {source} (found: {', '.join(data.seasons)})"
                )
            data = data.select_seasons(wanted)
        return data
    from nba_ml.data.cache import cache_files
    from nba_ml.data.collect import refresh_cache

    today = today_in_chicago()
    wanted = sort_seasons(seasons) if seasons else recent_seasons(settings.seasons, today)
    options = settings.collect_options()
    try:
        refresh_cache(
            settings.raw_dir,
            wanted,
            today=today,
            options=options,
            session=session,
            schedule_day=today,
        )
    except UpstreamUnavailable as error:  # exit 75: say how to train without stats.nba.com
        raise UpstreamUnavailable(f"{error}; {OFFLINE_HINT}") from None
    data = importer.load_files(cache_files(settings.raw_dir, wanted))
    if data.team_games.empty:
        raise DataError(f"stats.nba.com returned no games for {', '.join(wanted)}")
    return data


# A holdout smaller than this is named in a warning: one season's last fifth (~250 games),
# a partial season; a whole regular season has 1,230.
SMALL_HOLDOUT_GAMES = 500
OFFLINE_HINT = "without internet, train from game-log files: `nba-ml train --from DIR` (see README)"
FROM_HINT = (
    "point --from at the directory holding the LeagueGameLog exports (e.g. "
    "player_game_logs_2019-20.csv and team_game_logs_2019-20.csv)"
)


def look_at_source(source: Path) -> None:
    """Raise UsageError saying where to point ``--from`` when ``source`` holds no game-log
    file (the files that are not game logs are named in warnings)."""
    from nba_ml.data.sources import game_log_files
    from nba_ml.state.files import safe_text

    try:
        found = game_log_files(Path(source))
    except DataError as error:  # e.g. a subdirectory that cannot be listed
        raise UsageError(f"{error}; {FROM_HINT}") from None
    if not found:
        raise UsageError(
            safe_text(f"no LeagueGameLog CSV or JSON files found in {source}: {FROM_HINT}")
        )


def _load_source(source: Path) -> GameData:
    """Return the game data of ``--from``; a file refused in a subdirectory says that --from
    reads those too, and where to point it."""
    from nba_ml.data import importer
    from nba_ml.state.files import safe_text

    try:
        return importer.load_directory(source)
    except DataError as error:
        inside = str(error).removeprefix(safe_text(f"{source}/")).split(": ", 1)[0]
        if str(error) == inside or "/" not in inside:  # not a file in a subdirectory
            raise
        raise DataError(f"{error}; --from reads its subdirectories too: {FROM_HINT}") from None


def train(
    settings: Settings,
    *,
    force: bool = False,
    source: Path | None = None,
    seasons: list[str] | None = None,
    wait: float | None = None,
    scheduled: bool = False,
    promote_anyway: bool = False,
    only_if_invalid: bool = False,
    session: Any = None,
) -> TrainResult:
    """Train, evaluate and atomically install a new model set unless fresh models exist.

    ``only_if_invalid`` is ``ensure``: train only when the current set is not valid (checked
    again under the lock, so two web servers starting together train once). ``wait`` defaults
    to ``settings.wait``. Raises LockHeld, UpstreamUnavailable, DataError, StorageError or
    NotPromoted.
    """
    if scheduled:
        from nba_ml.deploy.renderers import is_scheduled_hour

        if not is_scheduled_hour(_utcnow(), settings.training_hour, settings.training_timezone):
            return TrainResult(
                Outcome.SKIPPED,
                f"not {settings.training_hour:02d}:xx in "
                f"{settings.training_timezone}; the other cron entry runs today",
            )
    if source is not None and not only_if_invalid:  # a wrong --from is said at once, even
        look_at_source(source)  # when the models are fresh (no "skipped")
    if not force:  # read-only checks first: valid models need no writable data dir
        skip = _no_training_needed(settings, only_if_invalid, waited=False)
        if skip is not None:
            return skip
    from nba_ml.state.lock import TrainingLock

    prepare_data_dir(settings)
    with TrainingLock(settings.lock_path, wait=settings.wait if wait is None else wait):
        if not force:  # someone may have trained while we waited for the lock
            skip = _no_training_needed(settings, only_if_invalid, waited=True)
            if skip is not None:
                return skip
        return _train_locked(settings, source, seasons, promote_anyway, session)


def ensure(
    settings: Settings,
    *,
    source: Path | None = None,
    wait: float | None = None,
    session: Any = None,
) -> TrainResult:
    """Return at once (VALID) when the models are valid; otherwise train them."""
    return train(
        settings, force=False, source=source, wait=wait, only_if_invalid=True, session=session
    )


def _no_training_needed(
    settings: Settings, only_if_invalid: bool, *, waited: bool
) -> TrainResult | None:
    verification = verify(settings)
    if only_if_invalid and verification.ok:
        message = (
            "models became valid while waiting (trained by another process)"
            if waited
            else "models are valid"
        )
        return TrainResult(Outcome.VALID, message, verification.manifest)
    fresh, why = freshness(settings, verification)
    if fresh and not only_if_invalid:
        return TrainResult(Outcome.SKIPPED, why, verification.manifest)
    return None


def _train_locked(
    settings: Settings,
    source: Path | None,
    seasons: list[str] | None,
    promote_anyway: bool,
    session: Any,
) -> TrainResult:
    from nba_ml import modelset
    from nba_ml.modeling.training import train_model_set
    from nba_ml.state.history import prune_history, save_history
    from nba_ml.state.install import cleanup_leftovers, write_model_set
    from nba_ml.state.store import read_manifest

    started = time.perf_counter()
    removed = cleanup_leftovers(settings.data_dir)
    if removed:
        logger.info("removed %d leftovers of an interrupted run", len(removed))
    data = load_training_data(settings, source, seasons, session=session)
    logger.info(
        "training on %d team-games and %d player-games (%s)",
        len(data.team_games),
        len(data.player_games),
        ", ".join(data.seasons),
    )
    trained = train_model_set(data, jobs=settings.jobs)
    current = read_manifest(settings.data_dir)
    verdict = promotion.decide(trained, verify(settings), settings.data_dir)
    if not verdict.promote and not promote_anyway:  # only ever with a valid set to keep
        raise NotPromoted(
            "new models not promoted: "
            + "; ".join(verdict.reasons)
            + "; current models kept (use --promote-anyway to install them)"
        )
    for warning in verdict.warnings or verdict.reasons:
        logger.warning("installing the new set despite: %s", warning)
    if trained.training["holdout"]["games"] < SMALL_HOLDOUT_GAMES:
        logger.warning(
            "the holdout (%s) has only %d games: its figures are rough; train on "
            "two seasons or more (--seasons) for a whole held-out season",
            trained.training["holdout"]["name"],
            trained.training["holdout"]["games"],
        )
    trained.training["history_sha256"] = save_history(settings.data_dir, data)
    manifest = write_model_set(settings.data_dir, trained.models, trained.training)
    keep = {trained.training["history_sha256"]}
    if current is not None and current.record.history_sha256:
        keep.add(current.record.history_sha256)
    prune_history(settings.data_dir, keep)
    seconds = time.perf_counter() - started
    metrics = trained.training["metrics"]
    holdout = trained.training["holdout"]
    # the outcome ("trained: ") is shown before this message: it does not say "trained" again
    message = (
        f"{len(trained.models)} models on {', '.join(data.seasons)} in {seconds:.0f} s; "
        f"holdout {holdout['name']} ({holdout['games']} games): "
        f"{modelset.brief_line(metrics)}"
    )
    return TrainResult(Outcome.TRAINED, message, manifest, metrics)


def _what_to_record(result: TrainResult) -> tuple[Outcome, str, dict[str, Any] | None]:
    return result.outcome, result.message, result.figures


def run_train(settings_factory: Any, **options: Any) -> TrainResult:
    """``nba-ml train``: :func:`train` as a recorded run (see :mod:`nba_ml.commands.recording`)."""
    from nba_ml.commands.recording import recorded_run

    return recorded_run(
        "train", settings_factory, lambda s: train(s, **options), outcome=_what_to_record
    )


def run_ensure(settings_factory: Any, **options: Any) -> TrainResult:
    """``nba-ml ensure``: :func:`ensure` as a recorded run."""
    from nba_ml.commands.recording import recorded_run

    return recorded_run(
        "ensure", settings_factory, lambda s: ensure(s, **options), outcome=_what_to_record
    )
