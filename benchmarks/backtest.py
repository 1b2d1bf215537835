"""Cost of a one-season walk-forward backtest: ``nba-ml backtest`` of 2020-21 on 4 real seasons.

Target: at most 60 s (median of 3 runs; issue #14). Runs ``/usr/bin/time -v nba-ml -v backtest
--from DIR --test-season 2020-21 --output tmp.csv`` (DIR: symlinks to the 4 real seasons
2017-18..2020-21 of ../shared/data/gamelogs, so it trains on 3 and predicts the 4th) and reports
wall and CPU
time, memory (largest single process, and the whole process tree sampled every 0.2 s) and a
split of the time from when the log lines arrived.

Usage: python benchmarks/backtest.py [-n RUNS] [--season 2020-21] [--env NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

TARGET = 60.0  # seconds
_FEATURES = re.compile(r"built features for .* in ([0-9.]+) s")


def split(run: common.Timed) -> list[tuple[str, float]]:
    """Return the phases of a backtest run: before features, features, the rest."""
    for at, line in run.lines:
        match = _FEATURES.search(line)
        if match:
            features = float(match.group(1))
            return [
                ("start-up + load CSVs", at - features),
                ("features", features),
                ("fits, predictions, figures, CSV, exit", run.wall - at),
            ]
    return [("everything (no 'built features' log line)", run.wall)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="runs (3)")
    parser.add_argument(
        "--season", default="2020-21", choices=common.REAL_SEASONS[1:], help="test season (2020-21)"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for nba-ml (e.g. OMP_NUM_THREADS=1)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    common.require_gamelogs()
    common.require_time()
    common.print_machine("backtest benchmark")
    env = common.with_extra_env(dict(os.environ), args.env)

    with common.work_dir("nba-ml-backtest-", args.keep) as work:
        source = work / "seasons"
        counts = common.build_seasons_dir(source, common.REAL_SEASONS)
        print(
            f"   data: {', '.join(common.REAL_SEASONS)} (real): {counts['player_games']} "
            f"player-game rows, {counts['team_games']} team-game rows; test season "
            f"{args.season}"
        )
        output = work / "tmp.csv"
        argv = [
            *common.nba_ml_command(),
            "-v",
            "backtest",
            "--from",
            str(source),
            "--test-season",
            args.season,
            "--output",
            str(output),
        ]
        runs = []
        for r in range(args.runs):
            load = common.load_average()
            output.unlink(missing_ok=True)
            run = common.run_timed(argv, env)
            if run.returncode != 0:
                tail = "\n".join(line for _, line in run.lines[-5:])
                sys.exit(f"backtest exited {run.returncode}:\n{tail}")
            with output.open("rb") as handle:
                rows = sum(1 for _ in handle) - 1
            runs.append(run)
            print(
                f"   run {r + 1}/{args.runs}: {run.wall:6.1f} s wall, {run.cpu_seconds():6.1f} s "
                f"CPU, max RSS {common.gib(run.max_rss)}, tree RSS "
                f"{common.gib(run.peak_tree_rss)} ({run.peak_processes} processes), {rows} "
                f"CSV rows; load before {load}",
                flush=True,
            )

        wall = common.median([r.wall for r in runs])
        print(f"\n== median of {args.runs} runs (load average now {common.load_average()})")
        print(
            f"   wall {wall:.1f} s, CPU {common.median([r.cpu_seconds() for r in runs]):.1f} s, "
            f"max RSS {common.gib(max(r.max_rss for r in runs))}, tree RSS "
            f"{common.gib(max(r.peak_tree_rss for r in runs))}"
        )
        print("   phases (median seconds):")
        for name, seconds in common.phase_medians(split(run) for run in runs):
            print(f"      {seconds:7.1f} s  {name}")
        print("   stdout of the last run:")
        for line in runs[-1].stdout.splitlines():
            print(f"      {line}")
        print(
            f"\n== target: one test season in {wall:.1f} s <= {TARGET:.0f} s: "
            f"{common.verdict(wall <= TARGET)}"
        )


if __name__ == "__main__":
    main()
