"""serving.slate: a day's slate from the schedule cached in a data directory (or given), each
game's prediction and its likely players' stat lines: the predictor's own typed predictions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nba_ml.data.cache import schedule_path
from nba_ml.data.scoreboard import ScheduledGame
from nba_ml.errors import DataError, UsageError
from nba_ml.serving.predictor import Predictor
from nba_ml.serving.slate import NoSchedule, Schedule, cached_schedule, day_slate, predict_slate
from nba_ml.state.layout import DataLayout

GAMES = [
    ScheduledGame("g1", "BOS", "PHI", "2018-11-20T00:30:00Z", "7:30 pm ET", "Regular Season"),
    ScheduledGame("g2", "MIL", "TOR", None, "", None),
]


def _scoreboard(day: dt.date, games: list[tuple[str, str]]) -> dict[str, object]:
    """A ScoreboardV3 body as the nightly run caches it (only the fields nba-ml reads)."""
    return {
        "scoreboard": {
            "gameDate": day.isoformat(),
            "games": [
                {
                    "gameId": f"00218000{n}",
                    "gameStatusText": "7:00 pm ET",
                    "gameTimeUTC": "2018-11-20T00:00:00Z",
                    "homeTeam": {"teamTricode": home},
                    "awayTeam": {"teamTricode": away},
                }
                for n, (home, away) in enumerate(games)
            ],
        }
    }


def _cache(data_dir: Path, day: dt.date, games: list[tuple[str, str]]) -> Path:
    path = schedule_path(DataLayout(data_dir).raw, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_scoreboard(day, games)))
    return path


def test_each_game_is_the_predictors_answer_with_both_sides_likely_players(
    synthetic_predictor: Predictor, first_day: dt.date
) -> None:
    lines = predict_slate(synthetic_predictor, GAMES, first_day)
    day = first_day.isoformat()
    expected = synthetic_predictor.predict_games([("BOS", "PHI"), ("MIL", "TOR")], date=day)
    assert [line.prediction for line in lines] == expected
    assert [line.game for line in lines] == GAMES
    for line in lines:
        teams = [p.prediction.team for p in line.players]
        home, away = line.game.home, line.game.away
        assert teams == sorted(teams, key=lambda t: t != home) and set(teams) == {home, away}
        assert line.note is None
        for player in line.players:
            (alone,) = synthetic_predictor.predict_players(
                [
                    {
                        "player_id": player.prediction.player_id,
                        "opponent": away if player.prediction.team == home else home,
                        "is_home": player.prediction.team == home,
                    }
                ],
                date=day,
            )
            assert player.prediction == alone  # the same typed answer as asked alone
            assert player.minutes > 0


def test_the_json_form_keeps_the_scoreboards_fields_then_the_predicted_values(
    synthetic_predictor: Predictor, first_day: dt.date
) -> None:
    (line, _) = predict_slate(synthetic_predictor, GAMES, first_day)
    answer = line.as_dict()
    assert list(answer) == [
        "game_id",
        "home",
        "away",
        "starts_at",
        "status",
        "season_type",
        "home_win_probability",
        "home_margin",
        "total_points",
        "quantiles",
        "lacking",
        "players",
        "note",
    ]
    assert answer["starts_at"] == "2018-11-20T00:30:00Z"  # as received (UTC)
    assert answer["home_win_probability"] == line.prediction.home_win_probability
    # predict today carries the margin and the total with their quantiles, as /v1/games does
    assert answer["home_margin"] == line.prediction.values["home_margin"]
    assert answer["quantiles"]["total_points"] == line.prediction.quantiles("total_points")
    assert answer["lacking"] is None
    first = answer["players"][0]
    assert list(first) == [
        "player_id",
        "player_name",
        "team",
        "minutes",
        *line.players[0].prediction.stats,
    ]
    assert first["points"] == line.players[0].prediction.stat("points")


def test_a_cached_slate_says_what_served_it_judged_for_the_day_asked(
    synthetic_predictor: Predictor, first_day: dt.date, tmp_path: Path
) -> None:
    path = _cache(tmp_path, first_day, [("BOS", "PHI"), ("DEN", "MIA")])
    asked: list[int] = []

    def predictor() -> Predictor:
        asked.append(1)
        return synthetic_predictor

    result = day_slate(tmp_path, first_day, predictor)
    assert asked == [1] and result.schedule_file == str(path) and result.skipped == []
    assert [(g.game.home, g.game.away) for g in result.games] == [("BOS", "PHI"), ("DEN", "MIA")]
    assert result.served == synthetic_predictor.provenance(first_day)
    payload = result.as_dict()
    assert list(payload)[:4] == ["date", "schedule_file", "games", "skipped"]
    assert payload["date"] == first_day.isoformat() and payload["days_behind"] == 1
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload


def test_a_day_without_games_asks_for_no_predictor(tmp_path: Path, first_day: dt.date) -> None:
    _cache(tmp_path, first_day, [])

    def no_predictor() -> Predictor:
        raise AssertionError("a day without games needs no models")

    result = day_slate(tmp_path, first_day, no_predictor)
    assert result.games == [] and result.served is None
    assert result.as_dict() == {
        "date": first_day.isoformat(),
        "schedule_file": str(schedule_path(DataLayout(tmp_path).raw, first_day)),
        "games": [],
        "skipped": [],
    }


def test_no_schedule_cached_names_where_it_looked_and_the_offline_way(tmp_path: Path) -> None:
    day = dt.date(2026, 1, 2)
    with pytest.raises(NoSchedule) as caught:
        cached_schedule(tmp_path, day)
    assert isinstance(caught.value, DataError) and caught.value.exit_code == 1
    message = str(caught.value)
    assert message.startswith(f"no schedule cached for {day} in {tmp_path / 'raw' / 'schedule'}")
    assert "--schedule FILE" in message


def test_a_schedule_given_is_used_instead_of_the_cache(
    synthetic_predictor: Predictor, first_day: dt.date, tmp_path: Path
) -> None:
    given = Schedule(GAMES[:1], ["ZZZ @ BOS"], tmp_path / "slate.txt")
    result = day_slate(tmp_path, first_day, lambda: synthetic_predictor, schedule=given)
    assert [g.game for g in result.games] == GAMES[:1] and result.skipped == ["ZZZ @ BOS"]
    assert result.schedule_file == str(tmp_path / "slate.txt")
    today = day_slate(
        tmp_path, first_day, lambda: synthetic_predictor, schedule=given, chosen=False
    )
    assert today.served == synthetic_predictor.provenance(None)  # judged as today


def test_a_day_the_predictor_cannot_answer_is_a_usage_error(
    synthetic_predictor: Predictor, first_day: dt.date
) -> None:
    with pytest.raises(UsageError, match="not after the last game"):
        predict_slate(synthetic_predictor, GAMES, first_day - dt.timedelta(days=5))
