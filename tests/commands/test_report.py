"""``report``: ``--output`` is checked before anything is read, then the page is written there.

The page's content is tested in tests/report/; here the command's contract on a set trained on
synthetic seasons (tests/commands/conftest.py): the order of its refusals and what it returns.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from nba_ml.commands.report import report
from nba_ml.config import Settings, resolve_settings
from nba_ml.errors import EXIT_FAILURE, EXIT_USAGE, ModelInvalid, UsageError


@pytest.fixture(scope="module")
def settings(synthetic_set: Path) -> Settings:
    return resolve_settings(synthetic_set, environ={})


@pytest.fixture
def empty(tmp_path: Path) -> Settings:
    return resolve_settings(tmp_path / "no-models", environ={})


@pytest.mark.parametrize("fast", [False, True])
def test_an_unusable_output_is_refused_before_the_models_are_read(
        empty: Settings, tmp_path: Path, fast: bool) -> None:
    """A usage error (exit 2), not "models not usable" (exit 1), though there are no models."""
    os.mkfifo(tmp_path / "fifo")
    for target, needle in [(tmp_path, "is a directory"), (tmp_path / "fifo", "is a FIFO"),
                           (tmp_path / "no" / "page.html", "does not exist (it is not created)")]:
        with pytest.raises(UsageError, match=re.escape(needle)) as caught:
            report(empty, target, fast=fast)
        assert caught.value.exit_code == EXIT_USAGE
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("fast", [False, True])
def test_no_models_is_model_invalid_and_writes_nothing(empty: Settings, tmp_path: Path,
                                                       fast: bool) -> None:
    target = tmp_path / "page.html"
    with pytest.raises(ModelInvalid, match=r"no models in .* yet: run `nba-ml train`") as caught:
        report(empty, target, fast=fast)
    assert caught.value.exit_code == EXIT_FAILURE
    assert not target.exists()


def test_the_page_is_written_to_output_and_its_path_returned(settings: Settings,
                                                             tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    written = report(settings, target, fast=True)
    assert written == target
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "(in-sample)" in page  # --fast says its per-minute figures are not out-of-sample
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left


def test_a_str_output_is_a_path_and_a_symlink_is_replaced_not_followed(
        settings: Settings, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(precious)
    assert report(settings, str(link), fast=True) == link  # type: ignore[arg-type]
    assert precious.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text().startswith("<!DOCTYPE html>")
