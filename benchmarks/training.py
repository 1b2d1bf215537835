"""Cost of a full ``nba-ml train --force --from DIR`` on 2 and on 6 seasons.

Targets: 6 seasons (~160k player-game rows, ~15k team-game rows) in at most 30 s with peak
memory at most 1.5 GiB (issue #14), and at most 3.5 x the 2-season cost (3 x the data).

Only 4 real seasons exist (2017-18..2020-21), so the 6-season directory adds 2 SYNTHETIC seasons:
2015-16 is 2017-18 and 2016-17 is 2018-19, every date shifted back 2 years (files
``*_2015-16.csv``, ``*_2016-17.csv``). The 2-season directory holds the latest 2 real seasons
(2019-20, 2020-21), as the nightly ``train`` uses the latest seasons. Both hold out 2020-21.

Each run gets a fresh data directory and runs ``/usr/bin/time -v nba-ml -v --data-dir T train
--force --from DIR``; 2- and 6-season runs alternate. Reported per size: median wall time, CPU
time, /usr/bin/time's "Maximum resident set size" (the largest single process) and the peak of
the whole process tree sampled every 0.2 s (worker processes included: RSS summed, and PSS,
which splits shared pages). Memory PASS/FAIL uses the summed RSS of the tree (the upper bound).
Phases come from the times the log lines arrived (load, features, fits, ...).

Usage: python benchmarks/training.py [-n RUNS] [--env NAME=VALUE ...] [--only 2|6] [--echo]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

SIZES = {2: ("2019-20", "2020-21"), 6: common.ALL_SEASONS}
WALL_TARGET = 30.0  # seconds, 6 seasons
MEMORY_TARGET = int(1.5 * 2**30)  # bytes, 6 seasons
RATIO_TARGET = 3.5  # 6 seasons vs 2 seasons
# (text of the log line that ends a phase, name of that phase), in order; from the -v log
MARKERS = [
    ("acquired the training lock", "start-up (interpreter, imports)"),
    ("training on ", "load CSVs"),
    ("built features", "features"),
    ("installed model generation", "fits (holdout + deployed), evaluation, history, save"),
    ("released the training lock", "prune old generations/history"),
]
LAST = "exit (last log line to process end: worker-pool shutdown, interpreter exit)"


def train_argv(data_dir: Path, source: Path) -> list[str]:
    return [
        *common.nba_ml_command(),
        "-v",
        "--data-dir",
        str(data_dir),
        "train",
        "--force",
        "--from",
        str(source),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="runs per size (3)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for nba-ml (e.g. OMP_NUM_THREADS=1)",
    )
    parser.add_argument(
        "--synthetic",
        choices=common.SYNTHETIC_KINDS,
        default="shifted",
        help="the 2 synthetic seasons: real ones with dates shifted (default), "
        "or also each player's stat lines shuffled among his games",
    )
    parser.add_argument("--only", type=int, choices=sorted(SIZES), help="run one size only")
    parser.add_argument("--echo", action="store_true", help="print log lines as they arrive")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    common.require_gamelogs()
    common.require_time()
    common.print_machine("training benchmark")
    env = dict(os.environ)
    env.pop("NBA_ML_DATA_DIR", None)
    env = common.with_extra_env(env, args.env)

    sizes = [args.only] if args.only else sorted(SIZES)
    with common.work_dir("nba-ml-training-", args.keep) as work:
        sources, counts = {}, {}
        for n in sizes:
            sources[n] = work / f"seasons-{n}"
            counts[n] = common.build_seasons_dir(sources[n], SIZES[n], args.synthetic)
            print(
                f"   {n} seasons: {', '.join(SIZES[n])}: {counts[n]['player_games']} player-game"
                f" rows, {counts[n]['team_games']} team-game rows"
            )
            note = common.synthetic_note(SIZES[n], args.synthetic)
            if note:
                print(f"      {note}")
        runs = time_runs(work, sources, args.runs, env, args.echo)
        summary = print_medians(runs, counts, args.runs)
        print_phases(runs)
        print_targets(runs, counts, summary)


def time_runs(
    work: Path, sources: dict[int, Path], count: int, env: dict[str, str], echo: bool
) -> dict[int, list[common.Timed]]:
    """Return ``count`` timed trainings on each source (sizes alternated); exit when one fails."""
    runs: dict[int, list[common.Timed]] = {n: [] for n in sources}
    for r in range(count):
        for n, source in sources.items():
            load = common.load_average()
            run = common.run_timed(train_argv(work / f"data-{n}-{r}", source), env, echo=echo)
            if run.returncode != 0:
                tail = "\n".join(line for _, line in run.lines[-5:])
                sys.exit(f"train on {n} seasons exited {run.returncode}:\n{tail}")
            runs[n].append(run)
            print(
                f"   run {r + 1}/{count}, {n} seasons: {run.wall:6.1f} s wall, "
                f"{run.cpu_seconds():6.1f} s CPU, max RSS {common.gib(run.max_rss)}, tree "
                f"RSS {common.gib(run.peak_tree_rss)} / PSS {common.gib(run.peak_tree_pss)}"
                f" ({run.peak_processes} processes); load before {load}",
                flush=True,
            )
            shutil.rmtree(work / f"data-{n}-{r}", ignore_errors=True)
    return runs


def print_medians(
    runs: dict[int, list[common.Timed]], counts: dict[int, dict[str, int]], count: int
) -> dict[int, float]:
    """Print each size's median figures; return the median wall seconds by size."""
    print(f"\n== medians of {count} runs (load average now {common.load_average()})")
    print(
        f"   {'seasons':>7} {'player rows':>11} {'wall':>8} {'CPU':>8} {'max RSS':>10} "
        f"{'tree RSS':>10} {'tree PSS':>10}"
    )
    summary = {}
    for n, timed in runs.items():
        wall = common.median([r.wall for r in timed])
        summary[n] = wall
        print(
            f"   {n:>7} {counts[n]['player_games']:>11} {wall:7.1f}s "
            f"{common.median([r.cpu_seconds() for r in timed]):7.1f}s "
            f"{common.gib(max(r.max_rss for r in timed)):>10} "
            f"{common.gib(max(r.peak_tree_rss for r in timed)):>10} "
            f"{common.gib(max(r.peak_tree_pss for r in timed)):>10}"
        )
    print("   (memory columns: the largest value over the runs)")
    return summary


