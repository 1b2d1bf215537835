"""state.metrics: the textfile-collector metrics file, its format, and the hook in record_run."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from pathlib import Path

import pytest

from nba_ml.commands.recording import record_run
from nba_ml.config import resolve_settings
from nba_ml.manifest import Manifest
from nba_ml.state.metrics import KNOWN_OUTCOMES, render_metrics, write_run_metrics
from tests.conftest import copy_data_dir

# The text exposition format (version 0.0.4), as node_exporter's textfile collector parses it.
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{((?:{_LABEL})(?:,{_LABEL})*)?\}})? (\S+)$")
_VALUE = re.compile(r"^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)|NaN|[+-]Inf)$")


def parse_exposition(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Parse strictly: HELP and TYPE once per family and before its samples, families contiguous,
    no duplicate series, every value a number; return {name: {labels: value}}."""
    assert text.endswith("\n") and "\n\n" not in text
    families: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    helped: set[str] = set()
    typed: set[str] = set()
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, help_text = line[7:].split(" ", 1)
            assert re.fullmatch(_NAME, name) and help_text.strip() and name not in helped, line
            helped.add(name)
            current = name
            continue
        if line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            assert name == current and kind in ("gauge", "counter", "untyped"), line
            assert name not in typed and name not in families, line
            typed.add(name)
            continue
        assert not line.startswith("#"), line
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        assert name == current and name in typed, f"{name} outside its family"
        assert _VALUE.match(value), line
        pairs = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels or ""))
        series = families.setdefault(name, {})
        assert pairs not in series, f"duplicate series {line!r}"
        series[pairs] = float(value)
    assert helped == typed == set(families), "a family without samples or without HELP/TYPE"
    return families


def _run(command: str, outcome: str, code: int, ended: str, seconds: int = 30) -> dict:
    end = dt.datetime.fromisoformat(ended)
    return {
        "command": command,
        "outcome": outcome,
        "exit_code": code,
        "started_at": (end - dt.timedelta(seconds=seconds)).isoformat(),
        "ended_at": end.isoformat(),
        "message": "m",
        "figures": {},
    }


def _parsed(manifest: dict) -> Manifest:
    """The manifest as the store parses it (these records list no model files)."""
    return Manifest.from_json({"models": {}, **manifest})


MANIFEST = {
    "generation": "20261201T100000Z-abc",
    "trained_at": "2026-12-01T10:00:00+00:00",
    "training": {
        "last_game_date": "2026-11-30",
        "holdout": {"name": "season 2026-27", "games": 250},
        "metrics": {
            "game_outcome": {"brier": 0.2213},
            "points": {"mae": 4.8},
            "assists": {"mae": 1.4},
            "rebounds": {"mae": 2.0},
        },
    },
}


def test_metrics_name_every_required_figure_and_parse_strictly() -> None:
    runs = [
        _run("train", "trained", 0, "2026-11-30T10:01:00+00:00", 60),
        _run("ensure", "trained", 0, "2026-11-30T12:00:00+00:00"),
        _run("train", "skipped", 0, "2026-12-01T09:00:01+00:00", 1),
        _run("train", "failed", 1, "2026-12-01T10:02:00+00:00", 120),
    ]
    families = parse_exposition(render_metrics(runs, _parsed(MANIFEST), valid=True))
    assert all(name.startswith("nba_ml_") for name in families)
    train_label = (("command", "train"),)
    success = families["nba_ml_last_success_timestamp_seconds"]
    # The failed run and the guard's skip are not successes: the last success is 10:01 the day
    # before.
    assert (
        success[train_label] == dt.datetime(2026, 11, 30, 10, 1, tzinfo=dt.timezone.utc).timestamp()
    )
    assert (
        success[(("command", "ensure"),)]
        == dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc).timestamp()
    )
    assert families["nba_ml_last_run_exit_code"][train_label] == 1
    assert families["nba_ml_last_run_duration_seconds"][train_label] == 120
    outcome = families["nba_ml_last_run_outcome"]
    assert outcome[(("command", "train"), ("outcome", "failed"))] == 1
    assert outcome[(("command", "train"), ("outcome", "trained"))] == 0
    assert sum(v for k, v in outcome.items() if k[0] == ("command", "train")) == 1
    generation = ("generation", MANIFEST["generation"])
    assert families["nba_ml_holdout_brier"][(generation, ("model", "game_outcome"))] == 0.2213
    mae = families["nba_ml_holdout_mae"]
    assert {k[1][1]: v for k, v in mae.items()} == {"points": 4.8, "assists": 1.4, "rebounds": 2.0}
    assert families["nba_ml_models_valid"][(generation,)] == 1
    assert (
        families["nba_ml_models_trained_timestamp_seconds"][(generation,)]
        == dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone.utc).timestamp()
    )


