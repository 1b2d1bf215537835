"""cli.options: every setting of the table is an option with its variable shown in --help and
the table's default, and only values given on the command line are passed on as flags (so
config's messages name the variable when the value came from the environment)."""

from __future__ import annotations

import inspect
import json
import typing
from pathlib import Path

import pytest
import typer
from typer.main import get_command

from nba_ml.cli.app import app
from nba_ml.cli.options import (
    given_on_command_line,
    option,
    with_setting_options,
)
from nba_ml.config import SETTINGS, SettingSpec, resolve_settings
from tests.conftest import cli_runner

runner = cli_runner()
WITH_OPTIONS = [spec for spec in SETTINGS if not spec.env_only]
GLOBAL = [spec for spec in WITH_OPTIONS if not spec.command_option]
PER_COMMAND = [spec for spec in WITH_OPTIONS if spec.command_option]
TRAINING_COMMANDS = ("train", "ensure")  # the commands that use wait and proxy

demo = typer.Typer()


@demo.command()
@with_setting_options(["timeout", "seasons", "training_timezone"])
def show(name: str = "x", settings_flags: dict[str, str] | None = None) -> None:
    """Print what the callback received."""
    typer.echo(json.dumps({"name": name, "flags": settings_flags}))


def _flat(text: str) -> str:
    return "".join(text.split())  # --help wraps its lines, at spaces and at hyphens


def _group_params() -> dict[str, typing.Any]:
    return {p.name: p for p in get_command(app).params}


def _command_params(command: str) -> dict[str, typing.Any]:
    return {p.name: p for p in get_command(app).commands[command].params}  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ option(spec)


@pytest.mark.parametrize("spec", WITH_OPTIONS, ids=lambda spec: spec.name)
def test_the_option_of_a_setting_is_its_flag_variable_and_help(spec: SettingSpec) -> None:
    annotated = option(spec)
    base, info = typing.get_args(annotated)
    assert base == typing.Optional[str]  # noqa: UP045 - text, parsed by config
    assert spec.flag in (info.default, *info.param_decls)
    assert (info.envvar, info.show_envvar) == (spec.env, True)
    assert info.metavar == spec.kind.__name__.upper()
    assert info.help == spec.describe() and f"Default: {spec.shown}" in info.help


# ---------------------------------------------------------------------------- in the nba-ml app


def test_every_setting_with_a_flag_is_an_option_of_the_app_once() -> None:
    group = _group_params()
    assert {name for name, p in group.items() if p.envvar} == {s.name for s in GLOBAL}
    for command in get_command(app).commands:  # type: ignore[attr-defined]
        params = _command_params(command) if command != "predict" else {}
        wanted = {s.name for s in PER_COMMAND} if command in TRAINING_COMMANDS else set()
        assert {name for name, p in params.items() if p.envvar} == wanted, command
    for spec in SETTINGS:
        if spec.env_only:
            assert spec.name not in group and spec.flag == ""


@pytest.mark.parametrize("spec", WITH_OPTIONS, ids=lambda spec: spec.name)
def test_each_option_has_its_variable_the_table_s_default_and_the_help(spec: SettingSpec) -> None:
    places = (
        [_group_params()]
        if not spec.command_option
        else [_command_params(command) for command in TRAINING_COMMANDS]
    )
    for params in places:
        param = params[spec.name]
        assert param.opts == [spec.flag]
        assert (param.envvar, param.show_envvar) == (spec.env, True)
        assert param.default is None  # absent unless given: config applies the table's default
        assert param.help == spec.describe()


def test_the_help_shows_every_variable_and_default() -> None:
    text = _flat(runner.invoke(app, ["--help"]).stdout)
    for spec in GLOBAL:
        assert f"[envvar:{spec.env}]" in text
        assert _flat(spec.describe()) in text
    for command in TRAINING_COMMANDS:
        text = _flat(runner.invoke(app, [command, "--help"]).stdout)
        for spec in PER_COMMAND:
            assert f"[envvar:{spec.env}]" in text and _flat(spec.describe()) in text


