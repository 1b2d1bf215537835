"""Latency of the library function a web server calls: ``nba_ml.serving.predictor.load_predictor``.

Trains once (``nba-ml train --from``, the 4 real seasons 2017-18..2020-21 of ../shared, as a
deployment would serve them) into a temporary data directory, then, in this process:

* ``load_predictor(data_dir)``: verify hashes, versions and permissions, unpickle the four models
  and the saved game data (once per web-server start);
* the first request of a date (``warm(date)``: the training feature code over the whole history
  with one probe game per team and one probe row per active player; once per date, cached);
* then, N times each, a day's slate: 15 games (every team once) and 300 player rows (10 per team,
  the most recently active players, with opponent and venue), each timed end to end
  (``predict_games`` / ``predict_players`` return lists of typed predictions);
* the same slates knowing who is out (issue #23): a list naming each team's most recently
  active player (``Predictor.availability``, as ``--out`` gives it), which recomputes the
  listed teams' rows and applies the player models' known-list correction.

Target: a day's slate (15 games + 300 players) well under 100 ms after the models are loaded
(median); the per-date first request is reported beside it. Figures are medians and the 90th
percentile; the whole run is single-process.

Usage: python benchmarks/serving.py [-n RUNS] [--keep]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common
from _common import ms, percentile

TRAIN_SEASONS = common.REAL_SEASONS
SLATE_DATE = "2021-07-25"  # three days after the last game in the data (2020-21 finals)
SECOND_DATE = "2021-07-26"
TARGET = 0.100  # seconds for 15 games + 300 players


def slate_of(predictor: Any, day: Any) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """Return a full slate on ``day``: 15 games between the first 30 teams, and each team's 10
    most recently active players (300 rows)."""
    sides = predictor._day(day)
    teams = sorted(sides.sides.index)
    teams = [t for t in teams if t != "---"][:30]
    games = [(teams[i], teams[i + 1]) for i in range(0, len(teams) - 1, 2)][:15]
    opponent = {h: a for h, a in games} | {a: h for h, a in games}
    home = {h for h, _ in games}
    history = predictor.games().player_games
    last_game = history.groupby("player_id")["game_date"].max()
    rows = sides.players.assign(last_game=last_game.reindex(sides.players.index).to_numpy())
    rows = rows.sort_values("last_game", ascending=False, kind="mergesort")
    players = []
    for team in teams:  # each team's 10 most recently active players
        ids = rows.index[rows["team"] == team][:10]
        players += [
            {"player_id": int(i), "opponent": opponent[team], "is_home": team in home} for i in ids
        ]
    return games, players[:300]


def time_slates(
    predictor: Any,
    games: list[tuple[str, str]],
    players: list[dict[str, Any]],
    day: Any,
    runs: int,
    listed: Any = None,
) -> tuple[list[float], list[float], list[float]]:
    """Return the seconds of the games, the players and both, for ``runs`` slates on
    SLATE_DATE (after 3 warm-up slates on ``day``), knowing ``listed`` out (None: nobody
    known); check the answers are whole."""
    game_times, player_times, slate_times = [], [], []
    for _ in range(3):  # warm-up: first calls of sklearn predict, pandas code paths
        predictor.predict_games(games, date=day, availability=listed)
        predictor.predict_players(players, date=day, availability=listed)
    for _ in range(runs):
        t0 = time.perf_counter()
        out_games = predictor.predict_games(games, date=SLATE_DATE, availability=listed)
        t1 = time.perf_counter()
        out_players = predictor.predict_players(players, date=SLATE_DATE, availability=listed)
        t2 = time.perf_counter()
        game_times.append(t1 - t0)
        player_times.append(t2 - t1)
        slate_times.append(t2 - t0)
    assert len(out_games) == len(games)
    assert all(0 <= g.home_win_probability <= 1 for g in out_games)
    assert len(out_players) == len(players)
    assert all(math.isfinite(v) for p in out_players for v in p.stats.values())
    return game_times, player_times, slate_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=50, help="timed slates (50)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    common.require_gamelogs()
    common.print_machine("serving benchmark")

    with common.work_dir("nba-ml-serving-", args.keep) as work:
        data_dir = common.trained_data_dir(work, TRAIN_SEASONS)

        started = time.perf_counter()
        import nba_ml.serving.predictor as predict

        imported = time.perf_counter() - started
        started = time.perf_counter()
        predictor = predict.load_predictor(data_dir)
        loaded = time.perf_counter() - started

        started = time.perf_counter()
        predictor.warm(SLATE_DATE)
        first_date = time.perf_counter() - started

        predictor_day = predict.upcoming_day(SLATE_DATE, predictor.last_game_date)
        games, players = slate_of(predictor, predictor_day)
        game_times, player_times, slate_times = time_slates(
            predictor, games, players, predictor_day, args.runs
        )

        team_of = predictor._day(predictor_day).players["team"]
        firsts: dict[str, int] = {}
        for request in players:  # each team's most recently active player
            firsts.setdefault(str(team_of.loc[request["player_id"]]), request["player_id"])
        teams = set(firsts)
        listed = predictor.availability(list(firsts.values()), date=SLATE_DATE)
        known = time_slates(predictor, games, players, predictor_day, args.runs, listed)

        started = time.perf_counter()
        predictor.predict_games(games, date=SECOND_DATE)
        next_date = time.perf_counter() - started

        print(
            f"\n== one process; {args.runs} slates of {len(games)} games and {len(players)} "
            f"players on {SLATE_DATE}; load average now {common.load_average()}"
        )
        print(f"   import nba_ml.serving.predictor                 {ms(imported)}")
        print(f"   load_predictor (verify + unpickle)    {ms(loaded)}   once per server start")
        print(f"   first request of a date (warm)        {ms(first_date)}   once per date, cached")
        print(f"   first request of the next date        {ms(next_date)}")
        print(f"   {'':38}   median      p90")
        for name, values in (
            ("predict_games (15 games)", game_times),
            ("predict_players (300 rows)", player_times),
            ("slate (both)", slate_times),
            (f"games, {len(teams)} teams' lists known", known[0]),
            ("players, lists known", known[1]),
            ("slate, lists known", known[2]),
        ):
            print(f"   {name:38}{ms(common.median(values))}{ms(percentile(values, 0.9))}")
        print("\n== target")
        for label, times in (("", slate_times), (", lists known", known[2])):
            slate = common.median(times)
            print(
                f"   slate after load and warm{label}: median {slate * 1000:.1f} ms <= "
                f"{TARGET * 1000:.0f} ms ({slate / TARGET:.2f} x the budget): "
                f"{common.verdict(slate <= TARGET)}"
            )


if __name__ == "__main__":
    main()
