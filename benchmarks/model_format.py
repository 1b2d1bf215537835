"""What saving models with skops and the game data as numpy arrays costs against joblib/pickle.

Trains once (``nba-ml train --from``, the 4 real seasons 2017-18..2020-21 of ../shared) into a
temporary data directory, takes the four fitted models and the saved game data from it, then,
in this process and in the same run, times both formats N times each (medians):

* per model and for the set: bytes on disk, save time, load time; the old format is
  ``joblib.dump(compress=("zlib", 3))`` / ``joblib.load`` (what nba-ml did before), the new one
  ``nba_ml.state.modelfile.dumps_model`` / ``loads_model`` (skops, allowed types only);
* the game data: ``pickle.dumps`` / ``pickle.loads`` of the two tables before, the ``.npz`` of
  ``nba_ml.state.gametables`` now;
* a training's save (four models + game data), and the part of a live swap that depends on the
  format (loading four models + the game data); beside them the real ``load_model_set`` (verify
  + load) and ``load_history`` (verify + decode) of the installed set;
* once per process (a server start, ``check --full``, ``predict``): a fresh interpreter importing
  the models' scikit-learn modules and then the loader, ``joblib`` before and ``skops.io`` now
  (skops builds its default trusted list from every scikit-learn estimator, importing them all).

Ratios are new / old. Usage: python benchmarks/model_format.py [-n RUNS] [--keep]
"""

from __future__ import annotations

import argparse
import io
import pickle
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common
from _common import median, ms

TRAIN_SEASONS = common.REAL_SEASONS


def timed(action: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Return the median seconds of ``runs`` calls of ``action`` and its last result."""
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    return median(seconds), result


def joblib_dumps(model: object) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=("zlib", 3))  # nba-ml's setting before skops
    return buffer.getvalue()


def joblib_loads(data: bytes) -> object:
    import joblib

    return joblib.load(io.BytesIO(data))  # the baseline being replaced: our own file


# what a process that loads the models imports anyway (the models' own modules)
_BASE_IMPORTS = (
    "import pandas, sklearn.base, sklearn.ensemble, sklearn.pipeline, "
    "sklearn.linear_model, sklearn.impute, sklearn.preprocessing"
)


def import_seconds(extra: str, runs: int) -> float:
    """Return the median wall seconds of a fresh interpreter importing the models' modules
    and then ``extra`` (the loader), alternating nothing else."""
    import subprocess

    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"{_BASE_IMPORTS}; import {extra}"], check=True)
        seconds.append(time.perf_counter() - started)
    return median(seconds)


def row(label: str, old: float, new: float, unit: Callable[[float], str]) -> None:
    ratio = new / old if old else float("nan")
    print(f"   {label:<34} {unit(old):>10} {unit(new):>10}   x {ratio:5.2f}")


def kib(value: float) -> str:
    return f"{value / 1024:.0f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=7, help="timed repeats (7)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    common.require_gamelogs()
    common.print_machine("model and game-data format benchmark")

    from nba_ml.state.gametables import decode_tables, encode_tables
    from nba_ml.state.history import load_history
    from nba_ml.state.modelfile import dumps_model, loads_model
    from nba_ml.state.store import load_model_set, load_model_set_with_manifest

    with common.work_dir("nba-ml-format-", args.keep) as work:
        data_dir = common.trained_data_dir(work, TRAIN_SEASONS)
        models, manifest = load_model_set_with_manifest(data_dir)
        sha256 = manifest.training.history_sha256 if manifest.training else None
        data = load_history(data_dir, sha256)
        n = args.runs

        print(f"\n   {'median of ' + str(n):<34} {'joblib':>10} {'skops':>10}   new/old")
        totals = {
            "old_save": 0.0,
            "new_save": 0.0,
            "old_load": 0.0,
            "new_load": 0.0,
            "old_bytes": 0,
            "new_bytes": 0,
        }
        for name, model in models.items():
            old_save, old_bytes = timed(partial(joblib_dumps, model), n)
            new_save, new_bytes = timed(partial(dumps_model, model), n)
            old_load, _ = timed(partial(joblib_loads, old_bytes), n)
            new_load, (loaded, problem) = timed(partial(loads_model, new_bytes), n)
            assert problem is None and loaded is not None, problem
            row(f"{name}: size", len(old_bytes), len(new_bytes), kib)
            row(f"{name}: save", old_save, new_save, ms)
            row(f"{name}: load", old_load, new_load, ms)
            for key, old, new in (
                ("save", old_save, new_save),
                ("load", old_load, new_load),
                ("bytes", len(old_bytes), len(new_bytes)),
            ):
                totals[f"old_{key}"] += old
                totals[f"new_{key}"] += new

        tables = (data.team_games, data.player_games)
        pickled = {"team_games": tables[0], "player_games": tables[1]}
        print(f"\n   {'game data, median of ' + str(n):<34} {'pickle':>10} {'npz':>10}")
        old_data_save, old_data = timed(
            lambda: pickle.dumps(pickled, protocol=pickle.HIGHEST_PROTOCOL), n
        )
        new_data_save, new_data = timed(lambda: encode_tables(*tables), n)
        old_data_load, _ = timed(lambda: pickle.loads(old_data), n)  # our own bytes: baseline
        new_data_load, _ = timed(lambda: decode_tables(new_data), n)
        row("game data: size", len(old_data), len(new_data), kib)
        row("game data: save", old_data_save, new_data_save, ms)
        row("game data: load", old_data_load, new_data_load, ms)

        print(f"\n   {'together':<34} {'before':>10} {'now':>10}")
        row("model set: size", totals["old_bytes"], totals["new_bytes"], kib)
        row(
            "training: save 4 models + data",
            totals["old_save"] + old_data_save,
            totals["new_save"] + new_data_save,
            ms,
        )
        row(
            "serving start / live swap: load",
            totals["old_load"] + old_data_load,
            totals["new_load"] + new_data_load,
            ms,
        )
        old_import = new_import = 0.0
        for _ in range(n):  # interleaved: the machine's load drifts
            old_import += import_seconds("joblib", 1) / n
            new_import += import_seconds("skops.io", 1) / n
        row("a process: import models + loader", old_import, new_import, ms)
        verified, _ = timed(lambda: load_model_set(data_dir), n)
        history, _ = timed(lambda: load_history(data_dir, sha256), n)
        print(
            f"   installed set now: load_model_set (verify + load 4) {ms(verified)}, "
            f"load_history (verify + decode) {ms(history)}"
        )


if __name__ == "__main__":
    main()
