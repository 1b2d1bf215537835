"""The serving API: predictions for upcoming games and players from the saved models and data.

A web server does::

    from nba_ml.predict import load_predictor

    predictor = load_predictor("/var/lib/nba-ml")           # verifies and loads once
    predictor.predict_games([("BOS", "PHI"), ("LAL", "GSW")], date="2026-11-28")
    predictor.predict_players([{"player_id": 2544, "opponent": "GSW", "is_home": True}],
                              date="2026-11-28")

Inputs are built by ``nba_ml.features`` from the saved game data with upcoming rows appended:
the same code path as training and backtest.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml import features, models
from nba_ml.errors import DataError, UsageError
from nba_ml.schema import PLAYER_GAME_COLUMNS, TEAM_GAME_COLUMNS, canonical_team

if TYPE_CHECKING:
    import pandas as pd

    from nba_ml.importer import GameData

logger = logging.getLogger(__name__)


def _parse_date(date: object, history: GameData) -> pd.Timestamp:
    import pandas as pd

    if date is None:
        from nba_ml.seasons import today_in_chicago

        day = pd.Timestamp(today_in_chicago())
    else:
        try:
            day = pd.Timestamp(str(date))
        except ValueError:
            raise UsageError(f"invalid date {date!r}: expected YYYY-MM-DD") from None
    last = history.team_games["game_date"].max()
    if pd.notna(last) and day <= last:
        raise UsageError(f"date {day:%Y-%m-%d} is not after the last game in the data "
                         f"({last:%Y-%m-%d}); predictions are for upcoming games")
    return day.normalize()


def resolve_team(code: str) -> str:
    """Return the nba_api abbreviation for a team code; raise UsageError suggesting close ones."""
    from nba_ml.schema import TEAMS

    team = canonical_team(code)
    if team is None:
        close = difflib.get_close_matches(str(code).upper(), sorted(TEAMS), n=3, cutoff=0.3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"unknown team {code!r}{hint}")
    return team


@dataclasses.dataclass
class Predictor:
    """Loaded models plus the game data they were trained on."""

    models: dict[str, Any]
    history: GameData

    def _season_for(self, day: pd.Timestamp) -> str:
        from nba_ml.seasons import season_for_date

        return season_for_date(day.date())

    def predict_games(self, games: Iterable[tuple[str, str]], date: object = None
                      ) -> pd.DataFrame:
        """Return home-win probabilities for (home, away) pairs played on ``date`` (default today
        in Chicago); raise UsageError for unknown teams or a team playing twice."""
        import numpy as np
        import pandas as pd

        day = _parse_date(date, self.history)
        pairs = [(resolve_team(h), resolve_team(a)) for h, a in games]
        seen: set[str] = set()
        for home, away in pairs:
            if home == away:
                raise UsageError(f"{home} cannot play itself")
            if home in seen or away in seen:
                raise UsageError("a team can play only one game a day")
            seen.update((home, away))
        if not pairs:
            return pd.DataFrame(columns=["game_date", "home", "away", "home_win_probability"])
        season = self._season_for(day)
        rows = []
        for home, away in pairs:
            game_id = f"{day:%Y%m%d}-{home}-{away}"
            for team, opponent, is_home in ((home, away, True), (away, home, False)):
                rows.append({"season": season, "season_type": "Regular Season",
                             "game_id": game_id, "game_date": day, "team": team,
                             "opponent": opponent, "is_home": is_home})
        upcoming = pd.DataFrame(rows).reindex(columns=list(TEAM_GAME_COLUMNS))
        team_games = pd.concat([self.history.team_games, upcoming], ignore_index=True)
        table = features.game_features(team_games, self.history.player_games)
        table = table[table["home_win"].isna() & (table["game_date"] == day)]
        probability = models.predict_home_win(self.models[models.GAME_MODEL], table)
        out = pd.DataFrame({"game_date": table["game_date"].dt.strftime("%Y-%m-%d").to_numpy(),
                            "home": table["home"].to_numpy(), "away": table["away"].to_numpy(),
                            "home_win_probability": np.round(probability, 4)})
        order = {pair: i for i, pair in enumerate(pairs)}
        out["_o"] = [order[(h, a)] for h, a in zip(out["home"], out["away"], strict=True)]
        return out.sort_values("_o").drop(columns="_o").reset_index(drop=True)

    def find_player(self, name_or_id: str | int) -> tuple[int, str, str]:
        """Return (player_id, name, latest team) for an id or a name; raise UsageError with the
        closest names when nobody matches."""
        players = self.history.player_games
        latest = players.sort_values("game_date").drop_duplicates("player_id", keep="last")
        text = str(name_or_id).strip()
        if text.isdigit():
            match = latest[latest["player_id"] == int(text)]
        else:
            match = latest[latest["player_name"].str.casefold() == text.casefold()]
        if match.empty:
            names = latest["player_name"].tolist()
            close = difflib.get_close_matches(text, names, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UsageError(f"unknown player {text!r}{hint}")
        row = match.iloc[-1]
        return int(row["player_id"]), str(row["player_name"]), str(row["team"])

    def predict_players(self, players: Iterable[Mapping[str, Any]], date: object = None
                        ) -> pd.DataFrame:
        """Return expected points, assists and rebounds for upcoming player-games.

        Each item has ``player_id`` (or ``player``: a name or id) and optionally ``opponent``,
        ``is_home`` and ``team`` (default: his latest team). Raises UsageError for unknown
        players or teams.
        """
        import numpy as np
        import pandas as pd

        day = _parse_date(date, self.history)
        season = self._season_for(day)
        rows = []
        for item in players:
            key = item.get("player_id", item.get("player"))
            if key is None:
                raise UsageError("each player needs a player_id or a player name")
            player_id, name, team = self.find_player(key)
            team = resolve_team(item["team"]) if item.get("team") else team
            opponent = resolve_team(item["opponent"]) if item.get("opponent") else None
            if opponent == team:
                raise UsageError(f"{name} cannot play against his own team {team}")
            is_home = item.get("is_home")
            home, away = (team, opponent or "TBD") if is_home in (True, None) else (
                opponent or "TBD", team)
            rows.append({"season": season, "season_type": "Regular Season",
                         "game_id": f"{day:%Y%m%d}-{home}-{away}", "game_date": day,
                         "player_id": player_id, "player_name": name, "team": team,
                         "opponent": opponent, "is_home": bool(is_home) if is_home is not None
                         else np.nan})
        if not rows:
            return pd.DataFrame(columns=["player_id", "player_name", "team", "opponent",
                                         *models.PLAYER_MODELS])
        upcoming = pd.DataFrame(rows).reindex(columns=list(PLAYER_GAME_COLUMNS))
        player_games = pd.concat([self.history.player_games, upcoming], ignore_index=True)
        known = upcoming[upcoming["opponent"].notna()].drop_duplicates(["game_id", "team"])
        if not known.empty:  # the games themselves, so game context (Elo edge) is known
            sides = pd.concat([known, known.assign(team=known["opponent"],
                                                   opponent=known["team"],
                                                   is_home=~known["is_home"].astype(bool))])
            sides = sides.drop_duplicates(["game_id", "team"])
            team_rows = sides.reindex(columns=list(TEAM_GAME_COLUMNS))
            team_games = pd.concat([self.history.team_games, team_rows], ignore_index=True)
        else:
            team_games = self.history.team_games
        table = features.player_features(player_games, team_games)
        table = table[table["pts"].isna() & (table["game_date"] == day)]
        table = table.set_index("player_id").reindex([r["player_id"] for r in rows]).reset_index()
        out = table[["player_id", "player_name", "team", "opponent"]].copy()
        for name in models.PLAYER_MODELS:
            out[name] = np.round(models.predict_stat(self.models[name], table), 2)
        return out.reset_index(drop=True)


def load_predictor(data_dir: Path | str) -> Predictor:
    """Return a Predictor with verified models and saved game data; raise ModelInvalid or
    DataError when either is unusable."""
    from nba_ml.history import load_history
    from nba_ml.store import load_model_set_with_manifest

    loaded, manifest = load_model_set_with_manifest(Path(data_dir))  # one generation, no mix
    history = load_history(Path(data_dir), manifest.get("training", {}).get("history_sha256"))
    if history.team_games.empty:
        raise DataError("the saved game data is empty; run `nba-ml train`")
    return Predictor(loaded, history)
