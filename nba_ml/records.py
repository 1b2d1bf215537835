"""Plain records: what nba-ml uses of :mod:`dataclasses`, for the classes ``check`` and
``ensure`` create at start-up.

``import dataclasses`` pulls in ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``), and
``@dataclass`` builds each class's methods as source text run through ``exec``: together about
20 ms of every ``nba-ml check`` and ``ensure``, more than ``python -c pass`` costs (issue #19
item 8, measured by ``benchmarks/startup.py``). :func:`record` gives a class what the package
uses of a dataclass instead: ``__init__`` with the same positional and keyword parameters and
defaults (``default_factory`` included) and ``__post_init__``, ``__repr__``, ``__eq__``, and for a
frozen record ``__hash__`` and the refusal of assignment (:class:`FrozenInstanceError`); with
:func:`field`, :func:`fields`, :func:`replace` and :func:`asdict`. The methods are generic and read
the class's field tuple, so creating a class costs little. Fields are declared once, as
annotations (never evaluated: they stay text).

For type checkers the names are :mod:`dataclasses`'s own (under ``TYPE_CHECKING``), so mypy checks
every constructor call, ``replace`` and ``fields`` exactly as a dataclass's.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: `check` and `ensure` start faster
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = [
    "MISSING",
    "Field",
    "FrozenInstanceError",
    "asdict",
    "field",
    "fields",
    "record",
    "replace",
]


class _Missing:
    """The marker of a field without a default (a class: its repr names it)."""

    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()
_EMPTY: Mapping[str, Any] = {}
_FIELDS = "__record_fields__"


class _FrozenInstanceError(AttributeError):
    """Assignment to (or deletion of) a field of a frozen record."""


class _Field:
    """One field of a record: its name, annotation (text), default or default factory, and
    whether it shows in the repr and counts in equality and hashing."""

    __slots__ = ("compare", "default", "default_factory", "metadata", "name", "repr", "type")

    def __init__(
        self,
        default: Any = _MISSING,
        default_factory: Any = _MISSING,
        repr: bool = True,
        compare: bool = True,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: object = None
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare
        self.metadata: Mapping[str, Any] = _EMPTY if metadata is None else metadata

    def __repr__(self) -> str:
        return (
            f"Field(name={self.name!r}, type={self.type!r}, default={self.default!r}, "
            f"default_factory={self.default_factory!r}, repr={self.repr!r}, "
            f"compare={self.compare!r}, metadata={self.metadata!r})"
        )


def _field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | Any = _MISSING,
    repr: bool = True,
    compare: bool = True,
    metadata: Mapping[str, Any] | None = None,
) -> Any:
    """Declare a field with options, as :func:`dataclasses.field` (the options used here)."""
    return _Field(default, default_factory, repr, compare, metadata)


def _fields(class_or_instance: Any) -> tuple[_Field, ...]:
    """Return the fields of a record (class or instance), in declaration order."""
    try:
        found: tuple[_Field, ...] = getattr(class_or_instance, _FIELDS)
    except AttributeError:
        raise TypeError("must be called with a record type or instance") from None
    return found


def _replace(obj: Any, /, **changes: Any) -> Any:
    """Return a new record of ``obj``'s class with ``changes`` (checked as ``__init__`` does)."""
    for f in _fields(obj):
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def _asdict(obj: Any) -> dict[str, Any]:
    """Return a record as a dict of its fields, records within turned into dicts too and other
    values copied deeply: :func:`dataclasses.asdict` itself, through the record's
    ``__dataclass_fields__`` (it imports :mod:`dataclasses`, which only start-up spares)."""
    import dataclasses

    _fields(obj)  # a TypeError for what is not a record
    return dataclasses.asdict(obj)


# The methods every record shares: they read the class's field tuple.


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    fields: tuple[_Field, ...] = getattr(cls, _FIELDS)
    if len(args) > len(fields):
        raise TypeError(
            f"{cls.__qualname__}.__init__() takes {len(fields) + 1} positional arguments but "
            f"{len(args) + 1} were given"
        )
    setter = object.__setattr__
    missing = []
    for i, f in enumerate(fields):
        if i < len(args):
            if f.name in kwargs:
                raise TypeError(
                    f"{cls.__qualname__}.__init__() got multiple values for argument {f.name!r}"
                )
            setter(self, f.name, args[i])
        elif f.name in kwargs:
            setter(self, f.name, kwargs.pop(f.name))
        elif f.default is not _MISSING:
            setter(self, f.name, f.default)
        elif f.default_factory is not _MISSING:
            setter(self, f.name, f.default_factory())
        else:
            missing.append(f.name)
    if kwargs or missing:
        raise _arguments_error(cls, kwargs, missing)
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _arguments_error(cls: type, unexpected: dict[str, Any], missing: list[str]) -> TypeError:
    """The TypeError of a call with an unknown keyword or without a required argument."""
    if unexpected:
        name = next(iter(unexpected))
        return TypeError(
            f"{cls.__qualname__}.__init__() got an unexpected keyword argument {name!r}"
        )
    names = " and ".join(repr(name) for name in missing)
    return TypeError(
        f"{cls.__qualname__}.__init__() missing {len(missing)} required argument"
        f"{'s' if len(missing) > 1 else ''}: {names}"
    )


