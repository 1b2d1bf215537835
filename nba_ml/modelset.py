"""The model set: what each model is (:class:`ModelSpec`) and the registry of them
(:func:`models`, in order: the built-in four first).

Every layer above reads these attributes and iterates the registry: verification (state.store),
the metrics file, status, check, the report, the promotion gate, training, the backtest, the
predictor and the API. A model's name is written here and nowhere else. What an installed set
records about its models is :mod:`nba_ml.manifest`.

**Adding a model** (docs/architecture.md lists the steps): append a :class:`ModelSpec` to
``_BUILT_IN`` with ``required=False`` and the nba-ml version that adds it in ``since``, and give it
its estimator and features (``estimator``/``features``: where modeling/ finds them). A set
installed before that model existed does not list it: it is still valid and served, and
verification says in one line what it *lacks* (:func:`lacking_line`) until the next training
adds it. A model the manifest lists but whose file is missing or altered makes the set invalid,
as for the required four.

This module imports nothing but the standard library: ``import nba_ml`` and the ``check`` fast
path read it without pandas or scikit-learn.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping

from nba_ml.records import record

TYPE_CHECKING = False  # typing is not imported at run time: `check` and `ensure` start faster
if TYPE_CHECKING:
    from typing import Any


class Level(str, enum.Enum):
    """What one prediction is about: a game (home vs away) or a player in a game."""

    GAME = "game"
    PLAYER = "player"


class Task(str, enum.Enum):
    """What the estimator returns: a probability (classifier) or a number (regressor)."""

    CLASSIFIER = "classifier"
    REGRESSOR = "regressor"


@record(frozen=True)
class Figure:
    """One holdout figure a model reports: its key in the training record's ``metrics``, the
    short name the backtest prints (``last10``), a label, the format it is shown with, and
    (for a model's headline figure) the help text of its metric family in the metrics file,
    ``nba_ml_holdout_<key>``."""

    key: str
    short: str
    label: str
    format: str = "{:.3f}"
    metric_help: str = ""

    def text(self, value: object) -> str:
        """Return ``value`` in this figure's format ("–" when it is not a finite number)."""
        number = finite(value)
        return "–" if number is None else self.format.format(number)


@record(frozen=True)
class Promotion:
    """How the promotion gate judges a model, on its ``figure`` (lower is better).

    A new set is kept out when the figure is worse than the current set's on the same games by
    more than ``tolerance`` (absolute, or a fraction of the current figure when ``relative``).
    The floor: the new set's ``floor_figure`` must be at most ``floor`` (a missing figure counts
    as ``missing``); ``floor_text`` words a miss (fields: ``value``, ``floor``, ``name``)."""

    figure: str
    tolerance: float
    relative: bool
    floor_figure: str
    floor: float
    missing: float
    floor_text: str

    def tolerance_text(self) -> str:
        return f"{self.tolerance:.0%}" if self.relative else f"{self.tolerance}"


@record(frozen=True)
class Distribution:
    """A model's predictive distribution (issue #22): the whole range of outcomes around its
    prediction, from which quantiles and the probability of any line come.

    ``fit``: "module:attribute" of the function modeling/ calls after fitting the model,
    ``fit(model, matrix, target, random_state)``, whose result the model carries as
    ``distribution_`` (None for a margin/total estimator that is its own distribution);
    ``figures``: what the holdout reports of it (CRPS, interval coverage), shown after the
    model's own; ``tolerance``: the promotion gate keeps a new set out when its CRPS is worse
    than the current set's by more than this fraction (compared only when both sets carry
    distributions: a set trained before them has none)."""

    fit: str | None
    figures: tuple[Figure, ...]
    tolerance: float = 0.02
    # its part of the model's ``status`` line, appended when the figures carry it
    summary: str = (
        "CRPS {crps:.3f}, coverage 50/80/90 %: {coverage_50:.1%} / {coverage_80:.1%} / "
        "{coverage_90:.1%}"
    )


@record(frozen=True)
class ModelSpec:
    """One model of the set.

    ``name``: the key everywhere (manifest, metrics label, JSON answers); ``file``: its skops
    file in a generation; ``level``/``task``: what it predicts and how; ``target``: the data
    column it learns (``home_win``, ``pts``); ``subject``: how messages name it ("game" in
    "game Brier 0.2130", "points" in "points MAE 5.100"); ``headline``: the one figure the
    metrics file, the run charts and the gate follow; ``figures``: every figure it reports, in
    the backtest's order; ``summary``: its line in ``status`` (a format over the figures' keys);
    ``brief``/``brief_group``: its part of the ``train`` line (consecutive models of one group
    share the group's word: "MAE points 5.10 / assists 1.20"); ``title``: the title of its
    headline figure's chart in the report, "<model>: <figure>" (default from the name and the
    headline's label); ``baseline``: the figure of the
    naive baseline it is measured against, if any; ``promotion``: the gate's rule;
    ``estimator``/``features``: "module:attribute" references modeling/ resolves: a function
    of the spec returning an unfitted scikit-learn estimator, and the tuple of feature columns
    (of the game rows for a game-level model, the player rows for a player-level one) it is
    fitted on; ``output``/``digits``: the column (and JSON key) of its prediction in the
    predictor's answers, rounded to ``digits``; ``nonnegative``: predictions below 0 become 0
    (a count); ``required``: False for a model added after sets were installed without it
    (``since``: the nba-ml version that added it); ``width``: the columns its value (one
    decimal) takes in ``predict today``'s aligned player lines; ``distribution``: its
    predictive distribution, if it carries one (:class:`Distribution`).
    """

    name: str
    file: str
    level: Level
    task: Task
    target: str
    subject: str
    headline: Figure
    figures: tuple[Figure, ...]
    summary: str
    brief: str
    promotion: Promotion
    estimator: str
    features: str
    output: str
    digits: int
    nonnegative: bool = False
    brief_group: str = ""
    title: str = ""
    baseline: str | None = None
    required: bool = True
    since: str | None = None
    width: int = 4
    distribution: Distribution | None = None

    def figure(self, key: str) -> Figure:
        """Return the figure named ``key`` (its own or its distribution's); raise KeyError."""
        for figure in self.all_figures():
            if figure.key == key:
                return figure
        raise KeyError(f"{self.name} reports no figure {key!r}")

    def all_figures(self) -> tuple[Figure, ...]:
        """Return its figures, then its distribution's (CRPS, coverage) when it carries one."""
        return self.figures + (self.distribution.figures if self.distribution else ())

    def summary_text(self, metrics: Mapping[str, Any] | None) -> str:
        """Return the ``status`` line of these holdout ``metrics`` ("-" without any): the
        model's figures, then its distribution's (CRPS, coverage) when they were measured."""
        if not metrics:
            return "-"
        try:
            text = self.summary.format(**metrics)
        except (KeyError, TypeError, ValueError, IndexError):
            return "(figures unreadable)"
        if self.distribution is None or "crps" not in metrics:
            return text  # a set trained before the distributions: its point figures only
        try:
            return f"{text}; {self.distribution.summary.format(**metrics)}"
        except (KeyError, TypeError, ValueError, IndexError):
            return f"{text}; (distribution figures unreadable)"

    def chart_title(self) -> str:
        """Return the report's title of this model's headline chart ("Points: MAE")."""
        return self.title or f"{self.name}: {self.headline.label}"

    def describe(self) -> str:
        """Return the spec as one line (``nba-ml`` has no command for it; tests and docs do)."""
        return f"{self.name}: {self.level.value}-level {self.task.value} of {self.target}"


# the help of the metrics file's MAE family (player stats, the game's margin and total)
_MAE_HELP = "Holdout mean absolute error of each installed regression model (lower is better)."
_MAE_FIGURES = (
    Figure("n", "n", "rows", "{}"),
    Figure("mae", "mae", "MAE", metric_help=_MAE_HELP),
    Figure("mae_last10", "last10", "last-10 avg MAE"),
    Figure("mae_season", "season", "season avg MAE"),
    Figure("mae_ewma", "ewma", "EWMA MAE"),
    Figure("ratio_last10", "ratio", "MAE / last-10 MAE"),
)
# the figures of a predictive distribution: the CRPS (lower is better) and the share of
# outcomes inside its 50 / 80 / 90 % central intervals
DISTRIBUTION_FIGURES: tuple[Figure, ...] = (
    Figure("crps", "crps", "CRPS"),
    Figure("coverage_50", "coverage50", "50 % interval coverage"),
    Figure("coverage_80", "coverage80", "80 % interval coverage"),
    Figure("coverage_90", "coverage90", "90 % interval coverage"),
)
# a player stat's: counts around the point model (modeling.distributions)
_COUNT_DISTRIBUTION = Distribution(
    fit="nba_ml.modeling.distributions:fit_stat_distribution", figures=DISTRIBUTION_FIGURES
)
_PLAYER_PROMOTION = Promotion(
    figure="mae",
    tolerance=0.02,
    relative=True,
    floor_figure="ratio_last10",
    floor=1.0,
    missing=99.0,
    floor_text="{name} MAE is {value:.3f} x the last-10-games average",
)


def _player_spec(name: str, file: str, stat: str, width: int = 4) -> ModelSpec:
    return ModelSpec(
        name=name,
        file=file,
        level=Level.PLAYER,
        task=Task.REGRESSOR,
        target=stat,
        subject=name,
        headline=_MAE_FIGURES[1],
        figures=_MAE_FIGURES,
        summary="MAE {mae:.2f} (last-10 avg {mae_last10:.2f}, x{ratio_last10:.3f})",
        brief=name + " {mae:.2f}",
        brief_group="MAE",
        title=f"{name.capitalize()}: MAE",
        baseline="mae_last10",
        promotion=_PLAYER_PROMOTION,
        estimator="nba_ml.modeling.model_factories:player_estimator",
        features="nba_ml.modeling.player_table:PLAYER_FEATURES",
        output=name,
        digits=2,
        nonnegative=True,
        width=width,
        distribution=_COUNT_DISTRIBUTION,
    )


def _game_distribution(
    name: str,
    target: str,
    subject: str,
    features: str,
    output: str,
    title: str,
    nonnegative: bool = False,
) -> ModelSpec:
    """Return the spec of a game-level predictive distribution (the home margin, the total):
    a ridge regression with a normal spread (``distributions.normal_estimator``), its MAE the
    headline and the gate's figure (2 % relative), its CRPS the distribution's (2 %)."""
    mae = Figure("mae", "mae", "MAE", "{:.3f}", _MAE_HELP)
    return ModelSpec(
        name=name,
        file=f"{name}_model.skops",
        level=Level.GAME,
        task=Task.REGRESSOR,
        target=target,
        subject=subject,
        headline=mae,
        figures=(Figure("n", "n", "games", "{}"), mae),
        summary="MAE {mae:.2f}",
        brief=name + " {mae:.2f}",
        brief_group="MAE",
        title=title,
        promotion=Promotion(
            figure="mae",
            tolerance=0.02,
            relative=True,
            floor_figure="mae",
            floor=math.inf,  # no absolute floor: compared with the current set only
            missing=0.0,
            floor_text="{name} MAE {value:.3f}",
        ),
        estimator="nba_ml.modeling.distributions:normal_estimator",
        features=features,
        output=output,
        digits=1,
        nonnegative=nonnegative,
        required=False,
        since="0.2.0",
        distribution=Distribution(fit=None, figures=DISTRIBUTION_FIGURES),
    )


_BRIER = Figure(
    "brier",
    "brier",
    "Brier",
    "{:.4f}",
    "Holdout Brier score of the installed game-outcome model (lower is better).",
)
_BUILT_IN: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="game_outcome",
        file="game_outcome_model.skops",
        level=Level.GAME,
        task=Task.CLASSIFIER,
        target="home_win",
        subject="game",
        headline=_BRIER,
        figures=(
            Figure("n", "n", "games", "{}"),
            _BRIER,
            Figure("log_loss", "log_loss", "log-loss", "{:.4f}"),
            Figure("accuracy", "accuracy", "accuracy", "{:.3f}"),
        ),
        summary=("Brier {brier:.4f}, log-loss {log_loss:.4f}, accuracy {accuracy:.3f}"),
        brief="game Brier {brier:.4f}",
        title="Game model: Brier score",
        promotion=Promotion(
            figure="brier",
            tolerance=0.005,
            relative=False,
            floor_figure="brier",
            floor=0.25,  # a coin flip
            missing=1.0,
            floor_text="game Brier {value:.4f} is worse than a coin flip ({floor})",
        ),
        estimator="nba_ml.modeling.model_factories:game_estimator",
        features="nba_ml.modeling.features:GAME_FEATURES",
        output="home_win_probability",
        digits=4,
    ),
    _player_spec("points", "points_prediction_model.skops", "pts", width=5),  # 2 digits
    _player_spec("assists", "assists_prediction_model.skops", "ast"),
    _player_spec("rebounds", "rebounds_prediction_model.skops", "reb"),
    # The game's home margin and total as predictive distributions (issue #22), chosen on
    # 2018-19: a ridge regression on the game model's differences (the margin) or the teams'
    # recent scoring (the total), each with a normal spread. Added in 0.2.0: a set trained
    # before lacks them (served without them, saying so) until the next training.
    _game_distribution(
        "margin",
        "home_margin",
        "home margin",
        "nba_ml.modeling.features:GAME_FEATURES",
        "home_margin",
        "Home margin: MAE",
    ),
    _game_distribution(
        "total",
        "total_pts",
        "game total",
        "nba_ml.modeling.features:TOTAL_FEATURES",
        "total_points",
        "Game total: MAE",
        nonnegative=True,
    ),
)

