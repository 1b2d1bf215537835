"""Fitting and prediction for every model of the registry (:mod:`nba_ml.modelset`): each spec
names its estimator factory and its features (``ModelSpec.estimator``/``features``, resolved by
:func:`estimator_for` and :func:`features_of`); the estimators themselves are defined in
:mod:`nba_ml.modeling.model_factories`.

Each saved model is a scikit-learn estimator fitted on a DataFrame with named columns, and
``feature_names_in_`` says its input: the game model a plain scikit-learn pipeline, the player
models gradient boosting and a robust linear fit wrapped in
``estimators.BaselineResidualRegressor`` (so loading them needs nba-ml importable). Game-level
models are fitted in this process, player-level ones in worker processes. Build the input with
``nba_ml.serving.predictor`` (the same feature code that training used). Holdout figures are in
``nba_ml.modeling.evaluation``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from nba_ml import modelset
from nba_ml.modeling import availability
from nba_ml.modeling.model_factories import BASELINE, RANDOM_STATE, make_residual_player_model
from nba_ml.modeling.player_table import PLAYER_FEATURES
from nba_ml.modelset import Level, ModelSpec, Task

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

# the reported quantiles of every distribution (issue #22) and their column names (q05 ... q95)
QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
QUANTILE_COLUMNS: tuple[str, ...] = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)


def resolve(reference: str) -> Any:
    """Return the object a spec's "module:attribute" reference names."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def features_of(spec: ModelSpec) -> tuple[str, ...]:
    """Return the feature columns ``spec`` is fitted on."""
    return tuple(resolve(spec.features))


def estimator_for(spec: ModelSpec) -> Any:
    """Return an unfitted estimator of ``spec`` (its factory, called with the spec)."""
    return resolve(spec.estimator)(spec)


def game_specs() -> tuple[ModelSpec, ...]:
    """The registered game-level models, in order."""
    return modelset.of_level(Level.GAME)


def player_specs() -> tuple[ModelSpec, ...]:
    """The registered player-level models, in order."""
    return modelset.of_level(Level.PLAYER)


def outcome_spec() -> ModelSpec:
    """The game-outcome model: the first game-level classifier (home-win probability)."""
    return next(spec for spec in game_specs() if spec.task is Task.CLASSIFIER)


