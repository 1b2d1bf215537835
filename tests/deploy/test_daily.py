"""Tests for nba_ml.deploy.daily: one training a day across DST, a missed night caught up,
exit 75 retried, and a stop passed on to the training."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nba_ml.deploy import daily as daily_module
from nba_ml.deploy.daily import Daily, child_environment, max_age_hours, previous_run

UTC = dt.timezone.utc
CHICAGO = "America/Chicago"
ROOT = Path(__file__).resolve().parents[2]


def test_previous_run_is_the_latest_run_at_or_before_now() -> None:
    at = dt.datetime(2026, 7, 1, 9, tzinfo=UTC)  # 04:00 CDT
    assert previous_run(at, 4, 0, CHICAGO) == at
    assert previous_run(at + dt.timedelta(hours=1), 4, 0, CHICAGO) == at
    assert previous_run(at - dt.timedelta(seconds=1), 4, 0, CHICAGO) == at - dt.timedelta(days=1)
    # the day after fall back (2026-11-01): 04:00 CST is 10:00 UTC
    assert previous_run(dt.datetime(2026, 11, 1, 12, tzinfo=UTC), 4, 0, CHICAGO) == (
        dt.datetime(2026, 11, 1, 10, tzinfo=UTC)
    )


def test_max_age_is_the_whole_seconds_since_the_run_in_hours() -> None:
    run = dt.datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert max_age_hours(run, run + dt.timedelta(hours=5, seconds=0.9)) == "5"
    assert max_age_hours(run, run + dt.timedelta(minutes=90)) == "1.5"
    assert max_age_hours(run, run) == "0"
    assert max_age_hours(run, run - dt.timedelta(seconds=5)) == "0"


def test_child_environment_makes_flags_and_the_data_dir_variables() -> None:
    env = child_environment(
        {"PATH": "/bin", "NBA_ML_DATA_DIR": "rel"}, "/var/lib/nba-ml", {"NBA_ML_SEASONS": "6"}
    )
    assert env == {
        "PATH": "/bin",
        "NBA_ML_DATA_DIR": "/var/lib/nba-ml",
        "NBA_ML_SEASONS": "6",
        "PYTHONUNBUFFERED": "1",
    }


class Child:
    def __init__(self, world: World, code: int, argv: list[str], env: dict[str, str]) -> None:
        self.world, self.code, self.argv, self.env = world, code, argv, env
        self.signals: list[int] = []

    def wait(self) -> int:
        self.world.clock += dt.timedelta(minutes=3)  # a training takes a while
        return self.code

    def send_signal(self, number: int) -> None:
        self.signals.append(number)
        self.code = 128 + number


class World:
    """A fake clock and fake trainings; the loop stops after ``trainings`` of them."""

    def __init__(self, start: dt.datetime, codes: list[int], trainings: int) -> None:
        self.clock = start
        self.codes = codes
        self.trainings = trainings
        self.children: list[Child] = []
        self.started: list[tuple[dt.datetime, str]] = []  # (when, NBA_ML_MAX_AGE_HOURS)

    def daily(self, **kwargs: Any) -> Daily:
        loop = Daily(
            ["nba-ml"],
            4,
            0,
            CHICAGO,
            {"NBA_ML_DATA_DIR": "/d"},
            ["--from", "/g"],
            now=lambda: self.clock,
            spawn=self.spawn,
            **kwargs,
        )
        loop.wait = self.wait  # type: ignore[method-assign]
        self.loop = loop
        return loop

    def wait(self, seconds: float) -> bool:
        assert 0 <= seconds <= max(daily_module.TICK_SECONDS, daily_module.RETRY_SECONDS)
        self.clock += dt.timedelta(seconds=seconds)
        return self.loop.stop.is_set()

    def spawn(self, argv: list[str], *, env: dict[str, str], start_new_session: bool) -> Child:
        assert start_new_session and argv == ["nba-ml", "train", "--from", "/g"]
        self.started.append((self.clock, env["NBA_ML_MAX_AGE_HOURS"]))
        child = Child(self, self.codes.pop(0) if self.codes else 0, argv, env)
        self.children.append(child)
        if len(self.children) >= self.trainings:
            self.loop.stop.set()
        return child


def test_the_missed_run_first_then_one_run_a_day_across_both_dst_changes() -> None:
    # started at 12:00 UTC on 2026-03-07: first the run of 04:00 CST that morning (caught up
    # only when that set is missing, invalid or older), then 04:00 Chicago every day
    world = World(dt.datetime(2026, 3, 7, 12, tzinfo=UTC), [], trainings=6)
    assert world.daily().run() == 143
    assert world.started[0] == (dt.datetime(2026, 3, 7, 12, tzinfo=UTC), "2")
    runs = [when for when, _ in world.started[1:]]
    assert runs == [
        dt.datetime(2026, 3, 8, 9, tzinfo=UTC),  # spring forward: CDT from today
        dt.datetime(2026, 3, 9, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 10, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 11, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 12, 9, tzinfo=UTC),
    ]
    assert {age for _, age in world.started[1:]} == {"0"}  # each at its instant: trains
    world = World(dt.datetime(2026, 10, 31, 9, 30, tzinfo=UTC), [], trainings=3)
    world.daily().run()
    assert [when for when, _ in world.started] == [
        dt.datetime(2026, 10, 31, 9, 30, tzinfo=UTC),  # caught up: the set of 09:00 UTC?
        dt.datetime(2026, 11, 1, 10, tzinfo=UTC),  # fall back: 04:00 CST, once
        dt.datetime(2026, 11, 2, 10, tzinfo=UTC),
    ]
    assert world.started[0][1] == "0.5"


def test_exit_75_is_retried_after_20_minutes_three_times_for_the_same_run() -> None:
    world = World(dt.datetime(2026, 7, 1, 8, tzinfo=UTC), [0, 75, 75, 75, 75, 0], trainings=6)
    world.daily().run()
    start = dt.datetime(2026, 7, 1, 9, tzinfo=UTC)
    times = [when for when, _ in world.started]
    assert times[1] == start
    assert [int((b - a).total_seconds()) for a, b in itertools.pairwise(times[1:5])] == [
        23 * 60
    ] * 3  # a 3-minute training, then 20 minutes
    assert [age for _, age in world.started[1:5]] == ["0", "0.383333", "0.766667", "1.15"]
    assert times[5] == start + dt.timedelta(days=1)  # gave up after 3 retries: tomorrow


def test_no_retry_when_the_next_run_comes_first() -> None:
    # started at 03:50 CDT: the missed run of yesterday exits 75, the next run is 10 min away
    world = World(dt.datetime(2026, 7, 1, 8, 50, tzinfo=UTC), [75, 0], trainings=2)
    world.daily().run()
    assert [when for when, _ in world.started] == [
        dt.datetime(2026, 7, 1, 8, 50, tzinfo=UTC),
        dt.datetime(2026, 7, 1, 9, tzinfo=UTC),
    ]


def test_a_signal_reaches_the_running_training_and_the_exit_is_143() -> None:
    world = World(dt.datetime(2026, 7, 1, 12, tzinfo=UTC), [], trainings=99)
    loop = world.daily()

    class Stopped(Child):
        def wait(self) -> int:
            loop.handle(signal.SIGTERM, None)  # docker stop, while it trains
            return self.code

    loop.spawn = lambda argv, **kw: (
        world.children.append(Stopped(world, 0, argv, kw["env"])) or world.children[-1]
    )
    assert loop.run() == 143
    assert [child.signals for child in world.children] == [[signal.SIGTERM]]


def test_sigint_while_waiting_stops_at_once_with_130() -> None:
    world = World(dt.datetime(2026, 7, 1, 12, tzinfo=UTC), [], trainings=99)
    loop = world.daily()

    def wait(seconds: float) -> bool:
        loop.handle(signal.SIGINT, None)
        return loop.stop.is_set()

    loop.wait = wait  # type: ignore[method-assign]
    assert loop.run() == 130 and len(world.children) == 1


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_ML_", "NBA_TRAINING_"))}
    return {**env, **values}


def test_nba_ml_daily_runs_trainings_and_stops_on_sigterm(tmp_path: Path) -> None:
    empty = tmp_path / "no-game-logs"
    empty.mkdir()
    exe = Path(sys.executable).with_name("nba-ml")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]
    with open(tmp_path / "log", "wb") as log:
        process = subprocess.Popen(
            [*argv, "--data-dir", str(tmp_path / "data"), "daily", "--from", str(empty)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
    try:
        deadline = time.monotonic() + 120
        while "next training at" not in (tmp_path / "log").read_text():
            assert process.poll() is None and time.monotonic() < deadline, (
                tmp_path / "log"
            ).read_text()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 143
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = (tmp_path / "log").read_text()
    assert "training daily at 04:00 America/Chicago" in text
    # no game logs there: point --from elsewhere (a usage error), and the next night comes
    assert "the training for " in text and " exited 2" in text
    assert "Traceback" not in text, text
