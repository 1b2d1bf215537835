"""Who plays: rotation players known to be out of a team-game, and what they take away.

A team-game's probable rotation (``ratings.rotation``) lists each player with his expected
minutes and latest ratings. An *absence list* names rotation players who will not play:

- in training (and ``backtest --availability box-score``) it is taken from the game's own box
  score: a rotation player with at least ``ROTATION_MINUTES`` expected minutes who does not
  appear in it is out (an idealised inactive list: exact, and known at tip-off);
- at prediction time it comes from the caller (``--out``, the API's ``out=``) or an injury
  report (``serving.availability``);
- with no list (``backtest --availability none``, a prediction without one) nobody is out and
  the features are those of the whole probable rotation.

Only the list is used, never the game's minutes or stats: ``out_sums`` adds up, per team-game,
the absent players' expected minutes and pre-game ratings; ``add_available`` turns a team side
into the strength of the players who play (the rotation construction restricted to them) and
``player_columns`` gives a player the absences of his team and of the opponent.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# A rotation player is one expected to play at least this many minutes (recency-weighted over
# the team's last games, ``ratings.rotation``). Chosen on 2018-19 (fitted on 2017-18; see
# docs/quality-log.md): below it, absences are mostly coaches' decisions a report never lists.
ROTATION_MINUTES = 15.0
# what an absent player takes away (sums over the team-game's absent rotation players)
OUT_COLUMNS: tuple[str, ...] = (
    "out_n",
    "out_min",
    "out_box",
    "out_pm",
    "out_pts",
    "out_ast",
    "out_reb",
)
# the rotation ratings an absent player's usage is measured in (per minute, ``ratings``)
USAGE_STATS: tuple[str, ...] = ("pts", "ast", "reb")
# 1 when the team-game's absence list is known (a box score in training, a list given at
# prediction time: everyone it does not name plays), 0 when nobody knows (the probable rotation)
KNOWN = "out_known"
# the team side restricted to the players who play (rotation minus the absent)
AVAILABLE_COLUMNS: tuple[str, ...] = ("av_box", "av_pm", "av_min")
# per player-game: his team's and the opponent's absences, and his share of the minutes left
PLAYER_AVAILABILITY: tuple[str, ...] = (
    "team_out_n",
    "team_out_min",
    "team_out_pts_share",
    "opp_out_n",
    "opp_out_min",
    "min_share_available",
)
# per player-game: 1 when his team's absence list is known (``KNOWN`` of his side), else 0: the
# player models' regime (``estimators.KnownListRegressor``)
PLAYER_KNOWN = "team_out_known"
# candidates tried on 2018-19 beside PLAYER_AVAILABILITY (docs/quality-log.md)
PLAYER_AVAILABILITY_MORE: tuple[str, ...] = (
    "team_out_ast_share",
    "team_out_reb_share",
    "min_expected_available",
)


def box_score_absent(
    player_games: pd.DataFrame,
    team_games: pd.DataFrame,
    rotation_players: pd.DataFrame,
    blind_seasons: Collection[str] = (),
    min_minutes: float | None = None,
) -> pd.DataFrame:
    """Return (``game_id``, ``team``, ``player_id``) of every played team-game's rotation
    players (expected minutes at least ``min_minutes``, default ``ROTATION_MINUTES``) who are
    not in its box score. Team-games of ``blind_seasons`` and upcoming ones (no score) get
    none. Only who appears in a box score is read, never what he did."""
    import pandas as pd

    threshold = ROTATION_MINUTES if min_minutes is None else min_minutes
    played = team_games[team_games["pts"].notna() & ~team_games["season"].isin(blind_seasons)]
    candidates = rotation_players.loc[
        rotation_players["expected_min"] >= threshold, ["game_id", "team", "player_id"]
    ].merge(played[["game_id", "team"]], on=["game_id", "team"])
    appeared = player_games.loc[player_games["pts"].notna(), ["game_id", "team", "player_id"]]
    merged = candidates.merge(
        appeared.drop_duplicates(), on=["game_id", "team", "player_id"], how="left", indicator=True
    )
    absent = merged.loc[merged["_merge"] == "left_only", ["game_id", "team", "player_id"]]
    return pd.DataFrame(absent).reset_index(drop=True)


def out_sums(rotation_players: pd.DataFrame, absent: pd.DataFrame) -> pd.DataFrame:
    """Return per (``game_id``, ``team``) with an absent rotation player ``OUT_COLUMNS``: how
    many are out, their expected minutes and their minutes times box, plus-minus and points
    ratings. Absent players outside the team-game's rotation count for nothing."""
    import numpy as np

    keys = ["game_id", "team", "player_id"]
    rows = absent[keys].drop_duplicates().merge(rotation_players, on=keys)
    minutes = rows["expected_min"].to_numpy(dtype=float)
    frame = rows[["game_id", "team"]].assign(
        out_n=np.ones(len(rows)),
        out_min=minutes,
        out_box=minutes * rows["box"].to_numpy(dtype=float),
        out_pm=minutes * rows["pm"].to_numpy(dtype=float),
        **{f"out_{s}": minutes * rows[s].to_numpy(dtype=float) for s in USAGE_STATS},
    )
    return frame.groupby(["game_id", "team"], as_index=False, sort=False)[list(OUT_COLUMNS)].sum()


