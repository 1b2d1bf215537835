"""The metrics file: node_exporter's textfile-collector format, rewritten after every run.

``<data-dir>/nba-ml.prom`` by default (``NBA_ML_METRICS_FILE`` puts it in the collector's
directory). It is derived from the run history and the installed set's manifest, so every run
rewrites all of it, atomically (a temporary ``.nba-ml.prom.*.tmp`` that the collector ignores,
then a rename): a scrape never sees half a file. Metric names start ``nba_ml_``:

- per command (``train``, ``ensure``): the last run's end time, exit code, outcome (one series
  per outcome, 1 for the last one) and duration, and the end time of the last success (exit 0
  and not ``skipped``: a training that installed a set; a guard skip or fresh models did nothing);
- the installed set: valid or not, when it was trained, its last game, and each model's headline
  holdout figure (``nba_ml_holdout_<figure>``, e.g. the game model's Brier score and each player
  model's MAE, labelled with the ``model``), and the predictive distributions' CRPS and central
  interval coverage (``nba_ml_holdout_crps``, ``nba_ml_holdout_interval_coverage``), each
  labelled with the set's ``generation``.
"""

from __future__ import annotations

import logging
import math
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nba_ml import modelset
from nba_ml.errors import Outcome
from nba_ml.manifest import Manifest, TrainingRecord
from nba_ml.state.files import (
    FileDamaged,
    atomic_write,
    describe_file_type,
    describe_os_error,
    parse_utc,
    safe_text,
)
from nba_ml.state.layout import PUBLIC_FILE_MODE

logger = logging.getLogger(__name__)

