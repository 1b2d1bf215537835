"""When the daily training runs, and the cron and systemd files that run it.

Pure functions on the standard library only (``status`` imports this module and must start fast).
Local times follow one rule everywhere: a wall time that occurs twice (autumn) means its first
occurrence, and a wall time that does not exist (spring) means the first instant after the gap.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nba_ml.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_EXECUTABLE = "/opt/nba-ml/.venv/bin/nba-ml"
DEFAULT_DATA_DIR = "/var/lib/nba-ml"
# The static system user (and its group) that runs the jobs and owns the data directory.
DEFAULT_USER = "nba-ml"
DEFAULT_HOUR = 4
DEFAULT_MINUTE = 0
DEFAULT_TIMEZONE = "America/Chicago"
SERVICE_NAME = "nba-ml-train.service"
TIMER_NAME = "nba-ml-train.timer"
ENSURE_NAME = "nba-ml-ensure.service"
DROPIN_NAME = "webserver-ensure.conf"
# How long nba-ml-ensure.service may take when it has to train the first model set.
ENSURE_TIMEOUT = "15min"

Flavour = Literal["cronie", "debian"]

_UTC = dt.timezone.utc
_ONE_HOUR = dt.timedelta(hours=1)
# Paths end up in /bin/sh command lines and systemd unit files: allow only characters that need no
# quoting in either (no spaces, quotes, "%", "$", ";", ...).
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._+/-]*$")
_SAFE_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def _zone(timezone: str) -> ZoneInfo:
    """Return the ZoneInfo for ``timezone``; raise ConfigError when it is unknown."""
    try:
        return ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"time zone {timezone!r} is not a known time zone") from None


def _check_time(hour: int, minute: int = 0) -> None:
    """Raise ConfigError unless ``hour`` is 0-23 and ``minute`` is 0-59."""
    for name, value, high in (("hour", hour, 23), ("minute", minute, 59)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"training {name} {value!r} is not a whole number")
        if not 0 <= value <= high:
            raise ConfigError(f"training {name} {value} is out of range (0 to {high})")


def _check_aware(now: dt.datetime) -> None:
    """Raise ValueError when ``now`` has no time zone (a programming error, not a setting)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _check_path(kind: str, path: str) -> None:
    """Raise ConfigError unless ``path`` is absolute and needs no quoting in a shell or a unit."""
    if not _SAFE_PATH.match(path) or "/../" in f"{path}/" or path == "/":
        raise ConfigError(
            f"{kind} {path!r} must be an absolute path of letters, digits and . _ + - / only"
        )


def _check_user(user: str) -> None:
    """Raise ConfigError unless ``user`` is a plain system user name."""
    if not _SAFE_USER.match(user):
        raise ConfigError(f"user {user!r} is not a valid system user name")


