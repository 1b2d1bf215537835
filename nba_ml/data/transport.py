"""The transport under nba_api: a session wrapper that bounds the time of a whole response.

requests' ``timeout`` bounds each socket read, not the download, so a server that drips one byte
at a time could hold a request open for hours; :class:`DeadlineSession` streams the body and gives
up once the request's connect + read timeout have passed, and once the (decoded) body grows past
``MAX_BODY_BYTES``: a gzip body inflates a thousandfold, so the time bound alone does not bound
memory. It also keeps the Retry-After the last response asked for.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

from nba_ml import compat
from nba_ml.data.cache import MAX_CACHE_BYTES
from nba_ml.state.files import is_ascii_number

_READ_CHUNK = 1 << 16
# The raw cache's own read limit: a larger answer could never be read back.
MAX_BODY_BYTES = MAX_CACHE_BYTES


class BodyTooLarge(Exception):
    """The response body grew past the limit (upstream turns it into a failed attempt)."""


class DeadlineSession:
    """Wraps a requests.Session so that each response body must arrive within the timeout.

    requests' ``timeout`` bounds each socket read, not the whole download, so a server that drips
    one byte at a time could hold a request open for hours; this reads the body in chunks and
    gives up once connect + read timeout seconds have passed since the request started.
    """

    def __init__(self, inner: Any, max_bytes: int | None = None) -> None:
        self.inner = inner
        self.max_bytes = MAX_BODY_BYTES if max_bytes is None else max_bytes
        self.retry_after: float | None = None  # seconds the last response asked us to wait

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, url: str, **kwargs: Any) -> Any:
        import requests

        timeout = kwargs.get("timeout")
        limit = sum(timeout) if isinstance(timeout, tuple) else timeout
        started = time.monotonic()
        kwargs["stream"] = True
        self.retry_after = None
        response = self.inner.get(url, **kwargs)
        self.retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        try:
            chunks = []
            size = 0
            for chunk in _iter_body(response):
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_bytes:
                    raise BodyTooLarge(f"a response body larger than {self.max_bytes} bytes")
                if limit is not None and time.monotonic() - started > limit:
                    raise requests.ReadTimeout(
                        f"the response body did not arrive within {limit:g} s", response=response
                    )
            compat.set_response_body(response, b"".join(chunks))
        finally:
            response.close()
        return response


def _retry_after_seconds(value: str | None) -> float | None:
    """Return the wait a Retry-After header asks for (seconds or an HTTP date), else None."""
    if not value:
        return None
    text = value.strip()
    if is_ascii_number(text):
        return float(text)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - dt.datetime.now(tz=dt.timezone.utc)).total_seconds())


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
