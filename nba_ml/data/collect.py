"""Download stats.nba.com ``LeagueGameLog`` responses through nba_api into the raw cache.

Layout: ``<raw_dir>/leaguegamelog/<season>_<regular-season|playoffs>_<T|P>.json``, each the response
dict as stats.nba.com sent it (``{"resource", "parameters", "resultSets": [...]}``), written
atomically. The importer turns these files into the canonical tables.

Request count and pacing:
    The first run sends one request per season x season type x mode: seasons x 2 x 2, so 16 for
    the default 4 seasons. Later runs reuse every finished season (0 requests) and refresh the
    current season incrementally (4 requests, each asking only for rows since the last cached
    GAME_DATE). A request starts at least ``pause`` seconds after the previous one ended (1 s:
    about one request per second or slower), failed attempts back off exponentially with full
    jitter (or wait what a Retry-After header asks, up to 5 minutes), and the whole collection
    is bounded by ``budget`` seconds and a circuit breaker.

Finished seasons: a season is finished from 1 November after it began (data.seasons); from then
on its cache files are final once they hold rows and were written on or after that day. A file
cached empty before the games began is asked for again in full; one written while the season was
on (no run between its last game and 1 November) is completed once, from its last cached date.

Every request goes through nba_api's own HTTP path (``NBAStatsHTTP.send_api_request``, with the
parameters built by its ``LeagueGameLog`` endpoint and its browser-like headers). Each response is
read with a total deadline of ``timeout`` seconds (a body that trickles in never holds a request
open for longer than about twice that), then validated before it may touch the cache.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import os
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.data.schema import REQUIRED_SOURCE_COLUMNS
from nba_ml.data.seasons import (
    LEAGUE_TIMEZONE,
    SEASON_TYPES,
    is_season_finished,
    parse_season,
    season_finished_on,
    sort_seasons,
)
from nba_ml.errors import (
    ConfigError,
    NbaMlError,
    StorageError,
    UpstreamDataError,
    UpstreamUnavailable,
)

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

ENDPOINT = "leaguegamelog"
RESULT_SET = "LeagueGameLog"
MODES: tuple[str, ...] = ("T", "P")
SEASON_TYPE_SLUGS: dict[str, str] = {"Regular Season": "regular-season", "Playoffs": "playoffs"}
_MODE_NOUNS = {"T": "team", "P": "player"}
_BACKOFF_CAP = 60.0  # seconds: the longest single backoff delay
_RETRY_AFTER_CAP = 300.0  # seconds: the longest Retry-After honoured (the budget bounds it too)
_READ_CHUNK = 1 << 16
# 4xx answers that can clear up by themselves (Akamai blocks, request timeouts, rate limits).
_TRANSIENT_CLIENT_STATUSES = frozenset({403, 408, 425, 429})


@dataclasses.dataclass(frozen=True)
class CollectOptions:
    """How patiently to talk to stats.nba.com."""

    timeout: float = 30.0  # per request
    retries: int = 4  # attempts per request
    pause: float = 1.0  # polite pause between two requests (seconds); ~1 req/s or slower
    budget: float = 900.0  # bound on the total collection time (seconds)
    backoff_base: float = 2.0  # exponential backoff with full jitter between attempts
    breaker_threshold: int = 5  # consecutive failed attempts (across requests) -> stop


@dataclasses.dataclass
class CollectReport:
    """What one refresh did."""

    requests: int  # HTTP requests actually sent (every attempt counts)
    fetched: list[Path]  # cache files written/updated
    skipped: list[Path]  # cache files reused (finished seasons)
    seconds: float


def cache_path(raw_dir: Path, season: str, season_type: str, mode: str) -> Path:
    """Return the cache file of a season, season type and mode; raise ValueError if unknown."""
    if season_type not in SEASON_TYPE_SLUGS:
        raise ValueError(f"unknown season type {season_type!r}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected T or P")
    return Path(raw_dir) / ENDPOINT / f"{season}_{SEASON_TYPE_SLUGS[season_type]}_{mode}.json"


def last_cached_game_date(raw_dir: Path) -> datetime.date | None:
    """Return the latest GAME_DATE in the raw cache, or None when it holds no readable rows."""
    by_season: dict[str, list[Path]] = {}
    for path in (Path(raw_dir) / ENDPOINT).glob("*.json"):
        by_season.setdefault(path.name.split("_", 1)[0], []).append(path)
    # Seasons do not overlap in time, so the newest season with rows holds the latest date; team
    # files carry the same dates as the (much larger) player files, so they are read first.
    for season in sorted(by_season, key=_season_sort_key, reverse=True):
        files = sorted(by_season[season], key=lambda path: not path.name.endswith("_T.json"))
        dates: list[datetime.date] = []
        for path in files:
            if dates and not path.name.endswith("_T.json"):
                break
            try:
                latest = _latest_date(json.loads(path.read_bytes()))
            except (OSError, ValueError, TypeError) as error:
                logger.debug("ignoring unreadable cache file %s: %s", path, error)
                continue
            if latest is not None:
                dates.append(latest)
        if dates:
            return max(dates)
    return None


def refresh_cache(
    raw_dir: Path,
    seasons: list[str],
    *,
    today: datetime.date,
    options: CollectOptions = CollectOptions(),
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> CollectReport:
    """Return what was fetched and reused after bringing the raw cache up to date.

    Raises UpstreamUnavailable when stats.nba.com cannot be reached (retries, circuit breaker or
    budget exhausted), UpstreamDataError when it keeps sending unusable data, StorageError when the
    cache cannot be written, and UsageError for a malformed season label.
    """
    from nba_api.stats.library.http import NBAStatsHTTP

    for season in seasons:
        parse_season(season)
    directory = Path(raw_dir) / ENDPOINT
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob("*.tmp"):
            leftover.unlink(missing_ok=True)
    except OSError as error:
        reason = error.strerror or error
        raise StorageError(f"cannot prepare raw cache {directory}: {reason}") from None

    previous = NBAStatsHTTP.get_session()
    deadline_session = _DeadlineSession(session if session is not None else previous)
    collector = _Collector(Path(raw_dir), today, options, sleep, clock, deadline_session)
    NBAStatsHTTP.set_session(deadline_session)
    try:
        for season in sort_seasons(list(seasons)):
            for season_type in SEASON_TYPES:
                for mode in MODES:
                    collector.refresh(_Job(season, season_type, mode))
    finally:
        NBAStatsHTTP.set_session(previous)
    report = collector.report
    report.seconds = clock() - collector.started
    logger.info(
        "raw cache refreshed: %d requests, %d files written, %d reused, %.1f s",
        report.requests, len(report.fetched), len(report.skipped), report.seconds,
    )
    return report


@dataclasses.dataclass(frozen=True)
class _Job:
    season: str
    season_type: str
    mode: str

    @property
    def label(self) -> str:
        return f"{self.season} {self.season_type} {_MODE_NOUNS[self.mode]} logs"

    @property
    def is_regular(self) -> bool:
        return self.season_type == "Regular Season"


class _Failure(Exception):
    """One failed attempt: why, whether stats.nba.com was unavailable or sent bad data, retry?"""

    def __init__(self, reason: str, *, bad_data: bool = False, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = _one_line(reason)
        self.bad_data = bad_data
        self.retryable = retryable


class _Collector:
    """Fetches one cache file at a time, sharing pacing, budget and breaker state across files."""

    def __init__(
        self,
        raw_dir: Path,
        today: datetime.date,
        options: CollectOptions,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        session: _DeadlineSession,
    ) -> None:
        self.raw_dir = raw_dir
        self.session = session  # what nba_api sends through; holds the last Retry-After
        self.today = today
        self.options = options
        self.sleep = sleep
        self.clock = clock
        self.started = clock()
        self.deadline = self.started + options.budget
        self.last_done: float | None = None  # when the previous request ended
        self.consecutive_failures = 0
        self.report = CollectReport(requests=0, fetched=[], skipped=[], seconds=0.0)

    def refresh(self, job: _Job) -> None:
        path = cache_path(self.raw_dir, job.season, job.season_type, job.mode)
        finished = is_season_finished(job.season, self.today)
        cached = self._read_cache(path, job, finished)
        since = _latest_date(cached) if cached is not None else None
        # A finished season's file is final once written after the season was over. One cached
        # empty before its games began is fetched in full; one written while the season was on
        # (no run between its last game and the day it counted as finished) gets, once, what
        # came after its last cached date.
        if finished and since is not None:
            if _written_on_or_after(path, season_finished_on(job.season)):
                logger.debug("%s: finished season, reusing %s", job.label, path.name)
                self.report.skipped.append(path)
                return
            logger.info("%s: cached while the season was on; fetching what came after %s once",
                        job.label, since.isoformat())
        body, text = self._fetch(job, since, finished)
        if cached is not None and since is not None:
            data = json.dumps(_merge(cached, body, since, job.mode), separators=(",", ":"))
        else:
            data = text
        _write_atomic(path, data.encode("utf-8"))
        self.report.fetched.append(path)

    def _read_cache(self, path: Path, job: _Job, finished: bool) -> dict[str, Any] | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            reason = error.strerror or error
            raise StorageError(f"cannot read cache file {path}: {reason}") from None
        try:
            body = json.loads(raw)
            _validate(body, job, finished=finished, since=None)
        except (ValueError, _Failure) as error:
            logger.warning("cache file %s is unusable (%s); fetching it again", path, error)
            return None
        return body

    def _fetch(
        self, job: _Job, since: datetime.date | None, finished: bool
    ) -> tuple[dict[str, Any], str]:
        retries = max(1, self.options.retries)
        failure: _Failure | None = None
        delay = 0.0
        for attempt in range(1, retries + 1):
            self._wait(delay, job, failure)
            timeout = max(0.001, min(self.options.timeout, self.deadline - self.clock()))
            self.report.requests += 1
            started = self.clock()
            try:
                try:
                    body, text = _request(job, since, timeout)
                finally:
                    self.last_done = self.clock()  # the pause runs from the end of a response
                rows = _validate(body, job, finished=finished, since=since)
            except _Failure as error:
                failure = error
                self.consecutive_failures += 1
                if self.consecutive_failures >= self.options.breaker_threshold:
                    raise UpstreamUnavailable(
                        f"stats.nba.com unavailable: {self.consecutive_failures} consecutive "
                        f"failed attempts, the last one {failure.reason}; circuit breaker stopped "
                        f"the collection at {job.label}; models untouched"
                    ) from None
                if not failure.retryable or attempt == retries:
                    break
                delay = max(self._backoff(attempt), self.options.pause)
                asked = self.session.retry_after
                if asked is not None and asked > delay:  # honour Retry-After, within the cap
                    delay = min(asked, _RETRY_AFTER_CAP)
                logger.warning(
                    "attempt %d/%d fetching %s failed (%s); retrying in %.1f s%s",
                    attempt, retries, job.label, failure.reason, delay,
                    f" (the server asked for {asked:g} s)" if asked is not None else "",
                )
                continue
            self.consecutive_failures = 0
            logger.info(
                "fetched %s %s %s%s: %d rows in %.2f s",
                job.season, job.season_type, job.mode,
                f" since {since.isoformat()}" if since else "", rows, self.clock() - started,
            )
            return body, text
        assert failure is not None
        tries = f"{attempt} attempt{'s' if attempt != 1 else ''}"
        if failure.bad_data:
            raise UpstreamDataError(
                f"stats.nba.com sent unusable data after {tries} ({failure.reason}) "
                f"for {job.label}; models untouched"
            )
        raise UpstreamUnavailable(
            f"stats.nba.com unreachable after {tries} ({failure.reason}) "
            f"fetching {job.label}; models untouched"
        )

    def _backoff(self, failed_attempts: int) -> float:
        ceiling = min(_BACKOFF_CAP, self.options.backoff_base * 2 ** (failed_attempts - 1))
        return random.uniform(0.0, ceiling)

    def _wait(self, delay: float, job: _Job, failure: _Failure | None) -> None:
        """Sleep out the backoff and the polite pause; raise UpstreamUnavailable past the budget."""
        now = self.clock()
        if self.last_done is not None:
            delay = max(delay, self.last_done + self.options.pause - now)
        if now + max(delay, 0.0) >= self.deadline:
            last = f", last error {failure.reason}" if failure else ""
            raise UpstreamUnavailable(
                f"stats.nba.com collection budget of {self.options.budget:g} s used up after "
                f"{self.report.requests} requests{last}; stopped at {job.label}; models untouched"
            )
        if delay > 0:
            self.sleep(delay)


def _request(job: _Job, since: datetime.date | None, timeout: float) -> tuple[dict[str, Any], str]:
    """Return the parsed body and its text of one nba_api request; raise _Failure on any problem."""
    import requests
    from nba_api.library.proxy import ProxyRequiredError
    from nba_api.stats.endpoints.leaguegamelog import LeagueGameLog
    from nba_api.stats.library.http import NBAStatsHTTP

    endpoint = LeagueGameLog(
        season=job.season,
        season_type_all_star=job.season_type,
        player_or_team_abbreviation=job.mode,
        date_from_nullable=since.strftime("%m/%d/%Y") if since else "",
        timeout=timeout,
        get_request=False,
    )
    try:
        response = NBAStatsHTTP().send_api_request(
            endpoint=endpoint.endpoint,
            parameters=endpoint.parameters,
            headers=endpoint.headers,
            timeout=timeout,
        )
    except requests.RequestException as error:
        raise _Failure(_describe_network_error(error, timeout)) from None
    except ProxyRequiredError as error:
        raise ConfigError(str(error)) from None
    text = response.get_response()
    return _decode(response._status_code, text), text


def _decode(status: int | None, text: str | None) -> dict[str, Any]:
    """Return the JSON object of a response; raise _Failure for error statuses and non-JSON."""
    if status == 429:
        raise _Failure("HTTP 429, rate limited")
    if status is not None and 400 <= status < 500 and status not in _TRANSIENT_CLIENT_STATUSES:
        raise _Failure(f"HTTP {status}, request rejected", bad_data=True, retryable=False)
    if status is not None and not 200 <= status < 300:
        raise _Failure(f"HTTP {status}")
    stripped = (text or "").strip()
    if not stripped:
        raise _Failure("blank body")
    if stripped.startswith("<"):
        raise _Failure("an HTML/XML error page instead of JSON")
    try:
        body = json.loads(stripped)
    except ValueError:
        if stripped[0] in "{[":
            raise _Failure(f"truncated or malformed JSON ({len(stripped)} characters)") from None
        raise _Failure("a body that is not JSON") from None
    if not isinstance(body, dict):
        raise _Failure(f"a JSON {type(body).__name__} instead of an object")
    if not body:
        raise _Failure("an empty JSON object {}")
    return body


def _validate(
    body: object, job: _Job, *, finished: bool, since: datetime.date | None
) -> int:
    """Return the row count of a usable response for ``job``; raise _Failure(bad_data) otherwise."""
    try:
        headers, rows = _result_set(body)
    except ValueError as error:
        raise _Failure(str(error), bad_data=True) from None
    missing = [c for c in REQUIRED_SOURCE_COLUMNS[job.mode] if c not in headers]
    if missing:
        raise _Failure(f"missing columns {', '.join(missing)}", bad_data=True)
    assert isinstance(body, dict)
    parameters = body.get("parameters")
    if isinstance(parameters, dict):
        for key, expected in (
            ("Season", job.season), ("SeasonType", job.season_type), ("PlayerOrTeam", job.mode)
        ):
            echoed = parameters.get(key)
            if echoed is not None and str(echoed) != expected:
                raise _Failure(
                    f"the response is for {key} {echoed!r}, not {expected!r}", bad_data=True
                )
    index = headers.index("GAME_DATE")
    for row in rows:
        try:
            _parse_game_date(row[index])
        except (ValueError, TypeError):
            raise _Failure(f"unparseable GAME_DATE {row[index]!r}", bad_data=True) from None
    if not rows and finished and job.is_regular and since is None:
        raise _Failure("zero rows for a finished regular season", bad_data=True)
    return len(rows)


def _find_result_set(body: object) -> dict[str, Any]:
    """Return the LeagueGameLog result set (else the first one); raise ValueError when absent."""
    if not isinstance(body, dict):
        raise ValueError("the response is not a JSON object")
    sets = body.get("resultSets")
    if not isinstance(sets, list) or not sets or not all(isinstance(s, dict) for s in sets):
        raise ValueError("no result sets in the response")
    named = [s for s in sets if s.get("name") == RESULT_SET]
    return named[0] if named else sets[0]


def _result_set(body: object) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of the LeagueGameLog set; raise ValueError when malformed."""
    chosen = _find_result_set(body)
    headers, rows = chosen.get("headers"), chosen.get("rowSet")
    if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
        raise ValueError("the result set has no column headers")
    if not isinstance(rows, list):
        raise ValueError("the result set has no rowSet")
    width = len(headers)
    for row in rows:
        if not isinstance(row, list) or len(row) != width:
            raise ValueError(f"a row does not have the {width} columns of the headers")
    if "GAME_DATE" not in headers:
        raise ValueError("missing columns GAME_DATE")
    return headers, rows


