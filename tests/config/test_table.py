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


def test_the_collectors_options_have_the_tables_defaults_and_none_of_their_own() -> None:
    import pytest

    from nba_ml.data.upstream import CollectOptions

    options = Settings().collect_options()
    pairs = {
        "timeout": options.timeout,
        "retries": options.retries,
        "request_pause": options.pause,
        "collect_budget": options.budget,
        "connect_timeout": options.connect_timeout,
    }
    assert pairs == {name: table.SPECS[name].default for name in pairs}
    assert options.max_requests == table.SPECS["max_requests"].default
    assert options.proxy is None
    changed = Settings(timeout=7.0, request_pause=0.5, max_requests=9, proxy="http://p:3128")
    assert (changed.collect_options().timeout, changed.collect_options().pause) == (7.0, 0.5)
    assert changed.collect_options().max_requests == 9
    assert changed.collect_options().proxy == "http://p:3128"
    settings_fields = {"timeout", "retries", "pause", "budget", "connect_timeout", "max_requests"}
    defaults = {
        f.name for f in dataclasses.fields(CollectOptions) if f.default is not dataclasses.MISSING
    }
    assert not settings_fields & defaults
    with pytest.raises(TypeError):
        CollectOptions()  # type: ignore[call-arg]
