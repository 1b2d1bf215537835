"""cli.predictions_view: the one text form of each prediction (``nba-ml predict`` without
``--json``), line for line as it has always read."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nba_ml.cli.predictions_view import (
    game_text,
    player_text,
    provenance_line,
    slate_lines,
)
from nba_ml.data.scoreboard import ScheduledGame
from nba_ml.serving.predictions import GamePrediction, PlayerPrediction
from nba_ml.serving.provenance import Provenance, provenance
from nba_ml.serving.slate import GameLine, PlayerLine, Slate

SERVED = Provenance("2019-10-22", "g1", "2019-10-21T09:00:00+00:00", "2019-10-20", 2, False)
LINE = (
    "models g1, trained 2019-10-21T09:00:00+00:00; data through 2019-10-20, 2 days before "
    "2019-10-22"
)


def _player(team: str, name: str, is_home: bool | None, *stats: float) -> PlayerPrediction:
    values = dict(zip(("points", "assists", "rebounds"), stats, strict=True))
    return PlayerPrediction(1, name, team, "GSW", is_home, "2019-10-22", values, served=SERVED)


def test_what_served_it_is_one_line_and_says_stale() -> None:
    assert provenance_line(SERVED) == LINE
    last = dt.date(2021, 5, 16)
    stale = provenance(("gen-1", "2021-05-17T09:00:00Z"), last, dt.date(2026, 12, 7), chosen=False)
    text = provenance_line(stale)
    assert "STALE" in text and "gen-1" in text and "2021-05-16" in text
    empty = provenance((None, None), None, dt.date(2026, 12, 7), chosen=False)
    assert provenance_line(empty) == (
        "models of unknown generation, trained at an unknown time; data through no game"
    )


# the availability line of a prediction that knew nobody out (issue #23)
NOBODY = "availability: none (the probable rotation: everyone who played lately)"


def test_a_game_reads_away_at_home_then_what_served_it() -> None:
    game = GamePrediction(
        "2019-10-22", "BOS", "PHI", {"home_win_probability": 0.4782}, served=SERVED
    )
    assert game_text(game) == (
        f"2019-10-22 PHI @ BOS: home win probability 0.478\n  {LINE}\n  {NOBODY}"
    )


QUANTILE_KEYS = ("q05", "q10", "q25", "q50", "q75", "q90", "q95")
MARGIN_Q = (-17.0, -12.4, -5.1, 2.5, 10.1, 17.4, 22.0)
TOTAL_Q = (200.0, 205.1, 213.2, 222.0, 230.8, 238.9, 244.0)
QUANTILES = {
    "home_margin": dict(zip(QUANTILE_KEYS, MARGIN_Q, strict=True)),
    "total_points": dict(zip(QUANTILE_KEYS, TOTAL_Q, strict=True)),
}
LACKS = (
    "this model set lacks margin (new in nba-ml 0.2.0), total (new in nba-ml 0.2.0): trained "
    "before they existed; the next training adds them"
)


def _with_margin(probability: float = 0.5891) -> GamePrediction:
    values = {"home_win_probability": probability, "home_margin": 2.5, "total_points": 222.0}
    return GamePrediction(
        "2019-10-22",
        "BOS",
        "PHI",
        values,
        served=SERVED,
        spread={"quantiles": QUANTILES, "lacking": None},
    )


def test_a_game_gives_the_margin_and_total_with_80_percent_ranges() -> None:
    assert game_text(_with_margin()) == (
        "2019-10-22 PHI @ BOS: home win probability 0.589\n"
        "  home margin +2.5 (80 %: -12.4 to +17.4), game total 222.0 (80 %: 205.1 to 238.9)\n"
        f"  {LINE}\n  {NOBODY}"
    )
    older = GamePrediction(
        "2019-10-22",
        "BOS",
        "PHI",
        {"home_win_probability": 0.4782},
        served=SERVED,
        spread={"quantiles": {}, "lacking": LACKS},
    )
    assert game_text(older) == (
        f"2019-10-22 PHI @ BOS: home win probability 0.478\n  ({LACKS})\n  {LINE}\n  {NOBODY}"
    )


def test_a_player_reads_vs_at_home_and_at_away_with_each_stat() -> None:
    home = _player("WAS", "Bradley Beal", True, 25.0, 4.5, 4.0)
    assert player_text(home) == (
        f"Bradley Beal (WAS vs GSW): points 25.0, assists 4.5, rebounds 4.0\n  {LINE}\n  {NOBODY}"
    )
    away = dataclasses.replace(home, is_home=False)
    assert player_text(away).startswith("Bradley Beal (WAS @ GSW): points 25.0")
    either = dataclasses.replace(home, is_home=None)
    assert player_text(either).startswith("Bradley Beal (WAS vs GSW): ")
    alone = dataclasses.replace(home, opponent=None, is_home=None)
    assert player_text(alone).startswith("Bradley Beal (WAS): points 25.0, ")


def _game(starts_at: str | None, players: list[PlayerLine] | None = None) -> GameLine:
    game = ScheduledGame("0022500171", "CLE", "PHI", starts_at, "7:00 pm ET", "Regular Season")
    prediction = GamePrediction(
        "2025-11-05", "CLE", "PHI", {"home_win_probability": 0.6}, served=SERVED
    )
    return GameLine(game, prediction, players or [])


def test_the_text_view_gives_start_times_in_chicago_time() -> None:
    # raw UTC ("2025-11-06T00:00:00Z") in the text view; JSON keeps it as received
    result = Slate(
        "2025-11-05",
        "f.json",
        [_game("2025-11-06T00:00:00Z"), _game("2026-03-20T23:30:00Z"), _game(None), _game("soon")],
        [],
    )
    assert slate_lines(result)[1:] == [
        "PHI @ CLE 6:00 pm CST (7:00 pm ET): home win probability 0.600",
        "PHI @ CLE 6:30 pm CDT (7:00 pm ET): home win probability 0.600",
        "PHI @ CLE (7:00 pm ET): home win probability 0.600",
        "PHI @ CLE (7:00 pm ET): home win probability 0.600",
    ]
    assert result.as_dict()["games"][0]["starts_at"] == "2025-11-06T00:00:00Z"


def test_a_slate_aligns_its_players_and_ends_with_what_served_it() -> None:
    players = [
        PlayerLine(_player("CLE", "Darius Garland", True, 20.94, 5.9, 4.5), 34.0),
        PlayerLine(_player("PHI", "Joel Embiid", False, 7.1, 1.2, 12.3), 30.5),
    ]
    game = dataclasses.replace(_game(None, players), note="no likely players: a reason")
    result = Slate("2025-11-05", "f.json", [game], ["ZZZ @ CLE"], SERVED)
    assert slate_lines(result) == [
        "2025-11-05: 1 game",
        "PHI @ CLE (7:00 pm ET): home win probability 0.600",
        "  CLE Darius Garland             points  20.9  assists  5.9  rebounds  4.5",
        "  PHI Joel Embiid                points   7.1  assists  1.2  rebounds 12.3",
        "  (no likely players: a reason)",
        LINE,
        "not predicted (not two NBA teams): ZZZ @ CLE",
    ]


def test_a_day_without_games_says_so() -> None:
    assert slate_lines(Slate("2026-07-20", "f.json", [], [])) == [
        "no games scheduled on 2026-07-20"
    ]


def test_a_players_spread_in_text() -> None:
    from nba_ml.cli.predictions_view import spread_lines

    spread = {
        "quantiles": {"points": {"q10": 15.0, "q90": 33.0}, "assists": {"q10": 2.0, "q90": 9.0}},
        "lines": [
            {"stat": "points", "line": 24.5, "over": 0.5123, "under": 0.4877},
            {"stat": "assists", "line": 5.0, "over": 0.4, "under": 0.45, "push": 0.15},
        ],
        "lacking": None,
    }
    assert spread_lines(spread) == [
        "  80 % range: points 15-33, assists 2-9",
        "  points 24.5: over 0.512, under 0.488",
        "  assists 5: over 0.400, under 0.450, push 0.150",
    ]
    assert spread_lines({"quantiles": None, "lines": None, "lacking": "retrain"}) == ["  (retrain)"]
    assert spread_lines({}) == []


def test_a_slate_gives_each_games_margin_and_total_and_says_once_what_a_set_lacks() -> None:
    game = ScheduledGame("0022500171", "BOS", "PHI", None, "7:00 pm ET", "Regular Season")
    line = GameLine(game, _with_margin(0.6), [])
    result = Slate("2019-10-22", "f.json", [line], [], SERVED)
    assert slate_lines(result)[1] == (
        "PHI @ BOS (7:00 pm ET): home win probability 0.600, home margin +2.5 (80 %: -12.4 to "
        "+17.4), game total 222.0 (80 %: 205.1 to 238.9)"
    )
    games = result.as_dict()["games"]
    assert games[0]["home_margin"] == 2.5 and games[0]["quantiles"] == QUANTILES
    older = dataclasses.replace(
        line,
        prediction=GamePrediction(
            "2019-10-22",
            "BOS",
            "PHI",
            {"home_win_probability": 0.6},
            served=SERVED,
            spread={"quantiles": {}, "lacking": LACKS},
        ),
    )
    lines = slate_lines(Slate("2019-10-22", "f.json", [older, older], [], SERVED))
    assert lines[1] == "PHI @ BOS (7:00 pm ET): home win probability 0.600"
    assert lines[-2:] == [f"({LACKS})", LINE]
    assert lines.count(f"({LACKS})") == 1


def test_the_odds_of_a_line_show_in_thousandths_that_sum_as_the_odds_do() -> None:
    from nba_ml.cli.predictions_view import spread_lines, thousandths

    # rounded one by one, 0.3785 and 0.6215 would show as 0.379 and 0.622: 1.001
    assert sum(thousandths([0.3785, 0.6215])) == 1000
    assert thousandths([0.4, 0.45, 0.15]) == [400, 450, 150]
    assert sum(thousandths([0.3334, 0.3333, 0.3333])) == 1000
    assert thousandths([0.0004, 0.9996]) == [0, 1000]
    lines = spread_lines(
        {"lines": [{"stat": "points", "line": 15.5, "over": 0.3785, "under": 0.6215}]}
    )
    over, under = (float(part.split()[-1]) for part in lines[0].split(": ")[1].split(", "))
    assert round(over + under, 3) == 1.0
