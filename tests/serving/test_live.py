"""LivePredictor: follows the installed generation, never mixes sets, keeps serving on a bad set,
503s before the first set, survives threads and forks, and lets an old set's memory go."""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import os
import shutil
import threading
import time
import weakref
from pathlib import Path

import pandas as pd
import pytest

from nba_ml.data.importer import GameData
from nba_ml.errors import ConfigError, ModelInvalid, ModelsNotReady, UsageError
from nba_ml.manifest import Manifest
from nba_ml.serving.live import LivePredictor, installed_key
from nba_ml.serving.predictor import Predictor, load_predictor
from nba_ml.state.history import history_path, load_history, save_history
from tests.conftest import copy_data_dir, run_in_child
from tests.serving.conftest import new_predictor

pytestmark = pytest.mark.slow  # its file starts first under xdist (tests/conftest.py)

# The tests on a trained set use the session's synthetic set (tests/conftest.py's
# synthetic_set): following generations needs a real set's files, not real seasons' games.

LAST_GAME = "2018-11-16"  # the synthetic set's last game
CUT_DAY = "2018-11-05"  # a game day before it, where a generation's game data is cut
TODAY = dt.date(2018, 11, 30)  # two weeks after the trained data ends (as a new season starts)
LATER = (TODAY + dt.timedelta(days=5)).isoformat()  # a day within the default horizon
PLAYER = "Player LAL 1"  # one of the synthetic players (tests/synthetic.py)


def _today() -> dt.date:
    return TODAY


@pytest.fixture
def live_dir(synthetic_set: Path, tmp_path: Path) -> Path:
    return copy_data_dir(synthetic_set, tmp_path / "data")


