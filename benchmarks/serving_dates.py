"""What clients asking for dates nobody prepared cost another client (issue #20, item 4).

In this process, a LivePredictor (helper process on) serves a set trained on ../shared; one
"victim" thread asks for one game and one player of today (prepared) in a loop, while
``--attackers`` threads ask for other dates. Run twice:

* ``before``: the old behaviour, emulated on the same code (no horizon, no ServingBusy, every
  unprepared date computed in the requesting thread: ``horizon_days``, ``busy_wait`` and
  ``compute_elsewhere`` unset), attackers cycling through far dates (2030-2049);
* ``after``: as served now: the attackers cycle through the dates the horizon allows, are
  computed one at a time in a helper process, the others get ServingBusy (503) at once, and
  far dates are refused (400).

Prints the victim's median and p90 latency, and what the attackers got.

Usage: python benchmarks/serving_dates.py [--data-dir DIR] [--seconds 20] [--attackers 2]
(without --data-dir it trains on two real seasons into a temporary directory first).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

from nba_ml.errors import NbaMlError, ServingBusy, UsageError
from nba_ml.serving.live import LivePredictor

BUSY = "503 busy"


def attacked_dates(last: dt.date, today: dt.date) -> list[dt.date]:
    """Return the dates the attackers ask for once the horizon is in place: days after the last
    game and after today that nobody prepared, and the last date there is."""
    return (
        [last + dt.timedelta(days=d) for d in range(2, 15)]
        + [today + dt.timedelta(days=d) for d in range(2, 15)]
        + [dt.date(9999, 12, 31)]
    )


def ask(predictor: Any, day: dt.date) -> str:
    """Ask for one game on ``day``; return the outcome as a client sees it."""
    try:
        predictor.predict_games([("BOS", "LAL")], date=day)
        return "200 computed"
    except ServingBusy:
        return BUSY
    except UsageError:
        return "400 beyond the horizon"
    except NbaMlError as error:
        return f"error {type(error).__name__}"


def run(data_dir: Path, mode: str, seconds: float, attackers: int) -> None:
    live = LivePredictor(data_dir, prepare_days=1)
    assert live.refresh(), "no set to serve"
    predictor = live.current()
    last = predictor.last_game_date
    assert last is not None
    if mode == "before":
        predictor.horizon_days = predictor.busy_wait = predictor.compute_elsewhere = None
        dates = [dt.date(2030 + i % 20, 1 + i % 12, 1 + i % 28) for i in range(400)]
    else:
        dates = attacked_dates(last, live._today())
    stop = threading.Event()
    latencies: list[float] = []
    outcomes: collections.Counter[str] = collections.Counter()

    def victim() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            predictor.predict_games([("BOS", "LAL")])
            latencies.append(time.perf_counter() - started)
            time.sleep(0.01)

    def attacker(offset: int) -> None:
        index = offset
        while not stop.is_set():
            outcome = ask(predictor, dates[index % len(dates)])
            outcomes[outcome] += 1
            index += attackers
            if outcome == BUSY:
                time.sleep(0.05)  # a client's retry pause

    threads = [threading.Thread(target=victim)] + [
        threading.Thread(target=attacker, args=(i,)) for i in range(attackers)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(120)
    ordered = sorted(latencies)
    print(
        f"{mode}: victim {len(latencies)} requests, median "
        f"{statistics.median(ordered) * 1000:.0f} ms, p90 "
        f"{ordered[int(len(ordered) * 0.9)] * 1000:.0f} ms; attackers: {dict(outcomes)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--attackers", type=int, default=2)
    args = parser.parse_args()
    common.print_machine("serving: dates nobody prepared, asked by other clients")
    with tempfile.TemporaryDirectory() as work:
        data_dir = args.data_dir or common.trained_data_dir(Path(work), ["2017-18", "2018-19"])
        for mode in ("before", "after"):
            run(data_dir, mode, args.seconds, args.attackers)


if __name__ == "__main__":
    main()
