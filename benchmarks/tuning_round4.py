"""Round four of the tuning season's figures (docs/quality-log.md): fit on 2017-18, score 2018-19.

The same protocol and tables as benchmarks/tuning.py (whose helpers this reuses):
- games (Brier): player ratings that lose part of their weight between seasons; time zones
  crossed; the mean of the logistic model and the margin model; the mean of the logistic model
  and shallow gradient boosting (accepted on 2018-19, then reverted: it failed confirmation);
- players (MAE / last-10 MAE of points, assists, rebounds): the opponent's allowance over
  expectation, per-minute rates times expected minutes (as features and as the baseline), an
  out-of-fold minutes model, boosting settings, a bag of seeds, and the robust linear part
  the player models now carry (its weight, its rows, other linear models).
Fits run single-threaded. Takes about 6 minutes on 2 cores.

Usage: python benchmarks/tuning_round4.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tuning
from _common import require_gamelogs

from nba_ml.modeling import features, models, ratings, rolling

STATS = ("pts", "ast", "reb")
# time zone of each team's arena, hours west of Eastern time
ZONES = {
    **dict.fromkeys(
        ["ATL", "BOS", "BKN", "CHA", "CLE", "DET", "IND", "MIA", "NYK", "ORL", "PHI", "TOR", "WAS"],
        0,
    ),
    **dict.fromkeys(["CHI", "DAL", "HOU", "MEM", "MIL", "MIN", "NOP", "OKC", "SAS"], 1),
    **dict.fromkeys(["DEN", "UTA", "PHX"], 2),
    **dict.fromkeys(["GSW", "LAC", "LAL", "POR", "SAC"], 3),
}


# --- games -----------------------------------------------------------------------------------


def carried_ratings(carry: float) -> Callable[..., dict[str, np.ndarray]]:
    """Return ``ratings.player_ratings`` with every decayed sum (and the minutes behind it)
    multiplied by ``carry`` when a player's season changes."""

    def decayed(
        values: np.ndarray, starts: np.ndarray, decay: float, new: np.ndarray
    ) -> np.ndarray:
        out, total = np.empty(len(values)), 0.0
        for i, value in enumerate(values):
            total = 0.0 if starts[i] == i else total * decay * (carry if new[i] else 1.0)
            total += value
            out[i] = total
        return out

    def player_ratings(played: pd.DataFrame, stats: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
        starts = rolling.group_starts(played["player_id"].to_numpy())
        season = played["season"].to_numpy()
        new = np.concatenate([[False], season[1:] != season[:-1]])
        decay = 0.5 ** (1.0 / ratings.RATING_HALFLIFE)
        minutes = np.nan_to_num(played["min"].to_numpy(dtype=float), nan=0.0)
        above = ratings.player_value(played) - ratings.LEAGUE_VALUE_RATE * minutes
        plus_minus = np.nan_to_num(played["plus_minus"].to_numpy(dtype=float), nan=0.0)
        mass = decayed(minutes, starts, decay, new) + ratings.PRIOR_MINUTES
        sums = {
            "box": decayed(np.nan_to_num(above, nan=0.0), starts, decay, new),
            "pm": decayed(plus_minus, starts, decay, new),
        }
        for stat in stats:
            sums[stat] = decayed(
                np.nan_to_num(played[stat].to_numpy(dtype=float), nan=0.0), starts, decay, new
            )
        return {name: total / mass for name, total in sums.items()}

    return player_ratings


def with_time_zones(games: pd.DataFrame, teams: np.ndarray) -> pd.DataFrame:
    """Add ``tz_shift_diff`` (zones each team crossed since its last game, home minus away),
    ``away_zones`` (zones between the teams' homes) and ``away_west_to_east`` (the same, only
    for a western team playing east)."""
    g = games.assign(
        home_code=teams[games["home"].to_numpy()], away_code=teams[games["away"].to_numpy()]
    )
    g["venue_zone"] = g["home_code"].map(ZONES)
    rows = pd.concat(
        [
            g[["game_id", "game_date", code, "venue_zone"]].rename(columns={code: "team"})
            for code in ("home_code", "away_code")
        ]
    ).sort_values(["team", "game_date", "game_id"], kind="mergesort")
    rows["shift"] = (rows["venue_zone"] - rows.groupby("team")["venue_zone"].shift(1)).abs()
    shift = rows.set_index(["game_id", "team"])["shift"]
    crossed = {
        side: shift.reindex(pd.MultiIndex.from_arrays([g["game_id"], g[f"{side}_code"]]))
        .fillna(0)
        .to_numpy()
        for side in ("home", "away")
    }
    g["tz_shift_diff"] = crossed["home"] - crossed["away"]
    gap = g["away_code"].map(ZONES) - g["home_code"].map(ZONES)
    g["away_zones"] = gap.abs()
    g["away_west_to_east"] = gap.clip(lower=0)
    return g


def game_probabilities(
    games: pd.DataFrame, columns: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (home wins of TUNE, the logistic model's, the margin model's and shallow
    boosting's probabilities)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = tuning.split(games, "home_win")
    X, X_test = models._training_matrix(train, columns), test[list(columns)].astype(float)
    won = train["home_win"].astype(int)
    logistic = models.make_game_model().fit(X, won).predict_proba(X_test)[:, 1]
    ridge = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        Ridge(alpha=1.0),
    ).fit(X, train["margin"])
    link = LogisticRegression(C=100.0).fit(ridge.predict(X).reshape(-1, 1), won)
    margin = link.predict_proba(ridge.predict(X_test).reshape(-1, 1))[:, 1]
    boosting = (
        HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=200,
            max_depth=3,
            min_samples_leaf=100,
            early_stopping=False,
            random_state=0,
        )
        .fit(X, won)
        .predict_proba(X_test)[:, 1]
    )
    return test["home_win"].to_numpy(), logistic, margin, boosting


def game_rows(games: pd.DataFrame, teams: np.ndarray) -> Iterator[tuple[str, float]]:
    chosen = features.GAME_FEATURES
    yield "chosen (logistic regression)", tuning.logistic_brier(games, chosen)
    for carry in (0.8, 0.6, 0.4, 0.2):
        with mock.patch.object(ratings, "player_ratings", carried_ratings(carry)):
            carried, _ = tuning.tables()
        yield (
            f"player ratings keep {carry:.0%} of their weight into a new season",
            tuning.logistic_brier(carried, chosen),
        )
    zoned = with_time_zones(games, teams)
    for name, extra in (
        ("zones crossed since the last game (difference)", ("tz_shift_diff",)),
        ("zones between the teams' homes", ("away_zones",)),
        ("zones a western visitor came east", ("away_west_to_east",)),
        ("all three zone terms", ("tz_shift_diff", "away_zones", "away_west_to_east")),
    ):
        yield f"+ {name}", tuning.logistic_brier(zoned, (*chosen, *extra))
    won, logistic, margin, boosting = game_probabilities(games, chosen)

    def brier(p: np.ndarray) -> float:
        return float(np.mean((p - won) ** 2))

    for w in (0.25, 0.5, 0.75):
        yield (
            f"{1 - w:.2f} x logistic + {w:.2f} x margin model",
            brier((1 - w) * logistic + w * margin),
        )
    yield (
        "shallow boosting alone (learning rate 0.05, 200 iterations, depth 3, leaf 100)",
        brier(boosting),
    )
    yield (
        "mean of logistic and that boosting (accepted here; failed confirmation)",
        brier(0.5 * logistic + 0.5 * boosting),
    )


# --- players ---------------------------------------------------------------------------------


def with_candidates(players: pd.DataFrame) -> pd.DataFrame:
    """Add the candidate player columns of round four."""
    P = players.copy()
    played = P[P["pts"].notna()]
    surplus = played[["game_id", "opponent", "game_date"]].copy()
    for stat in STATS:  # what the defence let each opponent score over his own average
        surplus[stat] = (played[stat] - played[f"{stat}_ewm"].fillna(played[f"{stat}_l10"])).fillna(
            0.0
        )
    per_game = surplus.groupby(["game_id", "opponent"], as_index=False).agg(
        game_date=("game_date", "first"), **{stat: (stat, "sum") for stat in STATS}
    )
    per_game = per_game.sort_values(["opponent", "game_date", "game_id"], kind="mergesort")
    starts = rolling.group_starts(per_game["opponent"].to_numpy())
    for window in (10, 20):
        prior = per_game[["game_id", "opponent"]].copy()
        for stat in STATS:
            prior[stat] = rolling.prior_mean(per_game[stat].to_numpy(dtype=float), starts, window)
        found = P[["game_id", "opponent"]].merge(prior, on=["game_id", "opponent"], how="left")
        for stat in STATS:
            P[f"opp_surplus_{stat}_{window}"] = found[stat].to_numpy()
    for stat in STATS:
        for window in ("l10", "season"):
            P[f"{stat}_x_{window}"] = P[f"{stat}_rate_{window}"] * P["min_expected"]
        rate = P[f"{stat}_ewm"] / P["min_ewm"].where(P["min_ewm"] > 3)
        P[f"{stat}_ewm_rate_x"] = rate * P["min_expected"]
        P[f"{stat}_xbase"] = (
            P[f"{stat}_ewm_rate_x"].where(P["min_expected"] > 0).fillna(P[f"{stat}_ewm"])
        )
        P[f"{stat}_mixbase"] = 0.5 * P[f"{stat}_xbase"] + 0.5 * P[f"{stat}_ewm"]
    P["min_expected_minus_ewm"] = P["min_expected"] - P["min_ewm"]
    return P


def with_minutes_model(P: pd.DataFrame) -> pd.DataFrame:
    """Add ``min_pred``: a minutes model's prediction (out of fold on FIT, by 5 blocks of dates;
    fitted on all of FIT for TUNE) and ``<stat>_xpred``, it times the season's rate."""
    from sklearn.base import clone

    P = P.copy()
    known = P[P["pts"].notna()]
    train, test = known[known["season"] == tuning.FIT], known[known["season"] == tuning.TUNE]
    columns = features.PLAYER_FEATURES
    X = models._training_matrix(train, columns)
    model = models.make_player_model().set_params(loss="squared_error")
    days = train["game_date"].rank(method="dense").to_numpy()
    block = np.floor((days - 1) / (days.max() / 5)).astype(int)
    out_of_fold = np.full(len(train), np.nan)
    for k in range(5):
        fitted = clone(model).fit(X[block != k], train["min"][block != k])
        out_of_fold[block == k] = fitted.predict(X[block == k])
    P["min_pred"] = np.nan
    P.loc[train.index, "min_pred"] = out_of_fold
    P.loc[test.index, "min_pred"] = (
        clone(model).fit(X, train["min"]).predict(test[list(columns)].astype(float))
    )
    for stat in STATS:
        P[f"{stat}_xpred"] = (
            P[f"{stat}_rate_season"].fillna(P[f"{stat}_rate_career"]) * P["min_pred"]
        )
    return P


def residual_predictions(
    P: pd.DataFrame,
    stat: str,
    baseline: str | None = None,
    extra: tuple[str, ...] = (),
    linear: Any = None,
    linear_weight: float = 0.0,
    linear_rows: int = 10000,
    linear_seed: int = 0,
    **settings: object,
) -> np.ndarray:
    """Return TUNE's predictions of a residual model (the chosen columns + ``extra``;
    ``linear_seed`` draws the linear part's rows; ``settings`` go to the boosting)."""
    from nba_ml.modeling.estimators import BaselineResidualRegressor

    columns = (*features.PLAYER_FEATURES, *extra)
    train, test = tuning.split(P, stat)
    model = BaselineResidualRegressor(
        models.make_player_model(),
        baseline or models.BASELINE.format(stat=stat),
        linear=linear,
        linear_weight=linear_weight,
        linear_rows=linear_rows,
        random_state=linear_seed,
    )
    if settings:
        model.set_params(**{f"estimator__{k}": v for k, v in settings.items()})
    model.fit(models._training_matrix(train, columns), train[stat].astype(float))
    return models.predict_stat(model, test[list(columns)])


def ratios(P: pd.DataFrame, predict: Callable[[str], np.ndarray]) -> list[float]:
    out = []
    for stat in STATS:
        train, test = tuning.split(P, stat)
        out.append(tuning.ratio_last10(train, test, stat, predict(stat)))
    return out


def linear_models() -> dict[str, Any]:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import QuantileRegressor, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def scaled(model: Any) -> Any:
        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(), model
        )

    return {
        "median (quantile) regression": scaled(
            QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs")
        ),
        "ridge (squared error)": scaled(Ridge(alpha=1.0)),
    }


