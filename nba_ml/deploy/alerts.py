"""The OnFailure= alert template that the training and ensure units name (standard library only)."""

from __future__ import annotations

import re

from nba_ml.errors import ConfigError

_SAFE_MAILTO = re.compile(r"^[A-Za-z0-9._+-]+(@[A-Za-z0-9.-]+)?$")


_ALERT_TEMPLATE = """\
# nba-ml-alert@.service: report that an nba-ml unit failed. nba-ml-train.service and
# nba-ml-ensure.service name it in OnFailure=nba-ml-alert@%N.service, so the instance is the
# failed unit's name without ".service" (nba-ml-alert@nba-ml-train.service).
# Rendered by nba_ml.deploy.alerts.render_alert_unit; see "Alerts" in deploy/README.md.
# Check: systemd-analyze verify nba-ml-alert@nba-ml-train.service
#
# It logs the failed unit's status to syslog / the journal with priority err and the tag
# nba-ml-alert (journalctl -t nba-ml-alert -p err), and mails it to $MAILTO (default {mailto})
# where a mail(1) command exists. Set another address with `systemctl edit nba-ml-alert@.service`:
# [Service] and Environment=MAILTO=ops@example.com. It runs as root, unsandboxed: a local
# mailer's sendmail may need its set-group-id bit (postfix's postdrop does).

[Unit]
Description=Report the failure of %i.service

[Service]
Type=oneshot
Environment=MAILTO={mailto}
ExecStart=/bin/sh -c 'systemctl status --no-pager --full --lines=40 "$$1.service" 2>&1 \\
    | logger -p daemon.err -t nba-ml-alert' sh %i
ExecStart=-/bin/sh -c 'command -v mail >/dev/null 2>&1 || exit 0; \\
    systemctl status --no-pager --full --lines=40 "$$1.service" 2>&1 \\
    | mail -s "nba-ml: $$1.service failed on %H" "$$MAILTO"' sh %i
TimeoutStartSec=2min
"""


def render_alert_unit(mailto: str = "root") -> str:
    """Return the ``nba-ml-alert@.service`` template that OnFailure= starts.

    ``mailto`` is the default recipient (a local user or an address). Raises ConfigError for a
    recipient that would need quoting.
    """
    if not _SAFE_MAILTO.fullmatch(mailto):
        raise ConfigError(f"mail recipient {mailto!r} must be a user name or a plain address")
    return _ALERT_TEMPLATE.format(mailto=mailto)
