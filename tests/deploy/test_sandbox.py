"""deploy.sandbox: an ExecStart= or a data directory that ProtectHome=yes or PrivateTmp=yes
hides from the service is named, with what to do instead; other paths are not."""

from __future__ import annotations

import pytest

from nba_ml.deploy import sandbox
from nba_ml.deploy.names import DEFAULT_DATA_DIR


@pytest.mark.parametrize(
    "path",
    [
        "/home",
        "/home/ana/x",
        "/root/.local/bin/nba-ml",
        "/run/user/1000/nba",
        "/tmp/x",
        "/var/tmp/nba/../x",
        "/home//ana",
    ],
)
def test_hidden_paths(path: str) -> None:
    assert len(sandbox.sandbox_warnings(path, path)) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/opt/nba-ml/bin/nba-ml",
        "/homes/x",
        "/tmpdata/x",
        "/var/lib/nba-ml",
        "/usr/local/bin/nba-ml",
    ],
)
def test_visible_paths(path: str) -> None:
    assert sandbox.sandbox_warnings(path, path) == []
    assert sandbox.sandbox_warnings(path, None) == []  # the default data directory


def test_the_lines_say_what_to_do() -> None:
    exe, data = sandbox.sandbox_warnings("/home/ana/nba-ml", "/tmp/d")
    assert "ProtectHome=yes" in exe and "--executable" in exe and "203/EXEC" in exe
    assert "PrivateTmp=yes" in data and DEFAULT_DATA_DIR in data
