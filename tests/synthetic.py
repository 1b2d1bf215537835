"""Small, deterministic NBA-like seasons in the exact CSV format of ../shared's exports.

The offline core tests train, serve and backtest on these, so the README's test command proves
the main paths on a fresh clone with nothing beside it. The numbers follow a simple generative
story (team strength, home edge, player roles), consistent the way real exports are: each
team's points are its players' points, both sides of a game agree on the result, plus-minus
is the margin, and minutes add up to 240 per team.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

TEAM_CODES = ("BOS", "PHI", "MIL", "TOR", "LAL", "GSW", "DEN", "MIA", "DAL", "UTA")
PLAYERS_PER_TEAM = 9
ROLE_MINUTES = np.array([36, 34, 32, 30, 28, 26, 22, 18, 14], dtype=float)  # sums to 240

TEAM_HEADER = [
    "TEAM_ID",
    "TEAM_ABBREVIATION",
    "TEAM_NAME",
    "GAME_DATE",
    "MATCHUP",
    "WL",
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
    "SEASON_TYPE",
]
PLAYER_HEADER = [
    "PLAYER_ID",
    "PLAYER_NAME",
    "TEAM_ABBREVIATION",
    "GAME_DATE",
    "MATCHUP",
    "WL",
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
    "SEASON_TYPE",
]


def _split(total: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split a whole-number total among players in proportion to noisy weights."""
    noisy = weights * rng.gamma(4.0, 0.25, size=len(weights))
    shares = noisy / noisy.sum()
    parts = np.floor(shares * total).astype(int)
    for index in np.argsort(-(shares * total - parts))[: total - parts.sum()]:
        parts[index] += 1
    return parts


