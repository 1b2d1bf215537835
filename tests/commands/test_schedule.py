"""``schedule``: the configured time and an explicit data directory reach the rendered files.

The renderers themselves are tested in tests/deploy/; here the command's own contract: which
renderer each KIND picks, what it passes on from the settings, and the usage error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nba_ml.commands.schedule import CRON_FILE, KINDS, render_files, schedule
from nba_ml.config import Settings, resolve_settings
from nba_ml.deploy import renderers as deploy
from nba_ml.errors import EXIT_USAGE, ConfigError, UsageError

EXE = "/opt/nba-ml/.venv/bin/nba-ml"
ROOT = Path(__file__).resolve().parents[2]


def _settings(environ: dict[str, str] | None = None, data_dir: Path | None = None) -> Settings:
    return resolve_settings(data_dir, environ=environ or {})


@pytest.mark.parametrize(
    ("kind", "flavour"), [("cron", "combined"), ("cronie", "cronie"), ("debian", "debian")]
)
def test_each_cron_kind_is_its_flavour_of_the_crontab(kind: str, flavour: str) -> None:
    text = schedule(_settings(), kind, EXE, system_timezone="Europe/Berlin")
    assert text == deploy.render_crontab(
        EXE,
        deploy.DEFAULT_DATA_DIR,
        "nba-ml",
        4,
        0,
        "America/Chicago",
        "Europe/Berlin",
        flavour=flavour,
    )  # type: ignore[arg-type]


def test_the_configured_time_and_user_reach_the_crontab() -> None:
    settings = _settings(
        {
            "NBA_TRAINING_HOUR": "5",
            "NBA_TRAINING_MINUTE": "30",
            "NBA_TRAINING_TIMEZONE": "Europe/Paris",
        }
    )
    text = schedule(settings, "cronie", EXE, user="svc_ml")
    assert "CRON_TZ=Europe/Paris" in text.splitlines()
    assert f"30 5 * * * svc_ml {EXE} train --force --scheduled 2>&1 | logger -t nba-ml" in text
    assert "NBA_TRAINING_HOUR=5" in text and "NBA_TRAINING_MINUTE=30" in text


def test_systemd_is_every_unit_under_a_header_with_its_name() -> None:
    settings = _settings({"NBA_TRAINING_HOUR": "6", "NBA_TRAINING_MINUTE": "15"})
    text = schedule(settings, "systemd", EXE, user="svc_ml")
    units = deploy.render_systemd_units(EXE, None, "svc_ml", 6, 15, "America/Chicago")
    units[deploy.WEB_NAME] = deploy.render_web_unit(EXE, None, "svc_ml")
    assert text == "".join(f"# ---- {name}\n{body}" for name, body in units.items())
    headers = [line[len("# ---- ") :] for line in text.splitlines() if line.startswith("# ---- ")]
    assert headers == list(units) and deploy.TIMER_NAME in headers
    assert headers[-1] == "nba-ml-web.service"
    assert f"ExecStart={Path(EXE).with_name('gunicorn')} --workers 2 --preload" in text
    assert "SupplementaryGroups=svc_ml" in text and "NBA_ML_TRUSTED_OWNER=svc_ml" in text
    assert "OnCalendar=*-*-* 06:15:00 America/Chicago" in text


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_an_explicit_data_dir_is_named_in_the_files(tmp_path: Path, how: str) -> None:
    target = tmp_path / "models-here"
    settings = (
        _settings(data_dir=target) if how == "flag" else _settings({"NBA_ML_DATA_DIR": str(target)})
    )
    assert f"NBA_ML_DATA_DIR={target}" in schedule(settings, "cron", EXE).splitlines()
    assert f"Environment=NBA_ML_DATA_DIR={target}" in schedule(settings, "systemd", EXE)


@pytest.mark.parametrize(
    "environ", [{}, {"XDG_DATA_HOME": "/home/me/.data"}, {"STATE_DIRECTORY": "/var/lib/other"}]
)
def test_a_default_data_dir_is_the_deployment_s_not_this_machine_s(environ: dict[str, str]) -> None:
    """The data dir this shell would default to (~/.local/share, $XDG_DATA_HOME, a systemd
    StateDirectory) is not what the deployment should use: the files name the system default."""
    settings = _settings(environ)
    cron = schedule(settings, "cron", EXE)
    assert f"NBA_ML_DATA_DIR={deploy.DEFAULT_DATA_DIR}" in cron.splitlines()
    assert str(settings.data_dir) not in cron
    units = schedule(settings, "systemd", EXE)
    assert "StateDirectory=nba-ml" in units and str(settings.data_dir) not in units


def test_every_kind_the_usage_error_lists_renders() -> None:
    """KINDS once listed three kinds while four were accepted and named in the message."""
    with pytest.raises(UsageError) as caught:
        schedule(_settings(), "?", EXE)
    listed = str(caught.value).split("expected ", 1)[1].replace(" or ", ", ").split(", ")
    assert listed == list(KINDS)
    for kind in KINDS:
        text = schedule(_settings(), kind, EXE)
        assert (
            f"{EXE} train --force" in text
            or 'nba-ml", "train", "--force"' in text
            or ('"nba-ml", "daily"' in text)
        )


@pytest.mark.parametrize("kind", ["crontab", "", "CRON", "systemd "])
def test_an_unknown_kind_is_a_usage_error_that_lists_the_kinds(kind: str) -> None:
    with pytest.raises(UsageError) as caught:
        schedule(_settings(), kind, EXE)
    assert str(caught.value) == (
        f"invalid value for KIND: {kind!r}: expected cron, cronie, "
        "debian, systemd, compose or kubernetes"
    )
    assert caught.value.exit_code == EXIT_USAGE


def test_an_executable_that_needs_quoting_is_refused_by_the_renderer() -> None:
    with pytest.raises(ConfigError, match="must be an absolute path"):
        schedule(_settings(), "cron", "/opt/my venv/nba-ml")
    with pytest.raises(ConfigError, match="not a valid system user name"):
        schedule(_settings(), "systemd", EXE, user="Root User")


def test_output_dir_writes_each_unit_under_its_name(tmp_path: Path) -> None:
    # `schedule systemd` printed four units in one stream, to be cut apart by hand
    out = tmp_path / "units"
    out.mkdir()
    settings = _settings(data_dir=tmp_path / "data")
    written = schedule(settings, "systemd", EXE, output_dir=out)
    units = render_files(settings, "systemd", EXE)
    assert written == "".join(f"wrote {out / name}\n" for name in units)
    assert sorted(p.name for p in out.iterdir()) == sorted(units)
    for name, text in units.items():
        assert (out / name).read_text() == text
        assert (out / name).stat().st_mode & 0o777 == 0o644
    assert schedule(settings, "cron", EXE, output_dir=out) == f"wrote {out / CRON_FILE}\n"
    assert (out / CRON_FILE).read_text() == schedule(settings, "cron", EXE)


def test_output_dir_must_exist_and_stay_outside_the_data_dir(tmp_path: Path) -> None:
    settings = _settings(data_dir=tmp_path / "data")
    with pytest.raises(UsageError, match="is not an existing directory"):
        schedule(settings, "systemd", EXE, output_dir=tmp_path / "missing")
    assert not (tmp_path / "missing").exists()
    (tmp_path / "data").mkdir()
    with pytest.raises(UsageError, match="inside the data directory"):
        schedule(settings, "systemd", EXE, output_dir=tmp_path / "data")
    assert list((tmp_path / "data").iterdir()) == []


@pytest.mark.parametrize(
    ("exe", "data_dir", "expected"),
    [
        (
            "/home/ana/.venv/bin/nba-ml",
            None,
            ["ExecStart=/home/ana/.venv/bin/nba-ml is under /home, which ProtectHome=yes"],
        ),
        (EXE, "/tmp/nba", ["the data directory /tmp/nba is under /tmp, which PrivateTmp=yes"]),
        (
            "/root/nba-ml",
            "/home/ana/nba",
            [
                "under /root, which ProtectHome=yes",
                "the data directory /home/ana/nba is under /home",
            ],
        ),
        (EXE, "/srv/nba-ml", []),
        (EXE, None, []),
        ("/opt/homely/nba-ml", "/tmpfs/x", []),
    ],
)
def test_paths_the_sandbox_hides_are_warned_about(
    exe: str, data_dir: str | None, expected: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    # ExecStart=/home/... beside ProtectHome=yes, a data dir under /tmp beside PrivateTmp=yes:
    # rendered without a word, and both units failed at start
    from nba_ml.deploy.sandbox import sandbox_warnings

    found = sandbox_warnings(exe, data_dir)
    assert len(found) == len(expected)
    for line, part in zip(found, expected, strict=True):
        assert part in line
    settings = _settings(data_dir=Path(data_dir) if data_dir else None)
    with caplog.at_level("WARNING"):
        schedule(settings, "systemd", exe)
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == found


def test_compose_is_the_rendered_file_for_the_configured_time_and_image() -> None:
    settings = _settings({"NBA_TRAINING_HOUR": "6", "NBA_TRAINING_TIMEZONE": "Europe/Berlin"})
    text = schedule(settings, "compose", EXE, image="registry.example.com/nba-ml:2")
    assert text == deploy.render_compose("registry.example.com/nba-ml:2", 6, 0, "Europe/Berlin")
    assert schedule(_settings(), "compose", EXE) == (ROOT / "deploy" / "compose.yaml").read_text()


def test_compose_bind_mounts_an_explicit_data_dir(tmp_path: Path) -> None:
    text = schedule(_settings(data_dir=tmp_path), "compose", EXE)
    assert f"- {tmp_path}:/var/lib/nba-ml:ro" in text and "nba-ml-data:" not in text


def test_kubernetes_is_every_manifest_as_one_stream(tmp_path: Path) -> None:
    settings = _settings({"NBA_TRAINING_MINUTE": "15"}, data_dir=tmp_path)
    text = schedule(settings, "kubernetes", EXE, image="registry.example.com/nba-ml:2")
    files = deploy.render_kubernetes("registry.example.com/nba-ml:2", 4, 15, "America/Chicago")
    assert text == "---\n".join(f"# ---- kubernetes/{name}\n{body}" for name, body in files.items())
    assert 'schedule: "15 4 * * *"' in text and str(tmp_path) not in text
    shipped = ROOT / "deploy" / "kubernetes"
    assert schedule(_settings(), "kubernetes", EXE) == "---\n".join(
        f"# ---- kubernetes/{name}\n{(shipped / name).read_text()}" for name in files
    )
