"""Records behave as the dataclasses they replace, for what nba-ml uses of them: each case is
checked against the same class declared with :mod:`dataclasses`."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from nba_ml import records
from nba_ml.records import field, record


def _counter() -> list[int]:
    return [1]


@record(frozen=True)
class Point:
    """A frozen record with defaults, a factory and fields out of the repr and comparison."""

    x: int
    y: int = 0
    tags: list[int] = field(default_factory=_counter)
    note: str = field(default="", compare=False)
    secret: str = field(default="s", repr=False)

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@dataclasses.dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0
    tags: list[int] = dataclasses.field(default_factory=_counter)
    note: str = dataclasses.field(default="", compare=False)
    secret: str = dataclasses.field(default="s", repr=False)


@record
class Box:
    """A mutable record."""

    size: int
    label: str | None = None


@dataclasses.dataclass
class DataBox:
    size: int
    label: str | None = None


@record(frozen=True)
class Rooted:
    """A frozen record that normalises a field after ``__init__``."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))


def _same_repr(ours: object, theirs: object) -> None:
    assert repr(ours).split("(", 1)[1] == repr(theirs).split("(", 1)[1]


def test_init_takes_the_same_positional_and_keyword_arguments_and_defaults() -> None:
    for args, kwargs in [((1,), {}), ((1, 2), {}), ((), {"x": 3, "y": 4}), ((5,), {"note": "n"})]:
        ours, theirs = Point(*args, **kwargs), DataPoint(*args, **kwargs)
        assert (ours.x, ours.y, ours.tags, ours.note, ours.secret) == (
            theirs.x,
            theirs.y,
            theirs.tags,
            theirs.note,
            theirs.secret,
        )
        _same_repr(ours, theirs)
    assert Box(2).label is None and Box(2, "a").label == "a"


