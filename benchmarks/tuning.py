"""The tuning season's figures behind docs/quality-log.md: fit on 2017-18, score 2018-19 only.

Builds the feature tables of 2017-18 + 2018-19 once (the same ``features.feature_tables`` that
training, backtest and serving use), then fits variants on 2017-18 and scores them on 2018-19:
- games: Brier of the logistic game model on feature subsets (the old set, the rotation set,
  each rejected addition), of a ridge margin model with a fitted logistic link, and of a
  league home edge from recent games (as a feature, and as an offset of the margin model);
- players (``--players``, a few seconds per variant): MAE / last-10 MAE of each stat model,
  and the round-three tries (shrinking the model towards the EWMA, blends with the averages,
  recency weights, early-stopping patience, dropping the least-used features);
- games, round three: nonlinear and interaction terms, regular season only, recency weights.
Round four (the linear part of the player models, and what was rejected) is
benchmarks/tuning_round4.py. Fits run single-threaded (as in the training's workers; the
figures do not depend on the thread count, the time does: OpenMP threads on a busy machine
make a fit take 10 x longer).
Decisions used only these figures; 2019-20 and 2020-21 are confirmed by quality.py.

Usage: python benchmarks/tuning.py [--players]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GAMELOGS, require_gamelogs

from nba_ml.data.importer import GameData, load_directory
from nba_ml.modeling import evaluation, features, models, ratings

FIT, TUNE = "2017-18", "2018-19"
OLD_GAME = (
    "elo_diff",
    "rest_diff",
    "b2b_diff",
    "margin10_diff",
    "margin_season_diff",
    "roster_diff",
    "missing_diff",
)
BOX_STATS = ("pts", "reb", "ast", "stl", "blk", "tov")


def tuning_data() -> GameData:
    """Return the game logs of FIT + TUNE, loaded as training loads them."""
    with tempfile.TemporaryDirectory() as tmp:
        for season in (FIT, TUNE):
            for kind in ("player_game_logs", "team_game_logs"):
                os.symlink(GAMELOGS / f"{kind}_{season}.csv", Path(tmp) / f"{kind}_{season}.csv")
        return load_directory(Path(tmp))


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (games, players) feature tables of FIT + TUNE, with extra candidate columns
    (teams and game ids are integer codes)."""
    data = tuning_data()
    tg, pg, _, _ = features._encode(data.team_games, data.player_games)
    games, sides, rotation_players = features._game_table(tg, pg)
    players = features._player_table(
        pg, sides, rotation_players, *features._encode(data.team_games, data.player_games)[2:]
    )
    # candidates that were rejected: per-stat rotation ratings, league home edge
    per_stat = ratings.rotation_strength(pg, tg, BOX_STATS).set_index(["game_id", "team"])
    for stat in BOX_STATS:
        sides_of = {
            side: per_stat[f"rot_{stat}"]
            .reindex(pd.MultiIndex.from_arrays([games["game_id"], games[side]]))
            .to_numpy()
            for side in ("home", "away")
        }
        games[f"rot_{stat}_diff"] = sides_of["home"] - sides_of["away"]
    extra = sides.set_index(["game_id", "team"])
    for side in ("home", "away"):
        found = extra.reindex(pd.MultiIndex.from_arrays([games["game_id"], games[side]]))
        for column in ("elo", "margin10", "margin_season", "roster", "missing"):
            games[f"{side}_{column}"] = found[column].to_numpy()
    for column in ("elo", "margin10", "margin_season", "roster", "missing"):
        games[f"{column}_diff"] = games[f"home_{column}"] - games[f"away_{column}"]
    games["margin"] = games["home_pts"] - games["away_pts"]
    for window in (300, 600, 1230, 2460):
        games[f"edge{window}"] = league_home_edge(games, window)
    return games, players


