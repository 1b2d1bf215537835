"""``backtest``: walk-forward predictions of one season from the seasons before it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from nba_ml.commands.output import check_output_path


@dataclasses.dataclass(frozen=True)
class BacktestSummary:
    """What the backtest wrote: ``rows`` predictions to ``output``, and the figures over them."""

    test_season: str
    train_seasons: list[str]
    rows: int
    output: Path
    figures: dict[str, dict[str, Any]]
    availability: str = "box-score"


def backtest(
    source: Path,
    test_season: str,
    output: Path,
    data_dir: Path | None = None,
    availability: str = "box-score",
) -> BacktestSummary:
    """Run the walk-forward backtest of ``test_season`` on exports in ``source``; write the CSV.

    Raises UsageError for a malformed season or an ``output`` that is not a writable regular
    file path outside ``data_dir`` (checked before and after the work), DataError when the
    season is not in the data or ``availability`` is not a mode of
    ``modeling.backtest.AVAILABILITY_MODES`` (``box-score``: each test game's absent rotation
    players from its own box score, an idealised inactive list; ``none``: nobody known out).
    """
    from nba_ml.data import importer
    from nba_ml.data.seasons import parse_season, season_label
    from nba_ml.errors import UsageError
    from nba_ml.modeling.backtest import AVAILABILITY_MODES, run_backtest, write_predictions

    if availability not in AVAILABILITY_MODES:
        raise UsageError(
            f"--availability must be one of {', '.join(AVAILABILITY_MODES)}, not {availability!r}"
        )

    test_season = season_label(parse_season(test_season))  # " 2019-20" is 2019-20
    output = check_output_path(Path(output), data_dir)
    data = importer.load_directory(Path(source))
    result = run_backtest(data, test_season, availability)
    write_predictions(result, check_output_path(output, data_dir))
    figures = {
        name: {k: v for k, v in values.items() if k != "calibration"}
        for name, values in result.figures.items()
    }
    return BacktestSummary(
        test_season,
        list(result.train_seasons),
        len(result.predictions),
        output,
        figures,
        availability,
    )
