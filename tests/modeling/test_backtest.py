"""A walk-forward backtest on two real seasons: every game and player-game of the test season
predicted, figures beside the baselines, progress reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nba_ml import progress
from nba_ml.data.importer import load_directory
from nba_ml.errors import DataError
from nba_ml.modeling import backtest
from nba_ml.modeling.models import QUANTILE_COLUMNS
from tests.modelsets import GAME_MODEL, PLAYER_MODELS

GAMELOGS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gamelogs"
pytestmark = pytest.mark.skipif(not GAMELOGS.is_dir(), reason="needs ../shared (real game logs)")


def test_backtest_predicts_every_game_and_player_game_of_the_season(two_seasons: Path) -> None:
    data = load_directory(two_seasons)
    seen: list[tuple[str, int, int | None]] = []
    with progress.reporting_to(lambda step, done, total: seen.append((step, done, total))):
        result = backtest.run_backtest(data, "2018-19")
    assert result.train_seasons == ["2017-18"]
    frame = result.predictions
    assert list(frame.columns) == list(backtest.BACKTEST_COLUMNS)
    test_team = data.team_games[data.team_games["season"] == "2018-19"]
    test_players = data.player_games[data.player_games["season"] == "2018-19"]
    games = frame[frame["model"] == GAME_MODEL]
    assert len(games) == int(test_team["is_home"].astype(bool).sum())
    assert games["prediction"].between(0, 1).all()
    for name in PLAYER_MODELS:
        rows = frame[frame["model"] == name]
        assert len(rows) == len(test_players)
        assert (rows["prediction"] >= 0).all() and np.isfinite(rows["prediction"]).all()
        assert result.figures[name]["ratio_last10"] < 0.99
    assert result.figures[GAME_MODEL]["brier"] < 0.2100
    # predictive quantiles: none for the win probability, ordered for every number
    quantiles = list(QUANTILE_COLUMNS)
    assert games[quantiles].isna().all().all()
    for name in ("margin", "total", *PLAYER_MODELS):
        rows = frame[frame["model"] == name]
        values = rows[quantiles].to_numpy()
        assert np.isfinite(values).all() and (np.diff(values, axis=1) >= 0).all()
        inside = (rows["actual"] >= rows["q10"]) & (rows["actual"] <= rows["q90"])
        assert 0.75 < inside.mean() < 0.95, name  # integer outcomes: edges count in full
    margins = frame[frame["model"] == "margin"]
    totals = frame[frame["model"] == "total"]
    assert len(margins) == len(totals) == len(games)
    home = test_team[test_team["is_home"].astype(bool)]
    assert sorted(margins["actual"]) == sorted(home["pts"] - home["opp_pts"])
    assert totals["actual"].sum() == (home["pts"] + home["opp_pts"]).sum()
    assert np.mean(np.abs(margins["prediction"] - margins["actual"])) < 10.5
    assert ("backtest 2018-19", 3, 3) in seen
    assert frame["game_date"].is_monotonic_increasing


def test_backtest_without_an_earlier_season_says_so(two_seasons: Path) -> None:
    data = load_directory(two_seasons)
    with pytest.raises(DataError, match="no season before 2017-18"):
        backtest.run_backtest(data, "2017-18")
