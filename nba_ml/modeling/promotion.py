"""The promotion gate: whether a newly trained model set may replace the installed one.

Every set is measured by its *evaluation twin*: the same definitions fitted only on the games
before its holdout start, scored on the games from there on (``training.train_model_set``). The
deployed models themselves have seen every game up to their last one, so they are never scored
on those games: comparing the deployed current set with anything on games it trained on would
favour it, and the nightly set would never be promoted.

With a valid current set (``check`` passes: hashes, permissions, versions, trusted owner), the
challenger is compared with it **on the same games, which neither twin trained on**:

1. *The current set's holdout* — when the challenger's holdout starts no later than the current
   one's and ends no earlier (a growing season: each night adds games after the same start),
   the challenger's twin is scored on exactly the current holdout's games (from the current
   holdout start to the current set's last game; the game count must match) and compared with
   the figures recorded in the current manifest.
2. *A refit of the current twin* — when the challenger's holdout starts later (a new season, or a
   data window that shrank), the current set's definitions are refitted on its own saved game
   data before the challenger's holdout start and both twins are scored on the games from there
   to the current set's last game. Costs one extra fit.
3. *Games after the current set's data* — when the current set is older than the challenger's
   holdout games (collection was down for weeks, a new season began), the deployed current
   models never saw the games after their last one: they and the challenger's twin are scored
   on the challenger's holdout games from the day after the current set's last game.
4. When none of these gives at least ``MIN_COMPARE_GAMES`` games, no fair comparison exists:
   the new set is installed if it passes the absolute floors (with a warning), else the current
   set is kept.

Tolerances and floors are each model's (``ModelSpec.promotion`` in :mod:`nba_ml.modelset`): the
challenger is kept out when a model's figure is worse than the current one's by more than its
tolerance (the game model's Brier by 0.005 absolute, a player model's MAE by 2 % relative).
A model carrying a predictive distribution (``ModelSpec.distribution``) is also kept out by
its CRPS, worse by more than the distribution's tolerance (2 % relative), when both sets carry one.
Absolute floors, on the challenger's own holdout: Brier at most 0.25 (a coin flip) and each player
MAE no worse than the last-10-games average. A model the current set lacks (trained before it
existed) is not compared, only held to its floor. A challenger that is not worse on the same games
is installed even when it misses a floor (with a warning: the current set is no better there);
without a comparison the floors decide.

With no valid current set (missing, invalid, forged, corrupt) there is nothing to keep: the new
set is installed, with a warning for each floor it misses; "current models kept" (exit 3) is
only ever said when a valid set is really kept.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nba_ml import modelset
from nba_ml.manifest import TrainingRecord
from nba_ml.state.files import safe_text

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from nba_ml.modeling.training import TrainedSet
    from nba_ml.state.store import Verification

logger = logging.getLogger(__name__)

MIN_COMPARE_GAMES = 100


@dataclasses.dataclass
class Verdict:
    """The gate's decision: ``promote``, why not (``reasons``), what to warn about, and how the
    sets were compared (``basis``, one sentence for the log)."""

    promote: bool
    reasons: list[str]
    warnings: list[str]
    basis: str
    current_valid: bool


def floor_misses(metrics: Mapping[str, Any]) -> list[str]:
    """Return the absolute floors that holdout ``metrics`` (by model name) miss (empty: all
    met), in the registry's order."""
    misses = []
    for spec in modelset.models():
        rule = spec.promotion
        value = metrics.get(spec.name, {}).get(rule.floor_figure, rule.missing)
        if value > rule.floor:
            misses.append(rule.floor_text.format(value=value, floor=rule.floor, name=spec.name))
    return misses


def _worse(rule: modelset.Promotion, new: float | None, old: float | None) -> bool:
    if rule.relative:  # a figure of 0 (or none) gives no scale to be worse by
        return bool(old and new and new > old * (1 + rule.tolerance))
    return old is not None and new is not None and new > old + rule.tolerance


