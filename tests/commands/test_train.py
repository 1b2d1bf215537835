"""commands.train end to end through the collector (replayed responses) and the promotion gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nba_ml.commands.train import FROM_HINT, OFFLINE_HINT, train
from nba_ml.config import resolve_settings
from nba_ml.errors import EXIT_USAGE, DataError, NotPromoted, UpstreamUnavailable, UsageError
from nba_ml.state.store import verify_model_set
from tests.conftest import copy_data_dir
from tests.replay import ReplayAdapter, faults, route_csv_season, route_schedule

pytestmark = pytest.mark.slow  # its file starts first under xdist (tests/conftest.py)

QUIET = {"NBA_ML_REQUEST_PAUSE": "0", "NBA_ML_RETRIES": "2"}


def test_train_from_stats_nba_com_then_refetch_nothing_finished(
    tmp_path: Path, quick_models: None
) -> None:
    # collection and its cache are under test: small player models, fitted in this process
    adapter = ReplayAdapter()
    for season in ("2017-18", "2018-19"):
        route_csv_season(adapter, season)
    route_schedule(adapter)
    settings = resolve_settings(tmp_path / "data", environ={**QUIET, "NBA_ML_JOBS": "1"})
    result = train(settings, force=True, seasons=["2017-18", "2018-19"], session=adapter.session())
    assert result.outcome == "trained"
    # 2 seasons x 2 season types (no play-in before 2019-20) x 2 modes, and today's schedule
    assert len(adapter.calls) == 9
    assert verify_model_set(settings.data_dir).ok
    manifest = result.manifest.to_json()
    assert manifest["training"]["seasons"] == ["2017-18", "2018-19"]
    assert manifest["training"]["holdout"]["name"] == "season 2018-19"
    # finished seasons and today's schedule are cached: a second forced run sends no request
    again = ReplayAdapter()
    second = train(
        settings,
        force=True,
        seasons=["2017-18", "2018-19"],
        promote_anyway=True,
        session=again.session(),
    )
    assert second.outcome == "trained"
    assert again.calls == []


def test_unreachable_upstream_is_temporary_and_keeps_models(
    trained_dir: Path, tmp_path: Path
) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    before = json.loads((copy / "models" / "manifest.json").read_text())
    adapter = ReplayAdapter()
    adapter.route(faults.connection_refused)
    settings = resolve_settings(copy, environ=QUIET)
    with pytest.raises(UpstreamUnavailable) as raised:
        train(settings, force=True, seasons=["2025-26"], session=adapter.session())
    assert raised.value.exit_code == 75
    assert "\n" not in str(raised.value)
    # the way to train on a machine without internet is on that line
    assert str(raised.value).endswith(f"; models untouched; {OFFLINE_HINT}")
    assert "`nba-ml train --from DIR`" in OFFLINE_HINT
    assert verify_model_set(copy).ok
    assert json.loads((copy / "models" / "manifest.json").read_text()) == before


def test_promotion_gate_keeps_better_current_models(
    synthetic_seasons: Path, tmp_path: Path, quick_models: None
) -> None:
    # two synthetic seasons: a holdout of 180 games, enough to compare on (100)
    logs, copy = synthetic_seasons, tmp_path / "d"
    settings = resolve_settings(copy, environ={"NBA_ML_JOBS": "1"})
    assert train(settings, force=True, source=logs).outcome == "trained"
    link = copy / "models" / "manifest.json"
    manifest = json.loads(link.read_text())
    generation = manifest["generation"]
    # pretend the current set was far better on the same holdout
    manifest["training"]["metrics"]["game_outcome"]["brier"] = 0.10
    target = link.resolve()
    target.write_text(json.dumps(manifest))
    with pytest.raises(NotPromoted) as raised:
        train(settings, force=True, source=logs)
    assert raised.value.exit_code == 3
    assert "worse than the current 0.1000" in str(raised.value)
    assert json.loads(link.read_text())["generation"] == generation
    forced = train(settings, force=True, source=logs, promote_anyway=True)
    assert forced.outcome == "trained"
    assert json.loads(link.read_text())["generation"] != generation


@pytest.mark.parametrize("training", [["a", "list"], "a string", 7])
def test_a_current_manifest_whose_training_is_not_an_object_is_replaced_cleanly(
    synthetic_set: Path, tmp_path: Path, training: object
) -> None:
    # such a set is invalid, so ensure retrains; the run read its training record after
    # installing the new set, and an AttributeError turned a good run into a failed one
    copy = copy_data_dir(synthetic_set, tmp_path / "d")
    target = (copy / "models" / "manifest.json").resolve()
    manifest = json.loads(target.read_text())
    manifest["training"] = training
    target.write_text(json.dumps(manifest))
    settings = resolve_settings(copy, environ={"NBA_ML_JOBS": "1"})
    result = train(settings, force=True, source=synthetic_set.parent / "logs")
    assert result.outcome == "trained", result.message
    assert verify_model_set(copy).ok
    assert result.manifest.to_json()["training"]["history_sha256"]


ELO_CSV = "date,season,team1,team2,elo1_pre,elo2_pre\n2020-12-22,2021,BKN,GSW,1500,1500\n"


def test_a_wrong_from_is_said_even_when_the_models_are_fresh(
    trained_dir: Path, two_seasons: Path, tmp_path: Path
) -> None:
    # it once said "skipped: models are 0.0 h old" without looking at the directory
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    wrong = tmp_path / "fivethirtyeight"
    wrong.mkdir()
    (wrong / "nba_elo_latest.csv").write_text(ELO_CSV)
    settings = resolve_settings(copy, environ=QUIET)
    for force in (False, True):
        with pytest.raises(UsageError) as raised:
            train(settings, force=force, source=wrong)
        assert raised.value.exit_code == EXIT_USAGE
        assert str(raised.value) == (
            f"no LeagueGameLog CSV or JSON files found in {wrong}: {FROM_HINT}"
        )
    # a right one with fresh models: skipped, as before
    assert train(settings, source=two_seasons).outcome == "skipped"


def test_a_season_missing_from_the_source_is_a_usage_error(
    synthetic_seasons: Path, tmp_path: Path
) -> None:
    settings = resolve_settings(tmp_path / "d", environ=QUIET)
    with pytest.raises(UsageError) as raised:
        train(settings, force=True, source=synthetic_seasons, seasons=["2010-11"])
    assert raised.value.exit_code == EXIT_USAGE  # was 1 (alert)
    assert str(raised.value) == (
        f"season 2010-11 is not in {synthetic_seasons} (found: 2017-18, 2018-19)"
    )


def test_a_parent_directory_skips_other_tables_and_names_a_bad_game_log(
    synthetic_seasons: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    from nba_ml.commands.train import load_training_data

    parent = tmp_path / "data"
    shutil.copytree(synthetic_seasons, parent / "gamelogs")
    (parent / "fivethirtyeight").mkdir()
    (parent / "fivethirtyeight" / "nba_elo_latest.csv").write_text(ELO_CSV)
    settings = resolve_settings(tmp_path / "d", environ=QUIET)
    with caplog.at_level("WARNING"):
        data = load_training_data(settings, parent, None)  # it failed on the Elo file
    assert data.seasons == ["2017-18", "2018-19"]
    assert "nba_elo_latest.csv: not a game-log file (no MATCHUP column)" in caplog.text
    broken = parent / "cassettes" / "playergamelog_2025-26.json"
    broken.parent.mkdir()
    broken.write_text(
        '{"resultSets": [{"name": "PlayerGameLog", "headers": ["GAME_DATE"], "rowSet": []}]}'
    )
    with pytest.raises(DataError) as raised:
        load_training_data(settings, parent, None)
    assert str(raised.value).startswith(f"{broken}: ")
    assert str(raised.value).endswith(f"; --from reads its subdirectories too: {FROM_HINT}")


def test_a_one_season_training_names_its_small_holdout(
    synthetic_seasons: Path, tmp_path: Path, quick_models: None, caplog: pytest.LogCaptureFixture
) -> None:
    # a one-season training installed a 55-game holdout without a word on its size
    from nba_ml.commands.train import SMALL_HOLDOUT_GAMES

    settings = resolve_settings(tmp_path / "d", environ={**QUIET, "NBA_ML_JOBS": "1"})
    with caplog.at_level("WARNING"):
        result = train(
            settings, force=True, source=synthetic_seasons, seasons=["2018-19"], promote_anyway=True
        )
    holdout = result.manifest.to_json()["training"]["holdout"]
    assert holdout["games"] < SMALL_HOLDOUT_GAMES
    assert result.message.startswith("6 models on 2018-19 in ")  # the CLI puts "trained: "
    assert f"holdout {holdout['name']} ({holdout['games']} games): game Brier " in result.message
    assert (
        f"the holdout ({holdout['name']}) has only {holdout['games']} games: its figures are rough"
    ) in caplog.text


def test_ensure_retrains_a_set_an_older_nba_ml_saved_as_pickles(
    synthetic_set: Path, tmp_path: Path
) -> None:
    """Upgrading: a schema-1 set (joblib .pkl files, pickled game data) is invalid and never
    loaded, and `ensure` replaces it; its files, nba-ml's own, do not block the training."""
    from nba_ml import MODEL_FILES
    from nba_ml.commands.train import ensure
    from nba_ml.state.history import history_path

    copy = copy_data_dir(synthetic_set, tmp_path / "d")
    generation = (copy / "models").resolve()
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["schema"] = 1
    for name, filename in MODEL_FILES.items():
        old_name = filename.replace(".skops", ".pkl")
        (generation / filename).rename(generation / old_name)
        manifest["models"][name]["file"] = old_name
    (generation / "manifest.json").write_text(json.dumps(manifest))
    data = history_path(copy, manifest["training"]["history_sha256"])
    data.rename(data.with_suffix(".pkl"))
    verification = verify_model_set(copy)
    assert not verification.ok
    assert "model set: saved by an older nba-ml as pickles" in verification.summary()

    result = ensure(
        resolve_settings(copy, environ={"NBA_ML_JOBS": "1"}), source=synthetic_set.parent / "logs"
    )
    assert result.outcome == "trained", result.message
    assert verify_model_set(copy, full_load=True).ok
    assert (copy / "models").resolve() != generation
