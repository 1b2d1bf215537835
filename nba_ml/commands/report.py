"""``report``: the self-contained HTML page on the installed model set."""

from __future__ import annotations

from pathlib import Path

from nba_ml.commands.output import check_output_path
from nba_ml.config import Settings


def report(settings: Settings, output: Path, *, fast: bool = False) -> Path:
    """Write the HTML report to ``output`` (a regular file in an existing directory); return it.

    Raises UsageError for an unusable ``output``, ModelInvalid, DataError or StorageError.
    """
    from nba_ml.report.page import write_report

    output = check_output_path(Path(output), settings.data_dir)
    return write_report(settings.data_dir, output, fast=fast, jobs=settings.jobs)
