"""The player-game feature table: its columns (``PLAYER_COLUMNS``, and ``PLAYER_FEATURES``
the player models are fitted on) and how it is built from the player games and their team
sides (``features`` computes the sides and calls ``build``). Every value uses earlier dates only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nba_ml.modeling import availability, rolling
from nba_ml.modeling.ratings import ELO_HOME, player_value

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

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


def build(
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
