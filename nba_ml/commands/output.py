"""Where ``--output`` may write: a regular file (new or replaced) in an existing directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nba_ml.errors import UsageError


def check_output_path(path: Path, data_dir: Path | None = None) -> Path:
    """Return ``path`` when a file may be written there; raise UsageError otherwise.

    The parent directory must exist (it is never created); an existing entry must be a regular
    file or a symbolic link (which is replaced as a link, never followed), not a directory, a
    FIFO, a device or a socket; and it must not be inside ``data_dir`` (symbolic links such as
    ``models`` resolved), where only nba-ml writes: a report in ``models/`` made every later
    training refuse to run, a CSV over ``models/manifest.json`` broke the installed set.
    """
    from nba_ml.state.files import describe_os_error, safe_text

    shown = safe_text(str(path))
    if not path.name or path.name in (".", ".."):
        raise UsageError(f"--output {shown} is not a file name")
    parent = path.parent
    try:
        parent_mode = os.stat(parent).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise UsageError(
            f"--output {shown}: directory {safe_text(str(parent))} does not "
            "exist (it is not created)"
        ) from None
    except OSError as error:
        raise UsageError(f"--output {shown}: {describe_os_error(error)}") from None
    if not stat.S_ISDIR(parent_mode):
        raise UsageError(f"--output {shown}: {safe_text(str(parent))} is not a directory")
    if data_dir is not None:
        home = Path(os.path.realpath(data_dir))
        where = Path(os.path.realpath(parent)) / path.name
        if where == home or home in where.parents:
            raise UsageError(
                f"--output {shown} is inside the data directory "
                f"{safe_text(str(data_dir))}, where only nba-ml writes; write it "
                "elsewhere"
            )
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as error:
        raise UsageError(f"--output {shown}: {describe_os_error(error)}") from None
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return path
    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a FIFO"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise UsageError(f"--output {shown} is {kind}; only a regular file is written")
