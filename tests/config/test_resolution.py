"""Resolving the settings table: precedence, parsing, ranges, where each value came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from nba_ml.config import SETTINGS, resolution, resolve_settings
from nba_ml.errors import ConfigError

HOME = {"HOME": "/home/someone"}


def test_data_dir_precedence_flag_env_state_directory_xdg_home(tmp_path: Path) -> None:
    env = {
        **HOME,
        "XDG_DATA_HOME": "/xdg",
        "STATE_DIRECTORY": "/var/lib/a:/var/lib/b",
        "NBA_ML_DATA_DIR": str(tmp_path / "env"),
    }
    flag = resolve_settings(tmp_path / "flag", environ=env)
    assert (flag.data_dir, flag.sources["data_dir"]) == (tmp_path / "flag", resolution.FROM_FLAG)
    chosen = resolve_settings(None, environ=env)
    assert (chosen.data_dir, chosen.sources["data_dir"]) == (
        tmp_path / "env",
        resolution.FROM_ENVIRONMENT,
    )
    del env["NBA_ML_DATA_DIR"]
    state = resolve_settings(None, environ=env)
    assert (state.data_dir, state.sources["data_dir"]) == (
        Path("/var/lib/a"),
        resolution.FROM_STATE_DIRECTORY,
    )
    del env["STATE_DIRECTORY"]
    assert resolve_settings(None, environ=env).data_dir == Path("/xdg/nba-ml")
    for xdg in ("relative/xdg", None):  # a relative XDG_DATA_HOME is ignored, as unset
        if xdg is None:
            del env["XDG_DATA_HOME"]
        else:
            env["XDG_DATA_HOME"] = xdg
        home = resolve_settings(None, environ=env)
        assert home.data_dir == Path("/home/someone/.local/share/nba-ml")
        assert home.sources["data_dir"] == resolution.FROM_HOME


def test_empty_values_count_as_unset_but_an_empty_data_dir_is_an_error() -> None:
    env = {**HOME, "STATE_DIRECTORY": "", "NBA_ML_TIMEOUT": ""}
    settings = resolve_settings(None, environ=env)
    assert settings.data_dir == Path("/home/someone/.local/share/nba-ml")
    assert settings.timeout == 30.0
    with pytest.raises(ConfigError, match="--data-dir is empty"):
        resolve_settings("", environ=env)
    # an empty data directory would mean the current one, whose models/ nba-ml did not write
    with pytest.raises(ConfigError, match="NBA_ML_DATA_DIR is set but empty"):
        resolve_settings(None, environ={**env, "NBA_ML_DATA_DIR": "  "})


def test_flag_beats_variable_beats_default_for_every_setting(tmp_path: Path) -> None:
    for spec in SETTINGS:
        if spec.name == "data_dir":
            continue
        samples = {
            int: ("3", "2"),
            float: ("3.5", "2.5"),
            Path: ("/flag/x", "/env/x"),
            str: ("Europe/Paris", "Asia/Tokyo"),
        }
        by_name = {
            "proxy": ("http://flag.example:3128", "http://env.example:3128"),
            "trusted_owner": ("root", "0"),
        }
        flag_value, env_value = by_name.get(spec.name, samples[spec.kind])
        env = {spec.env: env_value}
        from_env = resolve_settings(tmp_path, environ=env)
        assert getattr(from_env, spec.name) == spec.kind(env_value)
        assert from_env.sources[spec.name] == resolution.FROM_ENVIRONMENT
        if spec.env_only:
            continue
        from_flag = resolve_settings(tmp_path, environ=env, **{spec.name: flag_value})
        assert from_flag.sources[spec.name] == resolution.FROM_FLAG
        assert getattr(from_flag, spec.name) == spec.kind(flag_value)
        default = resolve_settings(tmp_path, environ={})
        assert getattr(default, spec.name) == spec.default
        assert default.sources[spec.name] == resolution.FROM_DEFAULT


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NBA_ML_WAIT": "nan"}, "NBA_ML_WAIT='nan' is not a number"),
        ({"NBA_ML_WAIT": "inf"}, "NBA_ML_WAIT='inf' is out of range (0 to 86400)"),
        ({"NBA_ML_WAIT": "-1"}, "out of range"),
        ({"NBA_ML_TIMEOUT": "1e999"}, "out of range"),
        ({"NBA_ML_JOBS": "2.5"}, "NBA_ML_JOBS='2.5' is not a whole number"),
        # int() and float() read other scripts' digits and underscores: neither is written here.
        ({"NBA_ML_JOBS": "٣"}, "NBA_ML_JOBS='٣' is not a whole number"),
        ({"NBA_TRAINING_HOUR": "１"}, "NBA_TRAINING_HOUR='１' is not a whole number"),
        ({"NBA_ML_WAIT": "1_0"}, "NBA_ML_WAIT='1_0' is not a number"),
        ({"NBA_ML_TIMEOUT": "٣.5"}, "NBA_ML_TIMEOUT='٣.5' is not a number"),
        ({"NBA_TRAINING_HOUR": "24"}, "NBA_TRAINING_HOUR='24' is out of range (0 to 23)"),
        ({"NBA_TRAINING_TIMEZONE": "America"}, "NBA_TRAINING_TIMEZONE='America' is not a known"),
        ({"NBA_TRAINING_TIMEZONE": "Mars/Olympus"}, "is not a known time zone"),
        ({"NBA_TRAINING_TIMEZONE": "A" * 5000}, "is not a known time zone"),
        ({"NBA_TRAINING_TIMEZONE": "../../etc/passwd"}, "is not a known time zone"),
        ({"NBA_TRAINING_TIMEZONE": "Europe/\nParis"}, "is not a known time zone"),
    ],
)
def test_malformed_values_are_one_line_config_errors(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_settings(tmp_path, environ=env)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 300
    assert raised.value.exit_code == 2


def test_a_flag_error_names_the_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--wait='nan' is not a number$"):
        resolve_settings(tmp_path, environ={"NBA_ML_WAIT": "5"}, wait="nan")


def test_data_dir_that_is_a_file_or_too_long_is_a_config_error(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(ConfigError, match="exists and is not a directory"):
        resolve_settings(file, environ={})
    with pytest.raises(ConfigError, match="a name in it is longer than 255 bytes"):
        resolve_settings(tmp_path / ("x" * 300), environ={})
    with pytest.raises(ConfigError, match="NUL"):
        resolve_settings("/tmp/a\0b", environ={})


def test_effective_settings_list_every_value_and_its_source(tmp_path: Path) -> None:
    settings = resolve_settings(tmp_path, environ={"NBA_ML_JOBS": "2"})
    rows = {
        spec.name: (value, source)
        for spec, value, source in resolution.effective_settings(settings)
    }
    assert rows["jobs"] == (2, resolution.FROM_ENVIRONMENT)
    assert rows["data_dir"] == (tmp_path, resolution.FROM_FLAG)
    assert rows["timeout"] == (30.0, resolution.FROM_DEFAULT)


def test_a_relative_data_dir_after_the_cwd_was_deleted_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(
        ConfigError,
        match=r"data directory data .* the current directory no "
        r"longer exists",
    ):
        resolve_settings("data", environ={})


def test_a_metrics_file_inside_the_data_directory_is_refused(tmp_path: Path) -> None:
    # NBA_ML_METRICS_FILE=<data>/models/nba-ml.prom wrote into the installed generation, and
    # every later `train` refused to run (exit 2, "was not written by nba-ml").
    data = tmp_path / "data"
    (data / "generations" / "g").mkdir(parents=True)
    (data / "models").symlink_to("generations/g")
    for inside in ("models/nba-ml.prom", "generations/g/x.prom", "history/x.prom", "runs.jsonl"):
        with pytest.raises(
            ConfigError,
            match=r"^NBA_ML_METRICS_FILE='.*' is inside the data "
            r"directory .*data, where only nba-ml's own",
        ):
            resolve_settings(data, environ={"NBA_ML_METRICS_FILE": str(data / inside)})
    with pytest.raises(ConfigError, match=r"^--metrics-file="):
        resolve_settings(data, environ={}, metrics_file=str(data / "models" / "m.prom"))
    default = resolve_settings(data, environ={"NBA_ML_METRICS_FILE": str(data / "nba-ml.prom")})
    assert default.metrics_path == data / "nba-ml.prom"
    assert (
        resolve_settings(
            data, environ={"NBA_ML_METRICS_FILE": str(tmp_path / "m.prom")}
        ).metrics_path
        == tmp_path / "m.prom"
    )
