"""commands.output: where ``--output`` may write."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from nba_ml.commands.output import check_output_path
from nba_ml.errors import UsageError


def test_new_files_regular_files_and_symlinks_may_be_written(tmp_path: Path) -> None:
    assert check_output_path(tmp_path / "new.csv") == tmp_path / "new.csv"
    (tmp_path / "old.csv").write_text("x")
    assert check_output_path(tmp_path / "old.csv")
    (tmp_path / "link").symlink_to("/dev/null")  # replaced as a link, never followed
    assert check_output_path(tmp_path / "link")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert check_output_path(tmp_path / "dangling")


def test_anything_else_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        cases = {
            tmp_path / "fifo": "a FIFO",
            tmp_path / "sock": "a socket",
            tmp_path: "not a file name" if tmp_path.name in ("", ".") else "a directory",
            Path("/dev/null"): "a device",
            tmp_path / "missing" / "x.csv": "does not exist",
            tmp_path / "fifo" / "x.csv": "is not a directory",
        }
        for path, reason in cases.items():
            with pytest.raises(UsageError, match=reason):
                check_output_path(path)
    finally:
        server.close()
    assert not (tmp_path / "missing").exists()


def test_nothing_is_written_inside_the_data_directory(tmp_path: Path) -> None:
    # `report --output <data>/models/report.html` put a foreign file in the generation (every
    # later `train` then refused to run, exit 2); `backtest --output <data>/models/manifest.json`
    # overwrote the installed set's manifest.
    data = tmp_path / "data"
    (data / "generations" / "g").mkdir(parents=True)
    (data / "models").symlink_to("generations/g")
    (data / "generations" / "g" / "manifest.json").write_text("{}")
    for inside in (
        data / "models" / "report.html",
        data / "models" / "manifest.json",
        data / "runs.jsonl",
        tmp_path / "alias" / "x.csv",
    ):
        if inside.parent.name == "alias":
            inside.parent.symlink_to(data / "generations")
        with pytest.raises(
            UsageError,
            match=r"is inside the data directory .*data, where only "
            r"nba-ml writes; write it elsewhere$",
        ):
            check_output_path(inside, data)
    with pytest.raises(UsageError, match="is inside the data directory"):
        check_output_path(data, data)  # the directory itself (refused before: a directory)
    assert check_output_path(tmp_path / "report.html", data) == tmp_path / "report.html"
    assert check_output_path(tmp_path / "data-report.html", data)  # a sibling, not inside
