"""The saved game data: written atomically under its sha256, loaded only when it matches."""

from __future__ import annotations

import multiprocessing
import os
import stat
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nba_ml.data.importer import GameData, canonical_table
from nba_ml.data.schema import PLAYER_GAME_COLUMNS, TEAM_GAME_COLUMNS
from nba_ml.errors import DataError, StorageError
from nba_ml.state.history import (
    foreign_history_entries,
    history_path,
    load_history,
    prune_history,
    read_history_payload,
    save_history,
    write_history_payload,
)


def game_data(points: int = 100) -> GameData:
    """One team row and one player row with every canonical column (the saved format's)."""
    game = {
        "season": ["2019-20"],
        "season_type": ["Regular Season"],
        "game_id": ["20191022-BOS-PHI"],
        "game_date": [np.datetime64("2019-10-22", "us")],
        "team": ["BOS"],
        "opponent": ["PHI"],
        "is_home": [True],
        "win": [1.0],
    }
    teams = {**{c: [np.nan] for c in TEAM_GAME_COLUMNS}, **game, "pts": [float(points)]}
    players = {
        **{c: [np.nan] for c in PLAYER_GAME_COLUMNS},
        **game,
        "player_id": [1],
        "player_name": ["A Player"],
        "pts": [float(points // 4)],
    }
    return GameData(
        canonical_table(TEAM_GAME_COLUMNS, teams), canonical_table(PLAYER_GAME_COLUMNS, players)
    )


def test_save_then_load_returns_the_same_tables(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data())
    path = history_path(data_dir, digest)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o750
    loaded = load_history(data_dir, digest)
    pd.testing.assert_frame_equal(loaded.team_games, game_data().team_games)
    pd.testing.assert_frame_equal(loaded.player_games, game_data().player_games)
    assert save_history(data_dir, game_data()) == digest  # same content, same name
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_missing_altered_or_unnamed_data_is_a_one_line_data_error(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data())
    with pytest.raises(DataError, match="names no saved game data"):
        load_history(data_dir, None)
    with pytest.raises(DataError, match="names no saved game data"):
        read_history_payload(data_dir, "../../etc/passwd")
    path = history_path(data_dir, digest)
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(DataError, match=r"was altered \(sha256 mismatch\); run `nba-ml train"):
        load_history(data_dir, digest)
    path.unlink()
    with pytest.raises(DataError, match="is missing; run `nba-ml train --force`"):
        load_history(data_dir, digest)


def _load_in_child(data_dir: Path, digest: str, report) -> None:  # type: ignore[no-untyped-def]
    try:
        load_history(data_dir, digest)
        report.send("loaded")
    except DataError as error:
        report.send(str(error))


def test_a_fifo_in_place_of_the_data_never_hangs(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data())
    path = history_path(data_dir, digest)
    path.unlink()
    os.mkfifo(path)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_load_in_child, args=(data_dir, digest, sender))
    child.start()
    child.join(10)
    if child.is_alive():
        child.kill()
        pytest.fail("a FIFO in place of the game data hung load_history")
    assert receiver.recv() == f"{path} is not a regular file (a FIFO); run `nba-ml train --force`"


def test_a_group_writable_file_is_not_loaded(data_dir: Path) -> None:
    digest = save_history(data_dir, game_data())
    history_path(data_dir, digest).chmod(0o660)
    with pytest.raises(DataError, match="is writable by group; it will not be loaded"):
        load_history(data_dir, digest)


def test_prune_keeps_the_named_and_the_newest_and_never_touches_foreign_files(
    data_dir: Path,
) -> None:
    digests = []
    for n in range(6):
        digests.append(save_history(data_dir, game_data(100 + n)))
        os.utime(history_path(data_dir, digests[-1]), (time.time() + n, time.time() + n))
    directory = data_dir / "history"
    leftover = directory / f".game_data-{'a' * 64}.npz.x1y2z3.tmp"
    leftover.write_bytes(b"partial")
    # what an older nba-ml pickled: its own, never read, pruned like the rest once old
    legacy = directory / f"game_data-{'c' * 64}.pkl"
    legacy.write_bytes(b"an old pickle")
    os.utime(legacy, (time.time() - 3600, time.time() - 3600))
    legacy_leftover = directory / f".game_data-{'d' * 64}.pkl.x1y2z3.tmp"
    legacy_leftover.write_bytes(b"partial")
    foreign = directory / "my_notes.txt"
    foreign.write_text("mine")
    lookalike = directory / f"game_data-{'b' * 64}.pkl"
    lookalike.mkdir()  # our name, but a directory: not ours
    assert foreign_history_entries(data_dir) == sorted([foreign, lookalike])

    prune_history(data_dir, {digests[0]})
    kept = {p.name for p in directory.iterdir()}
    assert kept == {history_path(data_dir, d).name for d in (digests[0], *digests[3:])} | {
        "my_notes.txt",
        lookalike.name,
    }


def test_a_write_the_disk_refuses_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.mkdir()
    (blocker / "history").write_text("a file where the directory should be")
    with pytest.raises(StorageError, match=r"cannot write .*game_data-.*; current models kept"):
        write_history_payload(blocker, b"payload")


def test_verify_history_streams_the_same_checks_without_loading(data_dir: Path) -> None:
    from nba_ml.state.files import FileDamaged, hash_regular_file
    from nba_ml.state.history import verify_history

    digest = save_history(data_dir, game_data())
    path = history_path(data_dir, digest)
    verify_history(data_dir, digest)
    assert hash_regular_file(path)[:2] == (digest, path.stat().st_size)
    with pytest.raises(FileDamaged, match="too large"):
        hash_regular_file(path, limit=10)
    path.write_bytes(b"changed")
    with pytest.raises(DataError, match="was altered"):
        verify_history(data_dir, digest)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(DataError, match=r"is not a regular file \(a FIFO\)"):
        verify_history(data_dir, digest)
