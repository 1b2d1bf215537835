"""The systemd unit of the reference web app: gunicorn serving ``nba_ml.web:app``.

Standard library only. ``deploy/systemd/nba-ml-web.service`` is :func:`render_web_unit` for the
defaults (nba_ml.deploy.renderers.default_deploy_files; a test compares them).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from nba_ml.deploy.names import (
    DEFAULT_DATA_DIR,
    DEFAULT_EXECUTABLE,
    DEFAULT_USER,
    ENSURE_NAME,
    check_command,
    check_user,
)
from nba_ml.errors import ConfigError

WEB_NAME = "nba-ml-web.service"
DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_WORKERS = 2
APP = "nba_ml.web:app"
# An address gunicorn binds: host:port, [IPv6]:port or unix:/path, nothing a unit must quote.
_BIND = re.compile(r"^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$|^unix:/[A-Za-z0-9._/-]+$")

_TEMPLATE = """\
# nba-ml-web.service: the reference web app (gunicorn {app}) on {bind}, serving the
# model sets that nba-ml-train.service installs in {data_dir}.
# Needs nba-ml installed with its web extra (Flask, gunicorn): pip install '/path/to/nba-ml[web]'.
# Rendered by nba_ml.deploy.web.render_web_unit; see "A web server" in deploy/README.md.
# Check: systemd-analyze verify nba-ml-web.service
#        curl http://{bind}/healthz

[Unit]
Description=Serve nba-ml predictions over HTTP (gunicorn {app})
# As webserver-ensure.conf: every start first runs {ensure}, which makes sure a valid model
# set exists (it trains, as user {owner}, only when the set is missing or invalid). Wants=: the
# server starts even when ensure fails, and answers 503 until a set is installed.
Wants={ensure}
After={ensure} network.target

[Service]
# gunicorn tells systemd when it listens; --preload: the master loads the app (a bad setting
# stops it on one line, exit 4) and the set, and each forked worker starts with that set.
Type=notify
NotifyAccess=main
ExecStart={gunicorn} --workers {workers} --preload --bind {bind} {app}
ExecReload=/bin/kill -HUP $MAINPID
# SIGTERM to the master only: it stops the workers gracefully (30 s for requests in flight).
KillMode=mixed
TimeoutStopSec=40s
Restart=on-failure
RestartSec=5s
# 4: a bad setting (one line in the journal); a restart cannot fix it.
RestartPreventExitStatus=4

# A user of its own, allocated at start: the server can read the models but not change them.
DynamicUser=yes
# Group {group} may read {data_dir} (0750) and the models in it (0640).
SupplementaryGroups={group}
Environment=NBA_ML_DATA_DIR={data_dir}
# The models belong to user {owner}: the server may unpickle them only because it is told to
# trust that owner (nba-ml never loads files another user could have swapped in).
Environment=NBA_ML_TRUSTED_OWNER={owner}
# gunicorn's control socket (gunicorn 25 and later) goes to $XDG_RUNTIME_DIR.
RuntimeDirectory=nba-ml-web
Environment=XDG_RUNTIME_DIR=%t/nba-ml-web

# Sandbox: read the models, listen on TCP, nothing else. No PrivateUsers=: it would show the
# models' owner as nobody, and nba-ml would refuse to trust them.
CapabilityBoundingSet=
AmbientCapabilities=
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
UMask=0077

[Install]
WantedBy=multi-user.target
"""


def check_bind(bind: str) -> None:
    """Raise ConfigError unless ``bind`` is a gunicorn address a unit can hold unquoted."""
    port = bind.rpartition(":")[2]
    if not _BIND.fullmatch(bind) or (not bind.startswith("unix:") and not 0 < int(port) < 65536):
        raise ConfigError(f"bind address {bind!r} must be HOST:PORT, [IPv6]:PORT or unix:/PATH")


def render_web_unit(
    executable: str = DEFAULT_EXECUTABLE,
    data_dir: str | None = None,
    owner: str = DEFAULT_USER,
    bind: str = DEFAULT_BIND,
    workers: int = DEFAULT_WORKERS,
) -> str:
    """Return ``nba-ml-web.service``: gunicorn (beside ``executable``, in the same venv) serving
    ``nba_ml.web:app`` on ``bind`` from ``data_dir`` (default /var/lib/nba-ml), ordered after
    ``nba-ml-ensure.service``, as a DynamicUser= in group ``owner`` that trusts the models of
    user ``owner``. Raises ConfigError for an invalid value."""
    data_dir = DEFAULT_DATA_DIR if data_dir is None else data_dir
    check_command(executable, data_dir)
    check_user(owner)
    check_bind(bind)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        raise ConfigError(f"workers {workers!r} must be a whole number from 1 to 64")
    gunicorn = str(PurePosixPath(executable).with_name("gunicorn"))
    return _TEMPLATE.format(
        app=APP,
        bind=bind,
        data_dir=data_dir,
        ensure=ENSURE_NAME,
        owner=owner,
        group=owner,
        gunicorn=gunicorn,
        workers=workers,
    )