def _wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Return the naive wall-clock time of an aware ``instant`` in ``zone``."""
    return instant.astimezone(_UTC).astimezone(zone).replace(tzinfo=None)  # via UTC: not a no-op


def _resolve(day: dt.date, hour: int, minute: int, zone: ZoneInfo) -> dt.datetime:
    """Return the instant (in ``zone``) that ``hour:minute`` on ``day`` means under the DST rule."""
    wall = dt.datetime.combine(day, dt.time(hour, minute))
    first = wall.replace(tzinfo=zone)  # fold=0: the first occurrence when the time is ambiguous
    if _wall(first, zone) == wall:
        return first
    # The wall time falls in a gap: its two readings (fold 0 and 1) bracket the transition, which
    # is found to the second; wall(low) < wall <= wall(high) holds throughout.
    low, high = sorted(
        int(reading.timestamp()) for reading in (first, wall.replace(tzinfo=zone, fold=1))
    )
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(dt.datetime.fromtimestamp(middle, _UTC), zone) >= wall:
            high = middle
        else:
            low = middle
    return dt.datetime.fromtimestamp(high, zone)


def next_run(
    now: dt.datetime,
    hour: int = DEFAULT_HOUR,
    minute: int = DEFAULT_MINUTE,
    timezone: str = DEFAULT_TIMEZONE,
) -> dt.datetime:
    """Return the first daily run strictly after aware ``now``, aware in ``timezone``.

    Raises ConfigError for an invalid hour, minute or time zone, ValueError for a naive ``now``.
    """
    _check_time(hour, minute)
    zone = _zone(timezone)
    _check_aware(now)
    instant = now.astimezone(_UTC)
    today = now.astimezone(zone).date()
    for days in range(-1, 3):
        candidate = _resolve(today + dt.timedelta(days=days), hour, minute, zone)
        if candidate.astimezone(_UTC) > instant:
            return candidate
    raise AssertionError("unreachable: a later day always has a run")  # pragma: no cover


def is_scheduled_hour(
    now: dt.datetime, hour: int = DEFAULT_HOUR, timezone: str = DEFAULT_TIMEZONE
) -> bool:
    """Return True when aware ``now`` is in the hour from ``hour``:00 local on (the cron guard).

    That hour is today's first ``hour``:00 in ``timezone`` (or the end of a DST gap) plus 60
    minutes, so an hour repeated in autumn passes once and a skipped one still passes once.
    Raises ConfigError for an invalid hour or time zone, ValueError for a naive ``now``.
    """
    _check_time(hour)
    zone = _zone(timezone)
    _check_aware(now)
    instant = now.astimezone(_UTC)
    today = now.astimezone(zone).date()
    for days in (0, -1):
        start = _resolve(today + dt.timedelta(days=days), hour, 0, zone).astimezone(_UTC)
        if start <= instant < start + _ONE_HOUR:
            return True
    return False


def _system_times(
    hour: int, minute: int, timezone: str, system_timezone: str, year: int | None
) -> set[tuple[int, int]]:
    """Return every (hour, minute) of ``system_timezone`` at which the daily run falls."""
    _check_time(hour, minute)
    zone, system_zone = _zone(timezone), _zone(system_timezone)
    first_year = dt.datetime.now(tz=_UTC).year if year is None else year
    day, end = dt.date(first_year, 1, 1), dt.date(first_year + 2, 1, 1)
    times: set[tuple[int, int]] = set()
    while day < end:
        local = _resolve(day, hour, minute, zone).astimezone(system_zone)
        times.add((local.hour, local.minute))
        day += dt.timedelta(days=1)
    return times


def cron_utc_hours(
    hour: int,
    timezone: str,
    system_timezone: str = "UTC",
    *,
    minute: int = 0,
    year: int | None = None,
) -> list[int]:
    """Return the sorted hours of ``system_timezone`` at which ``hour:minute`` local falls.

    Every day of ``year`` and the next (default: the current year) is checked, so both offsets of
    a zone with daylight saving time appear, e.g. 04:00 America/Chicago -> [9, 10] in UTC.
    Raises ConfigError for an invalid hour, minute or time zone.
    """
    return sorted({h for h, _ in _system_times(hour, minute, timezone, system_timezone, year)})


def _check_command(executable: str, data_dir: str | None) -> None:
    """Validate the executable and data directory that a rendered file will name."""
    _check_path("executable", executable)
    if data_dir is not None:
        _check_path("data directory", data_dir)


_CRONTAB_HEADER = """\
# /etc/cron.d/nba-ml: retrain the nba-ml models once a day at {at}.
# Rendered by nba_ml.deploy.schedule.render_crontab (flavour "{flavour}"); see deploy/README.md.
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

_CRONTAB_CRONIE = """\
# cronie flavour (RHEL, Fedora, Arch): CRON_TZ makes cronie read the times below in
# {timezone}. Debian/Ubuntu cron ignores CRON_TZ and would start the job at {hour:02d}:{minute:02d}
# in its own time zone, where --scheduled skips it: use the debian flavour there.
"""

_CRONTAB_DEBIAN = """\
# debian flavour, portable to any cron: Debian/Ubuntu cron ignores CRON_TZ and reads the times
# below in the cron daemon's own time zone ({system_timezone}). Over the year {at}
# falls at hour {hours} there (daylight saving time), so the job starts at each of those hours
# and --scheduled lets exactly one of them train each day. On cronie, the cronie flavour
# (CRON_TZ) is the alternative; never put both forms in one file.
"""


