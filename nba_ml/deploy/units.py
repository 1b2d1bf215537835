"""The systemd units that run the daily training, and the drop-ins for a web server.

Standard library only. The shipped files under deploy/systemd/ are these renderings for the
defaults (nba_ml.deploy.renderers.default_deploy_files; a test compares them).
"""

from __future__ import annotations

from nba_ml.deploy.alerts import render_alert_unit
from nba_ml.deploy.clock import (
    DEFAULT_HOUR,
    DEFAULT_MINUTE,
    DEFAULT_TIMEZONE,
    check_time,
    zone_info,
)
from nba_ml.deploy.names import (
    ALERT_NAME,
    DEFAULT_DATA_DIR,
    DEFAULT_EXECUTABLE,
    DEFAULT_USER,
    ENSURE_NAME,
    SERVICE_NAME,
    TIMER_NAME,
    check_command,
    check_path,
    check_user,
)
from nba_ml.errors import ConfigError

# How long nba-ml-ensure.service may take when it has to train the first model set.
ENSURE_TIMEOUT = "15min"
# The start timeout of a web server that runs ensure itself (ExecStartPre=): a first training
# (ENSURE_TIMEOUT) plus the server's own start.
OWNER_START_TIMEOUT = "20min"


_TRAIN_HEAD = """\
# nba-ml-train.service: retrain the nba-ml models (started daily by nba-ml-train.timer).
# Rendered by nba_ml.deploy.units.render_systemd_units; see deploy/README.md.
# Check: systemd-analyze verify nba-ml-train.service nba-ml-train.timer
#        systemd-analyze security nba-ml-train.service

[Unit]
Description=Retrain the nba-ml models
Wants=network-online.target
After=network-online.target
# A failure (not a kept set, not a retried temporary failure) starts the alert template, which
# logs the unit's status with priority err and mails it where mail(1) exists.
OnFailure={alert}
# Caps the retries of a temporary failure (below): at most 4 starts in 3 hours.
StartLimitIntervalSec=3h
StartLimitBurst=4

[Service]
Type=oneshot
ExecStart={executable} train --force
# Exit codes: 0 trained, 1 failed, 2 usage error, 3 trained but kept out because it scored worse
# than the valid current set on the same games, 75 temporary (lock held, stats.nba.com down).
# 3 only ever means a valid set is installed and kept serving: the safety net working, which a
# retry would repeat. It counts as success here (no retry, no alert mail every night); the
# metrics file (nba_ml_last_run_exit_code, nba_ml_models_trained_timestamp_seconds) shows it and
# the stale-models alert fires when sets keep being kept out. Drop this line to treat it as a
# failure (systemctl --failed, OnFailure=).
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
# Rendered by nba_ml.deploy.units.render_systemd_units; see deploy/README.md.
# Check: systemd-analyze verify nba-ml-ensure.service
#        systemd-analyze security nba-ml-ensure.service

[Unit]
Description=Make sure valid nba-ml models exist
Wants=network-online.target
After=network-online.target
OnFailure={alert}

[Service]
Type=oneshot
ExecStart={executable} ensure
# Exit codes: 0 valid (or trained and installed), 1 failed, 75 temporary (the daily training holds
# the lock, stats.nba.com down); never 3: ensure trains only when no valid set exists, and then
# installs what it trained, so 3 is not declared a success here. Each is final: no retry; a
# failure shows in systemctl --failed, and a web server that only Wants= this unit starts with
# what it has.
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
# Rendered by nba_ml.deploy.units.render_systemd_units; see deploy/README.md.
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
    Both services name ``nba-ml-alert@%N.service`` in OnFailure=; that template
    (``nba_ml.deploy.alerts.render_alert_unit``) is part of the result.
    ``user=None`` runs the training as a DynamicUser= instead, for hosts where nothing but root
    reads the models: systemd keeps its state in root-only /var/lib/private, so no ensure unit
    is rendered (a second DynamicUser= unit would get another uid), and the data directory must
    be under /var/lib. Raises ConfigError for an invalid value.
    """
    check_command(executable, data_dir)
    if user is not None:
        check_user(user)
    check_time(hour, minute)
    zone_info(timezone)
    identity = "\n".join(_identity_lines(data_dir, user))
    calendar = _on_calendar(hour, minute, timezone)
    alert = ALERT_NAME.replace("@", "@%N")
    units = {
        SERVICE_NAME: _TRAIN_HEAD.format(executable=executable, identity=identity, alert=alert)
        + _SANDBOX,
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
                alert=alert,
                who=f"user {user}",
            )
            + _SANDBOX
        )
    units[ALERT_NAME] = render_alert_unit()  # what OnFailure= names, shipped with the units
    return units


