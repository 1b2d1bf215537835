"""Helpers shared by the start-up, training and backtest benchmarks.

- where the real game logs are (``../shared/data/gamelogs`` next to the repository);
- building a directory of N seasons from them: real seasons are symlinked, and the two seasons
  before the real ones are synthetic (a real season relabelled two years earlier, every date
  shifted back two years, files named ``*_<season>.csv``), because only 4 real seasons exist;
- the machine description printed beside every figure (the machine is shared, so the load
  average says how much to trust a timing).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAMELOGS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gamelogs"
REAL_SEASONS = ("2017-18", "2018-19", "2019-20", "2020-21")
# synthetic season -> (real season it is copied from, years its dates are shifted by)
SYNTHETIC_SEASONS = {"2015-16": ("2017-18", -2), "2016-17": ("2018-19", -2)}
ALL_SEASONS = (*SYNTHETIC_SEASONS, *REAL_SEASONS)
KINDS = ("player_game_logs", "team_game_logs")


def require_gamelogs() -> None:
    """Exit with a clear message when the real game logs are not next to the repository."""
    missing = [
        f"{kind}_{s}.csv"
        for kind in KINDS
        for s in REAL_SEASONS
        if not (GAMELOGS / f"{kind}_{s}.csv").is_file()
    ]
    if missing:
        sys.exit(
            f"{GAMELOGS}: missing {', '.join(missing)} (the benchmarks need ../shared "
            "next to the repository)"
        )


def python_exe() -> str:
    """Return the interpreter running this script (the project's venv)."""
    return sys.executable


def nba_ml_command() -> list[str]:
    """Return the installed ``nba-ml`` console script beside this interpreter (else -m)."""
    exe = Path(sys.executable).with_name("nba-ml")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nba_ml"]


@contextlib.contextmanager
def work_dir(prefix: str, keep: bool) -> Iterator[Path]:
    """Yield a new temporary directory; remove it afterwards unless ``keep`` (then print it)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        if keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def train_once(data_dir: Path, source: Path, env: dict[str, str]) -> float:
    """Run ``nba-ml --quiet train --from source`` into ``data_dir``; return its wall seconds
    (exit with its error when it fails)."""
    argv = [
        *nba_ml_command(),
        "--quiet",
        "--data-dir",
        str(data_dir),
        "train",
        "--from",
        str(source),
    ]
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"training failed (exit {result.returncode}): {result.stderr.strip()[-800:]}")
    return time.perf_counter() - started


def trained_data_dir(work: Path, seasons: Iterable[str]) -> Path:
    """Build ``seasons`` under ``work/seasons``, train once into ``work/data`` (NBA_ML_DATA_DIR
    unset), print how long that took and return the data directory."""
    seasons = list(seasons)
    source = work / "seasons"
    counts = build_seasons_dir(source, seasons)
    data_dir = work / "data"
    env = {k: v for k, v in os.environ.items() if k != "NBA_ML_DATA_DIR"}
    seconds = train_once(data_dir, source, env)
    print(
        f"   trained once on {', '.join(seasons)} ({counts['player_games']} player "
        f"rows) in {seconds:.0f} s"
    )
    return data_dir


def require_time() -> None:
    """Exit with a hint when /usr/bin/time (GNU time, for ``-v``) is missing."""
    if not Path("/usr/bin/time").exists():
        sys.exit("/usr/bin/time is needed (apt-get install time)")


def with_extra_env(env: dict[str, str], items: list[str]) -> dict[str, str]:
    """Return ``env`` with each ``NAME=VALUE`` of ``items`` set (printed when there are any)."""
    for item in items:
        name, _, value = item.partition("=")
        env[name] = value
    if items:
        print(f"   extra environment: {' '.join(items)}")
    return env


def phase_medians(splits: Iterable[list[tuple[str, float]]]) -> list[tuple[str, float]]:
    """Return (phase, median seconds) over runs, each run split into (phase, seconds)."""
    table: dict[str, list[float]] = {}
    for split in splits:
        for name, seconds in split:
            table.setdefault(name, []).append(seconds)
    return [(name, median(values)) for name, values in table.items()]


def _shift_date(value: str, years: int) -> str:
    year, rest = value[:4], value[4:]
    if rest == "-02-29":
        raise ValueError(f"cannot shift {value} by {years} years")
    return f"{int(year) + years:04d}{rest}"


# a player's own numbers in a game; "shuffled" synthetic seasons permute these among his games
PLAYER_STAT_COLUMNS = (
    "MIN",
    "PTS",
    "REB",
    "AST",
    "STL",
    "BLK",
    "TOV",
    "FG_PCT",
    "FG3_PCT",
    "FT_PCT",
    "PLUS_MINUS",
)
SYNTHETIC_KINDS = ("shifted", "shuffled")


def write_synthetic_season(dest: Path, season: str, kind: str = "shifted") -> None:
    """Write ``*_<season>.csv`` copies of a real season with every GAME_DATE shifted.

    ``kind="shuffled"`` also permutes each player's stat lines among his games of the season
    (fixed seed): the copy then holds no near-duplicate of a real row. Plain shifted copies do,
    which lets early stopping's random validation rows match training rows.
    """
    source, years = SYNTHETIC_SEASONS[season]
    for name in KINDS:
        with (GAMELOGS / f"{name}_{source}.csv").open(newline="", encoding="utf-8") as src:
            reader = csv.DictReader(src)
            fields = reader.fieldnames or []
            rows = list(reader)
        for row in rows:
            row["GAME_DATE"] = _shift_date(row["GAME_DATE"], years)
            if row.get("SEASON_ID"):
                row["SEASON_ID"] = row["SEASON_ID"][0] + season[:4]
        if kind == "shuffled" and name == "player_game_logs":
            _shuffle_stat_lines(rows, [c for c in PLAYER_STAT_COLUMNS if c in fields])
        with (dest / f"{name}_{season}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def _shuffle_stat_lines(rows: list[dict[str, str]], columns: list[str]) -> None:
    rng = random.Random(20151027)
    by_player: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_player.setdefault(row["PLAYER_ID"], []).append(index)
    for indices in by_player.values():
        lines = [[rows[i][c] for c in columns] for i in indices]
        rng.shuffle(lines)
        for i, line in zip(indices, lines, strict=True):
            rows[i].update(zip(columns, line, strict=True))


def build_seasons_dir(
    dest: Path, seasons: Iterable[str], synthetic: str = "shifted"
) -> dict[str, int]:
    """Fill ``dest`` with the given seasons; return row counts (player and team game rows)."""
    dest.mkdir(parents=True, exist_ok=True)
    for season in seasons:
        if season in SYNTHETIC_SEASONS:
            write_synthetic_season(dest, season, synthetic)
        elif season in REAL_SEASONS:
            for kind in KINDS:
                os.symlink(GAMELOGS / f"{kind}_{season}.csv", dest / f"{kind}_{season}.csv")
        else:
            raise ValueError(f"no data for season {season}")
    counts = {"player_games": 0, "team_games": 0}
    for path in dest.iterdir():
        with path.open("rb") as handle:
            rows = sum(1 for _ in handle) - 1
        counts["player_games" if path.name.startswith("player") else "team_games"] += rows
    return counts


def synthetic_note(seasons: Iterable[str], synthetic: str = "shifted") -> str | None:
    """Return a line saying which seasons are synthetic, or None when all are real."""
    fake = [s for s in seasons if s in SYNTHETIC_SEASONS]
    if not fake:
        return None
    parts = [
        f"{s} = real {SYNTHETIC_SEASONS[s][0]} with dates shifted "
        f"{SYNTHETIC_SEASONS[s][1]:+d} years"
        for s in fake
    ]
    how = (
        "; each player's stat lines shuffled among his games of the season"
        if synthetic == "shuffled"
        else ""
    )
    return "SYNTHETIC seasons (only 4 real ones exist): " + "; ".join(parts) + how


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def memory_summary() -> str:
    """Return the 'Mem:' line of ``free -h`` (or /proc/meminfo's total)."""
    if shutil.which("free"):
        out = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Mem:"):
                fields = line.split()
                return f"{fields[1]} total, {fields[-1]} available"
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            return handle.readline().strip()
    except OSError:
        return "unknown"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for name in ("numpy", "pandas", "scikit-learn"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} ?")
    return ", ".join(parts)


def code_version() -> str:
    """Return the commit measured and whether nba_ml/ has uncommitted changes."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "nba_ml")
    return f"nba_ml at commit {commit}" + (" + uncommitted changes in nba_ml/" if dirty else "")


def machine_lines() -> list[str]:
    """Return lines describing the machine, the code measured and the current load."""
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    return [
        f"machine: {platform.machine()}, nproc {usable} (of {cpus}), memory {memory_summary()}",
        f"python {platform.python_version()} ({sys.executable}); {versions()}",
        code_version(),
        f"load average (1/5/15 min): {load_average()}",
    ]


def print_machine(title: str) -> None:
    print(f"== {title}")
    for line in machine_lines():
        print(f"   {line}")


# --------------------------------------------------------------------------------------------
# Running a command under /usr/bin/time -v, with its log lines timed and its memory sampled


@dataclasses.dataclass
class Timed:
    """One run of a command: wall time, /usr/bin/time -v figures, memory, timed log lines."""

    argv: list[str]
    returncode: int
    wall: float  # seconds, measured here
    stdout: str
    lines: list[tuple[float, str]]  # (seconds since start, stderr line)
    time_v: dict[str, str]  # "Maximum resident set size (kbytes)" -> "123", ...
    peak_tree_rss: int  # bytes: largest sum of RSS over the process and all its descendants
    peak_tree_pss: int  # bytes: the same with PSS (shared pages split between processes)
    peak_processes: int  # most processes alive in the tree at once

    @property
    def max_rss(self) -> int:
        """Bytes: /usr/bin/time's maximum RSS (of the largest single process)."""
        return int(self.time_v.get("Maximum resident set size (kbytes)", "0")) * 1024

    def cpu_seconds(self) -> float:
        return float(self.time_v.get("User time (seconds)", "nan")) + float(
            self.time_v.get("System time (seconds)", "nan")
        )


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _tree(root: int) -> list[int]:
    children = _children_map()
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def _memory_of(pid: int) -> tuple[int, int]:
    """Return (RSS, PSS) in bytes of one process (0, 0 when it is gone)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return rss, pss


class _TreeSampler(threading.Thread):
    def __init__(self, root: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_rss = self.peak_pss = self.peak_processes = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids = _tree(self.root)
            sizes = [_memory_of(pid) for pid in pids]
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in sizes))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in sizes))
            self.peak_processes = max(self.peak_processes, sum(1 for r, _ in sizes if r))
            self.done.wait(self.interval)


def run_timed(argv: list[str], env: dict[str, str] | None = None, echo: bool = False) -> Timed:
    """Run ``argv`` under ``/usr/bin/time -v``; time each stderr line as it arrives, sample the
    memory of the whole process tree (worker processes included) every 0.2 s."""
    with tempfile.NamedTemporaryFile(prefix="nba-ml-time-", suffix=".txt", delete=False) as tf:
        time_file = Path(tf.name)
    lines: list[tuple[float, str]] = []
    started = time.perf_counter()
    process = subprocess.Popen(
        ["/usr/bin/time", "-v", "-o", str(time_file), *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # PIPE above: both streams exist
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None and stderr is not None
    sampler = _TreeSampler(process.pid)
    sampler.start()
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(stdout.read()), daemon=True)
    reader.start()
    for line in stderr:
        lines.append((time.perf_counter() - started, line.rstrip("\n")))
        if echo:
            print(f"      +{lines[-1][0]:7.2f}s {lines[-1][1]}", flush=True)
    returncode = process.wait()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    reader.join()
    time_v = {}
    try:
        for line in time_file.read_text().splitlines():
            key, sep, value = line.strip().rpartition(": ")
            if sep:
                time_v[key] = value
    finally:
        time_file.unlink(missing_ok=True)
    return Timed(
        argv,
        returncode,
        wall,
        "".join(out),
        lines,
        time_v,
        sampler.peak_rss,
        sampler.peak_pss,
        sampler.peak_processes,
    )


def phases(run: Timed, markers: list[tuple[str, str]], last: str) -> list[tuple[str, float]]:
    """Split a run's wall time at the first log line containing each marker text.

    ``markers`` are (text, name of the phase that ends at that line), in order; a marker that
    was not logged merges its phase into the next one. ``last`` names the phase from the last
    marker found to the end of the process.
    """
    result, previous, pending = [], 0.0, []
    for text, name in markers:
        at = next((t for t, line in run.lines if text in line), None)
        if at is None:
            pending.append(name)
            continue
        label = " + ".join([*pending, name]) if pending else name
        result.append((label, at - previous))
        previous, pending = at, []
    result.append((" + ".join([*pending, last]) if pending else last, run.wall - previous))
    return result


def gib(n: int | float) -> str:
    return f"{n / 2**30:.2f} GiB"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"
