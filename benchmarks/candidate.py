"""Score one candidate change of the models on the tuning season, beside the chosen models.

The protocol of docs/quality-log.md: fit on 2017-18, score 2018-19 only. The feature tables of
the two seasons are built once by ``features.feature_tables`` (the code training, backtest and
serving use); the candidate may add columns to them, choose other columns and give other
unfitted estimators. Both the chosen models and the candidate are fitted on 2017-18's played
rows (``models.training_matrix``, as training fits) and scored on 2018-19's by
``evaluation.evaluate`` (as training and backtest score): game Brier, and each player model's
MAE / last-10 MAE (the last-10 average falls back to the median of debuts in 2017-18). Fits run
single-threaded (the figures do not depend on the thread count; the time does).

The verdict is the log's rule: a change is accepted only if it lowers the game Brier by at
least 0.0005, or the player models' mean MAE ratio by at least 0.1 % with no stat worse.

A candidate is ``module:callable`` (a module importable from benchmarks/, or a path to a .py
file) where the callable, called without arguments, returns a ``Candidate``. Examples, the
rejected tries of docs/quality-log.md that need no new feature code, are in
benchmarks/candidates.py:

    python benchmarks/candidate.py --candidate candidates:elo_difference
    python benchmarks/candidate.py --candidate candidates:patience_20 --only players

Usage: python benchmarks/candidate.py --candidate MODULE:CALLABLE [--only games|players]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GAMELOGS, require_gamelogs

from nba_ml.data.importer import GameData, load_directory
from nba_ml.modeling import (
    availability,
    evaluation,
    features,
    model_factories,
    models,
    player_table,
)

FIT, TUNE = "2017-18", "2018-19"
STATS = tuple(spec.target for spec in models.player_specs())
# the log's rule for accepting a change
BRIER_GAIN = 0.0005
RATIO_GAIN = 0.001


@dataclasses.dataclass(frozen=True)
class Tables:
    """The game and player feature tables of 2017-18 and 2018-19, and the logs they came from."""

    games: pd.DataFrame
    players: pd.DataFrame
    data: GameData


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One change to score; every field left at its default is the chosen model's.

    ``add_features`` returns the tables with the candidate's extra columns (it must use only
    rows of earlier dates for each row, as the library's features do); ``game_model`` returns
    an unfitted estimator with ``predict_proba``; ``player_model`` returns an unfitted
    regressor of a stat (``"pts"``, ``"ast"``, ``"reb"``). Fitted on a DataFrame, every
    estimator records its input columns, and scoring reads them from it.
    """

    name: str
    game_columns: tuple[str, ...] = features.GAME_FEATURES
    player_columns: tuple[str, ...] = player_table.PLAYER_FEATURES
    game_model: Callable[[], Any] = model_factories.make_game_model
    player_model: Callable[[str], Any] = dataclasses.field(
        default=lambda stat: model_factories.make_residual_player_model(
            model_factories.BASELINE.format(stat=stat)
        )
    )
    add_features: Callable[[Tables], Tables] | None = None


CHOSEN = Candidate("chosen (the models training fits now)")


def load_candidate(reference: str) -> Candidate:
    """Return the candidate ``module:callable`` builds; exit with one line when it cannot."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        sys.exit(f"--candidate {reference!r}: expected MODULE:CALLABLE")
    if module_name.endswith(".py"):
        spec = importlib.util.spec_from_file_location(Path(module_name).stem, module_name)
        if spec is None or spec.loader is None:
            sys.exit(f"--candidate {reference!r}: cannot load {module_name}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    made = getattr(module, attribute)()
    if not isinstance(made, Candidate):
        sys.exit(f"--candidate {reference!r} returned {type(made).__name__}, not a Candidate")
    return made


def tuning_tables() -> Tables:
    """Return the feature tables of FIT + TUNE, built from the logs as training builds them."""
    with tempfile.TemporaryDirectory() as tmp:
        for season in (FIT, TUNE):
            for kind in ("player_game_logs", "team_game_logs"):
                name = f"{kind}_{season}.csv"
                os.symlink(GAMELOGS / name, Path(tmp) / name)
        data = load_directory(Path(tmp))
    games, players = features.feature_tables(data.team_games, data.player_games)
    return Tables(games, players, data)


def _split(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return rows[rows["season"] == FIT], rows[rows["season"] == TUNE]


def fitted_models(candidate: Candidate, tables: Tables, only: str | None) -> dict[str, Any]:
    """Return the candidate's models fitted on FIT's played rows, keyed by model name; a model
    left out by ``only`` is the chosen one's (it is scored but not compared)."""
    games, _ = _split(tables.games)
    players, _ = _split(tables.players)
    played = games[games["home_win"].notna()]
    fitted: dict[str, Any] = {}
    game = candidate if only != "players" else CHOSEN
    if availability.learns_both_regimes(game.game_columns):  # as models.fit_game fits it
        played = availability.with_blind_copies(played)
    fitted[models.outcome_spec().name] = game.game_model().fit(
        models.training_matrix(played, game.game_columns), played["home_win"].astype(int)
    )
    player = candidate if only != "games" else CHOSEN
    for spec in models.player_specs():
        name, stat = spec.name, spec.target
        rows = players[players[stat].notna()]
        fitted[name] = player.player_model(stat).fit(
            models.training_matrix(rows, player.player_columns), rows[stat].astype(float)
        )
    return fitted


