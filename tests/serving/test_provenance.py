"""serving.provenance: every prediction says what served it (generation, trained-at, the data's
last game) and whether its data is stale for the day predicted, not for today."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from nba_ml.data.importer import GameData
from nba_ml.serving import predictor as predictor_module
from nba_ml.serving.provenance import Provenance, provenance, stale_message
from tests.serving.conftest import GENERATION, TRAINED_AT, new_predictor

LAST = dt.date(2021, 5, 16)  # in season on both sides
SET = ("gen-1", "2021-05-17T09:00:00Z")


def test_a_day_soon_after_the_data_is_fresh_whenever_it_is_asked() -> None:
    served = provenance(SET, LAST, LAST + dt.timedelta(days=1), chosen=True)
    assert served == Provenance(
        "2021-05-17", "gen-1", "2021-05-17T09:00:00Z", "2021-05-16", 1, False, None
    )
    assert served.as_dict() == {
        "generation": "gen-1",
        "trained_at": "2021-05-17T09:00:00Z",
        "last_game_date": "2021-05-16",
        "days_behind": 1,
        "stale": False,
    }


def test_a_day_far_after_the_data_is_stale_and_says_what_to_do() -> None:
    day = dt.date(2026, 12, 7)
    chosen = provenance(SET, LAST, day, chosen=True)
    assert chosen.stale and chosen.days_behind == (day - LAST).days
    assert chosen.warning is not None and chosen.warning.startswith(
        f"the data ends 2021-05-16 ({(day - LAST).days} days before 2026-12-07)"
    )
    assert "retrain with `nba-ml train`" in chosen.warning and "--date" not in chosen.warning
    today = provenance(SET, LAST, day, chosen=False)  # nobody chose today: name --date
    assert today.warning is not None and "--date (date=)" in today.warning
    assert today.as_dict()["warning"] == today.warning


def test_the_off_season_and_no_data_are_never_stale() -> None:
    assert stale_message(LAST, dt.date(2021, 8, 20)) is None
    empty = provenance((None, None), None, dt.date(2026, 12, 7), chosen=False)
    assert not empty.stale and empty.days_behind is None and empty.warning is None
    assert empty.as_dict() == {
        "generation": None,
        "trained_at": None,
        "last_game_date": None,
        "days_behind": None,
        "stale": False,
    }


def test_the_python_api_results_say_what_served_them(
    synthetic_models: dict[str, object],
    synthetic_games: GameData,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    predictor = new_predictor(synthetic_models, synthetic_games)
    last = predictor.last_game_date
    assert last is not None
    monkeypatch.setattr(predictor_module, "today_in_chicago", lambda: last + dt.timedelta(30))
    soon = str(last + dt.timedelta(days=1))
    (game,) = predictor.predict_games([("BOS", "PHI")], date=soon)
    assert game.served.as_dict() == {
        "generation": GENERATION,
        "trained_at": TRAINED_AT,
        "last_game_date": str(last),
        "days_behind": 1,
        "stale": False,
    }  # judged for the day predicted, not today
    assert game.served.day == soon
    (player,) = predictor.predict_players([{"player_id": 100000}], date=soon)
    assert player.served.days_behind == 1
    assert predictor.predict_players([], date=soon) == []  # nothing asked: nothing answered
    far = str(last + dt.timedelta(days=40))
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.predictor"):
        # the Python API predicted years past its data without a word: one warning a day
        (stale,) = predictor.predict_games([("BOS", "PHI")], date=far)
        predictor.predict_games([("LAL", "GSW")], date=far)
    assert stale.served.stale is True and stale.served.warning is not None
    assert stale.served.warning.startswith(f"the data ends {last} (40 days")
    assert [r.getMessage() for r in caplog.records] == [stale.served.warning]
    assert predictor.provenance(soon).days_behind == 1
    assert predictor.provenance().days_behind == 30
