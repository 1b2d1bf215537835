"""Team and player strength: Elo, per-player ratings, and rotation-weighted team strength.

Everything here is computed game by game from earlier games only: a rating used for a game is
the one after the team's (or player's) previous game, never one that includes the game itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nba_ml.modeling import rolling

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Elo in FiveThirtyEight's published form: K=20, 100 points of home advantage, a margin-of-victory
# multiplier, and a 25% regression to the mean between seasons.
ELO_K = 20.0
ELO_HOME = 100.0
ELO_MEAN = 1505.0
ELO_CARRY = 0.75

# Player ratings: minute-weighted, exponentially decayed (by the player's games) averages of his
# box-score value above the league rate and of his on-court plus-minus, each per minute and shrunk
# towards 0 (league average) by PRIOR_MINUTES of average play. Chosen on 2018-19 (see
# docs/quality-log.md).
LEAGUE_VALUE_RATE = 0.6  # box value per minute of the average player (2017-19 logs: 0.616)
RATING_HALFLIFE = 30.0  # player games
PRIOR_MINUTES = 250.0
# Rotation: a team's probable players for a game are those who played its last ROTATION_GAMES
# games, each weighted by his minutes there, the most recent game weighing most (ROTATION_DECAY per
# game back): a player who missed the latest games counts less.
ROTATION_GAMES = 5
ROTATION_DECAY = 0.5

ROTATION_COLUMNS: tuple[str, ...] = ("rot_box", "rot_pm", "rot_min")


def elo_ratings(games: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return each game's pre-game Elo of home and away, updating only on games with results."""
    import numpy as np

    ratings: dict[object, float] = {}
    seasons: dict[object, str] = {}
    home_pre = np.empty(len(games))
    away_pre = np.empty(len(games))
    cols = zip(
        games["home"].to_numpy(),
        games["away"].to_numpy(),
        games["season"].to_numpy(),
        games["home_pts"].to_numpy(dtype=float),
        games["away_pts"].to_numpy(dtype=float),
        games["neutral"].to_numpy(dtype=bool),
        strict=True,
    )
    for i, (home, away, season, hp, ap, neutral) in enumerate(cols):
        for team in (home, away):
            if team not in ratings:
                ratings[team] = ELO_MEAN
                seasons[team] = season
            elif seasons[team] != season:
                ratings[team] = ELO_CARRY * ratings[team] + (1 - ELO_CARRY) * ELO_MEAN
                seasons[team] = season
        rh, ra = ratings[home], ratings[away]
        home_pre[i], away_pre[i] = rh, ra
        if np.isnan(hp) or np.isnan(ap):
            continue
        edge = rh - ra + (0.0 if neutral else ELO_HOME)
        expected = 1.0 / (1.0 + 10 ** (-edge / 400.0))
        outcome = 1.0 if hp > ap else 0.0
        margin = abs(hp - ap)
        winner_edge = edge if hp > ap else -edge
        multiplier = (margin + 3.0) ** 0.8 / (7.5 + 0.006 * winner_edge)
        shift = ELO_K * multiplier * (outcome - expected)
        ratings[home] = rh + shift
        ratings[away] = ra - shift
    return home_pre, away_pre


def player_value(pg: pd.DataFrame) -> np.ndarray:
    """Return a per-game box-score value (points, rebounds, assists, stocks, minus turnovers)."""
    stl = pg["stl"].fillna(0).to_numpy(dtype=float)
    blk = pg["blk"].fillna(0).to_numpy(dtype=float)
    tov = pg["tov"].fillna(0).to_numpy(dtype=float)
    return (
        pg["pts"].to_numpy(dtype=float)
        + 0.5 * pg["reb"].to_numpy(dtype=float)
        + 0.8 * pg["ast"].to_numpy(dtype=float)
        + stl
        + blk
        - tov
    )


def player_ratings(played: pd.DataFrame, stats: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Return each played row's ratings per minute *after* that game: ``box`` (value above the
    league rate), ``pm`` (on-court plus-minus) and, for each of ``stats``, that stat's rate.

    ``played`` must be sorted by (player_id, game_date) and hold only played rows.
    """
    import numpy as np

    starts = rolling.group_starts(played["player_id"].to_numpy())
    decay = 0.5 ** (1.0 / RATING_HALFLIFE)
    minutes = np.nan_to_num(played["min"].to_numpy(dtype=float), nan=0.0)
    above = player_value(played) - LEAGUE_VALUE_RATE * minutes
    plus_minus = np.nan_to_num(played["plus_minus"].to_numpy(dtype=float), nan=0.0)
    mass = rolling.inclusive_decayed_sum(minutes, starts, decay) + PRIOR_MINUTES
    out = {
        "box": rolling.inclusive_decayed_sum(np.nan_to_num(above, nan=0.0), starts, decay),
        "pm": rolling.inclusive_decayed_sum(plus_minus, starts, decay),
    }
    for stat in stats:
        out[stat] = rolling.inclusive_decayed_sum(
            np.nan_to_num(played[stat].to_numpy(dtype=float), nan=0.0), starts, decay
        )
    return {name: total / mass for name, total in out.items()}


def rotation_strength(
    player_games: pd.DataFrame, team_games: pd.DataFrame, stats: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Return per team-game (``game_id``, ``team``) the strength of its probable players.

    ``rot_min``: the players' expected minutes (recency-weighted minutes over the team's last
    ROTATION_GAMES games, 0 for a game a player missed); ``rot_box`` / ``rot_pm`` (and
    ``rot_<stat>`` for ``stats``): the sum over them of expected minutes times their latest
    rating per minute. Only games before each team-game count (upcoming rows included). Inputs
    must be integer coded.
    """
    return rotation(player_games, team_games, stats)[0]


