"""The tuning season's figures behind docs/quality-log.md: fit on 2017-18, score 2018-19 only.

Builds the feature tables of 2017-18 + 2018-19 once (the same ``features.feature_tables`` that
training, backtest and serving use), then fits variants on 2017-18 and scores them on 2018-19:
- games: Brier of the logistic game model on feature subsets (the old set, the rotation set,
  each rejected addition), of a ridge margin model with a fitted logistic link, and of a
  league home edge from recent games (as a feature, and as an offset of the margin model);
- players (``--players``, ~30 s per variant on a quiet machine): MAE / last-10 MAE of each
  stat model.
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

from nba_ml.data.importer import load_directory
from nba_ml.modeling import features, models, ratings

FIT, TUNE = "2017-18", "2018-19"
OLD_GAME = ("elo_diff", "rest_diff", "b2b_diff", "margin10_diff", "margin_season_diff",
            "roster_diff", "missing_diff")
BOX_STATS = ("pts", "reb", "ast", "stl", "blk", "tov")


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (games, players) feature tables of FIT + TUNE, with extra candidate columns."""
    with tempfile.TemporaryDirectory() as tmp:
        for season in (FIT, TUNE):
            for kind in ("player_game_logs", "team_game_logs"):
                os.symlink(GAMELOGS / f"{kind}_{season}.csv", Path(tmp) / f"{kind}_{season}.csv")
        data = load_directory(Path(tmp))
    tg, pg, _, _ = features._encode(data.team_games, data.player_games)
    games, sides, rotation_players = features._game_table(tg, pg)
    players = features._player_table(pg, sides, rotation_players, *features._encode(data.team_games,
                                                                  data.player_games)[2:])
    # candidates that were rejected: per-stat rotation ratings, league home edge
    per_stat = ratings.rotation_strength(pg, tg, BOX_STATS).set_index(["game_id", "team"])
    for stat in BOX_STATS:
        sides_of = {side: per_stat[f"rot_{stat}"].reindex(pd.MultiIndex.from_arrays(
            [games["game_id"], games[side]])).to_numpy() for side in ("home", "away")}
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
    before = np.searchsorted(played["game_date"].to_numpy(), games["game_date"].to_numpy(),
                             side="left")
    low = np.maximum(before - window, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > low, (total[before] - total[low]) / (before - low), np.nan)


def split(frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    known = frame[frame[label].notna()]
    return known[known["season"] == FIT], known[known["season"] == TUNE]


def logistic_brier(games: pd.DataFrame, columns: tuple[str, ...]) -> float:
    train, test = split(games, "home_win")
    model = models.make_game_model()
    model.fit(models._training_matrix(train, columns), train["home_win"].astype(int))
    p = model.predict_proba(test[list(columns)].astype(float))[:, 1]
    return float(np.mean((p - test["home_win"].to_numpy()) ** 2))


def margin_brier(games: pd.DataFrame, columns: tuple[str, ...], edge: str | None = None
                 ) -> float:
    """Ridge on the home margin (minus ``edge`` as an offset), logistic link on its output."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = split(games, "home_win")
    tr_off = np.zeros(len(train)) if edge is None else train[edge].fillna(0).to_numpy()
    te_off = np.zeros(len(test)) if edge is None else test[edge].fillna(0).to_numpy()
    ridge = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                          StandardScaler(), Ridge(alpha=1.0, fit_intercept=edge is None))
    ridge.fit(models._training_matrix(train, columns), train["margin"] - tr_off)
    fitted = ridge.predict(models._training_matrix(train, columns)) + tr_off
    link = LogisticRegression(C=100.0).fit(fitted.reshape(-1, 1), train["home_win"].astype(int))
    predicted = ridge.predict(test[list(columns)].astype(float)) + te_off
    p = link.predict_proba(predicted.reshape(-1, 1))[:, 1]
    return float(np.mean((p - test["home_win"].to_numpy()) ** 2))


def player_ratio(players: pd.DataFrame, columns: tuple[str, ...], stat: str,
                 residual: bool = True) -> float:
    train, test = split(players, stat)
    model = (models._player_model(models.BASELINE.format(stat=stat)) if residual
             else models.make_player_model())
    model.fit(models._training_matrix(train, columns), train[stat].astype(float))
    predicted = np.maximum(model.predict(test[list(columns)].astype(float)), 0.0)
    prior = models.debut_prior(train, stat)
    base = test[f"{stat}_l10"].fillna(prior).to_numpy()
    actual = test[stat].to_numpy()
    return float(np.mean(np.abs(predicted - actual)) / np.mean(np.abs(base - actual)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", action="store_true", help="also the player variants")
    args = parser.parse_args()
    require_gamelogs()
    games, players = tables()
    chosen = features.GAME_FEATURES
    rows = [
        ("old game set (Elo, rest, margins, roster)", logistic_brier(games, OLD_GAME)),
        ("chosen: rest + rotation (box, plus-minus, minutes)", logistic_brier(games, chosen)),
        ("chosen + Elo", logistic_brier(games, (*chosen, "elo_diff"))),
        ("chosen + margin10", logistic_brier(games, (*chosen, "margin10_diff"))),
        ("chosen + season margin", logistic_brier(games, (*chosen, "margin_season_diff"))),
        ("chosen + old roster terms", logistic_brier(games, (*chosen, "roster_diff",
                                                             "missing_diff"))),
        ("chosen + per-stat rotation rates", logistic_brier(
            games, (*chosen, *(f"rot_{s}_diff" for s in BOX_STATS)))),
        ("old set + rotation", logistic_brier(games, (*OLD_GAME, "rot_box_diff", "rot_pm_diff",
                                                      "rot_min_diff"))),
        ("margin model (ridge + logistic link), chosen", margin_brier(games, chosen)),
    ]
    for window in (300, 600, 1230, 2460):
        rows.append((f"home edge of last {window} games as a feature",
                     logistic_brier(games, (*chosen, f"edge{window}"))))
        rows.append((f"home edge of last {window} games as margin offset",
                     margin_brier(games, chosen, f"edge{window}")))
    print(f"games: fit {FIT}, scored on {TUNE} ({int(split(games, 'home_win')[1].shape[0])} "
          "games); Brier")
    for name, value in rows:
        print(f"  {value:.4f}  {name}")
    if args.players:
        print(f"players: MAE / last-10 MAE on {TUNE} (points, assists, rebounds)")
        chosen_p = features.PLAYER_FEATURES
        old_p = tuple(c for c in chosen_p if c not in ("min_expected", "team_rot_min"))
        for name, columns, residual in (
                ("old player features, boosting on the stat", old_p, False),
                ("+ expected minutes in the rotation, rotation minutes", chosen_p, False),
                ("chosen: the same, boosting on the residual over the EWMA", chosen_p, True)):
            ratios = [player_ratio(players, columns, s, residual) for s in ("pts", "ast", "reb")]
            print(f"  {' / '.join(f'{r:.4f}' for r in ratios)}  {name}")


if __name__ == "__main__":
    main()
