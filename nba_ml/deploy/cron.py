"""The /etc/cron.d file that runs the daily training, in three flavours.

cron daemons disagree about time zones: cronie (RHEL, Fedora, Arch) reads the entries that
follow a ``CRON_TZ=`` line in that zone, Debian's and Ubuntu's cron ignore ``CRON_TZ`` and read
every entry in the daemon's own zone. Every entry runs ``train --force --scheduled``, and the
``--scheduled`` guard (:func:`nba_ml.deploy.clock.is_scheduled_hour`) lets a start through only
in the training hour, so an entry that fires at the wrong hour does nothing.

- ``combined`` (shipped): ``CRON_TZ=<zone>`` with the design's ``<minute> <hour> * * *`` entry,
  followed by the system-zone entries of the ``debian`` flavour minus the one at ``<hour>``.
  Under cronie the first entry fires in the training hour and the others at other hours of the
  training zone (the guard skips them). Under Debian every entry fires in the system zone: the
  first one trains on the days when the training time falls at ``<hour>`` there too (the system
  zone keeps the training zone's offset), a system-zone entry on all other days.
- ``debian``: the system-zone entries only (portable to any cron).
- ``cronie``: the ``CRON_TZ`` entry only.
"""

from __future__ import annotations

from typing import Literal

from nba_ml.deploy.clock import (
    DEFAULT_HOUR,
    DEFAULT_MINUTE,
    DEFAULT_TIMEZONE,
    check_time,
    hour_clear_of_dst,
    system_times,
    zone_info,
)
from nba_ml.deploy.names import (
    DEFAULT_DATA_DIR,
    DEFAULT_EXECUTABLE,
    DEFAULT_USER,
    check_command,
    check_user,
)
from nba_ml.errors import ConfigError

Flavour = Literal["combined", "cronie", "debian"]
FLAVOURS: tuple[Flavour, ...] = ("combined", "cronie", "debian")

_HEADER = """\
# /etc/cron.d/nba-ml: retrain the nba-ml models once a day at {at}.
# Rendered by nba_ml.deploy.cron.render_crontab (flavour "{flavour}"); see deploy/README.md.
# Install as root: install -m 0644 -o root -g root crontab /etc/cron.d/nba-ml
# (Debian's cron skips /etc/cron.d files whose names contain a dot).
#
# --scheduled makes nba-ml exit 0 without training unless it is {hour:02d}:xx in {timezone},
# so a job started at the wrong hour does nothing. Output goes to syslog / the journal with the
# tag nba-ml (journalctl -t nba-ml, or grep nba-ml /var/log/syslog): cron ignores exit codes
# and mails output only where an MTA exists, while `nba-ml status` shows the last run's outcome.
# The NBA_TRAINING_* lines tell --scheduled the time the entries below stand for.
#
"""

_COMBINED = """\
# combined flavour, for cronie and Debian/Ubuntu cron alike. cronie honours CRON_TZ and reads
# every entry below in {timezone}: the first starts the job at {hour:02d}:{minute:02d} there,
# the others at hour {other_hours}, where --scheduled skips them. Debian/Ubuntu cron ignores
# CRON_TZ and reads every entry in its own time zone ({system_timezone}), where {at}
# falls at hour {hours} over the year (daylight saving time): --scheduled skips every start
# outside {hour:02d}:xx {timezone}, and exactly one start a day falls inside it (the
# system-zone entry at hour {hour} is left out: the first entry fires then).
# tests/deploy/test_cron.py walks a year of both semantics and counts one training a day.
"""

_CRONIE = """\
# cronie flavour (RHEL, Fedora, Arch): CRON_TZ makes cronie read the times below in
# {timezone}. Debian/Ubuntu cron ignores CRON_TZ and would start the job at {hour:02d}:{minute:02d}
# in its own time zone, where --scheduled skips it: use the combined or debian flavour there.
"""

_DEBIAN = """\
# debian flavour, portable to any cron: Debian/Ubuntu cron ignores CRON_TZ and reads the times
# below in the cron daemon's own time zone ({system_timezone}). Over the year {at}
# falls at hour {hours} there (daylight saving time), so the job starts at each of those hours
# and --scheduled lets exactly one of them train each day. The combined flavour (the shipped
# file) adds the CRON_TZ form for cronie.
"""


