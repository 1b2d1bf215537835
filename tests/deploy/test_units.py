"""deploy.units: the systemd units and the web server drop-ins (the alert template they name is in
tests/deploy/test_alerts.py)."""

from __future__ import annotations

import pytest

from nba_ml.deploy import renderers
from nba_ml.deploy.alerts import render_alert_unit
from nba_ml.deploy.units import (
    render_owner_dropin,
    render_systemd_units,
    render_webserver_dropin,
)
from nba_ml.errors import ConfigError

# --- render_systemd_units / render_webserver_dropin ------------------------------------------


def _directives(text: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            result.setdefault(key, []).append(value)
    return result


def _sandbox(text: str) -> str:
    """The sandbox block that ends a service file."""
    return text[text.index("# Sandbox:") :]


def test_default_units_run_as_the_static_user_nba_ml_with_a_state_directory() -> None:
    units = render_systemd_units()
    assert sorted(units) == [
        "nba-ml-alert@.service",
        "nba-ml-ensure.service",
        "nba-ml-train.service",
        "nba-ml-train.timer",
    ]
    assert units["nba-ml-alert@.service"] == render_alert_unit()
    service = _directives(units["nba-ml-train.service"])
    assert service["ExecStart"] == ["/opt/nba-ml/.venv/bin/nba-ml train --force"]
    assert service["Type"] == ["oneshot"]
    assert service["User"] == ["nba-ml"] and service["Group"] == ["nba-ml"]
    assert "DynamicUser" not in service
    assert service["StateDirectory"] == ["nba-ml"]
    # Group nba-ml (a web server) may read: directories 0750, files 0640; nothing group-writable,
    # which nba-ml would refuse to load.
    assert service["StateDirectoryMode"] == ["0750"]
    assert service["UMask"] == ["0027"]
    assert service["PrivateUsers"] == ["yes"] and service["ProtectHome"] == ["yes"]
    assert "NBA_ML_DATA_DIR" not in units["nba-ml-train.service"]  # $STATE_DIRECTORY is used
    assert service["SuccessExitStatus"] == ["3"]
    assert service["RestartPreventExitStatus"] == ["1 2"]
    timer = _directives(units["nba-ml-train.timer"])
    assert timer["OnCalendar"] == ["*-*-* 04:00:00 America/Chicago"]
    assert timer["Persistent"] == ["true"]
    assert timer["AccuracySec"] == ["1min"]
    assert timer["WantedBy"] == ["timers.target"]
    assert "RandomizedDelaySec" not in timer


def test_ensure_unit_runs_ensure_as_the_training_user_in_the_same_sandbox() -> None:
    units = render_systemd_units()
    train = _directives(units[renderers.SERVICE_NAME])
    ensure = _directives(units[renderers.ENSURE_NAME])
    assert ensure["ExecStart"] == ["/opt/nba-ml/.venv/bin/nba-ml ensure"]
    assert ensure["Type"] == ["oneshot"]
    assert ensure["TimeoutStartSec"] == ["15min"]
    assert ensure["After"] == ["network-online.target"]
    # No retry: a web server waits for this unit, and ensure only tries once.
    assert not {"Restart", "RestartSec", "SuccessExitStatus", "Nice"} & set(ensure)
    for key in ("User", "Group", "StateDirectory", "StateDirectoryMode", "UMask"):
        assert ensure[key] == train[key], key
    assert "Environment" not in ensure and "ReadWritePaths" not in ensure
    sandbox = _sandbox(units[renderers.SERVICE_NAME])
    assert len(_directives(sandbox)) > 25
    assert _sandbox(units[renderers.ENSURE_NAME]) == sandbox


def test_dynamic_user_is_an_option_without_an_ensure_unit() -> None:
    units = render_systemd_units(user=None)
    assert sorted(units) == ["nba-ml-alert@.service", "nba-ml-train.service", "nba-ml-train.timer"]
    service = _directives(units[renderers.SERVICE_NAME])
    assert service["DynamicUser"] == ["yes"]
    assert "User" not in service and "Group" not in service
    assert service["StateDirectory"] == ["nba-ml"] and service["UMask"] == ["0027"]
    static = _directives(render_systemd_units()[renderers.SERVICE_NAME])
    assert {k: v for k, v in service.items() if k != "DynamicUser"} == {
        k: v for k, v in static.items() if k not in ("User", "Group")
    }


def test_units_follow_every_parameter() -> None:
    units = render_systemd_units(
        executable="/usr/bin/nba-ml",
        data_dir="/srv/nba-ml",
        user="svc_ml",
        hour=5,
        minute=30,
        timezone="Europe/Berlin",
    )
    service = _directives(units["nba-ml-train.service"])
    assert service["ExecStart"] == ["/usr/bin/nba-ml train --force"]
    assert service["User"] == ["svc_ml"] and service["Group"] == ["svc_ml"]
    assert "DynamicUser" not in service and "StateDirectory" not in service
    assert service["Environment"] == ["NBA_ML_DATA_DIR=/srv/nba-ml"]
    assert service["ReadWritePaths"] == ["/srv/nba-ml"]
    ensure = _directives(units["nba-ml-ensure.service"])
    assert ensure["ExecStart"] == ["/usr/bin/nba-ml ensure"]
    assert ensure["User"] == ["svc_ml"] and ensure["ReadWritePaths"] == ["/srv/nba-ml"]
    timer = _directives(units["nba-ml-train.timer"])
    assert timer["OnCalendar"] == ["*-*-* 05:30:00 Europe/Berlin"]


def test_units_put_a_data_directory_under_var_lib_in_state_directory() -> None:
    units = render_systemd_units(data_dir="/var/lib/ml/nba")
    for name in (renderers.SERVICE_NAME, renderers.ENSURE_NAME):
        service = _directives(units[name])
        assert service["StateDirectory"] == ["ml/nba"]
        assert service["Environment"] == ["NBA_ML_DATA_DIR=/var/lib/ml/nba"]
        assert service["User"] == ["nba-ml"]
    dynamic = _directives(
        render_systemd_units(data_dir="/var/lib/ml/nba", user=None)[renderers.SERVICE_NAME]
    )
    assert dynamic["StateDirectory"] == ["ml/nba"] and dynamic["DynamicUser"] == ["yes"]
    default = render_systemd_units(data_dir="/var/lib/nba-ml")
    assert default == render_systemd_units()


def test_webserver_dropin_orders_the_server_after_the_ensure_unit_and_joins_the_group() -> None:
    text = render_webserver_dropin()
    dropin = _directives(text)
    assert dropin["Wants"] == ["nba-ml-ensure.service"]
    assert dropin["After"] == ["nba-ml-ensure.service"]
    assert dropin["Environment"] == [
        "NBA_ML_DATA_DIR=/var/lib/nba-ml",
        "NBA_ML_TRUSTED_OWNER=nba-ml",
    ]
    assert dropin["SupplementaryGroups"] == ["nba-ml"]
    # The server no longer trains itself: no ExecStartPre=, and no long start timeout needed.
    assert "ExecStartPre" not in dropin and "TimeoutStartSec" not in dropin
    assert "Requires=" in text  # the strict alternative is explained
    other = _directives(render_webserver_dropin("/srv/ml", group="www_models"))
    assert other["Environment"] == ["NBA_ML_DATA_DIR=/srv/ml", "NBA_ML_TRUSTED_OWNER=nba-ml"]
    assert _directives(render_webserver_dropin(owner=None))["Environment"] == [
        "NBA_ML_DATA_DIR=/var/lib/nba-ml"
    ]
    assert other["SupplementaryGroups"] == ["www_models"]
    assert "SupplementaryGroups" not in _directives(render_webserver_dropin(group=None))


def test_both_services_name_the_alert_template_in_on_failure() -> None:
    units = render_systemd_units()
    for name in (renderers.SERVICE_NAME, renderers.ENSURE_NAME):
        assert _directives(units[name])["OnFailure"] == ["nba-ml-alert@%N.service"], name
    # 3 is a success only for the daily training, where it means a valid set was kept.
    assert "SuccessExitStatus" not in _directives(units[renderers.ENSURE_NAME])


def test_owner_dropin_runs_ensure_before_the_server_with_room_for_a_first_training() -> None:
    dropin = _directives(render_owner_dropin())
    assert dropin["ExecStartPre"] == ["-/opt/nba-ml/.venv/bin/nba-ml ensure"]
    assert dropin["TimeoutStartSec"] == ["20min"]  # the ensure unit's 15min plus the start
    assert dropin["User"] == ["nba-ml"] and dropin["Group"] == ["nba-ml"]
    assert dropin["Environment"] == ["NBA_ML_DATA_DIR=/var/lib/nba-ml"]
    assert dropin["StateDirectory"] == ["nba-ml"] and dropin["StateDirectoryMode"] == ["0750"]
    assert "After" in dropin and "Wants" in dropin
    other = _directives(render_owner_dropin("/usr/bin/nba-ml", "/srv/ml", "svc_ml"))
    assert other["ExecStartPre"] == ["-/usr/bin/nba-ml ensure"]
    assert other["ReadWritePaths"] == ["/srv/ml"] and "StateDirectory" not in other
    assert other["User"] == ["svc_ml"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: render_owner_dropin(executable="nba-ml"), "must be an absolute path"),
        (lambda: render_owner_dropin(data_dir="/var/lib/a b"), "must be an absolute path"),
        (lambda: render_owner_dropin(user="Root User"), "not a valid system user name"),
    ],
)
def test_bad_values_raise_config_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        call()