def _among(
    total: int, weights: np.ndarray, playing: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Split ``total`` among the players ``playing`` only (the others get 0)."""
    parts = np.zeros(len(weights), dtype=int)
    parts[playing] = _split(total, weights[playing], rng)
    return parts


def write_seasons(
    target: Path,
    seasons: tuple[str, ...] = ("2017-18", "2018-19"),
    *,
    rounds: int = 2,
    seed: int = 7,
    absence: float = 0.0,
) -> Path:
    """Write ``team_game_logs_<season>.csv`` and ``player_game_logs_<season>.csv`` into ``target``.

    Each season is ``rounds`` double round-robins of the ten teams (18 games per team per round,
    90 games a round) from mid-October, then a short playoff series; returns ``target``.
    ``absence``: each player's chance of sitting a game out (0: everyone plays every game);
    an absent player's minutes go to his teammates and his team scores less the better he is,
    so a box score's absences mean something (issue #23's availability features).
    """
    rng = np.random.default_rng(seed)
    target.mkdir(parents=True, exist_ok=True)
    strength = dict(zip(TEAM_CODES, rng.normal(0, 7, len(TEAM_CODES)), strict=True))
    skill = {code: rng.gamma(5.0, 0.2, PLAYERS_PER_TEAM) for code in TEAM_CODES}
    for season in seasons:
        start_year = int(season[:4])
        day = dt.date(start_year, 10, 17)
        schedule = [(home, away) for home in TEAM_CODES for away in TEAM_CODES if home != away]
        games: list[tuple[dt.date, str, str, str]] = []
        for _ in range(rounds):
            order = rng.permutation(len(schedule))
            pending = [schedule[i] for i in order]
            while pending:
                busy: set[str] = set()
                today, later = [], []
                for home, away in pending:
                    if home in busy or away in busy or len(today) >= 4:
                        later.append((home, away))
                    else:
                        today.append((home, away))
                        busy |= {home, away}
                games += [(day, home, away, "Regular Season") for home, away in today]
                pending = later
                day += dt.timedelta(days=1)
        ranked = sorted(TEAM_CODES, key=lambda code: -strength[code])
        for game in range(3):
            day += dt.timedelta(days=2)
            high, low = ranked[0], ranked[1]
            home, away = (high, low) if game != 1 else (low, high)
            games.append((day, home, away, "Playoffs"))
        _write_season(target, season, games, strength, skill, rng, absence)
        for code in TEAM_CODES:  # a little drift between seasons
            strength[code] = 0.9 * strength[code] + rng.normal(0, 1)
    return target


def _write_season(
    target: Path,
    season: str,
    games: list[tuple[dt.date, str, str, str]],
    strength: dict[str, float],
    skill: dict[str, np.ndarray],
    rng: np.random.Generator,
    absence: float = 0.0,
) -> None:
    team_rows: list[list[object]] = []
    player_rows: list[list[object]] = []
    everyone = np.ones(PLAYERS_PER_TEAM, dtype=bool)
    for day, home, away, season_type in games:
        margin_mean = strength[home] - strength[away] + 3.0
        present = {home: everyone, away: everyone}
        if absence > 0:
            for code in (home, away):
                drawn = rng.random(PLAYERS_PER_TEAM) >= absence
                present[code] = drawn if drawn.sum() >= 6 else everyone
            lost = {
                code: 12.0
                * float((skill[code] * ROLE_MINUTES)[~present[code]].sum())
                / float((skill[code] * ROLE_MINUTES).sum())
                for code in (home, away)
            }
            margin_mean -= lost[home] - lost[away]
        home_pts = round(rng.normal(108 + margin_mean / 2, 7))
        away_pts = round(rng.normal(108 - margin_mean / 2, 7))
        if home_pts == away_pts:
            home_pts += 1 if rng.random() < 0.55 else -1
        for team, opponent, points, is_home in (
            (home, away, home_pts, True),
            (away, home, away_pts, False),
        ):
            other = away_pts if is_home else home_pts
            won = "W" if points > other else "L"
            matchup = f"{team} vs. {opponent}" if is_home else f"{team} @ {opponent}"
            margin = points - other
            playing = present[team]
            weights = skill[team] * ROLE_MINUTES
            minutes = ROLE_MINUTES.astype(int)
            if not playing.all():  # the absent players' minutes go to the others
                minutes = np.zeros(PLAYERS_PER_TEAM, dtype=int)
                minutes[playing] = _split(240, ROLE_MINUTES[playing], rng)
            pts = (
                _split(points, weights, rng)
                if playing.all()
                else _among(points, weights, playing, rng)
            )
            reb_total = int(rng.integers(38, 52))
            ast_total = int(rng.integers(18, 30))
            reb_weights = ROLE_MINUTES * rng.gamma(4, 0.25, PLAYERS_PER_TEAM)
            if playing.all():
                reb = _split(reb_total, reb_weights, rng)
                ast = _split(ast_total, ROLE_MINUTES * skill[team], rng)
            else:
                reb = _among(reb_total, reb_weights * minutes / ROLE_MINUTES, playing, rng)
                ast = _among(ast_total, skill[team] * minutes, playing, rng)
            team_index = TEAM_CODES.index(team)
            team_rows.append(
                [
                    1610612700 + team_index,
                    team,
                    f"{team} Synthetics",
                    day.isoformat(),
                    matchup,
                    won,
                    points,
                    reb_total,
                    ast_total,
                    7,
                    5,
                    13,
                    0.46,
                    0.35,
                    0.78,
                    margin,
                    season_type,
                ]
            )
            for slot in range(PLAYERS_PER_TEAM):
                if not playing[slot]:
                    continue  # not in this game's box score
                player_id = 100000 + team_index * 100 + slot
                player_rows.append(
                    [
                        player_id,
                        f"Player {team} {slot + 1}",
                        team,
                        day.isoformat(),
                        matchup,
                        won,
                        int(minutes[slot]),
                        int(pts[slot]),
                        int(reb[slot]),
                        int(ast[slot]),
                        1,
                        0,
                        1,
                        0.45,
                        0.33 if slot % 3 else "",
                        0.8,
                        round(margin * minutes[slot] / 48),
                        season_type,
                    ]
                )
    for kind, header, rows in (
        ("team", TEAM_HEADER, team_rows),
        ("player", PLAYER_HEADER, player_rows),
    ):
        with (target / f"{kind}_game_logs_{season}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
