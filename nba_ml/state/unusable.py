"""The one line that says why the installed model set cannot be used, and what to do.

A data directory where nothing was ever trained is the first thing a new user meets: it gets
"no models in D/models yet" and the command that makes them, not the list of problems (which
would say "no model set" twice). Any other problem is named as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nba_ml.errors import ModelInvalid
from nba_ml.state.files import safe_text
from nba_ml.state.layout import DataLayout

# the problem (of the whole set) of a data directory where no set was ever installed
NO_SET = "no model set at"
TRAIN_HINT = (
    "run `nba-ml train` (or `nba-ml train --from DIR` with game-log files, on a "
    "machine without internet)"
)


def nothing_installed(problems: Sequence[object]) -> bool:
    """Return True when the only problem is that no set was ever installed."""
    return len(problems) == 1 and str(getattr(problems[0], "problem", "")).startswith(f"{NO_SET} ")


def unusable_set(data_dir: Path, problems: Sequence[object]) -> ModelInvalid:
    """Return the ModelInvalid to raise for the set in ``data_dir`` with these problems (each
    shown by ``str``, e.g. ``store.ModelProblem``)."""
    where = safe_text(str(DataLayout(data_dir).models))
    if nothing_installed(problems):
        return ModelInvalid(f"no models in {where} yet: {TRAIN_HINT}")
    summary = "; ".join(str(problem) for problem in problems) or "the set is incomplete"
    return ModelInvalid(f"models in {where} are not usable: {summary}")
