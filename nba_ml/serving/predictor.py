"""The serving API: predictions for upcoming games and players from the saved models and data.

A web server does::

    from nba_ml.serving.predictor import load_predictor

    predictor = load_predictor("/var/lib/nba-ml")           # verifies and loads once
    predictor.predict_games([("BOS", "PHI"), ("LAL", "GSW")], date="2026-11-28")
    predictor.predict_players([{"player_id": 2544, "opponent": "GSW", "is_home": True}],
                              date="2026-11-28")

Each returns a list of frozen predictions (``serving.predictions``: ``GamePrediction``,
``PlayerPrediction``), one per item asked, each with what served it; ``as_dict()`` is the JSON
form ``nba-ml predict --json`` and the web API answer. Inputs are built by
``modeling.features`` from the saved game data with upcoming rows appended: the same code path
as training and backtest; the rows of each date asked are kept in a ``serving.dayrows.DayCache``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml import modelset
from nba_ml.data.seasons import days_behind, is_stale, today_in_chicago
from nba_ml.errors import DataError, ServingBusy, UsageError
from nba_ml.modeling import availability as absences
from nba_ml.modeling import features, models
from nba_ml.serving.availability import (
    Availability,
    OutPlayer,
    ReportCache,
    ReportUnreadable,
    report_outs,
)
from nba_ml.serving.dayrows import (
    DayCache,
    DayRows,
    Prepared,
    compute_day,
    last_game_of,
    latest_players,
)
from nba_ml.serving.inputs import (
    check_horizon,
    parse_day,
    resolve_team,
    upcoming_day,
)
from nba_ml.serving.player_side import PlayerSide
from nba_ml.serving.predictions import GamePrediction
from nba_ml.serving.provenance import Provenance, provenance, stale_warning

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from nba_ml.data.importer import GameData
    from nba_ml.manifest import Manifest
    from nba_ml.state.held import HeldHistory

logger = logging.getLogger(__name__)

WARNED_DAYS = 64  # days predicted whose stale warning is remembered (bounded, whatever is asked)
LISTED_KEPT = 8  # absence lists whose applied sides are kept (the latest ones)


@dataclasses.dataclass
class Predictor(PlayerSide):
    """Loaded models plus the game data they were trained on.

    The first request for a date runs the training feature code once over the whole history
    with one upcoming game per team and one upcoming row per active player on that date (a few
    seconds); later requests for that date only look rows up and combine a game's two sides
    (``features.add_game_diffs``) or a player's row with his opponent
    (``player_table.opponent_features``): milliseconds. ``warm(date)`` does the first step ahead.
    ``day_rows`` (a ``serving.dayrows.DayCache``) keeps those rows and the player lookups.

    ``history`` may be None (``load_models``): the game data then stays on disk, named by the
    manifest's sha256 under ``data_dir`` (``held``: the very file verified, held open by a live
    server); ``adopt`` takes the rows and player lookups that a helper process computed from
    it, and a date nobody prepared reads it for one feature pass (``compute_elsewhere``: in a
    helper process). A live server sets ``horizon_days`` (dates beyond are refused) and
    ``busy_wait`` (seconds a request waits for another date's feature pass, then ServingBusy).
    """

    models: dict[str, Any]
    history: GameData | None
    manifest: Manifest | None = dataclasses.field(default=None, repr=False)
    data_dir: Path | None = dataclasses.field(default=None, repr=False)
    _last_game: dt.date | None = dataclasses.field(default=None, repr=False)
    day_rows: DayCache = dataclasses.field(default_factory=DayCache, repr=False)
    _reports: ReportCache = dataclasses.field(default_factory=lambda: ReportCache(), repr=False)
    _compute_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)
    _warned: set[str] = dataclasses.field(default_factory=set, repr=False)
    # the day's sides with an absence list applied, by (day rows, ids): the slate's games and
    # players, and every request while an injury report stays the same, compute them once
    _listed: dict[tuple[int, frozenset[int]], tuple[DayRows, pd.DataFrame]] = dataclasses.field(
        default_factory=dict, repr=False
    )
    _listed_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)
    held: HeldHistory | None = dataclasses.field(default=None, repr=False)
    horizon_days: int | None = None
    clock: Callable[[], dt.date] | None = dataclasses.field(default=None, repr=False)
    busy_wait: float | None = None
    _computing: pd.Timestamp | None = dataclasses.field(default=None, repr=False)
    compute_elsewhere: Callable[[pd.Timestamp], DayRows] | None = dataclasses.field(
        default=None, repr=False
    )

    @property
    def generation(self) -> str | None:
        """The id of the generation these models come from (None when unknown)."""
        return (self.manifest.generation or None) if self.manifest is not None else None

    @property
    def trained_at(self) -> str | None:
        return (self.manifest.trained_at or None) if self.manifest is not None else None

    @functools.cached_property
    def last_game_date(self) -> dt.date | None:
        """The date of the last game in the data these models predict from."""
        if self.history is None and self._last_game is not None:
            return self._last_game
        return last_game_of(self.games())

    def games(self) -> GameData:
        """Return the game data: the one held, else read (sha256-checked) from ``data_dir``
        for this call only (a server keeps only the rows and lookups it needs)."""
        if self.history is not None:
            return self.history
        if self.held is not None:
            return self.held.load()
        if self.data_dir is None or not self.history_sha256:
            raise DataError("this predictor holds no game data; run `nba-ml train --force`")
        from nba_ml.state.history import load_history

        return load_history(self.data_dir, self.history_sha256)

    def staleness(self, today: dt.date | None = None) -> tuple[int | None, bool]:
        """Return (days the data's last game is behind ``today``, whether that is stale) by the
        rule ``status`` uses (``data.seasons.is_stale``); ``today`` (the day predicted)
        defaults to Chicago's."""
        return days_behind(self.last_game_date, today or today_in_chicago()), is_stale(
            self.last_game_date, today or today_in_chicago()
        )

    def stale_warning(self, today: dt.date | None = None) -> str | None:
        """Return the warning for predicting ``today`` (default: Chicago's) from stale data, or
        None."""
        return stale_warning(self.last_game_date, today or today_in_chicago(), chosen=False)

    def provenance(self, date: object = None) -> Provenance:
        """Return what serves a prediction for ``date`` (default today in Chicago): generation,
        trained-at, the data's last game, and its staleness judged for that day."""
        day = today_in_chicago() if date is None else parse_day(date)
        return provenance(
            (self.generation, self.trained_at), self.last_game_date, day, chosen=date is not None
        )

    def accepts_date(self, day: dt.date) -> bool:
        """Return whether ``day`` can be predicted (after the data's last game, and within the
        horizon when there is one)."""
        try:
            self._upcoming(day)
        except UsageError:
            return False
        return True

    def _upcoming(self, date: object) -> pd.Timestamp:
        """Return the day asked for (default today in Chicago); raise UsageError unless it is
        after the data's last game and, with a horizon, within it."""
        clock = self.clock  # a live server's today (None: the date rule's, Chicago's)
        day = upcoming_day(clock() if date is None and clock else date, self.last_game_date)
        if self.horizon_days is not None:
            today = clock() if clock else today_in_chicago()
            check_horizon(day.date(), self.last_game_date, today, self.horizon_days)
        return day

    def _check_staleness(self, day: pd.Timestamp, chosen: bool) -> Provenance:
        """Return the provenance of a prediction for ``day`` (``chosen``: asked for, not
        today); log its stale warning once per day predicted (an explicit date too: the
        Python API says so, not only the CLI)."""
        served = provenance(
            (self.generation, self.trained_at), self.last_game_date, day.date(), chosen=chosen
        )
        if served.warning and served.day not in self._warned:
            if len(self._warned) >= WARNED_DAYS:
                self._warned.clear()
            self._warned.add(served.day)
            logger.warning("%s", served.warning)
        return served

    def latest_players(self) -> pd.DataFrame:
        """Return each player's latest row (name, team, game date), indexed by player_id
        (kept in ``day_rows`` once read from the game data)."""
        latest = self.day_rows.latest
        if latest is None:
            self.day_rows.set_latest(latest_players(self.games()))
            latest = self.day_rows.latest
        assert latest is not None
        return latest

    def warm(self, date: object = None) -> None:
        """Precompute the feature rows of ``date`` (default today in Chicago)."""
        self._day(self._upcoming(date))

    def _day(self, day: pd.Timestamp) -> DayRows:
        cached = self.day_rows.get(day)  # a lookup without the lock: requests of a prepared day
        if cached is not None:
            return cached
        # One computation at a time, however many threads ask. A live server's requests wait
        # for the day being computed, but at most busy_wait seconds for another one: a
        # computed day must not starve the rest (nor hold every worker thread).
        wait = -1 if self.busy_wait is None else self.busy_wait
        if not self._compute_lock.acquire(timeout=wait):
            if self._computing not in (None, day):  # None: the holder is about to say
                raise ServingBusy(
                    f"the rows of another date are being computed; retry "
                    f"{day:%Y-%m-%d} in a few seconds"
                )
            self._compute_lock.acquire()  # the same day: its rows are seconds away
        try:
            cached = self.day_rows.get(day)
            if cached is None:
                self._computing = day
                compute = self.compute_elsewhere or self.compute_day
                cached = compute(day)
                self._keep_day(day, cached)
        finally:
            self._computing = None
            self._compute_lock.release()
        return cached

    def _keep_day(self, day: pd.Timestamp, rows: DayRows) -> None:
        """Keep ``rows`` for ``day`` (``DayCache.keep``: the days farthest from today in
        Chicago leave first)."""
        import pandas as pd

        self.day_rows.keep(day, rows, pd.Timestamp(today_in_chicago()))

    @property
    def history_sha256(self) -> str | None:
        """The sha256 of the saved game data this set's manifest names (None: not from disk)."""
        return self.manifest.record.history_sha256 if self.manifest is not None else None

    def adopt(self, prepared: Prepared) -> None:
        """Keep what ``dayrows.prepare`` computed (in a helper process) from this set's own
        game data, as if ``warm`` had computed it here."""
        import pandas as pd

        with self._compute_lock:
            if self.day_rows.latest is None:
                self.day_rows.set_latest(prepared.latest)
            if self.history is None:
                self._last_game = prepared.last_game_date
            for day, rows in prepared.days.items():
                self._keep_day(pd.Timestamp(day), rows)

    def compute_day(self, day: pd.Timestamp) -> DayRows:
        """Return the rows of ``day``, computed here from the game data (a feature pass)."""
        return compute_day(self.games(), self.latest_players(), day)

    def availability(
        self, out: Iterable[str | int] = (), report: Path | None = None, date: object = None
    ) -> Availability:
        """Return who is out on ``date`` (default today in Chicago) by the sources of
        ``serving.availability``: ``out`` (names or ids; an unknown one raises UsageError), then
        the injury ``report`` file's Out and Doubtful players (unknown names, teams and
        statuses are notes; an unreadable file is a note and nobody is out). The result says
        how the day's rotations count each player. A server's report is read again when the
        file changes (``ReportCache``)."""
        day = self._upcoming(date)
        named: dict[int, OutPlayer] = {}
        sources, notes = [], []
        for key in out:
            text = str(key).strip()
            if not text:
                continue
            player_id, name, team = self.find_player(text)
            named.setdefault(player_id, OutPlayer(player_id, name, team))
        if named:
            sources.append("caller")
        if report is not None:
            try:
                rows = self._reports.rows(Path(report))
            except ReportUnreadable as error:
                notes.append(f"{error}; the report is ignored")
                rows = None
            if rows is not None:
                sources.append(f"injury report {Path(report).name}")
                notes.extend(report_outs(rows, day.date(), named, self.find_player))
        if not sources:
            if notes:
                notes.append("predictions use the probable rotation")
            return Availability("none", (), tuple(notes))
        rotation = self._day(day).rotation
        counted = {} if rotation is None else absences.counted(rotation, list(named))
        players = tuple(
            dataclasses.replace(p, counted=counted.get(p.player_id, "not in the rotation"))
            for p in named.values()
        )
        return Availability(" + ".join(sources), players, tuple(notes))

    def _sides(self, cached: DayRows, listed: Availability) -> pd.DataFrame:
        """Return the day's team sides with ``listed`` applied (a copy: one request's list
        never changes what another sees; only the listed teams' rows change)."""
        sides = cached.sides.reindex(columns=list(features.SIDE_COLUMNS))
        if not listed.known or cached.rotation is None:
            return sides
        key = (id(cached), listed.ids)
        with self._listed_lock:
            hit = self._listed.get(key)
        if hit is not None and hit[0] is cached:  # callers only read it (reindex copies)
            return hit[1]
        applied = absences.sides_with_absent(sides, cached.rotation, listed.ids)
        with self._listed_lock:
            self._listed[key] = (cached, applied)
            while len(self._listed) > LISTED_KEPT:
                del self._listed[next(iter(self._listed))]
        return applied

    def predict_games(
        self,
        games: Iterable[tuple[str, str]],
        date: object = None,
        availability: Availability | None = None,
    ) -> list[GamePrediction]:
        """Return each game-level model's answer for each (home, away) pair played on
        ``date`` (default today in Chicago), in order, knowing who is out (``availability``;
        default: nobody known): the home team's win probability, the expected home margin and
        total with their quantiles (``GamePrediction.spread``; a set trained before them says
        what it lacks instead); raise UsageError for unknown teams or a team playing twice."""
        import numpy as np
        import pandas as pd

        day = self._upcoming(date)
        served = self._check_staleness(day, date is not None)
        pairs = [(resolve_team(h), resolve_team(a)) for h, a in games]
        seen: set[str] = set()
        for home, away in pairs:
            if home == away:
                raise UsageError(f"{home} cannot play itself")
            if home in seen or away in seen:
                raise UsageError("a team can play only one game a day")
            seen.update((home, away))
        outputs = [spec for spec in models.game_specs() if spec.name in self.models]
        if not pairs:
            return []
        listed = availability or Availability()
        sides = self._sides(self._day(day), listed)
        home_side = sides.reindex([h for h, _ in pairs]).add_prefix("home_").reset_index(drop=True)
        away_side = sides.reindex([a for _, a in pairs]).add_prefix("away_").reset_index(drop=True)
        table = features.add_game_diffs(pd.concat([home_side, away_side], axis=1))
        # each game-level model of the set: one value per game (a distribution's mean)
        means = {spec.name: models.predict(spec, self.models[spec.name], table) for spec in outputs}
        values = {spec.output: np.round(means[spec.name], spec.digits) for spec in outputs}
        quantiles = self._game_quantiles(means)
        lacking = modelset.lacking_line(
            tuple(spec for spec in modelset.game_distributions() if spec.name not in self.models)
        )
        return [
            GamePrediction(
                f"{day:%Y-%m-%d}",
                home,
                away,
                {output: float(column[i]) for output, column in values.items()},
                served=served,
                spread={
                    "quantiles": {output: rows[i] for output, rows in quantiles.items()},
                    "lacking": f"this model set {lacking}" if lacking else None,
                },
                availability=listed,
            )
            for i, (home, away) in enumerate(pairs)
        ]

    def _game_quantiles(self, means: dict[str, np.ndarray]) -> dict[str, list[dict[str, float]]]:
        """Return the quantiles (q05 ... q95, rounded as the model's mean) of each game-level
        distribution of this set (the home margin, the total) around its predicted ``means``
        (by model name), for each game, keyed by its model's output."""
        import numpy as np

        out = {}
        for spec in modelset.game_distributions():
            if spec.name in means:
                table_q = self.models[spec.name].quantiles_at(means[spec.name])
                out[spec.output] = [
                    dict(zip(models.QUANTILE_COLUMNS, map(float, row), strict=True))
                    for row in np.round(table_q, spec.digits)
                ]
        return out


def load_models(data_dir: Path | str) -> Predictor:
    """Return a Predictor with the verified models of the installed set and no game data in
    memory (``adopt`` gives it its rows; see ``Predictor``); raise ModelInvalid or DataError."""
    from nba_ml.state.store import load_model_set_with_manifest

    loaded, manifest = load_model_set_with_manifest(Path(data_dir))
    if not manifest.record.history_sha256:
        raise DataError("the model manifest names no game data; run `nba-ml train --force`")
    return Predictor(loaded, None, manifest, Path(data_dir))


def load_predictor(data_dir: Path | str) -> Predictor:
    """Return a Predictor with verified models and saved game data; raise ModelInvalid or
    DataError when either is unusable."""
    from nba_ml.state.history import load_history
    from nba_ml.state.store import load_model_set_with_manifest

    loaded, manifest = load_model_set_with_manifest(Path(data_dir))  # one generation, no mix
    history = load_history(Path(data_dir), manifest.record.history_sha256)
    if history.team_games.empty:
        raise DataError("the saved game data is empty; run `nba-ml train`")
    return Predictor(loaded, history, manifest)
