"""``schedule``: a ready crontab file, systemd units (the reference web app's among them), a
Compose file or Kubernetes manifests for the configured daily training."""

from __future__ import annotations

from nba_ml.config import FROM_ENVIRONMENT, FROM_FLAG, Settings
from nba_ml.errors import UsageError

# what KIND may be, as the usage error lists
KINDS = ("cron", "cronie", "debian", "systemd", "compose", "kubernetes")


def schedule(settings: Settings, kind: str, executable: str, *, user: str = "nba-ml",
             system_timezone: str = "UTC", image: str | None = None) -> str:
    """Return the text to install for ``kind`` (cron: the shipped crontab, right for cronie and
    Debian's cron alike; cronie or debian: one daemon's form; systemd; compose: compose.yaml;
    kubernetes: the manifests as one stream for ``kubectl apply -f -``) for ``image`` (the
    container forms; default nba-ml:latest); raise UsageError."""
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
    hour, minute, zone = (settings.training_hour, settings.training_minute,
                          settings.training_timezone)
    if kind == "compose":  # an explicit data directory is bind-mounted instead of a volume
        return sched.render_compose(image or sched.DEFAULT_IMAGE, hour, minute, zone, explicit)
    if kind == "kubernetes":  # the volume is mounted where the image keeps its data
        files = sched.render_kubernetes(image or sched.DEFAULT_IMAGE, hour, minute, zone)
        return "---\n".join(f"# ---- {sched.KUBERNETES_DIR}/{name}\n{text}"
                             for name, text in files.items())
    raise UsageError(f"invalid value for KIND: {kind!r}: expected {', '.join(KINDS[:-1])} or "
                     f"{KINDS[-1]}")