def score(candidate: Candidate, tables: Tables, only: str | None) -> dict[str, float]:
    """Return the game Brier and each stat's MAE / last-10 MAE on TUNE of ``candidate``."""
    if candidate.add_features is not None:
        tables = candidate.add_features(tables)
    fitted = fitted_models(candidate, tables, only)
    train_players, _ = _split(tables.players)
    _, test_games = _split(tables.games)
    _, test_players = _split(tables.players)
    figures = evaluation.evaluate(fitted, train_players, test_games, test_players)
    out = {"brier": float(figures[models.outcome_spec().name]["brier"])}
    for spec in models.player_specs():
        out[spec.target] = float(figures[spec.name]["ratio_last10"])
    return out


def verdict(chosen: dict[str, float], tried: dict[str, float], only: str | None) -> list[str]:
    """Return the log's verdict on the game model and on the player models."""
    lines = []
    if only != "players":
        gain = chosen["brier"] - tried["brier"]
        accepted = gain >= BRIER_GAIN
        lines.append(
            f"games: Brier {tried['brier']:.4f} against {chosen['brier']:.4f} "
            f"({-gain:+.4f}): {'passes' if accepted else 'fails'} the rule (lower by "
            f">= {BRIER_GAIN})"
        )
    if only != "games":
        before = float(np.mean([chosen[s] for s in STATS]))
        after = float(np.mean([tried[s] for s in STATS]))
        change = after / before - 1
        worse = [s for s in STATS if tried[s] > chosen[s]]
        accepted = change <= -RATIO_GAIN and not worse
        lines.append(
            f"players: mean ratio {after:.4f} against {before:.4f} ({change:+.2%})"
            + (f", worse: {', '.join(worse)}" if worse else "")
            + f": {'passes' if accepted else 'fails'} the rule (mean lower by >= "
            f"{RATIO_GAIN:.1%}, no stat worse)"
        )
    return lines


def row(figures: dict[str, float], name: str) -> str:
    ratios = " / ".join(f"{figures[s]:.4f}" for s in STATS)
    return f"  {figures['brier']:.4f}   {ratios}   {name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", required=True, help="MODULE:CALLABLE returning a Candidate")
    parser.add_argument(
        "--only", choices=("games", "players"), help="change only the game or the player models"
    )
    args = parser.parse_args()
    candidate = load_candidate(args.candidate)
    require_gamelogs()
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    tables = tuning_tables()
    with threadpool_limits(limits=1):
        chosen = score(CHOSEN, tables, args.only)
        tried = score(candidate, tables, args.only)
    points, assists, rebounds = STATS
    print(
        f"fit {FIT}, scored on {TUNE}: Brier, MAE / last-10 MAE ({points}, {assists}, {rebounds})"
    )
    print(row(chosen, CHOSEN.name))
    print(row(tried, candidate.name))
    for line in verdict(chosen, tried, args.only):
        print(line)
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    # run as the module ``candidate``, the one candidates import ``Candidate`` from (run as
    # __main__, its classes would be a second copy, and isinstance would refuse theirs)
    import candidate

    raise SystemExit(candidate.main())
