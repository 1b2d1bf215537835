"""Model definitions (scikit-learn estimators), fitting and prediction.

Each saved model is a scikit-learn estimator fitted on a DataFrame with named columns, and
``feature_names_in_`` says its input: the game model a plain scikit-learn pipeline, the player
models gradient boosting and a robust linear fit wrapped in
``estimators.BaselineResidualRegressor`` (so loading them needs nba-ml importable). Build the
input with ``nba_ml.serving.predictor`` (the same feature code that training used). Holdout
figures are in ``nba_ml.modeling.evaluation``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from nba_ml.modeling import availability
from nba_ml.modeling.features import GAME_FEATURES, PLAYER_FEATURES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

GAME_MODEL = "game_outcome"
# model name -> the stat column it predicts
PLAYER_MODELS: dict[str, str] = {"points": "pts", "assists": "ast", "rebounds": "reb"}
# the player models learn the stat's residual over this feature (chosen on 2018-19: it lowered
# MAE of points, assists and rebounds by 0.03 %, 0.37 % and 0.07 %)
BASELINE = "{stat}_ewm"
RANDOM_STATE = 0


def make_game_model() -> Any:
    """Return an unfitted calibrated home-win classifier (scaled logistic regression)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("logistic", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )


def make_player_model() -> Any:
    """Return an unfitted gradient-boosting regressor of a player's stat (median, for MAE)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    # Chosen on 2018-19 (trained on 2017-18): absolute-error loss beat squared error by 1-2.5%
    # of MAE; deeper trees and more iterations did not help. Learning rate 0.1 with 150
    # iterations matched 0.05 with 300 there (MAE within 0.1 %) at half the fitting time (the
    # fits use every iteration). Early stopping on 10% of rows.
    return HistGradientBoostingRegressor(
        loss="absolute_error",
        learning_rate=0.1,
        max_iter=150,
        max_leaf_nodes=31,
        min_samples_leaf=100,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        random_state=RANDOM_STATE,
    )


def _training_matrix(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Return the feature matrix; columns without any value become 0 (scikit-learn rejects them)."""
    matrix = rows[list(columns)].astype(float)
    empty = [c for c in columns if matrix[c].isna().all()]
    if empty:
        matrix = matrix.copy()
        matrix[empty] = 0.0
    return matrix


def fit_game_model(game_rows: pd.DataFrame) -> Any:
    """Return the game model fitted on played games; raise ValueError when there are too few."""
    played = game_rows[game_rows["home_win"].notna()]
    if len(played) < 50 or played["home_win"].nunique() < 2:
        raise ValueError(f"too few played games to train the game model ({len(played)})")
    model = make_game_model()
    # each game whose absence lists are known is learnt twice: with them and without
    # (availability.with_blind_copies), so predictions without a report lose nothing
    played = availability.with_blind_copies(played)
    model.fit(_training_matrix(played, GAME_FEATURES), played["home_win"].astype(int))
    return model


def _player_training_set(
    player_rows: pd.DataFrame, stat: str
) -> tuple[pd.DataFrame, pd.Series, str]:
    """Return the feature matrix, target and baseline column of the played player-games for
    ``stat``; raise ValueError when there are too few."""
    played = player_rows[player_rows[stat].notna()]
    if len(played) < 500:
        raise ValueError(f"too few player-games to train the {stat} model ({len(played)})")
    return (
        _training_matrix(played, PLAYER_FEATURES),
        played[stat].astype(float),
        BASELINE.format(stat=stat),
    )


# the player models' robust linear part (estimators.BaselineResidualRegressor): its share of
# the residual and the training rows it is fitted on. Chosen on 2018-19: MAE / last-10 of
# points, assists, rebounds 0.9691 / 0.9521 / 0.9634 without it, 0.9657 / 0.9517 / 0.9610 with
# a fifth (a tenth to two fifths, 10,000 or 20,000 rows and three draws of them all gained).
PLAYER_LINEAR_WEIGHT = 0.2
PLAYER_LINEAR_ROWS = 10000