def test_the_distributions_crps_and_coverage_are_exported_per_model_and_interval() -> None:
    shape = {"crps": 3.5, "coverage_50": 0.49, "coverage_80": 0.79, "coverage_90": 0.9}
    metrics = {
        **MANIFEST["training"]["metrics"],  # type: ignore[index]
        "points": {"mae": 4.8, **shape},
        "margin": {"mae": 9.9, **shape, "crps": 7.1},
        "total": {"mae": 14.2},  # no distribution figures: not exported
    }
    manifest = {**MANIFEST, "training": {**MANIFEST["training"], "metrics": metrics}}
    families = parse_exposition(render_metrics([], _parsed(manifest), valid=True))
    generation = ("generation", MANIFEST["generation"])
    assert families["nba_ml_holdout_crps"] == {
        (generation, ("model", "points")): 3.5,
        (generation, ("model", "margin")): 7.1,
    }
    coverage = families["nba_ml_holdout_interval_coverage"]
    assert coverage[(generation, ("model", "margin"), ("interval", "0.8"))] == 0.79
    assert {(k[1][1], k[2][1]) for k in coverage} == {
        (model, interval) for model in ("points", "margin") for interval in ("0.5", "0.8", "0.9")
    }
    # the margin's and the total's MAE join the MAE family
    mae = families["nba_ml_holdout_mae"]
    assert mae[(generation, ("model", "margin"))] == 9.9
    assert mae[(generation, ("model", "total"))] == 14.2
    # a set trained before the distributions: no family without samples
    assert "nba_ml_holdout_crps" not in parse_exposition(
        render_metrics([], _parsed(MANIFEST), valid=True)
    )


def test_metrics_without_runs_or_models_still_parse() -> None:
    families = parse_exposition(render_metrics([], None, valid=False))
    assert families == {"nba_ml_models_valid": {(("generation", ""),): 0.0}}
    # Damaged records and a hostile generation label cannot break the format.
    odd = {
        **MANIFEST,
        "generation": 'a"b\\c\nd',
        "trained_at": "yesterday",
        "training": {"metrics": {"game_outcome": {"brier": "x"}}, "holdout": []},
    }
    runs = [
        {"command": "train", "outcome": None, "exit_code": "1", "ended_at": 5},
        {"command": ["x"]},
        _run("train", "weird\noutcome", 2, "2026-12-01T00:00:00"),
    ]
    families = parse_exposition(render_metrics(runs, _parsed(odd), valid=False))
    assert families["nba_ml_models_valid"] == {(("generation", 'a\\"b\\\\c\\nd'),): 0.0}
    assert families["nba_ml_last_run_exit_code"] == {(("command", "train"),): 2.0}


def test_numbers_too_large_for_a_float_are_left_out_not_raised() -> None:
    # One damaged runs.jsonl line (or manifest figure) with a 400-digit int made float() raise
    # OverflowError, and no metrics file was written at all until that line was gone.
    runs = [_run("train", "failed", 10**400, "2026-12-01T00:00:00+00:00")]
    manifest = {
        **MANIFEST,
        "training": {"metrics": {"points": {"mae": -(10**400)}}, "holdout": {"games": 10**400}},
    }
    families = parse_exposition(render_metrics(runs, _parsed(manifest), valid=True))
    assert "nba_ml_last_run_exit_code" not in families and "nba_ml_holdout_mae" not in families
    assert "nba_ml_holdout_games" not in families
    assert families["nba_ml_last_run_outcome"][(("command", "train"), ("outcome", "failed"))] == 1


def test_write_is_atomic_readable_by_the_collector_and_never_raises(tmp_path: Path, caplog) -> None:
    target = tmp_path / "collector" / "nba-ml.prom"
    target.parent.mkdir()
    write_run_metrics(target, tmp_path / "runs.jsonl", tmp_path / "data")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    parse_exposition(target.read_text())
    assert sorted(os.listdir(target.parent)) == ["nba-ml.prom"]  # no temporary left behind
    # A symlink there is replaced, not followed.
    victim = tmp_path / "victim"
    victim.write_text("keep")
    target.unlink()
    target.symlink_to(victim)
    write_run_metrics(target, tmp_path / "runs.jsonl", tmp_path / "data")
    assert victim.read_text() == "keep" and not target.is_symlink()
    # A missing directory: one warning, no exception.
    write_run_metrics(tmp_path / "nowhere" / "x.prom", tmp_path / "runs.jsonl", tmp_path)
    assert "could not write the metrics file" in caplog.text
    assert "\n" not in caplog.records[-1].getMessage()


@pytest.mark.parametrize("kind", ["fifo", "device", "socket", "directory"])
def test_a_special_file_at_the_metrics_path_is_left_alone(
    tmp_path: Path, caplog, kind: str
) -> None:
    # NBA_ML_METRICS_FILE=/dev/null as root used to replace the device with a regular file.
    import socket

    target = tmp_path / "nba-ml.prom"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null
    elif kind == "socket":
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(target))
        listener.close()
    else:
        target.mkdir()
    before = os.lstat(target)
    write_run_metrics(target, tmp_path / "runs.jsonl", tmp_path / "data")
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(os.listdir(tmp_path)) == ["nba-ml.prom"]  # no temporary left behind
    message = caplog.records[-1].getMessage()
    assert message.startswith(
        f"could not write the metrics file {target}: is not a regular file (a "
    ) and message.endswith("; it is left as it is")


