"""The player side of the serving API (``serving.player_side``): finding players and answering
their upcoming games, their stats matching the training feature path, the venues mixed, the
distributions said when lacking, and the player models of the registry answered in its order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from nba_ml import modelset
from nba_ml.data.importer import GameData
from nba_ml.data.schema import PLAYER_GAME_COLUMNS
from nba_ml.errors import UsageError
from nba_ml.modeling import features, models
from nba_ml.serving.player_side import PlayerSide
from nba_ml.serving.predictions import PlayerPrediction
from nba_ml.serving.predictor import Predictor, load_predictor
from tests.modelsets import PLAYER_MODELS
from tests.serving.conftest import upcoming_team_rows

DAY = "2019-10-22"


@pytest.fixture(scope="module")
def predictor(trained_dir: Path) -> Predictor:
    return load_predictor(trained_dir)


def test_players_match_the_training_feature_path(predictor: Predictor) -> None:
    player_id, name, team = predictor.find_player("LeBron James")
    fast = predictor.predict_players(
        [{"player_id": player_id, "opponent": "GSW", "is_home": True}], date=DAY
    )
    history = predictor.history
    upcoming = pd.DataFrame(
        [
            {
                "season": "2019-20",
                "season_type": "Regular Season",
                "game_id": f"{DAY.replace('-', '')}-{team}-GSW",
                "game_date": pd.Timestamp(DAY),
                "player_id": player_id,
                "player_name": name,
                "team": team,
                "opponent": "GSW",
                "is_home": True,
            }
        ]
    ).reindex(columns=list(PLAYER_GAME_COLUMNS))
    team_games = pd.concat(
        [history.team_games, upcoming_team_rows(DAY, [(team, "GSW")])], ignore_index=True
    )
    table = features.player_features(
        pd.concat([history.player_games, upcoming], ignore_index=True), team_games
    )
    row = table[table["pts"].isna()]
    for name_ in PLAYER_MODELS:
        slow = models.predict_stat(predictor.models[name_], row)[0]
        assert fast[0].stats[name_] == pytest.approx(slow, abs=0.006)
    # one value per player model of the registry, in its order, under its output name
    assert list(fast[0].stats) == [s.output for s in modelset.of_level(modelset.Level.PLAYER)]


def test_unknown_venue_is_the_mean_of_home_and_away(predictor: Predictor) -> None:
    def one(is_home: bool | None) -> PlayerPrediction:
        return predictor.predict_players(
            [{"player": "Giannis Antetokounmpo", "opponent": "TOR", "is_home": is_home}], date=DAY
        )[0]

    home, away, either = one(True), one(False), one(None)
    assert (home.is_home, away.is_home, either.is_home) == (True, False, None)
    assert either.stat("points") == pytest.approx(
        (home.stat("points") + away.stat("points")) / 2, abs=0.01
    )


def test_player_distributions_mix_the_venues_and_say_when_lacking(predictor: Predictor) -> None:
    import copy

    import numpy as np

    from nba_ml.serving.lines import NO_DISTRIBUTIONS, Line

    request = {"player": "Giannis Antetokounmpo", "opponent": "TOR"}
    assert predictor.has_player_distributions()
    players = predictor  # its internals: one request at each venue, and at an unknown one
    cached = players._day(players._upcoming(DAY))
    rows = cached.players.reindex([predictor.find_player("Giannis Antetokounmpo")[0]])
    rows = rows.reset_index()
    cdfs: dict[str, np.ndarray] = {}
    team = predictor.find_player("Giannis Antetokounmpo")[2]
    both: dict[str, np.ndarray] = {}
    for venue in (True, False):
        found: dict[str, np.ndarray] = {}
        players._player_stats(cached, rows, [(0, team, "TOR", venue)], found)
        for name, cdf in found.items():
            both[name] = both.get(name, 0) + cdf / 2
    players._player_stats(cached, rows, [(0, team, "TOR", None)], cdfs)
    assert set(cdfs) == set(PLAYER_MODELS)
    for name, cdf in cdfs.items():
        assert cdf.shape[0] == 1 and (np.diff(cdf, axis=1) >= -1e-12).all()
        assert cdf[0, -1] == pytest.approx(1.0)
        np.testing.assert_allclose(cdf, both[name])
    (answer,) = predictor.predict_players(
        [request], date=DAY, lines=[Line("points", 20.5), Line("rebounds", 10)]
    )
    assert set(answer.spread["quantiles"]) == set(PLAYER_MODELS)
    half, whole = answer.spread["lines"]
    assert "push" not in half and "push" in whole
    # a set trained before the distributions: the same answers, saying what it lacks
    old = copy.copy(predictor)
    old.models = {
        name: (copy.copy(model) if name in PLAYER_MODELS else model)
        for name, model in predictor.models.items()
    }
    for name in PLAYER_MODELS:
        old.models[name].distribution_ = None
    assert not old.has_player_distributions()
    (older,) = old.predict_players([request], date=DAY)
    assert older.stats == answer.stats
    assert older.spread == {"quantiles": None, "lines": None, "lacking": NO_DISTRIBUTIONS}


def test_a_name_is_found_in_any_unicode_form_and_case() -> None:
    import unicodedata

    # "Luka Dončić" sent decomposed (c + combining caron) was "unknown player 'Luka Dončić';
    # did you mean Luka Dončić?"
    names = ["Luka Dončić", "Dennis Schröder", "D'Angelo Russell"]
    latest = pd.DataFrame(
        {
            "player_name": names,
            "team": ["DAL", "LAL", "LAL"],
            "game_date": pd.Timestamp("2021-05-01"),
        },
        index=pd.Index([1629029, 203471, 1626156], name="player_id"),
    )
    predictor = Predictor({}, None)
    assert isinstance(predictor, PlayerSide) and "find_player" not in vars(Predictor)
    predictor.day_rows.set_latest(latest)
    for name, player_id in zip(names, latest.index, strict=True):
        for form in ("NFC", "NFD", "NFKC", "NFKD"):
            typed = unicodedata.normalize(form, name)
            for text in (typed, typed.upper(), f"  {typed.lower()} "):
                assert predictor.find_player(text)[0] == player_id, (form, text)
    # typed without accents, as most keyboards and media write it: found, not suggested
    assert predictor.find_player("Luka Doncic")[0] == 1629029
    assert predictor.find_player("SCHRODER")[0] == 203471
    with pytest.raises(UsageError, match="did you mean Luka Dončić"):
        predictor.find_player("Luka Doncicc")  # another name: the closest is suggested


def test_a_registered_player_model_is_answered_and_one_the_set_lacks_is_left_out(
    synthetic_models: dict[str, object], synthetic_games: GameData, first_day: dt.date
) -> None:
    from nba_ml import records
    from tests.serving.conftest import new_predictor

    toy = records.replace(
        modelset.spec("points"),
        name="steals",
        file="steals_prediction_model.skops",
        output="steals",
        digits=1,
        required=False,
        since="0.2.0",
    )
    extension = modelset.register(toy)
    try:
        older = new_predictor(synthetic_models, synthetic_games)  # trained before "steals"
        (lacking,) = older.predict_players([{"player": "Player BOS 1"}], date=first_day)
        assert list(lacking.stats) == ["points", "assists", "rebounds"]
        newer = new_predictor(
            {**synthetic_models, "steals": synthetic_models["points"]}, synthetic_games
        )
        (answer,) = newer.predict_players([{"player": "Player BOS 1"}], date=first_day)
        assert list(answer.stats) == ["points", "assists", "rebounds", "steals"]
        assert answer.stat("steals") == round(answer.stat("points"), 1)  # its own digits
        assert list(answer.as_dict())[6:10] == ["points", "assists", "rebounds", "steals"]
    finally:
        modelset.unregister(extension)
