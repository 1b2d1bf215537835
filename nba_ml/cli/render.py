"""Human-readable rendering of ``status``: a Rich table on a terminal, plain text otherwise."""

from __future__ import annotations

from typing import Any


def _age(hours: float | None) -> str:
    if hours is None:
        return "-"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def _figure(name: str, metrics: dict[str, Any] | None) -> str:
    if not metrics:
        return "-"
    if name == "game_outcome":
        return (f"Brier {metrics['brier']:.4f}, log-loss {metrics['log_loss']:.4f}, "
                f"accuracy {metrics['accuracy']:.3f}")
    return (f"MAE {metrics['mae']:.2f} (last-10 avg {metrics['mae_last10']:.2f}, "
            f"x{metrics['ratio_last10']:.3f})")


def status_lines(report: dict[str, Any]) -> list[str]:
    """Return the status report as plain text lines."""
    models = report["models"]
    lines = [f"nba-ml status — {report['data_dir']}",
             f"health: {'OK' if report['healthy'] else 'NEEDS ATTENTION'}"]
    lines += [f"  ! {item}" for item in report["attention"]]
    window = (f"{models['first_game_date']} .. {models['last_game_date']}"
              if models.get("first_game_date") else "-")
    lines.append(f"models: {'valid' if models['valid'] else 'INVALID'}; trained "
                 f"{models.get('trained_at') or '-'} ({_age(models.get('age_hours'))} ago); "
                 f"data {window}")
    if models.get("holdout"):
        holdout = models["holdout"]
        lines.append(f"holdout: {holdout.get('name')} ({holdout.get('games')} games, "
                     f"{holdout.get('player_games')} player-games)")
    for entry in models["files"]:
        size = f"{entry['bytes'] / 1024:.0f} KiB" if entry["bytes"] is not None else "missing"
        state = "ok" if entry["valid"] else f"INVALID ({entry['problem'] or 'see above'})"
        lines.append(f"  {entry['model']:<13} {size:>9}  {state:<8} "
                     f"{_figure(entry['model'], entry['metrics'])}")
    lock = report["lock"]
    lines.append(f"lock: training running (pid {lock['pid']}, since {lock['since']})"
                 if lock["held"] else "lock: free (no training running)")
    data = report["data"]
    lines.append(f"data: last game {data['last_trained_game_date'] or '-'} (trained), "
                 f"{data['last_cached_game_date'] or '-'} (cache); today {data['today_chicago']} "
                 f"in Chicago{'; STALE' if data['stale'] else ''}"
                 f"{'' if data['in_season'] else ' (off-season)'}")
    upstream = report.get("upstream") or {}
    lines.append(f"stats.nba.com: proxy {upstream.get('proxy') or 'none (direct)'}"
                 f"{' from ' + upstream['proxy_source'] if upstream.get('proxy_source') else ''}"
                 f"; timeouts {upstream.get('connect_timeout')} s connect, "
                 f"{upstream.get('timeout')} s read; at most {upstream.get('max_requests')} "
                 "requests a run")
    schedule = report["schedule"]
    lines.append(f"next run: {schedule['next_run_local']} ({schedule['timezone']}) = "
                 f"{schedule['next_run_utc']} UTC")
    if report["runs"]:
        lines.append("recent runs:")
        for run in report["runs"]:
            lines.append(f"  {run.get('started_at', '?')} .. {run.get('ended_at', '?')} "
                         f"{run.get('command', '?'):<7} {run.get('outcome', '?'):<12} "
                         f"exit {run.get('exit_code', '?')}  {str(run.get('message', ''))[:90]}")
    else:
        lines.append("recent runs: none recorded")
    return lines


def render_status(report: dict[str, Any], *, color: bool) -> None:
    """Print the status: a Rich table when ``color`` (a terminal without NO_COLOR), else text."""
    if not color:
        import sys

        sys.stdout.write("\n".join(status_lines(report)) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    models = report["models"]
    headline = "[green]OK[/green]" if report["healthy"] else "[red]NEEDS ATTENTION[/red]"
    console.print(f"[bold]nba-ml status[/bold] — {report['data_dir']}  {headline}")
    for item in report["attention"]:
        console.print(f"  [yellow]![/yellow] {item}")
    table = Table(title=f"models (trained {models.get('trained_at') or '-'}, "
                  f"{_age(models.get('age_hours'))} ago; data {models.get('first_game_date')}"
                  f" .. {models.get('last_game_date')})")
    for column in ("model", "size", "state", "holdout figures"):
        table.add_column(column)
    for entry in models["files"]:
        size = f"{entry['bytes'] / 1024:.0f} KiB" if entry["bytes"] is not None else "missing"
        state = "[green]ok[/green]" if entry["valid"] else f"[red]{entry['problem']}[/red]"
        table.add_row(entry["model"], size, state, _figure(entry["model"], entry["metrics"]))
    console.print(table)
    for line in status_lines(report)[3 + len(models["files"]) + (1 if models.get("holdout")
                                                                   else 0):]:
        console.print(line, highlight=False, markup=False)
