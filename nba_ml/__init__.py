"""nba-ml: keep four NBA prediction models trained and fresh.

The operator's Python API (see the README's "Python API"): :func:`check`, :func:`train`,
:func:`ensure`, :func:`status` and :func:`next_run` do what the commands of the same names do
and return their typed results; :func:`load_predictor` and :class:`LivePredictor` serve the
installed models; :data:`MODEL_NAMES` and :data:`MODEL_FILES` name the built-in model set
(:mod:`nba_ml.modelset`). Each is imported on first use (PEP 562), so ``import nba_ml`` imports
nothing else.
"""

# No import at all (not even typing: it would double the cost of ``import nba_ml``); type
# checkers read a name TYPE_CHECKING as true.
TYPE_CHECKING = False

__version__ = "0.1.0"

# public name -> the module that defines it (imported when the name is first used)
_LAZY: dict[str, str] = {
    # the built-in model set (names in order, and each one's skops file): nba_ml.modelset
    "MODEL_NAMES": "nba_ml.modelset",
    "MODEL_FILES": "nba_ml.modelset",
    "check": "nba_ml.api",
    "train": "nba_ml.api",
    "ensure": "nba_ml.api",
    "status": "nba_ml.api",
    "next_run": "nba_ml.api",
    "settings": "nba_ml.api",
    "CheckResult": "nba_ml.api",
    "TrainResult": "nba_ml.api",
    "StatusReport": "nba_ml.api",
    "SettingOptions": "nba_ml.api",
    "load_predictor": "nba_ml.serving.predictor",
    "LivePredictor": "nba_ml.serving.live",
}

__all__ = [
    "MODEL_FILES",
    "MODEL_NAMES",
    "CheckResult",
    "LivePredictor",
    "SettingOptions",
    "StatusReport",
    "TrainResult",
    "__version__",
    "check",
    "ensure",
    "load_predictor",
    "next_run",
    "settings",
    "status",
    "train",
]

if TYPE_CHECKING:  # what a type checker sees; at run time __getattr__ imports on first use
    from nba_ml.api import (
        CheckResult,
        SettingOptions,
        StatusReport,
        TrainResult,
        check,
        ensure,
        next_run,
        settings,
        status,
        train,
    )
    from nba_ml.modelset import MODEL_FILES, MODEL_NAMES
    from nba_ml.serving.live import LivePredictor
    from nba_ml.serving.predictor import load_predictor


if not TYPE_CHECKING:  # hidden from type checkers, so that a misspelt name is an error there

    def __getattr__(name: str) -> object:
        """Import a public name of the API on first use (PEP 562)."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'nba_ml' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later uses skip this function
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *_LAZY])
