"""The settings table: one row per setting, and what derives from it."""

from __future__ import annotations

import dataclasses
import math

from nba_ml.config import table
from nba_ml.config.table import SETTINGS, Settings


def test_the_table_is_the_settings_class() -> None:
    fields = [
        f.name for f in dataclasses.fields(Settings) if f.name not in ("sources", "proxy_source")
    ]
    assert [spec.name for spec in SETTINGS] == fields
    assert len({spec.env for spec in SETTINGS}) == len(SETTINGS)
    flagged = [spec for spec in SETTINGS if not spec.env_only]
    assert len({spec.flag for spec in flagged}) == len(flagged)
    for spec in SETTINGS:
        assert spec.env.startswith(("NBA_ML_", "NBA_TRAINING_")), spec.env
        assert spec.help.endswith("."), spec.name
        if spec.kind in (int, float) and spec.default is not None:
            assert spec.low is not None and spec.high is not None, spec.name
            assert spec.low <= spec.default <= spec.high, spec.name
            assert math.isfinite(spec.high)
    assert set(table.ENVIRONMENT_VARIABLES) == {s.env for s in SETTINGS} | set(
        table.OTHER_VARIABLES
    )
    assert all(f"`{spec.env}`" in table.environment_table() for spec in SETTINGS)
