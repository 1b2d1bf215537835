"""Leakage-free features for games and player-games: the one feature code path.

Training, backtest and serving all call ``game_features`` / ``player_features`` /
``feature_tables`` (serving also ``team_sides``, ``add_game_diffs`` and ``opponent_features``).
A row's features use only rows from strictly earlier dates: upcoming games are appended as rows
without results, and every statistic is computed from earlier rows only (per-team and per-player
histories are shifted by one game; a team or player plays at most once a day). The arithmetic is
in ``rolling``, the ratings (Elo, players, rotations) in ``ratings``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from nba_ml import progress
from nba_ml.modeling import availability, rolling
from nba_ml.modeling.ratings import (
    ELO_HOME,
    ROTATION_COLUMNS,
    elo_ratings,
    player_value,
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
# Every column of the player table: what the player models use and what earlier sets used.
PLAYER_COLUMNS: tuple[str, ...] = tuple(
    [
        f"{s}_{w}"
        for s in ("pts", "ast", "reb", "min")
        for w in ("l5", "l10", "l20", "season", "ewm", "prev_season")
    ]
    + [f"{s}_rate_{w}" for s in ("pts", "ast", "reb") for w in ("l10", "season", "career")]
    + [f"{s}_std10" for s in ("pts", "ast", "reb", "min")]
    + [f"opp_{s}_allowed" for s in ("pts", "ast", "reb")]
    + [
        "games_season",
        "games_career",
        "rest",
        "b2b",
        "is_home",
        "playoffs",
        "missed_last",
        "started_trend",
        "team_margin10",
        "elo_edge",
        "team_roster",
        "team_missing",
        "opp_roster",
        "value_share",
        "min_expected",
        "team_rot_min",
        *availability.PLAYER_AVAILABILITY,
        availability.PLAYER_KNOWN,
        *availability.PLAYER_AVAILABILITY_MORE,
    ]
)
# The 8 columns least used by the 6-season player models (at most 0.32 % of any model's split
# gain) are left out of the fits: 2018-19 MAE moved by +0.02 / +0.04 / -0.04 % (within the
# noise rule) and each fit costs 15-30 % less. The table keeps them, so a set trained before
# still predicts.
PLAYER_UNUSED: tuple[str, ...] = (
    "b2b",
    "is_home",
    "missed_last",
    "rest",
    "ast_prev_season",
    "ast_l5",
    "min_prev_season",
    "pts_prev_season",
)
# what a player model knows without an absence list (the model before issue #23) ...
PLAYER_BASE_FEATURES: tuple[str, ...] = tuple(
    c
    for c in PLAYER_COLUMNS
    if c not in PLAYER_UNUSED
    and c not in availability.PLAYER_AVAILABILITY
    and c != availability.PLAYER_KNOWN
    and c not in availability.PLAYER_AVAILABILITY_MORE
)
# ... and all it is fitted on: those, the absences, and whether his team's list is known (the
# regime, ``estimators.KnownListRegressor``)
PLAYER_FEATURES: tuple[str, ...] = (
    *PLAYER_BASE_FEATURES,
    *availability.PLAYER_AVAILABILITY,
    availability.PLAYER_KNOWN,
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


def opponent_features(
    own: pd.DataFrame, opponent: pd.DataFrame, is_home: np.ndarray
) -> dict[str, np.ndarray]:
    """Return the player features that depend on the game's opponent and venue, from the
    player's team side, the opponent's side (aligned rows of ``team_sides``) and whether the
    player's team is at home."""
    import numpy as np

    home = np.asarray(is_home, dtype=float)
    venue = np.where(np.isnan(home), 0.0, np.where(home > 0.5, ELO_HOME, -ELO_HOME))
    out = {
        f"opp_{stat}_allowed": opponent[f"{stat}_allowed10"].to_numpy(dtype=float)
        for stat in ("pts", "ast", "reb")
    }
    out["elo_edge"] = (
        own["elo"].to_numpy(dtype=float) - opponent["elo"].to_numpy(dtype=float) + venue
    )
    out["opp_roster"] = opponent["roster"].to_numpy(dtype=float)
    out["is_home"] = home
    return out


# ---------------------------------------------------------------------------------------------
# players
# ---------------------------------------------------------------------------------------------


def player_features(player_games: pd.DataFrame, team_games: pd.DataFrame) -> pd.DataFrame:
    """Return one row per player-game: identifiers, ``PLAYER_COLUMNS`` (``PLAYER_FEATURES`` and
    the columns earlier sets used) and the actual stats.

    Rows without stats (NaN ``pts``) are upcoming player-games; features use earlier dates only.
    """
    tg, pg, ids, teams = _encode(team_games, player_games)
    _, sides, rotation_players = _game_table(tg, pg)
    return _player_table(pg, sides, rotation_players, ids, teams)


