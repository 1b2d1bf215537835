"""Resolving the settings table for one command: flag > environment variable > default.

:func:`resolve_settings` reads each row of :mod:`nba_ml.config.table` from its flag or variable
(validated with the row's type, range and check; one :class:`~nba_ml.errors.ConfigError` line
naming the flag or variable otherwise), chooses the data directory (:mod:`nba_ml.state.datadir`)
and the proxy (:mod:`nba_ml.data.proxy`), and records where each value came from;
:func:`effective_settings` lists them as ``status`` shows them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nba_ml.config.table import SETTINGS, SPECS, Settings, SettingSpec
from nba_ml.errors import ConfigError
from nba_ml.state.datadir import (
    DATA_DIR_ENV,
    STATE_DIRECTORY_ENV,
    choose_data_dir,
    state_directory,
    xdg_data_home,
)
from nba_ml.state.layout import METRICS_NAME, DataLayout, shown_path

# Where a value came from, as ``status`` shows it.
FROM_FLAG = "flag"
FROM_ENVIRONMENT = "environment"
FROM_DEFAULT = "default"
FROM_STATE_DIRECTORY = STATE_DIRECTORY_ENV
FROM_XDG = "XDG_DATA_HOME"
FROM_HOME = "home"


def _default_source(environ: Mapping[str, str]) -> str:
    """Return where the default data directory comes from (see state.datadir.default_data_dir)."""
    if state_directory(environ):
        return FROM_STATE_DIRECTORY
    return FROM_XDG if xdg_data_home(environ) else FROM_HOME


def _parse(spec: SettingSpec, where: str, raw: object) -> Any:
    """Return ``raw`` (text from a flag or a variable, or a typed value) as the setting's type;
    raise ConfigError naming ``where`` (``--flag`` or ``VARIABLE``)."""
    from nba_ml.state.files import safe_text

    text = raw if isinstance(raw, str) else str(raw)
    shown = safe_text(repr(text)) if len(text) <= 80 else safe_text(repr(text[:80] + "..."))
    if spec.kind in (int, float):
        return _parse_number(spec, where, text, shown)
    if spec.check is not None:
        try:
            text = spec.check(text.strip())
        except ValueError as error:
            raise ConfigError(f"{where}={shown} {error}") from None
    if spec.kind is Path:
        if not text.strip():
            raise ConfigError(f"{where} is empty: give a path")
        if "\0" in text:
            raise ConfigError(f"{where}={shown} contains a NUL character")
        return Path(text)
    return text


def _parse_number(spec: SettingSpec, where: str, text: str, shown: str) -> int | float:
    """Return ``text`` as the setting's int or float inside its range; raise ConfigError naming
    ``where`` (``shown``: the text as the message quotes it)."""
    noun = "a whole number" if spec.kind is int else "a number"
    if not text.isascii() or "_" in text:  # int() and float() also read '٣' and '1_0'
        raise ConfigError(f"{where}={shown} is not {noun}")
    try:
        value = spec.kind(text.strip())
    except (ValueError, OverflowError):
        raise ConfigError(f"{where}={shown} is not {noun}") from None
    if spec.kind is float and math.isnan(value):
        raise ConfigError(f"{where}={shown} is not a number")
    low = -math.inf if spec.low is None else spec.low
    high = math.inf if spec.high is None else spec.high
    if not low <= value <= high:
        raise ConfigError(f"{where}={shown} is out of range ({low:g} to {high:g})")
    return value


def _check_metrics_file(path: Path, data_dir: Path, where: str) -> None:
    """Refuse a metrics file inside the data directory other than its default place: one in
    ``models/`` (a generation) made every later training refuse to run ("not written by
    nba-ml"), even after the variable was unset."""
    from nba_ml.state.files import safe_text

    home = Path(os.path.realpath(data_dir))
    target = Path(os.path.realpath(path.parent)) / path.name
    if home in target.parents and target != DataLayout(home).metrics:
        raise ConfigError(
            f"{where}={safe_text(repr(str(path)))} is inside the data directory "
            f"{safe_text(str(data_dir))}, where only nba-ml's own files go: unset "
            f"it for {shown_path(METRICS_NAME)}, or name a file elsewhere"
        )


def resolve_settings(
    data_dir: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **flags: object,
) -> Settings:
    """Return Settings from flags (``data_dir``, ``flags`` by field name) > environment > default.

    A flag given as None is absent; an empty variable counts as unset. Raises ConfigError naming
    the flag or variable when a value is malformed or out of range, or when the data directory
    exists and is not a directory.
    """
    from nba_ml.data.proxy import resolve_proxy

    environ = os.environ if environ is None else environ
    unknown = set(flags) - set(SPECS) - {"data_dir"}
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    given = {"data_dir": data_dir, **flags}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for spec in SETTINGS:
        flag = given.get(spec.name)
        if spec.name in ("data_dir", "proxy"):
            continue  # resolved below, by their own rules
        if flag is not None:
            values[spec.name] = _parse(spec, spec.flag, flag)
            sources[spec.name] = FROM_FLAG
        elif environ.get(spec.env, "").strip():
            values[spec.name] = _parse(spec, spec.env, environ[spec.env])
            sources[spec.name] = FROM_ENVIRONMENT
        else:
            sources[spec.name] = FROM_DEFAULT
    if data_dir is not None:
        sources["data_dir"] = FROM_FLAG
    elif DATA_DIR_ENV in environ:
        sources["data_dir"] = FROM_ENVIRONMENT
    else:
        sources["data_dir"] = _default_source(environ)
    # an empty --data-dir or NBA_ML_DATA_DIR is refused (it would mean the current directory)
    values["data_dir"] = choose_data_dir(None if data_dir is None else str(data_dir), environ)
    if values.get("metrics_file") is not None:
        _check_metrics_file(
            values["metrics_file"],
            values["data_dir"],
            SPECS["metrics_file"].flag
            if sources["metrics_file"] == FROM_FLAG
            else SPECS["metrics_file"].env,
        )
    proxy_flag = given.get("proxy")
    values["proxy"], values["proxy_source"] = resolve_proxy(
        None if proxy_flag is None else str(proxy_flag), environ
    )
    sources["proxy"] = (
        FROM_DEFAULT
        if values["proxy_source"] is None
        else FROM_FLAG
        if values["proxy_source"] == "--proxy"
        else FROM_ENVIRONMENT
    )
    return Settings(**values, sources=sources)


def effective_settings(settings: Settings) -> list[tuple[SettingSpec, Any, str]]:
    """Return (row, value, source) for every setting, as ``status`` shows them."""
    rows = []
    for spec in SETTINGS:
        value = getattr(settings, spec.name)
        source = settings.sources.get(spec.name, FROM_DEFAULT)
        if spec.name == "proxy":  # credentials masked; the variable that gave it named
            value, source = settings.proxy_shown, settings.proxy_source or FROM_DEFAULT
        elif spec.secret:
            value = "(hidden)"
        rows.append((spec, value, source))
    return rows
