"""nba-ml: keep four NBA prediction models trained and fresh."""

__version__ = "0.1.0"

MODEL_NAMES: tuple[str, ...] = ("game_outcome", "points", "assists", "rebounds")
MODEL_FILES: dict[str, str] = {
    "game_outcome": "game_outcome_model.pkl",
    "points": "points_prediction_model.pkl",
    "assists": "assists_prediction_model.pkl",
    "rebounds": "rebounds_prediction_model.pkl",
}
