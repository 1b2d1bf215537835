"""``predict game`` / ``predict player``: the command's own checks (date, player key, staleness)
and its typed answers from a set trained on synthetic seasons (tests/commands/conftest.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from nba_ml.commands import predict
from nba_ml.commands.predict import parse_date, predict_game, predict_player
from nba_ml.config import Settings, resolve_settings
from nba_ml.errors import EXIT_FAILURE, EXIT_USAGE, ModelInvalid, UsageError
from nba_ml.serving.predictions import GamePrediction, PlayerPrediction
from nba_ml.serving.predictor import load_predictor

MID_SEASON = dt.date(2026, 1, 20)  # games are played: old data is stale
OFF_SEASON = dt.date(2026, 7, 20)  # no games: old data is not stale


@pytest.fixture(scope="module")
def settings(synthetic_set: Path) -> Settings:
    return resolve_settings(synthetic_set, environ={})


@pytest.fixture(scope="module")
def last_game(synthetic_set: Path) -> dt.date:
    day = load_predictor(synthetic_set).last_game_date
    assert day is not None
    return day


def _today(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """Make ``day`` today in Chicago for the command and for the predictor's default date."""
    from nba_ml.data import seasons
    from nba_ml.serving import inputs

    monkeypatch.setattr(seasons, "today_in_chicago", lambda now=None: day)
    monkeypatch.setattr(inputs, "today_in_chicago", lambda now=None: day)


# ------------------------------------------------------------------------------ the --date


def test_no_date_is_none_and_a_date_is_a_date() -> None:
    assert parse_date(None) is None
    assert parse_date("2019-10-22") == dt.date(2019, 10, 22)


@pytest.mark.parametrize(
    "raw", ["", "2019-02-29", "2019-1-2", "2019-10-22T00:00", "tomorrow", "20191022", "\x1b[31m"]
)
def test_a_date_not_written_yyyy_mm_dd_is_a_one_line_usage_error(raw: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_date(raw)
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE
    assert message.startswith("invalid date ") and "expected YYYY-MM-DD" in message
    assert "\x1b" not in message and "\n" not in message


@pytest.mark.parametrize(
    "call",
    [
        lambda s: predict_game(s, "BOS", "PHI", "2019-13-01"),
        lambda s: predict_player(s, "Player BOS 1", date="2019-13-01"),
        lambda s: predict_player(s, "   ", date="2019-10-22"),
        lambda s: predict_player(s, "Player BOS 1", lines=["points=24.5", "blocks=1"]),
    ],
)
def test_bad_input_is_refused_before_the_models_are_read(tmp_path: Path, call: object) -> None:
    empty = resolve_settings(tmp_path / "no-models", environ={})
    with pytest.raises(UsageError):
        call(empty)  # type: ignore[operator]


def test_without_models_the_answer_is_model_invalid(tmp_path: Path) -> None:
    empty = resolve_settings(tmp_path / "no-models", environ={})
    with pytest.raises(ModelInvalid) as caught:
        predict_game(empty, "BOS", "PHI", "2019-10-22")
    assert caught.value.exit_code == EXIT_FAILURE


# ------------------------------------------------------------------------- the player key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Player BOS 1", {"player": "Player BOS 1"}),
        ("  LeBron James \t", {"player": "LeBron James"}),
        ("2544", {"player_id": 2544}),
        (" 2544 ", {"player_id": 2544}),
        ("23x", {"player": "23x"}),
    ],
)
def test_digits_are_an_id_anything_else_a_name(raw: str, key: dict[str, object]) -> None:
    assert predict._player_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("", "the player name is empty"),
        (" \n ", "the player name is empty"),
        ("²", "an id is written with the digits 0-9"),
        ("١٢٣", "an id is written with the digits 0-9"),
    ],
)
def test_a_key_that_is_no_name_nor_id_is_a_usage_error(raw: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle) as caught:
        predict._player_key(raw)
    assert "\n" not in str(caught.value)


# ---------------------------------------------------------------------------- staleness


def _ending(day: dt.date | None) -> object:
    return SimpleNamespace(last_game_date=day)


def test_stale_data_without_a_date_is_refused_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    _today(monkeypatch, MID_SEASON)
    last = MID_SEASON - dt.timedelta(days=10)
    with pytest.raises(UsageError) as caught:
        predict.check_fresh(_ending(last), None)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"the data ends {last} (10 days before {MID_SEASON}), so this prediction ignores every "
        f"game since; retrain with `nba-ml train`, or give --date for a day soon after {last}"
    )


def test_stale_data_with_a_date_is_answered_with_the_predictors_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from nba_ml.serving.provenance import stale_warning

    last = MID_SEASON - dt.timedelta(days=10)
    with caplog.at_level(logging.WARNING):
        predict.check_fresh(_ending(last), MID_SEASON)  # type: ignore[arg-type]
    assert caplog.records == []  # the predictor warns once, for the CLI and the Python API
    assert stale_warning(last, MID_SEASON, chosen=True) == (
        f"the data ends {last} (10 days before {MID_SEASON}), so this prediction ignores every "
        "game since; retrain with `nba-ml train` for an up-to-date answer"
    )