def render_crontab(
    executable: str = DEFAULT_EXECUTABLE,
    data_dir: str | None = DEFAULT_DATA_DIR,
    user: str = DEFAULT_USER,
    hour: int = DEFAULT_HOUR,
    minute: int = DEFAULT_MINUTE,
    timezone: str = DEFAULT_TIMEZONE,
    system_timezone: str = "UTC",
    flavour: Flavour = "debian",
) -> str:
    """Return an /etc/cron.d file that runs ``train --force --scheduled`` once a day.

    ``flavour="debian"`` (portable) starts the job at every hour of ``system_timezone`` (the cron
    daemon's zone) at which the run can fall and lets ``--scheduled`` pass exactly one;
    ``flavour="cronie"`` uses ``CRON_TZ``, which Debian/Ubuntu cron ignores.
    Raises ConfigError for an invalid value or a zone pair the debian flavour cannot express.
    """
    _check_command(executable, data_dir)
    _check_user(user)
    _check_time(hour, minute)
    _zone(timezone)
    fields = {
        "at": f"{hour:02d}:{minute:02d} {timezone}",
        "flavour": flavour,
        "hour": hour,
        "minute": minute,
        "timezone": timezone,
        "system_timezone": system_timezone,
    }
    command = f"{user} {executable} train --force --scheduled 2>&1 | logger -t nba-ml"
    if flavour == "cronie":
        explanation = _CRONTAB_CRONIE.format(**fields)
        environment = [f"CRON_TZ={timezone}"]
        entry = f"{minute} {hour} * * * {command}"
    elif flavour == "debian":
        times = _system_times(hour, minute, timezone, system_timezone, None)
        minutes = {m for _, m in times}
        if len(minutes) != 1:
            raise ConfigError(
                f"{timezone} and {system_timezone} are not a whole number of hours apart all"
                " year; use the cronie flavour or the systemd timer"
            )
        hours = ",".join(str(h) for h in sorted({h for h, _ in times}))
        explanation = _CRONTAB_DEBIAN.format(hours=hours, **fields)
        environment = []
        entry = f"{minutes.pop()} {hours} * * * {command}"
    else:
        raise ConfigError(f"cron flavour {flavour!r} is not 'cronie' or 'debian'")
    environment += [
        f"NBA_TRAINING_HOUR={hour}",
        f"NBA_TRAINING_MINUTE={minute}",
        f"NBA_TRAINING_TIMEZONE={timezone}",
    ]
    if data_dir is not None:
        environment.append(f"NBA_ML_DATA_DIR={data_dir}")
    header = _CRONTAB_HEADER.format(**fields)
    return header + explanation + "\n" + "\n".join([*environment, entry]) + "\n"


_TRAIN_HEAD = """\
# nba-ml-train.service: retrain the nba-ml models (started daily by nba-ml-train.timer).
# Rendered by nba_ml.deploy.schedule.render_systemd_units; see deploy/README.md.
# Check: systemd-analyze verify nba-ml-train.service nba-ml-train.timer
#        systemd-analyze security nba-ml-train.service

[Unit]
Description=Retrain the nba-ml models
Wants=network-online.target
After=network-online.target
# Caps the retries of a temporary failure (below): at most 4 starts in 3 hours.
StartLimitIntervalSec=3h
StartLimitBurst=4

[Service]
Type=oneshot
ExecStart={executable} train --force
# Exit codes: 0 trained, 1 failed, 2 usage error, 3 trained but kept out because the new set
# scored worse, 75 temporary (lock held, stats.nba.com down). 3 is the safety net working, and a
# retry would repeat it: count it as success (drop this line to see it in systemctl --failed).
SuccessExitStatus=3
# Retry 75 after 20 minutes, at most 3 times. systemd refuses RestartForceExitStatus= on
# oneshot units, hence on-failure minus 1 and 2, which wait for the next day and show in
# systemctl --failed; a crash or the timeout is retried too.
Restart=on-failure
RestartPreventExitStatus=1 2
RestartSec=20min
# Collection gives up after NBA_ML_COLLECT_BUDGET (15 min); training takes minutes.
TimeoutStartSec=1h

{identity}

# Yield to interactive work and to a web server on the same host. best-effort 7 rather than
# IOSchedulingClass=idle, which can starve on a busy disk until the timeout kills the run.
Nice=10
CPUWeight=20
IOWeight=20
IOSchedulingClass=best-effort
IOSchedulingPriority=7
# When memory runs out, the kernel should kill this job before a web server.
OOMScoreAdjust=500

"""