def test_default_factory_gives_each_instance_its_own_value() -> None:
    a, b = Point(1), Point(1)
    assert a.tags == [1] and a.tags is not b.tags
    assert Point(1, tags=[7]).tags == [7]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((1, 2, [], "", "s", 9), {}), ((1,), {"x": 2}), ((1,), {"z": 2})],
    ids=["missing", "too many", "twice", "unexpected"],
)
def test_bad_arguments_raise_type_error_as_a_dataclass_does(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    with pytest.raises(TypeError):
        DataPoint(*args, **kwargs)
    with pytest.raises(TypeError):
        Point(*args, **kwargs)


def test_repr_shows_the_fields_in_order_without_the_hidden_ones() -> None:
    assert repr(Point(1, 2, note="n")) == "Point(x=1, y=2, tags=[1], note='n')"
    _same_repr(Point(1, 2, note="n"), DataPoint(1, 2, note="n"))
    _same_repr(Box(3, "b"), DataBox(3, "b"))


def test_equality_compares_the_compared_fields_of_the_same_class() -> None:
    assert Point(1, 2) == Point(1, 2, note="other")
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != DataPoint(1, 2)
    assert Box(1) == Box(1) and Box(1) != Box(1, "a")
    assert (Point(1) == (1, 0)) is False


def test_a_frozen_record_hashes_by_value_and_a_mutable_one_is_unhashable() -> None:
    @record(frozen=True)
    class Pair:
        a: int
        b: str = field(default="", compare=False)

    assert hash(Pair(1, "x")) == hash(Pair(1, "y"))
    assert len({Pair(1), Pair(1), Pair(2)}) == 2
    with pytest.raises(TypeError):
        hash(Box(1))
    with pytest.raises(TypeError):  # an unhashable field, as with a dataclass
        hash(Point(1))


def test_a_frozen_record_refuses_assignment_and_deletion() -> None:
    point = Point(1)
    with pytest.raises(records.FrozenInstanceError):
        point.x = 2
    with pytest.raises(AttributeError):  # FrozenInstanceError is an AttributeError
        del point.y
    with pytest.raises(AttributeError):
        point.other = 1
    assert point.x == 1
    box = Box(1)
    box.size = 2
    assert box.size == 2


def test_post_init_runs_after_init() -> None:
    assert Rooted("a/b").root == Path("a/b")
    assert Rooted("a") == Rooted(Path("a"))


def test_fields_lists_them_in_declaration_order_with_their_options() -> None:
    ours, theirs = records.fields(Point), dataclasses.fields(DataPoint)
    assert [f.name for f in ours] == [f.name for f in theirs]
    assert [f.type for f in ours] == [f.type for f in theirs]  # the annotations' text
    assert [(f.repr, f.compare) for f in ours] == [(f.repr, f.compare) for f in theirs]
    assert [f.default for f in ours][3:] == [f.default for f in theirs][3:]
    assert ours[1].default == theirs[1].default == 0
    assert [f.default is records.MISSING for f in ours] == [
        f.default is dataclasses.MISSING for f in theirs
    ]
    assert ours[2].default_factory is theirs[2].default_factory is _counter
    assert records.fields(Point(1)) == ours
    with pytest.raises(TypeError):
        records.fields(object())


def test_field_metadata_is_kept_and_defaults_to_empty() -> None:
    @record
    class Tagged:
        a: int = field(default=1, metadata={"env": "A"})
        b: int = 2

    a, b = records.fields(Tagged)
    assert a.metadata["env"] == "A" and "env" not in b.metadata
    assert Tagged.a == 1  # the class attribute is the default


def test_replace_returns_a_changed_copy_and_checks_names() -> None:
    point = Point(1, 2, note="n")
    moved = records.replace(point, y=5)
    assert (moved.x, moved.y, moved.note) == (1, 5, "n") and point.y == 2
    assert records.replace(Rooted(Path("a")), root="b").root == Path("b")
    with pytest.raises(TypeError):
        records.replace(point, z=1)


def test_asdict_returns_the_fields_records_within_included() -> None:
    @record(frozen=True)
    class Outer:
        inner: Box
        items: tuple[Box, ...]

    outer = Outer(Box(1, "a"), (Box(2),))
    assert records.asdict(outer) == {
        "inner": {"size": 1, "label": "a"},
        "items": ({"size": 2, "label": None},),
    }
    assert records.asdict(Point(1)) == dataclasses.asdict(DataPoint(1))


def test_declaring_a_required_field_after_a_default_or_a_mutable_default_fails() -> None:
    with pytest.raises(TypeError):

        @record
        class Wrong:
            a: int = 0
            b: int

    with pytest.raises(ValueError):

        @record
        class Shared:
            a: list[int] = []  # noqa: RUF012 - the mistake refused

    with pytest.raises(ValueError):
        field(default=1, default_factory=list)


def test_records_pickle_and_keep_their_methods() -> None:
    point = pickle.loads(pickle.dumps(Point(1, 2)))
    assert point == Point(1, 2) and point.norm() == 3


def test_importing_records_imports_neither_dataclasses_nor_inspect() -> None:
    probe = (
        "import sys; import nba_ml.records; "
        "print(sorted(m for m in ('dataclasses', 'inspect', 'typing') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_functions_of_dataclasses_work_on_records_as_on_dataclasses() -> None:
    # the Python API returns records (Settings, CheckResult, TrainResult) that type checkers see
    # as dataclasses: dataclasses' own functions must work on them at run time too
    point = Point(1, 2, note="n")
    assert dataclasses.is_dataclass(point) and dataclasses.is_dataclass(Point)
    assert [f.name for f in dataclasses.fields(point)] == [
        f.name for f in dataclasses.fields(DataPoint)
    ]
    assert [(f.default, f.repr, f.compare) for f in dataclasses.fields(Point)] == [
        (f.default, f.repr, f.compare) for f in dataclasses.fields(DataPoint)
    ]
    assert dataclasses.asdict(point) == dataclasses.asdict(DataPoint(1, 2, note="n"))
    assert dataclasses.replace(point, y=5) == Point(1, 5, note="n")
    assert dataclasses.astuple(Box(3, "b")) == dataclasses.astuple(DataBox(3, "b"))

    @dataclasses.dataclass
    class Holder:  # a dataclass holding a record: asdict turns both into dicts
        box: Box

    assert dataclasses.asdict(Holder(Box(1, "a"))) == {"box": {"size": 1, "label": "a"}}


def test_the_api_results_work_with_dataclasses_functions() -> None:
    from nba_ml.commands.check import CheckResult
    from nba_ml.config import Settings

    settings = Settings()
    assert dataclasses.replace(settings, retries=9).retries == 9
    assert dataclasses.asdict(settings)["retries"] == settings.retries
    assert {f.name for f in dataclasses.fields(CheckResult)} == {
        f.name for f in records.fields(CheckResult)
    }