# The built-in set, as the package exports it (nba_ml.MODEL_NAMES, nba_ml.MODEL_FILES).
MODEL_NAMES: tuple[str, ...] = tuple(spec.name for spec in _BUILT_IN)
MODEL_FILES: dict[str, str] = {spec.name: spec.file for spec in _BUILT_IN}

_registry: tuple[ModelSpec, ...] = _BUILT_IN


def game_distributions() -> tuple[ModelSpec, ...]:
    """Return the registered game-level models that are predictive distributions of a number
    (the home margin and the total), in order."""
    return tuple(
        spec
        for spec in of_level(Level.GAME)
        if spec.task is Task.REGRESSOR and spec.distribution is not None
    )


def backtest_models() -> tuple[ModelSpec, ...]:
    """Return the models the backtest predicts, in its rows' order within a day: the
    registry's game models, then its player models."""
    return (*of_level(Level.GAME), *of_level(Level.PLAYER))


def models() -> tuple[ModelSpec, ...]:
    """Return the registered models in their order (the built-in four first)."""
    return _registry


def names() -> tuple[str, ...]:
    """Return the registered models' names in order."""
    return tuple(spec.name for spec in _registry)


def spec(name: str) -> ModelSpec:
    """Return the registered model named ``name``; raise KeyError."""
    for candidate in _registry:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no model named {name!r}")


