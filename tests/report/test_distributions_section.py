"""report.distributions_section: the CRPS, the coverage beside the nominal levels and the PIT
histogram of every model carrying a predictive distribution, from the training record."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from nba_ml.manifest import TrainingRecord
from nba_ml.report.distributions_section import distributions_section, measured

PIT = [0.12, 0.1, 0.09, 0.1, 0.1, 0.1, 0.1, 0.09, 0.1, 0.1]


def _record(metrics: dict) -> TrainingRecord:
    return TrainingRecord.from_json({"metrics": metrics})


def _shape(crps: float, c50: float, c80: float, c90: float) -> dict:
    return {"crps": crps, "coverage_50": c50, "coverage_80": c80, "coverage_90": c90, "pit": PIT}


def test_every_model_with_a_distribution_gets_its_coverage_and_pit() -> None:
    record = _record(
        {
            "game_outcome": {"brier": 0.21, "n": 1000},  # no distribution: not shown
            "points": {"mae": 4.9, "n": 20000, **_shape(3.512, 0.497, 0.803, 0.9)},
            "margin": {"mae": 10.1, "n": 1165, **_shape(7.838, 0.465, 0.772, 0.877)},
            "total": {"mae": 15.1, "n": 1165},  # figures without its distribution's
        }
    )
    assert [spec.name for spec, _ in measured(record)] == ["points", "margin"]
    html = distributions_section(record)
    assert html.startswith('<section id="distributions">') and html.endswith("</section>\n")
    # the table: CRPS and the observed shares
    assert "7.838" in html and "46.5%" in html and "77.2%" in html and "87.7%" in html
    assert "3.512" in html and "game_outcome" not in html
    # the coverage chart: observed minus nominal per interval, around a line at nominal
    assert "observed = nominal" in html
    assert "margin, 50 % interval: -3.5" in html and "points, 80 % interval: +0.3" in html
    # one PIT histogram per model, with its calibrated line
    assert html.count("PIT histogram on the holdout") == 2
    assert "margin: PIT histogram" in html and "calibrated: 0.10 each" in html
    for chart in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        ET.fromstring(chart)  # well-formed, self-contained SVG


def test_a_set_trained_before_the_distributions_says_so() -> None:
    html = distributions_section(_record({"points": {"mae": 4.9}, "game_outcome": {}}))
    assert "records no predictive distributions" in html and "nba-ml train --force" in html
    assert "<svg" not in html


def test_a_model_without_a_pit_histogram_still_gets_its_row() -> None:
    shape = _shape(7.0, 0.5, 0.8, 0.9)
    del shape["pit"]
    html = distributions_section(_record({"margin": {"n": 10, **shape}}))
    assert "7.000" in html and "No PIT histogram recorded" in html
