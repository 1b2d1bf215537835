"""Settings: one table (:mod:`nba_ml.config.table`), resolved once per command as flag >
environment variable > default (:mod:`nba_ml.config.resolution`). Import from here."""

from __future__ import annotations

from nba_ml.config.resolution import (
    FROM_DEFAULT,
    FROM_ENVIRONMENT,
    FROM_FLAG,
    FROM_HOME,
    FROM_STATE_DIRECTORY,
    FROM_XDG,
    effective_settings,
    resolve_settings,
)
from nba_ml.config.table import (
    ENVIRONMENT_VARIABLES,
    OTHER_VARIABLES,
    SETTINGS,
    SPECS,
    Settings,
    SettingSpec,
    environment_table,
)
from nba_ml.state.datadir import default_data_dir, prepare_data_dir

__all__ = [
    "ENVIRONMENT_VARIABLES",
    "FROM_DEFAULT",
    "FROM_ENVIRONMENT",
    "FROM_FLAG",
    "FROM_HOME",
    "FROM_STATE_DIRECTORY",
    "FROM_XDG",
    "OTHER_VARIABLES",
    "SETTINGS",
    "SPECS",
    "SettingSpec",
    "Settings",
    "default_data_dir",
    "effective_settings",
    "environment_table",
    "prepare_data_dir",
    "resolve_settings",
]
