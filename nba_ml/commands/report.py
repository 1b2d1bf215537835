"""``report``: the self-contained HTML page on the installed model set."""

from __future__ import annotations

from pathlib import Path

from nba_ml.commands.output import check_output_path
from nba_ml.config import Settings
from nba_ml.errors import DataError, UsageError


def report(
    settings: Settings, output: Path, *, fast: bool = False, fivethirtyeight: Path | None = None
) -> Path:
    """Write the HTML report to ``output`` (a regular file in an existing directory); return it.

    ``fivethirtyeight``: FiveThirtyEight's nba_elo CSV, whose Elo and RAPTOR forecasts the page
    scores beside the game model on the same holdout games; read before anything else.
    Raises UsageError for an unusable ``output`` or a missing or malformed ``fivethirtyeight``
    file, ModelInvalid, DataError or StorageError.
    """
    from nba_ml.report.fivethirtyeight import read_forecasts
    from nba_ml.report.page import write_report
    from nba_ml.state.files import safe_text

    output = check_output_path(Path(output), settings.data_dir)
    forecasts = None
    if fivethirtyeight is not None:
        try:
            forecasts = read_forecasts(Path(fivethirtyeight))
        except DataError as error:
            raise UsageError(
                f"--fivethirtyeight {safe_text(str(fivethirtyeight))}: {error}"
            ) from None
    return write_report(
        settings.data_dir,
        output,
        fast=fast,
        jobs=settings.jobs,
        forecasts=forecasts,
        forecasts_source=Path(fivethirtyeight or "").name,
    )
