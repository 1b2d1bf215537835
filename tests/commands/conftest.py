"""Fixtures of the commands tests: a model set trained once on small synthetic seasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synthetic import write_seasons


@pytest.fixture(scope="session")
def synthetic_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding a set trained in-process on one round of two synthetic seasons
    (no ../shared; read-only use: copy it with copy_data_dir to change it). The players are
    "Player <TEAM> <n>" of the teams in tests.synthetic.TEAM_CODES."""
    from nba_ml.commands.train import train
    from nba_ml.config import resolve_settings

    root = tmp_path_factory.mktemp("synthetic-set")
    source = write_seasons(root / "logs", rounds=1)
    settings = resolve_settings(root / "data", environ={"NBA_ML_JOBS": "1"})
    result = train(settings, force=True, source=source)
    assert result.outcome == "trained", result.message
    return settings.data_dir
