"""Installed versions of the packages a model set depends on, read cheaply.

``check`` compares the scikit-learn a set was saved with to the installed one on every start of a
web server; reading the ``.dist-info`` directory name spares it the import of
``importlib.metadata`` (and ``email``), which costs more than the check itself.
"""

from __future__ import annotations

import os


def installed_version(distribution: str) -> str | None:
    """Return the installed version of ``distribution``, or None."""
    # A wheel installs <name>-<version>.dist-info (name normalized, PEP 491): reading the
    # directory name spares `check` the import of importlib.metadata (and email) at start-up.
    import sys

    prefix = distribution.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.lower().startswith(prefix) and name.endswith(".dist-info"):
                return name[len(prefix) : -len(".dist-info")]
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
