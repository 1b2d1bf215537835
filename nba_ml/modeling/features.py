"""Leakage-free features for games and player-games: the one feature code path.

Training, backtest and serving all call ``game_features`` / ``player_features`` /
``feature_tables`` (serving also ``team_sides``, ``add_game_diffs`` and
``player_table.opponent_features``).
A row's features use only rows from strictly earlier dates: upcoming games are appended as rows
without results, and every statistic is computed from earlier rows only (per-team and per-player
histories are shifted by one game; a team or player plays at most once a day). The arithmetic is
in ``rolling``, the ratings (Elo, players, rotations) in ``ratings``, the player table's
columns and construction in ``player_table``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from nba_ml import progress
from nba_ml.modeling import availability, player_table, rolling
from nba_ml.modeling.ratings import (
    ROTATION_COLUMNS,
    elo_ratings,
    rotation,
    team_roster_strength,
)

if TYPE_CHECKING:
    from collections.abc import Collection

    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

# Home-minus-away differences: symmetric, few parameters, robust across seasons. Chosen on the
# 2018-19 season (trained on 2017-18); docs/quality-log.md has each candidate's figures.
# The rotation terms (players' ratings weighted by their expected minutes) replaced Elo, margins
# and the older roster terms: with them, each of those raised Brier on 2018-19.
# Issue #23: the strength terms are those of the players who play (the probable rotation less
# the absent rotation players, ``availability``; the whole rotation when no list is known),
# and again where both sides' lists are known, so the model has a slope for each regime
# (2018-19: 0.2083 -> 0.2077 with lists, 0.2083 without).
GAME_FEATURES: tuple[str, ...] = (
    "rest_diff",
    "b2b_diff",
    "av_box_diff",
    "av_pm_diff",
    "av_min_diff",
    *availability.KNOWN_DIFFS,
)
GAME_CONTEXT: tuple[str, ...] = (
    "home_elo",
    "away_elo",
    "home_rest",
    "away_rest",
    "home_roster",
    "away_roster",
)


# ---------------------------------------------------------------------------------------------
# team games
# ---------------------------------------------------------------------------------------------


def _encode(
    team_games: pd.DataFrame, player_games: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Return copies whose game ids and teams are integer codes (joins and groupings on strings
    dominate the cost otherwise), plus the arrays that decode them (code -1 decodes to NaN)."""
    import numpy as np
    import pandas as pd

    n_t, n_p = len(team_games), len(player_games)
    id_codes, id_values = pd.factorize(
        pd.concat([team_games["game_id"], player_games["game_id"]], ignore_index=True)
    )
    team_codes, team_values = pd.factorize(
        pd.concat(
            [
                team_games["team"],
                team_games["opponent"],
                player_games["team"],
                player_games["opponent"],
            ],
            ignore_index=True,
        )
    )
    tg = team_games.assign(
        game_id=id_codes[:n_t], team=team_codes[:n_t], opponent=team_codes[n_t : 2 * n_t]
    )
    pg = player_games.assign(
        game_id=id_codes[n_t:],
        team=team_codes[2 * n_t : 2 * n_t + n_p],
        opponent=team_codes[2 * n_t + n_p :],
    )
    ids = np.append(np.asarray(id_values, dtype=object), np.nan)
    teams = np.append(np.asarray(team_values, dtype=object), np.nan)
    return tg, pg, ids, teams


def team_game_history(team_games: pd.DataFrame) -> pd.DataFrame:
    """Return team-game rows with per-team prior statistics (rest, margins, games played)."""
    import numpy as np

    tg = team_games.sort_values(["team", "game_date"], kind="mergesort").reset_index(drop=True)
    keys = tg["team"].to_numpy()
    starts = rolling.group_starts(keys)
    season_starts = rolling.group_starts(keys, tg["season"].to_numpy())
    margin = (tg["pts"] - tg["opp_pts"]).to_numpy(dtype=float)
    out = tg[["game_id", "team", "game_date", "season"]].copy()
    rest = rolling.days_since_previous(tg["game_date"].to_numpy(), starts)
    out["rest"] = np.minimum(np.nan_to_num(rest, nan=7.0), 7.0)
    out["b2b"] = (rest == 1).astype(float)
    out["margin10"] = rolling.prior_mean(margin, starts, 10)
    out["margin_season"] = rolling.prior_mean(margin, season_starts, None)
    out["games_season"] = np.arange(len(tg)) - season_starts
    for stat in ("pts", "ast", "reb"):
        # what this team's opponents produced against it, recent 10 games
        allowed = _opponent_values(tg, stat)
        out[f"{stat}_allowed10"] = rolling.prior_mean(allowed, starts, 10)
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
    games = home[
        ["game_id", "season", "season_type", "game_date", "team", "opponent", "pts", "opp_pts"]
    ].rename(columns={"team": "home", "opponent": "away", "pts": "home_pts", "opp_pts": "away_pts"})
    played = games["home_pts"].notna() & games["away_pts"].notna()
    games = games.assign(
        home_win=np.where(played, (games["home_pts"] > games["away_pts"]) * 1.0, np.nan),
        # the margin's and the total's targets (issue #22)
        home_margin=games["home_pts"] - games["away_pts"],
        total_pts=games["home_pts"] + games["away_pts"],
    )
    return games.sort_values(["game_date", "game_id"], kind="mergesort").reset_index(drop=True)


