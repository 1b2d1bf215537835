"""Choosing, validating and creating the data directory.

The data directory comes from ``--data-dir``, else ``NBA_ML_DATA_DIR``, else systemd's
``STATE_DIRECTORY``, else ``$XDG_DATA_HOME/nba-ml`` (``~/.local/share/nba-ml``). An empty value
is a usage error (it would silently mean the current directory). Every problem with the path
itself is a :class:`~nba_ml.errors.ConfigError` (exit 2) on one line. Directories nba-ml creates
get explicit modes, whatever the umask: the data directory 0750, missing parents 0755.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from nba_ml.errors import ConfigError
from nba_ml.state.files import describe_os_error, safe_text
from nba_ml.state.layout import DATA_DIR_MODE, PARENT_DIR_MODE

DATA_DIR_ENV = "NBA_ML_DATA_DIR"
STATE_DIRECTORY_ENV = "STATE_DIRECTORY"  # set by systemd's StateDirectory=
_NAME_MAX = 255


class HasDataDir(Protocol):
    """Anything with a ``data_dir`` (the resolved Settings)."""

    @property
    def data_dir(self) -> Path: ...


def xdg_data_home(environ: Mapping[str, str]) -> str:
    """Return $XDG_DATA_HOME when it is an absolute path, else "" (unset)."""
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    return xdg if xdg.startswith("/") else ""


def state_directory(environ: Mapping[str, str]) -> str:
    """Return systemd's first STATE_DIRECTORY (it lists one per StateDirectory=, colon-separated),
    or "" when it is unset or empty."""
    return environ.get(STATE_DIRECTORY_ENV, "").split(":")[0].strip()


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """Return systemd's first STATE_DIRECTORY, else ``$XDG_DATA_HOME/nba-ml`` or ~/.local/share;
    raise ConfigError when there is no home directory to put it in. A relative XDG_DATA_HOME is
    ignored, as the XDG Base Directory specification says (it would put the data wherever the
    scheduler happens to start nba-ml)."""
    state = state_directory(environ)
    if state:
        return Path(state)
    xdg = xdg_data_home(environ)
    if xdg:
        return Path(xdg) / "nba-ml"
    try:
        home = Path(environ.get("HOME") or Path.home())
    except (RuntimeError, KeyError):  # no HOME, and a uid with no passwd entry (a container)
        raise ConfigError(
            f"no data directory: HOME is unset and user {os.geteuid()} has no "
            f"home directory; set {DATA_DIR_ENV} or --data-dir"
        ) from None
    return home / ".local" / "share" / "nba-ml"


def choose_data_dir(flag: Path | str | None, environ: Mapping[str, str]) -> Path:
    """Return the absolute data directory from the flag > NBA_ML_DATA_DIR > default.

    Raise ConfigError for an empty flag or variable, a component over 255 bytes, a relative
    path when the current directory no longer exists, a path under a directory that cannot be
    searched, or an existing path that is not a directory.
    """
    if flag is not None:
        if isinstance(flag, str) and not flag.strip():
            raise ConfigError(
                "--data-dir is empty; name a directory (an empty value would mean "
                "the current directory)"
            )
        chosen, origin = Path(flag), "--data-dir"
    elif DATA_DIR_ENV in environ:
        if not environ[DATA_DIR_ENV].strip():
            raise ConfigError(f"{DATA_DIR_ENV} is set but empty; unset it or name a directory")
        chosen, origin = Path(environ[DATA_DIR_ENV]), DATA_DIR_ENV
    else:
        chosen, origin = default_data_dir(environ), "the default data directory"
    return validate_data_dir(chosen, origin)


def validate_data_dir(path: Path, origin: str = "the data directory") -> Path:
    """Return ``path`` made absolute after checking it can be a data directory (ConfigError)."""
    absolute = Path(os.path.normpath(_absolute(path, origin)))
    shown = safe_text(str(absolute))
    try:
        info = os.stat(absolute)
    except (FileNotFoundError, NotADirectoryError):
        # Created by the commands that write (prepare_data_dir says why it cannot be); for the
        # commands that read, there is simply no model set there.
        return absolute
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            raise ConfigError(f"data directory {shown[:120]}... is too long a path") from None
        raise ConfigError(
            f"data directory {shown} cannot be used: "
            f"{describe_os_error(error)} (a directory above it cannot be "
            "searched?)"
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"data directory {shown} exists and is not a directory")
    return absolute


def _absolute(path: Path, origin: str) -> Path:
    """Return ``path`` with ``~`` expanded, absolute; raise ConfigError when its text cannot
    name a directory (a NUL, a name too long) or the current directory is gone."""
    shown = safe_text(str(path))
    if "\0" in str(path):
        raise ConfigError(f"data directory {shown} ({origin}) contains a NUL character")
    for part in path.parts:
        if len(os.fsencode(part)) > _NAME_MAX:
            raise ConfigError(
                f"data directory {shown[:120]}... ({origin}): a name in it is "
                f"longer than {_NAME_MAX} bytes"
            )
    try:
        absolute = path.expanduser()
        if not absolute.is_absolute():
            absolute = Path(os.getcwd()) / absolute
    except FileNotFoundError:
        raise ConfigError(
            f"data directory {shown} ({origin}) is relative, and the current "
            "directory no longer exists; give an absolute path"
        ) from None
    except (OSError, RuntimeError) as error:
        detail = describe_os_error(error) if isinstance(error, OSError) else str(error)
        raise ConfigError(f"data directory {shown} ({origin}): {detail}") from None
    return absolute


def make_directory(
    path: Path, mode: int = DATA_DIR_MODE, parent_mode: int = PARENT_DIR_MODE
) -> None:
    """Create ``path`` (and its missing parents) with explicit modes, whatever the umask.

    An existing directory is left as it is. Raise OSError when it cannot be created.
    """
    path = Path(path)
    missing: list[Path] = []
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            break  # a directory (or something else: creating below it then fails clearly)
        missing.append(candidate)
    for directory in reversed(missing):
        wanted = mode if directory == path else parent_mode
        try:
            os.mkdir(directory, wanted)
        except FileExistsError:
            if not os.path.isdir(directory):
                raise
            continue  # made by someone else meanwhile: theirs, not ours to chmod
        os.chmod(directory, wanted)


def prepare_data_dir(target: HasDataDir | Path) -> None:
    """Create the data directory (mode 0750, new parents 0755) and check it is writable and
    trusted (neither it nor a directory above it writable by others, :mod:`nba_ml.state.trust`).

    Raise ConfigError when it cannot be created or written, or is not trusted.
    """
    path = Path(target) if isinstance(target, (str, Path)) else target.data_dir
    shown = safe_text(str(path))
    if path.exists() and not path.is_dir():
        raise ConfigError(f"data directory {shown} exists and is not a directory")
    if path.is_symlink() and not path.exists():  # was "not writable by this user", even to root
        raise ConfigError(
            f"data directory {shown} is a symbolic link to "
            f"{safe_text(os.readlink(path))}, which does not exist (a dangling "
            "link): create its target or give another --data-dir"
        )
    try:
        make_directory(path)
    except OSError as error:
        raise ConfigError(
            f"cannot create data directory {shown}: {describe_os_error(error)}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"data directory {shown} is not writable by this user")
    # A set installed where others could swap files is never loaded (state.trust): training
    # there would install, night after night, models that check refuses and nothing serves.
    from nba_ml.state.trust import path_problem, trusted_uids

    problem = path_problem(path, trusted_uids(), top=path)
    if problem is not None:
        raise ConfigError(
            f"data directory {shown} cannot hold a model set that may be "
            f"served: {problem} (chmod go-w it, or use another --data-dir)"
        )
