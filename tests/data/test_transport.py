"""data.transport: the session under nba_api that bounds a whole response and keeps the
Retry-After the server asked for.

Responses come from tests/replay.py (a requests transport adapter, or a real server on
127.0.0.1), so the body is streamed by requests and urllib3 as in production. The Retry-After
parser runs without ../shared; the session tests skip with replay's reason when it is absent.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import types
from email.utils import format_datetime
from typing import Any

import pytest
import requests

from nba_ml.data import transport
from nba_ml.data.transport import DeadlineSession, _retry_after_seconds

URL = "https://stats.nba.com/stats/leaguegamelog?Season=2025-26&PlayerOrTeam=T"
BODY = {"resource": "leaguegamelog", "padding": "x" * 300_000}  # five 64 KiB reads


@pytest.fixture
def replay() -> Any:
    """tests/replay.py (imported here: it skips, with its reason, without ../shared)."""
    from tests import replay

    return replay


class Recording:
    """A requests.Session stand-in that records the keyword arguments of each get."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.kwargs: list[dict[str, Any]] = []
        self.headers = inner.headers

    def get(self, url: str, **kwargs: Any) -> Any:
        self.kwargs.append(dict(kwargs))
        return self.inner.get(url, **kwargs)


def ticking(monkeypatch: pytest.MonkeyPatch, step: float) -> list[float]:
    """Make transport's clock advance ``step`` seconds at each reading; return the readings."""
    readings: list[float] = []

    def monotonic() -> float:
        readings.append(len(readings) * step)
        return readings[-1]

    monkeypatch.setattr(transport, "time", types.SimpleNamespace(monotonic=monotonic))
    return readings


# ------------------------------------------------------------------------ Retry-After


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("007", 7.0),
    ],
)
def test_retry_after_in_seconds(value: str, seconds: float) -> None:
    assert _retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    soon = dt.datetime.now(tz=dt.timezone.utc) + dt.timedelta(seconds=90)
    assert 80 <= (_retry_after_seconds(format_datetime(soon, usegmt=True)) or 0) <= 91
    assert _retry_after_seconds("yesterday-ish") is None
    assert _retry_after_seconds("") is None


def test_a_date_in_the_past_asks_for_no_wait() -> None:
    assert _retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "-5",
        "+5",
        "1.5",
        "5s",
        "1e3",
        "\u00b2",  # superscript two: str.isdigit() says yes, float() says no (it used to crash)
        "\u0661\u0662",  # Arabic-Indic digits: not the ASCII DIGITs a delay-seconds is made of
        "Wed, 21 Oct 2015 07:28:00 -0000",  # "-0000" means no known zone: no usable instant
        "Wed, 21 Oct 2015 07:28:00",  # no zone at all
        "Mon, 32 Feb 2026 00:00:00 GMT",
        "Mon, 01 Jan 99999 00:00:00 GMT",
        "Wed, 21 Oct 2015 07:28:00 +9999",
        "\x00\x01",
        "Retry-After: 5",
    ],
)
def test_a_retry_after_that_is_neither_seconds_nor_a_date_is_ignored(value: str | None) -> None:
    assert _retry_after_seconds(value) is None


# ------------------------------------------------------------------------ DeadlineSession


def test_the_body_is_streamed_whole_and_the_response_stays_usable(replay: Any) -> None:
    adapter = replay.ReplayAdapter()
    adapter.route(BODY)
    inner = Recording(adapter.session())
    session = DeadlineSession(inner)

    response = session.get(URL, timeout=(2.0, 5.0))

    assert response.status_code == 200 and response.json() == BODY
    assert response.content == json.dumps(BODY, separators=(",", ":")).encode()
    assert inner.kwargs == [{"timeout": (2.0, 5.0), "stream": True}]
    assert adapter.calls[0].timeout == (2.0, 5.0)
    assert session.retry_after is None
    assert response.raw.closed  # the connection is handed back, not left streaming


def test_other_attributes_are_the_inner_session_s(replay: Any) -> None:
    inner = replay.ReplayAdapter().session()
    session = DeadlineSession(inner)
    assert session.headers is inner.headers and session.mount == inner.mount
    with pytest.raises(AttributeError):
        session.no_such_attribute  # noqa: B018


def test_the_retry_after_of_the_last_response_is_kept(replay: Any) -> None:
    adapter = replay.ReplayAdapter()
    adapter.route(
        replay.sequence(
            replay.Reply(429, "slow down", {"Retry-After": "7"}, "text/plain"),
            replay.Reply(503, "busy", {"Retry-After": "\u00b2"}, "text/plain"),
            BODY,
        )
    )
    session = DeadlineSession(adapter.session())

    assert session.get(URL, timeout=(1.0, 1.0)).status_code == 429
    assert session.retry_after == 7.0
    # a hostile header is ignored: the response still arrives, with nothing to wait for
    assert session.get(URL, timeout=(1.0, 1.0)).status_code == 503
    assert session.retry_after is None
    session.retry_after = 99.0
    assert session.get(URL, timeout=(1.0, 1.0)).status_code == 200
    assert session.retry_after is None  # reset by each request


