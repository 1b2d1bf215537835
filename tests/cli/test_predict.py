"""``nba-ml predict`` (nba_ml.cli.predict): a game, a player and the day's slate, their
answers as text and JSON, and one-line usage errors (in-process runner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nba_ml.cli.app import app
from nba_ml.cli.predict import predict_app
from tests.conftest import cli_runner, copy_data_dir

runner = cli_runner()


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if " - ERROR - " in line]
    assert len(errors) == 1, stderr
    assert "Traceback" not in stderr
    return errors[0]


def test_predict_game_and_player(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    game = run("predict", "game", "BOS", "PHI", "--date", "2019-10-22", "--json")
    assert game.exit_code == 0, game.stderr
    answer = json.loads(game.stdout)
    probability = answer["home_win_probability"]
    assert 0.05 < probability < 0.95
    # the expected home margin and total, with their quantiles
    margin, total = answer["quantiles"]["home_margin"], answer["quantiles"]["total_points"]
    assert list(margin) == ["q05", "q10", "q25", "q50", "q75", "q90", "q95"]
    assert margin["q10"] < answer["home_margin"] < margin["q90"]
    assert 180 < total["q10"] < answer["total_points"] < total["q90"] < 270
    assert answer["lacking"] is None
    text = run("predict", "game", "BOS", "PHI", "--date", "2019-10-22")
    assert text.exit_code == 0, text.stderr
    first, ranges = text.stdout.splitlines()[:2]
    assert first == f"2019-10-22 PHI @ BOS: home win probability {probability:.3f}"
    assert ranges == (
        f"  home margin {answer['home_margin']:+.1f} (80 %: {margin['q10']:+.1f} to "
        f"{margin['q90']:+.1f}), game total {answer['total_points']:.1f} (80 %: "
        f"{total['q10']:.1f} to {total['q90']:.1f})"
    )
    player = run(
        "predict", "player", "LeBron James", "--opponent", "GSW", "--home", "--date", "2019-10-22"
    )
    assert player.exit_code == 0, player.stderr
    assert player.stdout.startswith("LeBron James (LAL vs GSW): points ")
    unknown = run("predict", "player", "Lebron Jams", "--date", "2019-10-22")
    assert unknown.exit_code == 2
    assert "did you mean LeBron James?" in one_error_line(unknown.stderr)
    team = run("predict", "game", "BOX", "PHI", "--date", "2019-10-22")
    assert team.exit_code == 2 and "unknown team 'BOX'" in team.stderr
    past = run("predict", "game", "BOS", "PHI", "--date", "2018-01-01")
    assert past.exit_code == 2 and "not after the last game" in past.stderr


def test_predict_takes_names_as_people_type_them_and_says_what_served_it(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    # refused before: "unknown player 'Nikola Jokic' ... did you mean Nikola Jokić"
    for typed in ("Nikola Jokic", "jokic"):
        player = run("predict", "player", typed, "--opponent", "Celtics", "--date", "2019-10-22")
        assert player.exit_code == 0, player.stderr
        first, spread, served, used = player.stdout.splitlines()
        assert first.startswith("Nikola Jokić (DEN vs BOS): points ")
        assert spread.startswith("  80 % range: points ") and "rebounds" in spread
        assert served.startswith("  models ") and "data through 2019-" in served
        assert used == "  availability: none (the probable rotation: everyone who played lately)"
    game = run("predict", "game", "Celtics", "Lakers", "--date", "2019-10-22", "--json")
    assert game.exit_code == 0, game.stderr
    payload = json.loads(game.stdout)
    assert (payload["home"], payload["away"]) == ("BOS", "LAL")
    assert payload["generation"] and payload["trained_at"] and "served" not in payload
    assert payload["last_game_date"].startswith("2019-") and payload["days_behind"] < 200
    shared = run("predict", "player", "Nikola", "--date", "2019-10-22")
    assert shared.exit_code == 2
    line = one_error_line(shared.stderr)
    assert "ambiguous player 'Nikola': did you mean " in line
    assert all(name in line for name in ("Nikola Jokić", "Nikola Vučević", "Nikola Mirotic"))


def test_predict_player_prices_lines_and_names_bad_ones(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    asked = ("predict", "player", "Jokic", "--opponent", "BOS", "--date", "2019-10-22")
    priced = run(*asked, "--line", "points=20.5", "--line", "rebounds=10")
    assert priced.exit_code == 0, priced.stderr
    lines = priced.stdout.splitlines()
    half = next(line for line in lines if line.startswith("  points 20.5: "))
    over, under = (float(part.split()[-1]) for part in half.split(": ")[1].split(", "))
    assert over + under == pytest.approx(1.0, abs=0.002)
    whole = next(line for line in lines if line.startswith("  rebounds 10: "))
    assert "push" in whole
    payload = json.loads(run(*asked, "--line", "rebounds=10", "--json").stdout)
    assert set(payload["quantiles"]) == {"points", "assists", "rebounds"}
    q = payload["quantiles"]["points"]
    assert q["q05"] <= q["q25"] <= q["q50"] <= q["q75"] <= q["q95"]
    (line,) = payload["lines"]
    assert line["stat"] == "rebounds" and line["line"] == 10
    assert line["over"] + line["under"] + line["push"] == pytest.approx(1.0, abs=0.002)
    assert payload["lacking"] is None
    bad = run(*asked, "--line", "steals=2", "--line", "points=lots")
    assert bad.exit_code == 2
    message = one_error_line(bad.stderr)
    assert "'steals=2'" in message and "'points=lots'" in message


def test_predict_without_models_exits_1(data_dir: Path) -> None:
    result = run("predict", "game", "BOS", "PHI")
    assert result.exit_code == 1
    # once "models in D/models are not usable: model set: no model set at D/models"
    line = one_error_line(result.stderr)
    assert f"no models in {data_dir / 'models'} yet: run `nba-ml train`" in line
    assert "`nba-ml train --from DIR`" in line and line.count("model set") == 0


@pytest.mark.parametrize(
    "date",
    [
        "",
        "nan",
        "NaT",
        "-5",
        "2026-12-02T23:30:00+05:00",
        "2026-02-30",
        "tomorrow",
        "2026-1-2",
        "\x1b[31m",
    ],
)
@pytest.mark.parametrize(
    "command", [["predict", "game", "BOS", "PHI"], ["predict", "player", "LeBron James"]]
)
def test_a_bad_date_is_a_usage_error(data_dir: Path, date: str, command: list[str]) -> None:
    result = run(*command, "--date", date)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    line = one_error_line(result.stderr)
    assert "expected YYYY-MM-DD" in line and "\x1b" not in line


@pytest.mark.parametrize("player", ["²", "١٢٣", "  "])
def test_a_player_that_is_no_name_nor_id_is_a_usage_error(data_dir: Path, player: str) -> None:
    result = run("predict", "player", player, "--date", "2019-10-22")
    assert result.exit_code == 2
    one_error_line(result.stderr)


def test_predict_refuses_today_from_stale_data_and_warns_for_a_date(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from nba_ml.data import seasons

    monkeypatch.setenv("NBA_ML_DATA_DIR", str(copy_data_dir(trained_dir, tmp_path / "d")))
    monkeypatch.setattr(seasons, "today_in_chicago", lambda now=None: dt.date(2026, 12, 1))
    today = run("predict", "game", "BOS", "PHI")
    assert today.exit_code == 2
    line = one_error_line(today.stderr)
    assert "the data ends 2019-06-13" in line and "--date" in line
    player = run("predict", "player", "LeBron James")
    assert player.exit_code == 2 and "--date" in one_error_line(player.stderr)
    dated = run("predict", "game", "BOS", "PHI", "--date", "2019-12-25")
    assert dated.exit_code == 0
    assert "WARNING - the data ends 2019-06-13 (195 days before 2019-12-25)" in dated.stderr
    soon = run("predict", "game", "BOS", "PHI", "--date", "2019-06-14")
    assert soon.exit_code == 0 and "WARNING" not in soon.stderr


def test_an_unquoted_player_name_is_joined(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # `predict player LeBron James` said "Got unexpected extra argument (James)"
    from nba_ml.commands import predict
    from nba_ml.errors import UsageError

    asked: list[str] = []

    def answer(settings: object, player: str, **_: object) -> object:
        asked.append(player)
        raise UsageError("stop here")

    monkeypatch.setattr(predict, "predict_player", answer)
    result = runner.invoke(
        app,
        ["--data-dir", str(tmp_path), "predict", "player", "LeBron", "James", "--opponent", "BOS"],
    )
    assert result.exit_code == 2
    assert asked == ["LeBron James"]


@pytest.mark.parametrize(
    ("venue", "shown"), [(["--away"], "WAS @ GSW"), (["--home"], "WAS vs GSW"), ([], "WAS vs GSW")]
)
def test_an_away_game_reads_at_not_vs(
    venue: list[str], shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--away` printed "(WAS vs GSW)"
    from nba_ml.commands import predict
    from nba_ml.serving.predictions import PlayerPrediction
    from nba_ml.serving.provenance import Provenance

    served = Provenance("2026-12-07", "g1", "2026-12-07T09:00:00+00:00", "2026-12-06", 1, False)
    stats = {"points": 25.0, "assists": 4.5, "rebounds": 4.0}

    def answer(*_: object, home: bool | None = None, **__: object) -> PlayerPrediction:
        # as the predictor does: the venue asked is the venue answered
        return PlayerPrediction(
            1, "Bradley Beal", "WAS", "GSW", home, "2026-12-07", stats, served=served
        )

    monkeypatch.setattr(predict, "predict_player", answer)
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path), "predict", "player", "Beal", "--opponent", "GSW", *venue]
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        f"Bradley Beal ({shown}): points 25.0, assists 4.5, rebounds 4.0"
    )


def test_the_predict_group_holds_a_game_a_player_and_the_day() -> None:
    names = [command.name for command in predict_app.registered_commands]
    assert names == ["game", "today", "player"]
    result = runner.invoke(app, ["predict", "--help"], prog_name="nba-ml")
    assert result.exit_code == 0
    listed = [
        line.split()[0]
        for line in result.output.split("Commands:", 1)[1].splitlines()
        if line.strip()
    ]
    assert listed[:3] == ["game", "today", "player"]
    assert runner.invoke(app, ["predict"]).exit_code == 2  # a bare group: its help, exit 2


def test_predict_game_bos_lal_out_jayson_tatum(trained_dir: Path) -> None:
    """Issue #23 on the real seasons: Tatum out lowers Boston's chances and raises a
    teammate's points, and the answer names him."""
    base = ["--data-dir", str(trained_dir)]
    date = "2019-10-22"

    def answer(*args: str) -> dict:  # type: ignore[type-arg]
        result = runner.invoke(app, [*base, "predict", *args, "--date", date, "--json"])
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    game = answer("game", "BOS", "LAL")
    without = answer("game", "BOS", "LAL", "--out", "jayson tatum")
    assert without["home_win_probability"] < game["home_win_probability"]
    assert without["availability"]["out"][0]["name"] == "Jayson Tatum"
    mate = answer("player", "Jaylen Brown", "--opponent", "LAL", "--home")
    mate_without = answer("player", "Jaylen Brown", "--opponent", "LAL", "--home", "--out", "Tatum")
    assert mate_without["points"] > mate["points"]