_ENSURE_HEAD = """\
# nba-ml-ensure.service: make sure a valid model set exists; `nba-ml ensure` trains only when
# the current set is missing or invalid. A web server's unit orders itself after this one
# (webserver-ensure.conf), so every start of the server runs ensure here first: as {who},
# in the sandbox of the daily training, and without using up the server's own start timeout.
# Rendered by nba_ml.deploy.schedule.render_systemd_units; see deploy/README.md.
# Check: systemd-analyze verify nba-ml-ensure.service
#        systemd-analyze security nba-ml-ensure.service

[Unit]
Description=Make sure valid nba-ml models exist
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart={executable} ensure
# Exit codes: 0 valid (or trained), 1 failed, 3 trained but not promoted, 75 temporary (the daily
# training holds the lock, stats.nba.com down). Each is final: no retry; a failure shows in
# systemctl --failed, and a web server that only Wants= this unit starts with what it has.
# A first ensure collects several seasons and trains, which takes minutes: systemd's default
# start timeout (DefaultTimeoutStartSec=, 90 s) would kill it half way.
TimeoutStartSec={timeout}

{identity}

"""

# The sandbox both services share: a data directory and outbound HTTPS, nothing else.
_SANDBOX = """\
# Sandbox: the job needs its data directory and outbound HTTPS to stats.nba.com, nothing else.
CapabilityBoundingSet=
AmbientCapabilities=
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
# A user namespace that maps only root and the service's user and group: the job can act as no
# one else, and files of other users look like nobody's.
PrivateUsers=yes
PrivateMounts=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
# AF_UNIX: the journal and the name resolver.
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
# Checked with numpy, pandas, scikit-learn (OpenMP, loky workers), joblib, nba_api and ctypes
# callbacks (threadpoolctl): none needs writable+executable memory. A JIT (numba) would.
MemoryDenyWriteExecute=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
"""


_TIMER_TEMPLATE = """\
# nba-ml-train.timer: start nba-ml-train.service once a day.
# Rendered by nba_ml.deploy.schedule.render_systemd_units; see deploy/README.md.
# Check: systemd-analyze calendar '{calendar}'

[Unit]
Description=Retrain the nba-ml models daily at {at}

[Timer]
OnCalendar={calendar}
# Start once after boot when the machine was off at the scheduled time.
Persistent=true
AccuracySec=1min
# No RandomizedDelaySec=: one host makes one run a day, so there is no herd to spread, and the
# start stays where `nba-ml status` predicts it. Hosts sharing one outbound address (a fleet
# behind NAT) should add e.g. RandomizedDelaySec=10min to space out their stats.nba.com calls.

[Install]
WantedBy=timers.target
"""


def _identity_lines(data_dir: str | None, user: str | None) -> list[str]:
    """Return the [Service] lines for who runs the job and where its data lives."""
    if data_dir is None:
        data_dir = DEFAULT_DATA_DIR
    if user is None:
        who = ["DynamicUser=yes"]
    else:
        who = [
            f"# The static system user {user} (see deploy/README.md); members of group {user},",
            "# such as a web server, may read the models: 0750 directories, 0640 files.",
            f"User={user}",
            f"Group={user}",
        ]
    state = data_dir[len("/var/lib/") :].strip("/") if data_dir.startswith("/var/lib/") else ""
    if state:
        lines = [*who, f"# nba-ml uses $STATE_DIRECTORY ({data_dir}) as its data directory."]
        lines += [f"StateDirectory={state}", "StateDirectoryMode=0750"]
        if state != "nba-ml":
            lines.append(f"Environment=NBA_ML_DATA_DIR={data_dir}")
    elif user is None:
        raise ConfigError(
            f"data directory {data_dir} is outside /var/lib: a DynamicUser= service can only"
            " write its StateDirectory=, so name a static user"
        )
    else:
        lines = [*who, f"Environment=NBA_ML_DATA_DIR={data_dir}", f"ReadWritePaths={data_dir}"]
    return [*lines, "UMask=0027"]


def _on_calendar(hour: int, minute: int, timezone: str) -> str:
    """Return the systemd calendar expression for a daily run at ``hour:minute`` in ``timezone``."""
    return f"*-*-* {hour:02d}:{minute:02d}:00 {timezone}"