def of_level(level: Level) -> tuple[ModelSpec, ...]:
    """Return the registered models of one level (game or player), in order."""
    return tuple(spec for spec in _registry if spec.level is level)


def required() -> tuple[ModelSpec, ...]:
    """Return the models every installed set must hold."""
    return tuple(spec for spec in _registry if spec.required)


class _Extension:
    """What one :func:`register` added (a plain class: a dataclass costs ``import nba_ml`` and
    every start of ``check`` its creation, and nothing compares extensions)."""

    def __init__(self, added: tuple[ModelSpec, ...]) -> None:
        self.added = added


def register(*added: ModelSpec) -> _Extension:
    """Append ``added`` to the registry (a model not built in: a plugin, a test's toy model);
    raise ValueError for a name or file already taken. :func:`unregister` undoes it."""
    global _registry
    taken = {spec.name for spec in _registry} | {spec.file for spec in _registry}
    for new in added:
        if new.name in taken or new.file in taken:
            raise ValueError(f"a model named {new.name!r} or filed {new.file!r} exists")
        taken |= {new.name, new.file}
    _registry = (*_registry, *added)
    return _Extension(added)


def unregister(extension: _Extension) -> None:
    """Remove the models one :func:`register` added."""
    global _registry
    _registry = tuple(spec for spec in _registry if spec not in extension.added)