def test_the_retry_after_is_kept_even_when_the_body_then_fails(
    replay: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = replay.ReplayAdapter()
    adapter.route(replay.Reply(503, json.dumps(BODY), {"Retry-After": "30"}))
    session = DeadlineSession(adapter.session())
    ticking(monkeypatch, 1.0)
    with pytest.raises(requests.ReadTimeout):
        session.get(URL, timeout=(0.5, 0.5))
    assert session.retry_after == 30.0


def test_a_body_slower_than_connect_plus_read_timeout_is_cut_off(
    replay: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = replay.ReplayAdapter()
    adapter.route(BODY)
    session = DeadlineSession(adapter.session())
    readings = ticking(monkeypatch, 1.0)  # each 64 KiB read "takes" one second

    with pytest.raises(requests.ReadTimeout, match=r"did not arrive within 2 s") as caught:
        session.get(URL, timeout=(1.0, 1.0))

    assert readings == [0.0, 1.0, 2.0, 3.0]  # start, then after each read: 3 > 2, stop there
    assert caught.value.response is not None and caught.value.response.raw.closed


@pytest.mark.parametrize(("timeout", "step"), [(None, 10.0), (6.0, 1.0), ((0.5, 5.5), 1.0)])
def test_a_body_within_the_limit_is_kept(
    replay: Any, monkeypatch: pytest.MonkeyPatch, timeout: Any, step: float
) -> None:
    # no timeout: no limit; a single number or a (connect, read) pair: their sum
    adapter = replay.ReplayAdapter()
    adapter.route(BODY)
    ticking(monkeypatch, step)
    assert DeadlineSession(adapter.session()).get(URL, timeout=timeout).json() == BODY


def test_a_gzip_body_is_decoded_and_a_corrupt_one_is_a_requests_error(replay: Any) -> None:
    with replay.LocalStatsServer(replay.serve(BODY, compress=True)) as server:
        response = DeadlineSession(replay.redirect_session(server.base_url)).get(
            URL, timeout=(1.0, 2.0)
        )
    assert response.json() == BODY

    adapter = replay.ReplayAdapter()
    adapter.route(replay.Reply(200, b"not gzip at all", {"Content-Encoding": "gzip"}))
    with pytest.raises(requests.exceptions.ContentDecodingError):
        DeadlineSession(adapter.session()).get(URL, timeout=(1.0, 1.0))


def test_a_connection_reset_mid_body_is_a_requests_error(replay: Any) -> None:
    with replay.LocalStatsServer(replay.reset_mid_body(BODY)) as server:
        session = DeadlineSession(replay.redirect_session(server.base_url))
        with pytest.raises(requests.exceptions.ChunkedEncodingError, match="reset"):
            session.get(URL, timeout=(1.0, 2.0))


def test_a_stalled_body_is_a_read_timeout(replay: Any) -> None:
    with replay.LocalStatsServer(replay.stall(BODY, 1.0)) as server:
        session = DeadlineSession(replay.redirect_session(server.base_url))
        with pytest.raises(requests.ReadTimeout):
            session.get(URL, timeout=(1.0, 0.2))


def test_a_body_that_is_not_urllib3_s_is_read_through_requests() -> None:
    """An inner session whose responses carry another raw stream (a test double, an adapter of
    another library) is still read whole."""

    class Inner:
        def get(self, url: str, **kwargs: Any) -> requests.Response:
            response = requests.Response()
            response.status_code = 200
            response.headers["Retry-After"] = "3"
            response.raw = io.BytesIO(b'{"ok": true}' * 10_000)
            return response

    session = DeadlineSession(Inner())
    response = session.get(URL, timeout=5.0)
    assert response.content == b'{"ok": true}' * 10_000 and session.retry_after == 3.0


def test_a_body_that_inflates_past_the_limit_is_cut_off(replay: Any) -> None:
    # A gzip body a thousand times smaller than what it decodes to arrives well within the
    # timeout; without a size bound it was read whole into memory (400 MB from 1.8 MB in 6 s).
    import gzip

    assert len(gzip.compress(json.dumps(BODY).encode())) < 10_000 < 200_000 < len(str(BODY))
    with replay.LocalStatsServer(replay.serve(BODY, compress=True)) as server:
        session = DeadlineSession(replay.redirect_session(server.base_url), max_bytes=200_000)
        with pytest.raises(
            transport.BodyTooLarge, match=r"^a response body larger than 200000 bytes$"
        ):
            session.get(URL, timeout=(1.0, 2.0))
    # the default is the raw cache's own read limit: an answer it keeps can be read back
    assert DeadlineSession(requests.Session()).max_bytes == transport.MAX_CACHE_BYTES
