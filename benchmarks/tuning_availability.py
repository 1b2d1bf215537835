"""Issue #23's choices on the tuning season: fit on 2017-18, score 2018-19 only.

Who was out of a team-game is read from its box score (``modeling.availability``: rotation
players with at least a threshold of expected minutes who are not in it). For each threshold:
- games: Brier of the logistic game model on today's five terms, on the same terms restricted
  to the players who play (``av_*``), and on both;
- players (``--players``): MAE / last-10 MAE of each stat model with and without the
  availability columns (``availability.PLAYER_AVAILABILITY``);
and, for the chosen set, the same models scored with no absence list on 2018-19 (``backtest
--availability none``): what a prediction without a report loses.
Fits run single-threaded. Decisions used only these figures; 2019-20 and 2020-21 are confirmed
by quality.py.

Usage: python benchmarks/tuning_availability.py [--players] [--thresholds 10 15 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GAMELOGS, require_gamelogs
from candidate import FIT, TUNE
from threadpoolctl import threadpool_limits

from nba_ml.data.importer import GameData, load_directory
from nba_ml.modeling import (
    availability,
    evaluation,
    features,
    model_factories,
    models,
    player_table,
)

TODAY = ("rest_diff", "b2b_diff", "rot_box_diff", "rot_pm_diff", "rot_min_diff")
AVAILABLE = ("rest_diff", "b2b_diff", "av_box_diff", "av_pm_diff", "av_min_diff")
GAME_SETS: dict[str, tuple[str, ...]] = {
    "today's five terms": TODAY,
    "available players' terms": AVAILABLE,
    "available + number out": (*AVAILABLE, "out_n_diff"),
    "rotation + available": (*TODAY, "av_box_diff", "av_pm_diff", "av_min_diff"),
    "two regimes (+ blind copies)": (*AVAILABLE, *availability.KNOWN_DIFFS),
}
WITHOUT = tuple(
    c for c in player_table.PLAYER_FEATURES if c not in availability.PLAYER_AVAILABILITY
)


def tuning_data() -> GameData:
    """Return the game logs of FIT + TUNE, loaded as training loads them."""
    with tempfile.TemporaryDirectory() as tmp:
        for season in (FIT, TUNE):
            for kind in ("player_game_logs", "team_game_logs"):
                os.symlink(GAMELOGS / f"{kind}_{season}.csv", Path(tmp) / f"{kind}_{season}.csv")
        return load_directory(Path(tmp))


def split(frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    known = frame[frame[label].notna()]
    return known[known["season"] == FIT], known[known["season"] == TUNE]


def ratio_last10(
    train: pd.DataFrame, test: pd.DataFrame, stat: str, predicted: np.ndarray
) -> float:
    """Return MAE / last-10 MAE (debuts: the median of debuts in the fitting season)."""
    prior = evaluation.debut_prior(train, stat)
    base = test[f"{stat}_l10"].fillna(prior).to_numpy()
    actual = test[stat].to_numpy()
    return float(np.mean(np.abs(predicted - actual)) / np.mean(np.abs(base - actual)))


def feature_rows(threshold: float, blind: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    availability.ROTATION_MINUTES = threshold
    data = tuning_data()
    return features.feature_tables(
        data.team_games, data.player_games, blind_seasons=(TUNE,) if blind else ()
    )


def game_model(games: pd.DataFrame, columns: tuple[str, ...]) -> object:
    train, _ = split(games, "home_win")
    if any(c in availability.KNOWN_DIFFS for c in columns):
        train = availability.with_blind_copies(train)
    model = model_factories.make_game_model()
    model.fit(models.training_matrix(train, columns), train["home_win"].astype(int))
    return model


def brier(model: object, games: pd.DataFrame, columns: tuple[str, ...]) -> float:
    _, test = split(games, "home_win")
    p = model.predict_proba(test[list(columns)].astype(float))[:, 1]  # type: ignore[attr-defined]
    return float(np.mean((p - test["home_win"].to_numpy()) ** 2))


def blind_some(matrix: pd.DataFrame, game_ids: pd.Series, share: float) -> pd.DataFrame:
    """Return ``matrix`` with the availability columns blanked (NaN) on the rows of a fixed
    ``share`` of the games (by a hash of the game id), as a prediction without a list would
    see them if no-list predictions were blank (the rejected "blind" variant)."""
    columns = [
        c
        for c in (*availability.PLAYER_AVAILABILITY, *availability.PLAYER_AVAILABILITY_MORE)
        if c in matrix
    ]
    hashed = pd.util.hash_array(game_ids.astype(str).to_numpy())
    blind = (hashed % np.uint64(1000)) < np.uint64(round(share * 1000))
    out = matrix.copy()
    out.loc[blind, columns] = np.nan
    return out


def blank_unknown(players: pd.DataFrame) -> pd.DataFrame:
    """Return the player table with the availability columns blank where no list is known
    (the rows of the blind tables), as the rejected "blind" variant predicted them."""
    out = players.copy()
    unknown = out["team_out_n"].eq(0) & out["season"].eq(TUNE)
    out.loc[unknown, list(availability.PLAYER_AVAILABILITY)] = np.nan
    return out


def player_models(
    players: pd.DataFrame, columns: tuple[str, ...], blind_share: float = 0.0
) -> dict[str, object]:
    fitted = {}
    for stat in (spec.target for spec in models.player_specs()):
        train, _ = split(players, stat)
        model = model_factories.make_residual_player_model(
            model_factories.BASELINE.format(stat=stat)
        )
        matrix = models.training_matrix(train, columns)
        if blind_share > 0:  # rejected: blank the availability columns of a share of the games
            matrix = blind_some(matrix, train["game_id"], blind_share)
        fitted[stat] = model.fit(matrix, train[stat].astype(float))
    return fitted


def ratios(
    fitted: dict[str, object], players: pd.DataFrame, columns: tuple[str, ...]
) -> list[float]:
    out = []
    for stat, model in fitted.items():
        train, test = split(players, stat)
        predicted = np.maximum(model.predict(test[list(columns)].astype(float)), 0.0)  # type: ignore[attr-defined]
        out.append(ratio_last10(train, test, stat, predicted))
    return out


# the player models' known-list corrections tried over one no-list base (``--regimes``): name,
# the correction's columns (besides the base prediction) of a stat, and its estimator
def _all_columns(stat: str) -> tuple[str, ...]:
    del stat
    return (*player_table.PLAYER_BASE_FEATURES, *availability.PLAYER_AVAILABILITY)


def _more_columns(stat: str) -> tuple[str, ...]:
    del stat
    return (*availability.PLAYER_AVAILABILITY, *availability.PLAYER_AVAILABILITY_MORE)


def _minutes_columns(stat: str) -> tuple[str, ...]:
    del stat
    return (*availability.PLAYER_AVAILABILITY, "min_expected", "team_rot_min")


def _boosting(**changes: object) -> object:
    model = model_factories.make_correction_model()
    model.set_params(**changes)
    return model


def _squared() -> object:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        learning_rate=0.1, max_iter=100, max_leaf_nodes=15, min_samples_leaf=100, random_state=0
    )


def _huber() -> object:
    return model_factories.make_player_linear_model()


def _first_columns(stat: str) -> tuple[str, ...]:
    """The first correction tried: the absences, his minutes, averages and rate of the stat."""
    return (
        *availability.PLAYER_AVAILABILITY,
        "min_expected",
        "team_rot_min",
        "min_ewm",
        f"{stat}_ewm",
        f"{stat}_rate_l10",
    )


def _chosen_columns(stat: str) -> tuple[str, ...]:
    del stat
    return model_factories.CORRECTION_COLUMNS


CORRECTIONS = {
    "chosen (the absences: model_factories.CORRECTION_COLUMNS)": (
        _chosen_columns,
        model_factories.make_correction_model,
    ),
    "absences + minutes, averages, rate": (_first_columns, model_factories.make_correction_model),
    "every feature": (_all_columns, model_factories.make_correction_model),
    "squared-error boosting": (_first_columns, _squared),
    "robust linear (Huber)": (_first_columns, _huber),
    "chosen, 31 leaves": (_chosen_columns, lambda: _boosting(max_leaf_nodes=31)),
    "chosen, 7 leaves": (_chosen_columns, lambda: _boosting(max_leaf_nodes=7)),
    "chosen, 300 iterations": (_chosen_columns, lambda: _boosting(max_iter=300)),
    "chosen, 40 iterations": (_chosen_columns, lambda: _boosting(max_iter=40)),
    "chosen, leaves of 400": (_chosen_columns, lambda: _boosting(min_samples_leaf=400)),
    "absences + expected minutes": (_minutes_columns, model_factories.make_correction_model),
    "absences + ast/reb usage + freed minutes": (
        _more_columns,
        model_factories.make_correction_model,
    ),
}


def regimes(threshold: float, only: list[str] | None) -> None:
    """Print, per stat, MAE / last-10 MAE on TUNE with the box score's lists and with none of:
    the model before #23, one model with the availability columns, and the two regimes (the
    no-list model plus each correction of ``CORRECTIONS``)."""
    import copy

    from nba_ml.modeling.estimators import KnownListRegressor

    games, players = feature_rows(threshold, blind=False)
    _, blind_players = feature_rows(threshold, blind=True)
    del games
    stats = [spec.target for spec in models.player_specs()]
    one_model = (*player_table.PLAYER_BASE_FEATURES, *availability.PLAYER_AVAILABILITY)
    rows: dict[str, dict[str, tuple[float, float]]] = {}

    def score(name: str, stat: str, model: object, columns: tuple[str, ...]) -> None:
        train, test = split(players, stat)
        _, blind_test = split(blind_players, stat)
        figures = []
        for frame in (test, blind_test):
            predicted = np.maximum(model.predict(frame[list(columns)].astype(float)), 0.0)  # type: ignore[attr-defined]
            figures.append(ratio_last10(train, frame, stat, predicted))
        rows.setdefault(name, {})[stat] = (figures[0], figures[1])

    for stat in stats:
        started = time.perf_counter()
        train, _ = split(players, stat)
        target = train[stat].astype(float)
        base = model_factories.make_residual_player_model(
            model_factories.BASELINE.format(stat=stat)
        )
        single = base.fit(models.training_matrix(train, one_model), target)
        score("one model with the availability columns", stat, single, one_model)
        wide = (*player_table.PLAYER_FEATURES, *availability.PLAYER_AVAILABILITY_MORE)
        matrix = models.training_matrix(train, wide)
        two = KnownListRegressor(
            model_factories.make_residual_player_model(model_factories.BASELINE.format(stat=stat)),
            None,
            player_table.PLAYER_BASE_FEATURES,
            (),
            availability.PLAYER_KNOWN,
        ).fit(matrix, target)
        score("no correction (the model before #23)", stat, two, wide)
        for name, (columns, make) in CORRECTIONS.items():
            if only and not any(word in name for word in only):
                continue
            tried = copy.copy(two)
            tried.correction = make()
            tried.correction_columns = columns(stat)
            tried.fit_correction(matrix, target)
            score(f"two regimes: {name}", stat, tried, wide)
        print(f"  ({stat}: {time.perf_counter() - started:.0f} s)", flush=True)
    print(f"\nMAE / last-10 MAE on {TUNE} (fit on {FIT}), {' / '.join(stats)}: lists | none")
    for name, figures in rows.items():
        known = " / ".join(f"{figures[s][0]:.4f}" for s in stats if s in figures)
        blind = " / ".join(f"{figures[s][1]:.4f}" for s in stats if s in figures)
        print(f"  {known} | {blind}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", action="store_true")
    parser.add_argument("--players-only", action="store_true")
    parser.add_argument("--skip-known", action="store_true", help="only the blind variants")
    parser.add_argument("--thresholds", nargs="+", type=float, default=[0, 5, 10, 15, 20, 25])
    parser.add_argument(
        "--regimes",
        nargs="*",
        metavar="WORD",
        help="the player models' two regimes: each correction (or those whose name has a WORD)",
    )
    args = parser.parse_args()
    require_gamelogs()
    print(f"fit on {FIT}, scored on {TUNE}")
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs

    with threadpool_limits(limits=1):
        if args.regimes is not None:
            regimes(availability.ROTATION_MINUTES, args.regimes)
            return
        for threshold in args.thresholds:
            started = time.perf_counter()
            games, players = feature_rows(threshold, blind=False)
            blind_games, blind_players = feature_rows(threshold, blind=True)
            _, test = split(games, "home_win")
            uneven = float((test["out_n_diff"] != 0).mean())
            print(
                f"\nthreshold {threshold:g} min: games with more players out on one side "
                f"{uneven:.0%}; tables {time.perf_counter() - started:.0f} s"
            )
            for name, columns in GAME_SETS.items() if not args.players_only else ():
                model = game_model(games, columns)
                print(
                    f"  game {name:28s} Brier {brier(model, games, columns):.4f}"
                    f"  (no list: {brier(model, blind_games, columns):.4f})"
                )
            if args.players or args.players_only:
                more = (*player_table.PLAYER_FEATURES, *availability.PLAYER_AVAILABILITY_MORE)
                for name, columns, share in (
                    ("without", WITHOUT, 0.0),
                    ("with", player_table.PLAYER_FEATURES, 0.0),
                    ("with, a quarter of the games blind", player_table.PLAYER_FEATURES, 0.25),
                    ("with + usage of ast/reb + redistributed minutes, blind", more, 0.25),
                ):
                    if args.skip_known and share == 0:
                        continue
                    fitted = player_models(players, columns, share)
                    known = ratios(fitted, players, columns)
                    unknown = blank_unknown(blind_players) if share else blind_players
                    blind = ratios(fitted, unknown, columns)
                    print(
                        f"  players {name} availability: "
                        + " / ".join(f"{r:.4f}" for r in known)
                        + "  (no list: "
                        + " / ".join(f"{r:.4f}" for r in blind)
                        + ")"
                    )


if __name__ == "__main__":
    main()