def test_a_set_trained_before_the_margin_and_total_is_served_and_says_what_it_lacks(
    trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A set of nba-ml 0.1 (four models): check, status and predict answer, saying what it
    lacks, until the next training adds the margin and the total."""
    data_dir = copy_data_dir(trained_dir, tmp_path / "d")
    models = (data_dir / "models").resolve()
    manifest = json.loads((models / "manifest.json").read_text())
    for name in ("margin", "total"):
        (models / manifest["models"].pop(name)["file"]).unlink()
        del manifest["training"]["metrics"][name]
    (models / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("NBA_ML_DATA_DIR", str(data_dir))
    lacks = (
        "lacks margin (new in nba-ml 0.2.0), total (new in nba-ml 0.2.0): trained before they "
        "existed; the next training adds them"
    )
    check = run("check")
    assert check.exit_code == 0, check.stderr
    assert check.stdout.splitlines() == [
        "ok: 4 models valid (verified by sha256, not loaded)",
        lacks,
    ]
    status = json.loads(run("status", "--json").stdout)
    assert status["models"]["valid"] and status["models"]["lacking"] == ["margin", "total"]
    game = run("predict", "game", "BOS", "PHI", "--date", "2019-10-22", "--json")
    assert game.exit_code == 0, game.stderr
    answer = json.loads(game.stdout)
    assert 0 < answer["home_win_probability"] < 1 and "home_margin" not in answer
    assert answer["quantiles"] == {} and answer["lacking"] == f"this model set {lacks}"
    text = run("predict", "game", "BOS", "PHI", "--date", "2019-10-22")
    assert text.exit_code == 0 and text.stdout.splitlines()[1] == f"  (this model set {lacks})"
