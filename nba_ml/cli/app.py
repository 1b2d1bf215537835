"""The ``nba-ml`` command line: parse, call one library function, render, pick the exit code.

Exit codes: 0 success (also "already fresh, skipped"); 1 failure or invalid models; 2 usage
error; 3 trained but not promoted (worse than the current set); 75 temporary failure (another
training holds the lock, or stats.nba.com cannot be reached); 130 / 143 stopped by SIGINT /
SIGTERM.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer

from nba_ml import __version__
from nba_ml.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    Interrupted,
    NbaMlError,
    NotPromoted,
    UsageError,
)

logger = logging.getLogger("nba_ml")

LOG_FORMAT = "%(asctime)s - %(levelname)s - %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

app = typer.Typer(
    name="nba-ml",
    help="Keep four NBA prediction models (game outcome, points, assists, rebounds) trained "
    "and fresh. Exit codes: 0 ok, 1 failure, 2 usage, 3 not promoted, 75 temporary failure, "
    "130/143 stopped by SIGINT/SIGTERM.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,  # main() turns stray exceptions into one line
    rich_markup_mode=None,
)
predict_app = typer.Typer(help="Predict upcoming games and player stat lines.",
                          no_args_is_help=True)
app.add_typer(predict_app, name="predict")


class _State:
    data_dir: Optional[Path] = None  # noqa: UP045 - typer needs Optional at runtime


STATE = _State()


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
    root = logging.getLogger("nba_ml")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nba-ml {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(
    data_dir: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--data-dir", envvar="NBA_ML_DATA_DIR", show_envvar=True,
        help="Data directory: models, raw cache, lock, run history. Default: $STATE_DIRECTORY "
        "under systemd, else ~/.local/share/nba-ml.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Log warnings and errors only.")
                     ] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Keep four NBA prediction models trained and fresh."""
    del version
    _configure_logging(verbose, quiet)
    STATE.data_dir = data_dir


def _settings(**overrides: Any) -> Any:
    from nba_ml.config import resolve_settings

    return resolve_settings(STATE.data_dir, **overrides)


def _fail(error: NbaMlError) -> NoReturn:
    logger.error("%s", error)
    raise typer.Exit(error.exit_code)


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, sort_keys=False, default=str))


def _use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


# ------------------------------------------------------------------------------------- check

@app.command()
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Also load every model (slower); by "
                                       "default files are verified by sha256 only.")] = False,
) -> None:
    """Exit 0 when all four models are present, match their manifest and can be served."""
    from nba_ml.commands import manager

    try:
        settings = _settings()
        verification = manager.check(settings, full_load=full)
    except NbaMlError as error:
        _fail(error)
    problems = manager.problems_by_model(settings, verification)
    if as_json:
        _print_json({"ok": verification.ok, "loaded": verification.loaded,
                     "problems": [{"model": model, "problem": problem}
                                  for model, problem in problems],
                     "seconds": round(verification.seconds, 4)})
    elif verification.ok:
        how = "loaded" if verification.loaded else "verified by sha256, not loaded"
        typer.echo(f"ok: 4 models valid ({how})")
    else:
        for model, problem in problems:
            typer.echo(f"invalid: {model}: {problem}", err=True)
    raise typer.Exit(EXIT_OK if verification.ok else EXIT_FAILURE)


# ------------------------------------------------------------------------------- train/ensure

SeasonsOption = Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
    "--seasons", help="Seasons to train on, e.g. --seasons 2024-25 --seasons 2025-26 "
    "(default: the last NBA_ML_SEASONS seasons).")]
FromOption = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    "--from", help="Train from LeagueGameLog CSV/JSON files in this directory instead of "
    "stats.nba.com.", exists=True, file_okay=False, dir_okay=True, readable=True)]
ProxyOption = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--proxy", help="Proxy URL for stats.nba.com, e.g. http://user:pass@host:3128 (default: "
    "NBA_ML_PROXY, else NBA_API_PROXY, else HTTPS_PROXY; credentials are never shown).")]
WaitOption = Annotated[float, typer.Option(
    "--wait", min=0, envvar="NBA_ML_WAIT", show_envvar=True,
    help="Seconds to wait for another training's lock (default: exit 75 at once).")]


def _stopped(signal_name: str) -> NbaMlError:
    code = EXIT_TERMINATED if signal_name == "SIGTERM" else EXIT_INTERRUPTED
    return Interrupted(f"stopped by {signal_name} during the training; the installed model set "
                       "is complete (a set is only ever swapped in whole)", code)


def _unexpected(error: BaseException) -> NbaMlError:
    """Return a one-line error for an exception nba-ml did not expect (a bug); the traceback
    goes to the debug log (``--verbose``)."""
    import traceback

    logger.debug("%s", "".join(traceback.format_exception(error)).rstrip())
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return NbaMlError(f"unexpected error: {type(error).__name__}"
                      f"{': ' + first if first else ''} (a bug: please report it with the "
                      "output of the same command run with --verbose)")


def _raise_on_sigterm(signum: int, frame: Any) -> None:
    del signum, frame
    raise _stopped("SIGTERM")