def test_record_run_rewrites_the_metrics_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    settings = resolve_settings(data, environ={})
    assert settings.metrics_path == data / "nba-ml.prom"
    started = dt.datetime.now(tz=dt.timezone.utc) - dt.timedelta(seconds=5)
    record_run(settings, "train", started, "failed", 75, "lock held")
    families = parse_exposition(settings.metrics_path.read_text())
    assert families["nba_ml_last_run_exit_code"] == {(("command", "train"),): 75.0}
    assert 4 <= families["nba_ml_last_run_duration_seconds"][(("command", "train"),)] < 60
    elsewhere = tmp_path / "textfile" / "nba.prom"
    elsewhere.parent.mkdir()
    moved = resolve_settings(data, environ={"NBA_ML_METRICS_FILE": str(elsewhere)})
    assert moved.metrics_path == elsewhere
    record_run(moved, "ensure", started, "trained", 0, "ok")
    assert 'nba_ml_last_success_timestamp_seconds{command="ensure"}' in elsewhere.read_text()


def test_a_real_model_set_shows_in_the_metrics(trained_dir: Path, tmp_path: Path) -> None:
    copy = copy_data_dir(trained_dir, tmp_path / "d")
    settings = resolve_settings(copy, environ={})
    manifest = json.loads((copy / "models" / "manifest.json").read_text())
    record_run(settings, "train", dt.datetime.now(tz=dt.timezone.utc), "trained", 0, "ok")
    families = parse_exposition(settings.metrics_path.read_text())
    generation = ("generation", manifest["generation"])
    assert families["nba_ml_models_valid"] == {(generation,): 1.0}
    assert (
        families["nba_ml_holdout_brier"][(generation, ("model", "game_outcome"))]
        == (manifest["training"]["metrics"]["game_outcome"]["brier"])
    )
    # the margin and the total are models of the set: their MAE, CRPS and coverage
    figures = manifest["training"]["metrics"]
    for model in ("margin", "total", "points"):
        key = (generation, ("model", model))
        assert families["nba_ml_holdout_crps"][key] == figures[model]["crps"]
        assert (
            families["nba_ml_holdout_interval_coverage"][(*key, ("interval", "0.8"))]
            == (figures[model]["coverage_80"])
        )
    assert (
        families["nba_ml_holdout_mae"][(generation, ("model", "margin"))]
        == (figures["margin"]["mae"])
    )


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_metrics_file_setting_means_the_default(tmp_path: Path, value: str) -> None:
    settings = resolve_settings(tmp_path, environ={"NBA_ML_METRICS_FILE": value})
    assert settings.metrics_path == tmp_path / "nba-ml.prom"


def test_the_real_cli_writes_the_metrics_file_after_a_failed_run(tmp_path: Path) -> None:
    import subprocess
    import sys

    empty = tmp_path / "exports"  # a game log that is not one: bad data, exit 1
    empty.mkdir()
    (empty / "team_game_logs_2018-19.csv").write_text("TEAM_ABBREVIATION,PTS\nBOS,x\n")
    (empty / "player_game_logs_2018-19.csv").write_text("PLAYER_ID,PTS\n1,2\n")
    textfile = tmp_path / "textfile"
    textfile.mkdir()
    environ = {
        **os.environ,
        "NBA_ML_DATA_DIR": str(tmp_path / "data"),
        "NBA_ML_METRICS_FILE": str(textfile / "nba-ml.prom"),
    }
    environ.pop("STATE_DIRECTORY", None)
    result = subprocess.run(
        [sys.executable, "-m", "nba_ml", "train", "--force", "--from", str(empty)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    families = parse_exposition((textfile / "nba-ml.prom").read_text())
    assert families["nba_ml_last_run_exit_code"] == {(("command", "train"),): 1.0}
    assert families["nba_ml_last_run_outcome"][(("command", "train"), ("outcome", "failed"))] == 1
    assert "nba_ml_last_success_timestamp_seconds" not in families
    assert families["nba_ml_models_valid"] == {(("generation", ""),): 0.0}
    assert not (tmp_path / "data" / "nba-ml.prom").exists()


def test_every_recorded_outcome_is_exported_before_it_happens() -> None:
    """``busy`` (the lock held: the outcome an operator most wants to alert on) and every other
    outcome a run can be recorded with is a 0 series from the first run on."""
    from nba_ml.errors import Outcome

    runs = [_run("train", "trained", 0, "2026-12-01T09:00:00+00:00")]
    families = parse_exposition(render_metrics(runs, _parsed(MANIFEST), valid=True))
    exported = {dict(k)["outcome"] for k in families["nba_ml_last_run_outcome"]}
    recorded = {o.value for o in Outcome} - {"valid"}
    assert "busy" in exported
    assert recorded <= exported
    assert families["nba_ml_last_run_outcome"][(("command", "train"), ("outcome", "busy"))] == 0
    assert set(KNOWN_OUTCOMES) == recorded and len(KNOWN_OUTCOMES) == len(recorded)
