"""Start-up cost of the commands a web server and a monitor run often, against a bare interpreter.

Trains once into a temporary data directory (2 real seasons, ``train --from``), then times N runs
of each command as a subprocess, in rotating order (each command takes every position equally
often, so a burst of load from other users spreads over all of them), after 2 warm-up runs each:

    python -c pass | python -c "import nba_ml" | nba-ml check | nba-ml ensure | nba-ml status |
    nba-ml check --full | nba-ml --timeout 30 check (a form the fast path hands to Typer)

and prints medians of wall and CPU time (user + system of the child), their ratios to
``python -c pass`` and PASS/FAIL against the targets (``check`` and ``ensure`` at most 3 x, and
they must stay under 5 x; ``status`` at most 6 x; the larger of the wall and CPU ratios counts;
``check --full`` and the Typer path are shown without a target).
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
TARGETS = {"check": 3.0, "ensure": 3.0, "status": 6.0}
MUST = {"check": 5.0, "ensure": 5.0}


def commands(data_dir: Path) -> dict[str, list[str]]:
    nba_ml = [*common.nba_ml_command(), "--data-dir", str(data_dir)]
    return {
        "python -c pass": [common.python_exe(), "-c", "pass"],
        # the Python API's entry: its functions are imported on first use, so this is the cost
        # of the package's constants only (no target: shown beside the bare interpreter)
        "import nba_ml": [common.python_exe(), "-c", "import nba_ml"],
        "check": [*nba_ml, "check"],
        "ensure": [*nba_ml, "ensure"],
        "status": [*nba_ml, "status"],
        "check --full": [*nba_ml, "check", "--full"],
        "check via Typer": [*common.nba_ml_command(), "--data-dir", str(data_dir),
                            "--timeout", "30", "check"],
    }


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds: user + system of the child) of one run."""
    before = os.times()
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            check=False)
    elapsed = time.perf_counter() - started
    after = os.times()
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {result.returncode}: "
                 f"{result.stderr.decode(errors='replace').strip()[-500:]}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system)
    return elapsed, cpu


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
        cpus: dict[str, list[float]] = {name: [] for name in names}
        load_before = common.load_average()
        for i in range(args.runs):
            for name in names[i % len(names):] + names[:i % len(names)]:
                wall, cpu = run_once(cmds[name], env)
                times[name].append(wall)
                cpus[name].append(cpu)
        load_after = common.load_average()

        base = common.median(times["python -c pass"])
        base_cpu = common.median(cpus["python -c pass"])
        print(f"\n== {args.runs} runs each, rotating order; load average before {load_before}, "
              f"after {load_after}")
        print(f"   {'command':<16} {'wall':>9} {'min':>9} {'x pass':>7} {'cpu':>9} {'x pass':>7}"
              f"  target (must)  verdict")
        verdicts = []
        for name in names:
            med, cpu = common.median(times[name]), common.median(cpus[name])
            ratio, cpu_ratio = med / base, cpu / base_cpu if base_cpu else float("nan")
            worst = max(ratio, cpu_ratio)
            target = TARGETS.get(name)
            if target is None:
                tail = "   -            (no target)" if name != "python -c pass" else ""
            else:
                must = MUST.get(name, target)
                ok = worst <= target
                verdicts.append((name, worst <= must))
                tail = (f" <= {target:>3.0f} x ({must:.0f} x)  "
                        f"{common.verdict(ok)}{'' if ok or worst > must else ' (within must)'}")
            print(f"   {name:<16} {med * 1000:7.1f}ms {min(times[name]) * 1000:7.1f}ms "
                  f"{ratio:6.2f}x {cpu * 1000:7.1f}ms {cpu_ratio:6.2f}x {tail}")
        overall = all(ok for _, ok in verdicts)
        print(f"   overall (the musts): {common.verdict(overall)}")

        print("\n== python -X importtime nba-ml check (one run, after the timed runs)")
        rows = import_times(cmds["check"], env)
        total = sum(own for own, _, _ in rows)
        print(f"   {len(rows)} modules imported, {total / 1000:.0f} ms of import time in all")
        print_import_table("top 10 by cumulative time (a parent includes its children):", rows, 1)
        print_import_table("top 10 by self time:", rows, 0)


if __name__ == "__main__":
    main()
