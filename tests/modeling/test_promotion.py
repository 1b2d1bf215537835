"""modeling.promotion: the gate compares on the same unseen games, night after night, and never
keeps a current set that does not exist or is not valid."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from nba_ml import modelset
from nba_ml.commands.train import train
from nba_ml.config import resolve_settings
from nba_ml.errors import NotPromoted
from nba_ml.manifest import Manifest
from nba_ml.modeling.promotion import compare, decide, floor_misses
from nba_ml.modeling.training import TrainedSet
from nba_ml.state.store import Verification, verify_model_set
from tests.conftest import GAMELOGS, copy_data_dir

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not GAMELOGS.is_dir(), reason="needs ../shared game logs"),
]

GOOD = {
    "game_outcome": {"brier": 0.215},
    **{m: {"mae": 2.0, "ratio_last10": 0.96} for m in ("points", "assists", "rebounds")},
}


def _copy(metrics: dict) -> dict:
    return json.loads(json.dumps(metrics))


def _manifest_of(training: object) -> Manifest:
    """A manifest as the store parses it, recording ``training`` (and no model files)."""
    return Manifest.from_json({"models": {}, "training": training})


# --- the rules -------------------------------------------------------------------------------


def test_floors_and_tolerances() -> None:
    assert floor_misses(GOOD) == []
    coin = _copy(GOOD)
    coin["game_outcome"]["brier"] = 0.26
    assert "coin flip" in floor_misses(coin)[0]
    naive = _copy(GOOD)
    naive["points"]["ratio_last10"] = 1.02
    assert "last-10" in floor_misses(naive)[0]
    assert compare(GOOD, GOOD) == []
    within = _copy(GOOD)
    game, points = modelset.spec("game_outcome"), modelset.spec("points")
    within["game_outcome"]["brier"] = 0.215 + game.promotion.tolerance * 0.9
    within["points"]["mae"] = 2.0 * (1 + points.promotion.tolerance * 0.9)
    assert compare(within, GOOD) == []
    worse = _copy(GOOD)
    worse["game_outcome"]["brier"] = 0.2210
    worse["rebounds"]["mae"] = 2.05
    reasons = compare(worse, GOOD)
    assert len(reasons) == 2 and "0.2210 is worse than the current 0.2150" in reasons[0]
    # the words the gate has always used (exit 3's message is made of them)
    assert reasons == [
        "game Brier 0.2210 is worse than the current 0.2150 (tolerance 0.005)",
        "rebounds MAE 2.050 is worse than the current 2.000 (tolerance 2%)",
    ]
    assert floor_misses(coin) == ["game Brier 0.2600 is worse than a coin flip (0.25)"]
    assert floor_misses(naive) == ["points MAE is 1.020 x the last-10-games average"]


def test_crps_is_compared_only_when_both_sets_have_distributions() -> None:
    with_crps = _copy(GOOD)
    with_crps["assists"]["crps"] = 0.85
    assert compare(with_crps, GOOD) == [] and compare(GOOD, with_crps) == []
    within = _copy(with_crps)
    tolerance = modelset.spec("assists").distribution.tolerance  # type: ignore[union-attr]
    within["assists"]["crps"] = 0.85 * (1 + tolerance * 0.9)
    assert compare(within, with_crps) == []
    worse = _copy(with_crps)
    worse["assists"]["crps"] = 0.88
    (reason,) = compare(worse, with_crps)
    assert reason == "assists CRPS 0.880 is worse than the current 0.850 (tolerance 2%)"


def test_margin_and_total_are_compared_by_mae_and_crps_unless_the_current_set_lacks_them() -> None:
    current = {**_copy(GOOD), "margin": {"mae": 10.0, "crps": 7.2}, "total": {"mae": 15.0}}
    assert compare(current, current) == []
    worse = _copy(current)
    worse["margin"] = {"mae": 10.3, "crps": 7.5}
    worse["total"] = {"mae": 15.2}  # within 2 %
    assert compare(worse, current) == [
        "home margin MAE 10.300 is worse than the current 10.000 (tolerance 2%)",
        "home margin CRPS 7.500 is worse than the current 7.200 (tolerance 2%)",
    ]
    # a current set trained before them (nba-ml 0.1): nothing to compare, and no floor to miss
    assert compare(worse, _copy(GOOD)) == []
    assert floor_misses(worse) == []


@pytest.mark.parametrize("problem", ["missing", "invalid"])
def test_without_a_valid_current_set_the_new_one_is_installed_with_warnings(
    problem: str, tmp_path: Path
) -> None:
    bad = _copy(GOOD)
    bad["game_outcome"]["brier"] = 0.27
    trained = TrainedSet(
        {}, {"metrics": bad, "holdout": {"start": "2019-01-01"}, "last_game_date": "2019-02-01"}
    )
    manifest = None if problem == "missing" else _manifest_of({"metrics": GOOD})
    current = Verification(ok=False, manifest=manifest, problems=[], loaded=False, seconds=0.0)
    verdict = decide(trained, current, tmp_path)
    assert verdict.promote and not verdict.current_valid
    assert verdict.reasons == [] and "coin flip" in verdict.warnings[0]
    assert verdict.basis.startswith("no valid current set")


def test_too_few_new_games_to_compare_on_fall_back_to_the_floors_without_scoring(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # `train --force --seasons 2017-18` twice: the same short holdout, and no game after the
    # current set's last one. The gate scored the empty window anyway and logged scikit-learn's
    # "could not score the current set for the comparison: ValueError: Found array with 0
    # sample(s) ...".
    from nba_ml.modeling.training import FeatureTables

    days = pd.date_range("2018-01-01", periods=60, freq="D")
    games = pd.DataFrame({"game_date": days, "home_win": [1.0, 0.0] * 30})
    players = pd.DataFrame({"game_date": days})
    training = {
        "metrics": GOOD,
        "holdout": {"start": "2018-02-01", "games": 29},
        "last_game_date": "2018-03-01",
    }
    trained = TrainedSet({}, training, evaluation_models={}, tables=FeatureTables(games, players))
    current = Verification(
        ok=True, manifest=_manifest_of(training), problems=[], loaded=False, seconds=0.0
    )
    with caplog.at_level(logging.INFO, logger="nba_ml.modeling.promotion"):
        verdict = decide(trained, current, tmp_path)
    assert verdict.promote and verdict.current_valid
    assert verdict.basis.startswith("no 100 games that neither set's evaluation fit saw")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# --- two nights of a growing season, on real game logs ---------------------------------------


def _through(target: Path, seasons: list[str], last_day: str, *, inverted_before: str = "") -> Path:
    """Return ``target`` holding the shared exports of ``seasons`` cut after ``last_day``.

    Games before ``inverted_before`` get their results inverted (the loser is recorded as the
    winner, scores swapped, consistently for both teams and their players): damaged upstream
    data that a set trained on it learns the wrong way round from.
    """
    target.mkdir(parents=True)
    for season in seasons:
        for kind in ("team", "player"):
            name = f"{kind}_game_logs_{season}.csv"
            frame = pd.read_csv(GAMELOGS / name, dtype=str, keep_default_na=False)
            frame = frame[frame["GAME_DATE"] <= last_day].copy()
            damaged = frame["GAME_DATE"] < inverted_before
            frame.loc[damaged, "WL"] = frame.loc[damaged, "WL"].map({"W": "L", "L": "W"})
            if kind == "team":
                points = frame.loc[damaged, "PTS"].astype(int)
                margin = frame.loc[damaged, "PLUS_MINUS"].astype(int)
                frame.loc[damaged, "PTS"] = (points - margin).astype(str)
                frame.loc[damaged, "PLUS_MINUS"] = (-margin).astype(str)
            frame.to_csv(target / name, index=False)
    return target


SEASONS = ["2017-18", "2018-19"]
NIGHT_1, NIGHT_2 = "2019-03-01", "2019-03-10"
# The gate compares the sets' holdout figures, whatever models made them: small player models
# (tests/conftest.py's quick_models), fitted in this process, where they are patched in.
QUICK = {"NBA_ML_JOBS": "1"}


@pytest.fixture(scope="module")
def night_one(tmp_path_factory: pytest.TempPathFactory, quick_models: None) -> Path:
    """A data directory whose set was trained on both seasons up to NIGHT_1."""
    root = tmp_path_factory.mktemp("night_one")
    source = _through(root / "logs", SEASONS, NIGHT_1)
    settings = resolve_settings(root / "data", environ=QUICK)
    assert train(settings, force=True, source=source).outcome == "trained"
    return root / "data"


def _manifest(data_dir: Path) -> dict:
    return json.loads((data_dir / "models" / "manifest.json").read_text())


def test_the_next_night_is_compared_on_the_current_holdouts_games_and_promoted(
    night_one: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = copy_data_dir(night_one, tmp_path / "data")
    before = _manifest(data)["training"]
    source = _through(tmp_path / "logs", SEASONS, NIGHT_2)
    settings = resolve_settings(data, environ=QUICK)
    with caplog.at_level(logging.INFO, logger="nba_ml.modeling.promotion"):
        result = train(settings, force=True, source=source)
    assert result.outcome == "trained"
    after = _manifest(data)["training"]
    # A growing season: the same holdout start, more games each night (the old gate compared
    # only identical holdout descriptions, so it never compared at night).
    assert after["holdout"]["start"] == before["holdout"]["start"]
    assert after["holdout"]["games"] > before["holdout"]["games"]
    games = before["holdout"]["games"]
    assert (
        f"compared on the current set's holdout: the same {games} games from "
        f"{before['holdout']['start']} to {NIGHT_1}"
    ) in caplog.text


@pytest.mark.parametrize(
    ("seasons", "inverted_before", "basis"),
    [
        # The same holdout start, one more week of games: compared on the current holdout's games.
        (SEASONS, "2018-07-01", "compared on the current set's holdout: the same"),
        # Only the current season came back (the data window shrank), so the new holdout starts
        # later: the current set's definitions are refitted before it and both are scored on the
        # same games neither saw.
        (["2018-19"], "2019-02-05", "with the current set's definitions refitted on its own data"),
    ],
    ids=["same-holdout", "refit"],
)
def test_a_worse_set_never_replaces_a_better_one_during_a_growing_season(
    night_one: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    seasons: list[str],
    inverted_before: str,
    basis: str,
) -> None:
    data = copy_data_dir(night_one, tmp_path / "data")
    before = _manifest(data)
    source = _through(tmp_path / "logs", seasons, NIGHT_2, inverted_before=inverted_before)
    settings = resolve_settings(data, environ=QUICK)
    with (
        caplog.at_level(logging.INFO, logger="nba_ml.modeling.promotion"),
        pytest.raises(NotPromoted) as raised,
    ):
        train(settings, force=True, source=source)
    assert raised.value.exit_code == 3
    message = str(raised.value)
    assert "game Brier" in message and "worse than the current" in message
    assert "current models kept" in message
    assert basis in caplog.text
    assert _manifest(data)["generation"] == before["generation"]
    assert verify_model_set(data).ok


def test_ensure_repairs_a_forged_current_set_instead_of_keeping_it(
    night_one: Path, tmp_path: Path
) -> None:
    data = copy_data_dir(night_one, tmp_path / "data")
    # Forge the current set: the recorded figures claim it is unbeatable, and a model file no
    # longer matches its manifest hash, so `check` calls it invalid.
    manifest_path = (data / "models" / "manifest.json").resolve()
    manifest = json.loads(manifest_path.read_text())
    manifest["training"]["metrics"]["game_outcome"]["brier"] = 0.01
    manifest_path.write_text(json.dumps(manifest))
    model = next(p for p in (data / "models").resolve().glob("*.skops"))
    model.write_bytes(model.read_bytes() + b"forged")
    assert not verify_model_set(data).ok
    settings = resolve_settings(data, environ=QUICK)
    result = train(
        settings, source=_through(tmp_path / "logs", SEASONS, NIGHT_1), only_if_invalid=True
    )
    assert result.outcome == "trained"  # exit 0: repaired, not "current models kept"
    assert verify_model_set(data).ok
    assert _manifest(data)["generation"] != manifest["generation"]


def test_a_stale_current_set_is_compared_on_the_games_after_its_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, quick_models: None
) -> None:
    # The current set knows 2017-18 up to March only (collection then broke for months); the new
    # one, trained on damaged data, is scored beside the deployed current models on the games
    # after the current set's last game, which neither has seen.
    settings = resolve_settings(tmp_path / "data", environ=QUICK)
    old = _through(tmp_path / "old", ["2017-18"], "2018-03-01")
    assert train(settings, force=True, source=old).outcome == "trained"
    generation = _manifest(settings.data_dir)["generation"]
    new = _through(tmp_path / "new", SEASONS, "2018-12-31", inverted_before="2018-07-01")
    with (
        caplog.at_level(logging.INFO, logger="nba_ml.modeling.promotion"),
        pytest.raises(NotPromoted) as raised,
    ):
        train(settings, force=True, source=new)
    assert raised.value.exit_code == 3 and "game Brier" in str(raised.value)
    assert "after the current set's last game: the current models never saw them" in caplog.text
    assert _manifest(settings.data_dir)["generation"] == generation


def test_a_valid_set_with_odd_training_records_falls_back_to_the_floors(
    tmp_path: Path, caplog
) -> None:
    trained = TrainedSet(
        {}, {"metrics": GOOD, "holdout": {"start": "2019-01-01"}, "last_game_date": "2019-02-01"}
    )
    odd = {
        "training": {
            "holdout": {"start": 5, "games": "many"},
            "last_game_date": [],
            "metrics": GOOD,
        }
    }
    current = Verification(
        ok=True, manifest=_manifest_of(odd["training"]), problems=[], loaded=False, seconds=0.0
    )
    verdict = decide(trained, current, tmp_path)
    assert verdict.promote and verdict.current_valid
    assert "not compared with the current set" in verdict.warnings[0]
    bad = _copy(GOOD)
    bad["assists"]["ratio_last10"] = 1.1
    kept = decide(TrainedSet({}, {**trained.training, "metrics": bad}), current, tmp_path)
    assert not kept.promote and "assists MAE" in kept.reasons[0]  # a valid set is kept