@pytest.mark.parametrize(
    "spec", [s for s in SETTINGS if s.name not in ("data_dir", "proxy")], ids=lambda spec: spec.name
)
def test_the_default_the_help_shows_is_the_value_used(spec: SettingSpec, tmp_path: Path) -> None:
    value = getattr(resolve_settings(tmp_path, environ={}), spec.name)
    assert value == spec.default
    if spec.shown and spec.default not in (None, ""):
        shown = f"{spec.default:g}" if isinstance(spec.default, float) else str(spec.default)
        assert spec.shown == shown


# ------------------------------------------------------------- with_setting_options and flags


def test_the_wrapped_callback_takes_its_own_parameters_then_one_per_setting() -> None:
    parameters = inspect.signature(show).parameters
    assert list(parameters) == ["name", "timeout", "seasons", "training_timezone"]
    assert [p.kind for p in parameters.values()][1:] == [inspect.Parameter.KEYWORD_ONLY] * 3
    assert all(parameters[name].default is None for name in ("timeout", "seasons"))
    assert not hasattr(show, "__wrapped__")  # Typer must read the new signature, not the old
    assert show.__name__ == "show" and show.__doc__ == "Print what the callback received."


@pytest.mark.parametrize(
    ("args", "env", "flags"),
    [
        ([], {}, {}),
        (["--timeout", "3", "--season-count", "2"], {}, {"timeout": "3", "seasons": "2"}),
        (["--timeout=3.5"], {"NBA_ML_SEASONS": "9"}, {"timeout": "3.5"}),
        ([], {"NBA_ML_TIMEOUT": "3", "NBA_TRAINING_TIMEZONE": "UTC"}, {}),
        (
            ["--training-timezone", "Europe/Paris"],
            {"NBA_TRAINING_TIMEZONE": "UTC"},
            {"training_timezone": "Europe/Paris"},
        ),
    ],
)
def test_only_values_from_the_command_line_are_passed_on(
    args: list[str], env: dict[str, str], flags: dict[str, str]
) -> None:
    result = runner.invoke(demo, [*args, "--name", "n"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"name": "n", "flags": flags}


def test_given_on_command_line_outside_a_command_keeps_the_value() -> None:
    assert given_on_command_line("timeout", "3") == "3"
    assert given_on_command_line("timeout", None) is None


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--timeout", "soon"], {}, "--timeout='soon' is not a number"),
        ([], {"NBA_ML_TIMEOUT": "soon"}, "NBA_ML_TIMEOUT='soon' is not a number"),
        (
            ["--season-count", "0"],
            {"NBA_ML_SEASONS": "4"},
            "--season-count='0' is out of range (1 to 30)",
        ),
        ([], {"NBA_ML_SEASONS": "0"}, "NBA_ML_SEASONS='0' is out of range (1 to 30)"),
    ],
)
def test_a_bad_value_is_named_where_it_came_from(
    args: list[str], env: dict[str, str], named: str, data_dir: Path
) -> None:
    result = runner.invoke(app, [*args, "status"], env=env, catch_exceptions=False)
    assert result.exit_code == 2
    [line] = [line for line in result.stderr.splitlines() if " - ERROR - " in line]
    assert line.endswith(f" - ERROR - {named}")


def test_the_click_typer_runs_on_is_the_one_read(data_dir: Path) -> None:
    """The one reach into Typer's internals: since 0.26 (the declared floor) Typer runs on its
    own copy of Click, typer._click; the click package's context stack would always be empty,
    so no option would ever count as given on the command line."""
    from typer._click.core import Context

    assert issubclass(typer.Context, Context)
    result = runner.invoke(
        app,
        ["--timeout", "3", "status", "--json"],
        env={"NBA_ML_TIMEOUT": "9"},
        catch_exceptions=False,
    )
    timeout = [s for s in json.loads(result.stdout)["settings"] if s["name"] == "timeout"]
    assert timeout == [
        {"name": "timeout", "variable": "NBA_ML_TIMEOUT", "value": "3", "source": "flag"}
    ]