def finite(value: object) -> float | None:
    """Return ``value`` as a float when it is a finite JSON number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int of 400 digits in a damaged record
        return None
    return number if math.isfinite(number) else None


def brief_line(metrics: Mapping[str, Any], specs: tuple[ModelSpec, ...] | None = None) -> str:
    """Return the holdout part of the ``train`` line: "game Brier 0.2130, MAE points 5.10 /
    assists 1.20 / rebounds 2.30" (models without figures in ``metrics`` are left out)."""
    parts: list[str] = []
    group: str | None = None
    for model in specs if specs is not None else _registry:
        figures = metrics.get(model.name)
        if not isinstance(figures, Mapping):
            group = None
            continue
        text = model.brief.format(**figures)
        if model.brief_group and model.brief_group == group:
            parts[-1] += f" / {text}"
        else:
            parts.append(f"{model.brief_group} {text}" if model.brief_group else text)
        group = model.brief_group or None
    return ", ".join(parts)


def lacking_line(lacking: tuple[ModelSpec, ...]) -> str:
    """Return the one line that says which models a valid set lacks ("" when none)."""
    if not lacking:
        return ""
    listed = ", ".join(
        f"{model.name} (new in nba-ml {model.since})" if model.since else model.name
        for model in lacking
    )
    one = len(lacking) == 1
    return (
        f"lacks {listed}: trained before {'it' if one else 'they'} existed; the next "
        f"training adds {'it' if one else 'them'}"
    )
