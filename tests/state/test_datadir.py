"""The data directory: chosen once, refused on one line (exit 2) when it cannot be one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nba_ml.config import resolve_settings
from nba_ml.errors import EXIT_USAGE, ConfigError
from nba_ml.state.datadir import (
    choose_data_dir,
    default_data_dir,
    make_directory,
    prepare_data_dir,
    validate_data_dir,
)
from tests.conftest import drop_permission_override, run_in_child

ROOT = Path(__file__).resolve().parents[2]


def test_precedence_flag_then_variable_then_state_directory_then_xdg(tmp_path: Path) -> None:
    environ = {"NBA_ML_DATA_DIR": str(tmp_path / "env"), "STATE_DIRECTORY": "/var/lib/nba-ml"}
    assert choose_data_dir(tmp_path / "flag", environ) == tmp_path / "flag"
    assert choose_data_dir(None, environ) == tmp_path / "env"
    assert choose_data_dir(None, {"STATE_DIRECTORY": "/var/lib/a:/var/lib/b"}) == Path("/var/lib/a")
    assert default_data_dir({"XDG_DATA_HOME": "/x", "HOME": "/h"}) == Path("/x/nba-ml")
    # A relative XDG_DATA_HOME is ignored (the XDG specification): it would follow the cwd.
    assert default_data_dir({"XDG_DATA_HOME": "rel/x", "HOME": "/h"}) == Path(
        "/h/.local/share/nba-ml"
    )
    assert default_data_dir({"HOME": "/h"}) == Path("/h/.local/share/nba-ml")


def _without_home() -> str:
    os.environ.pop("HOME", None)  # Path.home() reads it
    os.setuid(54321)  # a uid with no passwd entry, as `docker run --user 54321` gives
    try:
        choose_data_dir(None, {})
    except ConfigError as error:
        return str(error)
    return "no error"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can become a uid with no passwd entry")
def test_no_home_directory_is_a_usage_error_naming_the_variable() -> None:
    # Path.home() raised RuntimeError: every command ended "unexpected error ... (a bug)"
    assert run_in_child(_without_home) == (
        "ok",
        (
            "no data directory: HOME is unset and user 54321 has no home directory; set "
            "NBA_ML_DATA_DIR or --data-dir"
        ),
    )
    assert choose_data_dir(None, {"NBA_ML_DATA_DIR": "/srv/nba"}) == Path("/srv/nba")


@pytest.mark.parametrize(
    "flag, environ, message",
    [
        ("", {}, "--data-dir is empty"),
        ("  ", {}, "--data-dir is empty"),
        (None, {"NBA_ML_DATA_DIR": ""}, "NBA_ML_DATA_DIR is set but empty"),
    ],
)
def test_an_empty_data_dir_is_a_usage_error(flag, environ, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message) as raised:
        choose_data_dir(flag, environ)
    assert raised.value.exit_code == EXIT_USAGE
    with pytest.raises(ConfigError, match=message):
        resolve_settings(flag, environ=environ)


def test_an_empty_variable_is_refused_by_every_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBA_ML_")}
    env["NBA_ML_DATA_DIR"] = ""
    for command in (["check"], ["status"], ["train", "--force"]):
        result = subprocess.run(
            [sys.executable, "-m", "nba_ml", *command],
            cwd=tmp_path,
            env=dict(env, PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, (command, result.stderr)
        errors = [line for line in result.stderr.splitlines() if " - ERROR - " in line]
        assert errors and errors[0].endswith(
            "NBA_ML_DATA_DIR is set but empty; unset it or name a directory"
        ), result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_name_over_255_bytes_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a name in it is longer than 255 bytes"):
        validate_data_dir(tmp_path / ("x" * 256))
    with pytest.raises(ConfigError, match="longer than 255 bytes"):
        validate_data_dir(tmp_path / ("é" * 128))  # 256 bytes in UTF-8


def test_a_relative_dir_after_the_cwd_was_deleted_is_a_usage_error(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    code = (
        "import os, sys\n"
        "from nba_ml.errors import ConfigError\n"
        "from nba_ml.state.datadir import validate_data_dir\n"
        "from pathlib import Path\n"
        f"os.chdir({str(gone)!r}); os.rmdir({str(gone)!r})\n"
        "try:\n    validate_data_dir(Path('data'))\n"
        "except ConfigError as error:\n    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.stdout.strip() == (
        "data directory data (the data directory) is relative, and "
        "the current directory no longer exists; give an absolute "
        "path"
    )


def _refused_without_search_permission(path: Path) -> str:
    drop_permission_override()
    try:
        validate_data_dir(path)
    except ConfigError as error:
        return str(error)
    return "accepted"


def test_a_data_dir_under_an_unreadable_parent_is_a_usage_error(tmp_path: Path) -> None:
    import multiprocessing

    parent = tmp_path / "locked"
    (parent / "data").mkdir(parents=True)
    parent.chmod(0)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            message = pool.apply(_refused_without_search_permission, (parent / "data",))
    finally:
        parent.chmod(0o755)
    assert message == (
        f"data directory {parent / 'data'} cannot be used: permission denied (a "
        "directory above it cannot be searched?)"
    )


def test_a_file_in_the_path_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="exists and is not a directory"):
        validate_data_dir(blocker)
    assert validate_data_dir(blocker / "data") == blocker / "data"  # readers: no set there
    with pytest.raises(ConfigError, match=r"cannot create data directory .*: not a directory"):
        prepare_data_dir(blocker / "data")


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770])
def test_a_data_dir_others_may_write_is_refused_before_training(tmp_path: Path, mode: int) -> None:
    # train into a 1777 or 0770 data directory installed, every night, a set that check
    # refuses ("writable by group and other users") and nothing serves; ensure trained anew at
    # every start.
    path = tmp_path / "shared"
    path.mkdir()
    path.chmod(mode)
    with pytest.raises(
        ConfigError,
        match=rf"^data directory {path} cannot hold a model set "
        rf"that may be served: {path} is writable by group",
    ):
        prepare_data_dir(path)
    path.chmod(0o750)
    prepare_data_dir(path)
    below = path / "data"  # a sticky world-writable directory above it is fine, as for /tmp
    path.chmod(0o1777)
    prepare_data_dir(below)


def test_a_newline_in_the_path_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "evil\nname"
    path.write_text("")
    with pytest.raises(ConfigError) as raised:
        validate_data_dir(path)
    assert "\n" not in str(raised.value)


def test_make_directory_sets_modes_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        make_directory(tmp_path / "a" / "b" / "data")
        prepare_data_dir(tmp_path / "x" / "data")
    finally:
        os.umask(old)
    for parent in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "x"):
        assert stat.S_IMODE(parent.stat().st_mode) == 0o755
    for data in (tmp_path / "a" / "b" / "data", tmp_path / "x" / "data"):
        assert stat.S_IMODE(data.stat().st_mode) == 0o750
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o700)
    make_directory(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o700  # an existing directory is left alone


def test_a_dangling_symlink_data_dir_is_named_as_such(tmp_path: Path) -> None:
    # it was "not writable by this user", even to root
    link = tmp_path / "data"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="a dangling link") as caught:
        prepare_data_dir(link)
    assert caught.value.exit_code == EXIT_USAGE and "not writable" not in str(caught.value)
    assert not (tmp_path / "nowhere").exists()  # nothing created through it
    # ensure: no valid set there, so it prepares the data directory before anything else
    result = subprocess.run(
        [sys.executable, "-m", "nba_ml", "--data-dir", str(link), "ensure"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == EXIT_USAGE, result.stderr
    assert result.stderr.count("\n") == 1 and "dangling link" in result.stderr


def test_state_directory_is_systemds_first_directory_or_nothing() -> None:
    from nba_ml.config import FROM_STATE_DIRECTORY, resolve_settings
    from nba_ml.state.datadir import STATE_DIRECTORY_ENV, state_directory

    assert state_directory({STATE_DIRECTORY_ENV: "/var/lib/a:/var/lib/b"}) == "/var/lib/a"
    assert state_directory({STATE_DIRECTORY_ENV: " /var/lib/a "}) == "/var/lib/a"
    assert state_directory({STATE_DIRECTORY_ENV: " "}) == state_directory({}) == ""
    # the data directory and where status says it came from read the variable the same way
    settings = resolve_settings(environ={STATE_DIRECTORY_ENV: "/var/lib/a:/var/lib/b"})
    assert settings.data_dir == Path("/var/lib/a")
    assert settings.sources["data_dir"] == FROM_STATE_DIRECTORY == STATE_DIRECTORY_ENV
    home = resolve_settings(environ={STATE_DIRECTORY_ENV: ":/var/lib/b", "HOME": "/home/x"})
    assert home.data_dir == Path("/home/x/.local/share/nba-ml")
    assert home.sources["data_dir"] != FROM_STATE_DIRECTORY
