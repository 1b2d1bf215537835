"""``backtest`` end to end on a small slice of two real seasons: the CSV and the figures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nba_ml.commands.backtest import backtest
from nba_ml.errors import DataError, UsageError
from tests.conftest import GAMELOGS
from tests.synthetic import write_seasons

# The first weeks of each season: a few hundred games, enough to fit every model quickly.
CUTOFFS = {"2017-18": "2017-11-30", "2018-19": "2018-11-10"}


@pytest.fixture(scope="module")
def small_seasons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GAMELOGS.is_dir():
        pytest.skip(f"needs the real game logs in {GAMELOGS}")
    target = tmp_path_factory.mktemp("small")
    for season, cutoff in CUTOFFS.items():
        for kind in ("team", "player"):
            name = f"{kind}_game_logs_{season}.csv"
            with (
                (GAMELOGS / name).open(newline="") as source,
                (target / name).open("w", newline="") as out,
            ):
                rows = csv.DictReader(source)
                writer = csv.DictWriter(out, fieldnames=rows.fieldnames or [])
                writer.writeheader()
                writer.writerows(r for r in rows if r["GAME_DATE"][:10] <= cutoff)
    return target


def test_backtest_predicts_every_game_of_the_test_season(
    small_seasons: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.csv"
    summary = backtest(small_seasons, "2018-19", output)
    assert summary.train_seasons == ["2017-18"]
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == summary.rows > 0
    assert list(rows[0]) == [
        "model",
        "game_date",
        "game_id",
        "season_type",
        "team",
        "opponent",
        "player_id",
        "player_name",
        "prediction",
        "q05",
        "q10",
        "q25",
        "q50",
        "q75",
        "q90",
        "q95",
        "actual",
    ]
    # the game distributions: one margin and one total row per game, with quantiles
    for model in ("margin", "total"):
        spread = [r for r in rows if r["model"] == model]
        assert len(spread) == sum(r["model"] == "game_outcome" for r in rows)
        assert all(float(r["q05"]) < float(r["q50"]) < float(r["q95"]) for r in spread)
    # which game and which player a row is, without a second lookup (once only their ids)
    players = [r for r in rows if r["model"] == "points"]
    with (small_seasons / "player_game_logs_2018-19.csv").open(newline="") as handle:
        names = {r["PLAYER_ID"]: r["PLAYER_NAME"] for r in csv.DictReader(handle)}
    assert players and all(r["player_name"] == names[r["player_id"]] for r in players)
    assert all(
        r["game_id"] and not r["player_name"] and not r["player_id"]
        for r in rows
        if r["model"] == "game_outcome"
    )
    by_game = {}
    for r in rows:
        by_game.setdefault(r["game_id"], set()).add((r["game_date"], r["model"]))
    assert all(len({day for day, _ in seen}) == 1 for seen in by_game.values())
    assert all(any(model == "game_outcome" for _, model in seen) for seen in by_game.values())
    games = [r for r in rows if r["model"] == "game_outcome"]
    with (small_seasons / "team_game_logs_2018-19.csv").open(newline="") as handle:
        team_rows = sum(1 for _ in csv.DictReader(handle))
    assert len(games) == team_rows // 2  # every game of the slice, once
    assert all(0 < float(r["prediction"]) < 1 for r in games)
    assert all(r["game_date"] <= CUTOFFS["2018-19"] for r in rows)
    dates = [r["game_date"] for r in rows]
    assert dates == sorted(dates)
    game = summary.figures["game_outcome"]
    assert game["n"] == len(games) and 0 < game["brier"] < 0.35
    for stat in ("points", "assists", "rebounds"):
        figures = summary.figures[stat]
        assert figures["n"] == sum(r["model"] == stat for r in rows)
        assert 0 < figures["mae"] < 10
        assert "calibration" not in figures


def test_backtest_refuses_bad_seasons_and_outputs_before_any_work(
    small_seasons: Path, tmp_path: Path
) -> None:
    with pytest.raises(UsageError):
        backtest(small_seasons, "2018-2019", tmp_path / "x.csv")
    with pytest.raises(UsageError, match="does not exist"):
        backtest(small_seasons, "2018-19", tmp_path / "missing" / "x.csv")
    with pytest.raises(DataError, match="not in the data"):
        backtest(small_seasons, "2020-21", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_the_test_season_is_read_as_its_label(tmp_path: Path) -> None:
    # " 2018-19" passed the label check but was then looked up as typed: "season  2018-19 is
    # not in the data (found: 2017-18, 2018-19)"; Arabic-Indic digits passed the check too.
    exports = write_seasons(tmp_path / "exports", ("2017-18",), rounds=1)
    with pytest.raises(DataError, match=r"^season 2019-20 is not in the data \(found: 2017-18"):
        backtest(exports, " 2019-20 ", tmp_path / "x.csv")
    with pytest.raises(UsageError, match="expected a label like 2019-20"):
        backtest(exports, "٢٠١٨-١٩", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_an_unknown_availability_mode_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--availability must be one of box-score, none"):
        backtest(tmp_path, "2018-19", tmp_path / "out.csv", availability="injuries")


def test_both_availability_modes_predict_every_game_and_only_box_score_knows_who_is_out(
    tmp_path: Path,
) -> None:
    """On synthetic seasons where players sit games out, `none` and `box-score` cover the same
    rows; they differ where the box score knew someone was out."""
    source = write_seasons(tmp_path / "logs", rounds=1, seed=5, absence=0.12)
    known = backtest(source, "2018-19", tmp_path / "known.csv")
    blind = backtest(source, "2018-19", tmp_path / "blind.csv", availability="none")
    assert (known.availability, blind.availability) == ("box-score", "none")
    assert known.rows == blind.rows
    with (tmp_path / "known.csv").open() as a, (tmp_path / "blind.csv").open() as b:
        rows_a, rows_b = list(csv.DictReader(a)), list(csv.DictReader(b))
    assert [r["game_id"] for r in rows_a] == [r["game_id"] for r in rows_b]
    assert any(x["prediction"] != y["prediction"] for x, y in zip(rows_a, rows_b, strict=True))
