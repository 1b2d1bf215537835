"""Start-up cost of the commands a web server and a monitor run often, against a bare interpreter.

Trains once into a temporary data directory (2 real seasons, ``train --from``), then times N runs
of each command as a subprocess, in rotating order (each command takes every position equally
often, so a burst of load from other users spreads over all of them), after 2 warm-up runs each:

    python -c pass | python -c "import nba_ml" | nba-ml check | nba-ml ensure | nba-ml status |
    nba-ml check --full | nba-ml --timeout 30 check (a form the fast path hands to Typer)

and prints medians of wall and CPU time (user + system of the child), their ratios to
``python -c pass`` and PASS/FAIL against the targets (``check`` and ``ensure`` at most 3 x, and
they must stay under 5 x; ``status`` at most 6 x; the larger of the wall and CPU ratios counts;
``check --full``, ``import nba_ml`` and the Typer path are shown without a target).
The commands run twice over: from a regular install of this checkout (``pip install .`` into a
venv of its own, as users and servers install it; the verdicts are on this one) and from the
editable checkout running the benchmark, whose import hook makes even ``python -c pass`` cost
20-30 ms more and so flatters the ratios.
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
import resource
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

TRAIN_SEASONS = ("2019-20", "2020-21")
TARGETS = {"check": 3.0, "ensure": 3.0, "status": 6.0}
MUST = {"check": 5.0, "ensure": 5.0}


def commands(data_dir: Path, python: str, script: list[str]) -> dict[str, list[str]]:
    """Return the timed command lines, run by ``python`` and the ``nba-ml`` of ``script``."""
    nba_ml = [*script, "--data-dir", str(data_dir)]
    return {
        "python -c pass": [python, "-c", "pass"],
        # the Python API's entry: its functions are imported on first use, so this is the cost
        # of the package's constants only (no target: shown beside the bare interpreter)
        "import nba_ml": [python, "-c", "import nba_ml"],
        "check": [*nba_ml, "check"],
        "ensure": [*nba_ml, "ensure"],
        "status": [*nba_ml, "status"],
        "check --full": [*nba_ml, "check", "--full"],
        "check via Typer": [*script, "--data-dir", str(data_dir), "--timeout", "30", "check"],
    }


def regular_install(work: Path) -> tuple[str, list[str]]:
    """Install this checkout as users and servers do (``pip install .``: a wheel, no editable
    import hook) into a venv of its own, and return its (python, ``nba-ml`` command line).

    The venv reaches the running venv's dependencies through a plain path line in a ``.pth``
    file: a path line runs no code, so the editable install's finder there (which makes even
    ``python -c pass`` 20-30 ms slower) is not loaded."""
    venv = work / "regular-install"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    dependencies = sysconfig.get_paths()["purelib"]
    Path(purelib.stdout.strip(), "zz-nba-ml-dependencies.pth").write_text(dependencies + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--no-deps",
            str(common.ROOT),
        ],
        check=True,
    )
    return python, [str(venv / "bin" / "nba-ml")]


def time_commands(
    cmds: dict[str, list[str]], env: dict[str, str], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Return (wall, CPU) seconds of ``runs`` runs of each command, in rotating order, after 2
    warm-up runs each."""
    names = list(cmds)
    for _ in range(2):  # warm-up: page cache, .pyc files
        for name in names:
            run_once(cmds[name], env)
    times: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            wall, cpu = run_once(cmds[name], env)
            times[name].append(wall)
            cpus[name].append(cpu)
    return times, cpus


