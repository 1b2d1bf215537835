"""Property tests: whatever lands in the data directory, the importer returns canonical tables or
refuses with a one-line DataError naming the file, and harmless changes change nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nba_ml.data import sources
from nba_ml.data.importer import GameData, load_directory
from nba_ml.data.schema import TEAM_ALIASES, TEAMS
from nba_ml.errors import DataError
from nba_ml.state.files import safe_text
from tests.data.test_importer import (
    PLAYER_COLUMNS,
    TEAM_COLUMNS,
    assert_canonical,
    assert_refusal,
    player_rows,
    team_rows,
)

# Whole files import in ~20 ms; tests that import twice or compare full tables run fewer examples.
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEAVY = settings(FAST, max_examples=60)
TEAM_FILE = "team_game_logs_2019-20.csv"
PLAYER_FILE = "player_game_logs_2019-20.csv"
TEAM_CODES = sorted(TEAMS)


@contextmanager
def directory_with(files: dict[str, bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="nba-ml-prop-") as name:
        root = Path(name)
        for file_name, content in files.items():
            (root / file_name).write_bytes(content)
        yield root


def import_or_refusal(files: dict[str, bytes]) -> GameData | str:
    """Return the imported data (checked) or the refusal message (checked), where the temporary
    directory reads ``<root>``."""
    with directory_with(files) as root:
        try:
            data = load_directory(root)
        except DataError as error:
            message = str(error)
            shown = [safe_text(n) for n in [*files, str(root)]]
            named = [n for n in shown if n in message]
            assert named, message
            assert_refusal(error, named[0])
            return message.replace(str(root), "<root>")
    assert_canonical(data)
    return data


def table_bytes(table: list[list[str]], *, bom: bool = False, newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(table)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def base_tables() -> dict[str, list[list[str]]]:
    return {
        TEAM_FILE: [list(TEAM_COLUMNS)] + [[str(r[c]) for c in TEAM_COLUMNS] for r in team_rows()],
        PLAYER_FILE: [list(PLAYER_COLUMNS)]
        + [[str(r[c]) for c in PLAYER_COLUMNS] for r in player_rows()],
    }


def baseline() -> GameData:
    result = import_or_refusal({n: table_bytes(t) for n, t in base_tables().items()})
    assert isinstance(result, GameData)
    return result


BASELINE = baseline()

# --------------------------------------------------------------------------------------------
# Strategies

ODD_VALUES = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e999",
    "-1",
    "0",
    "34:12",
    "99:99",
    "W",
    "L",
    "w",
    "T",
    "BOS @ PHI",
    "PHI vs. BOS",
    "BRK @ PHO",
    "XYZ @ BOS",
    "BOS",
    "bos",
    "2019-10-22",
    "2020-10-11",
    "2021-06-01",
    "OCT 23, 2019",
    "10/22/2019",
    "Regular Season",
    "Playoffs",
    "PlayIn",
    "Pre Season",
    "0x10",
    " 5 ",
    "5.",
    ".5",
    "\u0661\u0662",
    "\x00",
    "\ufeff",
    '"',
    ",",
    "\n",
    "\r",
    "x" * 300,
    "22019",
    "12019",
]
cell_values = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=12),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
team_codes = st.sampled_from([*TEAM_CODES, *TEAM_ALIASES, "XYZ", "", "bos", "B0S", "ABCDE"])

MUTATIONS = [
    "drop_column",
    "corrupt_cell",
    "blank_cell",
    "shuffle",
    "duplicate_row",
    "delete_row",
    "team_code",
    "shift_date",
    "flip_matchup",
    "add_column",
    "rename_header",
    "swap_columns",
]
HARMLESS = ["shuffle", "duplicate_row", "add_column"]


def _column(table: list[list[str]], name: str) -> int | None:
    return table[0].index(name) if name in table[0] else None


@st.composite
def mutate(draw: st.DrawFn, table: list[list[str]], kinds: list[str]) -> None:
    """Apply one random mutation to ``table`` (header first) in place."""
    kind = draw(st.sampled_from(kinds))
    rows, width = len(table) - 1, len(table[0])
    row = draw(st.integers(1, rows)) if rows else None
    if kind == "drop_column" and width > 1:
        column = draw(st.integers(0, width - 1))
        for line in table:
            del line[column]
    elif kind in ("corrupt_cell", "blank_cell") and row is not None:
        value = draw(cell_values) if kind == "corrupt_cell" else ""
        table[row][draw(st.integers(0, width - 1))] = value
    elif kind == "shuffle" and rows > 1:
        table[1:] = draw(st.permutations(table[1:]))
    elif kind == "duplicate_row" and row is not None:
        table.insert(draw(st.integers(1, rows + 1)), list(table[row]))
    elif kind == "delete_row" and row is not None:
        del table[row]
    elif kind == "team_code" and row is not None:
        code = draw(team_codes)
        listed, matchup = _column(table, "TEAM_ABBREVIATION"), _column(table, "MATCHUP")
        where = draw(st.sampled_from(["listed", "own", "other", "both"]))
        if listed is not None and where in ("listed", "both"):
            table[row][listed] = code
        if matchup is not None and where != "listed":
            parts = table[row][matchup].split(" ")
            if len(parts) == 3:
                parts[2 if where == "other" else 0] = code
                table[row][matchup] = " ".join(parts)
    elif kind == "shift_date" and row is not None:
        column = _column(table, "GAME_DATE")
        if column is not None:
            try:
                day = dt.date.fromisoformat(table[row][column])
            except ValueError:
                return
            shift = draw(st.one_of(st.integers(-3, 3), st.integers(-800, 800)))
            table[row][column] = (day + dt.timedelta(days=shift)).isoformat()
    elif kind == "flip_matchup" and row is not None:
        column = _column(table, "MATCHUP")
        if column is not None:
            value = table[row][column]
            table[row][column] = (
                value.replace(" vs. ", " @ ") if " vs. " in value else value.replace(" @ ", " vs. ")
            )
    elif kind == "add_column":
        # (GAME_ID is not harmless: its type digit tells a play-in game)
        name = draw(st.sampled_from(["EXTRA", "VIDEO_AVAILABLE", "FANTASY_PTS", "Unnamed: 0"]))
        # (csv.writer leaves a lone "\r" unquoted: that would be a broken file, not an extra column)
        values = draw(
            st.lists(
                cell_values.filter(lambda v: "\x00" not in v and "\r" not in v),
                min_size=rows,
                max_size=rows,
            )
        )
        position = draw(st.integers(0, width))
        table[0].insert(position, name)
        for line, value in zip(table[1:], values, strict=True):
            line.insert(position, value)
    elif kind == "rename_header":
        table[0][draw(st.integers(0, width - 1))] = draw(
            st.one_of(
                st.sampled_from([*TEAM_COLUMNS, *PLAYER_COLUMNS, "SEASON_ID"]), st.text(max_size=10)
            )
        )
    elif kind == "swap_columns" and width > 1:
        a, b = draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1))
        for line in table[1:]:
            line[a], line[b] = line[b], line[a]


@st.composite
def mutated_files(
    draw: st.DrawFn, kinds: list[str] = MUTATIONS, encodings: bool = True, cut: bool = True
) -> dict[str, bytes]:
    tables = base_tables()
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(tables)))
        draw(mutate(tables[name], kinds))
    files = {}
    for name, table in tables.items():
        bom = encodings and draw(st.booleans())
        newline = draw(st.sampled_from(["\n", "\r\n"])) if encodings else "\n"
        files[name] = table_bytes(table, bom=bom, newline=newline)
    if cut and draw(st.booleans()):  # a cut-off copy
        name = draw(st.sampled_from(sorted(files)))
        files[name] = files[name][: draw(st.integers(0, len(files[name])))]
    return files


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(ODD_VALUES),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
HEADER_POOL = [
    "SEASON_ID",
    "TEAM_ABBREVIATION",
    "GAME_DATE",
    "MATCHUP",
    "WL",
    "PTS",
    "MIN",
    "PLAYER_ID",
    "PLAYER_NAME",
    "REB",
    "AST",
    "FG_PCT",
    "SEASON_TYPE",
    "GAME_ID",
]


@st.composite
def responses(draw: st.DrawFn) -> object:
    """A stats.nba.com-shaped body with plausible headers and rows of random values."""
    headers = draw(
        st.lists(st.one_of(st.sampled_from(HEADER_POOL), json_scalars), min_size=1, max_size=10)
    )
    plausible = {
        "SEASON_ID": st.sampled_from(["22019", "42019", "52019", "12019", 22019, "2019", None]),
        "TEAM_ABBREVIATION": team_codes,
        "GAME_DATE": st.sampled_from(
            ["2019-10-22", "2019-10-23T00:00:00", "OCT 22, 2019", "2021-01-01", None, 20191022]
        ),
        "MATCHUP": st.sampled_from(["BOS vs. PHI", "PHI @ BOS", "BOS @ BOS", "BRK @ PHO", None]),
        "WL": st.sampled_from(["W", "L", None, "", 1]),
        "PLAYER_ID": st.one_of(st.integers(-5, 5000), st.sampled_from(["2544", 2544.0, None])),
    }
    row = st.lists(st.one_of(json_scalars, json_values), min_size=0, max_size=12)
    if draw(st.booleans()):
        row = st.tuples(
            *[
                plausible.get(h, json_scalars) if isinstance(h, str) else json_scalars
                for h in headers
            ]
        ).map(list)
    rows = draw(st.lists(st.one_of(row, json_values), max_size=8))
    body: dict[str, object] = {
        "resource": "leaguegamelog",
        "resultSets": [{"name": "LeagueGameLog", "headers": headers, "rowSet": rows}],
    }
    if draw(st.booleans()):
        body["parameters"] = draw(
            st.dictionaries(
                st.sampled_from(["Season", "SeasonType", "SeasonYear"]),
                st.one_of(
                    st.sampled_from(
                        ["2019-20", "Regular Season", "Playoffs", "Pre Season", "PlayIn", "2019"]
                    ),
                    json_scalars,
                ),
            )
        )
    return body


@st.composite
def valid_seasons(draw: st.DrawFn) -> list[tuple]:
    """Random valid games of 2019-20 (no team twice on one day), in random order."""
    games, busy = [], set()
    for _ in range(draw(st.integers(1, 25))):
        day = dt.date(2019, 10, 22) + dt.timedelta(days=draw(st.integers(0, 300)))
        home, away = draw(
            st.lists(st.sampled_from(TEAM_CODES), min_size=2, max_size=2, unique=True)
        )
        if (day, home) in busy or (day, away) in busy:
            continue
        busy |= {(day, home), (day, away)}
        home_pts, away_pts = draw(
            st.lists(st.integers(60, 170), min_size=2, max_size=2, unique=True)
        )
        kind = "Playoffs" if day.month in (5, 6) else "Regular Season"
        games.append((day.isoformat(), home, away, home_pts, away_pts, kind))
    return games


# --------------------------------------------------------------------------------------------
# Properties


@FAST
@given(content=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".json"]))
def test_arbitrary_bytes(content: bytes, suffix: str) -> None:
    import_or_refusal({f"team_game_logs_2019-20{suffix}": content})


@FAST
@given(
    header=st.sampled_from([",".join(TEAM_COLUMNS), ",".join(PLAYER_COLUMNS), ""]),
    lines=st.lists(
        st.lists(cell_values.filter(lambda v: "\x00" not in v), max_size=20).map(
            lambda cells: ",".join(cells)
        ),
        max_size=8,
    ),
    text=st.text(max_size=200),
)
def test_arbitrary_csv_text(header: str, lines: list[str], text: str) -> None:
    content = "\n".join([header, *lines]) + text
    result = import_or_refusal({TEAM_FILE: content.encode("utf-8", "surrogatepass")})
    if isinstance(result, GameData):
        assert len(result.team_games) + len(result.player_games) > 0


@FAST
@given(body=st.one_of(json_values, responses()))
def test_arbitrary_json(body: object) -> None:
    text = json.dumps(body)  # NaN and Infinity are written the way Python (and pandas) write them
    import_or_refusal({"2019-20_regular-season_T.json": text.encode("utf-8", "surrogatepass")})


@FAST
@given(files=mutated_files())
def test_mutated_exports_import_cleanly_or_are_refused(files: dict[str, bytes]) -> None:
    import_or_refusal(files)


@HEAVY
@given(files=mutated_files(kinds=HARMLESS, cut=False))
def test_harmless_changes_change_nothing(files: dict[str, bytes]) -> None:
    """Shuffled or duplicated rows, extra columns, a BOM and CRLF give the same tables."""
    result = import_or_refusal(files)
    assert isinstance(result, GameData), result
    pd.testing.assert_frame_equal(result.team_games, BASELINE.team_games)
    pd.testing.assert_frame_equal(result.player_games, BASELINE.player_games)


@HEAVY
@given(files=mutated_files(encodings=False))
def test_the_strict_parser_agrees_with_the_fast_path(files: dict[str, bytes]) -> None:
    fast = import_or_refusal(files)
    with mock.patch.object(sources, "NUMERIC_COLUMNS", frozenset()):
        strict = import_or_refusal(files)
    if isinstance(fast, str) or isinstance(strict, str):
        assert isinstance(fast, str) and isinstance(strict, str), (fast, strict)
        assert fast.split("> ", 1)[-1] == strict.split("> ", 1)[-1]  # another temporary dir
        return
    pd.testing.assert_frame_equal(fast.team_games, strict.team_games)
    pd.testing.assert_frame_equal(fast.player_games, strict.player_games)


@HEAVY
@given(games=valid_seasons(), order=st.randoms(use_true_random=False))
def test_valid_games_import_completely(games: list[tuple], order: object) -> None:
    teams, players = team_rows(games), player_rows(games)
    order.shuffle(teams)  # type: ignore[attr-defined]
    order.shuffle(players)  # type: ignore[attr-defined]
    buffer_t, buffer_p = io.StringIO(), io.StringIO()
    for buffer, columns, rows in (
        (buffer_t, TEAM_COLUMNS, teams),
        (buffer_p, PLAYER_COLUMNS, players),
    ):
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = import_or_refusal(
        {TEAM_FILE: buffer_t.getvalue().encode(), PLAYER_FILE: buffer_p.getvalue().encode()}
    )
    assert isinstance(result, GameData), result
    assert len(result.team_games) == 2 * len(games)
    assert len(result.player_games) == 4 * len(games)
    by_team = result.player_games.groupby(["game_id", "team"])["pts"].sum()
    team = result.team_games.set_index(["game_id", "team"])["pts"]
    assert team.sort_index().equals(by_team.sort_index())
    assert (
        (result.team_games["pts"] > result.team_games["opp_pts"]).astype(float)
        == result.team_games["win"]
    ).all()


@FAST
@given(
    names=st.lists(
        st.text(min_size=1, max_size=12).filter(
            lambda n: "/" not in n and "\x00" not in n and n not in (".", "..")
        ),
        max_size=3,
    ),
    content=st.sampled_from([b"", b"junk", "caf\u00e9".encode("latin-1")]),
)
def test_odd_file_names_still_give_one_line_messages(names: list[str], content: bytes) -> None:
    files = {}
    for name in names:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            continue
        files[f"{name}.csv"] = content
    assume(files)
    import_or_refusal(files)