def add_available(sides: pd.DataFrame) -> pd.DataFrame:
    """Fill missing ``OUT_COLUMNS`` and ``KNOWN`` of team sides (``rot_*`` columns) with 0
    (nobody known out) and set ``AVAILABLE_COLUMNS``: the rotation's strength and minutes
    without the absent players. Returns ``sides`` (changed in place)."""
    for column in (*OUT_COLUMNS, KNOWN):
        sides[column] = sides[column].fillna(0.0) if column in sides else 0.0
    for name in ("box", "pm", "min"):
        sides[f"av_{name}"] = sides[f"rot_{name}"] - sides[f"out_{name}"]
    return sides


def player_columns(
    own: pd.DataFrame, opponent: pd.DataFrame, min_expected: np.ndarray
) -> dict[str, np.ndarray]:
    """Return ``PLAYER_AVAILABILITY``, ``PLAYER_KNOWN`` (and the ``PLAYER_AVAILABILITY_MORE``
    candidates) for player rows from their team side, the opponent's side (aligned rows with
    ``OUT_COLUMNS``, ``KNOWN``, ``AVAILABLE_COLUMNS`` and ``rot_*``) and the player's expected
    minutes in his team's rotation. With no list, nobody is out: the columns say so (0 out,
    his share of the whole rotation's minutes, ``PLAYER_KNOWN`` 0), and the player models
    predict from their no-list regime (``estimators.KnownListRegressor``)."""
    import numpy as np

    def ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.asarray(top, dtype=float) / np.asarray(bottom, dtype=float)
        return np.where(np.isfinite(value), value, np.nan)

    def column(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=float)

    expected = np.asarray(min_expected, dtype=float)
    share = ratio(expected, column(own, "av_min"))
    out = {
        "team_out_n": column(own, "out_n"),
        "team_out_min": column(own, "out_min"),
        "opp_out_n": column(opponent, "out_n"),
        "opp_out_min": column(opponent, "out_min"),
        "min_share_available": share,
        PLAYER_KNOWN: np.nan_to_num(column(own, KNOWN)),
        # his expected minutes with the absent players' minutes shared out by his share
        "min_expected_available": expected + share * column(own, "out_min"),
    }
    for stat in USAGE_STATS:
        out[f"team_out_{stat}_share"] = ratio(
            column(own, f"out_{stat}"), column(own, f"rot_{stat}")
        )
    return out


# The game model's strength terms: the available players' (``av_*``, the whole probable
# rotation when no list is known) and the same terms again where a list is known
# (``known_*``: zero otherwise), so one logistic model has a slope for each regime.
KNOWN_DIFFS: tuple[str, ...] = ("known_box_diff", "known_pm_diff", "known_min_diff")


