"""FiveThirtyEight's published forecasts beside the game model, on the same holdout games.

FiveThirtyEight's ``nba_elo`` CSV (CC BY 4.0) gives, per game, the home team's (``team1``)
pre-game win probability by Elo (``elo_prob1``) and by RAPTOR (``raptor_prob1``, absent from
older files). Its games are matched to the holdout by date and teams (BRK/CHO/PHO are nba_api's
BKN/CHA/PHX); all three are scored by ``modeling.evaluation.game_metrics`` on the matched games
against the outcomes in the game data.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = ("date", "team1", "team2", "elo_prob1", "score1", "score2")
KEY = ["game_date", "home", "away"]
# scored columns of a forecasts frame -> their names on the page
FORECASTERS: dict[str, str] = {"elo": "538 Elo", "raptor": "538 RAPTOR"}


@dataclasses.dataclass
class Comparison:
    """The model's and FiveThirtyEight's scores on the holdout games both forecast."""

    source: str  # the file, as named on the page
    holdout_games: int
    matched: int
    scores: dict[str, dict[str, Any]]  # "model", "elo", "raptor" -> game_metrics (no RAPTOR
    #                                    when the file has none)


def read_forecasts(path: Path) -> pd.DataFrame:
    """Return the played games of a FiveThirtyEight ``nba_elo`` CSV: game_date, home, away,
    elo, raptor (NaN when absent). Raise DataError (one line) when it cannot be read, lacks a
    column, or holds a date or probability that is not one."""
    import pandas as pd

    from nba_ml.data.schema import TEAM_ALIASES
    from nba_ml.state.files import describe_os_error

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except OSError as error:
        raise DataError(describe_os_error(error)) from None
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
        raise DataError(f"not a CSV file ({first})") from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"not FiveThirtyEight's nba_elo CSV: no column {', '.join(missing)}")
    scored = frame[(frame["score1"].str.strip() != "") & (frame["score2"].str.strip() != "")]
    dates = pd.to_datetime(scored["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = scored.loc[dates.isna(), "date"].iloc[0]
        raise DataError(f"date {bad!r} is not YYYY-MM-DD")
    out = pd.DataFrame(
        {
            "game_date": dates.to_numpy(),
            "home": scored["team1"].str.strip().str.upper().replace(TEAM_ALIASES).to_numpy(),
            "away": scored["team2"].str.strip().str.upper().replace(TEAM_ALIASES).to_numpy(),
        }
    )
    for column, source in (("elo", "elo_prob1"), ("raptor", "raptor_prob1")):
        raw = scored[source] if source in scored.columns else pd.Series("", scored.index)
        values = pd.to_numeric(raw.str.strip().replace("", "nan"), errors="coerce")
        wrong = (values.isna() & (raw.str.strip() != "")) | (values < 0) | (values > 1)
        if wrong.any():
            raise DataError(f"{source} {raw[wrong].iloc[0]!r} is not a probability")
        out[column] = values.to_numpy(dtype=float)
    return out


def compare(games: pd.DataFrame, forecasts: pd.DataFrame, source: str = "") -> Comparison:
    """Return the scores of the model's ``probability`` and of the forecasts on the played
    ``games`` (game_date, home, away, probability, home_win) that both forecast. A game the
    file lists with the teams the other way round (a neutral site) is matched, its
    probabilities turned round."""
    import pandas as pd

    from nba_ml.modeling.evaluation import game_metrics

    played = games[games["home_win"].notna()]
    turned = forecasts.rename(columns={"home": "away", "away": "home"})
    turned[list(FORECASTERS)] = 1 - turned[list(FORECASTERS)]
    both = pd.concat([forecasts, turned], ignore_index=True)  # the file's orientation first
    both = both.drop_duplicates(KEY, keep="first")
    rows = played[[*KEY, "probability", "home_win"]].assign(
        game_date=pd.to_datetime(played["game_date"]).dt.normalize()
    )
    merged = rows.merge(both, on=KEY, how="inner", validate="one_to_one")
    forecasters = [c for c in FORECASTERS if merged[c].notna().any()]
    merged = merged.dropna(subset=forecasters)  # the same games for every column
    outcomes = merged["home_win"].to_numpy(dtype=float)
    scores: dict[str, dict[str, Any]] = {}
    if len(merged):
        for name, column in (("model", "probability"), *((c, c) for c in forecasters)):
            scores[name] = game_metrics(merged[column].to_numpy(dtype=float), outcomes)
    return Comparison(source, len(played), len(merged), scores)