def league_home_edge(games: pd.DataFrame, window: int) -> np.ndarray:
    """Return, per game, the mean home margin of the ``window`` league games before its date."""
    played = games[games["margin"].notna()].sort_values("game_date", kind="mergesort")
    total = np.concatenate([[0.0], np.cumsum(played["margin"].to_numpy())])
    before = np.searchsorted(
        played["game_date"].to_numpy(), games["game_date"].to_numpy(), side="left"
    )
    low = np.maximum(before - window, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > low, (total[before] - total[low]) / (before - low), np.nan)


def split(frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    known = frame[frame[label].notna()]
    return known[known["season"] == FIT], known[known["season"] == TUNE]


def logistic_brier(
    games: pd.DataFrame,
    columns: tuple[str, ...],
    half_life: float | None = None,
    regular_only: bool = False,
) -> float:
    """Brier of the logistic game model on ``columns``; ``half_life`` (days): training games
    weighted by recency; ``regular_only``: trained without the playoffs."""
    train, test = split(games, "home_win")
    if regular_only:
        train = train[train["season_type"] != "Playoffs"]
    model = models.make_game_model()
    weights = {} if half_life is None else {"logistic__sample_weight": recency(train, half_life)}
    model.fit(models._training_matrix(train, columns), train["home_win"].astype(int), **weights)
    p = model.predict_proba(test[list(columns)].astype(float))[:, 1]
    return float(np.mean((p - test["home_win"].to_numpy()) ** 2))


def margin_brier(games: pd.DataFrame, columns: tuple[str, ...], edge: str | None = None) -> float:
    """Ridge on the home margin (minus ``edge`` as an offset), logistic link on its output."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = split(games, "home_win")
    tr_off = np.zeros(len(train)) if edge is None else train[edge].fillna(0).to_numpy()
    te_off = np.zeros(len(test)) if edge is None else test[edge].fillna(0).to_numpy()
    ridge = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        Ridge(alpha=1.0, fit_intercept=edge is None),
    )
    ridge.fit(models._training_matrix(train, columns), train["margin"] - tr_off)
    fitted = ridge.predict(models._training_matrix(train, columns)) + tr_off
    link = LogisticRegression(C=100.0).fit(fitted.reshape(-1, 1), train["home_win"].astype(int))
    predicted = ridge.predict(test[list(columns)].astype(float)) + te_off
    p = link.predict_proba(predicted.reshape(-1, 1))[:, 1]
    return float(np.mean((p - test["home_win"].to_numpy()) ** 2))


def recency(rows: pd.DataFrame, half_life: float) -> np.ndarray:
    """Return weights halving every ``half_life`` days before the last training date."""
    age = (rows["game_date"].max() - rows["game_date"]).dt.days.to_numpy()
    return np.power(0.5, age / half_life)


def player_ratio(
    players: pd.DataFrame,
    columns: tuple[str, ...],
    stat: str,
    residual: bool = True,
    linear_weight: float = 0.0,
    **settings: object,
) -> float:
    """MAE / last-10 MAE on TUNE of the player model of ``stat`` (``settings``: boosting
    parameters to change; ``linear_weight``: the robust linear part's share, 0 in every row
    before round four)."""
    train, test = split(players, stat)
    model = (
        models._player_model(models.BASELINE.format(stat=stat), linear_weight)
        if residual
        else models.make_player_model()
    )
    if settings:
        model.set_params(
            **{("estimator__" if residual else "") + k: v for k, v in settings.items()}
        )
    model.fit(models._training_matrix(train, columns), train[stat].astype(float))
    predicted = np.maximum(model.predict(test[list(columns)].astype(float)), 0.0)
    return ratio_last10(train, test, stat, predicted)


def ratio_last10(
    train: pd.DataFrame, test: pd.DataFrame, stat: str, predicted: np.ndarray
) -> float:
    prior = evaluation.debut_prior(train, stat)
    base = test[f"{stat}_l10"].fillna(prior).to_numpy()
    actual = test[stat].to_numpy()
    return float(np.mean(np.abs(predicted - actual)) / np.mean(np.abs(base - actual)))


def post_hoc_ratios(players: pd.DataFrame, stat: str) -> dict[str, float]:
    """Ratios of the chosen model's predictions changed after the fact: the residual over the
    EWMA shrunk or stretched by s, a blend with the last-10 or season average."""
    from sklearn.base import clone

    train, test = split(players, stat)
    columns = features.PLAYER_COLUMNS
    model = models._player_model(models.BASELINE.format(stat=stat), 0.0)
    model.fit(models._training_matrix(train, columns), train[stat].astype(float))
    matrix = test[list(columns)].astype(float)
    base, residual = model._base(matrix), model.estimator_.predict(matrix)
    full = np.maximum(base + residual, 0.0)
    prior = evaluation.debut_prior(train, stat)
    last10 = test[f"{stat}_l10"].fillna(prior).to_numpy()
    season = test[f"{stat}_season"].fillna(test[f"{stat}_l10"]).fillna(prior).to_numpy()
    out = {
        f"residual x {s}": ratio_last10(train, test, stat, np.maximum(base + s * residual, 0.0))
        for s in (0.8, 0.9, 1.1, 1.2)
    }
    for w in (0.05, 0.1, 0.2):
        out[f"{1 - w:.2f} x model + {w:.2f} x last-10"] = ratio_last10(
            train, test, stat, (1 - w) * full + w * last10
        )
        out[f"{1 - w:.2f} x model + {w:.2f} x season average"] = ratio_last10(
            train, test, stat, (1 - w) * full + w * season
        )
    for half_life in (60, 120, 240):  # recency-weighted training rows
        target = train[stat].astype(float).to_numpy()
        X = models._training_matrix(train, columns)
        weighted = clone(model)
        weighted.fill_ = model.fill_
        weighted.estimator_ = clone(model.estimator).fit(
            X, target - weighted._base(X), sample_weight=recency(train, half_life)
        )
        out[f"training rows weighted by recency, half-life {half_life} days"] = ratio_last10(
            train, test, stat, np.maximum(weighted.predict(matrix), 0.0)
        )
    return out


# the least-used player features (share of the split gain in the 6-season models <= 0.32 %)
LEAST_USED = features.PLAYER_UNUSED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", action="store_true", help="also the player variants")
    args = parser.parse_args()
    require_gamelogs()
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        report(args.players)


def report(players_too: bool) -> None:
    games, players = tables()
    chosen = features.GAME_FEATURES
    rows = [
        ("old game set (Elo, rest, margins, roster)", logistic_brier(games, OLD_GAME)),
        ("chosen: rest + rotation (box, plus-minus, minutes)", logistic_brier(games, chosen)),
        ("chosen + Elo", logistic_brier(games, (*chosen, "elo_diff"))),
        ("chosen + margin10", logistic_brier(games, (*chosen, "margin10_diff"))),
        ("chosen + season margin", logistic_brier(games, (*chosen, "margin_season_diff"))),
        (
            "chosen + old roster terms",
            logistic_brier(games, (*chosen, "roster_diff", "missing_diff")),
        ),
        (
            "chosen + per-stat rotation rates",
            logistic_brier(games, (*chosen, *(f"rot_{s}_diff" for s in BOX_STATS))),
        ),
        (
            "old set + rotation",
            logistic_brier(games, (*OLD_GAME, "rot_box_diff", "rot_pm_diff", "rot_min_diff")),
        ),
        ("margin model (ridge + logistic link), chosen", margin_brier(games, chosen)),
    ]
    for window in (300, 600, 1230, 2460):
        rows.append(
            (
                f"home edge of last {window} games as a feature",
                logistic_brier(games, (*chosen, f"edge{window}")),
            )
        )
        rows.append(
            (
                f"home edge of last {window} games as margin offset",
                margin_brier(games, chosen, f"edge{window}"),
            )
        )
    signed = {c: games[c] * games[c].abs() for c in ("rot_pm_diff", "rot_box_diff")}
    games["pm_signed_square"] = signed["rot_pm_diff"]
    games["box_signed_square"] = signed["rot_box_diff"]
    games["pm_x_box"] = games["rot_pm_diff"] * games["rot_box_diff"]
    games["rest_x_pm"] = games["rest_diff"] * games["rot_pm_diff"]
    rows += [
        (
            "round 3: chosen + signed square of rotation plus-minus",
            logistic_brier(games, (*chosen, "pm_signed_square")),
        ),
        (
            "round 3: chosen + signed squares of plus-minus and box",
            logistic_brier(games, (*chosen, "pm_signed_square", "box_signed_square")),
        ),
        ("round 3: chosen + plus-minus x box", logistic_brier(games, (*chosen, "pm_x_box"))),
        ("round 3: chosen + rest x plus-minus", logistic_brier(games, (*chosen, "rest_x_pm"))),
        (
            "round 3: chosen, trained on the regular season only",
            logistic_brier(games, chosen, regular_only=True),
        ),
    ]
    rows += [
        (
            f"round 3: chosen, games weighted by recency (half-life {h} days)",
            logistic_brier(games, chosen, half_life=h),
        )
        for h in (30, 60, 120)
    ]
    print(
        f"games: fit {FIT}, scored on {TUNE} ({int(split(games, 'home_win')[1].shape[0])} "
        "games); Brier"
    )
    for name, value in rows:
        print(f"  {value:.4f}  {name}")
    if players_too:
        print(f"players: MAE / last-10 MAE on {TUNE} (points, assists, rebounds)")
        # round two's rows and round three's tries: on all 56 columns (the set before the
        # cost change that left out the least-used 8: the last row), without round four's
        # linear part
        chosen_p = features.PLAYER_COLUMNS
        old_p = tuple(c for c in chosen_p if c not in ("min_expected", "team_rot_min"))
        for name, columns, residual in (
            ("old player features, boosting on the stat", old_p, False),
            ("+ expected minutes in the rotation, rotation minutes", chosen_p, False),
            ("chosen: the same, boosting on the residual over the EWMA", chosen_p, True),
        ):
            ratios = [player_ratio(players, columns, s, residual) for s in ("pts", "ast", "reb")]
            print(f"  {' / '.join(f'{r:.4f}' for r in ratios)}  {name}")
        stats = ("pts", "ast", "reb")
        for name, settings in (
            ("round 3: early-stopping patience 20 iterations (10)", {"n_iter_no_change": 20}),
            ("round 3: patience 30", {"n_iter_no_change": 30}),
            ("round 3: no early stopping (150 iterations on all rows)", {"early_stopping": False}),
            (
                "round 3: validation 20 % (10 %), patience 20",
                {"validation_fraction": 0.2, "n_iter_no_change": 20},
            ),
            ("round 3: L2 regularisation 1.0 (0)", {"l2_regularization": 1.0}),
        ):
            ratios = [player_ratio(players, chosen_p, s, **settings) for s in stats]
            print(f"  {' / '.join(f'{r:.4f}' for r in ratios)}  {name}")
        for dropped in (LEAST_USED[:4], LEAST_USED):
            columns = tuple(c for c in chosen_p if c not in dropped)
            ratios = [player_ratio(players, columns, s) for s in stats]
            chosen_now = (
                " = the chosen columns (round four adds the linear part)"
                if columns == features.PLAYER_FEATURES
                else ""
            )
            print(
                f"  {' / '.join(f'{r:.4f}' for r in ratios)}  round 3 (cost): without "
                f"{', '.join(dropped)} ({len(columns)} features){chosen_now}"
            )
        post_hoc = {s: post_hoc_ratios(players, s) for s in stats}
        for name in post_hoc["pts"]:
            print(f"  {' / '.join(f'{post_hoc[s][name]:.4f}' for s in stats)}  round 3: {name}")


if __name__ == "__main__":
    main()