_WEBSERVER_DROPIN_TEMPLATE = """\
# Drop-in for the web server that serves the nba-ml models: every start of the server first
# runs nba-ml-ensure.service, which makes sure a valid model set exists in {data_dir}
# (`nba-ml ensure` trains, as the directory's owner, only when the set is missing or invalid).
# Rendered by nba_ml.deploy.units.render_webserver_dropin; see deploy/README.md.
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

_DROPIN_OWNER = """# The models belong to user {owner}: the server may load them only because
# it is told to trust that owner (nba-ml never loads files another user could have swapped).
Environment=NBA_ML_TRUSTED_OWNER={owner}
"""

_DROPIN_GROUP = """# Group {group} may read {data_dir} (0750) and the models in it (0640).
# This works for a server started as its User=; one that switches users itself (a master
# process started as root) needs `usermod -aG {group} <its user>` instead.
SupplementaryGroups={group}
"""


def render_webserver_dropin(
    data_dir: str = DEFAULT_DATA_DIR,
    group: str | None = DEFAULT_USER,
    owner: str | None = DEFAULT_USER,
) -> str:
    """Return a drop-in that makes a web server start after ``nba-ml-ensure.service``.

    It points the server at ``data_dir``, trusts the models' ``owner`` (the training user)
    unless None and, unless ``group`` is None, adds it to ``group`` so that it can read the
    models. Raises ConfigError for an invalid data directory, owner or group.
    """
    check_path("data directory", data_dir)
    lines = ""
    if group is not None:
        check_user(group)
        lines = _DROPIN_GROUP.format(group=group, data_dir=data_dir)
    trust = ""
    if owner is not None:
        check_user(owner)
        trust = _DROPIN_OWNER.format(owner=owner)
    return _WEBSERVER_DROPIN_TEMPLATE.format(
        data_dir=data_dir, ensure=ENSURE_NAME, group=lines, owner=trust
    )


_OWNER_DROPIN_TEMPLATE = """\
# Drop-in for a web server that runs as the models' owner ({user}) and trains its own first
# model set (the old system's layout): before each start of the server, ExecStartPre= runs
# `nba-ml ensure`, which exits at once when a valid set exists in {data_dir} and otherwise
# trains one (minutes). The "-" lets the server start even when ensure fails (stats.nba.com
# down, the lock held by the daily training): it then serves what it has, or answers 503 until
# the timer installs a set. Use webserver-ensure.conf instead for a server that should only read
# the models (another user, its own sandbox); see "Start-up modes" in deploy/README.md.
# Rendered by nba_ml.deploy.units.render_owner_dropin; see deploy/README.md.
# Install as /etc/systemd/system/<web-server>.service.d/nba-ml-ensure.conf, then
# systemctl daemon-reload.

[Unit]
# A first training collects from stats.nba.com.
Wants=network-online.target
After=network-online.target

[Service]
# ensure writes the models: the server runs as their owner, the user of nba-ml-train.service.
User={user}
Group={user}
{state}
ExecStartPre=-{executable} ensure
# The start timeout covers ExecStartPre=: a first training (up to {ensure_timeout}, as in
# nba-ml-ensure.service) plus the server's own start. systemd's default (90 s) would kill the
# first training half way; with valid models ensure takes a fraction of a second.
TimeoutStartSec={timeout}
"""


def render_owner_dropin(
    executable: str = DEFAULT_EXECUTABLE,
    data_dir: str = DEFAULT_DATA_DIR,
    user: str = DEFAULT_USER,
) -> str:
    """Return a drop-in that runs ``nba-ml ensure`` in a web server's ExecStartPre=.

    For a server that runs as ``user``, the owner of ``data_dir``: the drop-in sets User=,
    Group=, the data directory (a StateDirectory= under /var/lib, else ReadWritePaths=) and a
    start timeout with room for a first training. Raises ConfigError for an invalid value.
    """
    check_command(executable, data_dir)
    check_user(user)
    state = data_dir[len("/var/lib/") :].strip("/") if data_dir.startswith("/var/lib/") else ""
    if state:
        lines = [
            f"# nba-ml uses $NBA_ML_DATA_DIR; StateDirectory= makes {data_dir} writable"
            " under ProtectSystem=.",
            f"Environment=NBA_ML_DATA_DIR={data_dir}",
            f"StateDirectory={state}",
            "StateDirectoryMode=0750",
        ]
    else:
        lines = [f"Environment=NBA_ML_DATA_DIR={data_dir}", f"ReadWritePaths={data_dir}"]
    return _OWNER_DROPIN_TEMPLATE.format(
        user=user,
        data_dir=data_dir,
        executable=executable,
        state="\n".join(lines),
        ensure_timeout=ENSURE_TIMEOUT,
        timeout=OWNER_START_TIMEOUT,
    )