def compare(new: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Return how figures ``new`` are worse than ``current`` (same games, by model name) beyond
    each model's tolerance; a model without figures on either side is not compared."""
    reasons = []
    for spec in modelset.models():
        rule = spec.promotion
        figure = spec.figure(rule.figure)
        old_value = modelset.finite(current.get(spec.name, {}).get(rule.figure))
        new_value = modelset.finite(new.get(spec.name, {}).get(rule.figure))
        if _worse(rule, new_value, old_value):
            reasons.append(
                f"{spec.subject} {figure.label} {figure.format.format(new_value)} is worse than "
                f"the current {figure.format.format(old_value)} "
                f"(tolerance {rule.tolerance_text()})"
            )
        reasons.extend(_distribution_worse(spec, new, current))
    return reasons


def _distribution_worse(
    spec: modelset.ModelSpec, new: Mapping[str, Any], current: Mapping[str, Any]
) -> list[str]:
    """Return how ``spec``'s predictive distribution is worse in ``new`` than in ``current``:
    its CRPS beyond ``Distribution.tolerance`` (relative), compared only when both sets carry
    one (a set trained before the distributions has no CRPS)."""
    if spec.distribution is None:
        return []
    old_crps = modelset.finite(current.get(spec.name, {}).get("crps"))
    new_crps = modelset.finite(new.get(spec.name, {}).get("crps"))
    tolerance = spec.distribution.tolerance
    if not (old_crps and new_crps and new_crps > old_crps * (1 + tolerance)):
        return []
    return [
        f"{spec.subject} CRPS {new_crps:.3f} is worse than the current {old_crps:.3f} "
        f"(tolerance {tolerance:.0%})"
    ]


def _window(tables: Any, start: str, end: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the game and player rows dated from ``start`` to ``end`` (inclusive)."""
    import pandas as pd

    low, high = pd.Timestamp(start), pd.Timestamp(end)
    games = tables.games[(tables.games["game_date"] >= low) & (tables.games["game_date"] <= high)]
    players = tables.players[
        (tables.players["game_date"] >= low) & (tables.players["game_date"] <= high)
    ]
    return games, players


def _played(games: pd.DataFrame) -> int:
    return int(games["home_win"].notna().sum())


def _score(
    models: dict[str, Any], tables: Any, before: str, start: str, end: str
) -> tuple[dict[str, Any], int]:
    """Return the figures of ``models`` (fitted before ``before``) on games ``start``..``end``
    and how many were played; no figures (``{}``) when fewer than ``MIN_COMPARE_GAMES``, which
    no rule compares on (an empty window made scikit-learn raise, logged as a warning)."""
    import pandas as pd

    from nba_ml.modeling.evaluation import evaluate

    games, players = _window(tables, start, end)
    if _played(games) < MIN_COMPARE_GAMES:
        return {}, _played(games)
    train_players = tables.players[tables.players["game_date"] < pd.Timestamp(before)]
    return evaluate(models, train_players, games, players), _played(games)


def _same_holdout(
    trained: TrainedSet, current: TrainingRecord, data_dir: Path
) -> tuple[str, list[str]] | None:
    """Rule 1: score the challenger's twin on the current holdout's games; None if not possible."""
    del data_dir  # the rules share one signature
    new, holdout = trained.training, current.holdout
    start = holdout.start if holdout is not None else None
    count = holdout.games if holdout is not None else None
    end, old = current.last_game_date, current.metrics
    if not (
        start
        and end
        and old
        and trained.tables is not None
        and trained.evaluation_models is not None
    ):
        return None
    if not (new["holdout"]["start"] <= start and end <= new["last_game_date"]):
        return None
    figures, games = _score(
        trained.evaluation_models, trained.tables, new["holdout"]["start"], start, end
    )
    if games != count or games < MIN_COMPARE_GAMES:
        return None
    basis = (
        f"compared on the current set's holdout: the same {games} games from {start} to "
        f"{end}, which neither evaluation fit saw"
    )
    return basis, compare(figures, old)


def _refit_current(
    trained: TrainedSet, current: TrainingRecord, data_dir: Path
) -> tuple[str, list[str]] | None:
    """Rule 2: refit the current definitions before the challenger's holdout; None if not
    possible."""
    from nba_ml.modeling.models import fit_sets
    from nba_ml.modeling.training import build_feature_tables
    from nba_ml.state.history import load_history

    new = trained.training
    start, end = new["holdout"]["start"], current.last_game_date
    if not (
        end
        and start <= end
        and current.history_sha256
        and trained.tables is not None
        and trained.evaluation_models is not None
    ):
        return None
    challenger, games = _score(trained.evaluation_models, trained.tables, start, start, end)
    if games < MIN_COMPARE_GAMES:
        return None
    import pandas as pd

    logger.info("refitting the current set's models before %s to compare on the same games", start)
    tables = build_feature_tables(load_history(data_dir, current.history_sha256))
    cut = pd.Timestamp(start)
    before_g = tables.games[tables.games["game_date"] < cut]
    before_p = tables.players[tables.players["game_date"] < cut]
    if _played(before_g) < MIN_COMPARE_GAMES:
        return None
    twin = fit_sets([(before_g, before_p)])[0]
    figures, old_games = _score(twin, tables, start, start, end)
    if old_games != games:
        return None
    basis = (
        f"compared on the same {games} games from {start} to {end}, with the current set's "
        "definitions refitted on its own data before them"
    )
    return basis, compare(challenger, figures)


def _after_current(
    trained: TrainedSet, current: TrainingRecord, data_dir: Path
) -> tuple[str, list[str]] | None:
    """Rule 3: score the deployed current models on the challenger's holdout games after the
    current set's last game; None if not possible."""
    import datetime as dt

    from nba_ml.state.store import load_model_set_with_manifest

    new, last = trained.training, current.last_game
    if not (last and trained.tables is not None and trained.evaluation_models is not None):
        return None
    start = max(new["holdout"]["start"], (last + dt.timedelta(days=1)).isoformat())
    end = new["last_game_date"]
    challenger, games = _score(
        trained.evaluation_models, trained.tables, new["holdout"]["start"], start, end
    )
    if games < MIN_COMPARE_GAMES:
        return None
    deployed, manifest = load_model_set_with_manifest(data_dir)
    if manifest.record.last_game != last:
        return None  # another process installed a set meanwhile
    figures, _ = _score(deployed, trained.tables, start, start, end)
    basis = (
        f"compared on the {games} games from {start} to {end}, after the current set's last "
        "game: the current models never saw them, nor did the new set's evaluation fit"
    )
    return basis, compare(challenger, figures)


def decide(trained: TrainedSet, current: Verification, data_dir: Path) -> Verdict:
    """Return whether ``trained`` may replace the installed set described by ``current``; log
    how the sets were compared."""
    started = time.perf_counter()
    verdict = _decide(trained, current, data_dir)
    logger.info("promotion gate: %s (%.1f s)", verdict.basis, time.perf_counter() - started)
    return verdict


def _decide(trained: TrainedSet, current: Verification, data_dir: Path) -> Verdict:
    new = trained.training["metrics"]
    misses = floor_misses(new)
    manifest = current.manifest if current.ok else None
    training = manifest.training if manifest is not None else None
    if training is None:
        why = (
            "its manifest has no training record"
            if current.ok
            else current.summary()
            if current.problems
            else "not valid"
        )
        return Verdict(
            True,
            [],
            misses,
            f"no valid current set ({why}): installing the new set",
            current_valid=False,
        )
    compared = None
    for rule in (_same_holdout, _refit_current, _after_current):
        try:
            compared = rule(trained, training, data_dir)
        except Exception as error:  # noqa: BLE001 - the gate falls back to the floors
            logger.warning(
                "could not score the current set for the comparison: %s",
                safe_text(f"{type(error).__name__}: {error}"),
            )
        if compared is not None:
            break
    if compared is None:
        basis = (
            f"no {MIN_COMPARE_GAMES} games that neither set's evaluation fit saw: not "
            "compared with the current set, only with the absolute floors"
        )
        if misses:
            return Verdict(False, misses, [], basis, current_valid=True)
        return Verdict(True, [], [basis], basis, current_valid=True)
    basis, worse = compared
    if worse:
        return Verdict(False, [*worse, *misses], [], basis, current_valid=True)
    # Not worse than the current set on the same games: a floor it misses (an early-season
    # holdout, say) is missed by the current set too, within the tolerance, so it only warns.
    return Verdict(True, [], misses, basis, current_valid=True)
