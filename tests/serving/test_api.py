"""serving.api: the web API's query parsing and answers, outside any framework. Parameters are
bounded and trimmed, the validation and messages are the CLI's (teams, players, the one date
rule), answers are plain JSON, and every exception maps to its HTTP status: bad input 400 (one
printable line, never a 500), no set yet 503, anything else 500."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nba_ml.data.importer import GameData
from nba_ml.errors import ConfigError, DataError, ModelInvalid, ModelsNotReady, UsageError
from nba_ml.serving import api, inputs
from nba_ml.serving import predictor as predictor_module
from nba_ml.serving.predictor import Predictor
from tests.serving.conftest import GENERATION, TRAINED_AT, new_predictor

BOS_1 = 100000  # tests/synthetic.py: "Player BOS 1", the first player of the first team


@pytest.fixture
def day(first_day: dt.date) -> str:
    return f"{first_day:%Y-%m-%d}"


def _bad(predictor: Predictor, answer: str, params: dict[str, str]) -> str:
    """Return the message of the UsageError an answer raises: one printable line, status 400."""
    call = api.games_answer if answer == "games" else api.players_answer
    with pytest.raises(UsageError) as caught:
        call(predictor, params)
    assert api.error_status(caught.value) == 400
    message = str(caught.value)
    assert message.isprintable(), message
    return message


def _fresh(models: dict[str, object], games: GameData) -> tuple[Predictor, dt.date]:
    """Return a predictor of its own (a test may change it) and its last game's date."""
    fresh = new_predictor(models, games)
    assert fresh.last_game_date is not None
    return fresh, fresh.last_game_date


def _set_today(monkeypatch: pytest.MonkeyPatch, today: dt.date) -> None:
    """Make "today in Chicago" ``today`` for the predictor and the date rule (the answers take
    the day from the predictor's rows)."""
    for module in (inputs, predictor_module):
        monkeypatch.setattr(module, "today_in_chicago", lambda: today)


def test_api_query_parsing_shares_the_predictor_validation(
    synthetic_predictor: Predictor, day: str
) -> None:
    predictor = synthetic_predictor
    answer = api.games_answer(predictor, {"home": "bos", "away": "PHI", "date": day})
    assert answer["home"] == "BOS" and 0 < answer["home_win_probability"] < 1
    assert answer["generation"] == predictor.generation and "stale" in answer
    answer = api.players_answer(
        predictor, {"player": str(BOS_1), "opponent": "PHI", "home": "0", "date": day}
    )
    assert answer["player_name"] == "Player BOS 1" and answer["is_home"] is False
    assert answer["game_date"] == day
    assert api.parse_venue("home") is True and api.parse_venue("0") is False
    assert api.parse_venue(None) is None
    for params, message in (
        ({"home": "BOS"}, "missing query parameter 'away'"),
        ({"home": "BOS", "away": "XYZ", "date": day}, "unknown team 'XYZ'"),
        ({"home": "BOS", "away": "PHI", "date": "soon"}, "YYYY-MM-DD"),
    ):
        with pytest.raises(UsageError, match=message):
            api.games_answer(predictor, params)
    assert api.error_status(UsageError("x")) == 400
    assert api.error_status(ModelsNotReady("x")) == 503
    assert api.error_status(RuntimeError("x")) == 500


# ---------------------------------------------------------------------------- answers


def test_a_game_answer_is_the_predictors_row_and_what_is_served(
    synthetic_predictor: Predictor, day: str
) -> None:
    answer = api.games_answer(synthetic_predictor, {"home": " mil ", "away": "tor\n", "date": day})
    (row,) = synthetic_predictor.predict_games([("MIL", "TOR")], date=day)
    assert answer == {
        "game_date": day,
        "home": "MIL",
        "away": "TOR",
        "home_win_probability": row.home_win_probability,
        "home_margin": row.values["home_margin"],
        "total_points": row.values["total_points"],
        "quantiles": {
            "home_margin": row.quantiles("home_margin"),
            "total_points": row.quantiles("total_points"),
        },
        "lacking": None,
        "generation": GENERATION,
        "trained_at": TRAINED_AT,
        "last_game_date": str(synthetic_predictor.last_game_date),
        "days_behind": answer["days_behind"],
        "stale": answer["stale"],
        "availability": {"source": "none", "out": [], "notes": []},
    }
    # judged for the day asked (the day after the data), not today: 1 day behind, fresh
    assert (answer["days_behind"], answer["stale"]) == (1, False)
    assert "warning" not in answer
    margin = answer["quantiles"]["home_margin"]
    assert list(margin) == ["q05", "q10", "q25", "q50", "q75", "q90", "q95"]
    assert margin["q05"] < margin["q50"] < margin["q95"]


