"""The holdout refit behind "MAE by minutes played": honest (refitted before the holdout) or
fast (the given models), binned by minutes on half-open intervals, refusing what it cannot do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nba_ml.data.importer import GameData, load_directory
from nba_ml.errors import DataError
from nba_ml.manifest import TrainingRecord
from nba_ml.modeling import evaluation, model_factories, models
from nba_ml.modeling.training import build_feature_tables
from nba_ml.report import refit
from nba_ml.report.refit import MINUTE_BINS
from nba_ml.state.history import save_history
from tests.modelsets import PLAYER_MODELS

START = "2018-10-17"  # the synthetic 2018-19 season's first day
# the real player model, as the fitting workers make it (``quick_models`` patches this process)
REAL_PLAYER_MODEL = model_factories.make_player_model


def holdout_errors(data_dir: Path, training: dict, **options: Any) -> refit.HoldoutErrors:
    """``refit.holdout_errors`` of a training record as the store parses it from a manifest."""
    return refit.holdout_errors(data_dir, TrainingRecord.from_json(training), **options)


@pytest.fixture(scope="module")
def data(synthetic_seasons: Path) -> GameData:
    return load_directory(synthetic_seasons)


@pytest.fixture(scope="module")
def saved(data: GameData, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A data directory holding the saved game data, and a training record naming it."""
    data_dir = tmp_path_factory.mktemp("refit") / "data"
    sha = save_history(data_dir, data)
    return data_dir, {"holdout": {"start": START}, "history_sha256": sha}


@pytest.fixture(scope="module")
def players(data: GameData) -> pd.DataFrame:
    return build_feature_tables(data).players


@pytest.fixture(scope="module")
def fitted_before(players: pd.DataFrame, quick_models: None) -> dict[str, Any]:
    before = players[players["game_date"] < pd.Timestamp(START)]
    return {name: models.fit_player_model(before, stat) for name, stat in PLAYER_MODELS.items()}


@pytest.mark.parametrize(
    "training",
    [
        {},
        {"holdout": None},
        {"holdout": {}},
        {"holdout": {"start": "soon"}},
        {"holdout": {"start": "2018-13-01"}},
        # "" and "NaT" parse to NaT, and a moment with a zone
        # cannot be compared with game dates: each made a
        # traceback once the game data was loaded
        {"holdout": {"start": ""}},
        {"holdout": {"start": "NaT"}},
        {"holdout": {"start": "2018-10-17T00:00:00+00:00"}},
    ],
)
def test_a_record_without_a_usable_holdout_start_is_refused(tmp_path: Path, training: dict) -> None:
    with pytest.raises(DataError) as raised:
        holdout_errors(tmp_path / "nothing-here", training)
    assert str(raised.value) == (
        "the model manifest records no holdout start; run `nba-ml train --force`"
    )


def test_a_record_without_saved_game_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="names no saved game data"):
        holdout_errors(tmp_path, {"holdout": {"start": START}})


def test_fast_errors_bin_the_holdout_by_minutes_played(
    saved: tuple[Path, dict], players: pd.DataFrame, fitted_before: dict[str, Any]
) -> None:
    data_dir, training = saved
    errors = holdout_errors(data_dir, training, deployed=fitted_before)
    assert not errors.honest and errors.seconds >= 0
    after = players[players["game_date"] >= pd.Timestamp(START)]
    team_games = after.groupby(["game_id", "team"]).ngroups
    assert set(errors.models) == set(PLAYER_MODELS)
    for name, stat in PLAYER_MODELS.items():
        result = errors.models[name]
        assert [row["label"] for row in result.rows] == [label for label, _, _ in MINUTE_BINS]
        # synthetic minutes: 14, 18 | 22, 26, 28 | 30, 32, 34, 36 a team-game; 30 is in "30–40"
        assert [row["n"] for row in result.rows] == [
            0,
            2 * team_games,
            3 * team_games,
            4 * team_games,
            0,
        ]
        assert result.rows[0] == {"label": "0–10", "n": 0}
        assert result.overall["n"] == len(after)
        predicted = models.predict_stat(fitted_before[name], after)
        actual = after[stat].to_numpy(dtype=float)
        assert result.overall["mae"] == pytest.approx(np.mean(np.abs(predicted - actual)))
        in_bin = (after["min"] >= 30) & (after["min"] < 40)
        assert result.rows[3]["mae"] == pytest.approx(
            np.mean(np.abs(predicted[in_bin] - actual[in_bin]))
        )
        last10 = (
            after[f"{stat}_l10"]
            .fillna(
                evaluation.debut_prior(players[players["game_date"] < pd.Timestamp(START)], stat)
            )
            .to_numpy()
        )
        assert result.overall["mae_last10"] == pytest.approx(np.mean(np.abs(last10 - actual)))


