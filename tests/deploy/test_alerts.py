"""deploy.alerts: the nba-ml-alert@.service template that OnFailure= starts, and its recipient."""

from __future__ import annotations

import re

import pytest

from nba_ml.deploy.alerts import render_alert_unit
from nba_ml.errors import ConfigError
from tests.deploy.test_units import _directives


def test_alert_template_logs_and_mails_the_failed_units_status() -> None:
    text = render_alert_unit()
    alert = _directives(text.replace("\\\n", " "))  # systemd joins continued lines
    assert alert["Type"] == ["oneshot"]
    assert alert["Environment"] == ["MAILTO=root"]
    logs, mails = alert["ExecStart"]
    assert "logger -p daemon.err -t nba-ml-alert" in logs and logs.endswith("sh %i")
    assert mails.startswith("-/bin/sh") and "mail -s" in mails and '"$$MAILTO"' in mails
    assert '"$$1.service"' in logs  # $$ is a literal $ for the shell, %i the failed unit
    assert _directives(render_alert_unit("ops@example.com"))["Environment"] == [
        "MAILTO=ops@example.com"
    ]


def _sections(text: str) -> list[str]:
    return re.findall(r"^\[(\w+)\]$", text, re.M)


def test_the_template_is_a_oneshot_service_reporting_its_instance() -> None:
    text = render_alert_unit()
    assert _sections(text) == ["Unit", "Service"]
    alert = _directives(text.replace("\\\n", " "))
    assert alert["Description"] == ["Report the failure of %i.service"]
    assert alert["TimeoutStartSec"] == ["2min"]
    logs, mails = alert["ExecStart"]
    # Logging must work (no "-"); mailing is best effort, and skipped where there is no mail(1).
    assert logs.startswith("/bin/sh -c ") and mails.startswith("-/bin/sh -c ")
    assert "command -v mail >/dev/null 2>&1 || exit 0" in mails
    assert mails.endswith("sh %i") and '"nba-ml: $$1.service failed on %H"' in mails
    assert text.endswith("\n") and "{" not in text and "}" not in text


def test_only_the_known_specifiers_reach_systemd() -> None:
    # Comments are not expanded; every "%" elsewhere is a specifier systemd replaces.
    directives = "\n".join(
        line
        for line in render_alert_unit("ops@example.com").splitlines()
        if not line.startswith("#")
    )
    assert set(re.findall(r"%.", directives)) == {"%i", "%H"}


def test_the_recipient_changes_only_the_default_address() -> None:
    default = render_alert_unit()
    assert default == render_alert_unit("root")
    assert render_alert_unit("ops@example.com") == (
        default.replace("MAILTO=root", "MAILTO=ops@example.com").replace(
            "(default root)", "(default ops@example.com)"
        )
    )


@pytest.mark.parametrize(
    "mailto",
    [
        "root",
        "ops",
        "ops_team",
        "ops@example.com",
        "first.last+nba@mail.example.org",
        "a-b@c",
    ],
)
def test_plain_users_and_addresses_are_accepted(mailto: str) -> None:
    assert f"Environment=MAILTO={mailto}\n" in render_alert_unit(mailto)


@pytest.mark.parametrize(
    "mailto",
    [
        "",
        "ops; rm -rf /",
        "$USER",
        "ops@",
        "@example.com",
        "a@b@c",
        "ops,dev",
        "ops dev",
        "%i",
        "ops@exa mple.com",
        "'ops'",
        "ops@example.com\n",
        "ops\nExecStart=/bin/sh -c evil",
    ],
)
def test_a_recipient_that_would_need_quoting_is_refused(mailto: str) -> None:
    with pytest.raises(ConfigError) as raised:
        render_alert_unit(mailto)
    assert str(raised.value) == (
        f"mail recipient {mailto!r} must be a user name or a plain address"
    )
    assert raised.value.exit_code == 2
