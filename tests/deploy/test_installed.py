"""deploy.installed: the timer or crontab files that are in place, and none on a bare root."""

from __future__ import annotations

from pathlib import Path

from nba_ml.deploy.installed import SCHEDULE_FILES, installed_schedules


def test_the_installed_files_are_found(tmp_path: Path) -> None:
    assert installed_schedules(tmp_path) == []
    timer = tmp_path / "etc/systemd/system/nba-ml-train.timer"
    timer.parent.mkdir(parents=True)
    timer.write_text("[Timer]\n")
    cron = tmp_path / "etc/cron.d/nba-ml"
    cron.parent.mkdir(parents=True)
    cron.symlink_to(tmp_path / "elsewhere")  # a dangling link is still installed
    assert installed_schedules(tmp_path) == [str(timer), str(cron)]
    assert "etc/cron.d/nba-ml" in SCHEDULE_FILES
