"""`nba-ml predict today`: the cached slate, its games' probabilities, likely players' lines."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from nba_ml.cli.app import app
from nba_ml.cli.predictions_view import slate_lines
from nba_ml.commands.today import predict_today
from nba_ml.config import resolve_settings
from nba_ml.data.cache import schedule_path
from nba_ml.data.collect import refresh_cache
from tests.conftest import cli_runner, collect_options, copy_data_dir
from tests.replay import (
    CASSETTES,
    SCOREBOARD,
    FakeClock,
    ReplayAdapter,
    route_schedule,
    scoreboard_for,
)

runner = cli_runner()
OPENING = dt.date(2019, 10, 22)  # the day after the trained data (2017-18, 2018-19) ends
RECORDED = dt.date(2025, 11, 5)

pytestmark = pytest.mark.skipif(
    not (CASSETTES / SCOREBOARD).exists(), reason="../shared/data/nba-api-cassettes is absent"
)


def cli(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if " - ERROR - " in line]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    return errors[0]


@pytest.fixture(scope="module")
def slate_dir(trained_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained data directory whose schedule for OPENING was fetched by the collector (the
    recorded 11-game slate, re-dated) and which holds the recorded 2025-11-05 file verbatim."""
    data = copy_data_dir(trained_dir, tmp_path_factory.mktemp("slate") / "data")
    adapter = ReplayAdapter()
    route_schedule(adapter)
    clock = FakeClock()
    report = refresh_cache(
        data / "raw",
        [],
        today=OPENING,
        options=collect_options(pause=0),
        session=adapter.session(),
        sleep=clock.sleep,
        clock=clock.monotonic,
        schedule_day=OPENING,
    )
    assert report.requests == 1 and report.schedule == schedule_path(data / "raw", OPENING)
    recorded = schedule_path(data / "raw", RECORDED)
    recorded.write_bytes((CASSETTES / SCOREBOARD).read_bytes())
    return data


def test_every_scheduled_game_and_its_likely_players(
    slate_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(slate_dir))
    result = cli("predict", "today", "--date", OPENING.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["date"] == "2019-10-22" and payload["skipped"] == []
    games = payload["games"]
    assert [(g["away"], g["home"]) for g in games][:2] == [("PHI", "CLE"), ("UTA", "DET")]
    assert len(games) == 11 and {g["season_type"] for g in games} == {"Regular Season"}
    for game in games:
        assert 0.0 < game["home_win_probability"] < 1.0
        teams = {p["team"] for p in game["players"]}
        assert teams == {game["home"], game["away"]}
        for side in teams:
            roster = [p for p in game["players"] if p["team"] == side]
            assert 5 <= len(roster) <= 10
            assert [p["minutes"] for p in roster] == sorted(
                (p["minutes"] for p in roster), reverse=True
            )
        for line in game["players"]:
            assert 0 <= line["points"] < 60 and 0 <= line["assists"] < 20
            assert 0 <= line["rebounds"] < 25
    text = cli("predict", "today", "--date", OPENING.isoformat())
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert lines[0] == "2019-10-22: 11 games"
    assert re.match(r"PHI @ CLE [0-9]{1,2}:[0-9]{2} [ap]m C[DS]T \(", lines[1]), lines[1]
    assert "home win probability 0." in lines[1] and "points" in lines[2]


def test_the_recorded_scoreboard_as_received(slate_dir: Path) -> None:
    """The 2025-11-05 response exactly as stats.nba.com sent it: 11 games; the trained data
    ends in 2019, so no player is recent enough for a stat line, but every game is predicted."""
    settings = resolve_settings(slate_dir, environ={})
    result = predict_today(settings, RECORDED)
    assert len(result.games) == 11
    first = result.games[0].game
    assert first.game_id == "0022500171" and first.status == "Final"
    assert first.starts_at == "2025-11-06T00:00:00Z"
    assert all(g.players == [] for g in result.games)
    assert all(0 < g.prediction.home_win_probability < 1 for g in result.games)
    assert all(g.prediction.game_date == RECORDED.isoformat() for g in result.games)


def test_no_schedule_cached_is_one_line_and_exit_1(data_dir: Path) -> None:
    result = cli("predict", "today")
    assert result.exit_code == 1
    assert "no schedule cached for" in one_error_line(result.stderr)


def test_a_day_without_games_needs_no_models(data_dir: Path) -> None:
    day = dt.date(2026, 7, 20)
    path = schedule_path(data_dir / "raw", day)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(scoreboard_for(day.isoformat(), games=[])))
    result = cli("predict", "today", "--date", day.isoformat())
    assert result.exit_code == 0 and result.stdout == "no games scheduled on 2026-07-20\n"
    as_json = cli("predict", "today", "--date", day.isoformat(), "--json")
    assert json.loads(as_json.stdout)["games"] == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 10_000, "nests deeper"),
        (b"{}", "no scoreboard.games"),
        (json.dumps(scoreboard_for("2026-01-01")).encode(), "is for '2026-01-01'"),
    ],
)
def test_a_damaged_schedule_is_one_line_and_exit_1(
    data_dir: Path, content: bytes, reason: str
) -> None:
    day = dt.date(2026, 1, 2)
    path = schedule_path(data_dir / "raw", day)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    result = cli("predict", "today", "--date", day.isoformat())
    assert result.exit_code == 1 and reason in one_error_line(result.stderr)


