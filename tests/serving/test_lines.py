"""Lines on player stats: parsed with every bad one named, answered from the distributions
(P(push) only on whole lines), quantiles as whole counts."""

from __future__ import annotations

import numpy as np
import pytest

from nba_ml.errors import UsageError
from nba_ml.serving.lines import Line, line_probabilities, parse_lines, quantiles


def test_lines_are_parsed_with_either_separator() -> None:
    assert parse_lines(["points=24.5", " Rebounds=8"]) == [
        Line("points", 24.5),
        Line("rebounds", 8.0),
    ]
    assert parse_lines(["assists:8.5"], separator=":") == [Line("assists", 8.5)]
    assert Line("rebounds", 8.0).whole and not Line("points", 24.5).whole
    assert Line("points", 24.5).text(":") == "points:24.5"


def test_every_bad_line_is_named() -> None:
    with pytest.raises(UsageError) as error:
        parse_lines(["points=24.5", "steals=2", "assists=-1", "rebounds", "points=abc"])
    message = str(error.value)
    for bad in ("'steals=2'", "'assists=-1'", "'rebounds'", "'points=abc'"):
        assert bad in message
    assert "'points=24.5'" not in message and "bad lines" in message
    with pytest.raises(UsageError, match=r"points:24\.5"):
        parse_lines(["points=24.5"], separator=":")
    with pytest.raises(UsageError, match="'points=nan'"):
        parse_lines(["points=nan"])
    with pytest.raises(UsageError, match="'points=1000'"):
        parse_lines(["points=1000"])


def test_answers_from_a_distribution() -> None:
    # P(y = 0..3) = 0.1, 0.2, 0.3, 0.4
    cdf = np.array([[0.1, 0.3, 0.6, 1.0]])
    assert line_probabilities(cdf, Line("assists", 1.5)) == [{"over": 0.7, "under": 0.3}]
    assert line_probabilities(cdf, Line("assists", 2.0)) == [
        {"over": 0.4, "under": 0.3, "push": 0.3}
    ]
    assert quantiles(cdf) == [
        {"q05": 0.0, "q10": 0.0, "q25": 1.0, "q50": 2.0, "q75": 3.0, "q90": 3.0, "q95": 3.0}
    ]
