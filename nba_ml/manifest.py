"""An installed set's ``manifest.json``: :class:`Manifest` and its :class:`TrainingRecord`.

The JSON is manifest schema 2, as nba-ml has written it since models are saved with skops. It is
parsed once, by :meth:`Manifest.from_json`, where the store reads it (``state.store``): a file
that is not a JSON object with a ``models`` table is a damaged set (a model problem there); any
other field that is missing or of the wrong type reads as None (``status`` shows it as such).
:meth:`Manifest.to_json` writes it back exactly as it was read, and the install side
(``state.install``) writes a new set's manifest from :meth:`Manifest.new`: what is written is
what is read.

Standard library only, like :mod:`nba_ml.modelset`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from nba_ml import modelset
from nba_ml.modelset import ModelSpec, finite

# 2: models saved with skops, game data as numpy arrays; 1 (pickles) is refused
MANIFEST_SCHEMA = 2


def _text(raw: object) -> str | None:
    return raw if isinstance(raw, str) else None


def _int(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _object(raw: object) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def as_date(raw: object) -> dt.date | None:
    """Return the date an ISO text starts with (``2024-01-31``, ``2024-01-31T...``), else None."""
    if not isinstance(raw, str):
        return None
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class Holdout:
    """The held-out games a set's figures were measured on (``name``: "season 2023-24")."""

    name: str | None
    start: str | None
    games: int | None
    player_games: int | None


@dataclasses.dataclass(frozen=True)
class TrainingRecord:
    """What a manifest's ``training`` object records: the data window, the rows trained on
    (``games``, ``team_games``, ``player_games``), the holdout, the holdout figures by model
    name (each a JSON object as training wrote it), the game model's calibration table, and the
    saved game data's sha256. Fields that are missing or malformed are None (or empty);
    ``problems`` says which of them a reader should be told about."""

    seasons: tuple[str, ...] | None
    first_game_date: str | None
    last_game_date: str | None  # an ISO date (lenient: a time after it is ignored), else None
    holdout: Holdout | None
    rows: Mapping[str, int]
    metrics: dict[str, dict[str, Any]]
    calibration: tuple[dict[str, Any], ...]
    history_sha256: str | None
    problems: tuple[str, ...]
    raw: Mapping[str, Any] = dataclasses.field(repr=False)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TrainingRecord:
        """Parse a ``training`` object; never raises (damage reads as None)."""
        problems = []
        last = raw.get("last_game_date")
        if last is not None and as_date(last) is None:
            problems.append(f"the manifest's last_game_date {str(last)[:40]!r} is not a date")
        holdout = raw.get("holdout")
        seasons = raw.get("seasons")
        metrics = _object(raw.get("metrics"))
        calibration = raw.get("calibration")
        return cls(
            seasons=tuple(s for s in seasons if isinstance(s, str))
            if isinstance(seasons, list)
            else None,
            first_game_date=_text(raw.get("first_game_date")),
            last_game_date=_text(last) if as_date(last) else None,
            holdout=Holdout(
                _text(holdout.get("name")),
                _text(holdout.get("start")),
                _int(holdout.get("games")),
                _int(holdout.get("player_games")),
            )
            if isinstance(holdout, dict)
            else None,
            rows={k: v for k, v in _object(raw.get("rows")).items() if _int(v) is not None},
            metrics={k: v for k, v in metrics.items() if isinstance(v, dict)},
            calibration=tuple(b for b in calibration if isinstance(b, dict))
            if isinstance(calibration, list)
            else (),
            history_sha256=_text(raw.get("history_sha256")) or None,
            problems=tuple(problems),
            raw=raw,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the record as the manifest stores it."""
        return dict(self.raw)

    def figures(self, model: str) -> dict[str, Any] | None:
        """Return the holdout figures recorded for ``model``, or None."""
        return self.metrics.get(model)

    def figure(self, model: str, key: str) -> float | None:
        """Return one holdout figure of ``model`` when it is a finite number, else None."""
        return finite((self.metrics.get(model) or {}).get(key))

    @property
    def last_game(self) -> dt.date | None:
        """The date of the last game the set was trained on."""
        return as_date(self.last_game_date)


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """A manifest's line for one model file: its name, sha256 and size."""

    file: str | None
    sha256: str | None
    bytes: int | None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "bytes": self.bytes}


class ManifestDamaged(ValueError):
    """A manifest that is not a JSON object with a ``models`` table (the reason is the text)."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    """An installed set's ``manifest.json`` (schema 2), parsed once.

    ``schema`` is what the file says (the store refuses any but :data:`MANIFEST_SCHEMA`);
    ``models``: the entries by model name; ``training``: None when the manifest records none
    (not a JSON object); ``versions``: library versions at training (``sklearn`` is checked).
    """

    schema: object
    generation: str | None
    previous_generation: str | None
    trained_at: str | None
    models: Mapping[str, ModelEntry]
    versions: Mapping[str, object]
    training: TrainingRecord | None
    raw: Mapping[str, Any] = dataclasses.field(repr=False)

    @classmethod
    def from_json(cls, raw: object) -> Manifest:
        """Parse a manifest; raise :class:`ManifestDamaged` when it has no models table."""
        if not isinstance(raw, dict) or not isinstance(raw.get("models"), dict):
            raise ManifestDamaged("has no models table")
        training = raw.get("training")
        return cls(
            schema=raw.get("schema"),
            generation=_text(raw.get("generation")),
            previous_generation=_text(raw.get("previous_generation")),
            trained_at=_text(raw.get("trained_at")),
            models={
                name: ModelEntry(
                    _text(entry.get("file")), _text(entry.get("sha256")), _int(entry.get("bytes"))
                )
                for name, entry in raw["models"].items()
                if isinstance(entry, dict)
            },
            versions=_object(raw.get("versions")),
            training=TrainingRecord.from_json(training) if isinstance(training, dict) else None,
            raw=raw,
        )

    @classmethod
    def new(
        cls,
        *,
        generation: str,
        previous_generation: str | None,
        trained_at: str,
        models: Mapping[str, ModelEntry],
        versions: Mapping[str, object],
        training: Mapping[str, Any],
    ) -> Manifest:
        """Return the manifest of a set being installed (``training``: JSON-ready)."""
        return cls.from_json(
            {
                "schema": MANIFEST_SCHEMA,
                "generation": generation,
                "previous_generation": previous_generation,
                "trained_at": trained_at,
                "models": {name: entry.to_json() for name, entry in models.items()},
                "versions": dict(versions),
                "training": dict(training),
            }
        )

    def to_json(self) -> dict[str, Any]:
        """Return the manifest as ``manifest.json`` stores it."""
        return dict(self.raw)

    @property
    def record(self) -> TrainingRecord:
        """The training record, empty when the manifest records none."""
        return self.training if self.training is not None else EMPTY_RECORD

    def lacking(self, specs: tuple[ModelSpec, ...] | None = None) -> tuple[ModelSpec, ...]:
        """Return the optional models (``required`` False) this set does not list: it was
        trained before they existed, and serves without them until the next training."""
        return tuple(
            model
            for model in (specs if specs is not None else modelset.models())
            if not model.required and model.name not in self.models
        )


EMPTY_RECORD = TrainingRecord.from_json({})