def test_a_game_answer_of_a_set_without_margin_and_total_says_what_it_lacks(
    synthetic_models: dict[str, object], synthetic_games: GameData, day: str
) -> None:
    older = {n: m for n, m in synthetic_models.items() if n not in ("margin", "total")}
    answer = api.games_answer(
        new_predictor(older, synthetic_games), {"home": "MIL", "away": "TOR", "date": day}
    )
    assert 0 < answer["home_win_probability"] < 1 and answer["quantiles"] == {}
    assert "home_margin" not in answer and "total_points" not in answer
    assert answer["lacking"].startswith("this model set lacks margin (new in nba-ml 0.2.0)")


def test_a_player_answer_is_the_predictors_row_and_what_is_served(
    synthetic_predictor: Predictor, day: str
) -> None:
    answer = api.players_answer(
        synthetic_predictor,
        {"player": "player bos 1", "opponent": "lal", "home": "yes", "date": day},
    )
    (row,) = synthetic_predictor.predict_players(
        [{"player_id": BOS_1, "opponent": "LAL", "is_home": True}], date=day
    )
    assert answer["player_id"] == BOS_1 and answer["team"] == "BOS"
    assert answer["opponent"] == "LAL" and answer["is_home"] is True
    assert answer["game_date"] == day and answer["generation"] == GENERATION
    for stat in ("points", "assists", "rebounds"):
        assert answer[stat] == row.stat(stat)
    assert answer == row.as_dict()  # the prediction's own JSON form, as `predict --json`


def test_a_player_without_opponent_or_venue_gets_the_mean_of_both_venues(
    synthetic_predictor: Predictor, day: str
) -> None:
    answer = api.players_answer(synthetic_predictor, {"player": "Player BOS 1", "date": day})
    assert answer["opponent"] is None and answer["is_home"] is None
    home, away = (
        api.players_answer(
            synthetic_predictor, {"player": "Player BOS 1", "home": venue, "date": day}
        )
        for venue in ("1", "0")
    )
    assert answer["points"] == pytest.approx((home["points"] + away["points"]) / 2, abs=0.01)


def test_answers_are_plain_json(synthetic_predictor: Predictor, day: str) -> None:
    for answer in (
        api.games_answer(synthetic_predictor, {"home": "BOS", "away": "PHI", "date": day}),
        api.players_answer(synthetic_predictor, {"player": str(BOS_1), "date": day}),
    ):
        assert json.loads(json.dumps(answer, allow_nan=False)) == answer
        # flat, but for the availability used (issue #23) and a player's distributions:
        # objects and lists of plain values
        assert answer["availability"] == {"source": "none", "out": [], "notes": []}
        nested = ("quantiles", "lines", "availability")
        assert all(
            value is None or type(value) in (str, int, float, bool)
            for key, value in answer.items()
            if key not in nested
        ), answer