def _run_training(command: str, *, proxy: str | None = None, **kwargs: Any) -> None:
    """Train via the manager; a failure, Ctrl-C or SIGTERM ends on one line, recorded in the run
    history (SIGTERM is turned into an exception so the lock, the workers and the temporary
    files are released on the way out, as for Ctrl-C)."""
    import signal

    from nba_ml.commands import manager

    started = dt.datetime.now(tz=dt.timezone.utc)
    settings = None
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        try:
            settings = _settings(proxy=proxy)
            result = manager.train(settings, **kwargs)
        except KeyboardInterrupt:
            raise _stopped("SIGINT") from None
        except NbaMlError:
            raise
        except Exception as error:  # noqa: BLE001 - a bug: one line, recorded, traceback at -v
            raise _unexpected(error) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
    except NbaMlError as error:
        if settings is not None:
            outcome = ("not_promoted" if isinstance(error, NotPromoted) else
                       "stopped" if isinstance(error, Interrupted) else "failed")
            manager.record_run(settings, command, started, outcome, error.exit_code, str(error))
        _fail(error)
    if result.outcome != "valid":
        manager.record_run(settings, command, started, result.outcome, EXIT_OK, result.message,
                           result.figures)
    logger.info("%s", result.message)
    typer.echo(f"{result.outcome}: {result.message}")


@app.command()
def train(
    force: Annotated[bool, typer.Option("--force", help="Retrain even when the models are "
                                        "fresh.")] = False,
    source: FromOption = None,
    seasons: SeasonsOption = None,
    wait: WaitOption = 0.0,
    scheduled: Annotated[bool, typer.Option(
        "--scheduled", help="Invoked by cron: proceed only when it is NBA_TRAINING_HOUR:xx in "
        "NBA_TRAINING_TIMEZONE (for crons that ignore CRON_TZ).")] = False,
    promote_anyway: Annotated[bool, typer.Option(
        "--promote-anyway", help="Install the new models even when they score worse than the "
        "current ones.")] = False,
    proxy: ProxyOption = None,
) -> None:
    """Collect data, train all four models, evaluate on held-out games, install atomically."""
    _run_training("train", force=force, source=source, seasons=seasons, wait=wait,
                  scheduled=scheduled, promote_anyway=promote_anyway, proxy=proxy)


@app.command()
def ensure(
    source: FromOption = None,
    wait: WaitOption = 0.0,
    proxy: ProxyOption = None,
) -> None:
    """Exit 0 at once when the models are valid; otherwise train them (a web server's
    ExecStartPre)."""
    _run_training("ensure", force=False, source=source, wait=wait, only_if_invalid=True,
                  proxy=proxy)


# ----------------------------------------------------------------------------------- backtest

