"""The saved game data's format: numpy arrays checked against the schema, never a pickle."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nba_ml.data.importer import canonical_table, load_directory
from nba_ml.data.schema import PLAYER_GAME_COLUMNS, TEAM_GAME_COLUMNS
from nba_ml.state.gametables import decode_tables, encode_tables, expected_arrays
from tests.conftest import GAMELOGS, require_gamelogs


def tables(rows: int = 3, missing_text: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical tables of ``rows`` rows, a text value missing when asked."""
    rng = np.random.default_rng(rows)
    common = {
        "season": ["2019-20"] * rows,
        "season_type": ["Playoffs"] * rows,
        "game_id": [f"2019052{i}-TOR-MIL" for i in range(rows)],
        "game_date": np.arange(rows).astype("datetime64[D]").astype("datetime64[us]"),
        "team": ["TOR"] * rows,
        "opponent": [None if missing_text else "MIL"] * rows,
        "is_home": [True, False, True][:rows] * (rows // 3 + 1),
    }
    common["is_home"] = common["is_home"][:rows]
    team = {c: rng.normal(size=rows) for c in TEAM_GAME_COLUMNS} | common
    player = (
        {c: rng.normal(size=rows) for c in PLAYER_GAME_COLUMNS}
        | common
        | {
            "player_id": np.arange(rows, dtype=np.int64) + 2544,
            "player_name": ["Kawhi Leonard", "Kyle Lowry", "Marc Gasol"][:rows],
        }
    )
    return (canonical_table(TEAM_GAME_COLUMNS, team), canonical_table(PLAYER_GAME_COLUMNS, player))


@pytest.mark.parametrize("rows, missing_text", [(3, False), (3, True), (0, False)])
def test_tables_round_trip_exactly_and_the_same_tables_give_the_same_bytes(
    rows: int, missing_text: bool
) -> None:
    team, player = tables(rows, missing_text)
    payload = encode_tables(team, player)
    decoded = decode_tables(payload)
    pd.testing.assert_frame_equal(decoded[0], team)
    pd.testing.assert_frame_equal(decoded[1], player)
    assert encode_tables(*decoded) == payload


def test_the_real_seasons_round_trip_exactly() -> None:
    require_gamelogs()
    data = load_directory(GAMELOGS)
    team, player = decode_tables(encode_tables(data.team_games, data.player_games))
    pd.testing.assert_frame_equal(team, data.team_games)
    pd.testing.assert_frame_equal(player, data.player_games)


def _rewrite(payload: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """Return ``payload`` with its arrays passed through ``change`` (a dict of name -> array)."""
    with np.load(io.BytesIO(payload)) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


class Marker:
    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.path}",))


def test_an_object_array_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    payload = _rewrite(
        encode_tables(*tables()),
        lambda arrays: arrays.update(
            {"team_games.team.values": np.array([Marker(marker)], dtype=object)}
        ),
    )
    with pytest.raises(ValueError, match="unreadable game-data arrays"):
        decode_tables(payload)
    with pytest.raises(ValueError, match=r"not a game-data file \(UnpicklingError\)|not a game"):
        decode_tables(pickle.dumps(Marker(marker)))
    assert not marker.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.pop("team_games.pts"), r"differs in \['team_games.pts'\]"),
        (lambda a: a.update(extra=np.zeros(1)), r"differs in \['extra'\]"),
        (lambda a: a.update({"format": np.asarray(2)}), "an unknown game-data format version"),
        (
            lambda a: a.update({"team_games.pts": np.zeros(3, dtype=np.float32)}),
            "team_games.pts is float32 of 1 dimensions, not float64",
        ),
        (
            lambda a: a.update({"team_games.pts": np.zeros(4)}),
            "the team_games columns differ in length",
        ),
        (
            lambda a: a.update({"player_games.team.codes": np.asarray([0, 5, 0], dtype=np.int32)}),
            "player_games.team.codes point outside its values",
        ),
        (
            lambda a: a.update({"player_games.team.values": np.zeros(1)}),
            "player_games.team.values is not text",
        ),
    ],
)
def test_arrays_that_do_not_match_the_schema_are_refused(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        decode_tables(_rewrite(encode_tables(*tables()), change))


def test_anything_but_an_npz_is_refused_in_one_line() -> None:
    for payload in (b"", b"not a zip", zipfile.ZipFile.__doc__.encode()):
        with pytest.raises(ValueError, match="not a game-data file"):
            decode_tables(payload)
    assert "format" in expected_arrays()
