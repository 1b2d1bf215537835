"""Leakage-free features for games and player-games: the one feature code path.

Training, backtest and serving all call ``game_features`` / ``player_features``. A row's features
use only rows from strictly earlier dates: upcoming games are appended as rows without results,
and every statistic is computed from earlier rows only (per-team and per-player histories are
shifted by one game; a team or player plays at most once a day).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

# Elo in FiveThirtyEight's published form: K=20, 100 points of home advantage, a margin-of-victory
# multiplier, and a 25% regression to the mean between seasons.
ELO_K = 20.0
ELO_HOME = 100.0
ELO_MEAN = 1505.0
ELO_CARRY = 0.75

# Home-minus-away differences: symmetric, few parameters, robust across seasons. Chosen on the
# 2018-19 season (trained on 2017-18): rest days, margins and roster terms each lowered Brier.
GAME_FEATURES: tuple[str, ...] = (
    "elo_diff", "rest_diff", "b2b_diff", "margin10_diff", "margin_season_diff", "roster_diff",
    "missing_diff",
)
GAME_CONTEXT: tuple[str, ...] = (
    "home_elo", "away_elo", "home_rest", "away_rest", "home_roster", "away_roster",
)
PLAYER_STATS: tuple[str, ...] = ("pts", "ast", "reb")
PLAYER_FEATURES: tuple[str, ...] = tuple(
    [f"{s}_{w}" for s in ("pts", "ast", "reb", "min") for w in ("l5", "l10", "l20", "season",
                                                                   "ewm", "prev_season")]
    + [f"{s}_rate_{w}" for s in ("pts", "ast", "reb") for w in ("l10", "season", "career")]
    + [f"{s}_std10" for s in ("pts", "ast", "reb", "min")]
    + [f"opp_{s}_allowed" for s in ("pts", "ast", "reb")]
    + ["games_season", "games_career", "rest", "b2b", "is_home", "playoffs", "missed_last",
       "started_trend", "team_margin10", "elo_edge", "team_roster", "team_missing",
       "opp_roster", "value_share"]
)


# ---------------------------------------------------------------------------------------------
# vectorised helpers over rows sorted by (group, date)
# ---------------------------------------------------------------------------------------------

def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Return, for each row of a group-sorted array, the index of its group's first row."""
    import numpy as np

    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(n), 0))


def _prior_mean(values: np.ndarray, starts: np.ndarray, window: int | None) -> np.ndarray:
    """Return the mean of up to ``window`` earlier non-NaN values of the group (NaN if none)."""
    import numpy as np

    valid = ~np.isnan(values)
    total = np.concatenate([[0.0], np.cumsum(np.where(valid, values, 0.0))])
    count = np.concatenate([[0], np.cumsum(valid)])
    index = np.arange(len(values))
    low = starts if window is None else np.maximum(starts, index - window)
    sums = total[index] - total[low]
    counts = count[index] - count[low]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _prior_sum_count(values: np.ndarray, starts: np.ndarray, window: int | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    valid = ~np.isnan(values)
    total = np.concatenate([[0.0], np.cumsum(np.where(valid, values, 0.0))])
    count = np.concatenate([[0], np.cumsum(valid)])
    index = np.arange(len(values))
    low = starts if window is None else np.maximum(starts, index - window)
    return total[index] - total[low], count[index] - count[low]


def _prior_std(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    import numpy as np

    mean = _prior_mean(values, starts, window)
    mean_sq = _prior_mean(values * values, starts, window)
    return np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))


