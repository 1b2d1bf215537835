"""``schedule``: a ready crontab file, systemd units (the reference web app's among them), a
Compose file or Kubernetes manifests for the configured daily training."""

from __future__ import annotations

import logging
from pathlib import Path

from nba_ml.config import FROM_ENVIRONMENT, FROM_FLAG, Settings
from nba_ml.errors import UsageError

logger = logging.getLogger(__name__)

# what KIND may be, as the usage error lists
KINDS = ("cron", "cronie", "debian", "systemd", "compose", "kubernetes")
CRON_FILE = "nba-ml"  # the crontab's name in /etc/cron.d
COMPOSE_FILE = "compose.yaml"


def schedule(
    settings: Settings,
    kind: str,
    executable: str,
    *,
    user: str = "nba-ml",
    system_timezone: str = "UTC",
    image: str | None = None,
    output_dir: Path | None = None,
) -> str:
    """Return the text to install for ``kind`` (cron: the shipped crontab, right for cronie and
    Debian's cron alike; cronie or debian: one daemon's form; systemd; compose: compose.yaml;
    kubernetes: the manifests as one stream for ``kubectl apply -f -``) for ``image`` (the
    container forms; default nba-ml:latest); raise UsageError.

    With ``output_dir`` (an existing directory), write each file there instead (``nba-ml``
    for a crontab, as in /etc/cron.d; each unit or manifest under its own name) and return one
    ``wrote PATH`` line for each. A path the systemd units' sandbox hides from the service is
    named in a warning (``deploy.sandbox``).
    """
    from nba_ml.deploy import renderers

    files = render_files(
        settings, kind, executable, user=user, system_timezone=system_timezone, image=image
    )
    if output_dir is not None:
        return "".join(f"wrote {path}\n" for path in write_files(files, output_dir, settings))
    if kind == "systemd":
        return "".join(f"# ---- {name}\n{text}" for name, text in files.items())
    if kind == "kubernetes":
        return "---\n".join(
            f"# ---- {renderers.KUBERNETES_DIR}/{name}\n{text}" for name, text in files.items()
        )
    return next(iter(files.values()))


def render_files(
    settings: Settings,
    kind: str,
    executable: str,
    *,
    user: str = "nba-ml",
    system_timezone: str = "UTC",
    image: str | None = None,
) -> dict[str, str]:
    """Return the files of ``kind`` by name (see :func:`schedule`); raise UsageError."""
    from nba_ml.deploy import renderers
    from nba_ml.deploy.sandbox import sandbox_warnings

    # a deployment's data dir: the one given explicitly, else the system default
    explicit = (
        str(settings.data_dir)
        if settings.sources.get("data_dir") in (FROM_FLAG, FROM_ENVIRONMENT)
        else None
    )
    hour, minute, zone = (
        settings.training_hour,
        settings.training_minute,
        settings.training_timezone,
    )
    if kind in ("cron", "cronie", "debian"):
        return {
            CRON_FILE: renderers.render_crontab(
                executable,
                explicit or renderers.DEFAULT_DATA_DIR,
                user,
                hour,
                minute,
                zone,
                system_timezone,
                flavour="combined" if kind == "cron" else kind,  # type: ignore[arg-type]
            )
        }
    if kind == "systemd":
        units = renderers.render_systemd_units(executable, explicit, user, hour, minute, zone)
        # the reference web app (gunicorn beside the executable), after the ensure unit
        units[renderers.WEB_NAME] = renderers.render_web_unit(executable, explicit, user)
        for warning in sandbox_warnings(executable, explicit):
            logger.warning("%s", warning)
        return units
    if kind == "compose":  # an explicit data directory is bind-mounted instead of a volume
        return {
            COMPOSE_FILE: renderers.render_compose(
                image or renderers.DEFAULT_IMAGE, hour, minute, zone, explicit
            )
        }
    if kind == "kubernetes":  # the volume is mounted where the image keeps its data
        return renderers.render_kubernetes(image or renderers.DEFAULT_IMAGE, hour, minute, zone)
    raise UsageError(
        f"invalid value for KIND: {kind!r}: expected {', '.join(KINDS[:-1])} or {KINDS[-1]}"
    )


def write_files(files: dict[str, str], output_dir: Path, settings: Settings) -> list[Path]:
    """Write ``files`` into the existing directory ``output_dir`` (each a regular file, new or
    replaced, as ``--output`` writes: ``commands.output``); return their paths. Raises
    UsageError for an unusable directory or file, StorageError when one cannot be written."""
    from nba_ml.commands.output import check_output_path
    from nba_ml.errors import StorageError
    from nba_ml.state.files import atomic_write, describe_os_error, safe_text

    if not Path(output_dir).is_dir():
        raise UsageError(
            f"--output-dir {safe_text(str(output_dir))} is not an existing "
            "directory (it is not created)"
        )
    paths = [check_output_path(Path(output_dir) / name, settings.data_dir) for name in files]
    for path, text in zip(paths, files.values(), strict=True):
        try:
            atomic_write(path, text, mode=0o644)
        except OSError as error:
            raise StorageError(
                f"cannot write {safe_text(str(path))}: {describe_os_error(error)}"
            ) from None
    return paths
