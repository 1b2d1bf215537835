"""nba-ml: keep four NBA prediction models trained and fresh."""

__version__ = "0.1.0"

MODEL_NAMES: tuple[str, ...] = ("game_outcome", "points", "assists", "rebounds")
# The model files of a set: skops files (nba_ml.state.modelfile), never pickles.
MODEL_FILES: dict[str, str] = {
    "game_outcome": "game_outcome_model.skops",
    "points": "points_prediction_model.skops",
    "assists": "assists_prediction_model.skops",
    "rebounds": "rebounds_prediction_model.skops",
}
