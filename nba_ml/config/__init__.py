"""Settings: the table (:mod:`nba_ml.config.table`), resolved once per command as flag >
environment variable > default. Import from here; the modules below say where each part lives."""

from __future__ import annotations

from nba_ml.config.table import (
    ENVIRONMENT_VARIABLES,
    FROM_DEFAULT,
    FROM_ENVIRONMENT,
    FROM_FLAG,
    FROM_HOME,
    FROM_STATE_DIRECTORY,
    FROM_XDG,
    OTHER_VARIABLES,
    SETTINGS,
    SPECS,
    Settings,
    SettingSpec,
    default_data_dir,
    effective_settings,
    environment_table,
    prepare_data_dir,
    resolve_settings,
)

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
