"""The saved game data's file format: numpy arrays in a zip (``.npz``), never a pickle.

Each canonical column (:mod:`nba_ml.data.schema`) of the two tables is one array named
``<table>.<column>``: booleans, 64-bit integers, floats and ``datetime64[us]`` as they are; a
text column as ``<table>.<column>.codes`` (int32 indexes, -1 for a missing value) into
``<table>.<column>.values`` (fixed-width unicode). Reading uses ``numpy.load`` with
``allow_pickle=False``, which refuses object arrays (the only part of the format that could
run code), then checks every name, dtype and length against the schema: the dtypes come from
the schema, never from the file. Chosen over CSV and JSON lines (slower to write and read,
larger) and Parquet (pyarrow, a large new dependency); see ``benchmarks/model_format.py``.
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

from nba_ml.data.schema import COLUMN_DTYPES, PLAYER_GAME_COLUMNS, TEAM_GAME_COLUMNS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TABLES: dict[str, tuple[str, ...]] = {
    "team_games": TEAM_GAME_COLUMNS,
    "player_games": PLAYER_GAME_COLUMNS,
}
FORMAT_KEY = "format"
FORMAT_VERSION = 1
COMPRESS_LEVEL = 1


class SchemaMismatch(ValueError):
    """The file's arrays are not the ones the schema names (name, dtype, length, codes)."""


def _dtype(column: str) -> str:
    return COLUMN_DTYPES.get(column, "float64")


def expected_arrays() -> set[str]:
    """Return the name of every array a game-data file holds."""
    names = {FORMAT_KEY}
    for table, columns in TABLES.items():
        for column in columns:
            if _dtype(column) == "str":
                names |= {f"{table}.{column}.codes", f"{table}.{column}.values"}
            else:
                names.add(f"{table}.{column}")
    return names


def encode_tables(team_games: pd.DataFrame, player_games: pd.DataFrame) -> bytes:
    """Return the canonical tables as ``.npz`` bytes (deterministic for the same tables)."""
    import numpy as np
    import pandas as pd

    arrays: dict[str, np.ndarray] = {FORMAT_KEY: np.asarray(FORMAT_VERSION, dtype=np.int64)}
    for table, frame in (("team_games", team_games), ("player_games", player_games)):
        for column in TABLES[table]:
            dtype = _dtype(column)
            if dtype == "str":
                codes, uniques = pd.factorize(frame[column])
                arrays[f"{table}.{column}.codes"] = np.asarray(codes, dtype=np.int32)
                arrays[f"{table}.{column}.values"] = np.asarray(uniques, dtype=str)
            else:
                arrays[f"{table}.{column}"] = frame[column].to_numpy(dtype=dtype)
    buffer = io.BytesIO()
    # numpy.savez_compressed's layout, with a fixed entry time (the same tables give the same
    # bytes, hence the same sha256 and file name) and deflate level 1: on four real seasons,
    # level 6 took four times as long to write (1.3 s) for a file a quarter smaller.
    with zipfile.ZipFile(buffer, "w") as out:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            out.writestr(
                entry,
                member.getvalue(),
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=COMPRESS_LEVEL,
            )
    return buffer.getvalue()


def decode_tables(payload: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (team_games, player_games) from ``.npz`` bytes; raise ValueError naming what does
    not match the schema (no pickle is ever read)."""
    import numpy as np

    from nba_ml.data.importer import canonical_table

    try:
        archive = np.load(io.BytesIO(payload), allow_pickle=False)
    except Exception as error:  # noqa: BLE001 - any failure to open is a damaged file
        raise ValueError(f"not a game-data file ({type(error).__name__})") from None
    with archive:
        names = set(archive.files)
        expected = expected_arrays()
        if names != expected:
            wrong = sorted(names ^ expected)[:3]
            raise SchemaMismatch(f"not nba-ml's game-data arrays (differs in {wrong})")
        try:
            version = archive[FORMAT_KEY]
            if version.shape != () or int(version) != FORMAT_VERSION:
                raise SchemaMismatch("an unknown game-data format version")
            tables = [canonical_table(TABLES[table], _columns(archive, table)) for table in TABLES]
        except SchemaMismatch:
            raise
        except Exception as error:  # noqa: BLE001 - e.g. an object array (pickle) refused
            raise ValueError(
                f"unreadable game-data arrays ({type(error).__name__}: {str(error)[:120]})"
            ) from None
    return tables[0], tables[1]


def _columns(archive: Any, table: str) -> dict[str, Any]:
    """Return the checked arrays of one table by column; raise SchemaMismatch."""
    import numpy as np

    values: dict[str, Any] = {}
    for column in TABLES[table]:
        dtype = _dtype(column)
        name = f"{table}.{column}"
        if dtype == "str":
            codes = _array(archive, f"{name}.codes", np.dtype(np.int32))
            strings = archive[f"{name}.values"]
            if strings.ndim != 1 or strings.dtype.kind != "U":
                raise SchemaMismatch(f"{name}.values is not text")
            if codes.size and (codes.min() < -1 or codes.max() >= len(strings)):
                raise SchemaMismatch(f"{name}.codes point outside its values")
            present = codes >= 0
            if present.all():
                values[column] = strings[codes]
            else:
                column_values = np.full(len(codes), None, dtype=object)
                column_values[present] = strings[codes[present]]
                values[column] = column_values
        else:
            values[column] = _array(archive, name, np.dtype(dtype))
    lengths = {len(array) for array in values.values()}
    if len(lengths) > 1:
        raise SchemaMismatch(f"the {table} columns differ in length")
    return values


def _array(archive: Any, name: str, dtype: np.dtype) -> np.ndarray:
    array = archive[name]
    if array.ndim != 1 or array.dtype != dtype:
        raise SchemaMismatch(f"{name} is {array.dtype} of {array.ndim} dimensions, not {dtype}")
    return array
