"""``schedule``: a ready crontab file or systemd units for the configured daily training."""

from __future__ import annotations

import logging
from pathlib import Path

from nba_ml.config import FROM_ENVIRONMENT, FROM_FLAG, Settings
from nba_ml.errors import UsageError

logger = logging.getLogger(__name__)

KINDS = ("cron", "cronie", "debian", "systemd")  # what KIND may be, as the usage error lists


def schedule(settings: Settings, kind: str, executable: str, *, user: str = "nba-ml",
             system_timezone: str = "UTC", output_dir: Path | None = None) -> str:
    """Return the text to install for ``kind`` (cron: the shipped crontab, right for cronie and
    Debian's cron alike; cronie or debian: one daemon's form; systemd); raise UsageError.

    With ``output_dir`` (an existing directory), write each file there instead (``nba-ml``
    for a crontab, as in /etc/cron.d; each unit under its own name) and return one
    ``wrote PATH`` line for each. A path the systemd units' sandbox hides from the service is
    named in a warning (``deploy.sandbox``).
    """
    files = render_files(settings, kind, executable, user=user,
                         system_timezone=system_timezone)
    if output_dir is None:
        if kind != "systemd":
            return files[CRON_FILE]
        return "".join(f"# ---- {name}\n{text}" for name, text in files.items())
    return "".join(f"wrote {path}\n" for path in write_files(files, output_dir, settings))


CRON_FILE = "nba-ml"  # the crontab's name in /etc/cron.d


def render_files(settings: Settings, kind: str, executable: str, *, user: str = "nba-ml",
                 system_timezone: str = "UTC") -> dict[str, str]:
    """Return the files of ``kind`` by name (see :func:`schedule`); raise UsageError."""
    from nba_ml.deploy import schedule as sched
    from nba_ml.deploy.sandbox import sandbox_warnings

    # a deployment's data dir: the one given explicitly, else the system default
    explicit = (str(settings.data_dir)
                if settings.sources.get("data_dir") in (FROM_FLAG, FROM_ENVIRONMENT) else None)
    if kind in ("cron", "cronie", "debian"):
        return {CRON_FILE: sched.render_crontab(
            executable, explicit or sched.DEFAULT_DATA_DIR, user, settings.training_hour,
            settings.training_minute, settings.training_timezone, system_timezone,
            flavour="combined" if kind == "cron" else kind)}  # type: ignore[arg-type]
    if kind == "systemd":
        units = sched.render_systemd_units(
            executable, explicit, user, settings.training_hour, settings.training_minute,
            settings.training_timezone)
        for warning in sandbox_warnings(executable, explicit):
            logger.warning("%s", warning)
        return units
    raise UsageError(f"invalid value for KIND: {kind!r}: expected {', '.join(KINDS[:-1])} or "
                     f"{KINDS[-1]}")


def write_files(files: dict[str, str], output_dir: Path, settings: Settings) -> list[Path]:
    """Write ``files`` into the existing directory ``output_dir`` (each a regular file, new or
    replaced, as ``--output`` writes: ``commands.output``); return their paths. Raises
    UsageError for an unusable directory or file, StorageError when one cannot be written."""
    from nba_ml.commands.output import check_output_path
    from nba_ml.errors import StorageError
    from nba_ml.state.files import atomic_write, describe_os_error, safe_text

    if not Path(output_dir).is_dir():
        raise UsageError(f"--output-dir {safe_text(str(output_dir))} is not an existing "
                         "directory (it is not created)")
    paths = [check_output_path(Path(output_dir) / name, settings.data_dir) for name in files]
    for path, text in zip(paths, files.values(), strict=True):
        try:
            atomic_write(path, text, mode=0o644)
        except OSError as error:
            raise StorageError(f"cannot write {safe_text(str(path))}: "
                               f"{describe_os_error(error)}") from None
    return paths