def render_systemd_units(
    executable: str = DEFAULT_EXECUTABLE,
    data_dir: str | None = None,
    user: str | None = DEFAULT_USER,
    hour: int = DEFAULT_HOUR,
    minute: int = DEFAULT_MINUTE,
    timezone: str = DEFAULT_TIMEZONE,
) -> dict[str, str]:
    """Return the hardened systemd units, keyed by file name.

    With a static ``user`` (default ``nba-ml``, which must exist): ``nba-ml-train.service``, its
    ``.timer`` and ``nba-ml-ensure.service``, for a web server to order itself after. The data
    directory (default /var/lib/nba-ml) is a StateDirectory= when under /var/lib.
    ``user=None`` runs the training as a DynamicUser= instead, for hosts where nothing but root
    reads the models: systemd keeps its state in root-only /var/lib/private, so no ensure unit
    is rendered (a second DynamicUser= unit would get another uid), and the data directory must
    be under /var/lib. Raises ConfigError for an invalid value.
    """
    _check_command(executable, data_dir)
    if user is not None:
        _check_user(user)
    _check_time(hour, minute)
    _zone(timezone)
    identity = "\n".join(_identity_lines(data_dir, user))
    calendar = _on_calendar(hour, minute, timezone)
    units = {
        SERVICE_NAME: _TRAIN_HEAD.format(executable=executable, identity=identity) + _SANDBOX,
        TIMER_NAME: _TIMER_TEMPLATE.format(
            calendar=calendar, at=f"{hour:02d}:{minute:02d} {timezone}"
        ),
    }
    if user is not None:
        units[ENSURE_NAME] = (
            _ENSURE_HEAD.format(
                executable=executable,
                identity=identity,
                timeout=ENSURE_TIMEOUT,
                who=f"user {user}",
            )
            + _SANDBOX
        )
    return units


_WEBSERVER_DROPIN_TEMPLATE = """\
# Drop-in for the web server that serves the nba-ml models: every start of the server first
# runs nba-ml-ensure.service, which makes sure a valid model set exists in {data_dir}
# (`nba-ml ensure` trains, as the directory's owner, only when the set is missing or invalid).
# Rendered by nba_ml.deploy.schedule.render_webserver_dropin; see deploy/README.md.
# Install as /etc/systemd/system/<web-server>.service.d/nba-ml-ensure.conf, then
# systemctl daemon-reload.
#
# The server itself only reads the models. See "Sharing the models with a web server" in
# deploy/README.md.

[Unit]
# Wants= lets the server start even when ensure fails (stats.nba.com down, the lock held by the
# daily training, a broken model set): it then serves what it has, or runs without models.
# Requires= instead makes the server refuse to start unless ensure succeeds: that trades
# availability for never serving without models.
Wants={ensure}
# Waiting here does not count against the server's TimeoutStartSec=; the ensure unit has its own.
After={ensure}

[Service]
Environment=NBA_ML_DATA_DIR={data_dir}
{owner}{group}"""

_DROPIN_OWNER = """# The models belong to user {owner}: the server may unpickle them only because
# it is told to trust that owner (nba-ml never loads files another user could have swapped).
Environment=NBA_ML_TRUSTED_OWNER={owner}
"""

_DROPIN_GROUP = """# Group {group} may read {data_dir} (0750) and the models in it (0640).
# This works for a server started as its User=; one that switches users itself (a master
# process started as root) needs `usermod -aG {group} <its user>` instead.
SupplementaryGroups={group}
"""


def render_webserver_dropin(
    data_dir: str = DEFAULT_DATA_DIR, group: str | None = DEFAULT_USER,
    owner: str | None = DEFAULT_USER,
) -> str:
    """Return a drop-in that makes a web server start after ``nba-ml-ensure.service``.

    It points the server at ``data_dir``, trusts the models' ``owner`` (the training user)
    unless None and, unless ``group`` is None, adds it to ``group`` so that it can read the
    models. Raises ConfigError for an invalid data directory, owner or group.
    """
    _check_path("data directory", data_dir)
    lines = ""
    if group is not None:
        _check_user(group)
        lines = _DROPIN_GROUP.format(group=group, data_dir=data_dir)
    trust = ""
    if owner is not None:
        _check_user(owner)
        trust = _DROPIN_OWNER.format(owner=owner)
    return _WEBSERVER_DROPIN_TEMPLATE.format(data_dir=data_dir, ensure=ENSURE_NAME, group=lines,
                                             owner=trust)


def default_deploy_files() -> dict[str, str]:
    """Return the shipped files under deploy/, by path relative to it, rendered for defaults."""
    units = render_systemd_units()
    return {
        "crontab": render_crontab(),
        **{f"systemd/{name}": text for name, text in units.items()},
        f"systemd/{DROPIN_NAME}": render_webserver_dropin(),
    }