def _prior_ewm(values: np.ndarray, starts: np.ndarray, halflife: float) -> np.ndarray:
    """Return an exponentially weighted mean of earlier values in the group (NaN if none)."""
    import numpy as np

    decay = 0.5 ** (1.0 / halflife)
    n = len(values)
    out = np.full(n, np.nan)
    # Closed form with cumulative sums of decay-scaled values, per group, in log-safe chunks:
    # ewm_i = sum_{j<i} d^(i-1-j) v_j / sum_{j<i} d^(i-1-j)  over valid j in the group.
    valid = ~np.isnan(values)
    position = np.arange(n) - starts
    # rescale per group to keep exponents bounded: groups are at most a few thousand rows long
    max_len = int(position.max()) + 1 if n else 0
    if max_len > 2000:  # fall back to a chunked computation for very long histories
        return _prior_ewm_loop(values, starts, decay)
    weight = decay ** (-position.astype(float))
    weighted = np.where(valid, values * weight, 0.0)
    mass = np.where(valid, weight, 0.0)
    cum_w = np.cumsum(weighted)
    cum_m = np.cumsum(mass)
    before_w = np.concatenate([[0.0], cum_w])[np.arange(n)] - np.concatenate([[0.0], cum_w])[starts]
    before_m = np.concatenate([[0.0], cum_m])[np.arange(n)] - np.concatenate([[0.0], cum_m])[starts]
    ok = before_m > 0
    out[ok] = before_w[ok] / before_m[ok]
    return out


def _prior_ewm_loop(values: np.ndarray, starts: np.ndarray, decay: float) -> np.ndarray:
    import numpy as np

    out = np.full(len(values), np.nan)
    acc = mass = 0.0
    for i, v in enumerate(values):
        if starts[i] == i:
            acc = mass = 0.0
        if mass > 0:
            out[i] = acc / mass
        acc *= decay  # a row without a value still moves the weights on (positional decay)
        mass *= decay
        if not np.isnan(v):
            acc += v
            mass += 1.0
    return out


