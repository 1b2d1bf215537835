"""state.versions: installed versions read from .dist-info names, as importlib.metadata reads them.

``check`` compares the scikit-learn a set was saved with to this reading on every start of a web
server (the store's version problems are in tests/state/test_store.py), so it must agree with
importlib.metadata and stay cheap.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from nba_ml.state.install import _VERSION_PACKAGES
from nba_ml.state.versions import installed_version
from tests.conftest import ROOT


def dist_info(site: Path, directory: str, version: str | None = None) -> Path:
    """Make ``site/directory`` as an installer would (METADATA names the version)."""
    path = site / directory
    path.mkdir(parents=True)
    if version is not None:
        name = directory.split("-", 1)[0]
        (path / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return path


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty site-packages that is the whole of sys.path."""
    path = tmp_path / "site-packages"
    path.mkdir()
    monkeypatch.setattr(sys, "path", [str(path)])
    return path


@pytest.mark.parametrize("distribution", sorted(_VERSION_PACKAGES.values()))
def test_every_recorded_package_reads_as_importlib_metadata_reads_it(distribution: str) -> None:
    assert installed_version(distribution) == importlib.metadata.version(distribution)


def test_the_name_is_normalized_as_wheels_name_their_dist_info(site: Path) -> None:
    dist_info(site, "scikit_learn-1.4.2.dist-info")
    dist_info(site, "Old_Style-0.9.dist-info")
    assert installed_version("scikit-learn") == "1.4.2"
    assert installed_version("scikit_learn") == "1.4.2"
    assert installed_version("Scikit-Learn") == "1.4.2"
    assert installed_version("old-style") == "0.9"


def test_a_longer_name_with_the_same_start_is_another_package(site: Path) -> None:
    dist_info(site, "numpy_financial-1.0.0.dist-info")
    dist_info(site, "numpyro-0.15.dist-info")
    dist_info(site, "numpy.tar-2.0.dist-info")
    assert installed_version("numpy") is None


def test_the_first_entry_of_sys_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "user", tmp_path / "system"
    dist_info(second, "joblib-1.3.0.dist-info")
    dist_info(first, "joblib-1.5.1.dist-info")
    monkeypatch.setattr(sys, "path", [str(first), str(second)])
    assert installed_version("joblib") == "1.5.1"
    monkeypatch.setattr(sys, "path", [str(second), str(first)])
    assert installed_version("joblib") == "1.3.0"


def test_entries_that_cannot_be_listed_are_skipped(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "python311.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: a file, not a directory
    dist_info(site, "pandas-2.2.3.dist-info")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(archive), str(site)])
    assert installed_version("pandas") == "2.2.3"


def test_an_empty_entry_is_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist_info(tmp_path, "nba_api-1.10.0.dist-info")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [""])
    assert installed_version("nba_api") == "1.10.0"


def test_without_a_dist_info_importlib_metadata_answers(site: Path) -> None:
    egg = site / "legacy_pkg.egg-info"  # a setup.py develop install: no .dist-info directory
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy-pkg\nVersion: 3.1\n")
    assert installed_version("legacy-pkg") == "3.1"


def test_a_package_that_is_not_installed_has_no_version(site: Path) -> None:
    dist_info(site, "scikit_learn.dist-info")  # no version in the name: not a wheel's directory
    assert installed_version("nba-ml-not-a-package") is None
    assert installed_version("scikit-learn") is None


def test_reading_the_version_of_an_installed_package_imports_no_metadata_library() -> None:
    code = (
        "import sys\nfrom nba_ml.state.versions import installed_version\n"
        "version = installed_version('scikit-learn')\n"
        "print(version, sorted(m for m in ('importlib.metadata', 'email', 'sklearn')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split(" ", 1) == [importlib.metadata.version("scikit-learn"), "[]\n"]