def add_known_diffs(games: pd.DataFrame) -> pd.DataFrame:
    """Set ``KNOWN_DIFFS`` on a game table with ``av_*_diff`` and ``home_/away_out_known``
    columns: the available strength difference when both sides' lists are known, else 0."""
    import numpy as np

    known = (
        np.nan_to_num(games[f"home_{KNOWN}"].to_numpy(dtype=float))
        * np.nan_to_num(games[f"away_{KNOWN}"].to_numpy(dtype=float))
    ) > 0.5
    for name in ("box", "pm", "min"):
        games[f"known_{name}_diff"] = np.where(known, games[f"av_{name}_diff"], 0.0)
    return games


def learns_both_regimes(columns: Collection[str]) -> bool:
    """Return whether a game model fitted on ``columns`` has a slope for each regime (any of
    ``KNOWN_DIFFS`` among them): then it is fitted ``with_blind_copies``."""
    return any(name in columns for name in KNOWN_DIFFS)


def with_blind_copies(games: pd.DataFrame) -> pd.DataFrame:
    """Return game rows plus, for each row whose lists are known, a copy as it looked with no
    list (strength of the whole probable rotation, ``known_*`` 0): the game model learns both
    regimes, so a prediction without a report is as good as one from a model that never saw
    lists (2018-19: see docs/quality-log.md)."""
    import numpy as np
    import pandas as pd

    known = np.zeros(len(games), dtype=bool)
    for name in KNOWN_DIFFS:
        known |= games[name].fillna(0.0).to_numpy() != 0.0
    known |= (games[f"home_{KNOWN}"].fillna(0) * games[f"away_{KNOWN}"].fillna(0)).to_numpy() > 0.5
    blind = games[known].copy()
    for name in ("box", "pm", "min"):
        blind[f"av_{name}_diff"] = blind[f"rot_{name}_diff"]
        blind[f"known_{name}_diff"] = 0.0
    blind[f"home_{KNOWN}"] = 0.0
    blind[f"away_{KNOWN}"] = 0.0
    return pd.concat([games, blind], ignore_index=True)


def sides_with_absent(
    sides: pd.DataFrame, rotation: pd.DataFrame, absent_ids: Collection[int]
) -> pd.DataFrame:
    """Return a copy of one day's team sides (indexed by team) with an absence list applied:
    every team's list counts as known (everyone the list does not name plays), and the teams
    with an absent rotation player (``rotation``: the day's ``team``, ``player_id``,
    ``expected_min`` and ratings) get their ``OUT_COLUMNS`` and ``AVAILABLE_COLUMNS``
    recomputed, by the rule training used (at least ``ROTATION_MINUTES`` expected minutes)."""
    out = sides.copy()
    listed = rotation[
        rotation["player_id"].isin(list(absent_ids))
        & (rotation["expected_min"] >= ROTATION_MINUTES)
    ].assign(game_id=0)
    # the listed rows carry their own ratings: sum them alone, not the whole day's rotation
    sums = out_sums(listed, listed[["game_id", "team", "player_id"]]).set_index("team")
    columns = list(OUT_COLUMNS)
    out[columns] = 0.0
    affected = sums.index.intersection(out.index)
    out.loc[affected, columns] = sums.loc[affected, columns].to_numpy()
    out[KNOWN] = 1.0
    return add_available(out)


def counted(rotation: pd.DataFrame, absent_ids: Collection[int]) -> dict[int, str]:
    """Return, for each id of ``absent_ids``, how the day's rotation counts him: "out" (a
    rotation player: his minutes and ratings are taken away), "not in the rotation" (fewer
    than ``ROTATION_MINUTES`` expected minutes: his absence changes nothing, as in training)."""
    minutes = rotation.groupby("player_id")["expected_min"].max()
    return {
        int(player): (
            "out"
            if player in minutes.index and minutes[player] >= ROTATION_MINUTES
            else "not in the rotation"
        )
        for player in absent_ids
    }