# Outcomes always exported (0 or 1), so an alert rule can match any of them before it happens:
# every outcome a run is recorded with (``valid``, an ensure that found valid models, is not).
KNOWN_OUTCOMES = tuple(o.value for o in Outcome if o is not Outcome.VALID)
COMMANDS = ("train", "ensure")
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _label_value(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(value)


class _Exposition:
    """Metric families in the text exposition format: HELP and TYPE, then the samples."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(
        self, name: str, help_text: str, samples: Iterable[tuple[Mapping[str, object], float]]
    ) -> None:
        assert _NAME.match(name) and name.startswith("nba_ml_"), name
        rows = list(samples)
        if not rows:
            return
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        for labels, value in rows:
            inside = ",".join(f'{key}="{_label_value(val)}"' for key, val in labels.items())
            self.lines.append(
                f"{name}{{{inside}}} {_number(value)}" if inside else f"{name} {_number(value)}"
            )

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _timestamp(raw: object) -> float | None:
    parsed = parse_utc(raw)
    return parsed.timestamp() if parsed is not None else None


def _float(raw: object) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None
    try:
        return float(raw)
    except OverflowError:  # an int of 400 digits in a damaged record
        return None


def render_metrics(runs: list[dict[str, Any]], manifest: Manifest | None, valid: bool) -> str:
    """Return the metrics file's text for the run history (oldest first) and the installed set."""
    last: dict[str, dict[str, Any]] = {}
    success: dict[str, float] = {}
    for run in runs:
        command = run.get("command")
        if command not in COMMANDS:
            continue
        last[command] = run
        ended = _timestamp(run.get("ended_at"))
        if (
            run.get("exit_code") == 0
            and run.get("outcome") != Outcome.SKIPPED.value
            and ended is not None
        ):
            success[command] = ended
    out = _Exposition()
    out.family(
        "nba_ml_last_success_timestamp_seconds",
        "End of the last run that did its work (exit 0, not skipped), Unix time.",
        (({"command": c}, success[c]) for c in COMMANDS if c in success),
    )
    ends = {c: _timestamp(r.get("ended_at")) for c, r in last.items()}
    out.family(
        "nba_ml_last_run_timestamp_seconds",
        "End of the last run, Unix time.",
        (({"command": c}, t) for c, t in ends.items() if t is not None),
    )
    out.family(
        "nba_ml_last_run_exit_code",
        "Exit code of the last run (0 ok, 1 failed, 2 usage, 3 not promoted, 75 temporary).",
        (
            ({"command": c}, code)
            for c, r in last.items()
            if (code := _float(r.get("exit_code"))) is not None
        ),
    )
    outcome_rows = []
    for command, run in last.items():
        outcome = str(run.get("outcome", "unknown"))
        for name in dict.fromkeys([*KNOWN_OUTCOMES, outcome]):
            outcome_rows.append(
                ({"command": command, "outcome": name}, 1.0 if name == outcome else 0.0)
            )
    out.family(
        "nba_ml_last_run_outcome",
        "1 for the outcome of the last run, 0 for the others.",
        outcome_rows,
    )
    durations = []
    for command, run in last.items():
        started, ended = _timestamp(run.get("started_at")), ends[command]
        if started is not None and ended is not None:
            durations.append(({"command": command}, max(0.0, ended - started)))
    out.family("nba_ml_last_run_duration_seconds", "Wall time of the last run.", durations)
    _model_set(out, manifest, valid)
    return out.text()


def _model_set(out: _Exposition, manifest: Manifest | None, valid: bool) -> None:
    generation = (manifest.generation or "") if manifest else ""
    label = {"generation": generation}
    out.family(
        "nba_ml_models_valid",
        "1 when the installed model set passes verification.",
        [(label, 1.0 if valid else 0.0)],
    )
    if not manifest:
        return
    training = manifest.record
    trained = _timestamp(manifest.trained_at)
    out.family(
        "nba_ml_models_trained_timestamp_seconds",
        "When the installed model set was trained, Unix time.",
        [(label, trained)] if trained is not None else [],
    )
    last_game = _timestamp(f"{training.last_game_date}T00:00:00+00:00")
    out.family(
        "nba_ml_models_last_game_timestamp_seconds",
        "Date of the last game the installed set was trained on (00:00 UTC), Unix time.",
        [(label, last_game)] if last_game is not None else [],
    )
    # one family per headline figure (Brier, MAE ...), in the registry's order
    headlines: dict[str, modelset.Figure] = {}
    for spec in modelset.models():
        headlines.setdefault(spec.headline.key, spec.headline)
    for key, figure in headlines.items():
        out.family(
            f"nba_ml_holdout_{key}",
            figure.metric_help,
            [
                ({**label, "model": spec.name}, value)
                for spec in modelset.models()
                if spec.headline.key == key
                and (value := _float((training.figures(spec.name) or {}).get(key))) is not None
            ],
        )
    _distributions(out, training, label, set(headlines))
    holdout = training.holdout
    games = _float(holdout.games) if holdout is not None else None
    out.family(
        "nba_ml_holdout_games",
        "Games in the installed set's holdout.",
        [(label, games)] if games is not None else [],
    )


def _distributions(
    out: _Exposition, training: TrainingRecord, label: dict[str, str], shown: set[str]
) -> None:
    """Add the predictive distributions' holdout CRPS (``nba_ml_holdout_crps``, unless it is
    some model's headline) and the coverage of their 50 / 80 / 90 % central intervals
    (``nba_ml_holdout_interval_coverage``, labelled with the ``interval``'s nominal level)."""
    specs = [spec for spec in modelset.models() if spec.distribution is not None]
    if "crps" not in shown:
        out.family(
            "nba_ml_holdout_crps",
            "Holdout CRPS of each installed model's predictive distribution (lower is better).",
            [
                ({**label, "model": spec.name}, value)
                for spec in specs
                if (value := _float((training.figures(spec.name) or {}).get("crps"))) is not None
            ],
        )
    out.family(
        "nba_ml_holdout_interval_coverage",
        "Share of the holdout outcomes inside each installed model's central predictive "
        "interval; nominal: the interval label (0.8 should cover 80 %).",
        [
            ({**label, "model": spec.name, "interval": f"{level / 100:g}"}, value)
            for spec in specs
            for level in (50, 80, 90)
            if (value := _float((training.figures(spec.name) or {}).get(f"coverage_{level}")))
            is not None
        ],
    )


def write_run_metrics(path: Path, runs_path: Path, data_dir: Path) -> None:
    """Rewrite the metrics file ``path`` from the run history and the installed set.

    Never raises: a metrics file that cannot be written must not fail the run; one warning says
    why. Only a regular file or a symbolic link (replaced as a link) is replaced: a FIFO, a
    device (``NBA_ML_METRICS_FILE=/dev/null``), a socket or a directory there is left alone.
    """
    from nba_ml.state.runlog import read_runs
    from nba_ml.state.store import verify_model_set

    try:
        _check_replaceable(path)
        verification = verify_model_set(data_dir)
        text = render_metrics(read_runs(runs_path), verification.manifest, verification.ok)
        atomic_write(path, text, mode=PUBLIC_FILE_MODE)
    except FileDamaged as error:
        logger.warning(
            "could not write the metrics file %s; it is left as it is", safe_text(str(error))
        )
    except OSError as error:
        logger.warning(
            "could not write the metrics file %s: %s",
            safe_text(str(path)),
            describe_os_error(error),
        )
    except Exception as error:  # noqa: BLE001 - the run's own outcome matters more
        logger.warning(
            "could not write the metrics file %s: %s", safe_text(str(path)), safe_text(str(error))
        )


def _check_replaceable(path: Path) -> None:
    """Raise FileDamaged unless ``path`` is absent, a regular file or a symbolic link."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise FileDamaged(path, f"is not a regular file ({describe_file_type(mode)})")