def test_without_a_date_today_is_asked_and_stale_data_says_so(
    synthetic_models: dict[str, object], synthetic_games: GameData, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh, last = _fresh(synthetic_models, synthetic_games)
    _set_today(monkeypatch, last + dt.timedelta(days=1))  # in season, the day after
    answer = api.players_answer(fresh, {"player": str(BOS_1)})
    assert answer["game_date"] == str(last + dt.timedelta(days=1))
    assert answer["days_behind"] == 1 and answer["stale"] is False and "warning" not in answer
    later = last + dt.timedelta(days=5)
    _set_today(monkeypatch, later)
    answer = api.games_answer(fresh, {"home": "BOS", "away": "PHI"})
    assert answer["game_date"] == str(later) and answer["stale"] is True
    assert answer["days_behind"] == 5 and "date=" in answer["warning"]
    dated = api.games_answer(
        fresh, {"home": "BOS", "away": "PHI", "date": str(last + dt.timedelta(days=1))}
    )
    # judged for the day asked, not today (was stale, 5 days behind, for any date)
    assert dated["stale"] is False and dated["days_behind"] == 1 and "warning" not in dated
    far = api.players_answer(
        fresh, {"player": str(BOS_1), "date": str(last + dt.timedelta(days=40))}
    )
    assert far["stale"] is True and far["days_behind"] == 40
    assert "retrain with `nba-ml train`" in far["warning"] and "date=" not in far["warning"]


# ---------------------------------------------------------------------------- parameters


def test_missing_or_blank_parameters_are_named_in_order(synthetic_predictor: Predictor) -> None:
    for params, name in (
        ({}, "home"),
        ({"home": "  "}, "home"),
        ({"away": "PHI"}, "home"),
        ({"home": "BOS"}, "away"),
        ({"home": "BOS", "away": "\t"}, "away"),
    ):
        assert _bad(synthetic_predictor, "games", params) == f"missing query parameter {name!r}"
    assert _bad(synthetic_predictor, "players", {"player": " ", "opponent": "BOS"}) == (
        "missing query parameter 'player'"
    )


def test_an_empty_optional_parameter_is_as_if_absent(
    synthetic_predictor: Predictor, day: str
) -> None:
    answer = api.players_answer(
        synthetic_predictor, {"player": str(BOS_1), "opponent": "", "home": " ", "date": day}
    )
    assert answer["opponent"] is None and answer["is_home"] is None


def test_over_long_parameters_are_refused_before_any_lookup(
    synthetic_predictor: Predictor, day: str
) -> None:
    limit = api.MAX_PARAMETER
    assert limit == 100
    long_value = "B" * (limit + 1)
    for answer, params, name in (
        ("games", {"home": long_value, "away": "PHI"}, "home"),
        ("games", {"home": "BOS", "away": "PHI", "date": "2" * 5000}, "date"),
        ("players", {"player": "P" * 10**6}, "player"),
        ("players", {"player": "Player BOS 1", "opponent": long_value}, "opponent"),
        ("players", {"player": "Player BOS 1", "home": "1" * (limit + 1)}, "home"),
    ):
        message = _bad(synthetic_predictor, answer, params)
        assert message == f"query parameter {name!r} is longer than {limit} characters"
    at_limit = _bad(synthetic_predictor, "games", {"home": "B" * limit, "away": "PHI", "date": day})
    assert at_limit.startswith("unknown team 'BBBB")  # exactly the limit reaches the lookup
    spaced = api.games_answer(
        synthetic_predictor, {"home": " " * 200 + "BOS", "away": "PHI", "date": day}
    )
    assert spaced["home"] == "BOS"  # the limit applies to the trimmed value


@pytest.mark.parametrize(
    ("value", "venue"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" Home ", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("away\n", False),
    ],
)
def test_venue_forms(value: str, venue: bool) -> None:
    assert api.parse_venue(value) is venue


@pytest.mark.parametrize("value", ["2", "-1", "on", "off", "h", "", "1\x00", "t\x1b[0m", "²"])
def test_any_other_venue_is_refused_with_one_line(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        api.parse_venue(value)
    message = str(caught.value)
    assert message.startswith("invalid home ") and message.isprintable()
    assert message.endswith(": expected 1 (home) or 0 (away)")


def test_the_date_is_checked_before_teams_and_players(synthetic_predictor: Predictor) -> None:
    assert _bad(
        synthetic_predictor, "games", {"home": "XYZ", "away": "PHI", "date": "2019-13-01"}
    ).endswith("YYYY-MM-DD, e.g. 2026-12-02")
    assert "invalid date" in _bad(
        synthetic_predictor, "players", {"player": "Nobody", "date": "20191022"}
    )
    last = str(synthetic_predictor.last_game_date)
    assert "not after the last game" in _bad(
        synthetic_predictor, "games", {"home": "BOS", "away": "PHI", "date": last}
    )


def test_the_cli_messages_for_teams_and_players(synthetic_predictor: Predictor, day: str) -> None:
    def games(home: str, away: str) -> str:
        return _bad(synthetic_predictor, "games", {"home": home, "away": away, "date": day})

    assert games("BOZ", "PHI").startswith("unknown team 'BOZ'; did you mean BOS")
    assert games("bos", "BOS") == "BOS cannot play itself"
    unknown = _bad(synthetic_predictor, "players", {"player": "Player BOZ 1", "date": day})
    assert unknown.startswith("unknown player 'Player BOZ 1'; did you mean Player BOS 1")
    own = _bad(
        synthetic_predictor, "players", {"player": str(BOS_1), "opponent": "bos", "date": day}
    )
    assert own == "Player BOS 1 cannot play against his own team BOS"
    assert _bad(synthetic_predictor, "players", {"player": "999999999", "date": day}) == (
        "unknown player '999999999'"
    )


@pytest.mark.parametrize("player", ["²", "¹⁰⁰⁰⁰⁰", "١٠٠٠٠٠", "１００００００"])
def test_a_player_id_is_written_with_the_digits_0_to_9(
    synthetic_predictor: Predictor, player: str, day: str
) -> None:
    # Python calls these digits (str.isdigit); as an id they gave a ValueError (a 500) or
    # another player's answer. They are names, and nobody is called that: one line, a 400.
    assert _bad(synthetic_predictor, "players", {"player": player, "date": day}).startswith(
        "unknown player "
    )


@pytest.mark.parametrize("hostile", ["BOS\nPHI", "\x1b[2J", "\x00", "B\rS", "\u2028B", "\x7f"])
@pytest.mark.parametrize("name", ["home", "away", "date", "player", "opponent", "venue"])
def test_control_characters_in_any_parameter_give_one_printable_line(
    synthetic_predictor: Predictor, day: str, name: str, hostile: str
) -> None:
    if name in ("home", "away", "date"):
        params = {"home": "BOS", "away": "PHI", "date": day} | {name: hostile}
        message = _bad(synthetic_predictor, "games", params)
    else:
        params = {"player": str(BOS_1), "date": day} | {
            "home" if name == "venue" else name: hostile
        }
        message = _bad(synthetic_predictor, "players", params)
    assert "\n" not in message and "\x1b" not in message


# ---------------------------------------------------------------------------- statuses


def test_error_status_maps_the_exception_tree() -> None:
    assert api.error_status(ConfigError("bad setting")) == 400  # a UsageError
    assert api.error_status(UsageError("bad input")) == 400
    assert api.error_status(ModelsNotReady("no set yet")) == 503
    for error in (DataError("x"), ModelInvalid("x"), ValueError("x"), KeyError("x")):
        assert api.error_status(error) == 500


def test_no_set_yet_is_a_503_through_the_same_mapping(tmp_path: Path) -> None:
    from nba_ml.serving.live import LivePredictor

    live = LivePredictor(tmp_path, prepare_days=0)
    with pytest.raises(ModelsNotReady) as caught:
        api.games_answer(live.current(), {"home": "BOS", "away": "PHI"})
    assert api.error_status(caught.value) == 503
    # a 503 tells clients when to come back; nothing else does
    assert api.error_headers(caught.value) == {"Retry-After": str(api.RETRY_AFTER_SECONDS)}
    for error in (UsageError("x"), DataError("x"), ValueError("x")):
        assert api.error_headers(error) == {}


class _MultiDict(dict[str, str]):
    """A query string's parameters as Werkzeug gives them: the first value by key, every value
    by ``getlist``."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        self.pairs = pairs
        for key, value in pairs:
            self.setdefault(key, value)

    def getlist(self, key: str) -> list[str]:
        return [value for name, value in self.pairs if name == key]


@pytest.mark.parametrize(
    ("answer", "params", "message"),
    [
        (
            "games",
            {"home": "BOS", "away": "LAL", "hme": "1"},
            "unknown query parameter 'hme' (this endpoint takes home, away, date, out)",
        ),
        (
            "players",
            {"player": str(BOS_1), "hom": "1"},
            "unknown query parameter 'hom' (this endpoint takes player, opponent, home, date, "
            "line, out)",
        ),
        (
            "players",
            {"player": str(BOS_1), "x\n\x1b[31m" + "y" * 500: "1"},
            "unknown query parameter 'x\\n\\x1b[31m" + "y" * 93 + "' (this endpoint takes player, "
            "opponent, home, date, line, out)",
        ),
    ],
)
def test_an_unknown_parameter_is_refused_naming_what_the_endpoint_takes(
    synthetic_predictor: Predictor, answer: str, params: dict[str, str], message: str
) -> None:
    # a misspelt home= would otherwise predict the mean of both venues, silently
    assert _bad(synthetic_predictor, answer, params) == message


def test_a_parameter_given_twice_is_refused(synthetic_predictor: Predictor, day: str) -> None:
    twice = _MultiDict([("home", "BOS"), ("away", "LAL"), ("date", day), ("date", "garbage")])
    message = _bad(synthetic_predictor, "games", twice)
    assert message == "query parameter 'date' given more than once"
    once = _MultiDict([("home", "BOS"), ("away", "LAL"), ("date", day)])
    assert api.games_answer(synthetic_predictor, once)["home"] == "BOS"


def test_the_today_endpoint_asks_for_the_date_given_or_today(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api, "today_in_chicago", lambda: dt.date(2026, 12, 7))
    assert api.today_date({}) == dt.date(2026, 12, 7)
    assert api.today_date({"date": " 2019-10-22 "}) == dt.date(2019, 10, 22)
    with pytest.raises(UsageError, match="expected YYYY-MM-DD"):
        api.today_date({"date": "tomorrow"})
    with pytest.raises(UsageError, match="unknown query parameter 'day'"):
        api.today_date({"day": "2019-10-22"})


def test_what_is_served_is_judged_for_the_day_asked(
    synthetic_models: dict[str, object], synthetic_games: GameData, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh, last = _fresh(synthetic_models, synthetic_games)
    _set_today(monkeypatch, last + dt.timedelta(days=30))
    soon = api.served(fresh, last + dt.timedelta(days=2))
    assert (soon["days_behind"], soon["stale"], soon["generation"]) == (2, False, GENERATION)
    assert soon["last_game_date"] == str(last) and soon["trained_at"] == TRAINED_AT
    today = api.served(fresh)
    assert (today["days_behind"], today["stale"]) == (30, True) and "--date" in today["warning"]


def test_the_today_endpoint_takes_only_a_date() -> None:
    api.check_parameters({"date": "2020-01-01"}, api.TODAY_PARAMETERS)
    api.check_parameters({}, api.TODAY_PARAMETERS)
    with pytest.raises(UsageError, match="unknown query parameter 'day'"):
        api.check_parameters({"day": "2020-01-01"}, api.TODAY_PARAMETERS)


def test_a_player_answer_names_the_day_predicted_even_across_midnight(
    synthetic_models: dict[str, object], synthetic_games: GameData, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh, last = _fresh(synthetic_models, synthetic_games)
    before_midnight = last + dt.timedelta(days=1)
    _set_today(monkeypatch, before_midnight)
    predict = fresh.predict_players

    def predict_then_midnight(*args: object, **kwargs: object) -> object:
        rows = predict(*args, **kwargs)  # type: ignore[arg-type]
        _set_today(monkeypatch, before_midnight + dt.timedelta(days=1))  # the clock moves on
        return rows

    monkeypatch.setattr(fresh, "predict_players", predict_then_midnight)
    answer = api.players_answer(fresh, {"player": str(BOS_1)})
    assert answer["game_date"] == str(before_midnight)  # was the next day: today read twice


def test_health_answer_is_200_only_while_requests_can_be_answered(tmp_path: Path) -> None:
    from nba_ml.serving.live import ServingInfo

    data_dir = tmp_path / "data"
    ok = ServingInfo(True, "g", "t", "2019-06-13", 3, False, False, None, True, None)
    body, status = api.health_answer(ok, data_dir)
    assert status == 200 and body["generation"] == "g" and body["answering"]
    broken = ServingInfo(
        True,
        "g",
        "t",
        "2019-06-13",
        3,
        False,
        False,
        f"new model set not served: {data_dir}/models are not usable",
        False,
        f"the served set's game data cannot be used: {data_dir}/history/x was altered",
    )
    body, status = api.health_answer(broken, data_dir)
    assert status == 503 and "was altered" in body["error"]
    assert str(data_dir) not in json.dumps(body)
    assert body["error"].startswith("the served set's game data cannot be used: <data dir>/")
    nothing = ServingInfo(False, None, None, None, None, False, True, None, False, None)
    assert api.health_answer(nothing, data_dir)[1] == 503


def test_error_answers_name_no_server_path_and_busy_is_503(tmp_path: Path) -> None:
    from nba_ml.errors import ServingBusy

    resolved = tmp_path.resolve()
    link = tmp_path / "link"
    link.symlink_to(resolved)
    text = f"cannot read {resolved}/history/game_data-x.pkl: permission denied"
    assert api.public_text(text, link) == (
        "cannot read <data dir>/history/game_data-x.pkl: permission denied"
    )
    assert api.public_text("unknown team 'BOZ'", "/") == "unknown team 'BOZ'"
    assert api.error_status(ServingBusy("busy")) == 503


def test_players_take_repeatable_lines_and_name_bad_ones(
    synthetic_predictor: Predictor, day: str
) -> None:
    from werkzeug.datastructures import MultiDict

    params = MultiDict(
        [("player", "Player BOS 1"), ("date", day), ("line", "points:10.5"), ("line", "assists:3")]
    )
    answer = api.players_answer(synthetic_predictor, params)
    if synthetic_predictor.has_player_distributions():
        assert answer["lacking"] is None and set(answer["quantiles"]) == {
            "points",
            "assists",
            "rebounds",
        }
        half, whole = answer["lines"]
        assert (half["stat"], half["line"], "push" in half) == ("points", 10.5, False)
        assert whole["over"] + whole["under"] + whole["push"] == pytest.approx(1, abs=0.002)
    else:  # a set without distributions: the stats, and what it lacks
        assert answer["quantiles"] is None and "run `nba-ml train --force`" in answer["lacking"]
    json.dumps(answer)
    message = _bad(
        synthetic_predictor,
        "players",
        MultiDict([("player", "Player BOS 1"), ("line", "points=10.5"), ("line", "steals:1")]),
    )
    assert "'points=10.5'" in message and "'steals:1'" in message
    assert "points:24.5" in message
