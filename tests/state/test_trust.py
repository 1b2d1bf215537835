"""The trust rule: nothing is loaded that a less trusted user could have written or swapped.

Loading itself runs no code from a file (skops models, numpy game data: tests/state/
test_modelfile.py); these rules are the second wall, and the planted pickles below never run
whoever owns them."""

from __future__ import annotations

import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nba_ml.errors import ConfigError, DataError, ModelInvalid
from nba_ml.state.datadir import prepare_data_dir
from nba_ml.state.history import history_path, load_history, write_history_payload
from nba_ml.state.install import write_model_set
from nba_ml.state.store import load_model_set, verify_model_set
from nba_ml.state.trust import path_problem, status_problem, trusted_uids
from tests.modelsets import forge_model, make_models

ROOT = Path(__file__).resolve().parents[2]
OTHER_UID = 54321  # no such user on the test machine; any uid that is neither root nor us
AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files to another user")


class Marker:
    """A pickle that, when unpickled, creates a file: proof that it was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.path}",))


def models() -> dict[str, object]:
    return make_models(0)


def install(data_dir: Path) -> dict:
    digest = write_history_payload(data_dir, b"game data")
    return write_model_set(data_dir, models(), {"history_sha256": digest})


def forge(data_dir: Path, marker: Path) -> None:
    """Swap a marker pickle in for the points model and re-hash it into the manifest."""
    forge_model(data_dir, "points", pickle.dumps(Marker(marker)))


def give_away(top: Path, uid: int = OTHER_UID) -> None:
    for path in [top, *top.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def nba_ml(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NBA_ML_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "nba_ml", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ----------------------------------------------------------------------------- the rule


def test_trusted_owners_are_root_me_and_the_named_ones() -> None:
    assert trusted_uids({}) == {0, os.geteuid()}
    assert trusted_uids({"NBA_ML_TRUSTED_OWNER": "root, 4242,77"}) == {0, os.geteuid(), 4242, 77}
    with pytest.raises(ConfigError, match="NBA_ML_TRUSTED_OWNER='nobody-such': no user named"):
        trusted_uids({"NBA_ML_TRUSTED_OWNER": "nobody-such"})
    # An escape is shown escaped once, as every setting's value is (it was '\\x1b[31m').
    with pytest.raises(ConfigError) as raised:
        trusted_uids({"NBA_ML_TRUSTED_OWNER": "\x1b[31m"})
    assert str(raised.value) == ("NBA_ML_TRUSTED_OWNER='\\x1b[31m': no user named '\\x1b[31m'")


@pytest.mark.parametrize("name", ["\u00b2", "\u0661\u0660"])  # '²'; Arabic-Indic '10'
def test_a_trusted_owner_in_other_digits_is_a_user_name_not_a_uid(name: str) -> None:
    # str.isdigit takes both: '²' made int() raise (a traceback and "a bug"), '١٠' became uid 10
    with pytest.raises(ConfigError, match="no user named"):
        trusted_uids({"NBA_ML_TRUSTED_OWNER": name})


def test_status_problem_names_owner_and_write_bits(tmp_path: Path) -> None:
    trusted = {os.geteuid()}
    path = tmp_path / "f"
    path.write_text("")
    for mode, expected in (
        (0o644, None),
        (0o664, "writable by group"),
        (0o646, "writable by other users"),
        (0o666, "writable by group and other users"),
    ):
        path.chmod(mode)
        assert status_problem(os.stat(path), trusted) == expected
    assert status_problem(os.stat(path), {os.geteuid() + 1}) == (
        f"owned by another user (uid {os.geteuid()})"
    )
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    assert status_problem(os.stat(sticky), trusted) == "writable by group and other users"
    assert status_problem(os.stat(sticky), trusted, allow_sticky=True) is None


def test_path_problem_checks_every_parent_and_symlink_targets(tmp_path: Path) -> None:
    trusted = trusted_uids({})
    data = tmp_path / "a" / "data"
    data.mkdir(parents=True)
    assert path_problem(data, trusted, top=data) is None
    (tmp_path / "a").chmod(0o777)
    assert path_problem(data, trusted, top=data) == (
        f"{tmp_path / 'a'} is writable by group and other users"
    )
    (tmp_path / "a").chmod(0o1777)  # sticky parents are accepted, like /tmp
    assert path_problem(data, trusted, top=data) is None
    data.chmod(0o1777)  # ... but never the data directory itself
    assert path_problem(data, trusted, top=data) == f"{data} is writable by group and other users"
    data.chmod(0o750)
    (tmp_path / "a").chmod(0o755)
    unsafe = tmp_path / "unsafe"
    unsafe.mkdir(mode=0o777)
    unsafe.chmod(0o777)
    (unsafe / "real").mkdir()
    link = tmp_path / "link"
    link.symlink_to(unsafe / "real")
    assert path_problem(link, trusted, top=link) == f"{unsafe} is writable by group and other users"


def test_a_symlink_reached_through_another_symlink_is_judged_with_its_directory(
    tmp_path: Path,
) -> None:
    # data -> hop/second -> real: `hop` lies on neither the path as written nor its resolved
    # form, so it went unchecked, and whoever could write it could re-point `second` at will.
    trusted = trusted_uids({})
    (tmp_path / "real" / "data").mkdir(parents=True)
    hop = tmp_path / "hop"
    hop.mkdir()
    (hop / "second").symlink_to(tmp_path / "real")
    (tmp_path / "first").symlink_to(hop / "second")
    data = tmp_path / "first" / "data"
    assert path_problem(data, trusted, top=data) is None
    hop.chmod(0o777)
    assert path_problem(data, trusted, top=data) == f"{hop} is writable by group and other users"
    assert path_problem(data / "models", trusted, top=data) == (
        f"{hop} is writable by group and other users"
    )
    hop.chmod(0o1777)  # a sticky directory on the way to the data directory, like /tmp
    assert path_problem(data, trusted, top=data) is None
    hop.chmod(0o755)
    if os.geteuid() == 0:  # the link itself is judged by its owner (only root can give it away)
        os.chown(hop / "second", OTHER_UID, OTHER_UID, follow_symlinks=False)
        assert path_problem(data, trusted, top=data) == (
            f"{hop / 'second'} is owned by another user (uid {OTHER_UID})"
        )


def test_a_symlink_loop_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to("a")
    assert path_problem(tmp_path / "a" / "data", trusted_uids({})) == (
        f"{tmp_path / 'a' / 'data'} has too many levels of symbolic links"
    )


@AS_ROOT
def test_root_never_unpickles_a_set_in_another_users_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    install(data)
    marker = tmp_path / "marker"
    forge(data, marker)  # a matching sha256: only ownership can tell
    give_away(data)
    for command in (["check", "--full"], ["check", "--full", "--json"]):
        result = nba_ml("--data-dir", str(data), *command)
        assert result.returncode == 1, result.stderr
        assert "owned by another user (uid 54321)" in result.stdout + result.stderr
    with pytest.raises(ModelInvalid, match="owned by another user"):
        load_model_set(data)
    from nba_ml.serving.predictor import load_predictor

    with pytest.raises(ModelInvalid, match="owned by another user"):
        load_predictor(data)
    assert not marker.exists()

    # Naming that owner as trusted lets nba-ml read the set, and still the pickle never runs.
    result = nba_ml(
        "--data-dir", str(data), "check", "--full", env={"NBA_ML_TRUSTED_OWNER": str(OTHER_UID)}
    )
    assert result.returncode == 1, result.stderr
    assert "owned by another user" not in result.stdout + result.stderr
    assert "points: not loadable: not a skops file" in result.stdout + result.stderr
    assert not marker.exists()


def test_a_planted_pickle_never_runs_even_in_a_trusted_set(data_dir: Path) -> None:
    """Our own files, hashes matching: only the format keeps the payload from running."""
    marker = data_dir.parent / "marker"
    install(data_dir)
    forge(data_dir, marker)
    verification = verify_model_set(data_dir, full_load=True)
    assert [str(p) for p in verification.problems] == [
        "points: not loadable: not a skops file (a model saved by an older nba-ml?)"
    ]
    with pytest.raises(ModelInvalid, match="points: not loadable"):
        load_model_set(data_dir)
    digest = write_history_payload(data_dir, pickle.dumps(Marker(marker)))
    with pytest.raises(DataError, match="not a game-data file"):
        load_history(data_dir, digest)
    assert not marker.exists()


@AS_ROOT
def test_a_parent_owned_by_another_user_makes_the_set_untrusted(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = home / "data"
    install(data)
    marker = tmp_path / "marker"
    forge(data, marker)
    os.chown(home, OTHER_UID, OTHER_UID)  # they can rename `data` and put their own in its place
    verification = verify_model_set(data, full_load=True)
    assert not verification.ok
    assert f"{home} is owned by another user (uid {OTHER_UID})" in verification.summary()
    assert not marker.exists()


@AS_ROOT
def test_saved_game_data_of_another_user_is_never_unpickled(tmp_path: Path) -> None:
    data = tmp_path / "data"
    marker = tmp_path / "marker"
    payload = pickle.dumps(Marker(marker))
    digest = write_history_payload(data, payload)
    give_away(data / "history")
    with pytest.raises(DataError, match="owned by another user"):
        load_history(data, digest)
    give_away(data, 0)
    os.chmod(history_path(data, digest), 0o660)
    with pytest.raises(DataError, match="writable by group; it will not be loaded"):
        load_history(data, digest)
    assert not marker.exists()


def test_directories_nba_ml_creates_are_never_world_writable(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "data"
    old = os.umask(0)
    try:
        prepare_data_dir(target)
        install(target)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "new" / "deeper").stat().st_mode) == 0o755
    for directory in (
        target,
        target / "generations",
        target / "history",
        (target / "models").resolve(),
    ):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o750, directory
    for path in target.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert stat.S_IMODE(path.stat().st_mode) == 0o640, path
    assert verify_model_set(target, full_load=True).ok
