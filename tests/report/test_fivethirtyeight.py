"""FiveThirtyEight's forecasts: read strictly, matched to the holdout by date and teams, scored
on the same games as the model (a synthetic 538-style file; the real ones where ../shared is)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nba_ml.errors import DataError
from nba_ml.modeling.evaluation import game_metrics
from nba_ml.report.fivethirtyeight import compare, read_forecasts
from tests.conftest import FIVETHIRTYEIGHT

HEADER = "date,season,neutral,team1,team2,elo_prob1,raptor_prob1,score1,score2\n"
ROWS = (
    "2021-01-02,2021,0,BRK,CHO,0.70,0.60,110,100\n"
    "2021-01-02,2021,0,PHO,LAL,0.40,0.45,99,101\n"
    "2021-01-03,2021,1,BOS,MIA,0.55,0.52,100,90\n"  # our data has MIA at home
    "2021-01-04,2021,0,GSW,DEN,0.50,0.50,,\n"
)  # not played: dropped


def write(tmp_path: Path, text: str, name: str = "elo.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def holdout() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_date": pd.to_datetime(
                ["2021-01-02", "2021-01-02", "2021-01-03", "2021-01-05", "2021-01-06"]
            ),
            "home": ["BKN", "PHX", "MIA", "UTA", "NYK"],
            "away": ["CHA", "LAL", "BOS", "SAS", "ATL"],
            "probability": [0.8, 0.3, 0.6, 0.5, 0.5],
            "home_win": [1.0, 0.0, 0.0, 1.0, None],  # the last one not played
        }
    )


def test_forecasts_are_read_with_nba_api_codes_and_unplayed_games_dropped(tmp_path: Path) -> None:
    frame = read_forecasts(write(tmp_path, HEADER + ROWS))
    assert list(frame.columns) == ["game_date", "home", "away", "elo", "raptor"]
    assert frame[["home", "away"]].to_numpy().tolist() == [
        ["BKN", "CHA"],
        ["PHX", "LAL"],
        ["BOS", "MIA"],
    ]
    assert frame["elo"].tolist() == [0.70, 0.40, 0.55]


def test_an_elo_only_file_has_no_raptor(tmp_path: Path) -> None:
    text = "date,team1,team2,elo_prob1,score1,score2\n2021-01-02,BOS,MIA,0.6,1,2\n"
    frame = read_forecasts(write(tmp_path, text))
    assert frame["raptor"].isna().all() and frame["elo"].tolist() == [0.6]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("date,team1,team2\n2021-01-02,BOS,MIA\n", "no column elo_prob1, score1, score2"),
        (HEADER + "02/01/2021,2021,0,BOS,MIA,0.5,0.5,1,2\n", "'02/01/2021' is not YYYY-MM-DD"),
        (HEADER + "2021-01-02,2021,0,BOS,MIA,1.5,0.5,1,2\n", "elo_prob1 '1.5' is not a probab"),
        (HEADER + "2021-01-02,2021,0,BOS,MIA,0.5,high,1,2\n", "raptor_prob1 'high' is not a pr"),
        ("", "not a CSV file"),
    ],
)
def test_a_malformed_file_is_one_clear_data_error(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(DataError, match=needle) as caught:
        read_forecasts(write(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file or directory"):
        read_forecasts(tmp_path / "absent.csv")


def test_the_model_and_both_forecasts_are_scored_on_the_same_matched_games(tmp_path: Path) -> None:
    result = compare(holdout(), read_forecasts(write(tmp_path, HEADER + ROWS)), "elo.csv")
    assert (result.source, result.holdout_games, result.matched) == ("elo.csv", 4, 3)
    outcomes = [1.0, 0.0, 0.0]  # BKN won, PHX lost, MIA (home here) lost
    # the neutral-site game listed the other way round is turned round: MIA 0.45 / 0.48
    expected = {"model": [0.8, 0.3, 0.6], "elo": [0.70, 0.40, 0.45], "raptor": [0.60, 0.45, 0.48]}
    for name, probabilities in expected.items():
        want = game_metrics(pd.Series(probabilities).to_numpy(), pd.Series(outcomes).to_numpy())
        assert result.scores[name]["brier"] == pytest.approx(want["brier"]), name
        assert result.scores[name]["n"] == 3


def test_no_matching_game_gives_no_scores(tmp_path: Path) -> None:
    text = HEADER + "2019-01-02,2019,0,BOS,MIA,0.6,0.6,1,2\n"
    result = compare(holdout(), read_forecasts(write(tmp_path, text)))
    assert (result.matched, result.scores) == (0, {})


@pytest.mark.parametrize(("season", "games"), [("2019-20", 1125), ("2020-21", 1112)])
def test_the_real_files_read_every_scored_game(season: str, games: int) -> None:
    path = FIVETHIRTYEIGHT / f"nba_elo_latest_{season}.csv"
    if not path.is_file():
        pytest.skip(f"needs {path} (../shared)")
    frame = read_forecasts(path)
    assert len(frame) == games  # the counts of ../shared/README.md
    assert frame["raptor"].notna().all() and frame["home"].isin(["BKN", "CHA", "PHX"]).any()
    assert not frame["home"].isin(["BRK", "CHO", "PHO"]).any()