@pytest.mark.parametrize(
    ("last", "day"),
    [
        (MID_SEASON - dt.timedelta(days=2), MID_SEASON),  # two days behind: fresh
        (dt.date(2026, 6, 10), OFF_SEASON),  # summer: nothing has been played since
        (None, MID_SEASON),  # no games: the predictor words the refusal itself
    ],
)
def test_fresh_data_passes_silently(
    last: dt.date | None,
    day: dt.date,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _today(monkeypatch, day)
    with caplog.at_level(logging.WARNING):
        predict.check_fresh(_ending(last), None)  # type: ignore[arg-type]
        predict.check_fresh(_ending(last), day)  # type: ignore[arg-type]
    assert caplog.records == []


# ------------------------------------------------------------------------ typed answers


def test_a_game_is_the_home_win_probability_on_the_date(
    settings: Settings, last_game: dt.date
) -> None:
    day = last_game + dt.timedelta(days=1)
    answer = predict_game(settings, "BOS", "PHI", day.isoformat())
    assert isinstance(answer, GamePrediction)
    assert (answer.game_date, answer.home, answer.away) == (day.isoformat(), "BOS", "PHI")
    assert type(answer.home_win_probability) is float
    assert 0.0 < answer.home_win_probability < 1.0


def test_today_is_the_default_date(
    settings: Settings, last_game: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = last_game + dt.timedelta(days=1)
    _today(monkeypatch, day)
    assert predict_game(settings, "BOS", "PHI").game_date == day.isoformat()


def test_a_stale_default_date_is_refused_and_an_explicit_one_answered(
    settings: Settings,
    last_game: dt.date,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    later = last_game + dt.timedelta(days=30)
    _today(monkeypatch, later)
    with pytest.raises(UsageError, match="give --date for a day soon after"):
        predict_game(settings, "BOS", "PHI")
    with pytest.raises(UsageError, match="give --date"):
        predict_player(settings, "Player BOS 1")
    with caplog.at_level(logging.WARNING, logger="nba_ml"):
        answer = predict_game(settings, "BOS", "PHI", later.isoformat())
    assert answer.game_date == later.isoformat()
    assert [r.getMessage().split(",")[0] for r in caplog.records] == [
        f"the data ends {last_game} (30 days before {later})"
    ]
    assert answer.served.stale and answer.as_dict()["days_behind"] == 30
    assert answer.as_dict()["warning"] == caplog.records[0].getMessage()


def test_every_answer_says_what_served_it_judged_for_the_day_predicted(
    settings: Settings, last_game: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    _today(monkeypatch, last_game + dt.timedelta(days=30))  # today the data is stale
    day = (last_game + dt.timedelta(days=1)).isoformat()
    game = predict_game(settings, "BOS", "PHI", day).as_dict()
    player = predict_player(settings, "Player BOS 1", date=day).as_dict()
    for answer in (game, player):
        assert answer["generation"] and answer["trained_at"]
        assert answer["last_game_date"] == last_game.isoformat()
        assert (answer["days_behind"], answer["stale"]) == (1, False) and "warning" not in answer
    assert (
        game["home_win_probability"]
        == predict_game(settings, "BOS", "PHI", day).home_win_probability
    )
    assert player["player_name"] == "Player BOS 1" and "served" not in player


def test_a_player_by_name_or_id_is_the_same_typed_stat_line(
    settings: Settings, last_game: dt.date
) -> None:
    day = (last_game + dt.timedelta(days=1)).isoformat()
    by_name = predict_player(settings, "Player BOS 1", opponent="PHI", home=True, date=day)
    assert isinstance(by_name, PlayerPrediction)
    assert (by_name.player_name, by_name.team, by_name.opponent) == ("Player BOS 1", "BOS", "PHI")
    assert list(by_name.stats) == ["points", "assists", "rebounds"]
    for value in by_name.stats.values():
        assert type(value) is float and value >= 0
    assert (by_name.is_home, by_name.game_date) == (True, day)
    by_id = predict_player(settings, str(by_name.player_id), opponent="PHI", home=True, date=day)
    assert dataclasses.asdict(by_id) == dataclasses.asdict(by_name)


def test_no_opponent_is_none_not_a_missing_value(settings: Settings, last_game: dt.date) -> None:
    day = (last_game + dt.timedelta(days=1)).isoformat()
    answer = predict_player(settings, "Player PHI 2", date=day)
    assert answer.opponent is None and answer.team == "PHI" and answer.is_home is None


def test_a_set_without_distributions_answers_and_says_what_it_lacks(
    settings: Settings, last_game: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nba_ml.serving.lines import NO_DISTRIBUTIONS
    from nba_ml.serving.predictor import Predictor

    day = (last_game + dt.timedelta(days=1)).isoformat()
    answer = predict_player(settings, "Player BOS 1", date=day, lines=["points=10.5"])
    assert answer.spread["quantiles"] is not None and answer.spread["lacking"] is None
    assert answer.spread["lines"][0]["stat"] == "points"
    assert answer.as_dict()["lines"] == answer.spread["lines"]
    monkeypatch.setattr(Predictor, "has_player_distributions", lambda self: False)
    old = predict_player(settings, "Player BOS 1", date=day, lines=["points=10.5"])
    assert old.stats == answer.stats
    assert old.spread == {"quantiles": None, "lines": None, "lacking": NO_DISTRIBUTIONS}
