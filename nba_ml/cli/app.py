"""The ``nba-ml`` command line (Typer): parse, call one command function, render, exit code.

Exit codes: 0 success (also "already fresh, skipped"); 1 failure, invalid models or output that
cannot be written; 2 usage error; 3 trained but not promoted (worse than the current set); 75
temporary failure (another training holds the lock, or stats.nba.com cannot be reached);
130 / 143 stopped by SIGINT / SIGTERM. The common invocations of ``check``, ``ensure`` and
``status`` are parsed by :mod:`nba_ml.cli.fast` without importing this module; both paths run
the same handlers (:mod:`nba_ml.cli.handlers`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from nba_ml import __version__, modelset
from nba_ml.cli import compat, handlers
from nba_ml.cli.handlers import Invocation, write_out
from nba_ml.cli.helpgroup import HelpGroup
from nba_ml.cli.invoke import INVOCATION, call
from nba_ml.cli.options import given_on_command_line, with_setting_options
from nba_ml.cli.predict import predict_app
from nba_ml.config import SETTINGS, SPECS
from nba_ml.errors import EXIT_FAILURE, EXIT_OK

app = typer.Typer(
    name="nba-ml",
    cls=HelpGroup,  # commands in a useful order, descriptions uncut
    help="Keep four NBA prediction models (game outcome, points, assists, rebounds) trained "
    "and fresh. Exit codes: 0 ok, 1 failure, 2 usage, 3 not promoted, 75 temporary failure, "
    "130/143 stopped by SIGINT/SIGTERM.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,  # main() turns stray exceptions into one line
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command
)
app.add_typer(predict_app, name="predict")

GLOBAL_SETTINGS = [spec.name for spec in SETTINGS if not spec.command_option and not spec.env_only]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nba-ml {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
@with_setting_options(GLOBAL_SETTINGS)
def main_options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Log warnings and errors only.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    settings_flags: dict[str, str] | None = None,
) -> None:
    """Keep four NBA prediction models trained and fresh."""
    del version
    handlers.configure_logging(verbose, quiet)
    flags = dict(settings_flags or {})
    INVOCATION.data_dir = flags.pop("data_dir", None)
    INVOCATION.flags = flags
    INVOCATION.verbose, INVOCATION.quiet = verbose, quiet


# ------------------------------------------------------------------------------------- check


@app.command()
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Also load every model (slower); by default files are verified by sha256 only.",
        ),
    ] = False,
) -> None:
    """Exit 0 when every model is present, matches its manifest and can be served."""
    call(handlers.check, as_json=as_json, full=full)


# ------------------------------------------------------------------------------- train/ensure

SeasonsOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--seasons",
        help="Seasons to train on, e.g. --seasons 2024-25 --seasons 2025-26 "
        "(default: the last NBA_ML_SEASONS seasons).",
    ),
]


def _a_directory(value: Path | None) -> Path | None:
    """Refuse a --from that exists but is no directory: Click's own check (``file_okay=False``)
    lets a FIFO, a device or a socket through, which then failed as bad data (exit 1)."""
    if value is not None and not value.is_dir():
        from nba_ml.state.files import safe_text

        raise typer.BadParameter(f"Directory {safe_text(repr(str(value)))} is not a directory.")
    return value


FromOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--from",
        help="Train from LeagueGameLog CSV/JSON files in this directory instead of stats.nba.com.",
        exists=True,
        file_okay=False,
        dir_okay=True,
        readable=True,
        callback=_a_directory,
    ),
]
WaitOption = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional
    typer.Option(
        SPECS["wait"].flag,
        envvar=SPECS["wait"].env,
        show_envvar=True,
        metavar="FLOAT",
        help=SPECS["wait"].describe(),
    ),
]
ProxyOption = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional
    typer.Option(
        SPECS["proxy"].flag,
        envvar=SPECS["proxy"].env,
        show_envvar=True,
        metavar="URL",
        help=SPECS["proxy"].describe(),
    ),
]


@app.command()
def train(
    force: Annotated[
        bool, typer.Option("--force", help="Retrain even when the models are fresh.")
    ] = False,
    source: FromOption = None,
    seasons: SeasonsOption = None,
    wait: WaitOption = None,
    scheduled: Annotated[
        bool,
        typer.Option(
            "--scheduled",
            help="Invoked by cron: proceed only when it is NBA_TRAINING_HOUR:xx in "
            "NBA_TRAINING_TIMEZONE (for crons that ignore CRON_TZ).",
        ),
    ] = False,
    promote_anyway: Annotated[
        bool,
        typer.Option(
            "--promote-anyway",
            help="Install the new models even when they score worse than the current ones.",
        ),
    ] = False,
    proxy: ProxyOption = None,
) -> None:
    """Collect data, train every model, evaluate on held-out games, install atomically."""
    call(
        handlers.train,
        "train",
        wait=given_on_command_line("wait", wait),
        proxy=given_on_command_line("proxy", proxy),
        force=force,
        source=source,
        seasons=seasons,
        scheduled=scheduled,
        promote_anyway=promote_anyway,
    )


@app.command()
def ensure(
    source: FromOption = None,
    wait: WaitOption = None,
    proxy: ProxyOption = None,
) -> None:
    """Exit 0 at once when the models are valid; otherwise train them (a web server's
    ExecStartPre)."""
    call(
        handlers.train,
        "ensure",
        wait=given_on_command_line("wait", wait),
        proxy=given_on_command_line("proxy", proxy),
        source=source,
    )


@app.command()
def daily(source: FromOption = None) -> None:
    """Stay running and train daily at NBA_TRAINING_HOUR:MINUTE NBA_TRAINING_TIMEZONE, a missed
    run caught up at start (a container's trainer, where no cron or timer runs)."""
    call(handlers.daily, source)


# ----------------------------------------------------------------------------------- backtest


def _backtest(
    invocation: Invocation,
    source: Path,
    test_season: str,
    output: Path,
    as_json: bool,
    availability: str,
) -> int:
    from nba_ml.commands.backtest import backtest as run_backtest

    data_dir = invocation.settings().data_dir  # --output may not go into it
    with handlers.progress_display(invocation):
        result = run_backtest(source, test_season, output, data_dir, availability)
    figures = result.figures
    if as_json:
        handlers.print_json(
            {
                "test_season": test_season,
                "train_seasons": result.train_seasons,
                "availability": result.availability,
                "rows": result.rows,
                "output": str(output),
                "figures": figures,
            }
        )
        return EXIT_OK
    lines = [f"wrote {result.rows} predictions to {output} (availability: {result.availability})"]
    for spec in modelset.backtest_models():  # each model's figures, in the formats its spec gives
        f = figures.get(spec.name)
        if f is None:
            continue
        shown = " ".join(
            f"{x.short}={x.format.format(f[x.key])}" for x in spec.all_figures() if x.key in f
        )
        lines.append(f"{spec.name}: {shown}")
    write_out("\n".join(lines))
    return EXIT_OK


@app.command()
def backtest(
    source: Annotated[
        Path,
        typer.Option(
            "--from",
            help="Directory of LeagueGameLog exports.",
            exists=True,
            file_okay=False,
            readable=True,
            callback=_a_directory,
        ),
    ],
    test_season: Annotated[
        str,
        typer.Option(
            "--test-season", help="Season to predict, e.g. 2020-21; trains on every earlier season."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", help="CSV file to write (a regular file in an existing directory)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    availability: Annotated[
        str,
        typer.Option(
            "--availability",
            help="Who is out of each test game: box-score (its own box score's absent rotation "
            "players, an idealised inactive list) or none (nobody known out).",
        ),
    ] = "box-score",
) -> None:
    """Train on seasons before --test-season and predict every game of it, day by day."""
    call(_backtest, source, test_season, output, as_json, availability)


# ------------------------------------------------------------------------------------- status


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 1 when anything needs attention (for monitoring)."),
    ] = False,
) -> None:
    """Show the models, their age and scores, the lock, the data, recent runs, the next run and
    the effective settings."""
    call(handlers.status, as_json=as_json, strict=strict)


# ------------------------------------------------------------------------------------- report


def _report(invocation: Invocation, output: Path, fast: bool, versus: Path | None) -> int:
    from nba_ml.commands.report import report as write_report

    settings = invocation.settings()
    with handlers.progress_display(invocation):
        path = write_report(settings, output, fast=fast, fivethirtyeight=versus)
    write_out(f"wrote {path}")
    return EXIT_OK


@app.command()
def report(
    output: Annotated[
        Path,
        typer.Option(
            "--output", help="HTML file to write (a regular file in an existing directory)."
        ),
    ],
    fast: Annotated[
        bool,
        typer.Option(
            "--fast",
            help="Skip the honest refit for 'MAE by minutes' (uses in-sample "
            "predictions, labelled as such).",
        ),
    ] = False,
    versus: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--fivethirtyeight",
            metavar="FILE.csv",
            help="FiveThirtyEight's nba_elo CSV: its Elo "
            "and RAPTOR scored beside the game model on the same holdout games.",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML report: calibration, MAE by minutes, baselines, run history."""
    call(_report, output, fast, versus)


# ----------------------------------------------------------------------------------- schedule


@app.command()
def schedule(
    kind: Annotated[
        str,
        typer.Argument(
            help="What to print: cron (the shipped crontab, for cronie and Debian cron alike), "
            "cronie, debian, systemd (with the web server's unit), compose or kubernetes."
        ),
    ] = "cron",
    executable: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--executable", help="Path of nba-ml (default: this one)."),
    ] = None,
    user: Annotated[
        str, typer.Option("--user", help="Unprivileged user that runs the job.")
    ] = "nba-ml",
    system_timezone: Annotated[
        str, typer.Option("--system-timezone", help="The cron daemon's time zone.")
    ] = "UTC",
    output_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output-dir", help="Write each file into this existing directory instead."),
    ] = None,
    image: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--image",
            help="The image of compose and kubernetes (default: nba-ml:latest, as "
            "deploy/Containerfile builds it).",
        ),
    ] = None,
) -> None:
    """Print a ready crontab file, systemd units, a Compose file or Kubernetes manifests for
    the configured schedule."""
    call(handlers.schedule, kind, executable, user, system_timezone, image, output_dir)


def _run_app() -> int:
    click = compat.click_exceptions()
    no_args_is_help = getattr(click, "NoArgsIsHelpError", ())
    try:
        result = app(prog_name="nba-ml", standalone_mode=False)
    except no_args_is_help as error:  # a bare group: its help, exit 2
        error.show()
        return int(error.exit_code)
    except click.ClickException as error:
        # Click's own usage errors become the one ERROR line too (escaped like every other),
        # instead of its four-line usage block.
        return handlers.usage_error(error.format_message(), _command_path(error))
    except typer.Abort:
        return handlers.usage_error("aborted", None, code=EXIT_FAILURE)
    except SystemExit as stop:
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return result if isinstance(result, int) else EXIT_OK


def _command_path(error: Exception) -> str | None:
    context = getattr(error, "ctx", None)
    return context.command_path if context is not None else None


def main() -> None:
    """Run the Typer app: an exception nba-ml did not expect ends on one ERROR line and exit 1
    too (the traceback only with --verbose); so does output that cannot be written, Click's
    own (--help, --version) included."""
    stdout = sys.stdout
    sys.stdout = handlers.CheckedStdout(stdout)
    try:
        code = handlers.guarded(_run_app)
    finally:
        sys.stdout = stdout
    sys.exit(code)