def rotation(
    player_games: pd.DataFrame, team_games: pd.DataFrame, stats: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(rotation_strength(...), players)``: ``players`` has one row per (``game_id``,
    ``team``, ``player_id``) of each probable player with his ``expected_min`` and his latest
    ratings per minute (``box``, ``pm`` and each of ``stats``: what ``availability`` subtracts
    when he is out)."""
    import numpy as np
    import pandas as pd

    tg = team_games.sort_values(["team", "game_date"], kind="mergesort").reset_index(drop=True)
    team_start = rolling.group_starts(tg["team"].to_numpy())
    tg_index = np.arange(len(tg))
    played = (
        player_games[player_games["pts"].notna()]
        .sort_values(["player_id", "game_date"], kind="mergesort")
        .reset_index(drop=True)
    )
    rated = player_ratings(played, stats)
    position = rolling.lookup(
        played,
        pd.DataFrame({"game_id": tg["game_id"], "team": tg["team"], "_row": tg_index}),
        ["game_id", "team"],
    )
    row = position["_row"].to_numpy(dtype=float)
    keep = ~np.isnan(row)
    row = row[keep].astype(np.int64)
    minutes = np.nan_to_num(played["min"].to_numpy(dtype=float), nan=0.0)[keep]
    player = played["player_id"].to_numpy()[keep]
    rated = {name: values[keep] for name, values in rated.items()}
    team_of_row = tg["team"].to_numpy()
    parts = []
    for back in range(1, ROTATION_GAMES + 1):
        target = row + back
        ok = target < len(tg)
        ok[ok] = team_of_row[target[ok]] == team_of_row[row[ok]]
        weight = ROTATION_DECAY ** (back - 1)
        parts.append(
            pd.DataFrame(
                {
                    "target": target[ok],
                    "player": player[ok],
                    "back": back,
                    "wmin": weight * minutes[ok],
                    **{name: values[ok] for name, values in rated.items()},
                }
            )
        )
    contrib = pd.concat(parts, ignore_index=True).sort_values(
        ["target", "player", "back"], kind="mergesort"
    )
    per_player = contrib.groupby(["target", "player"], sort=False).agg(
        wmin=("wmin", "sum"), **{name: (name, "first") for name in rated}
    )
    # each target's total weight: the games back that exist for the team
    available = np.minimum(tg_index - team_start, ROTATION_GAMES)
    norm = (1 - ROTATION_DECAY**available) / (1 - ROTATION_DECAY)
    target_of = per_player.index.get_level_values("target").to_numpy()
    expected = per_player["wmin"].to_numpy() / norm[target_of]
    sums = (
        pd.DataFrame(
            {
                "target": target_of,
                "rot_min": expected,
                **{f"rot_{name}": expected * per_player[name].to_numpy() for name in rated},
            }
        )
        .groupby("target")
        .sum()
    )
    out = pd.DataFrame({"game_id": tg["game_id"], "team": tg["team"]})
    for column in sums.columns:
        values = np.full(len(tg), np.nan)
        values[sums.index.to_numpy()] = sums[column].to_numpy()
        out[column] = values
    players = pd.DataFrame(
        {
            "game_id": tg["game_id"].to_numpy()[target_of],
            "team": tg["team"].to_numpy()[target_of],
            "player_id": per_player.index.get_level_values("player").to_numpy(),
            "expected_min": expected,
            **{name: per_player[name].to_numpy() for name in rated},
        }
    )
    return out, players


def team_roster_strength(player_games: pd.DataFrame, team_games: pd.DataFrame) -> pd.DataFrame:
    """Return per team-game the strength of the players who played the team's previous game.

    ``roster``: the sum of those players' recent value per game (plus-minus-free box value);
    ``missing``: the team's mean roster over its previous 10 games minus ``roster``. Both use
    only games before the game's date.
    """
    import pandas as pd

    pg = (
        player_games[player_games["pts"].notna()]
        .sort_values(["player_id", "game_date"], kind="mergesort")
        .reset_index(drop=True)
    )
    starts = rolling.group_starts(pg["player_id"].to_numpy())
    # each player's value going into his next game: mean of his last 15 games, this one included
    pg = pg.assign(_value=rolling.inclusive_mean(player_value(pg), starts, 15))
    per_game = pg.groupby(["game_id", "team"], sort=False).agg(roster_after=("_value", "sum"))
    tg = team_games.sort_values(["team", "game_date"], kind="mergesort").reset_index(drop=True)
    roster_after = rolling.lookup(tg, per_game.reset_index(), ["game_id", "team"])[
        "roster_after"
    ].to_numpy(dtype=float)
    team_starts = rolling.group_starts(tg["team"].to_numpy())
    previous = rolling.shift_in_group(roster_after, team_starts)
    typical = rolling.prior_mean(roster_after, team_starts, 10)
    return pd.DataFrame(
        {
            "game_id": tg["game_id"],
            "team": tg["team"],
            "roster": previous,
            "missing": typical - previous,
        }
    )