def _parse_game_date(value: object) -> datetime.date:
    """Return the date of a GAME_DATE value ("2025-10-21" or "2025-10-21T00:00:00")."""
    if not isinstance(value, str):
        raise TypeError(f"GAME_DATE {value!r} is not a string")
    return datetime.date.fromisoformat(value[:10])


def _latest_date(body: dict[str, Any]) -> datetime.date | None:
    headers, rows = _result_set(body)
    index = headers.index("GAME_DATE")
    return max((_parse_game_date(row[index]) for row in rows), default=None)


def _row_key(headers: list[str], row: list[Any], mode: str) -> tuple[Any, ...]:
    """Return what identifies a row: its game and its team (T) or player (P)."""
    game = ("GAME_ID",) if "GAME_ID" in headers else ("GAME_DATE", "MATCHUP")
    who = ("PLAYER_ID",) if mode == "P" else ("TEAM_ABBREVIATION",)
    return tuple(row[headers.index(column)] for column in (*game, *who))


def _merge(
    cached: dict[str, Any], fresh: dict[str, Any], since: datetime.date, mode: str
) -> dict[str, Any]:
    """Return ``fresh`` plus the cached rows dated before ``since`` (later ones are replaced)."""
    old_headers, old_rows = _result_set(cached)
    headers, new_rows = _result_set(fresh)
    old_date = old_headers.index("GAME_DATE")
    positions = [old_headers.index(h) if h in old_headers else None for h in headers]
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for old in old_rows:
        if _parse_game_date(old[old_date]) < since:
            row = [old[p] if p is not None else None for p in positions]
            merged[_row_key(headers, row, mode)] = row
    for row in new_rows:
        merged[_row_key(headers, row, mode)] = row
    date = headers.index("GAME_DATE")
    game = headers.index("GAME_ID") if "GAME_ID" in headers else date
    rows = sorted(merged.values(), key=lambda row: (row[date][:10], str(row[game])))
    chosen = _find_result_set(fresh)
    body = dict(fresh)
    body["resultSets"] = [{**s, "rowSet": rows} if s is chosen else s for s in fresh["resultSets"]]
    if isinstance(body.get("parameters"), dict):
        body["parameters"] = {**body["parameters"], "DateFrom": None}
    return body


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (temp file, fsync, rename); raise StorageError on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    except OSError as error:
        raise StorageError(f"cannot write cache file {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o640)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise StorageError(f"cannot write cache file {path}: {error.strerror or error}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError:  # some filesystems cannot fsync a directory; the rename already happened
        pass


class _DeadlineSession:
    """Wraps a requests.Session so that each response body must arrive within the request timeout.

    requests' ``timeout`` bounds each socket read, not the whole download, so a server that drips
    one byte at a time could hold a request open for hours; this reads the body in chunks and
    gives up once ``timeout`` seconds have passed since the request started.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.retry_after: float | None = None  # seconds the last response asked us to wait

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, url: str, **kwargs: Any) -> Any:
        import requests

        timeout = kwargs.get("timeout")
        limit = max(timeout) if isinstance(timeout, tuple) else timeout
        started = time.monotonic()
        kwargs["stream"] = True
        self.retry_after = None
        response = self.inner.get(url, **kwargs)
        self.retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        try:
            chunks = []
            for chunk in _iter_body(response):
                chunks.append(chunk)
                if limit is not None and time.monotonic() - started > limit:
                    raise requests.ReadTimeout(
                        f"the response body did not arrive within {limit:g} s", response=response
                    )
            response._content = b"".join(chunks)
            response._content_consumed = True
        finally:
            response.close()
        return response


def _written_on_or_after(path: Path, day: datetime.date) -> bool:
    """Return whether ``path`` was last written on ``day`` or later (Chicago dates)."""
    try:
        written = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=LEAGUE_TIMEZONE)
    except OSError:
        return False
    return written.date() >= day


def _retry_after_seconds(value: str | None) -> float | None:
    """Return the wait a Retry-After header asks for (seconds or an HTTP date), else None."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _iter_body(response: Any) -> Iterator[bytes]:
    """Yield a streamed body as it arrives; raise requests exceptions as requests itself would."""
    import requests
    from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError
    from urllib3.response import BaseHTTPResponse

    raw = response.raw
    if not isinstance(raw, BaseHTTPResponse):
        yield from response.iter_content(_READ_CHUNK)
        return
    try:
        while True:
            chunk = raw.read1(_READ_CHUNK, decode_content=True)
            if not chunk:
                return
            yield chunk
    except ReadTimeoutError as error:
        raise requests.ReadTimeout(error, response=response) from None
    except ProtocolError as error:
        raise requests.exceptions.ChunkedEncodingError(error, response=response) from None
    except DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error, response=response) from None


