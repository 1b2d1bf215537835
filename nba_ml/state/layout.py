"""The data directory's layout: the name of everything nba-ml keeps in it, and its mode.

::

    <data dir>/                          DATA_DIR_MODE 0750 (new parents PARENT_DIR_MODE 0755)
        models -> generations/<id>       MODELS_LINK: the installed set, a relative symlink
        generations/<id>/                GENERATIONS_DIR: one model set, its MANIFEST_NAME last
        history/game_data-<sha>.npz      HISTORY_DIR: the game data each set was trained on
        raw/leaguegamelog/*.json         RAW_DIR, GAMELOG_DIR: stats.nba.com's game logs
        raw/schedule/<YYYY-MM-DD>.json   SCHEDULE_DIR: the day's ScoreboardV3
        train.lock                       LOCK_NAME: the training lock
        runs.jsonl                       RUNS_NAME: the run log
        nba-ml.prom                      METRICS_NAME: the metrics file's default place

Directories nba-ml makes in it are DIR_MODE (0750) and its files FILE_MODE (0640), whatever the
umask; the metrics file alone is PUBLIC_FILE_MODE (0644: node_exporter's collector runs as
another user, and nothing in it is secret). The install side keeps its work in progress under
the hidden names TMP_PREFIX, TRASH_PREFIX (in ``generations/``) and LINK_TMP_PREFIX (beside
``models``). The names of the files inside ``generations/<id>``, ``history`` and ``raw`` follow
the grammar of the module that writes them (:mod:`nba_ml.state.install`,
:mod:`nba_ml.state.history`, :mod:`nba_ml.data.cache`). Every module asks :class:`DataLayout`
(or these names) for a path instead of joining names of its own.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

MODELS_LINK = "models"
GENERATIONS_DIR = "generations"
MANIFEST_NAME = "manifest.json"
HISTORY_DIR = "history"
RAW_DIR = "raw"
GAMELOG_DIR = "leaguegamelog"  # under raw/, named after the stats.nba.com endpoint
SCHEDULE_DIR = "schedule"  # under raw/
LOCK_NAME = "train.lock"
RUNS_NAME = "runs.jsonl"
METRICS_NAME = "nba-ml.prom"
TMP_PREFIX = ".tmp-"  # generations/.tmp-<id>: a set being written
TRASH_PREFIX = ".trash-"  # generations/.trash-<id>: a set being removed
LINK_TMP_PREFIX = ".models.tmp-"  # .models.tmp-<id>: the next models link, before its rename

DATA_DIR_MODE = 0o750
PARENT_DIR_MODE = 0o755
DIR_MODE = 0o750
FILE_MODE = 0o640
PUBLIC_FILE_MODE = 0o644

DATA_DIR_SHOWN = "<data dir>"  # the data directory in help, docs and a server's answers


@dataclasses.dataclass(frozen=True)
class DataLayout:
    """The paths of one data directory (nothing is read or created here)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def models(self) -> Path:
        """The ``models`` link: the installed set."""
        return self.root / MODELS_LINK

    @property
    def manifest(self) -> Path:
        """The installed set's manifest, reached through the ``models`` link."""
        return self.models / MANIFEST_NAME

    @property
    def generations(self) -> Path:
        return self.root / GENERATIONS_DIR

    def generation(self, name: str) -> Path:
        """The directory of the generation ``name``."""
        return self.generations / name

    @property
    def history(self) -> Path:
        return self.root / HISTORY_DIR

    @property
    def raw(self) -> Path:
        return self.root / RAW_DIR

    @property
    def lock(self) -> Path:
        return self.root / LOCK_NAME

    @property
    def runs(self) -> Path:
        return self.root / RUNS_NAME

    @property
    def metrics(self) -> Path:
        """The metrics file's default place (``NBA_ML_METRICS_FILE`` may put it elsewhere)."""
        return self.root / METRICS_NAME


def link_text(generation: str) -> str:
    """Return what the ``models`` link holds when it names ``generation`` (relative)."""
    return f"{GENERATIONS_DIR}/{generation}"


def shown_path(*parts: str) -> str:
    """Return a path under the data directory as messages and help show it, without the
    server's path: ``shown_path(MODELS_LINK)`` is ``<data dir>/models``."""
    return "/".join((DATA_DIR_SHOWN, *parts))
