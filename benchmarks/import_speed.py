"""Time ``load_directory`` on the real game logs in ../shared/data/gamelogs.

Usage: python benchmarks/import_speed.py [RUNS]   (prints the median of RUNS runs, default 5)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GAMELOGS


def main(runs: int = 5) -> None:
    from nba_ml.data.importer import load_directory

    if not GAMELOGS.is_dir():
        sys.exit(f"{GAMELOGS} not found: the benchmark needs ../shared next to the repository")
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        data = load_directory(GAMELOGS)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"load_directory({GAMELOGS}): {len(data.team_games)} team rows, "
        f"{len(data.player_games)} player rows, {', '.join(data.seasons)}"
    )
    print(
        f"median of {runs} runs: {statistics.median(walls):.3f} s wall, "
        f"{statistics.median(cpus):.3f} s CPU (min {min(walls):.3f} s wall)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