def print_table(
    title: str, times: dict[str, list[float]], cpus: dict[str, list[float]], judged: bool
) -> bool:
    """Print medians and ratios to ``python -c pass``; return whether every must holds (only
    a ``judged`` table has verdicts: the musts are for the install users have)."""
    base = common.median(times["python -c pass"])
    base_cpu = common.median(cpus["python -c pass"])
    print(f"\n== {title}")
    print(
        f"   {'command':<16} {'wall':>9} {'min':>9} {'x pass':>7} {'cpu':>9} {'x pass':>7}"
        f"  target (must)  verdict"
    )
    verdicts = []
    for name in times:
        med, cpu = common.median(times[name]), common.median(cpus[name])
        ratio, cpu_ratio = med / base, cpu / base_cpu if base_cpu else float("nan")
        worst = max(ratio, cpu_ratio)
        target = TARGETS.get(name)
        if target is None or not judged:
            tail = "   -            (no target)" if name != "python -c pass" else ""
        else:
            must = MUST.get(name, target)
            ok = worst <= target
            verdicts.append((name, worst <= must))
            tail = (
                f" <= {target:>3.0f} x ({must:.0f} x)  "
                f"{common.verdict(ok)}{'' if ok or worst > must else ' (within must)'}"
            )
        print(
            f"   {name:<16} {med * 1000:7.1f}ms {min(times[name]) * 1000:7.1f}ms "
            f"{ratio:6.2f}x {cpu * 1000:7.1f}ms {cpu_ratio:6.2f}x {tail}"
        )
    return all(ok for _, ok in verdicts)


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds: user + system of the child) of one run.

    The CPU time is getrusage's, to the microsecond: os.times() counts children's time in clock
    ticks (10 ms), coarser than the ~12 ms of ``python -c pass`` itself, which made its median
    (and so every CPU ratio) jump by a whole tick."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(
            f"{' '.join(argv)} exited {result.returncode}: "
            f"{result.stderr.decode(errors='replace').strip()[-500:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def import_times(argv: list[str], env: dict[str, str], python: str) -> list[tuple[int, int, str]]:
    """Return (self us, cumulative us, module) of every import ``argv`` makes (a script is run
    by ``python``, the interpreter of its install)."""
    exe, *rest = argv
    command = [exe, "-X", "importtime"] if exe == python else [python, "-X", "importtime", exe]
    result = subprocess.run(
        [*command, *rest],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
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
    parser.add_argument(
        "--as-is",
        action="store_true",
        help="keep the caller's bytecode settings (see the module docstring)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    common.require_gamelogs()
    common.print_machine("start-up benchmark")

    with common.work_dir("nba-ml-startup-", args.keep) as work:
        env = dict(os.environ)
        env.pop("NBA_ML_DATA_DIR", None)
        env["NO_COLOR"] = "1"
        if args.as_is:
            print(
                f"   bytecode: as is (PYTHONDONTWRITEBYTECODE="
                f"{env.get('PYTHONDONTWRITEBYTECODE', '')!r})"
            )
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
            print(
                f"   bytecode: compiled once into {work / 'pycache'} (PYTHONPYCACHEPREFIX), "
                "as an installed package has"
            )
        source = work / "seasons"
        counts = common.build_seasons_dir(source, TRAIN_SEASONS)
        data_dir = work / "data"
        seconds = common.train_once(data_dir, source, env)
        print(
            f"   trained once on {', '.join(TRAIN_SEASONS)} ({counts['player_games']} player "
            f"rows) in {seconds:.0f} s into {data_dir}"
        )

        python, script = regular_install(work)
        print(f"   a regular install (pip install .) of this checkout in {Path(python).parents[1]}")
        installs = {
            "regular": commands(data_dir, python, script),
            "editable": commands(data_dir, common.python_exe(), common.nba_ml_command()),
        }
        measured = {}
        load_before = common.load_average()
        for kind, cmds in installs.items():
            measured[kind] = time_commands(cmds, env, args.runs)
        load_after = common.load_average()
        print(
            f"\n   {args.runs} runs each, rotating order; load average before {load_before}, "
            f"after {load_after}"
        )
        overall = print_table(
            "a regular install (pip install ., as users and servers have it)",
            *measured["regular"],
            judged=True,
        )
        print_table(
            "this editable checkout (its import hook costs every command, python -c pass included)",
            *measured["editable"],
            judged=False,
        )
        print(f"   overall (the musts, on the regular install): {common.verdict(overall)}")

        cmds = installs["regular"]
        print(
            "\n== python -X importtime nba-ml check, regular install (one run, after the timed "
            "runs)"
        )
        rows = import_times(cmds["check"], env, python)
        total = sum(own for own, _, _ in rows)
        print(f"   {len(rows)} modules imported, {total / 1000:.0f} ms of import time in all")
        print_import_table("top 10 by cumulative time (a parent includes its children):", rows, 1)
        print_import_table("top 10 by self time:", rows, 0)


if __name__ == "__main__":
    main()
