"""serving.predictions: the predictor's typed answers and their one JSON form, shared by
``nba-ml predict --json``, ``predict today`` and the web API."""

from __future__ import annotations

import dataclasses
import json

import pytest

from nba_ml.serving.predictions import PREDICTED, GamePrediction, PlayerPrediction
from nba_ml.serving.provenance import Provenance

FRESH = Provenance("2019-10-22", "g1", "2019-10-21T09:00:00+00:00", "2019-06-13", 131, False)
STALE = dataclasses.replace(FRESH, stale=True, warning="the data ends 2019-06-13 ...")


def _player(**changes: object) -> PlayerPrediction:
    player = PlayerPrediction(
        2544,
        "LeBron James",
        "LAL",
        "GSW",
        True,
        "2019-10-22",
        {"points": 25.69, "assists": 8.18, "rebounds": 6.48},
        served=FRESH,
    )
    return dataclasses.replace(player, **changes)  # type: ignore[arg-type]


def test_a_game_is_its_fields_then_what_served_it_in_this_order() -> None:
    game = GamePrediction(
        "2019-10-22", "BOS", "PHI", {"home_win_probability": 0.4782}, served=FRESH
    )
    assert list(game.as_dict().items()) == [
        ("game_date", "2019-10-22"),
        ("home", "BOS"),
        ("away", "PHI"),
        ("home_win_probability", 0.4782),
        ("generation", "g1"),
        ("trained_at", "2019-10-21T09:00:00+00:00"),
        ("last_game_date", "2019-06-13"),
        ("days_behind", 131),
        ("stale", False),
        ("availability", {"source": "none", "out": [], "notes": []}),  # who was out (#23)
    ]
    assert game.predicted() == {"home_win_probability": 0.4782}


def test_a_player_has_one_entry_per_stat_in_the_predictors_order() -> None:
    player = _player()
    assert list(player.as_dict()) == [
        "player_id",
        "player_name",
        "team",
        "opponent",
        "is_home",
        "game_date",
        "points",
        "assists",
        "rebounds",
        "generation",
        "trained_at",
        "last_game_date",
        "days_behind",
        "stale",
        "availability",
    ]
    assert player.predicted() == {"points": 25.69, "assists": 8.18, "rebounds": 6.48}
    assert player.stat("assists") == 8.18
    with pytest.raises(KeyError):
        player.stat("steals")


def test_what_was_not_asked_is_null_and_a_stale_answer_carries_its_warning() -> None:
    answer = _player(opponent=None, is_home=None, served=STALE).as_dict()
    assert answer["opponent"] is None and answer["is_home"] is None
    assert answer["stale"] is True and answer["warning"] == STALE.warning
    assert "served" not in answer and "stats" not in answer
    assert json.loads(json.dumps(answer, allow_nan=False)) == answer


def test_predictions_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _player().team = "BOS"  # type: ignore[misc]


def test_a_field_marked_predicted_reaches_both_json_forms_from_its_one_declaration() -> None:
    # how #22 adds a margin: one field, and both as_dict() and predicted() carry it
    @dataclasses.dataclass(frozen=True)
    class WithMargin(GamePrediction):
        home_margin: float = dataclasses.field(default=0.0, metadata=PREDICTED)

    game = WithMargin(
        "2019-10-22", "BOS", "PHI", {"home_win_probability": 0.6}, served=FRESH, home_margin=3.5
    )
    assert game.predicted() == {"home_win_probability": 0.6, "home_margin": 3.5}
    assert list(game.as_dict())[3:6] == ["home_win_probability", "home_margin", "generation"]
