"""Human-readable views of a :class:`~nba_ml.commands.status.StatusReport`: plain text lines
(piped, NO_COLOR) or a Rich table (a terminal). Both show the same facts, each once."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from nba_ml import modelset
from nba_ml.state.files import safe_text

if TYPE_CHECKING:
    from rich.console import Console

    from nba_ml.commands.status import ModelFile, StatusReport


def _age(hours: float | None) -> str:
    if hours is None:
        return "-"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def _figure(name: str, metrics: dict[str, Any] | None) -> str:
    try:
        spec = modelset.spec(name)
    except KeyError:  # a model this nba-ml does not know
        return "-"
    return spec.summary_text(metrics)


def _state(report: StatusReport, entry: ModelFile) -> str:
    if entry.valid:
        return "ok"
    if entry.model in report.models.lacking:
        return "lacking"
    return f"INVALID ({entry.problem or 'see above'})"


def _size(entry: ModelFile) -> str:
    return f"{entry.bytes / 1024:.0f} KiB" if entry.bytes is not None else "missing"


def _header(report: StatusReport) -> list[str]:
    lines = [
        f"nba-ml status — {report.data_dir}",
        f"health: {'OK' if report.healthy else 'NEEDS ATTENTION'}",
    ]
    return lines + [f"  ! {item}" for item in report.attention]


def _models_line(report: StatusReport) -> str:
    models = report.models
    window = (
        f"{models.first_game_date} .. {models.last_game_date}" if models.first_game_date else "-"
    )
    return (
        f"models: {'valid' if models.valid else 'INVALID'}; trained "
        f"{models.trained_at or '-'} ({_age(models.age_hours)} ago); data {window}"
    )


def _holdout_lines(report: StatusReport) -> list[str]:
    holdout = report.models.holdout
    lines = []
    if holdout is not None:
        lines.append(
            f"holdout: {holdout.name} ({holdout.games} games, {holdout.player_games} player-games)"
        )
    if report.models.lacking:  # a valid set trained before these models existed
        known = {spec.name: spec for spec in modelset.models()}
        lacking = tuple(known[name] for name in report.models.lacking if name in known)
        lines.append(f"models: {modelset.lacking_line(lacking)}")
    return lines


def _file_lines(report: StatusReport) -> list[str]:
    lines = []
    for entry in report.models.files:
        state = _state(report, entry)
        lines.append(
            f"  {entry.model:<13} {_size(entry):>9}  {state:<8} "
            f"{_figure(entry.model, entry.metrics)}"
        )
    return lines


def _tail_lines(report: StatusReport) -> list[str]:
    """Lock, data, schedule, runs and settings: the lines after the model table."""
    lock = report.lock
    if lock.held:
        host = f" on {lock.host}" if lock.host else ""
        lines = [f"lock: training running (pid {lock.pid}{host}, since {lock.since})"]
    elif lock.problem:
        lines = [f"lock: unknown ({lock.problem})"]
    else:
        lines = ["lock: free (no training running)"]
    data = report.data
    lines.append(
        f"data: last game {data.last_trained_game_date or '-'} (trained), "
        f"{data.last_cached_game_date or '-'} (cache); today {data.today_chicago} "
        f"in Chicago{'; STALE' if data.stale else ''}"
        f"{'' if data.in_season else ' (off-season)'}"
    )
    schedule = report.schedule
    when = f"{schedule.next_run_local} ({schedule.timezone}) = {schedule.next_run_utc} UTC"
    if schedule.installed == []:  # looked, and neither the timer nor the cron file is there
        lines.append(
            "next run: none: no nba-ml-train.timer or /etc/cron.d/nba-ml installed "
            f"(see `nba-ml schedule`); once installed, {when}"
        )
    else:
        lines.append(f"next run: {when}")
    if report.runs:
        lines.append("recent runs:")
        for run in report.runs:
            lines.append(
                f"  {run.started_at or '?'} .. {run.ended_at or '?'} "
                f"{run.command or '?':<7} {run.outcome or '?':<12} "
                f"exit {'?' if run.exit_code is None else run.exit_code}  "
                f"{_shorten(run.message, MESSAGE_WIDTH)}"
            )
    elif report.runs_problem:
        lines.append(f"recent runs: unreadable ({report.runs_problem})")
    else:
        lines.append("recent runs: none recorded")
    settings = [
        f"{item.variable}={item.value}" + ("" if item.source == "default" else f" ({item.source})")
        for item in report.settings
    ]
    # wrapped, never cut: one 600-character line was unreadable
    lines += textwrap.wrap(
        "settings: " + ", ".join(settings),
        SETTINGS_WIDTH,
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines


MESSAGE_WIDTH = 90  # a run's message in "recent runs", cut at a word with "..."
SETTINGS_WIDTH = 100


def _shorten(text: str, width: int) -> str:
    """Return ``text`` whole when it fits in ``width``, else cut after a word, with "..."."""
    if len(text) <= width:
        return text
    cut = text[: width - 4].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut} ..."


def status_lines(report: StatusReport) -> list[str]:
    """Return the status report as plain text lines (control characters escaped)."""
    lines = [
        *_header(report),
        _models_line(report),
        *_holdout_lines(report),
        *_file_lines(report),
        *_tail_lines(report),
    ]
    return [safe_text(line) for line in lines]


def render_status_rich(report: StatusReport, console: Console | None = None) -> None:
    """Print the status with a Rich table of the models (for a terminal)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    if console.width < 1:  # COLUMNS=0: Rich would print nothing at all
        console.width = 80
    models = report.models
    headline = "[green]OK[/green]" if report.healthy else "[red]NEEDS ATTENTION[/red]"
    console.print(
        Text.assemble(("nba-ml status", "bold"), f" — {safe_text(report.data_dir)}  ")
        + Text.from_markup(headline)
    )
    for item in report.attention:
        console.print(Text.assemble(("  ! ", "yellow"), safe_text(item)))
    table = Table(title=safe_text(_models_line(report)))
    for column in ("model", "size", "state", "holdout figures"):
        table.add_column(column)
    for entry in models.files:
        state = (
            Text("ok", style="green")
            if entry.valid
            else Text("lacking", style="yellow")
            if entry.model in models.lacking
            else Text(safe_text(entry.problem or "invalid"), style="red")
        )
        table.add_row(entry.model, _size(entry), state, _figure(entry.model, entry.metrics))
    console.print(table)
    for line in [*_holdout_lines(report), *_tail_lines(report)]:
        console.print(safe_text(line), highlight=False, markup=False)
