"""``report``: ``--output`` is checked before anything is read, then the page is written there.

The page's content is tested in tests/report/; here the command's contract on a set trained on
synthetic seasons (tests/commands/conftest.py): the order of its refusals and what it returns.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from nba_ml.commands.report import report
from nba_ml.config import Settings, resolve_settings
from nba_ml.errors import EXIT_FAILURE, EXIT_USAGE, ModelInvalid, UsageError


@pytest.fixture(scope="module")
def settings(synthetic_set: Path) -> Settings:
    return resolve_settings(synthetic_set, environ={})


@pytest.fixture
def empty(tmp_path: Path) -> Settings:
    return resolve_settings(tmp_path / "no-models", environ={})


@pytest.mark.parametrize("fast", [False, True])
def test_an_unusable_output_is_refused_before_the_models_are_read(
    empty: Settings, tmp_path: Path, fast: bool
) -> None:
    """A usage error (exit 2), not "models not usable" (exit 1), though there are no models."""
    os.mkfifo(tmp_path / "fifo")
    for target, needle in [
        (tmp_path, "is a directory"),
        (tmp_path / "fifo", "is a FIFO"),
        (tmp_path / "no" / "page.html", "does not exist (it is not created)"),
    ]:
        with pytest.raises(UsageError, match=re.escape(needle)) as caught:
            report(empty, target, fast=fast)
        assert caught.value.exit_code == EXIT_USAGE
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("fast", [False, True])
def test_no_models_is_model_invalid_and_writes_nothing(
    empty: Settings, tmp_path: Path, fast: bool
) -> None:
    target = tmp_path / "page.html"
    with pytest.raises(ModelInvalid, match=r"no models in .* yet: run `nba-ml train`") as caught:
        report(empty, target, fast=fast)
    assert caught.value.exit_code == EXIT_FAILURE
    assert not target.exists()


def test_the_page_is_written_to_output_and_its_path_returned(
    settings: Settings, tmp_path: Path
) -> None:
    target = tmp_path / "page.html"
    written = report(settings, target, fast=True)
    assert written == target
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "(in-sample)" in page  # --fast says its per-minute figures are not out-of-sample
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left


def test_a_str_output_is_a_path_and_a_symlink_is_replaced_not_followed(
    settings: Settings, tmp_path: Path
) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(precious)
    assert report(settings, str(link), fast=True) == link  # type: ignore[arg-type]
    assert precious.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text().startswith("<!DOCTYPE html>")


def _forecasts_of_holdout(settings: Settings, path: Path, games: int) -> tuple[Path, int]:
    """Write a 538-style CSV forecasting the first ``games`` holdout games of the set; return
    it and the number of holdout games."""
    import pandas as pd

    from nba_ml.modeling.training import build_feature_tables
    from nba_ml.state.history import load_history
    from nba_ml.state.store import read_manifest

    training = read_manifest(settings.data_dir).to_json()["training"]
    games_table = build_feature_tables(
        load_history(settings.data_dir, training.get("history_sha256"))
    ).games
    start = pd.Timestamp(training["holdout"]["start"])
    held = games_table[(games_table["game_date"] >= start) & games_table["home_win"].notna()]
    lines = ["date,season,team1,team2,elo_prob1,raptor_prob1,score1,score2"]
    lines += [
        f"{row.game_date:%Y-%m-%d},2019,{row.home},{row.away},0.6,0.55,100,99"
        for row in held.head(games).itertuples()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path, len(held)


def test_without_fivethirtyeight_the_page_hints_at_the_option(
    settings: Settings, tmp_path: Path
) -> None:
    page = report(settings, tmp_path / "page.html", fast=True).read_text()
    assert "Add <code>--fivethirtyeight FILE.csv</code>" in page
    assert "Beside FiveThirtyEight" not in page


def test_fivethirtyeight_is_scored_on_the_same_holdout_games(
    settings: Settings, tmp_path: Path
) -> None:
    csv, held = _forecasts_of_holdout(settings, tmp_path / "elo.csv", 30)
    page = report(settings, tmp_path / "page.html", fast=True, fivethirtyeight=csv).read_text()
    assert "Beside FiveThirtyEight" in page and "--fivethirtyeight FILE.csv" not in page
    assert f"30 of the {held:,} holdout games are in <code>elo.csv</code>" in page
    table = page[page.index("Beside FiveThirtyEight") :]
    assert '<th scope="col">538 Elo</th><th scope="col">538 RAPTOR</th>' in table


def test_a_file_matching_no_holdout_game_says_so(settings: Settings, tmp_path: Path) -> None:
    csv = tmp_path / "old.csv"
    csv.write_text("date,team1,team2,elo_prob1,score1,score2\n1990-01-02,BOS,MIA,0.6,1,2\n")
    page = report(settings, tmp_path / "page.html", fast=True, fivethirtyeight=csv).read_text()
    assert "No holdout game is in <code>old.csv</code>" in page


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (None, "no such file or directory"),
        ("date,team1\n2021-01-01,BOS\n", "not FiveThirtyEight's nba_elo CSV"),
    ],
)
def test_a_missing_or_malformed_file_is_a_usage_error_before_anything_is_read(
    empty: Settings, tmp_path: Path, text: str | None, needle: str
) -> None:
    csv = tmp_path / "elo.csv"
    if text is not None:
        csv.write_text(text)
    with pytest.raises(UsageError, match=rf"^--fivethirtyeight .*elo.csv: .*{needle}") as caught:
        report(empty, tmp_path / "page.html", fivethirtyeight=csv)  # no models: read first
    assert caught.value.exit_code == EXIT_USAGE and not (tmp_path / "page.html").exists()
