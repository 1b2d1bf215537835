"""cli.render: the plain and the Rich view of a StatusReport show the same facts, each once,
on one line each (control characters escaped), whatever the report holds."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from nba_ml.cli.render import render_status_rich, status_lines
from nba_ml.commands.status import (
    DataStatus,
    Holdout,
    LockStatus,
    ModelFile,
    ModelsStatus,
    RunLine,
    ScheduleStatus,
    SettingValue,
    StatusReport,
)

MODELS = ("game_outcome", "points", "assists", "rebounds")


def _report(attention: list[str]) -> StatusReport:
    figures = {"mae": 5.1, "mae_last10": 5.3, "ratio_last10": 0.96}
    files = [
        ModelFile(
            m,
            f"/d/models/{m}.skops",
            2048,
            "ab" * 32,
            True,
            None,
            {"brier": 0.22, "log_loss": 0.63, "accuracy": 0.65} if m == MODELS[0] else figures,
        )
        for m in MODELS
    ]
    return StatusReport(
        data_dir="/d",
        healthy=not attention,
        attention=attention,
        models=ModelsStatus(
            True,
            [],
            "2026-11-30T10:00:00+00:00",
            23.5,
            "g1",
            ["2024-25", "2025-26"],
            "2024-10-22",
            "2026-11-29",
            Holdout("season 2025-26", 1230, 26000),
            files,
        ),
        lock=LockStatus(held=False),
        data=DataStatus("/d/raw", "2026-11-29", "2026-11-29", "2026-11-30", 1, False, True),
        runs=[
            RunLine(
                "2026-11-30T10:00:00+00:00",
                "2026-11-30T10:01:00+00:00",
                "train",
                "busy",
                75,
                "another training is running",
            )
        ],
        runs_problem=None,
        schedule=ScheduleStatus(
            "2026-12-01T04:00:00-06:00", "2026-12-01T10:00:00+00:00", "America/Chicago", 4, 0
        ),
        settings=[SettingValue("jobs", "NBA_ML_JOBS", "2", "environment")],
    )


@pytest.mark.parametrize(
    "attention", [[], ["last run busy (exit 75): another training"], ["one", "two", "three"]]
)
def test_terminal_view_shows_each_model_once_and_the_holdout(attention: list[str]) -> None:
    """The old renderer sliced the text lines at an offset that forgot the attention items: a
    terminal status needing attention printed its last table rows twice and no holdout line."""
    out = io.StringIO()
    render_status_rich(_report(attention), Console(file=out, width=200, force_terminal=False))
    text = out.getvalue()
    for model in MODELS:
        assert text.count(f"{model} ") == 1, text
    assert text.count("holdout: season 2025-26 (1230 games, 26000 player-games)") == 1
    for item in attention:
        assert text.count(f"! {item}") == 1
    assert text.count("lock: free") == 1 and text.count("next run:") == 1
    assert "NBA_ML_JOBS=2 (environment)" in text


def test_text_view_has_every_fact_once() -> None:
    lines = status_lines(_report(["x"]))
    assert lines[:3] == ["nba-ml status — /d", "health: NEEDS ATTENTION", "  ! x"]
    assert sum(line.startswith("holdout:") for line in lines) == 1
    assert sum(line.startswith("  points ") for line in lines) == 1
    assert any("train   busy" in line and "exit 75" in line for line in lines)


def test_control_characters_never_reach_the_terminal() -> None:
    report = _report(["models invalid: /d/\x1b[31mred\nnext"])
    lines = status_lines(report)
    assert all("\x1b" not in line and "\n" not in line for line in lines)
    out = io.StringIO()
    render_status_rich(report, Console(file=out, width=200, force_terminal=False))
    assert "\x1b[31m" not in out.getvalue()


def _rich(report: StatusReport) -> str:
    out = io.StringIO()
    render_status_rich(report, Console(file=out, width=200, force_terminal=False))
    return out.getvalue()


def _with_models(report: StatusReport, **changes: object) -> StatusReport:
    return dataclasses.replace(report, models=dataclasses.replace(report.models, **changes))


def _line(lines: list[str], start: str) -> str:
    [line] = [line for line in lines if line.startswith(start)]
    return line


def test_the_text_view_in_order() -> None:
    lines = status_lines(_report([]))
    assert lines[:4] == [
        "nba-ml status — /d",
        "health: OK",
        "models: valid; trained 2026-11-30T10:00:00+00:00 (23.5 h ago); data 2024-10-22 .. "
        "2026-11-29",
        "holdout: season 2025-26 (1230 games, 26000 player-games)",
    ]
    assert lines[4].split() == [
        "game_outcome",
        "2",
        "KiB",
        "ok",
        "Brier",
        "0.2200,",
        "log-loss",
        "0.6300,",
        "accuracy",
        "0.650",
    ]
    assert lines[5].split() == [
        "points",
        "2",
        "KiB",
        "ok",
        "MAE",
        "5.10",
        "(last-10",
        "avg",
        "5.30,",
        "x0.960)",
    ]
    assert lines[8:] == [
        "lock: free (no training running)",
        "data: last game 2026-11-29 (trained), 2026-11-29 (cache); today 2026-11-30 in Chicago",
        "next run: 2026-12-01T04:00:00-06:00 (America/Chicago) = 2026-12-01T10:00:00+00:00 UTC",
        "recent runs:",
        "  2026-11-30T10:00:00+00:00 .. 2026-11-30T10:01:00+00:00 train   busy         exit 75"
        "  another training is running",
        "settings: NBA_ML_JOBS=2 (environment)",
    ]


@pytest.mark.parametrize(
    ("hours", "shown"),
    [(None, "-"), (0.04, "0.0 h"), (47.9, "47.9 h"), (48.0, "2.0 d"), (24 * 400, "400.0 d")],
)
def test_the_age_is_hours_then_days(hours: float | None, shown: str) -> None:
    line = status_lines(_with_models(_report([]), age_hours=hours))[2]
    assert f"({shown} ago)" in line


def test_a_set_never_trained_shows_dashes_not_none() -> None:
    report = _with_models(
        _report(["no models"]),
        valid=False,
        trained_at=None,
        age_hours=None,
        first_game_date=None,
        last_game_date=None,
        holdout=None,
    )
    lines = status_lines(report)
    assert lines[3] == "models: INVALID; trained - (- ago); data -"
    assert not any(line.startswith("holdout:") for line in lines)
    assert "None" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("metrics", "shown"),
    [
        (None, "-"),
        ({}, "-"),
        ({"mae": "x", "mae_last10": 1, "ratio_last10": 1}, "(figures unreadable)"),
        ({"mae": 5.0}, "(figures unreadable)"),
        ({"brier": 0.2}, "(figures unreadable)"),
    ],
)
def test_missing_or_odd_figures_are_said_so(metrics: object, shown: str) -> None:
    report = _report([])
    files = [dataclasses.replace(f, metrics=metrics) for f in report.models.files]
    lines = status_lines(_with_models(report, files=files))
    for model in MODELS:
        assert _line(lines, f"  {model} ").endswith(f"ok       {shown}")


def test_an_invalid_or_missing_file_shows_why() -> None:
    report = _report(["models invalid"])
    files = list(report.models.files)
    files[1] = dataclasses.replace(
        files[1], bytes=None, valid=False, problem="missing", metrics=None
    )
    files[2] = dataclasses.replace(files[2], valid=False, problem=None)
    lines = status_lines(_with_models(report, valid=False, files=files))
    assert _line(lines, "  points ").split() == ["points", "missing", "INVALID", "(missing)", "-"]
    assert "INVALID (see above)" in _line(lines, "  assists ")
    text = _rich(_with_models(report, valid=False, files=files))
    assert "missing" in text and "invalid" in text


@pytest.mark.parametrize(
    ("lock", "shown"),
    [
        (
            LockStatus(
                held=True, pid=4242, since="2026-11-30T04:00:00+00:00", command="train", host="box"
            ),
            "lock: training running (pid 4242 on box, since 2026-11-30T04:00:00+00:00)",
        ),
        (LockStatus(held=True, pid=7, since="?"), "lock: training running (pid 7, since ?)"),
        (LockStatus(held=False, problem="permission denied"), "lock: unknown (permission denied)"),
    ],
)
def test_the_lock_line(lock: LockStatus, shown: str) -> None:
    lines = status_lines(dataclasses.replace(_report([]), lock=lock))
    assert _line(lines, "lock: ") == shown
    assert _rich(dataclasses.replace(_report([]), lock=lock)).count(shown) == 1


@pytest.mark.parametrize(
    ("stale", "in_season", "suffix"),
    [
        (True, True, "; STALE"),
        (False, False, " (off-season)"),
        (True, False, "; STALE (off-season)"),
    ],
)
def test_the_data_line_says_stale_and_off_season(stale: bool, in_season: bool, suffix: str) -> None:
    data = DataStatus("/d/raw", None, "2026-06-01", "2026-07-20", 49, stale, in_season)
    line = _line(status_lines(dataclasses.replace(_report([]), data=data)), "data: ")
    assert line == (
        f"data: last game 2026-06-01 (trained), - (cache); today 2026-07-20 in Chicago{suffix}"
    )


def test_runs_none_recorded_or_unreadable() -> None:
    none = status_lines(dataclasses.replace(_report([]), runs=[]))
    assert "recent runs: none recorded" in none
    broken = status_lines(
        dataclasses.replace(_report([]), runs=[], runs_problem="runs.jsonl: permission denied")
    )
    assert "recent runs: unreadable (runs.jsonl: permission denied)" in broken


def test_an_odd_run_line_shows_question_marks_and_a_long_message_is_cut() -> None:
    run = RunLine(None, None, None, None, None, "x" * 200)
    lines = status_lines(dataclasses.replace(_report([]), runs=[run]))
    line = lines[lines.index("recent runs:") + 1]
    assert line == f"  ? .. ? ?       ?            exit ?  {'x' * 86} ..."
    # words are cut between words, never in one ("...; current models kep")
    words = (
        "fitting the player models failed: worker process 4242 was killed by SIGKILL; "
        "current models kept"
    )
    lines = status_lines(
        dataclasses.replace(_report([]), runs=[RunLine(None, None, None, None, None, words)])
    )
    line = lines[lines.index("recent runs:") + 1]
    assert line.endswith(
        "  fitting the player models failed: worker process 4242 was killed by SIGKILL; current ..."
    )
    assert len(line.split("exit ?  ", 1)[1]) <= 90


def test_settings_name_the_variable_and_a_source_other_than_default() -> None:
    settings = [
        SettingValue("jobs", "NBA_ML_JOBS", "0", "default"),
        SettingValue("timeout", "NBA_ML_TIMEOUT", "3.0", "flag"),
        SettingValue("proxy", "NBA_ML_PROXY", "http://***@proxy:3128", "HTTPS_PROXY"),
    ]
    line = _line(status_lines(dataclasses.replace(_report([]), settings=settings)), "settings:")
    assert line == (
        "settings: NBA_ML_JOBS=0, NBA_ML_TIMEOUT=3.0 (flag), "
        "NBA_ML_PROXY=http://***@proxy:3128 (HTTPS_PROXY)"
    )


def test_both_views_show_the_same_tail_once() -> None:
    report = _report(["x"])
    plain = status_lines(report)
    rich = _rich(report)
    tail = plain[plain.index("lock: free (no training running)") :]
    for line in tail:
        assert rich.count(line) == 1, line
    assert rich.count("NEEDS ATTENTION") == 1 and rich.count("! x") == 1


def test_the_rich_view_is_plain_text_without_a_terminal_and_coloured_with_one() -> None:
    assert "\x1b[" not in _rich(_report([]))
    out = io.StringIO()
    render_status_rich(
        _report([]), Console(file=out, width=200, force_terminal=True, color_system="standard")
    )
    assert "\x1b[" in out.getvalue()


def test_markup_in_a_message_is_shown_not_interpreted() -> None:
    report = dataclasses.replace(
        _report(["[red]x[/red] in a path"]),
        runs=[RunLine("a", "b", "train", "failed", 1, "bad [bold]file[/bold]")],
    )
    text = _rich(report)
    assert "[red]x[/red] in a path" in text and "bad [bold]file[/bold]" in text


def test_a_terminal_said_to_be_0_columns_wide_still_gets_the_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # COLUMNS=0 on a terminal: Rich's width was 0 and `status` printed nothing, exit 0.
    monkeypatch.setenv("COLUMNS", "0")
    out = io.StringIO()
    render_status_rich(_report(["x"]), Console(file=out, force_terminal=False))
    assert "NEEDS ATTENTION" in out.getvalue() and "lock: free" in out.getvalue()


def test_many_settings_are_wrapped_never_cut() -> None:
    # status printed a 600-character settings line
    settings = [
        SettingValue(f"s{i}", f"NBA_ML_SETTING_{i}", str(i) * 3, "default") for i in range(30)
    ]
    lines = status_lines(dataclasses.replace(_report([]), settings=settings))
    start = next(i for i, line in enumerate(lines) if line.startswith("settings: "))
    block = lines[start:]
    assert len(block) > 1 and all(len(line) <= 100 for line in block)
    assert all(line.startswith("  ") for line in block[1:])
    joined = " ".join(line.strip() for line in block)
    assert joined == "settings: " + ", ".join(f"NBA_ML_SETTING_{i}={str(i) * 3}" for i in range(30))


def test_next_run_says_none_when_no_timer_or_cron_file_is_installed() -> None:
    # "next run" was shown as if due with no timer installed
    report = _report([])
    unknown = _line(status_lines(report), "next run:")
    assert unknown.startswith("next run: 2026-12-01T04:00:00-06:00")
    bare = dataclasses.replace(report, schedule=dataclasses.replace(report.schedule, installed=[]))
    line = _line(status_lines(bare), "next run:")
    assert line.startswith(
        "next run: none: no nba-ml-train.timer or /etc/cron.d/nba-ml "
        "installed (see `nba-ml schedule`); once installed, 2026-12-01T04"
    )
    timer = dataclasses.replace(
        report,
        schedule=dataclasses.replace(
            report.schedule, installed=["/etc/systemd/system/nba-ml-train.timer"]
        ),
    )
    assert _line(status_lines(timer), "next run:") == unknown
