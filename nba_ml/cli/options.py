"""Typer options derived from the settings table (:data:`nba_ml.config.SETTINGS`).

Every setting becomes an option with its variable shown in ``--help`` (``envvar=``): those with
``command_option`` on the commands that use them, the others before the command. Values are
passed on as text only when given on the command line; :func:`nba_ml.config.resolve_settings`
reads the variables itself, so its messages name the variable or the flag that was wrong.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from nba_ml.cli import compat
from nba_ml.config import SPECS, SettingSpec


def option(spec: SettingSpec) -> Any:
    """Return the ``Annotated`` type of the option for one setting (text, parsed by config)."""
    return Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional
        typer.Option(
            spec.flag,
            envvar=spec.env,
            show_envvar=True,
            metavar=spec.kind.__name__.upper(),
            help=spec.describe(),
        ),
    ]


def given_on_command_line(name: str, value: Any) -> Any:
    """Return ``value`` when the option ``name`` came from the command line, else None."""
    if value is None:
        return value
    given = compat.from_command_line(name)  # Typer's copy of Click: its private API
    return value if given is None or given else None


def with_setting_options(names: list[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add one option per setting in ``names`` to a Typer callback; the callback receives them
    as ``settings_flags`` (field name -> text, only those given on the command line)."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(function, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "settings_flags"]
        extra = [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option(SPECS[name])
            )
            for name in names
        ]

        @functools.wraps(function)
        def wrapper(**kwargs: Any) -> Any:
            flags = {name: given_on_command_line(name, kwargs.pop(name, None)) for name in names}
            return function(
                **kwargs, settings_flags={k: v for k, v in flags.items() if v is not None}
            )

        wrapper.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {
            **{p.name: p.annotation for p in own},
            **{p.name: p.annotation for p in extra},
        }
        del wrapper.__wrapped__
        return wrapper

    return decorate