def _describe_network_error(error: BaseException, timeout: float) -> str:
    """Return a few words naming a requests failure ("connection refused", "timed out ...")."""
    import requests

    text = " ".join(str(link) for link in _causes(error)).lower()
    names = {type(link).__name__ for link in _causes(error)}
    if isinstance(error, requests.Timeout) or "timed out" in text:
        return f"timed out after {timeout:g} s"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "connection reset mid-body"
    if "ConnectionRefusedError" in names or "refused" in text:
        return "connection refused"
    if "NameResolutionError" in names or re.search(
        r"name or service not known|nodename nor servname|name resolution|getaddrinfo|"
        r"no address associated|failed to resolve",
        text,
    ):
        return "DNS lookup failed"
    if names & {"ConnectionResetError", "RemoteDisconnected", "BrokenPipeError"} or re.search(
        r"reset|aborted|remote end closed|broken pipe", text
    ):
        return "connection reset"
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS handshake failed"
    if isinstance(error, requests.exceptions.ContentDecodingError):
        return "undecodable response body"
    return f"connection error ({type(error).__name__})"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """Yield an exception and everything it wraps (args, reason, cause, context), once each."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        link = pending.pop()
        if not isinstance(link, BaseException) or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        pending.extend(link.args)
        pending.extend([getattr(link, "reason", None), link.__cause__, link.__context__])


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _season_sort_key(season: str) -> int:
    try:
        return parse_season(season)
    except NbaMlError:
        return -1
