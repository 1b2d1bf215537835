"""The text form of predictions (``nba-ml predict game|player|today`` without ``--json``): one
function per kind of answer, reading the serving layer's typed predictions.

The JSON form is the predictions' own ``as_dict()`` (``nba_ml.serving.predictions``), shared
with the web API; this module is the only text form. A player's stats are shown in the order
the predictor gives them (the model set's), each by its model name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nba_ml.serving.predictions import GamePrediction, PlayerPrediction
    from nba_ml.serving.provenance import Provenance
    from nba_ml.serving.slate import GameLine, PlayerLine, Slate

# The width of a stat the model set does not know (a set trained with a model since removed).
DEFAULT_SLATE_WIDTH = 4


def provenance_line(served: Provenance) -> str:
    """Return what served a prediction in one line: generation, trained-at, the data's last
    game, how far behind the day predicted it is, and STALE when it is."""
    behind = (
        "" if served.days_behind is None else f", {served.days_behind} days before {served.day}"
    )
    state = "; STALE" if served.stale else ""
    return (
        f"models {served.generation or 'of unknown generation'}, trained "
        f"{served.trained_at or 'at an unknown time'}; data through "
        f"{served.last_game_date or 'no game'}{behind}{state}"
    )


def game_text(prediction: GamePrediction) -> str:
    """Return ``predict game``'s answer: the probability line, the expected home margin and
    total with their 80 % ranges (or what the set lacks), then what served it."""
    text = [
        f"{prediction.game_date} {prediction.away} @ {prediction.home}: home win probability "
        f"{prediction.home_win_probability:.3f}"
    ]
    ranges = game_ranges(prediction)
    if ranges:
        text.append(f"  {ranges}")
    if prediction.spread.get("lacking"):
        text.append(f"  ({prediction.spread['lacking']})")
    text.append(f"  {provenance_line(prediction.served)}")
    text.append(f"  {prediction.availability.describe()}")
    return "\n".join(text)


def game_ranges(prediction: GamePrediction) -> str:
    """Return each game-level distribution's mean and 80 % range ("home margin +3.4 (80 %:
    -11.8 to +18.6), game total 221.3 (80 %: 203.0 to 239.6)"); "" when the set has none."""
    from nba_ml import modelset

    parts = []
    for spec in modelset.game_distributions():
        mean = prediction.values.get(spec.output)
        quantiles = prediction.quantiles(spec.output)
        if mean is None or not quantiles:
            continue
        sign = "" if spec.nonnegative else "+"  # a margin reads with its side
        parts.append(
            f"{spec.subject} {mean:{sign}.1f} (80 %: {quantiles['q10']:{sign}.1f} to "
            f"{quantiles['q90']:{sign}.1f})"
        )
    return ", ".join(parts)


def player_text(prediction: PlayerPrediction) -> str:
    """Return ``predict player``'s answer: who against whom (``@`` away, ``vs`` home or
    unknown) and each stat, then what served it."""
    against = ""
    if prediction.opponent:
        against = f" {'@' if prediction.is_home is False else 'vs'} {prediction.opponent}"
    stats = ", ".join(f"{name} {value:.1f}" for name, value in prediction.stats.items())
    text = [f"{prediction.player_name} ({prediction.team}{against}): {stats}"]
    text += spread_lines(prediction.spread)
    text.append(f"  {provenance_line(prediction.served)}")
    text.append(f"  {prediction.availability.describe()}")
    return "\n".join(text)


def spread_lines(spread: Mapping[str, Any]) -> list[str]:
    """Return the text of a player's distributions: the 80 % range of each stat, each line's
    P(over), P(under) and (whole lines) P(push), or what the set lacks."""
    out = []
    quantiles = spread.get("quantiles")
    if quantiles:
        out.append(
            "  80 % range: "
            + ", ".join(f"{name} {q['q10']:g}-{q['q90']:g}" for name, q in quantiles.items())
        )
    for line in spread.get("lines") or []:
        keys = [key for key in ("over", "under", "push") if key in line]
        shown = thousandths([line[key] for key in keys])
        odds = ", ".join(
            f"{key} {value / 1000:.3f}" for key, value in zip(keys, shown, strict=True)
        )
        out.append(f"  {line['stat']} {line['line']:g}: {odds}")
    if spread.get("lacking"):
        out.append(f"  ({spread['lacking']})")
    return out


def thousandths(shares: list[float]) -> list[int]:
    """Return ``shares`` (probabilities of outcomes that exclude each other) in thousandths
    that sum to what the shares sum to, rounded (largest remainders first): 0.3785 and 0.6215
    show as 0.378 and 0.622 or 0.379 and 0.621, never as 0.379 and 0.622, which sum to 1.001."""
    scaled = [share * 1000 for share in shares]
    shown = [int(value) for value in scaled]
    target = round(sum(scaled))
    by_remainder = sorted(range(len(scaled)), key=lambda i: scaled[i] - shown[i], reverse=True)
    for i in by_remainder[: max(0, target - sum(shown))]:
        shown[i] += 1
    return shown


def slate_lines(result: Slate) -> list[str]:
    """Return ``predict today``'s answer: one line per game, then one per likely player (or why
    there is none), then what served the predictions and the match-ups not predicted."""
    if not result.games:
        return [f"no games scheduled on {result.date}"]
    count = len(result.games)
    lines = [f"{result.date}: {count} game{'s' if count != 1 else ''}"]
    for game in result.games:
        lines.append(_game_line(game))
        lines.extend(_player_line(line) for line in game.players)
        if game.note:
            lines.append(f"  ({game.note})")
    lacking = next((g.prediction.spread.get("lacking") for g in result.games), None)
    if lacking:
        lines.append(f"({lacking})")
    if result.served is not None:
        lines.append(provenance_line(result.served))
    if result.skipped:
        lines.append(f"not predicted (not two NBA teams): {', '.join(result.skipped)}")
    if result.availability is not None:
        lines.append(result.availability.describe())
    return lines


def _game_line(line: GameLine) -> str:
    game = line.game
    ranges = game_ranges(line.prediction)
    return (
        f"{game.away} @ {game.home}{_start_time(game.starts_at)} "
        f"({game.status or 'scheduled'}): home win probability "
        f"{line.prediction.home_win_probability:.3f}{', ' + ranges if ranges else ''}"
    )


def _player_line(line: PlayerLine) -> str:
    player = line.prediction
    stats = "  ".join(f"{name} {value:{_width(name)}.1f}" for name, value in player.stats.items())
    return f"  {player.team} {player.player_name:<26} {stats}"


def _start_time(starts_at: str | None) -> str:
    """Return " 7:00 pm CST": the start in Chicago's time (the league's days are Chicago's);
    "" when unknown or unreadable. JSON keeps stats.nba.com's UTC."""
    from nba_ml.data.seasons import LEAGUE_TIMEZONE

    try:
        moment = dt.datetime.fromisoformat(str(starts_at).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    local = moment.astimezone(LEAGUE_TIMEZONE)
    return f" {local:%I:%M %p %Z}".replace(" 0", " ", 1).replace("AM", "am").replace("PM", "pm")


def _width(name: str) -> int:
    """Return the columns of the stat ``name`` in the slate's aligned lines (its spec's)."""
    from nba_ml import modelset

    try:
        return modelset.spec(name).width
    except KeyError:
        return DEFAULT_SLATE_WIDTH
