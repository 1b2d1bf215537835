"""Paths the rendered units' sandbox hides from the service, found before the units are
installed.

The train and ensure services run with ``ProtectHome=yes`` (/home, /root and /run/user are
empty to the service) and ``PrivateTmp=yes`` (the service gets its own empty /tmp and
/var/tmp). An ``ExecStart=`` under /home, or a data directory there or under /tmp, renders
fine and then fails at every start (``status=203/EXEC``, or training into a directory no one
else sees). :func:`sandbox_warnings` names each such path and what to do instead.
"""

from __future__ import annotations

import posixpath

from nba_ml.deploy.names import DEFAULT_DATA_DIR

# (directories, the directive that hides them)
_HIDDEN: tuple[tuple[tuple[str, ...], str], ...] = (
    (("/home", "/root", "/run/user"), "ProtectHome=yes"),
    (("/tmp", "/var/tmp"), "PrivateTmp=yes"),  # noqa: S108 - the paths it hides
)


def _hidden_by(path: str) -> tuple[str, str] | None:
    """Return (the hidden directory, the directive) when ``path`` lies under one."""
    normal = posixpath.normpath(path)
    for tops, directive in _HIDDEN:
        for top in tops:
            if normal == top or normal.startswith(top + "/"):
                return top, directive
    return None


def sandbox_warnings(executable: str, data_dir: str | None) -> list[str]:
    """Return one line for each of ``executable`` and ``data_dir`` (None: the default
    /var/lib/nba-ml) that the units' sandbox hides from the service."""
    warnings = []
    hidden = _hidden_by(executable)
    if hidden is not None:
        top, directive = hidden
        warnings.append(
            f"ExecStart={executable} is under {top}, which {directive} in the units hides from "
            "the service: it will fail to start (status=203/EXEC); install nba-ml outside it "
            "(e.g. python3 -m venv /opt/nba-ml) and pass --executable"
        )
    hidden = _hidden_by(data_dir or DEFAULT_DATA_DIR)
    if hidden is not None:
        top, directive = hidden
        warnings.append(
            f"the data directory {data_dir} is under {top}, which {directive} in the units "
            "hides from the service (it would train into a directory nothing else sees, or "
            f"fail to start); use {DEFAULT_DATA_DIR} (the default) or another directory"
        )
    return warnings
