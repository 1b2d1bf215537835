"""The serving API gives exactly what the training feature code gives for the same rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nba_ml import modelset
from nba_ml.data.importer import GameData
from nba_ml.errors import UsageError
from nba_ml.modeling import features, models
from nba_ml.serving.predictor import Predictor, load_predictor
from tests.modelsets import GAME_MODEL
from tests.serving.conftest import upcoming_team_rows

DAY = "2019-10-22"


@pytest.fixture(scope="module")
def predictor(trained_dir: Path) -> Predictor:
    return load_predictor(trained_dir)


def test_games_match_the_training_feature_path(predictor: Predictor) -> None:
    pairs = [("BOS", "PHI"), ("LAL", "LAC"), ("MIL", "HOU")]
    fast = predictor.predict_games(pairs, date=DAY)
    history = predictor.history
    team_games = pd.concat([history.team_games, upcoming_team_rows(DAY, pairs)], ignore_index=True)
    table = features.game_features(team_games, history.player_games)
    table = (
        table[table["game_date"] == pd.Timestamp(DAY)].set_index("home").loc[[h for h, _ in pairs]]
    )
    slow = models.predict_home_win(predictor.models[GAME_MODEL], table)
    np.testing.assert_allclose([g.home_win_probability for g in fast], np.round(slow, 4))
    assert [(g.home, g.away) for g in fast] == pairs


def test_games_carry_the_margin_and_total_with_quantiles_and_an_older_set_says_it_lacks_them(
    predictor: Predictor,
) -> None:
    import copy

    pairs = [("BOS", "PHI"), ("LAL", "LAC")]
    answers = predictor.predict_games(pairs, date=DAY)
    history = predictor.history
    team_games = pd.concat([history.team_games, upcoming_team_rows(DAY, pairs)], ignore_index=True)
    table = features.game_features(team_games, history.player_games)
    table = table[table["game_date"] == pd.Timestamp(DAY)].set_index("home").loc[["BOS", "LAL"]]
    for spec in modelset.game_distributions():  # the training feature path gives the same
        mean, quantiles = models.predict_game_quantiles(predictor.models[spec.name], table)
        np.testing.assert_allclose([a.values[spec.output] for a in answers], np.round(mean, 1))
        for answer, row in zip(answers, np.round(quantiles, 1), strict=True):
            found = answer.quantiles(spec.output)
            assert found is not None and list(found.values()) == list(row)
            assert list(found) == list(models.QUANTILE_COLUMNS)
    bos = answers[0]
    assert bos.spread["lacking"] is None
    margin, total = bos.quantiles("home_margin"), bos.quantiles("total_points")
    assert margin is not None and total is not None
    assert margin["q10"] < bos.values["home_margin"] < margin["q90"]
    assert 150 < total["q05"] < bos.values["total_points"] < total["q95"] < 300
    form = bos.as_dict()
    assert list(form)[3:6] == ["home_win_probability", "home_margin", "total_points"]
    assert form["quantiles"]["home_margin"] == margin and form["lacking"] is None
    # a set trained before the margin and the total: the win probability alone, saying so
    old = copy.copy(predictor)
    old.models = {n: m for n, m in predictor.models.items() if n not in ("margin", "total")}
    (older,) = old.predict_games(pairs[:1], date=DAY)
    assert older.values == {"home_win_probability": bos.home_win_probability}
    assert older.spread["quantiles"] == {} and older.quantiles("home_margin") is None
    assert older.spread["lacking"] == (
        "this model set lacks margin (new in nba-ml 0.2.0), total (new in nba-ml 0.2.0): "
        "trained before they existed; the next training adds them"
    )
    assert "home_margin" not in older.as_dict()


def test_bad_requests_are_usage_errors(predictor: Predictor) -> None:
    with pytest.raises(UsageError, match="did you mean"):
        predictor.predict_games([("BOZ", "PHI")], date=DAY)
    with pytest.raises(UsageError, match="only one game a day"):
        predictor.predict_games([("BOS", "PHI"), ("PHI", "NYK")], date=DAY)
    with pytest.raises(UsageError, match="cannot play itself"):
        predictor.predict_games([("BOS", "BOS")], date=DAY)
    with pytest.raises(UsageError, match="not after the last game"):
        predictor.predict_games([("BOS", "PHI")], date="2019-01-01")
    with pytest.raises(UsageError, match="invalid date"):
        predictor.predict_games([("BOS", "PHI")], date="someday")
    with pytest.raises(UsageError, match="unknown player"):
        predictor.predict_players([{"player": "Nobody Atall"}], date=DAY)


def test_a_slate_of_games_and_players(predictor: Predictor) -> None:
    teams = sorted(predictor.history.team_games["team"].unique())
    slate = [(teams[i], teams[i + 1]) for i in range(0, len(teams) - 1, 2)]
    games = predictor.predict_games(slate, date=DAY)
    assert len(games) == len(slate)
    assert all(0 <= g.home_win_probability <= 1 for g in games)
    latest = predictor.history.player_games.drop_duplicates("player_id", keep="last").tail(300)
    opponent = dict(slate) | {a: h for h, a in slate}
    rows = [
        {"player_id": int(r.player_id), "opponent": opponent[r.team]} for r in latest.itertuples()
    ]
    players = predictor.predict_players(rows, date=DAY)
    assert len(players) == 300
    assert [p.player_id for p in players] == [r["player_id"] for r in rows]
    assert all(value >= 0 for p in players for value in p.stats.values())


def test_a_batch_answers_each_row_as_if_asked_alone(predictor: Predictor) -> None:
    # Rows of one batch are stacked for one predict call per model: mixing known and unknown
    # venues, repeated players and a missing opponent must not move any row's answer.
    latest = predictor.history.player_games.drop_duplicates("player_id", keep="last").tail(4)
    ids = [int(i) for i in latest["player_id"]]
    batch = [
        {"player_id": ids[0], "opponent": "TOR", "is_home": True},
        {"player_id": ids[1], "opponent": "BOS", "is_home": None},
        {"player_id": ids[2], "is_home": False},
        {"player_id": ids[0], "opponent": "MIA"},
        {"player_id": ids[3], "opponent": "LAL", "is_home": False},
    ]
    batch = [
        item
        for item in batch
        if item.get("opponent") not in {latest.set_index("player_id").at[item["player_id"], "team"]}
    ]
    together = predictor.predict_players(batch, date=DAY)
    for position, item in enumerate(batch):
        alone = predictor.predict_players([item], date=DAY)[0]
        row = together[position]
        assert row.player_id == item["player_id"]
        for stat in ("points", "assists", "rebounds"):
            assert row.stat(stat) == pytest.approx(alone.stat(stat), abs=1e-9), (item, stat)


def test_the_staleness_rule_is_the_one_status_uses() -> None:
    import datetime as dt

    from nba_ml.data.seasons import STALE_DAYS, days_behind, is_stale

    today = dt.date(2026, 12, 1)  # in season
    assert not is_stale(today - dt.timedelta(days=STALE_DAYS), today)
    assert is_stale(today - dt.timedelta(days=STALE_DAYS + 1), today)
    assert not is_stale(dt.date(2026, 6, 20), dt.date(2026, 8, 1))  # off-season: never stale
    assert not is_stale(None, today) and days_behind(None, today) is None
    assert days_behind(dt.date(2026, 11, 28), today) == 3


def test_stale_data_warns_once_a_day_for_today_naming_date(
    predictor: Predictor, caplog: pytest.LogCaptureFixture
) -> None:
    import datetime as dt
    import logging

    behind, stale = predictor.staleness(dt.date(2019, 10, 25))
    assert behind == (dt.date(2019, 10, 25) - predictor.last_game_date).days and stale
    assert predictor.staleness(dt.date(2019, 8, 1))[1] is False  # off-season
    warning = predictor.stale_warning(dt.date(2019, 10, 25))
    assert warning and "--date" in warning and str(predictor.last_game_date) in warning
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.predictor"):
        predictor.predict_games([("BOS", "PHI")], date=DAY)  # an explicit date: no warning
        assert not caplog.records
        today_stale = predictor.staleness()[1]
        predictor.predict_games([("BOS", "PHI")])  # today (Chicago), years after the data
        predictor.predict_games([("LAL", "GSW")])
    assert len(caplog.records) == (1 if today_stale else 0)


def test_days_cycled_through_never_push_out_today_and_tomorrow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datetime as dt

    from nba_ml.serving import dayrows
    from nba_ml.serving import predictor as predictor_module
    from nba_ml.serving.dayrows import Prepared

    today = dt.date(2026, 11, 28)
    monkeypatch.setattr(predictor_module, "today_in_chicago", lambda: today)
    predictor = Predictor(models={}, history=None)
    latest = pd.DataFrame(columns=["player_name"])

    def adopt(*days: dt.date) -> None:  # rows as a helper process hands them over
        predictor.adopt(Prepared(latest, None, dict.fromkeys(days, object())))  # type: ignore[arg-type]

    prepared = [pd.Timestamp(today), pd.Timestamp(today + dt.timedelta(days=1))]
    adopt(today, today + dt.timedelta(days=1))
    # a client asking for 30 other dates, near and far, past and future
    for offset in [*range(40, 10, -1), -3, 5]:
        adopt(today + dt.timedelta(days=offset))
        assert len(predictor.day_rows.days()) <= dayrows.KEPT_DAYS
        assert all(day in predictor.day_rows.days() for day in prepared)
    # what stays besides: the days nearest today (in Chicago)
    kept = sorted((d - pd.Timestamp(today)).days for d in predictor.day_rows.days())
    assert kept == [-3, 0, 1, 5, 11, 12, 13, 14]


@pytest.mark.parametrize("training", ["a string", ["a", "list"], 7])
def test_a_manifest_whose_training_is_not_an_object_is_a_data_error(
    tmp_path: Path, training: object
) -> None:
    import json

    from nba_ml.errors import DataError
    from tests.modelsets import make_models, write_set

    write_set(tmp_path, make_models(0))
    target = (tmp_path / "models" / "manifest.json").resolve()
    manifest = json.loads(target.read_text())
    manifest["training"] = training
    target.write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="names no saved game data"):
        load_predictor(tmp_path)  # was an AttributeError: "unexpected error ... (a bug)"


def test_an_over_long_name_is_cut_short_in_the_message_and_not_compared(
    synthetic_predictor: Predictor,
) -> None:
    from nba_ml.serving.inputs import MAX_NAME

    with pytest.raises(UsageError) as raised:
        synthetic_predictor.find_player("Player BOS 1" + "x" * 5000)
    message = str(raised.value)
    assert message == f"unknown player {('Player BOS 1' + 'x' * 5000)[:MAX_NAME] + '...'!r}"
    with pytest.raises(UsageError, match="did you mean Player BOS 1"):  # short: still a hint
        synthetic_predictor.find_player("Player BOS 1x")


def test_a_date_being_computed_never_queues_requests_for_another_one(
    synthetic_models: dict[str, object], synthetic_games: GameData, first_day: dt.date
) -> None:
    # two clients asking for dates nobody prepared held every worker (1.3 s of CPU each)
    import threading

    from nba_ml.errors import ServingBusy
    from tests.serving.conftest import new_predictor

    predictor = new_predictor(synthetic_models, synthetic_games)
    predictor.busy_wait = 0.0
    entered, release = threading.Event(), threading.Event()

    def slow(day: pd.Timestamp):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(30)
        return predictor.compute_day(day)

    predictor.compute_elsewhere = slow
    results: list[object] = []
    first = threading.Thread(
        target=lambda: results.append(predictor.predict_games([("BOS", "PHI")], date=first_day))
    )
    first.start()
    assert entered.wait(30)
    with pytest.raises(ServingBusy, match="another date"):
        predictor.predict_games([("BOS", "PHI")], date=first_day + dt.timedelta(days=1))
    same = threading.Thread(
        target=lambda: results.append(predictor.predict_games([("BOS", "PHI")], date=first_day))
    )
    same.start()  # the same date waits for the rows being computed
    release.set()
    first.join(30)
    same.join(30)
    assert len(results) == 2
    assert (
        len(predictor.predict_games([("BOS", "PHI")], date=first_day + dt.timedelta(days=1))) == 1
    )  # free again
