"""state.held: a served set's game data held open. The file verified at load stays readable
when the trainer prunes it or its directory goes away; every read checks its sha256 and owner
again, so a file rewritten in place is refused; the descriptor is closed with the object."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from nba_ml.errors import DataError
from nba_ml.state.held import HeldHistory
from nba_ml.state.history import history_path, prune_history, save_history
from tests.state.test_history import game_data


def test_the_held_data_outlives_a_prune_and_its_directory(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data(100))
    held = HeldHistory.open(data_dir, digest)
    path = history_path(data_dir, digest)
    for points in (101, 102, 103):  # newer sets: the trainer keeps only the newest few
        os.utime(
            history_path(data_dir, save_history(data_dir, game_data(points))),
            (2e9 + points, 2e9 + points),
        )
    os.utime(path, (1e9, 1e9))
    prune_history(data_dir, set())
    assert not path.exists()  # pruned, as a refused server's data used to be
    shutil.rmtree(data_dir / "history")  # even the directory gone
    loaded = held.load()
    pd.testing.assert_frame_equal(loaded.team_games, game_data(100).team_games)


def test_a_file_altered_in_place_is_refused_at_each_read(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data())
    held = HeldHistory.open(data_dir, digest)
    path = history_path(data_dir, digest)
    size = path.stat().st_size
    with open(path, "r+b") as handle:  # the same inode, other bytes
        handle.write(b"\0" * size)
    with pytest.raises(DataError, match="altered"):
        held.load()


def test_opening_checks_as_the_history_does(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data())
    with pytest.raises(DataError, match="is missing"):
        HeldHistory.open(data_dir, "0" * 64)
    with pytest.raises(DataError, match="names no saved game data"):
        HeldHistory.open(data_dir, "not-a-sha")
    os.chmod(history_path(data_dir, digest), 0o666)
    with pytest.raises(DataError, match="writable"):
        HeldHistory.open(data_dir, digest)


def test_the_descriptor_is_closed_with_the_object(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data())
    held = HeldHistory.open(data_dir, digest)
    fd = held.fileno()
    assert os.get_inheritable(fd) is False  # close-on-exec: no other child gets it
    held.close()
    assert held.closed
    with pytest.raises(OSError):
        os.fstat(fd)
    with pytest.raises(DataError, match="no longer held"):
        held.load()
    other = HeldHistory.open(data_dir, digest)
    fd = other.fileno()
    del other
    with pytest.raises(OSError):
        os.fstat(fd)
