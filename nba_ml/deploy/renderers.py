"""The deploy package's public face: the schedule arithmetic, the renderers and the shipped files.

The work lives in :mod:`nba_ml.deploy.clock` (next run across DST, the ``--scheduled`` guard),
:mod:`nba_ml.deploy.cron` (the crontab), :mod:`nba_ml.deploy.units` (systemd units and
drop-ins), :mod:`nba_ml.deploy.web` (the web server's unit), :mod:`nba_ml.deploy.containers`
(Compose) and :mod:`nba_ml.deploy.kubernetes`; this module re-exports them for
``nba-ml schedule`` and deploy/README's examples, and says which rendering each file under
deploy/ is. Standard library only.
"""

from __future__ import annotations

from nba_ml.deploy.alerts import render_alert_unit
from nba_ml.deploy.clock import (
    DEFAULT_HOUR,
    DEFAULT_MINUTE,
    DEFAULT_TIMEZONE,
    cron_utc_hours,
    is_scheduled_hour,
    next_run,
)
from nba_ml.deploy.containers import COMPOSE_NAME, DEFAULT_IMAGE, render_compose
from nba_ml.deploy.cron import FLAVOURS, Flavour, render_crontab
from nba_ml.deploy.kubernetes import KUBERNETES_DIR, render_kubernetes
from nba_ml.deploy.names import (
    ALERT_NAME,
    DEFAULT_DATA_DIR,
    DEFAULT_EXECUTABLE,
    DEFAULT_USER,
    DROPIN_NAME,
    ENSURE_NAME,
    OWNER_DROPIN_NAME,
    SERVICE_NAME,
    TIMER_NAME,
)
from nba_ml.deploy.units import (
    ENSURE_TIMEOUT,
    OWNER_START_TIMEOUT,
    render_owner_dropin,
    render_systemd_units,
    render_webserver_dropin,
)
from nba_ml.deploy.web import WEB_NAME, render_web_unit

__all__ = [
    "ALERT_NAME",
    "COMPOSE_NAME",
    "DEFAULT_DATA_DIR",
    "DEFAULT_EXECUTABLE",
    "DEFAULT_HOUR",
    "DEFAULT_IMAGE",
    "DEFAULT_MINUTE",
    "DEFAULT_TIMEZONE",
    "DEFAULT_USER",
    "DROPIN_NAME",
    "ENSURE_NAME",
    "ENSURE_TIMEOUT",
    "FLAVOURS",
    "KUBERNETES_DIR",
    "OWNER_DROPIN_NAME",
    "OWNER_START_TIMEOUT",
    "SERVICE_NAME",
    "TIMER_NAME",
    "WEB_NAME",
    "Flavour",
    "cron_utc_hours",
    "default_deploy_files",
    "is_scheduled_hour",
    "next_run",
    "render_alert_unit",
    "render_compose",
    "render_crontab",
    "render_kubernetes",
    "render_owner_dropin",
    "render_systemd_units",
    "render_web_unit",
    "render_webserver_dropin",
]


def default_deploy_files() -> dict[str, str]:
    """Return the shipped files under deploy/, by path relative to it, rendered for defaults."""
    units = render_systemd_units()
    return {
        "crontab": render_crontab(),
        **{f"systemd/{name}": text for name, text in units.items()},
        f"systemd/{DROPIN_NAME}": render_webserver_dropin(),
        f"systemd/{OWNER_DROPIN_NAME}": render_owner_dropin(),
        f"systemd/{WEB_NAME}": render_web_unit(),
        COMPOSE_NAME: render_compose(),
        **{f"{KUBERNETES_DIR}/{name}": text for name, text in render_kubernetes().items()},
    }
