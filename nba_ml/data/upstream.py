"""The HTTP boundary to stats.nba.com: nba_api's session, timeouts, proxy, retries, pacing, caps.

Every request goes through nba_api's own HTTP path (``NBAStatsHTTP.send_api_request`` with the
parameters and browser-like headers its endpoint classes build). This module decides how:

- Timeouts: a short connect timeout (``connect_timeout``, 5 s) and a read timeout (``timeout``,
  30 s); a response body must arrive within both together (a server that drips a byte at a
  time never holds a request open for longer).
- A fresh session after a timeout: stats.nba.com often leaves a keep-alive connection stuck;
  the next attempt opens new connections through a new session.
- Retries with exponential backoff and full jitter (or the wait a Retry-After asks, up to 5
  minutes), a polite pause between requests, a time budget for the whole run, a circuit breaker
  and a cap on the number of requests per run (``max_requests``, 60).
- A proxy: ``NBA_ML_PROXY`` / ``--proxy``, else ``NBA_API_PROXY``, else ``HTTPS_PROXY``. A proxy
  URL's credentials never appear in a message (:func:`redact_proxy`, :func:`redact`).

When every attempt of a run timed out, the one error says that stats.nba.com commonly lets
requests from cloud hosts hang and names the proxy setting.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from nba_ml import compat
from nba_ml.data.proxy import redact, redact_proxy
from nba_ml.data.transport import BodyTooLarge, DeadlineSession
from nba_ml.errors import ConfigError, UpstreamDataError, UpstreamUnavailable

logger = logging.getLogger(__name__)

_BACKOFF_CAP = 60.0  # seconds: the longest single backoff delay
_RETRY_AFTER_CAP = 300.0  # seconds: the longest Retry-After honoured (the budget bounds it too)
# 4xx answers that can clear up by themselves (Akamai blocks, request timeouts, rate limits).
_TRANSIENT_CLIENT_STATUSES = frozenset({403, 408, 425, 429})
CLOUD_HINT = (
    "stats.nba.com commonly lets requests from cloud and datacenter hosts (AWS, GCP, "
    "Azure, CI runners) hang: set NBA_ML_PROXY (or --proxy) to a proxy it answers"
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class CollectOptions:
    """How patiently to talk to stats.nba.com.

    The fields that are settings have no default here: their defaults are the settings table's
    (``nba_ml.config``), and ``Settings.collect_options()`` builds these options from it.
    """

    timeout: float  # read timeout of one request (seconds)
    retries: int  # attempts per request
    pause: float  # polite pause between two requests (seconds); ~1 req/s or slower
    budget: float  # bound on the total collection time (seconds)
    connect_timeout: float  # seconds to open a connection (TCP, TLS, proxy CONNECT)
    max_requests: int  # attempts one run may send, whatever it collects
    backoff_base: float = 2.0  # exponential backoff with full jitter between attempts
    breaker_threshold: int = 5  # consecutive failed attempts (across requests) -> stop
    proxy: str | None = None  # proxy URL (see resolve_proxy); None: direct


# ---------------------------------------------------------------------------------- requests


class Failure(Exception):
    """One failed attempt: why, whether stats.nba.com sent bad data, and whether to retry."""

    def __init__(
        self,
        reason: str,
        *,
        bad_data: bool = False,
        retryable: bool = True,
        timed_out: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = one_line(reason)
        self.bad_data = bad_data
        self.retryable = retryable
        self.timed_out = timed_out


@dataclasses.dataclass(frozen=True)
class Request:
    """One nba_api endpoint request: what to call it in messages and how to build it."""

    label: str  # "2025-26 Regular Season team logs"
    build: Callable[[tuple[float, float]], Any]  # timeout -> nba_api Endpoint (get_request=False)


SessionFactory = Callable[[], Any]


class Upstream:
    """Sends requests for one run, sharing pacing, budget, breaker, cap and session state.

    Use as a context manager: nba_api's class-wide session is set per attempt and restored on
    exit. ``session`` is a requests.Session (reused; its connection pools are dropped after a
    timeout) or a factory of new sessions (a new one after each timeout); default: new
    ``requests.Session`` objects.
    """

    def __init__(
        self,
        options: CollectOptions,
        *,
        session: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options
        self.sleep = sleep
        self.clock = clock
        self.started = clock()
        self.deadline = self.started + options.budget
        self.requests = 0  # attempts sent
        self.timeouts = 0  # attempts that timed out
        self.last_done: float | None = None
        self.consecutive_failures = 0
        self._given = session
        self._session: DeadlineSession | None = None
        self._previous: Any = None

    def __enter__(self) -> Upstream:
        from nba_api.stats.library.http import NBAStatsHTTP

        self._previous = NBAStatsHTTP.get_session()
        return self

    def __exit__(self, *exc: object) -> None:
        from nba_api.stats.library.http import NBAStatsHTTP

        NBAStatsHTTP.set_session(self._previous)
        self._drop_session(closing=True)

    # -- sessions
    def _current(self) -> DeadlineSession:
        if self._session is None:
            import requests

            given = self._given
            if given is None:
                inner = requests.Session()
            elif isinstance(given, requests.Session):
                inner = given
            else:
                inner = given()
            self._session = DeadlineSession(inner)
        return self._session

    def _drop_session(self, *, closing: bool = False) -> None:
        """Forget the current session (after a timeout): the next attempt gets a fresh one."""
        import requests

        session, self._session = self._session, None
        if session is None:
            return
        if isinstance(self._given, requests.Session):
            if not closing:  # the caller's session: keep it, but drop its (stuck) connections
                for adapter in session.inner.adapters.values():
                    adapter.close()
        else:
            session.inner.close()

    # -- the request loop
    def fetch(
        self, request: Request, validate: Callable[[dict[str, Any]], int]
    ) -> tuple[dict[str, Any], str]:
        """Return the parsed body and its text once ``validate`` accepts it (it returns the row
        count or raises Failure); raise UpstreamUnavailable / UpstreamDataError when retries,
        the breaker, the budget or the request cap end the run."""
        from nba_api.stats.library.http import NBAStatsHTTP

        options = self.options
        retries = max(1, options.retries)
        failure: Failure | None = None
        delay = 0.0
        attempt = 0
        for attempt in range(1, retries + 1):
            self._wait(delay, request, failure)
            if self.requests >= options.max_requests:
                raise self._unavailable(
                    f"stats.nba.com request cap of {options.max_requests} per run reached "
                    f"(NBA_ML_MAX_REQUESTS){self._last(failure)}; stopped at {request.label}; "
                    "the cache keeps what was fetched and the next run continues",
                    failure,
                )
            read = max(0.001, min(options.timeout, self.deadline - self.clock()))
            timeout = (max(0.001, min(options.connect_timeout, read)), read)
            self.requests += 1
            started = self.clock()
            session = self._current()
            NBAStatsHTTP.set_session(session)
            try:
                try:
                    body, text = _send(request, timeout, options.proxy)
                finally:
                    self.last_done = self.clock()  # the pause runs from the end of a response
                rows = validate(body)
            except Failure as error:
                failure = error
                self.consecutive_failures += 1
                if error.timed_out:
                    self.timeouts += 1
                    self._drop_session()
                if self.consecutive_failures >= options.breaker_threshold:
                    raise self._unavailable(
                        f"stats.nba.com unavailable: {self.consecutive_failures} consecutive "
                        f"failed attempts, the last one {error.reason}; circuit breaker "
                        f"stopped the collection at {request.label}",
                        error,
                    ) from None
                if not error.retryable or attempt == retries:
                    break
                delay = max(self._backoff(attempt), options.pause)
                asked = session.retry_after
                if asked is not None and asked > delay:  # honour Retry-After, within the cap
                    delay = min(asked, _RETRY_AFTER_CAP)
                logger.warning(
                    "attempt %d/%d fetching %s failed (%s); retrying in %.1f s%s%s",
                    attempt,
                    retries,
                    request.label,
                    error.reason,
                    delay,
                    f" (the server asked for {asked:g} s)" if asked is not None else "",
                    " with a new session" if error.timed_out else "",
                )
                continue
            self.consecutive_failures = 0
            logger.info(
                "fetched %s: %d rows in %.2f s", request.label, rows, self.clock() - started
            )
            return body, text
        assert failure is not None
        tries = f"{attempt} attempt{'s' if attempt != 1 else ''}"
        if failure.bad_data:
            raise UpstreamDataError(
                f"stats.nba.com sent unusable data after {tries} ({failure.reason}) "
                f"for {request.label}; models untouched"
            )
        raise self._unavailable(
            f"stats.nba.com unreachable after {tries} ({failure.reason}) fetching {request.label}",
            failure,
        )

    def _unavailable(self, text: str, failure: Failure | None) -> UpstreamUnavailable:
        """Return the run-ending error: the cloud-host hint when every attempt timed out."""
        hint = ""
        if self.requests and self.timeouts == self.requests:
            proxy = self.options.proxy
            hint = (
                f"; every attempt timed out, through the proxy {redact_proxy(proxy)}: check "
                "it or use another (NBA_ML_PROXY / --proxy)"
                if proxy
                else f"; {CLOUD_HINT}"
            )
        return UpstreamUnavailable(redact(f"{text}; models untouched{hint}", self.options.proxy))

    @staticmethod
    def _last(failure: Failure | None) -> str:
        return f", last error {failure.reason}" if failure else ""

    def _backoff(self, failed_attempts: int) -> float:
        ceiling = min(_BACKOFF_CAP, self.options.backoff_base * 2 ** (failed_attempts - 1))
        return random.uniform(0.0, ceiling)

    def _wait(self, delay: float, request: Request, failure: Failure | None) -> None:
        """Sleep out the backoff and the polite pause; raise UpstreamUnavailable past the budget."""
        now = self.clock()
        if self.last_done is not None:
            delay = max(delay, self.last_done + self.options.pause - now)
        if now + max(delay, 0.0) >= self.deadline:
            raise self._unavailable(
                f"stats.nba.com collection budget of {self.options.budget:g} s used up after "
                f"{self.requests} requests{self._last(failure)}; stopped at {request.label}",
                failure,
            )
        if delay > 0:
            self.sleep(delay)


def _send(
    request: Request, timeout: tuple[float, float], proxy: str | None
) -> tuple[dict[str, Any], str]:
    """Return the parsed body and its text of one nba_api request; raise Failure on a problem."""
    import requests
    from nba_api.library.proxy import ProxyRequiredError
    from nba_api.stats.library.http import NBAStatsHTTP

    endpoint = request.build(timeout)
    try:
        response = NBAStatsHTTP().send_api_request(
            endpoint=endpoint.endpoint,
            parameters=endpoint.parameters,
            headers=endpoint.headers,
            proxy=proxy,
            timeout=timeout,
        )
    except requests.RequestException as error:
        reason, timed_out = describe_network_error(error, timeout)
        raise Failure(reason, timed_out=timed_out) from None
    except BodyTooLarge as error:
        raise Failure(str(error), bad_data=True) from None
    except ProxyRequiredError as error:
        raise ConfigError(str(error)) from None
    text = response.get_response()
    return decode(compat.nba_response_status(response), text), text


def decode(status: int | None, text: str | None) -> dict[str, Any]:
    """Return the JSON object of a response; raise Failure for error statuses and non-JSON."""
    from nba_ml.state.files import FileDamaged, loads_json

    _check_status(status)
    stripped = (text or "").strip()
    if not stripped:
        raise Failure("blank body")
    if stripped.startswith("<"):
        raise Failure("an HTML/XML error page instead of JSON")
    try:
        body = loads_json(stripped, source="the response")
    except FileDamaged as error:
        if "nests deeper" in error.reason:
            raise Failure("JSON nested too deeply") from None
        if stripped[0] in "{[":
            raise Failure(f"truncated or malformed JSON ({len(stripped)} characters)") from None
        raise Failure("a body that is not JSON") from None
    if not isinstance(body, dict):
        raise Failure(f"a JSON {type(body).__name__} instead of an object")
    if not body:
        raise Failure("an empty JSON object {}")
    return body


def _check_status(status: int | None) -> None:
    """Raise Failure for an HTTP status other than success (None: not known, let through)."""
    if status == 429:
        raise Failure("HTTP 429, rate limited")
    if status is not None and 400 <= status < 500 and status not in _TRANSIENT_CLIENT_STATUSES:
        raise Failure(f"HTTP {status}, request rejected", bad_data=True, retryable=False)
    if status is not None and not 200 <= status < 300:
        raise Failure(f"HTTP {status}")


def describe_network_error(error: BaseException, timeout: tuple[float, float]) -> tuple[str, bool]:
    """Return (a few words naming a requests failure, whether it was a timeout)."""
    import requests

    text = " ".join(str(link) for link in _causes(error)).lower()
    names = {type(link).__name__ for link in _causes(error)}
    connect, read = timeout
    if isinstance(error, requests.ConnectTimeout) or "ConnectTimeoutError" in names:
        return f"connect timed out after {connect:g} s", True
    if isinstance(error, requests.Timeout) or "timed out" in text:
        # through a proxy, a CONNECT left unanswered times out after the connect timeout but is
        # reported as a read timeout: say what it really waited
        waited = re.search(r"read timeout=([0-9.]+)", text)
        seconds = float(waited[1]) if waited else read
        return f"timed out after {seconds:g} s", True
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "connection reset mid-body", False
    # the proxy itself could not be reached: say so, or it reads as stats.nba.com's failure
    proxy = (
        isinstance(error, requests.exceptions.ProxyError) or "unable to connect to proxy" in text
    )
    if "ConnectionRefusedError" in names or "refused" in text:
        return "connection refused by the proxy" if proxy else "connection refused", False
    if "NameResolutionError" in names or re.search(
        r"name or service not known|nodename nor servname|name resolution|getaddrinfo|"
        r"no address associated|failed to resolve",
        text,
    ):
        return "DNS lookup failed for the proxy" if proxy else "DNS lookup failed", False
    if names & {"ConnectionResetError", "RemoteDisconnected", "BrokenPipeError"} or re.search(
        r"reset|aborted|remote end closed|broken pipe", text
    ):
        return "connection reset through the proxy" if proxy else "connection reset", False
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS handshake failed", False
    if isinstance(error, requests.exceptions.ContentDecodingError):
        return "undecodable response body", False
    if isinstance(error, requests.exceptions.ProxyError):
        return "the proxy failed the connection", False
    return f"connection error ({type(error).__name__})", False


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


def one_line(text: str, limit: int = 160) -> str:
    """Return ``text`` on one line (blanks folded), at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
