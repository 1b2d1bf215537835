"""Model quality on seasons the models never saw: backtest 2019-20 and 2020-21, score them.

Runs ``nba-ml backtest`` (the installed command, same code as the nightly ``train``) on
../shared/data/gamelogs for each test season, then scores its CSV independently:
- games: Brier, log-loss, accuracy and calibration beside FiveThirtyEight's Elo and RAPTOR
  forecasts on the same games (../shared/data/fivethirtyeight, CC BY 4.0, FiveThirtyEight);
- players: MAE beside each player's average over his previous 10 games (first games fall back
  to the median stat of players' first games in the training seasons), his season-to-date
  average and an exponentially weighted average (halflife 8 games), all recomputed here from
  the raw logs rather than taken from nba-ml's features;
- coverage: every game and every player-game of the season has a prediction;
- beside each figure, the one measured before the rotation models (issue #14; the README's
  table of 2026-11-27, recorded in ``BEFORE``);
- each season twice (issue #23), ``--availability box-score`` (each game's absent rotation
  players from its own box score: an idealised inactive list) and ``none`` (nobody known out),
  beside the figures before availability (``BEFORE_AVAILABILITY``).

Targets (issue #14): game Brier at or below RAPTOR's on the same games (goal) and below Elo's
(must); player MAE at most 0.93 x last-10 (goal), at most 0.96 x (must); coverage 100 %.

The predictive distributions (issue #22: interval coverage, CRPS, PIT, P(over) beside their
baselines, margin MAE beside FiveThirtyEight's Elo spread) are scored by the sibling
benchmarks/distributions.py on the same seasons, run at the end unless --no-distributions.

Usage: python benchmarks/quality.py [--seasons 2019-20 2020-21] [--no-distributions]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import GAMELOGS, nba_ml_command

FIVETHIRTYEIGHT = GAMELOGS.parent / "fivethirtyeight"
ALIASES = {"BRK": "BKN", "CHO": "CHA", "PHO": "PHX"}
STATS = {"points": "PTS", "assists": "AST", "rebounds": "REB"}
# nba-ml before issue #14 (Elo, margins and last-game roster; same benchmark): game Brier on the
# games FiveThirtyEight forecast, and MAE / last-10 MAE per stat.
BEFORE: dict[str, dict[str, float]] = {
    "2019-20": {"brier": 0.2193, "points": 0.961, "assists": 0.947, "rebounds": 0.960},
    "2020-21": {"brier": 0.2242, "points": 0.959, "assists": 0.951, "rebounds": 0.958},
}
# nba-ml before issue #23 (no availability; the README's table of 2026-12-01)
BEFORE_AVAILABILITY: dict[str, dict[str, float]] = {
    "2019-20": {"brier": 0.2173, "points": 0.959, "assists": 0.944, "rebounds": 0.956},
    "2020-21": {"brier": 0.2250, "points": 0.954, "assists": 0.947, "rebounds": 0.954},
}
RATIO_GOAL, RATIO_MUST = 0.93, 0.96
MODES = ("box-score", "none")


def run_backtest(season: str, output: Path, availability: str = MODES[0]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            *nba_ml_command(),
            "--quiet",
            "backtest",
            "--from",
            str(GAMELOGS),
            "--test-season",
            season,
            "--output",
            str(output),
            "--availability",
            availability,
        ],
        check=True,
    )
    return time.perf_counter() - started


def fivethirtyeight(season: str) -> pd.DataFrame:
    frame = pd.read_csv(FIVETHIRTYEIGHT / f"nba_elo_latest_{season}.csv")
    frame = frame.dropna(subset=["score1", "score2"])
    frame["team"] = frame["team1"].replace(ALIASES)
    frame["opponent"] = frame["team2"].replace(ALIASES)
    return frame[["date", "team", "opponent", "elo_prob1", "raptor_prob1"]].rename(
        columns={"date": "game_date"}
    )


def game_scores(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return {
        "n": len(y),
        "brier": float(np.mean((p - y) ** 2)),
        "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "accuracy": float(np.mean((p > 0.5) == (y == 1))),
    }


def player_baselines(season: str) -> pd.DataFrame:
    """Return, per player-game of ``season``, the three baselines recomputed from the raw logs."""
    frames = []
    for path in sorted(GAMELOGS.glob("player_game_logs_*.csv")):
        label = path.stem.rsplit("_", 1)[-1]
        if label <= season:
            frames.append(pd.read_csv(path).assign(season=label))
    logs = pd.concat(frames, ignore_index=True)
    logs["GAME_DATE"] = pd.to_datetime(logs["GAME_DATE"])
    logs = logs.sort_values(["PLAYER_ID", "GAME_DATE"], kind="mergesort")
    by_player = logs.groupby("PLAYER_ID")
    first = by_player.cumcount() == 0
    train = logs[logs["season"] < season]
    out = logs[["PLAYER_ID", "GAME_DATE", "season"]].copy()
    for name, column in STATS.items():
        prior = float(train.loc[first[train.index], column].median())
        last10 = (
            by_player[column]
            .transform(lambda s: s.shift(1).rolling(10, min_periods=1).mean())
            .fillna(prior)
        )
        to_date = (
            logs.groupby(["PLAYER_ID", "season"])[column]
            .transform(lambda s: s.shift(1).expanding().mean())
            .fillna(last10)
        )
        ewma = (
            by_player[column].transform(lambda s: s.shift(1).ewm(halflife=8).mean()).fillna(prior)
        )
        out[f"{name}_last10"] = last10
        out[f"{name}_season"] = to_date
        out[f"{name}_ewma"] = ewma
    out = out[out["season"] == season]
    out["game_date"] = out["GAME_DATE"].dt.strftime("%Y-%m-%d")
    return out.rename(columns={"PLAYER_ID": "player_id"}).drop(columns=["GAME_DATE", "season"])


def calibration(p: np.ndarray, y: np.ndarray) -> list[tuple[str, int, float, float]]:
    edges = np.linspace(0, 1, 11)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, 9)
    return [
        (
            f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
            int((index == b).sum()),
            float(p[index == b].mean()),
            float(y[index == b].mean()),
        )
        for b in range(10)
        if (index == b).any()
    ]


def evaluate(season: str, csv: Path, mode: str = MODES[0]) -> dict:
    predictions = pd.read_csv(csv, dtype={"player_id": "Int64"})
    result: dict = {"season": season, "mode": mode}
    games = predictions[predictions["model"] == "game_outcome"]
    teams = pd.read_csv(GAMELOGS / f"team_game_logs_{season}.csv")
    expected_games = int((teams["MATCHUP"].str.contains(" vs. ")).sum())
    result["coverage_games"] = (len(games), expected_games)
    merged = games.merge(fivethirtyeight(season), on=["game_date", "team", "opponent"])
    y = merged["actual"].to_numpy(float)
    result["games_all"] = game_scores(games["prediction"].to_numpy(), games["actual"].to_numpy())
    result["games_common"] = {
        "nba-ml": game_scores(merged["prediction"].to_numpy(), y),
        "538 Elo": game_scores(merged["elo_prob1"].to_numpy(), y),
        "538 RAPTOR": game_scores(merged["raptor_prob1"].to_numpy(), y),
    }
    result["calibration"] = calibration(
        games["prediction"].to_numpy(), games["actual"].to_numpy(float)
    )
    baselines = player_baselines(season)
    players = pd.read_csv(GAMELOGS / f"player_game_logs_{season}.csv")
    for name in STATS:
        rows = predictions[predictions["model"] == name].copy()
        rows["player_id"] = rows["player_id"].astype("int64")
        joined = rows.merge(baselines, on=["player_id", "game_date"], how="left")
        actual = joined["actual"].to_numpy(float)
        mae = float(np.mean(np.abs(joined["prediction"] - actual)))
        figures = {"n": len(joined), "expected": len(players), "mae": mae}
        for base in ("last10", "season", "ewma"):
            figures[base] = float(np.mean(np.abs(joined[f"{name}_{base}"] - actual)))
        figures["ratio"] = mae / figures["last10"]
        result[name] = figures
    return result


def render(results: list[dict], timings: dict[str, float]) -> str:
    lines = [
        "### Game outcome (every scored game FiveThirtyEight forecast; lower Brier is better)",
        "",
        "| season | games | model | Brier | log-loss | accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        before = BEFORE.get(r["season"])
        earlier = BEFORE_AVAILABILITY.get(r["season"])
        first = r is next(x for x in results if x["season"] == r["season"])
        for model, s in r["games_common"].items():
            if model != "nba-ml" and not first:
                continue  # FiveThirtyEight's rows once per season
            label = f"nba-ml, availability {r['mode']}" if model == "nba-ml" else model
            lines.append(
                f"| {r['season']} | {s['n']} | {label} | {s['brier']:.4f} | "
                f"{s['log_loss']:.4f} | {s['accuracy']:.3f} |"
            )
            if model == "nba-ml" and before and first:
                lines.append(
                    f"| {r['season']} | {s['n']} | nba-ml before #14 | {before['brier']:.4f} | | |"
                )
            if model == "nba-ml" and earlier and first:
                lines.append(
                    f"| {r['season']} | {s['n']} | nba-ml before #23 | {earlier['brier']:.4f} | | |"
                )
        s = r["games_all"]
        lines.append(
            f"| {r['season']} | {s['n']} (all) | nba-ml, availability {r['mode']} | "
            f"{s['brier']:.4f} | {s['log_loss']:.4f} | {s['accuracy']:.3f} |"
        )
    lines += [
        "",
        "### Players (MAE on every player-game; ratio = model / last-10 average)",
        "",
        "| season | availability | stat | player-games | nba-ml | last-10 avg | season avg "
        "| EWMA | ratio | ratio before #23 | ratio before #14 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        before = BEFORE.get(r["season"], {})
        earlier = BEFORE_AVAILABILITY.get(r["season"], {})
        for name in STATS:
            f = r[name]
            old = f"{before[name]:.3f}" if name in before else ""
            older = f"{earlier[name]:.3f}" if name in earlier else ""
            lines.append(
                f"| {r['season']} | {r['mode']} | {name} | {f['n']} / {f['expected']} | "
                f"{f['mae']:.3f} | {f['last10']:.3f} | {f['season']:.3f} | "
                f"{f['ewma']:.3f} | {f['ratio']:.3f} | {older} | {old} |"
            )
    lines += [
        "",
        "### Calibration of the game model (predicted vs observed home-win rate)",
        "",
        "| season | availability | bin | games | predicted | observed |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for label, count, predicted, observed in r["calibration"]:
            lines.append(
                f"| {r['season']} | {r['mode']} | {label} | {count} | {predicted:.3f} "
                f"| {observed:.3f} |"
            )
    lines += [
        "",
        "Coverage: "
        + "; ".join(
            f"{r['season']} ({r['mode']}): {r['coverage_games'][0]}/{r['coverage_games'][1]} games"
            for r in results
        ),
        "Backtest wall time: " + "; ".join(f"{s}: {t:.0f} s" for s, t in timings.items()),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seasons", nargs="+", default=["2019-20", "2020-21"])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument(
        "--no-distributions",
        action="store_true",
        help="skip benchmarks/distributions.py (the predictive distributions' figures)",
    )
    args = parser.parse_args()
    results, timings = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for season in args.seasons:
            for mode in args.modes:
                csv = Path(tmp) / f"backtest_{season}_{mode}.csv"
                timings[f"{season} {mode}"] = run_backtest(season, csv, mode)
                results.append(evaluate(season, csv, mode))
    print(render(results, timings))
    failures, goals = missed(results)
    for goal in goals:
        print(f"GOAL MISSED: {goal}")
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    if not args.no_distributions:
        print(flush=True)
        script = Path(__file__).resolve().parent / "distributions.py"
        done = subprocess.run([sys.executable, str(script), "--seasons", *args.seasons])
        if done.returncode:
            failures.append("benchmarks/distributions.py failed")
    return 1 if failures else 0


def missed(results: list[dict]) -> tuple[list[str], list[str]]:
    """Return the targets (musts) and the goals the seasons' figures miss."""
    failures, goals = [], []
    for r in results:
        r = {**r, "season": f"{r['season']} ({r['mode']})"}
        common = r["games_common"]
        if common["nba-ml"]["brier"] >= common["538 Elo"]["brier"]:
            failures.append(f"{r['season']}: game Brier not below FiveThirtyEight Elo")
        if common["nba-ml"]["brier"] > common["538 RAPTOR"]["brier"]:
            goals.append(
                f"{r['season']}: game Brier {common['nba-ml']['brier']:.4f} above "
                f"RAPTOR {common['538 RAPTOR']['brier']:.4f}"
            )
        for name in STATS:
            if r[name]["ratio"] > RATIO_MUST:
                failures.append(
                    f"{r['season']}: {name} MAE ratio {r[name]['ratio']:.3f} > {RATIO_MUST}"
                )
            elif r[name]["ratio"] > RATIO_GOAL:
                goals.append(
                    f"{r['season']}: {name} MAE ratio {r[name]['ratio']:.3f} > {RATIO_GOAL}"
                )
            if r[name]["n"] != r[name]["expected"]:
                failures.append(
                    f"{r['season']}: {name} covers {r[name]['n']} of "
                    f"{r[name]['expected']} player-games"
                )
        if r["coverage_games"][0] != r["coverage_games"][1]:
            failures.append(f"{r['season']}: covers {r['coverage_games']} games")
    return failures, goals


if __name__ == "__main__":
    raise SystemExit(main())
