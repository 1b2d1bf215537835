"""deploy.renderers, the facade of the deploy package: the renderers' bad values and the crontab it
renders; the clock arithmetic is in tests/deploy/test_clock.py, the crontab flavours in
tests/deploy/test_cron.py, the units in tests/deploy/test_units.py."""

from __future__ import annotations

import pytest

from nba_ml.deploy import renderers
from nba_ml.deploy.renderers import (
    render_crontab,
    render_systemd_units,
    render_webserver_dropin,
)
from nba_ml.errors import ConfigError

# --- bad values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: render_crontab(hour=24), "hour 24 is out of range"),
        (lambda: render_crontab(minute=-1), "minute -1 is out of range"),
        (lambda: render_crontab(timezone="Nowhere/Town"), "not a known time zone"),
        (lambda: render_crontab(system_timezone="Nowhere/Town"), "not a known time zone"),
        (lambda: render_crontab(flavour="vixie"), "not one of combined, cronie, debian"),  # type: ignore[arg-type]
        (lambda: render_crontab(user="root; rm"), "not a valid system user name"),
        (lambda: render_crontab(executable="nba-ml"), "must be an absolute path"),
        (lambda: render_crontab(executable="/opt/my venv/nba-ml"), "must be an absolute path"),
        (lambda: render_crontab(data_dir="/var/lib/100%"), "must be an absolute path"),
        (lambda: render_crontab(data_dir="/var/lib/../etc"), "must be an absolute path"),
        (lambda: render_systemd_units(hour=24), "hour 24 is out of range"),
        (lambda: render_systemd_units(timezone="Nowhere/Town"), "not a known time zone"),
        (lambda: render_systemd_units(user="Bad User"), "not a valid system user name"),
        (lambda: render_systemd_units(data_dir="/srv/nba-ml", user=None), "static user"),
        (lambda: render_systemd_units(executable="bin/nba-ml"), "must be an absolute path"),
        (lambda: render_webserver_dropin(data_dir="$HOME/nba-ml"), "must be an absolute path"),
        (lambda: render_webserver_dropin(group="Web Group"), "not a valid system user name"),
    ],
)
def test_bad_values_raise_config_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        call()


def test_debian_flavour_refuses_zones_whose_offset_changes_by_half_an_hour() -> None:
    # Lord Howe Island shifts by 30 minutes for DST: no single cron minute covers the year.
    with pytest.raises(ConfigError, match="whole number of hours"):
        render_crontab(timezone="Australia/Lord_Howe", flavour="debian")
    assert "CRON_TZ=Australia/Lord_Howe" in render_crontab(
        timezone="Australia/Lord_Howe", flavour="cronie"
    )


# --- render_crontab --------------------------------------------------------------------------


def _settings_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_debian_crontab_starts_at_both_utc_hours_with_the_guard() -> None:
    lines = _settings_lines(render_crontab(flavour="debian"))
    assert lines == [
        "NBA_TRAINING_HOUR=4",
        "NBA_TRAINING_MINUTE=0",
        "NBA_TRAINING_TIMEZONE=America/Chicago",
        "NBA_ML_DATA_DIR=/var/lib/nba-ml",
        "0 9,10 * * * nba-ml /opt/nba-ml/.venv/bin/nba-ml train --force --scheduled"
        " 2>&1 | logger -t nba-ml",
    ]


def test_cronie_crontab_uses_cron_tz_and_one_entry() -> None:
    text = render_crontab(flavour="cronie")
    lines = _settings_lines(text)
    assert lines[-2] == "CRON_TZ=America/Chicago"
    assert lines[-1].startswith("0 4 * * * nba-ml /opt/nba-ml/.venv/bin/nba-ml train --force")
    assert "--scheduled" in lines[-1]
    assert "cronie" in text and "Debian/Ubuntu cron ignores CRON_TZ" in text


def test_crontab_follows_every_parameter() -> None:
    text = render_crontab(
        executable="/usr/local/bin/nba-ml",
        data_dir=None,
        user="svc_ml",
        hour=6,
        minute=45,
        timezone="Asia/Kolkata",
        system_timezone="UTC",
        flavour="debian",
    )
    lines = _settings_lines(text)
    assert "NBA_ML_DATA_DIR" not in text
    assert lines[:3] == [
        "NBA_TRAINING_HOUR=6",
        "NBA_TRAINING_MINUTE=45",
        "NBA_TRAINING_TIMEZONE=Asia/Kolkata",
    ]
    # 06:45 IST is 01:15 UTC all year: the entry minute differs from the local minute.
    assert lines[-1].startswith("15 1 * * * svc_ml /usr/local/bin/nba-ml train --force --scheduled")
    assert "CRON_TZ=" not in "\n".join(lines)


def test_crontab_in_a_cron_daemon_running_on_chicago_time_needs_one_hour() -> None:
    entry = _settings_lines(render_crontab(system_timezone="America/Chicago"))[-1]
    assert entry.startswith("0 4 * * * ")


def test_no_rendered_crontab_line_holds_a_percent_sign() -> None:
    # cron turns "%" in a command into a newline.
    for flavour in ("combined", "debian", "cronie"):
        assert "%" not in render_crontab(flavour=flavour)  # type: ignore[arg-type]


def test_schedule_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, nba_ml.deploy.renderers; "
        "print(sorted(m for m in ('pandas','numpy','sklearn','typer','rich','nba_api')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_facade_is_the_same_objects_as_the_modules() -> None:
    from nba_ml.deploy import clock, cron, units

    assert renderers.next_run is clock.next_run
    assert renderers.is_scheduled_hour is clock.is_scheduled_hour
    assert renderers.render_crontab is cron.render_crontab
    assert renderers.render_systemd_units is units.render_systemd_units