def player_rows(players: pd.DataFrame) -> Iterator[tuple[str, list[float]]]:
    P = with_minutes_model(with_candidates(players))
    huber = models.make_player_linear_model()

    def row(name: str, **kwargs: Any) -> tuple[str, list[float]]:
        return name, ratios(P, lambda s: residual_predictions(P, s, **kwargs))

    yield row("before round four (boosting on the residual, 48 columns)")
    for window in (10, 20):
        yield row(
            f"+ the opponent's allowance over expectation, {window} games",
            extra=tuple(f"opp_surplus_{t}_{window}" for t in STATS),
        )
    for name, extra in (
        (
            "+ rates (last 10, season) x expected minutes",
            tuple(f"{t}_x_{w}" for t in STATS for w in ("l10", "season")),
        ),
        ("+ EWMA rate x expected minutes", tuple(f"{t}_ewm_rate_x" for t in STATS)),
        ("+ expected minutes minus EWMA minutes", ("min_expected_minus_ewm",)),
        ("+ an out-of-fold minutes model (squared error)", ("min_pred",)),
        ("+ that minutes model x the season's rates", ("min_pred", *(f"{t}_xpred" for t in STATS))),
    ):
        yield row(name, extra=extra)
    for name, column in (
        ("baseline: EWMA rate x expected minutes", "xbase"),
        ("baseline: half the EWMA, half EWMA rate x expected minutes", "mixbase"),
    ):
        yield (
            name,
            ratios(P, lambda s, c=column: residual_predictions(P, s, f"{s}_{c}", (f"{s}_{c}",))),
        )
    for name, settings in (
        ("learning rate 0.05, 300 iterations", {"learning_rate": 0.05, "max_iter": 300}),
        ("15 leaves (31)", {"max_leaf_nodes": 15}),
        ("63 leaves", {"max_leaf_nodes": 63}),
        ("50 rows a leaf (100)", {"min_samples_leaf": 50}),
    ):
        yield row(name, **settings)
    yield (
        "a bag of 5 seeds (mean of 5 models, each with its own early-stopping rows)",
        ratios(
            P,
            lambda s: np.mean(
                [residual_predictions(P, s, random_state=k) for k in range(5)], axis=0
            ),
        ),
    )
    for weight in (0.1, 0.2, 0.3, 0.4):
        chosen = " = chosen" if weight == models.PLAYER_LINEAR_WEIGHT else ""
        yield row(
            f"robust linear part (Huber), weight {weight}, 10,000 rows{chosen}",
            linear=huber,
            linear_weight=weight,
        )
    for weight in (0.2, 0.3):
        for seed in (1, 2):
            yield row(
                f"the same, weight {weight}, another draw of rows (seed {seed})",
                linear=huber,
                linear_weight=weight,
                linear_seed=seed,
            )
    yield row(
        "the same, weight 0.2, 20,000 rows", linear=huber, linear_weight=0.2, linear_rows=20000
    )
    for name, linear in linear_models().items():
        yield row(
            f"linear part by {name}, weight 0.2, 8,000 rows",
            linear=linear,
            linear_weight=0.2,
            linear_rows=8000,
        )


def main() -> None:
    require_gamelogs()
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        games, players = tuning.tables()
        data = tuning.tuning_data()
        teams = features._encode(data.team_games, data.player_games)[3]
        print(f"games: fit {tuning.FIT}, scored on {tuning.TUNE}; Brier")
        for name, value in game_rows(games, teams):
            print(f"  {value:.4f}  {name}", flush=True)
        print(f"players: MAE / last-10 MAE on {tuning.TUNE} (points, assists, rebounds)")
        for name, figures in player_rows(players):
            print(
                f"  {' / '.join(f'{r:.4f}' for r in figures)}  mean {np.mean(figures):.4f}  {name}",
                flush=True,
            )


if __name__ == "__main__":
    main()