def test_honest_errors_refit_on_the_rows_before_the_holdout(
    saved: tuple[Path, dict], fitted_before: dict[str, Any]
) -> None:
    data_dir, training = saved
    honest = holdout_errors(data_dir, training, jobs=1)  # in this process: the small models
    assert honest.honest
    # the same definitions fitted on the same rows: the figures of the models fitted above
    fast = holdout_errors(data_dir, training, deployed=fitted_before)
    for name in PLAYER_MODELS:
        assert honest.models[name].overall == pytest.approx(fast.models[name].overall)
        assert honest.models[name].rows == fast.models[name].rows


def test_a_holdout_after_the_data_has_nothing_to_measure(
    saved: tuple[Path, dict], fitted_before: dict[str, Any]
) -> None:
    data_dir, training = saved
    later = {**training, "holdout": {"start": "2030-01-01"}}
    with pytest.raises(DataError) as raised:
        holdout_errors(data_dir, later, deployed=fitted_before)
    assert str(raised.value) == "no played player-games from 2030-01-01 in the game data"


def test_an_honest_refit_with_nothing_before_the_holdout_points_to_the_fast_report(
    saved: tuple[Path, dict], quick_models: None
) -> None:
    data_dir, training = saved
    earliest = {**training, "holdout": {"start": "2000-01-01"}}
    with pytest.raises(DataError) as raised:
        holdout_errors(data_dir, earliest, jobs=1)
    assert str(raised.value) == (
        "cannot measure the holdout honestly: too few player-games to "
        "train the pts model (0); use the fast report"
    )


def test_the_honest_refit_runs_in_the_training_worker_pool(
    saved: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the three player refits once ran one after another in this process (a report took twice
    # a training); they go through the training's pool, and give the in-process figures
    from nba_ml.modeling import workers

    runs: list[tuple[int, str, list[str]]] = []
    run = workers.Pool.run

    def spy(self: workers.Pool, function: Any, tasks: Any, *args: Any, **kwargs: Any) -> Any:
        runs.append((self.jobs, function.__name__, sorted(task[1].target for task in tasks)))
        return run(self, function, tasks, *args, **kwargs)

    monkeypatch.setattr(workers.Pool, "run", spy)
    monkeypatch.setattr(model_factories, "make_player_model", REAL_PLAYER_MODEL)
    data_dir, training = saved
    pooled = holdout_errors(data_dir, training, jobs=2)
    assert runs == [(2, "_fit_player_task", sorted(PLAYER_MODELS.values()))]
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one thread, as in the workers
        alone = holdout_errors(data_dir, training, jobs=1)
    assert len(runs) == 1  # jobs=1: no pool
    assert pooled.honest and alone.honest
    for name in PLAYER_MODELS:
        assert pooled.models[name].overall == pytest.approx(alone.models[name].overall)
        assert pooled.models[name].rows == alone.models[name].rows


def test_the_honest_refit_refuses_an_empty_holdout_before_fitting(
    saved: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fit(*_: Any, **__: Any) -> None:
        raise AssertionError("fitted although nothing was to be measured")

    monkeypatch.setattr(models, "fit_and_predict", no_fit)
    data_dir, training = saved
    with pytest.raises(DataError) as raised:
        holdout_errors(data_dir, {**training, "holdout": {"start": "2030-01-01"}}, jobs=2)
    assert str(raised.value) == "no played player-games from 2030-01-01 in the game data"


def test_game_predictions_are_the_game_model_fitted_before_the_holdout(
    saved: tuple[Path, dict], data: GameData, fitted_before: dict[str, Any]
) -> None:
    """Asked for, the played holdout games with the probability ``train`` measured them by;
    honest even for the fast report (the deployed set has no game model here)."""
    data_dir, training = saved
    assert holdout_errors(data_dir, training, deployed=fitted_before).games is None
    errors = holdout_errors(data_dir, training, deployed=fitted_before, games=True)
    assert errors.games is not None
    games = build_feature_tables(data).games
    start = pd.Timestamp(START)
    after = games[(games["game_date"] >= start) & games["home_win"].notna()]
    expected = models.predict_home_win(
        models.fit_game_model(games[games["game_date"] < start]), after
    )
    assert list(errors.games.columns) == ["game_date", "home", "away", "home_win", "probability"]
    assert len(errors.games) == len(after) > 0
    assert errors.games["probability"].to_numpy() == pytest.approx(expected)
