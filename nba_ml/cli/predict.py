"""``nba-ml predict``: the sub-app of the prediction commands (a game, a player, the day's
slate), each parsing its arguments, calling one command function and rendering its answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from nba_ml.cli import handlers
from nba_ml.cli.handlers import Invocation, write_out
from nba_ml.cli.invoke import call
from nba_ml.errors import EXIT_OK

predict_app = typer.Typer(
    help="Predict upcoming games and player stat lines.", no_args_is_help=True
)

DateOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--date", help="Game date YYYY-MM-DD (default: today in Chicago)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OutOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--out",
        help="Players out tonight: names or ids, comma-separated (repeatable), e.g. "
        '"Jayson Tatum,Jaylen Brown".',
        metavar="NAMES",
    ),
]
InjuriesOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--injuries",
        help="An injury report (the NBA's columns, CSV or JSON); default: injuries.csv or "
        "injuries.json in the data directory. Out and Doubtful are out.",
        metavar="FILE",
    ),
]


def _predict_game(
    invocation: Invocation,
    home: str,
    away: str,
    date: str | None,
    as_json: bool,
    out: list[str] | None = None,
    injuries: Path | None = None,
) -> int:
    from nba_ml.cli.predictions_view import game_text
    from nba_ml.commands.predict import predict_game as predict

    prediction = predict(invocation.settings(), home, away, date, out, injuries)
    if as_json:
        handlers.print_json(prediction.as_dict())
    else:
        write_out(game_text(prediction))
    return EXIT_OK


@predict_app.command("game")
def predict_game(
    home: Annotated[
        str, typer.Argument(help="Home team: code, city or nickname, e.g. BOS, Boston, Celtics.")
    ],
    away: Annotated[str, typer.Argument(help="Away team, e.g. PHI, Philadelphia, Sixers.")],
    date: DateOption = None,
    as_json: JsonOption = False,
    out: OutOption = None,
    injuries: InjuriesOption = None,
) -> None:
    """Print the home team's win probability, expected margin and total (80 % ranges)."""
    call(_predict_game, home, away, date, as_json, out, injuries)


def _predict_player(
    invocation: Invocation,
    player: str,
    opponent: str | None,
    home: bool | None,
    date: str | None,
    as_json: bool,
    lines: list[str] | None = None,
    out: list[str] | None = None,
    injuries: Path | None = None,
) -> int:
    from nba_ml.cli.predictions_view import player_text
    from nba_ml.commands.predict import predict_player as predict

    prediction = predict(
        invocation.settings(),
        player,
        opponent=opponent,
        home=home,
        date=date,
        lines=lines,
        out=out,
        injuries=injuries,
    )
    if as_json:
        handlers.print_json(prediction.as_dict())
    else:
        write_out(player_text(prediction))
    return EXIT_OK


def _predict_today(
    invocation: Invocation,
    date: str | None,
    schedule: Path | None,
    as_json: bool,
    out: list[str] | None = None,
    injuries: Path | None = None,
) -> int:
    from nba_ml.cli.predictions_view import slate_lines
    from nba_ml.commands.predict import parse_date
    from nba_ml.commands.today import predict_today as predict

    result = predict(invocation.settings(), parse_date(date), schedule, out, injuries)
    if as_json:
        handlers.print_json(result.as_dict())
    else:
        write_out("\n".join(slate_lines(result)))
    return EXIT_OK


@predict_app.command("today")
def predict_today(
    date: DateOption = None,
    schedule: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--schedule",
            help="Read the slate from FILE instead of the cache: a saved "
            "ScoreboardV3 response, or one game a line ('PHI @ BOS', 'Lakers vs Clippers').",
            metavar="FILE",
        ),
    ] = None,
    as_json: JsonOption = False,
    out: OutOption = None,
    injuries: InjuriesOption = None,
) -> None:
    """Predict every game of the day's cached schedule and its likely players' stat lines."""
    call(_predict_today, date, schedule, as_json, out, injuries)


@predict_app.command("player")
def predict_player(
    player: Annotated[
        list[str],
        typer.Argument(
            help="Player name (quoted or not: the words are joined) or nba.com player id."
        ),
    ],
    opponent: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--opponent", help="Opponent team: code, city or nickname."),
    ] = None,
    home: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--home/--away", help="Whether his team plays at home."),
    ] = None,
    date: DateOption = None,
    line: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--line",
            help="A line to price, STAT=NUMBER (points, assists or rebounds), e.g. "
            "points=24.5; repeatable. Prints P(over) and P(under), and P(push) on a whole number.",
            metavar="STAT=NUMBER",
        ),
    ] = None,
    as_json: JsonOption = False,
    out: OutOption = None,
    injuries: InjuriesOption = None,
) -> None:
    """Print a player's expected points, assists and rebounds, their 80 % ranges and the
    probabilities of any --line."""
    call(_predict_player, " ".join(player), opponent, home, date, as_json, line, out, injuries)