SIDE_COLUMNS: tuple[str, ...] = (
    "elo",
    "rest",
    "b2b",
    "margin10",
    "margin_season",
    "games_season",
    "pts_allowed10",
    "ast_allowed10",
    "reb_allowed10",
    "roster",
    "missing",
    *ROTATION_COLUMNS,
    *(f"rot_{stat}" for stat in availability.USAGE_STATS),
    *availability.OUT_COLUMNS,
    availability.KNOWN,
    *availability.AVAILABLE_COLUMNS,
)


def game_features(team_games: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per game: identifiers, ``GAME_FEATURES`` and ``home_win`` (NaN if unplayed).

    Rows of ``team_games`` without scores are upcoming games; their features use all rows
    of earlier dates.
    """
    tg, pg, ids, teams = _encode(team_games, player_games)
    games, _, _ = _game_table(tg, pg)
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
    _, sides, _ = _game_table(tg, pg)
    sides["game_id"] = ids[sides["game_id"].to_numpy()]
    sides["team"] = teams[sides["team"].to_numpy()]
    return sides


def _game_table(
    team_games: pd.DataFrame, player_games: pd.DataFrame, blind_seasons: Collection[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (games with features, per team-game side table, each team-game's probable players
    with their expected minutes) for integer-coded inputs. Played team-games know who was out
    from their box scores (``availability.box_score_absent``), except in ``blind_seasons``."""
    import numpy as np
    import pandas as pd

    games = games_frame(team_games)
    games["neutral"] = False
    progress.report("building features", 0, 3)
    home_elo, away_elo = elo_ratings(games)
    elo = pd.DataFrame(
        {
            "game_id": np.concatenate([games["game_id"].to_numpy()] * 2),
            "team": np.concatenate([games["home"].to_numpy(), games["away"].to_numpy()]),
            "elo": np.concatenate([home_elo, away_elo]),
        }
    )
    history = team_game_history(team_games).drop(columns=["season"])
    progress.report("building features", 1, 3)
    roster = team_roster_strength(player_games, team_games)
    team_rotation, rotation_players = rotation(player_games, team_games, availability.USAGE_STATS)
    absent = availability.box_score_absent(
        player_games, team_games, rotation_players, blind_seasons
    )
    progress.report("building features", 2, 3)
    sides = (
        history.merge(roster, on=["game_id", "team"], how="left")
        .merge(team_rotation, on=["game_id", "team"], how="left")
        .merge(elo, on=["game_id", "team"], how="left")
        .merge(availability.out_sums(rotation_players, absent), on=["game_id", "team"], how="left")
    )
    listed = team_games["pts"].notna() & ~team_games["season"].isin(blind_seasons)
    known = team_games.loc[listed, ["game_id", "team"]].assign(**{availability.KNOWN: 1.0})
    sides = sides.merge(known, on=["game_id", "team"], how="left")
    availability.add_available(sides)
    sides = sides[["game_id", "team", "game_date", *SIDE_COLUMNS]]
    progress.report("building features", 3, 3)
    for side in ("home", "away"):
        key = games[["game_id", side]].rename(columns={side: "team"})
        found = rolling.lookup(key, sides.drop(columns=["game_date"]), ["game_id", "team"])
        for column in SIDE_COLUMNS:
            games[f"{side}_{column}"] = found[column].to_numpy()
    add_game_diffs(games)
    games["home_win"] = games["home_win"].astype(float)
    columns = [
        "game_id",
        "season",
        "season_type",
        "game_date",
        "home",
        "away",
        *GAME_FEATURES,
        *(c for c in DIFF_FEATURES if c not in GAME_FEATURES),
        *GAME_CONTEXT,
        f"home_{availability.KNOWN}",
        f"away_{availability.KNOWN}",
        *SCORING_FEATURES,
        "home_pts",
        "away_pts",
        "home_win",
        "home_margin",
        "total_pts",
    ]
    return games[columns].reset_index(drop=True), sides, rotation_players


DIFF_COLUMNS: tuple[str, ...] = (
    "elo",
    "rest",
    "b2b",
    "margin10",
    "margin_season",
    "roster",
    "missing",
    *ROTATION_COLUMNS,
    *availability.AVAILABLE_COLUMNS,
    "out_n",
    "out_min",
)
# every home-minus-away difference the game table carries (GAME_FEATURES and the candidates
# that were tried; benchmarks/candidate.py can score them)
DIFF_FEATURES: tuple[str, ...] = tuple(f"{name}_diff" for name in DIFF_COLUMNS)
# each side's points scored and allowed per game over its last 10 games, and the game total
# they suggest (the mean of each side's scoring and its opponent's allowance, summed): the
# total model's inputs and baseline (issue #22)
SCORING_FEATURES: tuple[str, ...] = (
    "home_scored10",
    "home_allowed10",
    "away_scored10",
    "away_allowed10",
    "total_recent",
)
# the total model's inputs (modelset: its ``features``)
TOTAL_FEATURES: tuple[str, ...] = SCORING_FEATURES[:4]


def add_game_diffs(games: pd.DataFrame) -> pd.DataFrame:
    """Add ``GAME_FEATURES`` (home-minus-away differences) to a frame with ``home_<side column>``
    and ``away_<side column>`` columns; return it."""
    for name in DIFF_COLUMNS:
        games[f"{name}_diff"] = games[f"home_{name}"] - games[f"away_{name}"]
    for side in ("home", "away"):
        games[f"{side}_allowed10"] = games[f"{side}_pts_allowed10"]
        games[f"{side}_scored10"] = games[f"{side}_margin10"] + games[f"{side}_pts_allowed10"]
    games["total_recent"] = (
        games["home_scored10"]
        + games["away_allowed10"]
        + games["away_scored10"]
        + games["home_allowed10"]
    ) / 2
    return availability.add_known_diffs(games)


# ---------------------------------------------------------------------------------------------
# players
# ---------------------------------------------------------------------------------------------


def player_features(player_games: pd.DataFrame, team_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per player-game: identifiers, ``player_table.PLAYER_COLUMNS``
    (``PLAYER_FEATURES`` and the columns earlier sets used) and the actual stats.

    Rows without stats (NaN ``pts``) are upcoming player-games; features use earlier dates only.
    """
    tg, pg, ids, teams = _encode(team_games, player_games)
    _, sides, rotation_players = _game_table(tg, pg)
    return player_table.build(pg, sides, rotation_players, ids, teams)


def day_tables(
    team_games: pd.DataFrame, player_games: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return ``(team_sides(...), player_features(...), rotation players)`` of the same data
    from one feature pass: what serving keeps for a day. The rotation players have ``game_id``,
    ``team``, ``player_id``, ``expected_min`` and their ratings (``availability``)."""
    tg, pg, ids, teams = _encode(team_games, player_games)
    _, sides, rotation_players = _game_table(tg, pg)
    players = player_table.build(pg, sides, rotation_players, ids, teams)
    sides["game_id"] = ids[sides["game_id"].to_numpy()]
    sides["team"] = teams[sides["team"].to_numpy()]
    rotation_players = rotation_players.assign(
        game_id=ids[rotation_players["game_id"].to_numpy()],
        team=teams[rotation_players["team"].to_numpy()],
    )
    return sides, players, rotation_players


def feature_tables(
    team_games: pd.DataFrame, player_games: pd.DataFrame, blind_seasons: Collection[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(game_features(...), player_features(...))`` of the same data, computing the
    team sides (Elo, rest, margins, rosters) once for both. Games of ``blind_seasons`` are
    featured without knowing who was out (``backtest --availability none``)."""
    tg, pg, ids, teams = _encode(team_games, player_games)
    games, sides, rotation_players = _game_table(tg, pg, blind_seasons)
    return (
        _decode_games(games, ids, teams),
        player_table.build(pg, sides, rotation_players, ids, teams),
    )