def make_player_linear_model() -> Any:
    """Return the unfitted robust linear model of the player models' residual (Huber loss on
    imputed, standardised features)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import HuberRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("huber", HuberRegressor(epsilon=1.1, alpha=1e-4, max_iter=1000)),
        ]
    )


def _player_model(baseline: str, linear_weight: float = PLAYER_LINEAR_WEIGHT) -> Any:
    from nba_ml.modeling.estimators import BaselineResidualRegressor

    return BaselineResidualRegressor(
        make_player_model(),
        baseline,
        linear=make_player_linear_model(),
        linear_weight=linear_weight,
        linear_rows=PLAYER_LINEAR_ROWS,
        random_state=RANDOM_STATE,
    )


def fit_player_model(player_rows: pd.DataFrame, stat: str) -> Any:
    """Return a player model for ``stat`` fitted on played player-games."""
    matrix, target, baseline = _player_training_set(player_rows, stat)
    return _player_model(baseline).fit(matrix, target)


def fit_all(game_rows: pd.DataFrame, player_rows: pd.DataFrame) -> dict[str, Any]:
    """Return the four fitted models keyed by model name."""
    return fit_sets([(game_rows, player_rows)])[0]


@dataclasses.dataclass
class _PlayerInput:
    """The played player-games of one training set for the stats played in the same rows (all
    three, in game logs), as a fitting worker receives it: once, however many models it fits.
    ``holdout``: rows the fitted models also predict (the evaluation's), or None."""

    matrix: pd.DataFrame
    targets: dict[str, pd.Series]
    holdout: pd.DataFrame | None = None
    # binnings of ``matrix`` lent between the fits of this process (estimators.reusing_bins)
    bins: dict[Any, Any] = dataclasses.field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "bins": {}}


def _player_inputs(player_rows: pd.DataFrame, holdout: pd.DataFrame | None) -> list[_PlayerInput]:
    """Return the inputs of one set's player models: one per distinct set of played rows;
    raise ValueError when a stat has too few."""
    groups: dict[bytes, list[str]] = {}
    for stat in PLAYER_MODELS.values():
        played = player_rows[stat].notna().to_numpy()
        if played.sum() < 500:
            raise ValueError(
                f"too few player-games to train the {stat} model ({int(played.sum())})"
            )
        groups.setdefault(played.tobytes(), []).append(stat)
    inputs = []
    for stats in groups.values():
        matrix, _, _ = _player_training_set(player_rows, stats[0])
        rows = player_rows.loc[player_rows[stats[0]].notna()]
        inputs.append(
            _PlayerInput(
                matrix,
                {stat: rows[stat].astype(float) for stat in stats},
                None if holdout is None else holdout[list(PLAYER_FEATURES)],
            )
        )
    return inputs


def _fit_player_task(data: _PlayerInput, stat: str) -> tuple[Any, np.ndarray | None]:
    """Fit one player model single-threaded (in a worker process) and return it with its
    predictions of ``data.holdout``."""
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        model = _player_model(BASELINE.format(stat=stat)).fit(
            data.matrix, data.targets[stat], bins=data.bins
        )
        predicted = None if data.holdout is None else predict_stat(model, data.holdout)
    return model, predicted


def _worker_init(parent: int) -> None:
    """Make a fitting worker die with the training that started it (kill -9 included), then
    import what fitting needs while the parent still prepares the data."""
    import ctypes
    import os
    import signal

    # one thread per worker: read by OpenMP/BLAS when they load, i.e. before any task runs
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):  # not Linux: workers still exit when the pipe closes
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    import pandas  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import threadpoolctl  # noqa: F401

    import nba_ml.modeling.estimators  # noqa: F401