def _repr(self: Any) -> str:
    shown = ", ".join(
        f"{f.name}={getattr(self, f.name)!r}" for f in getattr(self, _FIELDS) if f.repr
    )
    return f"{type(self).__qualname__}({shown})"


def _compared(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, f.name) for f in getattr(self, _FIELDS) if f.compare)


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _compared(self) == _compared(other)


def _hash(self: Any) -> int:
    return hash(_compared(self))


def _refuse_setattr(self: Any, name: str, value: object) -> None:
    raise _FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_delattr(self: Any, name: str) -> None:
    raise _FrozenInstanceError(f"cannot delete field {name!r}")


def _declared(cls: type) -> tuple[_Field, ...]:
    """Return the fields of ``cls``: its bases' records' first, then its own annotations (the
    class attribute of a field with a default becomes that default, as with a dataclass)."""
    # the class's own annotations, read as dataclasses does (inspect is what records spare)
    own = cls.__dict__.get("__annotations__", _EMPTY)  # noqa: RUF063
    declared: dict[str, _Field] = {f.name: f for f in getattr(cls, _FIELDS, ())}
    for name, annotation in own.items():
        default = cls.__dict__.get(name, _MISSING)
        f = default if isinstance(default, _Field) else _Field(default)
        f.name, f.type = name, annotation
        if isinstance(default, _Field):
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(
                f"mutable default {type(f.default)} for field {name} is not allowed: "
                "use default_factory"
            )
        declared.pop(name, None)
        declared[name] = f
    fields = tuple(declared.values())
    with_default = False
    for f in fields:
        if f.default is not _MISSING or f.default_factory is not _MISSING:
            with_default = True
        elif with_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    return fields


class _DataclassFields:
    """A record's ``__dataclass_fields__``, made on first use (importing :mod:`dataclasses`
    then, never at start-up): real :class:`dataclasses.Field` objects, so that the functions of
    :mod:`dataclasses` (``fields``, ``replace``, ``asdict``, ``is_dataclass``) work on records as
    on the dataclasses they were, for the callers of the Python API (mypy sees dataclasses)."""

    def __get__(self, instance: object, owner: type) -> dict[str, Any]:
        from nba_ml import compat

        made = {
            f.name: compat.dataclass_field(f.name, f.type, _dataclass_options(f))
            for f in getattr(owner, _FIELDS)
        }
        type.__setattr__(owner, _DATACLASS_FIELDS, made)  # made once per class
        return made


_DATACLASS_FIELDS = "__dataclass_fields__"


def _dataclass_options(f: _Field) -> dict[str, Any]:
    """Return the keywords of :func:`dataclasses.field` that declare ``f``."""
    import dataclasses

    options: dict[str, Any] = {"repr": f.repr, "compare": f.compare, "metadata": f.metadata}
    if f.default is not _MISSING:
        options["default"] = f.default
    if f.default_factory is not _MISSING:
        options["default_factory"] = f.default_factory
    options.setdefault("default", dataclasses.MISSING)
    return options


def _make(cls: type, frozen: bool) -> type:
    fields = _declared(cls)
    setattr(cls, _FIELDS, fields)
    setattr(cls, _DATACLASS_FIELDS, _DataclassFields())
    methods: dict[str, object] = {"__init__": _init, "__repr__": _repr, "__eq__": _eq}
    if frozen:
        methods |= {
            "__hash__": _hash,
            "__setattr__": _refuse_setattr,
            "__delattr__": _refuse_delattr,
        }
    elif "__hash__" not in cls.__dict__:
        methods["__hash__"] = None  # mutable and compared by value: unhashable, as a dataclass
    for name, method in methods.items():
        if name not in cls.__dict__ or (name == "__hash__" and cls.__dict__[name] is None):
            setattr(cls, name, method)
    setattr(cls, "__match_args__", tuple(f.name for f in fields))  # noqa: B010 - mypy refuses the attribute
    return cls


def _record(cls: type | None = None, /, *, frozen: bool = False) -> Any:
    """Make ``cls`` a record (``@record`` or ``@record(frozen=True)``)."""

    def wrap(cls: type) -> type:
        return _make(cls, frozen)

    return wrap if cls is None else wrap(cls)


if TYPE_CHECKING:
    from dataclasses import MISSING as MISSING
    from dataclasses import Field as Field
    from dataclasses import FrozenInstanceError as FrozenInstanceError
    from dataclasses import asdict as asdict
    from dataclasses import dataclass as record
    from dataclasses import field as field
    from dataclasses import fields as fields
    from dataclasses import replace as replace
else:
    MISSING = _MISSING
    Field = _Field
    FrozenInstanceError = _FrozenInstanceError
    asdict = _asdict
    field = _field
    fields = _fields
    record = _record
    replace = _replace
