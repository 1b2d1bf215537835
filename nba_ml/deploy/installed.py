"""Whether the daily training is installed where ``deploy/README.md`` puts it.

``status`` shows when the next run is due; with neither the systemd timer nor the cron file in
place, no run is due at all, and it says so instead of a time nothing will keep.
"""

from __future__ import annotations

import os
from pathlib import Path

from nba_ml.deploy.names import TIMER_NAME

# where the timer and the crontab are installed (deploy/README.md), relative to the root
SCHEDULE_FILES = (
    f"etc/systemd/system/{TIMER_NAME}",
    f"lib/systemd/system/{TIMER_NAME}",
    f"usr/lib/systemd/system/{TIMER_NAME}",
    "etc/cron.d/nba-ml",
)


def installed_schedules(root: Path = Path("/")) -> list[str]:
    """Return the paths of the installed timer and cron files that exist (may be empty)."""
    found = []
    for relative in SCHEDULE_FILES:
        path = Path(root) / relative
        if os.path.lexists(path):
            found.append(str(path))
    return found
