"""Start-up cost of the commands a web server and a monitor run often, against a bare interpreter.

Trains once into a temporary data directory (2 real seasons, ``train --from``), then times N runs
of each command as a subprocess, in rotating order (each command takes every position equally
often, so a burst of load from other users spreads over all of them), after 2 warm-up runs each:

    python -c pass | nba-ml check | nba-ml ensure | nba-ml status | nba-ml check --full

and prints medians, ratios to ``python -c pass`` and PASS/FAIL against the targets (``check`` and
``ensure`` at most 8 x, ``status`` at most 12 x; ``check --full`` is shown, without a target).
Then ``python -X importtime`` of ``nba-ml check``: the 10 imports with the largest cumulative and
self times.

Bytecode: by default the subprocesses write and reuse .pyc files under a temporary
PYTHONPYCACHEPREFIX (PYTHONDONTWRITEBYTECODE removed), as a deployed install has compiled
modules; --as-is keeps the caller's environment (with PYTHONDONTWRITEBYTECODE=1 and no
nba_ml/__pycache__, every run compiles nba_ml from source).

Usage: python benchmarks/startup.py [-n RUNS] [--as-is] [--keep]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

TRAIN_SEASONS = ("2019-20", "2020-21")
TARGETS = {"check": 8.0, "ensure": 8.0, "status": 12.0}


def commands(data_dir: Path) -> dict[str, list[str]]:
    nba_ml = [*common.nba_ml_command(), "--data-dir", str(data_dir)]
    return {
        "python -c pass": [common.python_exe(), "-c", "pass"],
        "check": [*nba_ml, "check"],
        "ensure": [*nba_ml, "ensure"],
        "status": [*nba_ml, "status"],
        "check --full": [*nba_ml, "check", "--full"],
    }


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {result.returncode}: "
                 f"{result.stderr.decode(errors='replace').strip()[-500:]}")
    return elapsed


def import_times(argv: list[str], env: dict[str, str]) -> list[tuple[int, int, str]]:
    """Return (self us, cumulative us, module) of every import ``argv`` makes."""
    exe, *rest = argv
    python = [exe, "-X", "importtime"] if exe == common.python_exe() else [
        common.python_exe(), "-X", "importtime", exe]
    result = subprocess.run([*python, *rest], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, check=False)
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:"):].split("|", 2)
        rows.append((int(own), int(cumulative), name.rstrip()))
    return rows


def print_import_table(title: str, rows: list[tuple[int, int, str]], key: int) -> None:
    print(f"   {title}")
    print(f"   {'self ms':>8} {'cum ms':>8}  module")
    for own, cumulative, name in sorted(rows, key=lambda r: r[key], reverse=True)[:10]:
        print(f"   {own / 1000:8.1f} {cumulative / 1000:8.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=15, help="timed runs per command (15)")
    parser.add_argument("--as-is", action="store_true",
                        help="keep the caller's bytecode settings (see the module docstring)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    common.require_gamelogs()
    common.print_machine("start-up benchmark")

    with common.work_dir("nba-ml-startup-", args.keep) as work:
        env = dict(os.environ)
        env.pop("NBA_ML_DATA_DIR", None)
        env["NO_COLOR"] = "1"
        if args.as_is:
            print(f"   bytecode: as is (PYTHONDONTWRITEBYTECODE="
                  f"{env.get('PYTHONDONTWRITEBYTECODE', '')!r})")
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
            print(f"   bytecode: compiled once into {work / 'pycache'} (PYTHONPYCACHEPREFIX), "
                  "as an installed package has")
        source = work / "seasons"
        counts = common.build_seasons_dir(source, TRAIN_SEASONS)
        data_dir = work / "data"
        seconds = common.train_once(data_dir, source, env)
        print(f"   trained once on {', '.join(TRAIN_SEASONS)} ({counts['player_games']} player "
              f"rows) in {seconds:.0f} s into {data_dir}")

        cmds = commands(data_dir)
        names = list(cmds)
        for _ in range(2):  # warm-up: page cache, .pyc files
            for name in names:
                run_once(cmds[name], env)
        times: dict[str, list[float]] = {name: [] for name in names}
        load_before = common.load_average()
        for i in range(args.runs):
            for name in names[i % len(names):] + names[:i % len(names)]:
                times[name].append(run_once(cmds[name], env))
        load_after = common.load_average()

        base = common.median(times["python -c pass"])
        print(f"\n== {args.runs} runs each, rotating order; load average before {load_before}, "
              f"after {load_after}")
        print(f"   {'command':<16} {'median':>9} {'min':>9} {'max':>9} {'x pass':>7}  "
              f"target  verdict")
        verdicts = []
        for name in names:
            med = common.median(times[name])
            ratio = med / base
            target = TARGETS.get(name)
            if target is None:
                tail = "   -     (no target)" if name != "python -c pass" else ""
            else:
                ok = ratio <= target
                verdicts.append((name, ok))
                tail = f" <= {target:>3.0f} x  {common.verdict(ok)}"
            print(f"   {name:<16} {med * 1000:7.1f}ms {min(times[name]) * 1000:7.1f}ms "
                  f"{max(times[name]) * 1000:7.1f}ms {ratio:6.2f}x {tail}")
        overall = all(ok for _, ok in verdicts)
        print(f"   overall: {common.verdict(overall)}")

        print("\n== python -X importtime nba-ml check (one run, after the timed runs)")
        rows = import_times(cmds["check"], env)
        total = sum(own for own, _, _ in rows)
        print(f"   {len(rows)} modules imported, {total / 1000:.0f} ms of import time in all")
        print_import_table("top 10 by cumulative time (a parent includes its children):", rows, 1)
        print_import_table("top 10 by self time:", rows, 0)


if __name__ == "__main__":
    main()
