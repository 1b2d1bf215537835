"""Serving the installed model set: what a web server (``nba_ml.web``, ``examples/``, your own)
imports. Only the names in ``__all__`` are public; the modules behind them may change.

- :func:`load_predictor` (one-shot) and :class:`LivePredictor` (a long-running server that follows
  each newly installed set) return a :class:`Predictor`, whose ``predict_games`` /
  ``predict_players`` return :class:`GamePrediction` / :class:`PlayerPrediction` objects (their
  ``as_dict()`` is the JSON form ``--json`` and the web API answer).
- :func:`day_slate` / :func:`predict_slate`: a day's slate (:class:`Slate` of :class:`GameLine` and
  :class:`PlayerLine`), as ``nba-ml predict today`` and ``/v1/today`` answer; :class:`NoSchedule`
  when the day's schedule is not cached.
- The HTTP answers, kept out of any web framework: :func:`games_answer`, :func:`players_answer`,
  :func:`today_answer`, :func:`health_answer`, and :func:`error_status`,
  :func:`error_headers`, :func:`health_headers`, :func:`public_text` to map errors.

Each name is imported on first use (PEP 562), so ``import nba_ml.serving`` costs nothing.
"""

# No import at all (see nba_ml/__init__.py); type checkers read TYPE_CHECKING as true.
TYPE_CHECKING = False

# public name -> the module that defines it (imported when the name is first used)
_LAZY: dict[str, str] = {
    "GameLine": "nba_ml.serving.slate",
    "GamePrediction": "nba_ml.serving.predictions",
    "LivePredictor": "nba_ml.serving.live",
    "NoSchedule": "nba_ml.serving.slate",
    "PlayerLine": "nba_ml.serving.slate",
    "PlayerPrediction": "nba_ml.serving.predictions",
    "Predictor": "nba_ml.serving.predictor",
    "Provenance": "nba_ml.serving.provenance",
    "Schedule": "nba_ml.serving.slate",
    "ServingInfo": "nba_ml.serving.live",
    "Slate": "nba_ml.serving.slate",
    "day_slate": "nba_ml.serving.slate",
    "error_headers": "nba_ml.serving.api",
    "error_status": "nba_ml.serving.api",
    "games_answer": "nba_ml.serving.api",
    "health_answer": "nba_ml.serving.api",
    "health_headers": "nba_ml.serving.api",
    "load_predictor": "nba_ml.serving.predictor",
    "players_answer": "nba_ml.serving.api",
    "predict_slate": "nba_ml.serving.slate",
    "public_text": "nba_ml.serving.api",
    "today_answer": "nba_ml.serving.api",
}

__all__ = [
    "GameLine",
    "GamePrediction",
    "LivePredictor",
    "NoSchedule",
    "PlayerLine",
    "PlayerPrediction",
    "Predictor",
    "Provenance",
    "Schedule",
    "ServingInfo",
    "Slate",
    "day_slate",
    "error_headers",
    "error_status",
    "games_answer",
    "health_answer",
    "health_headers",
    "load_predictor",
    "players_answer",
    "predict_slate",
    "public_text",
    "today_answer",
]

if TYPE_CHECKING:  # what a type checker sees; at run time __getattr__ imports on first use
    from nba_ml.serving.api import (
        error_headers,
        error_status,
        games_answer,
        health_answer,
        health_headers,
        players_answer,
        public_text,
        today_answer,
    )
    from nba_ml.serving.live import LivePredictor, ServingInfo
    from nba_ml.serving.predictions import GamePrediction, PlayerPrediction
    from nba_ml.serving.predictor import Predictor, load_predictor
    from nba_ml.serving.provenance import Provenance
    from nba_ml.serving.slate import (
        GameLine,
        NoSchedule,
        PlayerLine,
        Schedule,
        Slate,
        day_slate,
        predict_slate,
    )


if not TYPE_CHECKING:  # hidden from type checkers, so that a misspelt name is an error there

    def __getattr__(name: str) -> object:
        """Import a public name on first use (PEP 562)."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later uses skip this function
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *_LAZY])