def training_matrix(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Return the feature matrix; columns without any value become 0 (scikit-learn rejects them)."""
    matrix = rows[list(columns)].astype(float)
    empty = [c for c in columns if matrix[c].isna().all()]
    if empty:
        matrix = matrix.copy()
        matrix[empty] = 0.0
    return matrix


def fit_game(spec: ModelSpec, game_rows: pd.DataFrame) -> Any:
    """Return the game-level model ``spec`` fitted on the games with its target known; raise
    ValueError when there are too few. A model whose features include the known-list terms
    (``availability.KNOWN_DIFFS``) learns each game whose absence lists are known twice, with
    them and without (``availability.with_blind_copies``), so predictions without a report
    lose nothing."""
    played = game_rows[game_rows[spec.target].notna()]
    classifier = spec.task is Task.CLASSIFIER
    if len(played) < 50 or (classifier and played[spec.target].nunique() < 2):
        raise ValueError(f"too few played games to train the {spec.subject} model ({len(played)})")
    columns = features_of(spec)
    if availability.learns_both_regimes(columns):
        played = availability.with_blind_copies(played)
    model = estimator_for(spec)
    model.fit(
        training_matrix(played, columns),
        played[spec.target].astype(int if classifier else float),
    )
    return model


def fit_game_model(game_rows: pd.DataFrame) -> Any:
    """Return the game-outcome model fitted on played games (see :func:`fit_game`)."""
    return fit_game(outcome_spec(), game_rows)


def _player_training_set(
    player_rows: pd.DataFrame, stat: str, columns: tuple[str, ...] | None = None
) -> tuple[pd.DataFrame, pd.Series, str]:
    """Return the feature matrix (``columns``: default the player features), target and
    baseline column of the played player-games for ``stat``; raise ValueError when there are
    too few."""
    played = player_rows[player_rows[stat].notna()]
    if len(played) < 500:
        raise ValueError(f"too few player-games to train the {stat} model ({len(played)})")
    return (
        training_matrix(played, PLAYER_FEATURES if columns is None else columns),
        played[stat].astype(float),
        BASELINE.format(stat=stat),
    )


def fit_player_model(player_rows: pd.DataFrame, stat: str) -> Any:
    """Return a player model for ``stat`` fitted on played player-games, with its predictive
    distribution (``distribution_``)."""
    matrix, target, baseline = _player_training_set(player_rows, stat)
    spec = next((spec for spec in player_specs() if spec.target == stat), None)
    if spec is None:
        return make_residual_player_model(baseline).fit(matrix, target)
    model = estimator_for(spec).fit(matrix, target)
    return with_distribution(spec, model, matrix, target)


def with_distribution(spec: ModelSpec, model: Any, matrix: pd.DataFrame, target: Any) -> Any:
    """Attach ``spec``'s predictive distribution (``ModelSpec.distribution``), fitted on the
    training rows, to its fitted ``model`` as ``distribution_``, and return the model."""
    if spec.distribution is not None and spec.distribution.fit:
        model.distribution_ = resolve(spec.distribution.fit)(model, matrix, target, RANDOM_STATE)
    return model


def fit_all(game_rows: pd.DataFrame, player_rows: pd.DataFrame) -> dict[str, Any]:
    """Return every registered model fitted, keyed by model name."""
    return fit_sets([(game_rows, player_rows)])[0]


@dataclasses.dataclass
class _PlayerInput:
    """The played player-games of one training set for the player models whose targets are
    played in the same rows and which share features (all three built-in ones, in game logs),
    as a fitting worker receives it: once, however many models it fits. ``targets``: by model
    name. ``holdout``: rows the fitted models also predict (the evaluation's), or None."""

    matrix: pd.DataFrame
    targets: dict[str, pd.Series]
    holdout: pd.DataFrame | None = None
    # binnings of ``matrix`` lent between the fits of this process (estimators.reusing_bins)
    bins: dict[Any, Any] = dataclasses.field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "bins": {}}


def _player_inputs(player_rows: pd.DataFrame, holdout: pd.DataFrame | None) -> list[_PlayerInput]:
    """Return the inputs of one set's player models: one per distinct set of played rows and
    features; raise ValueError when a target has too few."""
    groups: dict[tuple[bytes, tuple[str, ...]], list[ModelSpec]] = {}
    for spec in player_specs():
        played = player_rows[spec.target].notna().to_numpy()
        if played.sum() < 500:
            raise ValueError(
                f"too few player-games to train the {spec.target} model ({int(played.sum())})"
            )
        groups.setdefault((played.tobytes(), features_of(spec)), []).append(spec)
    inputs = []
    for (_, columns), specs in groups.items():
        matrix, _, _ = _player_training_set(player_rows, specs[0].target, columns)
        rows = player_rows.loc[player_rows[specs[0].target].notna()]
        inputs.append(
            _PlayerInput(
                matrix,
                {spec.name: rows[spec.target].astype(float) for spec in specs},
                None if holdout is None else holdout[list(columns)],
            )
        )
    return inputs


def _fit_player_task(data: _PlayerInput, spec: ModelSpec) -> tuple[Any, np.ndarray | None]:
    """Fit one player model single-threaded (in a worker process) and return it with its
    predictions of ``data.holdout``."""
    import sklearn.ensemble  # noqa: F401 - load OpenMP first: threadpoolctl limits loaded libs
    from threadpoolctl import threadpool_limits

    from nba_ml.modeling.estimators import BaselineResidualRegressor, KnownListRegressor

    with threadpool_limits(limits=1):
        model = estimator_for(spec)
        if isinstance(model, (BaselineResidualRegressor, KnownListRegressor)):  # shared bins
            model.fit(data.matrix, data.targets[spec.name], bins=data.bins)
        else:
            model.fit(data.matrix, data.targets[spec.name])
        with_distribution(spec, model, data.matrix, data.targets[spec.name])
        predicted = None if data.holdout is None else predict(spec, model, data.holdout)
    return model, predicted


def _worker_init(parent: int) -> None:
    """Make a fitting worker die with the training that started it (kill -9 included), then
    import what fitting needs while the parent still prepares the data."""
    import os
    import signal

    from nba_ml import compat

    # one thread per worker: read by OpenMP/BLAS when they load, i.e. before any task runs
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"

    compat.die_with_parent(signal.SIGKILL)  # not Linux: workers still exit when the pipe closes
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    import pandas  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import threadpoolctl  # noqa: F401

    import nba_ml.modeling.estimators  # noqa: F401


@contextlib.contextmanager
def fitting_pool(jobs: int | None = None, fits: int | None = None) -> Iterator[Any]:
    """Start the worker processes of ``fits`` player-model fits now and yield the pool (None
    when they will run in this process: one job): their start-up (an interpreter importing
    scikit-learn, a second or two) overlaps whatever comes before the fits. ``jobs``: default
    one per core; never more than ``fits`` (default two per player model: an evaluation fit and
    a deployed one; ``--jobs 64`` for 6 fits started 64 workers)."""
    import os

    from nba_ml.modeling.workers import Pool

    jobs = min(jobs or os.cpu_count() or 1, 2 * len(player_specs()) if fits is None else fits)
    if jobs <= 1:
        yield None
        return
    with Pool(jobs, initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        yield pool


def fit_sets(
    sets: list[tuple[pd.DataFrame, pd.DataFrame]], jobs: int | None = None
) -> list[dict[str, Any]]:
    """Return, for each (game rows, player rows) pair, every registered model fitted (see
    :func:`fit_and_predict`)."""
    return fit_and_predict(sets, None, jobs)[0]


def fit_and_predict(
    sets: Sequence[tuple[pd.DataFrame | None, pd.DataFrame]],
    holdout: pd.DataFrame | None,
    jobs: int | None = None,
    pool: Any = None,
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Return, for each (game rows, player rows) pair, every registered model fitted, and the
    first set's player models' predictions of the player rows ``holdout`` (by model name; empty
    when ``holdout`` is None). A set whose game rows are None gets its player models only (the
    report's refit).

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
    inputs, tasks, owner = _player_tasks(sets, holdout)
    game_models: list[dict[str, Any]] = []

    def fit_game_models() -> None:
        game_models.extend(
            {}
            if game_rows is None
            else {spec.name: fit_game(spec, game_rows) for spec in game_specs()}
            for game_rows, _ in sets
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
            for index, spec in tasks:
                fitted.append(_fit_player_task(inputs[index], spec))
                progress.report(step, len(fitted), len(tasks))
    results: list[dict[str, Any]] = [dict(models) for models in game_models]
    predictions: dict[str, np.ndarray] = {}
    for (_, spec), number, (model, predicted) in zip(tasks, owner, fitted, strict=True):
        results[number][spec.name] = model
        if predicted is not None:
            predictions[spec.name] = predicted
    return [
        {name: models[name] for name in modelset.names() if name in models} for models in results
    ], predictions


def _player_tasks(
    sets: Sequence[tuple[pd.DataFrame | None, pd.DataFrame]], holdout: pd.DataFrame | None
) -> tuple[list[_PlayerInput], list[tuple[int, ModelSpec]], list[int]]:
    """Return the player rows each worker receives (``holdout`` goes with the first set's),
    the fitting tasks (index into those inputs, model spec) and the set index of each task."""
    specs = {spec.name: spec for spec in player_specs()}
    inputs: list[_PlayerInput] = []
    tasks: list[tuple[int, ModelSpec]] = []
    owner: list[int] = []
    for number, (_, player_rows) in enumerate(sets):
        for data in _player_inputs(player_rows, holdout if number == 0 else None):
            for name in data.targets:
                tasks.append((len(inputs), specs[name]))
                owner.append(number)
            inputs.append(data)
    return inputs, tasks, owner


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


def predict(spec: ModelSpec, model: Any, rows: pd.DataFrame) -> np.ndarray:
    """Return the predictions of ``model`` (fitted for ``spec``) for feature rows of its level:
    a classifier's probability of the positive class, a regressor's value (never negative for
    a ``nonnegative`` spec)."""
    import numpy as np

    matrix = rows[_inputs(model, features_of(spec))].astype(float)
    with _single_threaded_if_small(len(rows)):
        if spec.task is Task.CLASSIFIER:
            return model.predict_proba(matrix)[:, 1]
        predicted = model.predict(matrix)
    return np.maximum(predicted, 0.0) if spec.nonnegative else predicted


def predict_home_win(model: Any, game_rows: pd.DataFrame) -> np.ndarray:
    """Return home-win probabilities for feature rows from ``features.game_features``."""
    return predict(outcome_spec(), model, game_rows)


def predict_game_quantiles(
    model: Any, game_rows: pd.DataFrame, levels: tuple[float, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the margin or total model's means and quantiles (``distributions.QUANTILES``
    unless ``levels``) for game rows."""
    rows = game_rows[_inputs(model, ())].astype(float)
    mean = model.predict(rows)
    return mean, model.quantiles_at(mean, levels or QUANTILES)


def has_distribution(model: Any) -> bool:
    """Return whether a player model carries a predictive distribution (sets trained before
    issue #22 do not)."""
    return getattr(model, "distribution_", None) is not None


def predict_stat_cdf(model: Any, player_rows: pd.DataFrame, stat: str) -> np.ndarray:
    """Return P(stat <= k), k = 0 .. ``distributions.STAT_CEILING[stat]``, per row of
    ``player_rows`` (one column per count); raise ValueError when the model has no
    distribution (:func:`has_distribution`)."""
    from nba_ml.modeling.distributions import STAT_CEILING

    if not has_distribution(model):
        raise ValueError("this model set has no predictive distributions: retrain to add them")
    rows = player_rows[_inputs(model, PLAYER_FEATURES)].astype(float)
    center = predict_stat(model, player_rows)
    with _single_threaded_if_small(len(player_rows)):
        return model.distribution_.cdf(rows, center, STAT_CEILING[stat])


def predict_stat(model: Any, player_rows: pd.DataFrame) -> np.ndarray:
    """Return predicted stats (never negative) for rows from ``features.player_features``."""
    import numpy as np

    with _single_threaded_if_small(len(player_rows)):
        predicted = model.predict(player_rows[_inputs(model, PLAYER_FEATURES)].astype(float))
    return np.maximum(predicted, 0.0)