def print_phases(runs: dict[int, list[common.Timed]]) -> None:
    """Print each size's phases and the log of the largest size's median run."""
    print("\n== phases (median seconds over the runs; from when each log line arrived)")
    for n, timed in runs.items():
        print(f"   {n} seasons:")
        for name, seconds in common.phase_medians(
            common.phases(run, MARKERS, LAST) for run in timed
        ):
            print(f"      {seconds:7.1f} s  {name}")
    largest = max(runs)
    timeline = sorted(runs[largest], key=lambda r: r.wall)[len(runs[largest]) // 2]
    print(f"   log of the median {largest}-season run (seconds since start):")
    for at, line in timeline.lines:
        print(f"      +{at:7.2f}s {line[:150]}")


def print_targets(
    runs: dict[int, list[common.Timed]],
    counts: dict[int, dict[str, int]],
    summary: dict[int, float],
) -> None:
    print("\n== targets")
    if 6 in summary:
        peak = max(r.peak_tree_rss for r in runs[6])
        print(
            f"   6 seasons wall {summary[6]:.1f} s <= {WALL_TARGET:.0f} s: "
            f"{common.verdict(summary[6] <= WALL_TARGET)}"
        )
        print(
            f"   6 seasons peak memory (tree RSS) {common.gib(peak)} <= "
            f"{common.gib(MEMORY_TARGET)}: {common.verdict(peak <= MEMORY_TARGET)}"
        )
    if 2 in summary and 6 in summary:
        ratio = summary[6] / summary[2]
        rows = counts[6]["player_games"] / counts[2]["player_games"]
        print(
            f"   cost ratio 6/2 seasons {ratio:.2f} x <= {RATIO_TARGET} x: "
            f"{common.verdict(ratio <= RATIO_TARGET)}  (player rows grew {rows:.2f} x; "
            f"cost ~ rows^{math.log(ratio) / math.log(rows):.2f})"
        )


if __name__ == "__main__":
    main()
