"""``schedule``: a ready crontab file or systemd units for the configured daily training (and
the reference web app's unit beside them)."""

from __future__ import annotations

from nba_ml.config import FROM_ENVIRONMENT, FROM_FLAG, Settings
from nba_ml.errors import UsageError

KINDS = ("cron", "cronie", "debian", "systemd")  # what KIND may be, as the usage error lists


def schedule(settings: Settings, kind: str, executable: str, *, user: str = "nba-ml",
             system_timezone: str = "UTC") -> str:
    """Return the text to install for ``kind`` (cron: the shipped crontab, right for cronie and
    Debian's cron alike; cronie or debian: one daemon's form; systemd); raise UsageError."""
    from nba_ml.deploy import schedule as sched

    # a deployment's data dir: the one given explicitly, else the system default
    explicit = (str(settings.data_dir)
                if settings.sources.get("data_dir") in (FROM_FLAG, FROM_ENVIRONMENT) else None)
    if kind in ("cron", "cronie", "debian"):
        return sched.render_crontab(
            executable, explicit or sched.DEFAULT_DATA_DIR, user, settings.training_hour,
            settings.training_minute, settings.training_timezone, system_timezone,
            flavour="combined" if kind == "cron" else kind)  # type: ignore[arg-type]
    if kind == "systemd":
        units = sched.render_systemd_units(
            executable, explicit, user, settings.training_hour, settings.training_minute,
            settings.training_timezone)
        # the reference web app (gunicorn beside the executable), after the ensure unit
        units[sched.WEB_NAME] = sched.render_web_unit(executable, explicit, user)
        return "".join(f"# ---- {name}\n{text}" for name, text in units.items())
    raise UsageError(f"invalid value for KIND: {kind!r}: expected {', '.join(KINDS[:-1])} or "
                     f"{KINDS[-1]}")