@app.command()
def backtest(
    source: Annotated[Path, typer.Option("--from", help="Directory of LeagueGameLog exports.",
                                         exists=True, file_okay=False, readable=True)],
    test_season: Annotated[str, typer.Option("--test-season", help="Season to predict, e.g. "
                                             "2020-21; trains on every earlier season.")],
    output: Annotated[Path, typer.Option("--output", help="CSV file to write.", dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Train on seasons before --test-season and predict every game of it, day by day."""
    from nba_ml.commands import manager

    try:
        result = manager.backtest(source, test_season, output)
    except NbaMlError as error:
        _fail(error)
    figures = {name: {k: v for k, v in values.items() if k != "calibration"}
               for name, values in result.figures.items()}
    if as_json:
        _print_json({"test_season": test_season, "train_seasons": result.train_seasons,
                     "rows": len(result.predictions), "output": str(output),
                     "figures": figures})
        return
    game = figures["game_outcome"]
    typer.echo(f"wrote {len(result.predictions)} predictions to {output}")
    typer.echo(f"game_outcome: n={game['n']} brier={game['brier']:.4f} "
               f"log_loss={game['log_loss']:.4f} accuracy={game['accuracy']:.3f}")
    for name in ("points", "assists", "rebounds"):
        f = figures[name]
        typer.echo(f"{name}: n={f['n']} mae={f['mae']:.3f} last10={f['mae_last10']:.3f} "
                   f"season={f['mae_season']:.3f} ewma={f['mae_ewma']:.3f} "
                   f"ratio={f['ratio_last10']:.3f}")


# ------------------------------------------------------------------------------------- status

@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when anything needs "
                                         "attention (for monitoring).")] = False,
) -> None:
    """Show the models, their age and scores, the lock, the data, recent runs and next run."""
    from nba_ml.cli.render import render_status
    from nba_ml.commands import manager

    try:
        report = manager.status(_settings())
    except NbaMlError as error:
        _fail(error)
    if as_json:
        _print_json(report)
    else:
        render_status(report, color=_use_color())
    raise typer.Exit(EXIT_FAILURE if strict and not report["healthy"] else EXIT_OK)


# ------------------------------------------------------------------------------------ predict

DateOption = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--date", help="Game date YYYY-MM-DD (default: today in Chicago).")]


@predict_app.command("game")
def predict_game(
    home: Annotated[str, typer.Argument(help="Home team abbreviation, e.g. BOS.")],
    away: Annotated[str, typer.Argument(help="Away team abbreviation, e.g. PHI.")],
    date: DateOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the home team's win probability."""
    from nba_ml.serving.predictor import load_predictor

    try:
        predictor = load_predictor(_settings().data_dir)
        table = predictor.predict_games([(home, away)], date=date)
    except NbaMlError as error:
        _fail(error)
    row = table.iloc[0]
    if as_json:
        _print_json(row.to_dict())
    else:
        typer.echo(f"{row['game_date']} {row['away']} @ {row['home']}: home win probability "
                   f"{row['home_win_probability']:.3f}")


@predict_app.command("today")
def predict_today(
    date: DateOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Predict every game of the day's cached schedule and its likely players' stat lines."""
    from nba_ml.commands.today import predict_today as predict

    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        _fail(UsageError(f"invalid date {date!r}: expected YYYY-MM-DD"))
    try:
        result = predict(_settings(), day)
    except NbaMlError as error:
        _fail(error)
    if as_json:
        _print_json(result.as_dict())
    else:
        typer.echo("\n".join(result.lines()))


@predict_app.command("player")
def predict_player(
    player: Annotated[str, typer.Argument(help="Player name or nba.com player id.")],
    opponent: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--opponent", help="Opponent team abbreviation.")] = None,
    home: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--home/--away", help="Whether his team plays at home.")] = None,
    date: DateOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print a player's expected points, assists and rebounds."""
    from nba_ml.serving.predictor import load_predictor

    try:
        predictor = load_predictor(_settings().data_dir)
        table = predictor.predict_players(
            [{"player": player, "opponent": opponent, "is_home": home}], date=date)
    except NbaMlError as error:
        _fail(error)
    row = table.iloc[0]
    if as_json:
        _print_json({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    else:
        against = f" vs {row['opponent']}" if isinstance(row["opponent"], str) else ""
        typer.echo(f"{row['player_name']} ({row['team']}{against}): points "
                   f"{row['points']:.1f}, assists {row['assists']:.1f}, rebounds "
                   f"{row['rebounds']:.1f}")


# ------------------------------------------------------------------------------------- report

@app.command()
def report(
    output: Annotated[Path, typer.Option("--output", help="HTML file to write.",
                                         dir_okay=False)],
    fast: Annotated[bool, typer.Option(
        "--fast", help="Skip the honest refit for 'MAE by minutes' (uses in-sample "
        "predictions, labelled as such).")] = False,
) -> None:
    """Write a self-contained HTML report: calibration, MAE by minutes, baselines, run history."""
    from nba_ml.report.page import write_report

    try:
        path = write_report(_settings().data_dir, output, fast=fast)
    except NbaMlError as error:
        _fail(error)
    typer.echo(f"wrote {path}")


# ----------------------------------------------------------------------------------- schedule

@app.command()
def schedule(
    kind: Annotated[str, typer.Argument(help="What to print: cron, cronie or systemd.")] = "cron",
    executable: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--executable", help="Path of nba-ml (default: this one).")] = None,
    user: Annotated[str, typer.Option("--user", help="Unprivileged user that runs the job.")
                    ] = "nba-ml",
    system_timezone: Annotated[str, typer.Option(
        "--system-timezone", help="The cron daemon's time zone.")] = "UTC",
) -> None:
    """Print a ready crontab file or systemd units for the configured schedule."""
    from nba_ml.deploy import schedule as sched

    try:
        settings = _settings()
        exe = executable or _this_executable()
        # a deployment's data dir: the one given explicitly, else the system default
        explicit = str(STATE.data_dir) if STATE.data_dir else None
        if kind in ("cron", "cronie"):
            typer.echo(sched.render_crontab(
                exe, explicit or sched.DEFAULT_DATA_DIR, user, settings.training_hour,
                settings.training_minute, settings.training_timezone, system_timezone,
                flavour="cronie" if kind == "cronie" else "debian"), nl=False)
        elif kind == "systemd":
            units = sched.render_systemd_units(
                exe, explicit, user, settings.training_hour, settings.training_minute,
                settings.training_timezone)
            for name, text in units.items():
                typer.echo(f"# ---- {name}\n{text}", nl=False)
        else:
            raise typer.BadParameter(f"{kind!r}: expected cron, cronie or systemd",
                                     param_hint="KIND")
    except NbaMlError as error:
        _fail(error)


def _this_executable() -> str:
    candidate = Path(sys.argv[0])
    if candidate.name == "nba-ml" and candidate.exists():
        return str(candidate.resolve())
    return str(Path(sys.executable).with_name("nba-ml"))


def main() -> None:
    """Entry point of the ``nba-ml`` console script: an exception nba-ml did not expect ends on
    one ERROR line and exit 1 too (the traceback only with --verbose)."""
    try:
        app(prog_name="nba-ml")
    except Exception as error:  # noqa: BLE001 - the last line of defence
        logger.error("%s", _unexpected(error))
        sys.exit(EXIT_FAILURE)