def install_generation(
    data_dir: Path,
    name: str,
    *,
    last_day: str | None = None,
    tamper: bool = False,
    source: Path | None = None,
) -> Path:
    """Install a copy of the current generation (or ``source``) as ``name`` (atomically, as the
    store does), with its game data cut after ``last_day`` and/or one model file altered."""
    current = source or (data_dir / "models").resolve()
    target = data_dir / "generations" / name
    shutil.copytree(current, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["generation"] = name
    if last_day is not None:
        sha = manifest["training"]["history_sha256"]
        history = load_history(data_dir, sha)
        cut = pd.Timestamp(last_day)
        manifest["training"]["history_sha256"] = save_history(
            data_dir,
            GameData(
                history.team_games[history.team_games["game_date"] <= cut].reset_index(drop=True),
                history.player_games[history.player_games["game_date"] <= cut].reset_index(
                    drop=True
                ),
            ),
        )
    (target / "manifest.json").write_text(json.dumps(manifest))
    if tamper:
        with open(target / "points_prediction_model.skops", "ab") as handle:
            handle.write(b"\0")
    link = data_dir / f".models.tmp-{name}"
    os.symlink(f"generations/{name}", link)
    os.replace(link, data_dir / "models")
    return target


def _live(data_dir: Path, **kwargs: object) -> LivePredictor:
    kwargs.setdefault("prepare_days", 0)
    return LivePredictor(data_dir, today=_today, **kwargs)  # type: ignore[arg-type]


def test_before_any_set_it_raises_models_not_ready_then_serves_once_installed(
    synthetic_set: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "empty"
    data_dir.mkdir()
    live = _live(data_dir)
    assert live.refresh() is False
    with pytest.raises(ModelsNotReady, match="nba-ml ensure"):
        live.current()
    info = live.info()
    assert not info.ready and info.generation is None
    live.stop()
    for entry in synthetic_set.iterdir():  # what `ensure --from` leaves behind
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, data_dir / entry.name, symlinks=True)
    os.symlink(os.readlink(synthetic_set / "models"), data_dir / "models")
    assert live.refresh() is True
    info = live.info()
    assert info.ready and info.generation == load_predictor(data_dir).generation
    assert info.last_game_date == LAST_GAME and info.trained_at
    assert isinstance(live.current(), Predictor)


def test_a_new_generation_is_swapped_in_with_its_own_game_data(live_dir: Path) -> None:
    live = _live(live_dir)
    assert live.refresh()
    first = live.current()
    assert live.refresh() is False  # nothing changed: no reload
    install_generation(live_dir, "gen-b", last_day=CUT_DAY)
    assert live.refresh() is True
    second = live.current()
    assert second is not first and second.generation == "gen-b"
    # models and data of one set: gen-b's manifest names the cut data, so its last game is the cut
    assert str(second.last_game_date) == CUT_DAY
    assert live.info().last_game_date == CUT_DAY
    assert second.games().team_games["game_date"].max() <= pd.Timestamp(CUT_DAY)


def test_the_old_set_is_released_after_a_swap(live_dir: Path) -> None:
    live = _live(live_dir, helper_process=False)  # the game data in this process, to watch
    live.refresh()
    old = weakref.ref(live.current())
    old_history = weakref.ref(live.current().history)
    install_generation(live_dir, "gen-b")
    assert live.refresh()
    gc.collect()
    assert old() is None and old_history() is None


def test_a_set_failing_verification_is_not_served_and_logged_once(
    live_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[Path] = []

    def loader(path: Path) -> Predictor:
        calls.append(path)
        return load_predictor(path)

    live = _live(live_dir, loader=loader)
    live.refresh()
    good = live.current().generation
    good_dir = (live_dir / "models").resolve()
    install_generation(live_dir, "gen-bad", tamper=True)
    with caplog.at_level(logging.INFO, logger="nba_ml.serving.live"):
        assert live.refresh() is False
        assert live.refresh() is False  # the same bad generation: not tried again
        live.current()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and len(calls) == 2
    assert "points: sha256 mismatch" in errors[0].getMessage()
    assert f"still serving {good}" in errors[0].getMessage()
    assert live.current().generation == good and live.info().last_error
    install_generation(live_dir, "gen-good", source=good_dir)  # the installed one changes again
    assert live.refresh() is True
    assert live.current().generation == "gen-good" and live.info().last_error is None


def test_the_first_set_failing_keeps_answering_not_ready_with_the_reason(live_dir: Path) -> None:
    install_generation(live_dir, "gen-bad", tamper=True)
    live = _live(live_dir)
    assert live.refresh() is False
    with pytest.raises(ModelsNotReady, match="sha256 mismatch"):
        live.current()


def test_today_and_tomorrow_are_prepared_on_load_and_again_after_midnight(live_dir: Path) -> None:
    days = [TODAY]
    live = LivePredictor(live_dir, today=lambda: days[0], prepare_days=2)
    assert live.refresh()
    predictor = live.current()
    assert predictor.history is None  # the helper process read the game data, not this one
    assert predictor.find_player(PLAYER)[1] == PLAYER
    assert predictor.last_game_date == dt.date.fromisoformat(LAST_GAME)
    prepared = {d.date() for d in predictor.day_rows.days()}
    assert prepared == {TODAY, TODAY + dt.timedelta(days=1)}
    days[0] = TODAY + dt.timedelta(days=1)  # midnight in Chicago
    live.refresh()
    assert {d.date() for d in predictor.day_rows.days()} == prepared | {
        TODAY + dt.timedelta(days=2)
    }
    started = time.perf_counter()
    predictor.predict_games([("BOS", "LAL")], date=days[0])
    assert time.perf_counter() - started < 1.0  # a lookup, not a feature pass (generous bound)


def test_the_background_thread_follows_without_requests(live_dir: Path) -> None:
    live = _live(live_dir, check_interval=0.05).start()
    try:
        assert live.wait_ready(30)
        install_generation(live_dir, "gen-bg")
        deadline = time.monotonic() + 30
        while live.info().generation != "gen-bg" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.info().generation == "gen-bg"
    finally:
        live.stop()


def test_concurrent_requests_during_swaps_never_fail(live_dir: Path) -> None:
    live = _live(live_dir, check_interval=0.01)
    live.refresh()
    live.current().warm(LATER)
    errors: list[BaseException] = []
    seen: set[str | None] = set()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                predictor = live.current()
                (out,) = predictor.predict_games([("BOS", "LAL")], date=LATER)
                assert 0 < out.home_win_probability < 1
                seen.add(predictor.generation)
            except BaseException as error:  # noqa: BLE001 - collected for the assertion
                errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for name in ("gen-1", "gen-2"):
            install_generation(live_dir, name)
            live.refresh()
            live.current().warm(LATER)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert not errors
    assert {"gen-1", "gen-2"} <= seen


def test_a_forked_worker_follows_on_its_own(live_dir: Path) -> None:
    live = _live(live_dir, check_interval=0.05).start()
    try:
        assert live.wait_ready(30)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own watcher thread picks up a generation by itself
            code = 1
            try:
                running = any(
                    t.name == "nba-ml-live-predictor" and t.is_alive()
                    for t in threading.enumerate()
                )
                install_generation(live_dir, "gen-child")
                deadline = time.monotonic() + 30
                while live.info().generation != "gen-child" and time.monotonic() < deadline:
                    time.sleep(0.05)
                code = 0 if running and live.info().generation == "gen-child" else 2
            finally:
                os.write(write, bytes([code]))
                os._exit(code)
        os.close(write)
        _, status = os.waitpid(pid, 0)
        assert os.read(read, 1) == b"\0" and os.waitstatus_to_exitcode(status) == 0
        os.close(read)
    finally:
        live.stop()


def test_a_fork_waits_for_a_load_in_progress_and_the_child_inherits_the_set(
    tmp_path: Path,
    synthetic_models: dict[str, object],
    synthetic_games: GameData,
    first_day: dt.date,
) -> None:
    # gunicorn --preload forks its workers while the master's watcher loads the first set: a
    # worker forked amid that load inherited half-imported modules ("partially initialized
    # module") and refused every set until the next generation
    data_dir = tmp_path / "data"
    (data_dir / "generations" / "g").mkdir(parents=True)
    os.symlink("generations/g", data_dir / "models")
    loading = threading.Event()

    def slow_loader(_path: Path) -> Predictor:
        loading.set()
        time.sleep(0.5)
        return new_predictor(synthetic_models, synthetic_games)

    live = LivePredictor(
        data_dir, loader=slow_loader, helper_process=False, prepare_days=0, today=lambda: first_day
    ).start()
    try:
        assert loading.wait(30)
        assert run_in_child(lambda: live.ready) == ("ok", True)  # at once: no load of its own
        assert live.ready
        assert run_in_child(lambda: live.ready) == ("ok", True)  # nothing in progress: no wait
    finally:
        live.stop()


def test_with_only_today_to_prepare_the_game_data_stays_out_of_this_process(
    saved_games: tuple[Path, str], synthetic_models: dict[str, object], first_day: dt.date
) -> None:
    # with no later day to prepare, the server's process read the whole game data for nothing
    data_dir, sha256 = saved_games
    manifest = {"generation": "g", "models": {}, "training": {"history_sha256": sha256}}
    (data_dir / "generations" / "g").mkdir(parents=True)
    (data_dir / "generations" / "g" / "manifest.json").write_text(json.dumps(manifest))
    os.symlink("generations/g", data_dir / "models")
    live = LivePredictor(
        data_dir,
        prepare_days=1,
        today=lambda: first_day,
        loader=lambda path: Predictor(
            dict(synthetic_models), None, Manifest.from_json(manifest), path
        ),
    )
    assert live.refresh()
    predictor = live.current()
    assert predictor.history is None and pd.Timestamp(first_day) in predictor.day_rows.days()


def test_the_last_error_clears_once_the_served_set_is_installed_again(
    tmp_path: Path,
    synthetic_models: dict[str, object],
    synthetic_games: GameData,
    first_day: dt.date,
) -> None:
    # after a failed look (an unreadable data dir, a rolled-back bad generation) /healthz kept
    # reporting "new model set not served" although what was installed was being served
    data_dir = tmp_path / "data"
    (data_dir / "generations" / "good").mkdir(parents=True)

    def install(name: str) -> None:
        os.symlink(f"generations/{name}", data_dir / ".models.tmp")
        os.replace(data_dir / ".models.tmp", data_dir / "models")

    def loader(path: Path) -> Predictor:
        if (path / "models").resolve().name != "good":
            raise ModelInvalid("models in models are not usable: model set: no such set")
        return new_predictor(synthetic_models, synthetic_games)

    install("good")
    live = LivePredictor(
        data_dir, loader=loader, helper_process=False, prepare_days=0, today=lambda: first_day
    )
    assert live.refresh()
    install("missing")
    assert live.refresh() is False and "no such set" in str(live.info().last_error)
    install("good")
    assert live.refresh() is False and live.info().last_error is None
    install("missing")  # failing again says so again
    assert live.refresh() is False and "no such set" in str(live.info().last_error)


def test_installed_key_changes_with_the_link_and_is_none_without_a_set(
    live_dir: Path, tmp_path: Path
) -> None:
    assert installed_key(tmp_path) is None
    before = installed_key(live_dir)
    install_generation(live_dir, "gen-k")
    assert installed_key(live_dir) != before is not None


def test_from_environment_reads_the_data_dir_and_check_interval(tmp_path: Path) -> None:
    live = LivePredictor.from_environment(
        {
            "NBA_ML_DATA_DIR": str(tmp_path),
            "NBA_ML_SERVING_CHECK_SECONDS": "0.5",
            "NBA_ML_SERVING_HORIZON_DAYS": "3",
        }
    )
    assert live.data_dir == tmp_path and live.check_interval == 0.5 and live.horizon_days == 3
    with pytest.raises(ConfigError, match="NBA_ML_SERVING_CHECK_SECONDS"):
        LivePredictor.from_environment(
            {"NBA_ML_DATA_DIR": str(tmp_path), "NBA_ML_SERVING_CHECK_SECONDS": "soon"}
        )


def test_rows_from_the_helper_process_equal_the_rows_computed_in_process(live_dir: Path) -> None:
    here = LivePredictor(live_dir, today=_today, prepare_days=1, helper_process=False)
    helped = LivePredictor(live_dir, today=_today, prepare_days=1, helper_process=True)
    assert here.refresh() and helped.refresh()
    day = pd.Timestamp(TODAY)
    mine, theirs = here.current().day_rows.get(day), helped.current().day_rows.get(day)
    assert mine is not None and theirs is not None
    pd.testing.assert_frame_equal(mine.sides, theirs.sides)
    pd.testing.assert_frame_equal(mine.players, theirs.players)
    assert mine.who == theirs.who
    games = [("BOS", "LAL"), ("MIL", "TOR")]
    assert here.current().predict_games(games, date=TODAY) == helped.current().predict_games(
        games, date=TODAY
    )


def test_without_a_helper_process_the_rows_are_computed_here(
    live_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    monkeypatch.setattr(sys, "executable", str(live_dir / "no-such-python"))
    live = _live(live_dir, prepare_days=1)
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.live"):
        assert live.refresh()
    assert [r.getMessage() for r in caplog.records if "helper" in r.getMessage()]
    predictor = live.current()
    assert predictor.history is not None and pd.Timestamp(TODAY) in predictor.day_rows.days()


def test_a_generation_whose_game_data_is_missing_is_not_served(
    live_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = _live(live_dir, prepare_days=1)
    assert live.refresh()
    good = live.current().generation
    target = install_generation(live_dir, "gen-nodata")
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["training"]["history_sha256"] = "0" * 64
    (target / "manifest.json").write_text(json.dumps(manifest))
    live._next_check = 0.0
    with caplog.at_level(logging.WARNING, logger="nba_ml.serving.live"):
        assert live.refresh() is False
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "is missing" in errors[0] and f"still serving {good}" in errors[0]
    assert live.current().generation == good


def test_a_server_whose_newer_sets_are_refused_for_a_week_answers_every_date_it_accepts(
    live_dir: Path,
) -> None:
    # The trainer pruned the served set's game data once newer sets existed, although this
    # server refused them; then every date nobody prepared (and each new day) answered 500.
    days = [TODAY]
    live = LivePredictor(live_dir, today=lambda: days[0], prepare_days=2)
    assert live.refresh()
    served = live.current()
    sha = served.history_sha256
    assert sha is not None and served.last_game_date is not None
    history_path(live_dir, sha).unlink()  # pruned, as the trainer does
    (live_dir / "history").rename(live_dir / "history-gone")  # and its directory unreadable
    for night in range(1, 8):
        install_generation(live_dir, f"gen-refused-{night}", tamper=True)  # never served
        days[0] = TODAY + dt.timedelta(days=night)
        live.refresh()
        predictor = live.current()
        assert predictor.generation == served.generation
        info = live.info()
        assert info.answering and info.problem is None, info
        assert "sha256 mismatch" in str(info.last_error)
        today = days[0]
        assert len(predictor.predict_games([("BOS", "LAL")])) == 1  # today: prepared
        if night in (1, 7):  # dates nobody prepared: the held data, through a helper process
            for day in (today + dt.timedelta(days=5), served.last_game_date + dt.timedelta(days=3)):
                assert predictor.accepts_date(day)
                (out,) = predictor.predict_players([{"player": PLAYER}], date=day)
                assert out.stat("points") > 0


def test_healthz_is_503_with_the_reason_while_requests_cannot_be_answered(live_dir: Path) -> None:
    from nba_ml.serving.api import health_answer

    days = [TODAY]
    live = LivePredictor(live_dir, today=lambda: days[0], prepare_days=1)
    body, status = health_answer(live.info(), live_dir)
    assert status == 503 and "no model set is served yet" in body["error"]
    assert live.refresh()
    body, status = health_answer(live.info(), live_dir)
    assert status == 200 and body["answering"] and body["problem"] is None
    path = history_path(live_dir, str(live.current().history_sha256))
    original = path.read_bytes()
    path.write_bytes(b"\0" * len(original))  # rewritten in place by a trusted user
    days[0] = TODAY + dt.timedelta(days=1)  # a new day to prepare, from that data
    live.refresh()
    body, status = health_answer(live.info(), live_dir)
    assert status == 503 and "altered" in body["error"], body
    assert str(live_dir) not in json.dumps(body) and "<data dir>" in body["error"]
    path.write_bytes(original)  # repaired: the next look says so
    live._prepare_after = 0.0
    live.refresh()
    body, status = health_answer(live.info(), live_dir)
    assert status == 200, body


def test_a_served_set_refuses_dates_beyond_its_horizon(live_dir: Path) -> None:
    live = _live(live_dir, horizon_days=5)
    assert live.refresh()
    predictor = live.current()
    last = predictor.last_game_date
    assert last is not None
    for day in (
        last + dt.timedelta(days=5),
        TODAY - dt.timedelta(days=1),
        TODAY + dt.timedelta(days=5),
    ):
        assert predictor.accepts_date(day), day
    for text in (
        "9999-12-31",
        (TODAY + dt.timedelta(days=6)).isoformat(),
        (last + dt.timedelta(days=6)).isoformat(),
    ):
        with pytest.raises(UsageError, match="beyond what this server predicts"):
            predictor.predict_games([("BOS", "LAL")], date=text)