def _lookup(keys: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Return ``table``'s rows matching each row of ``keys`` on ``on`` (NaN where none), aligned
    with ``keys``; ``table`` must be unique on ``on``. A hash join, far faster than tuple keys."""
    keys = keys[on].reset_index(drop=True)
    merged = keys.merge(table, on=on, how="left", validate="many_to_one", sort=False)
    return merged.set_axis(keys.index)


def _group_starts_of(*columns: np.ndarray) -> np.ndarray:
    """Return group-start indices for rows sorted so that equal column tuples are adjacent."""
    import numpy as np

    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for column in columns:
        new[1:] |= column[1:] != column[:-1]
    return np.maximum.accumulate(np.where(new, np.arange(n), 0))


def _season_start_years(seasons: pd.Series) -> np.ndarray:
    """Return the start year of each season label ("2019-20" -> 2019), vectorised."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(seasons)
    years = np.array([int(str(label)[:4]) for label in uniques], dtype=np.int64)
    return years[codes] if len(uniques) else np.zeros(len(seasons), dtype=np.int64)


def _encode(team_games: pd.DataFrame, player_games: pd.DataFrame
            ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Return copies whose game ids and teams are integer codes (joins and groupings on strings
    dominate the cost otherwise), plus the arrays that decode them (code -1 decodes to NaN)."""
    import numpy as np
    import pandas as pd

    n_t, n_p = len(team_games), len(player_games)
    id_codes, id_values = pd.factorize(pd.concat(
        [team_games["game_id"], player_games["game_id"]], ignore_index=True))
    team_codes, team_values = pd.factorize(pd.concat(
        [team_games["team"], team_games["opponent"], player_games["team"],
         player_games["opponent"]], ignore_index=True))
    tg = team_games.assign(game_id=id_codes[:n_t], team=team_codes[:n_t],
                           opponent=team_codes[n_t:2 * n_t])
    pg = player_games.assign(game_id=id_codes[n_t:], team=team_codes[2 * n_t:2 * n_t + n_p],
                             opponent=team_codes[2 * n_t + n_p:])
    ids = np.append(np.asarray(id_values, dtype=object), np.nan)
    teams = np.append(np.asarray(team_values, dtype=object), np.nan)
    return tg, pg, ids, teams


def _days_since_previous(dates: np.ndarray, starts: np.ndarray) -> np.ndarray:
    import numpy as np

    days = dates.astype("datetime64[D]").astype(np.int64).astype(float)
    previous = np.concatenate([[np.nan], days[:-1]])
    gap = days - previous
    gap[starts == np.arange(len(days))] = np.nan
    return gap


# ---------------------------------------------------------------------------------------------
# team games
# ---------------------------------------------------------------------------------------------

def _elo_ratings(games: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return each game's pre-game Elo of home and away, updating only on games with results."""
    import numpy as np

    ratings: dict[str, float] = {}
    seasons: dict[str, str] = {}
    home_pre = np.empty(len(games))
    away_pre = np.empty(len(games))
    cols = zip(games["home"].to_numpy(), games["away"].to_numpy(), games["season"].to_numpy(),
               games["home_pts"].to_numpy(dtype=float), games["away_pts"].to_numpy(dtype=float),
               games["neutral"].to_numpy(dtype=bool), strict=True)
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


def team_game_history(team_games: pd.DataFrame) -> pd.DataFrame:
    """Return team-game rows with per-team prior statistics (rest, margins, games played)."""
    import numpy as np

    tg = team_games.sort_values(["team", "game_date"], kind="mergesort").reset_index(drop=True)
    keys = tg["team"].to_numpy()
    starts = _group_starts(keys)
    season_starts = _group_starts_of(keys, tg["season"].to_numpy())
    margin = (tg["pts"] - tg["opp_pts"]).to_numpy(dtype=float)
    out = tg[["game_id", "team", "game_date", "season"]].copy()
    rest = _days_since_previous(tg["game_date"].to_numpy(), starts)
    out["rest"] = np.minimum(np.nan_to_num(rest, nan=7.0), 7.0)
    out["b2b"] = (rest == 1).astype(float)
    out["margin10"] = _prior_mean(margin, starts, 10)
    out["margin_season"] = _prior_mean(margin, season_starts, None)
    out["games_season"] = np.arange(len(tg)) - season_starts
    for stat in ("pts", "ast", "reb"):
        # what this team's opponents produced against it, recent 10 games
        allowed = _opponent_values(tg, stat)
        out[f"{stat}_allowed10"] = _prior_mean(allowed, starts, 10)
    return out


def _opponent_values(tg: pd.DataFrame, stat: str) -> np.ndarray:
    """Return, for each team-game row, the opponent's value of ``stat`` in that game."""
    other = tg[["game_id", "team", stat]].rename(columns={"team": "opponent", stat: "_v"})
    merged = tg[["game_id", "opponent"]].merge(other, on=["game_id", "opponent"], how="left")
    return merged["_v"].to_numpy(dtype=float)


def games_frame(team_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per game (home side) with scores and the home-win label (NaN if unplayed)."""
    import numpy as np

    home = team_games[team_games["is_home"].astype(bool)]
    games = home[["game_id", "season", "season_type", "game_date", "team", "opponent", "pts",
                  "opp_pts"]].rename(columns={"team": "home", "opponent": "away",
                                              "pts": "home_pts", "opp_pts": "away_pts"})
    played = games["home_pts"].notna() & games["away_pts"].notna()
    games = games.assign(home_win=np.where(played, (games["home_pts"] > games["away_pts"]) * 1.0,
                                           np.nan))
    return games.sort_values(["game_date", "game_id"], kind="mergesort").reset_index(drop=True)


SIDE_COLUMNS: tuple[str, ...] = (
    "elo", "rest", "b2b", "margin10", "margin_season", "games_season", "pts_allowed10",
    "ast_allowed10", "reb_allowed10", "roster", "missing",
)
# Player features that depend on the opponent and venue of the game (the rest depend only on
# the player's and his team's history).
OPPONENT_FEATURES: tuple[str, ...] = (
    "opp_pts_allowed", "opp_ast_allowed", "opp_reb_allowed", "elo_edge", "opp_roster", "is_home",
)


def game_features(team_games: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per game: identifiers, ``GAME_FEATURES`` and ``home_win`` (NaN if unplayed).

    Rows of ``team_games`` without scores are upcoming games; their features use all rows
    of earlier dates.
    """
    tg, pg, ids, teams = _encode(team_games, player_games)
    games, _ = _game_table(tg, pg)
    return _decode_games(games, ids, teams)


def _decode_games(games: pd.DataFrame, ids: np.ndarray, teams: np.ndarray) -> pd.DataFrame:
    """Return the game table with its game ids and teams decoded, in date order."""
    games["game_id"] = ids[games["game_id"].to_numpy()]
    games["home"] = teams[games["home"].to_numpy()]
    games["away"] = teams[games["away"].to_numpy()]
    return games.sort_values(["game_date", "game_id"], kind="mergesort").reset_index(drop=True)


def team_sides(team_games: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per team-game: ``game_id``, ``team``, ``game_date`` and ``SIDE_COLUMNS``,
    what was known about the team before that game (for upcoming rows too)."""
    tg, pg, ids, teams = _encode(team_games, player_games)
    _, sides = _game_table(tg, pg)
    sides["game_id"] = ids[sides["game_id"].to_numpy()]
    sides["team"] = teams[sides["team"].to_numpy()]
    return sides


def _game_table(team_games: pd.DataFrame, player_games: pd.DataFrame
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (games with features, per team-game side table) for integer-coded inputs."""
    import numpy as np
    import pandas as pd

    games = games_frame(team_games)
    games["neutral"] = False
    home_elo, away_elo = _elo_ratings(games)
    elo = pd.DataFrame({"game_id": np.concatenate([games["game_id"].to_numpy()] * 2),
                        "team": np.concatenate([games["home"].to_numpy(),
                                                games["away"].to_numpy()]),
                        "elo": np.concatenate([home_elo, away_elo])})
    history = team_game_history(team_games).drop(columns=["season"])
    roster = team_roster_strength(player_games, team_games)
    sides = history.merge(roster, on=["game_id", "team"], how="left").merge(
        elo, on=["game_id", "team"], how="left")
    sides = sides[["game_id", "team", "game_date", *SIDE_COLUMNS]]
    for side in ("home", "away"):
        key = games[["game_id", side]].rename(columns={side: "team"})
        found = _lookup(key, sides.drop(columns=["game_date"]), ["game_id", "team"])
        for column in SIDE_COLUMNS:
            games[f"{side}_{column}"] = found[column].to_numpy()
    add_game_diffs(games)
    games["home_win"] = games["home_win"].astype(float)
    columns = ["game_id", "season", "season_type", "game_date", "home", "away",
               *GAME_FEATURES, *GAME_CONTEXT, "home_pts", "away_pts", "home_win"]
    return games[columns].reset_index(drop=True), sides


def add_game_diffs(games: pd.DataFrame) -> pd.DataFrame:
    """Add ``GAME_FEATURES`` (home-minus-away differences) to a frame with ``home_<side column>``
    and ``away_<side column>`` columns; return it."""
    games["elo_diff"] = games["home_elo"] - games["away_elo"]
    for name in ("rest", "b2b", "margin10", "margin_season", "roster", "missing"):
        games[f"{name}_diff"] = games[f"home_{name}"] - games[f"away_{name}"]
    return games


def opponent_features(own: pd.DataFrame, opponent: pd.DataFrame, is_home: np.ndarray
                      ) -> dict[str, np.ndarray]:
    """Return ``OPPONENT_FEATURES`` from the player's team side, the opponent's side (aligned
    rows of ``team_sides``) and whether the player's team is at home."""
    import numpy as np

    home = np.asarray(is_home, dtype=float)
    venue = np.where(np.isnan(home), 0.0, np.where(home > 0.5, ELO_HOME, -ELO_HOME))
    out = {f"opp_{stat}_allowed": opponent[f"{stat}_allowed10"].to_numpy(dtype=float)
           for stat in ("pts", "ast", "reb")}
    out["elo_edge"] = (own["elo"].to_numpy(dtype=float) - opponent["elo"].to_numpy(dtype=float)
                       + venue)
    out["opp_roster"] = opponent["roster"].to_numpy(dtype=float)
    out["is_home"] = home
    return out


# ---------------------------------------------------------------------------------------------
# players
# ---------------------------------------------------------------------------------------------

def _player_value(pg: pd.DataFrame) -> np.ndarray:
    """Return a per-game box-score value (points, rebounds, assists, stocks, minus turnovers)."""
    import numpy as np

    stl = pg["stl"].fillna(0).to_numpy(dtype=float)
    blk = pg["blk"].fillna(0).to_numpy(dtype=float)
    tov = pg["tov"].fillna(0).to_numpy(dtype=float)
    return (pg["pts"].to_numpy(dtype=float) + 0.5 * pg["reb"].to_numpy(dtype=float)
            + 0.8 * pg["ast"].to_numpy(dtype=float) + stl + blk - tov + 0 * np.zeros(len(pg)))


def team_roster_strength(player_games: pd.DataFrame, team_games: pd.DataFrame) -> pd.DataFrame:
    """Return per team-game the strength of the players who played the team's previous game.

    ``roster``: the sum of those players' recent value per game (plus-minus-free box value);
    ``missing``: the recent value of the team's regulars who did not play that previous game.
    Both use only games before the game's date.
    """
    import numpy as np
    import pandas as pd

    pg = player_games[player_games["pts"].notna()].sort_values(
        ["player_id", "game_date"], kind="mergesort").reset_index(drop=True)
    starts = _group_starts(pg["player_id"].to_numpy())
    value = _player_value(pg)
    # each player's value going into his next game: mean of his last 15 games, this one included
    pg = pg.assign(_value=_inclusive_mean(value, starts, 15))
    # team-level: for each team game, players who appeared in it and their value after it
    per_game = pg.groupby(["game_id", "team"], sort=False).agg(
        roster_after=("_value", "sum"), game_date=("game_date", "first"))
    # regulars: players whose recent minutes are >= 20; after each team game, the value of
    # regulars of that team (by their last 10 team games) who did NOT play it
    tg = team_games.sort_values(["team", "game_date"], kind="mergesort").reset_index(drop=True)
    roster_after = _lookup(tg, per_game[["roster_after"]].reset_index(),
                           ["game_id", "team"])["roster_after"].to_numpy(dtype=float)
    team_starts = _group_starts(tg["team"].to_numpy())
    # shift within team: the roster strength known before the game is the one after the previous
    previous = np.concatenate([[np.nan], roster_after[:-1]])
    previous[team_starts == np.arange(len(tg))] = np.nan
    # the missing value: mean roster over the previous 10 team games minus the last one
    typical = _prior_mean(roster_after, team_starts, 10)
    out = pd.DataFrame({"game_id": tg["game_id"], "team": tg["team"], "roster": previous,
                        "missing": typical - previous})
    return out


def _inclusive_mean(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """Return the mean of the last ``window`` values of the group up to and including each row."""
    import numpy as np

    n = len(values)
    nxt = np.arange(n) + 1
    valid = ~np.isnan(values)
    total = np.concatenate([[0.0], np.cumsum(np.where(valid, values, 0.0))])
    count = np.concatenate([[0], np.cumsum(valid)])
    low = np.maximum(starts, nxt - window)
    cnt = count[nxt] - count[low]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, (total[nxt] - total[low]) / np.maximum(cnt, 1), np.nan)


def player_features(player_games: pd.DataFrame, team_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per player-game: identifiers, ``PLAYER_FEATURES`` and the actual stats.

    Rows without stats (NaN ``pts``) are upcoming player-games; features use earlier dates only.
    """
    tg, pg, ids, teams = _encode(team_games, player_games)
    _, sides = _game_table(tg, pg)
    return _player_table(pg, sides, ids, teams)


def feature_tables(team_games: pd.DataFrame, player_games: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(game_features(...), player_features(...))`` of the same data, computing the
    team sides (Elo, rest, margins, rosters) once for both."""
    tg, pg, ids, teams = _encode(team_games, player_games)
    games, sides = _game_table(tg, pg)
    return _decode_games(games, ids, teams), _player_table(pg, sides, ids, teams)


def _player_table(player_games: pd.DataFrame, sides: pd.DataFrame, ids: np.ndarray,
                  teams: np.ndarray) -> pd.DataFrame:
    """Return ``player_features`` for integer-coded player games and their team sides."""
    import numpy as np
    import pandas as pd

    pg = player_games.sort_values(["player_id", "game_date"], kind="mergesort").reset_index(
        drop=True)
    pid = pg["player_id"].to_numpy()
    starts = _group_starts(pid)
    season_starts = _group_starts_of(pid, pg["season"].to_numpy())
    out = pg[["game_id", "season", "season_type", "game_date", "player_id", "player_name", "team",
              "opponent"]].copy()
    features: dict[str, np.ndarray] = {}
    minutes = pg["min"].to_numpy(dtype=float)
    # previous-season average: the mean over the player's games of the previous season label
    season_index = _season_start_years(pg["season"])
    for stat in ("pts", "ast", "reb", "min"):
        v = pg[stat].to_numpy(dtype=float)
        features[f"{stat}_l5"] = _prior_mean(v, starts, 5)
        features[f"{stat}_l10"] = _prior_mean(v, starts, 10)
        features[f"{stat}_l20"] = _prior_mean(v, starts, 20)
        features[f"{stat}_season"] = _prior_mean(v, season_starts, None)
        features[f"{stat}_ewm"] = _prior_ewm(v, starts, 8.0)
        features[f"{stat}_std10"] = _prior_std(v, starts, 10)
        features[f"{stat}_prev_season"] = _previous_season_mean(pg, stat, season_index)
    for stat in ("pts", "ast", "reb"):
        v = pg[stat].to_numpy(dtype=float)
        for name, st, window in (("l10", starts, 10), ("season", season_starts, None),
                                 ("career", starts, None)):
            sv, _ = _prior_sum_count(v, st, window)
            sm, _ = _prior_sum_count(np.where(np.isnan(v), np.nan, minutes), st, window)
            with np.errstate(invalid="ignore", divide="ignore"):
                features[f"{stat}_rate_{name}"] = np.where(sm > 30, sv / np.maximum(sm, 1), np.nan)
    features["games_season"] = (np.arange(len(pg)) - season_starts).astype(float)
    features["games_career"] = (np.arange(len(pg)) - starts).astype(float)
    rest = _days_since_previous(pg["game_date"].to_numpy(), starts)
    features["rest"] = np.minimum(np.nan_to_num(rest, nan=30.0), 30.0)
    features["b2b"] = (rest == 1).astype(float)
    features["playoffs"] = (pg["season_type"] == "Playoffs").astype(float).to_numpy()
    # minutes trend: last 3 vs last 10
    features["started_trend"] = _prior_mean(minutes, starts, 3) - features["min_l10"]

    sides = sides.drop(columns=["game_date"])
    own = _lookup(pg, sides, ["game_id", "team"])
    opp = _lookup(pg[["game_id", "opponent"]].rename(columns={"opponent": "team"}), sides,
                  ["game_id", "team"])
    features.update(opponent_features(own, opp, pg["is_home"].astype(float).to_numpy()))
    features["team_margin10"] = own["margin10"].to_numpy(dtype=float)
    # did the player miss his team's previous game(s)? games the team played since his last one
    team_games_played = own["games_season"].to_numpy(dtype=float)
    prev_team_count = np.concatenate([[np.nan], team_games_played[:-1]])
    season_values = pg["season"].to_numpy()
    same_season = np.concatenate([[False], season_values[1:] == season_values[:-1]])
    prev_team_count[(starts == np.arange(len(pg))) | ~same_season] = np.nan
    features["missed_last"] = np.clip(team_games_played - prev_team_count - 1, 0, 20)
    features["team_roster"] = own["roster"].to_numpy(dtype=float)
    features["team_missing"] = own["missing"].to_numpy(dtype=float)
    value = _player_value(pg)
    with np.errstate(invalid="ignore", divide="ignore"):
        features["value_share"] = _prior_mean(value, starts, 10) / features["team_roster"]
    frame = pd.DataFrame(features, index=pg.index)
    out = pd.concat([out, frame[list(PLAYER_FEATURES)], pg[["min", "pts", "ast", "reb"]]], axis=1)
    out["game_id"] = ids[out["game_id"].to_numpy()]
    out["team"] = teams[out["team"].to_numpy()]
    out["opponent"] = teams[out["opponent"].to_numpy()]
    return out.sort_values(["game_date", "game_id", "player_id"], kind="mergesort").reset_index(
        drop=True)


def _previous_season_mean(pg: pd.DataFrame, stat: str, season_index: np.ndarray) -> np.ndarray:
    import numpy as np

    per = pg.groupby(["player_id", season_index])[stat].mean()
    import pandas as pd

    key = pd.MultiIndex.from_arrays([pg["player_id"].to_numpy(), season_index - 1])
    return per.reindex(key).to_numpy(dtype=float) if len(per) else np.full(len(pg), np.nan)