def _system_entry(
    hour: int, minute: int, timezone: str, system_timezone: str
) -> tuple[int, list[int]]:
    """Return the (minute, hours) of ``system_timezone`` at which the daily run can fall."""
    times = system_times(hour, minute, timezone, system_timezone, None)
    minutes = {m for _, m in times}
    if len(minutes) != 1:
        raise ConfigError(
            f"{timezone} and {system_timezone} are not a whole number of hours apart all"
            " year; use the cronie flavour or the systemd timer"
        )
    return minutes.pop(), sorted({h for h, _ in times})


def _combined_hours(
    hour: int, minute: int, timezone: str, system_minute: int, hours: list[int]
) -> list[int]:
    """Return the system-zone hours the combined flavour adds to its CRON_TZ entry.

    The entry at ``hour`` itself is left out: read in the training zone (cronie) it would start
    a second training beside the CRON_TZ entry, and read in the system zone (Debian) the CRON_TZ
    entry already fires at that very minute. Raises ConfigError where that reasoning fails: a
    system zone off the training zone's minute grid, or a training hour next to a DST change.
    """
    if system_minute != minute:
        raise ConfigError(
            f"the combined crontab needs a cron daemon zone a whole number of hours from"
            f" {timezone}; use the debian or cronie flavour"
        )
    if not hour_clear_of_dst(hour, timezone):
        raise ConfigError(
            f"{hour:02d}:xx is next to a DST change in {timezone}: the combined crontab could"
            " train twice; use the debian or cronie flavour, or another hour"
        )
    return [h for h in hours if h != hour]


def render_crontab(
    executable: str = DEFAULT_EXECUTABLE,
    data_dir: str | None = DEFAULT_DATA_DIR,
    user: str = DEFAULT_USER,
    hour: int = DEFAULT_HOUR,
    minute: int = DEFAULT_MINUTE,
    timezone: str = DEFAULT_TIMEZONE,
    system_timezone: str = "UTC",
    flavour: Flavour = "combined",
) -> str:
    """Return an /etc/cron.d file that runs ``train --force --scheduled`` once a day.

    ``system_timezone`` is the cron daemon's zone (what Debian's cron reads the entries in).
    See the module docstring for the flavours. Raises ConfigError for an invalid value or a zone
    pair the chosen flavour cannot express.
    """
    check_command(executable, data_dir)
    check_user(user)
    check_time(hour, minute)
    zone_info(timezone)
    zone_info(system_timezone)
    fields: dict[str, object] = {
        "at": f"{hour:02d}:{minute:02d} {timezone}",
        "flavour": flavour,
        "hour": hour,
        "minute": minute,
        "timezone": timezone,
        "system_timezone": system_timezone,
    }
    command = f"{user} {executable} train --force --scheduled 2>&1 | logger -t nba-ml"
    cron_tz_entry = f"{minute} {hour} * * * {command}"
    environment: list[str] = []
    entries: list[str] = []
    if flavour == "cronie":
        explanation = _CRONIE.format(**fields)
        environment.append(f"CRON_TZ={timezone}")
        entries.append(cron_tz_entry)
    elif flavour in ("debian", "combined"):
        system_minute, hours = _system_entry(hour, minute, timezone, system_timezone)
        fields["hours"] = ",".join(str(h) for h in hours)
        if flavour == "debian":
            explanation = _DEBIAN.format(**fields)
        else:
            hours = _combined_hours(hour, minute, timezone, system_minute, hours)
            fields["other_hours"] = ",".join(str(h) for h in hours) or "(none)"
            explanation = _COMBINED.format(**fields)
            environment.append(f"CRON_TZ={timezone}")
            entries.append(cron_tz_entry)
        if hours:
            entries.append(f"{system_minute} {','.join(str(h) for h in hours)} * * * {command}")
    else:
        raise ConfigError(f"cron flavour {flavour!r} is not one of {', '.join(FLAVOURS)}")
    settings = [
        f"NBA_TRAINING_HOUR={hour}",
        f"NBA_TRAINING_MINUTE={minute}",
        f"NBA_TRAINING_TIMEZONE={timezone}",
    ]
    if data_dir is not None:
        settings.append(f"NBA_ML_DATA_DIR={data_dir}")
    lines = [*settings, *environment, *entries]
    return _HEADER.format(**fields) + explanation + "\n" + "\n".join(lines) + "\n"
