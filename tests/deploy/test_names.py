"""deploy.names: the unit and drop-in names, the defaults, and the rules for what a rendered file
may name (paths and users that need no quoting in /bin/sh, a crontab or a systemd unit)."""

from __future__ import annotations

import pytest

from nba_ml.deploy import names
from nba_ml.deploy.cron import render_crontab
from nba_ml.deploy.names import check_command, check_path, check_user
from nba_ml.deploy.units import render_systemd_units, render_webserver_dropin
from nba_ml.errors import ConfigError


def test_the_timer_starts_the_service_of_its_own_name() -> None:
    # The timer names no Unit=, so systemd starts the service with the timer's name.
    assert names.SERVICE_NAME.removesuffix(".service") == names.TIMER_NAME.removesuffix(".timer")
    assert "Unit=" not in render_systemd_units()[names.TIMER_NAME]
    assert names.SERVICE_NAME.endswith(".service") and names.TIMER_NAME.endswith(".timer")
    assert names.ENSURE_NAME.endswith(".service")


def test_the_alert_name_is_a_template_instantiated_by_on_failure() -> None:
    assert names.ALERT_NAME.endswith("@.service")
    on_failure = names.ALERT_NAME.replace("@.service", "@%N.service")
    for unit in (names.SERVICE_NAME, names.ENSURE_NAME):
        assert f"OnFailure={on_failure}" in render_systemd_units()[unit]


def test_drop_ins_are_conf_files_with_distinct_names() -> None:
    assert names.DROPIN_NAME.endswith(".conf") and names.OWNER_DROPIN_NAME.endswith(".conf")
    assert names.DROPIN_NAME != names.OWNER_DROPIN_NAME


def test_the_defaults_pass_their_own_rules() -> None:
    check_command(names.DEFAULT_EXECUTABLE, names.DEFAULT_DATA_DIR)
    check_user(names.DEFAULT_USER)
    assert names.DEFAULT_EXECUTABLE.endswith("/nba-ml")
    assert f" {names.DEFAULT_USER} {names.DEFAULT_EXECUTABLE} " in render_crontab()


@pytest.mark.parametrize(
    "path",
    [
        "/opt/nba-ml/.venv/bin/nba-ml",
        "/var/lib/nba-ml",
        "/srv/ml_2.0/+x",
        "/a",
        "/a/./b",
        "/var/lib/nba-ml/",
        "/data/..hidden",
    ],
)
def test_plain_absolute_paths_are_accepted(path: str) -> None:
    check_path("data directory", path)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/",
        "nba-ml",
        "bin/nba-ml",
        "./nba-ml",
        "~/nba-ml",
        "/opt/my venv/nba-ml",
        "/var/lib/100%",
        "$HOME/nba-ml",
        "/srv/$USER",
        "/srv/a;rm",
        "/srv/'q'",
        '/srv/"q"',
        "/srv/a\tb",
        "/srv/é",
        "/var/lib/../etc",
        "/var/lib/..",
        "/..",
        "/var/lib/nba-ml\n",
        "/var/lib/nba-ml\n0 * * * * root sh -c evil",
    ],
)
def test_paths_that_would_need_quoting_or_climb_are_refused(path: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_path("data directory", path)
    assert str(raised.value) == (
        f"data directory {path!r} must be an absolute path of letters, digits and . _ + - / only"
    )
    assert raised.value.exit_code == 2
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("user", ["nba-ml", "_svc", "svc_ml", "a", "a" * 32, "web-1"])
def test_plain_system_user_names_are_accepted(user: str) -> None:
    check_user(user)


@pytest.mark.parametrize(
    "user",
    [
        "",
        "Root",
        "1abc",
        "-svc",
        "a" * 33,
        "bad user",
        "root;rm",
        "nba.ml",
        "nba-ml\n",
        "www\nExecStartPre=/bin/sh",
        "ünïcode",
    ],
)
def test_other_user_names_are_refused(user: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_user(user)
    assert str(raised.value) == f"user {user!r} is not a valid system user name"


def test_check_command_checks_the_executable_and_an_optional_data_directory() -> None:
    check_command("/usr/bin/nba-ml", None)
    with pytest.raises(ConfigError, match=r"^executable 'nba-ml' must be an absolute path"):
        check_command("nba-ml", "/var/lib/nba-ml")
    with pytest.raises(ConfigError, match=r"^data directory 'data' must be an absolute path"):
        check_command("/usr/bin/nba-ml", "data")


def test_no_renderer_lets_a_newline_start_a_line_of_its_own() -> None:
    # A value that ends in a newline would add a crontab entry or a unit directive.
    for call in (
        lambda: render_crontab(user="nba-ml\n"),
        lambda: render_crontab(executable="/usr/bin/nba-ml\n"),
        lambda: render_systemd_units(data_dir="/srv/ml\n"),
        lambda: render_webserver_dropin(group="www\n"),
        lambda: render_webserver_dropin(owner="nba-ml\n"),
    ):
        with pytest.raises(ConfigError):
            call()