def test_a_bad_date_is_a_usage_error(data_dir: Path) -> None:
    result = cli("predict", "today", "--date", "tomorrow")
    assert result.exit_code == 2 and "invalid date" in one_error_line(result.stderr)


# ------------------------------------------------------------ staleness, notes, provenance


def test_the_recorded_slate_says_why_no_player_is_listed_and_what_served_it(
    slate_dir: Path,
) -> None:
    # every game had "players": [] and nothing saying why
    result = predict_today(resolve_settings(slate_dir, environ={}), RECORDED)
    for game in result.games:
        assert game.note is not None and game.note.startswith("no likely players: ")
        assert f"{game.game.home}'s recent players have not played in the 400 days" in game.note
        assert "the data ends 2019-" in game.note
    assert result.served is not None and result.served.stale
    payload = result.as_dict()
    assert payload["stale"] is True and payload["days_behind"] > 2000
    assert payload["generation"] and payload["trained_at"] and "served" not in payload
    assert payload["warning"].startswith("the data ends 2019-")
    text = slate_lines(result)
    assert text[2].startswith("  (no likely players: ") and "STALE" in text[-2]
    assert text[-1].startswith("availability: none")  # which availability served (#23)


def test_stale_data_is_refused_for_today_and_warned_for_a_date(
    slate_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nba_ml.data import seasons

    monkeypatch.setenv("NBA_ML_DATA_DIR", str(slate_dir))
    monkeypatch.setattr(seasons, "today_in_chicago", lambda now=None: RECORDED)
    # with data 2,000 days old it printed today's slate, exit 0, without a word
    refused = cli("predict", "today")
    assert refused.exit_code == 2 and refused.stdout == ""
    line = one_error_line(refused.stderr)
    assert "the data ends 2019-" in line and "give --date" in line
    dated = cli("predict", "today", "--date", RECORDED.isoformat(), "--json")
    assert dated.exit_code == 0 and "WARNING - the data ends 2019-" in dated.stderr
    assert json.loads(dated.stdout)["stale"] is True
    fresh = cli("predict", "today", "--date", OPENING.isoformat(), "--json")
    payload = json.loads(fresh.stdout)
    assert payload["days_behind"] < 200  # judged for the day asked, not for today (2025)
    assert all(game["note"] is None for game in payload["games"])


def test_a_slate_written_by_hand_needs_no_cache(
    slate_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(slate_dir))
    day = OPENING + dt.timedelta(days=1)  # no schedule cached for it
    assert cli("predict", "today", "--date", day.isoformat()).exit_code == 1
    slate = tmp_path / "slate.txt"
    slate.write_text("# opening week\nSixers @ Celtics\nLakers vs Clippers\n\nGSW,POR\n")
    result = cli("predict", "today", "--date", day.isoformat(), "--schedule", str(slate), "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [(g["away"], g["home"]) for g in payload["games"]] == [
        ("PHI", "BOS"),
        ("LAC", "LAL"),
        ("POR", "GSW"),
    ]
    assert payload["schedule_file"] == str(slate) and payload["date"] == day.isoformat()
    assert all(0 < g["home_win_probability"] < 1 and g["players"] for g in payload["games"])


def test_a_saved_scoreboard_gives_its_own_day(
    slate_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(slate_dir))
    saved = tmp_path / "board.json"
    saved.write_text(json.dumps(scoreboard_for(OPENING.isoformat())))
    result = cli("predict", "today", "--schedule", str(saved), "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["date"] == OPENING.isoformat() and len(payload["games"]) == 11
    other = cli("predict", "today", "--schedule", str(saved), "--date", "2019-10-23")
    assert other.exit_code == 2 and "is for '2019-10-22'" in one_error_line(other.stderr)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "no such file"),
        ("Celtics Lakers\n", "line 1 is not AWAY @ HOME"),
        ("PHI @ BOS\nGotham @ LAL\n", "line 2: unknown team 'Gotham'"),
        ("PHI @ BOS\nBOS @ LAL\n", "line 2: LAL and BOS cannot play each other, or one of them"),
        ("Los Angeles @ BOS\n", "line 1: ambiguous team 'Los Angeles'"),
        (b"\xff\xfe", "not UTF-8 text"),
        ('{"scoreboard": {}}', "no scoreboard.games"),
    ],
)
def test_a_bad_schedule_file_is_one_line_and_exit_2(
    data_dir: Path, tmp_path: Path, content: str | bytes | None, needle: str
) -> None:
    path = tmp_path / "slate.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = cli("predict", "today", "--date", "2019-10-22", "--schedule", str(path))
    assert result.exit_code == 2 and needle in one_error_line(result.stderr), result.stderr


def test_no_schedule_cached_names_the_offline_way(data_dir: Path) -> None:
    result = cli("predict", "today")
    assert "--schedule FILE" in one_error_line(result.stderr)