@contextlib.contextmanager
def fitting_pool(jobs: int | None = None, fits: int = 2 * len(PLAYER_MODELS)) -> Iterator[Any]:
    """Start the worker processes of ``fits`` player-model fits now and yield the pool (None
    when they will run in this process: one job): their start-up (an interpreter importing
    scikit-learn, a second or two) overlaps whatever comes before the fits. ``jobs``: default
    one per core; never more than ``fits`` (``--jobs 64`` for 6 fits started 64 workers)."""
    import os

    from nba_ml.modeling.workers import Pool

    jobs = min(jobs or os.cpu_count() or 1, fits)
    if jobs <= 1:
        yield None
        return
    with Pool(jobs, initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        yield pool


def fit_sets(
    sets: list[tuple[pd.DataFrame, pd.DataFrame]], jobs: int | None = None
) -> list[dict[str, Any]]:
    """Return, for each (game rows, player rows) pair, the four fitted models (see
    :func:`fit_and_predict`)."""
    return fit_and_predict(sets, None, jobs)[0]


def fit_and_predict(
    sets: Sequence[tuple[pd.DataFrame | None, pd.DataFrame]],
    holdout: pd.DataFrame | None,
    jobs: int | None = None,
    pool: Any = None,
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Return, for each (game rows, player rows) pair, the four fitted models, and the first
    set's player models' predictions of the player rows ``holdout`` (by model name; empty when
    ``holdout`` is None). A set whose game rows are None gets its three player models only
    (the report's refit).

    The player models are fitted in worker processes (``pool`` from :func:`fitting_pool`, else
    one started here with ``jobs``; none with one job), each single-threaded: processes use
    both cores without the thread barriers that stall OpenMP for seconds when the machine is
    busy (a web server beside a nightly training). A worker receives a set's rows once and
    fits that set's models first; their binning is done once per set (same trees). The game
    models are fitted here meanwhile. Workers die with their parent. Raises ValueError when a
    set is too small, WorkerFailed (exit 1) when a worker dies or a fit raises.
    """
    from nba_ml import progress
    from nba_ml.modeling.workers import WorkerFailed

    step = "fitting the player models"
    inputs: list[_PlayerInput] = []
    tasks: list[tuple[int, str]] = []
    owner: list[int] = []  # set index of each task
    for number, (_, player_rows) in enumerate(sets):
        for data in _player_inputs(player_rows, holdout if number == 0 else None):
            for stat in data.targets:
                tasks.append((len(inputs), stat))
                owner.append(number)
            inputs.append(data)
    game_models: list[Any] = []

    def fit_game_models() -> None:
        game_models.extend(
            None if game_rows is None else fit_game_model(game_rows) for game_rows, _ in sets
        )

    progress.report(step, 0, len(tasks))
    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(fitting_pool(jobs, len(tasks)))
        if pool is not None:
            try:
                fitted = pool.run(
                    _fit_player_task,
                    tasks,
                    shared=inputs,
                    on_done=lambda done, total: progress.report(step, done, total),
                    meanwhile=fit_game_models,
                )
            except WorkerFailed as error:
                raise WorkerFailed(
                    f"fitting the player models failed: {error}; current models kept"
                ) from None
        else:
            fit_game_models()
            fitted = []
            for index, stat in tasks:
                fitted.append(_fit_player_task(inputs[index], stat))
                progress.report(step, len(fitted), len(tasks))
    names = {stat: name for name, stat in PLAYER_MODELS.items()}
    results: list[dict[str, Any]] = [
        {} if model is None else {GAME_MODEL: model} for model in game_models
    ]
    predictions: dict[str, np.ndarray] = {}
    for (_, stat), number, (model, predicted) in zip(tasks, owner, fitted, strict=True):
        results[number][names[stat]] = model
        if predicted is not None:
            predictions[names[stat]] = predicted
    return [
        {name: models[name] for name in (GAME_MODEL, *PLAYER_MODELS) if name in models}
        for models in results
    ], predictions


SMALL_BATCH = 5000  # rows; below this, threads cost more than they save


def _single_threaded_if_small(rows: int) -> Any:
    """Return a context limiting OpenMP/BLAS to one thread for small batches.

    Gradient boosting predicts tree by tree, each in an OpenMP parallel region; for a few
    hundred rows the threads' start-up dominates, and on a busy machine spinning threads make
    a 10 ms prediction take seconds.
    """
    import contextlib

    global _CONTROLLER
    if rows >= SMALL_BATCH:
        return contextlib.nullcontext()
    if _CONTROLLER is None:  # scanning the loaded libraries costs ~10 ms: do it once
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1)


_CONTROLLER: Any = None


def _inputs(model: Any, default: tuple[str, ...]) -> list[str]:
    """Return the columns ``model`` was fitted on (``default`` if it does not say): a set
    trained by an earlier release keeps working until the next training replaces it, since the
    feature tables still carry its columns."""
    names = getattr(model, "feature_names_in_", None)
    return [str(name) for name in names] if names is not None else list(default)


def predict_home_win(model: Any, game_rows: pd.DataFrame) -> np.ndarray:
    """Return home-win probabilities for feature rows from ``features.game_features``."""
    with _single_threaded_if_small(len(game_rows)):
        return model.predict_proba(game_rows[_inputs(model, GAME_FEATURES)].astype(float))[:, 1]


def predict_stat(model: Any, player_rows: pd.DataFrame) -> np.ndarray:
    """Return predicted stats (never negative) for rows from ``features.player_features``."""
    import numpy as np

    with _single_threaded_if_small(len(player_rows)):
        predicted = model.predict(player_rows[_inputs(model, PLAYER_FEATURES)].astype(float))
    return np.maximum(predicted, 0.0)
