"""Candidates for benchmarks/candidate.py: rejected tries of docs/quality-log.md, kept as
examples of each kind of change (other columns, another estimator, a new feature).

    python benchmarks/candidate.py --candidate candidates:elo_difference --only games
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from candidate import Candidate, Tables

from nba_ml.modeling import features, model_factories


def elo_difference() -> Candidate:
    """Games: the chosen terms and the Elo difference (2018-19 Brier 0.2119 against 0.2083)."""
    return Candidate(
        "chosen game terms + Elo difference", game_columns=(*features.GAME_FEATURES, "elo_diff")
    )


def patience_20() -> Candidate:
    """Players: early stopping after 20 iterations without gain instead of 10."""

    def player_model(stat: str) -> Any:
        model = model_factories.make_residual_player_model(
            model_factories.BASELINE.format(stat=stat)
        )
        return model.set_params(estimator__n_iter_no_change=20)

    return Candidate("players: early-stopping patience 20 (10)", player_model=player_model)


def linear_weight_04() -> Candidate:
    """Players: the robust linear part takes 0.4 of the residual (0.2 chosen)."""
    return Candidate(
        "players: linear part weight 0.4 (0.2)",
        player_model=lambda stat: model_factories.make_residual_player_model(
            model_factories.BASELINE.format(stat=stat), 0.4
        ),
    )


def league_home_edge(games: pd.DataFrame, window: int) -> np.ndarray:
    """Return, per game, the mean home margin of the ``window`` league games before its date."""
    margin = games["home_pts"] - games["away_pts"]
    played = games.assign(margin=margin)[margin.notna()].sort_values("game_date", kind="mergesort")
    total = np.concatenate([[0.0], np.cumsum(played["margin"].to_numpy())])
    before = np.searchsorted(
        played["game_date"].to_numpy(), games["game_date"].to_numpy(), side="left"
    )
    low = np.maximum(before - window, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > low, (total[before] - total[low]) / (before - low), np.nan)


def home_edge_600() -> Candidate:
    """Games: the league's home edge (mean home margin of the last 600 games) as a feature
    (2018-19 Brier 0.2088 against 0.2083)."""

    def add(tables: Tables) -> Tables:
        games = tables.games.assign(edge600=league_home_edge(tables.games, 600))
        return dataclasses.replace(tables, games=games)

    return Candidate(
        "chosen game terms + home edge of the last 600 games",
        game_columns=(*features.GAME_FEATURES, "edge600"),
        add_features=add,
    )
