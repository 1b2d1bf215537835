"""The core paths on small synthetic seasons, through the real ``nba-ml`` command.

These need nothing beside the checkout (no ../shared), so the README's test command proves
train, ensure, check, status, predict, backtest, the lock and the store on a fresh clone. The
seasons come from tests/synthetic.py; every command runs in a subprocess like an operator's.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nba_ml import MODEL_FILES, modelset
from nba_ml.modelset import Level
from tests.conftest import copy_data_dir
from tests.synthetic import write_seasons

pytestmark = pytest.mark.slow  # its file starts first under xdist (tests/conftest.py)

TIMEOUT = 600


def nba_ml(
    data_dir: Path, *args: object, env: dict[str, str] | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_ML_", "NBA_TRAINING"))}
    environ.pop("STATE_DIRECTORY", None)
    environ.update({"NBA_ML_JOBS": "1", "NO_COLOR": "1"})
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "nba_ml", "--data-dir", str(data_dir), *map(str, args)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        check=False,
    )


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if " - ERROR - " in line]


@pytest.fixture(scope="session")
def synthetic_trained(tmp_path_factory: pytest.TempPathFactory, synthetic_seasons: Path) -> Path:
    data_dir = tmp_path_factory.mktemp("synthetic-trained") / "data"
    result = nba_ml(data_dir, "train", "--force", "--from", synthetic_seasons)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("trained:"), result.stdout
    return data_dir


def test_train_installs_four_valid_models_and_check_and_ensure_accept_them(
    synthetic_trained: Path,
) -> None:
    models = synthetic_trained / "models"
    assert models.is_symlink()
    assert sorted(p.name for p in models.iterdir() if p.suffix == ".skops") == sorted(
        MODEL_FILES.values()
    )
    check = nba_ml(synthetic_trained, "check", "--json")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["ok"] is True
    ensure = nba_ml(synthetic_trained, "ensure")
    assert ensure.returncode == 0, ensure.stderr
    assert "valid" in ensure.stdout
    # train without --force on fresh models skips, saying why
    skipped = nba_ml(synthetic_trained, "train")
    assert skipped.returncode == 0
    assert "fresh" in (skipped.stdout + skipped.stderr)


def test_status_reports_the_set_and_the_run(synthetic_trained: Path) -> None:
    result = nba_ml(synthetic_trained, "status", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    text = json.dumps(report)
    assert "2017-18" in text and "2018-19" in text
    assert "trained" in text
    plain = nba_ml(synthetic_trained, "status")
    assert plain.returncode == 0
    assert "game_outcome" in plain.stdout


def test_predict_game_and_player(synthetic_trained: Path) -> None:
    game = nba_ml(
        synthetic_trained, "predict", "game", "BOS", "PHI", "--date", "2019-01-02", "--json"
    )
    assert game.returncode == 0, game.stderr
    payload = json.loads(game.stdout)
    probability = next(v for k, v in _flatten(payload) if "prob" in k)
    assert 0.0 < float(probability) < 1.0
    player = nba_ml(
        synthetic_trained,
        "predict",
        "player",
        "Player BOS 1",
        "--opponent",
        "PHI",
        "--date",
        "2019-01-02",
        "--json",
    )
    assert player.returncode == 0, player.stderr
    values = dict(_flatten(json.loads(player.stdout)))
    assert any(k.endswith("points") and float(v) > 0 for k, v in values.items())
    unknown = nba_ml(synthetic_trained, "predict", "game", "BOS", "XYZ", "--date", "2019-01-02")
    assert unknown.returncode in (1, 2)
    assert len(error_lines(unknown)) == 1


def _flatten(value: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _flatten(v, f"{prefix}{k}.")]
    if isinstance(value, list):
        return [pair for v in value for pair in _flatten(v, prefix)]
    return [(prefix.rstrip("."), value)]


def test_a_tampered_model_is_refused_and_ensure_repairs_it(
    synthetic_trained: Path, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(synthetic_trained, tmp_path / "data")
    target = (data_dir / "models").resolve() / MODEL_FILES["points"]
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"x")
    check = nba_ml(data_dir, "check")
    assert check.returncode == 1
    assert "points" in check.stdout + check.stderr
    seasons = tmp_path / "seasons"
    write_seasons(seasons)
    ensure = nba_ml(data_dir, "ensure", "--from", seasons)
    assert ensure.returncode == 0, ensure.stderr
    assert nba_ml(data_dir, "check").returncode == 0


def test_a_held_lock_makes_train_exit_75_and_the_set_stays(
    synthetic_trained: Path, synthetic_seasons: Path, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(synthetic_trained, tmp_path / "data")
    before = os.readlink(data_dir / "models")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from nba_ml.state.lock import TrainingLock\n"
            "with TrainingLock(Path(sys.argv[1]) / 'train.lock'):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = nba_ml(data_dir, "train", "--force", "--from", synthetic_seasons)
        assert result.returncode == 75, result.stderr
        [line] = error_lines(result)
        assert "another training is running" in line
    finally:
        holder.kill()
        holder.wait()
    assert os.readlink(data_dir / "models") == before
    assert nba_ml(data_dir, "check").returncode == 0


def test_backtest_writes_every_game_and_player_game(
    synthetic_seasons: Path, tmp_path: Path
) -> None:
    output = tmp_path / "backtest.csv"
    result = nba_ml(
        tmp_path / "data",
        "backtest",
        "--from",
        synthetic_seasons,
        "--test-season",
        "2018-19",
        "--output",
        output,
    )
    assert result.returncode == 0, result.stderr
    with output.open() as handle:
        rows = list(csv.DictReader(handle))
    by_model: dict[str, int] = {}
    for row in rows:
        by_model[row["model"]] = by_model.get(row["model"], 0) + 1
    with (synthetic_seasons / "team_game_logs_2018-19.csv").open() as handle:
        games = sum(1 for _ in csv.DictReader(handle)) // 2
    with (synthetic_seasons / "player_game_logs_2018-19.csv").open() as handle:
        player_games = sum(1 for _ in csv.DictReader(handle))
    # Every game model and game distribution (margin, total) has a row per game, every player
    # model a row per player-game.
    expected = {
        spec.name: games if spec.level is Level.GAME else player_games
        for spec in modelset.backtest_models()
    }
    assert {"game_outcome", "margin", "total", "points"} <= set(expected)
    assert by_model == expected
    probabilities = [float(r["prediction"]) for r in rows if r["model"] == "game_outcome"]
    assert all(0 < p < 1 for p in probabilities)