def day_tables(
    team_games: pd.DataFrame, player_games: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return ``(team_sides(...), player_features(...), rotation players)`` of the same data
    from one feature pass: what serving keeps for a day. The rotation players have ``game_id``,
    ``team``, ``player_id``, ``expected_min`` and their ratings (``availability``)."""
    tg, pg, ids, teams = _encode(team_games, player_games)
    _, sides, rotation_players = _game_table(tg, pg)
    players = _player_table(pg, sides, rotation_players, ids, teams)
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
        _player_table(pg, sides, rotation_players, ids, teams),
    )


def _player_table(
    player_games: pd.DataFrame,
    sides: pd.DataFrame,
    rotation_players: pd.DataFrame,
    ids: np.ndarray,
    teams: np.ndarray,
) -> pd.DataFrame:
    """Return ``player_features`` for integer-coded player games and their team sides."""
    import numpy as np
    import pandas as pd

    pg = player_games.sort_values(["player_id", "game_date"], kind="mergesort").reset_index(
        drop=True
    )
    pid = pg["player_id"].to_numpy()
    starts = rolling.group_starts(pid)
    season_starts = rolling.group_starts(pid, pg["season"].to_numpy())
    out = pg[
        [
            "game_id",
            "season",
            "season_type",
            "game_date",
            "player_id",
            "player_name",
            "team",
            "opponent",
        ]
    ].copy()
    minutes = pg["min"].to_numpy(dtype=float)
    features: dict[str, np.ndarray] = {
        **_averages(pg, starts, season_starts),
        **_per_minute_rates(pg, starts, season_starts, minutes),
    }
    features["games_season"] = (np.arange(len(pg)) - season_starts).astype(float)
    features["games_career"] = (np.arange(len(pg)) - starts).astype(float)
    rest = rolling.days_since_previous(pg["game_date"].to_numpy(), starts)
    features["rest"] = np.minimum(np.nan_to_num(rest, nan=30.0), 30.0)
    features["b2b"] = (rest == 1).astype(float)
    features["playoffs"] = (pg["season_type"] == "Playoffs").astype(float).to_numpy()
    # minutes trend: last 3 vs last 10
    features["started_trend"] = rolling.prior_mean(minutes, starts, 3) - features["min_l10"]

    sides = sides.drop(columns=["game_date"])
    own = rolling.lookup(pg, sides, ["game_id", "team"])
    opp = rolling.lookup(
        pg[["game_id", "opponent"]].rename(columns={"opponent": "team"}), sides, ["game_id", "team"]
    )
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
    # minutes first: the player's expected minutes in his team's rotation (0 when he is not in
    # it) and the whole rotation's expected minutes (fewer when teammates missed recent games)
    expected = rolling.lookup(pg, rotation_players, ["game_id", "team", "player_id"])[
        "expected_min"
    ].to_numpy(dtype=float)
    has_rotation = ~np.isnan(own["rot_min"].to_numpy(dtype=float))
    features["min_expected"] = np.where(has_rotation, np.nan_to_num(expected), np.nan)
    features["team_rot_min"] = own["rot_min"].to_numpy(dtype=float)
    features.update(availability.player_columns(own, opp, features["min_expected"]))
    value = player_value(pg)
    with np.errstate(invalid="ignore", divide="ignore"):
        features["value_share"] = rolling.prior_mean(value, starts, 10) / features["team_roster"]
    frame = pd.DataFrame(features, index=pg.index)
    out = pd.concat([out, frame[list(PLAYER_COLUMNS)], pg[["min", "pts", "ast", "reb"]]], axis=1)
    out["game_id"] = ids[out["game_id"].to_numpy()]
    out["team"] = teams[out["team"].to_numpy()]
    out["opponent"] = teams[out["opponent"].to_numpy()]
    return out.sort_values(["game_date", "game_id", "player_id"], kind="mergesort").reset_index(
        drop=True
    )


def _averages(
    pg: pd.DataFrame, starts: np.ndarray, season_starts: np.ndarray
) -> dict[str, np.ndarray]:
    """Return each player's averages before each game of points, assists, rebounds and minutes:
    last 5 / 10 / 20 games, season to date, EWMA, spread over 10 games, previous season."""
    season_index = rolling.season_start_years(pg["season"])
    features: dict[str, np.ndarray] = {}
    for stat in ("pts", "ast", "reb", "min"):
        v = pg[stat].to_numpy(dtype=float)
        features[f"{stat}_l5"] = rolling.prior_mean(v, starts, 5)
        features[f"{stat}_l10"] = rolling.prior_mean(v, starts, 10)
        features[f"{stat}_l20"] = rolling.prior_mean(v, starts, 20)
        features[f"{stat}_season"] = rolling.prior_mean(v, season_starts, None)
        features[f"{stat}_ewm"] = rolling.prior_ewm(v, starts, 8.0)
        features[f"{stat}_std10"] = rolling.prior_std(v, starts, 10)
        features[f"{stat}_prev_season"] = _previous_season_mean(pg, stat, season_index)
    return features


def _per_minute_rates(
    pg: pd.DataFrame, starts: np.ndarray, season_starts: np.ndarray, minutes: np.ndarray
) -> dict[str, np.ndarray]:
    """Return each player's points, assists and rebounds per minute before each game, over
    his last 10 games, the season and his career (NaN below 30 minutes)."""
    import numpy as np

    features: dict[str, np.ndarray] = {}
    for stat in ("pts", "ast", "reb"):
        v = pg[stat].to_numpy(dtype=float)
        for name, st, window in (
            ("l10", starts, 10),
            ("season", season_starts, None),
            ("career", starts, None),
        ):
            sv, _ = rolling.prior_sum_count(v, st, window)
            sm, _ = rolling.prior_sum_count(np.where(np.isnan(v), np.nan, minutes), st, window)
            with np.errstate(invalid="ignore", divide="ignore"):
                features[f"{stat}_rate_{name}"] = np.where(sm > 30, sv / np.maximum(sm, 1), np.nan)
    return features


def _previous_season_mean(pg: pd.DataFrame, stat: str, season_index: np.ndarray) -> np.ndarray:
    """Return the player's mean ``stat`` over the season before each row's season (NaN if none)."""
    import numpy as np
    import pandas as pd

    per = pg.groupby(["player_id", season_index])[stat].mean()
    key = pd.MultiIndex.from_arrays([pg["player_id"].to_numpy(), season_index - 1])
    return per.reindex(key).to_numpy(dtype=float) if len(per) else np.full(len(pg), np.nan)
