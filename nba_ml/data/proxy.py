"""The proxy nba-ml sends stats.nba.com requests through, and keeping its credentials secret.

Precedence: ``--proxy`` > ``NBA_ML_PROXY`` > ``NBA_API_PROXY`` (nba_api's own) > ``HTTPS_PROXY``
(``https_proxy``). A value that is not a proxy URL is a usage error (exit 2). A proxy URL's
userinfo never appears in a message: :func:`redact_proxy` shows ``http://***@host:3128``,
:func:`redact` masks the userinfo and password wherever they occur in a text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

from nba_ml.errors import ConfigError

# Where a proxy may come from, highest precedence first (the --proxy flag comes before all).
PROXY_VARIABLES: tuple[str, ...] = ("NBA_ML_PROXY", "NBA_API_PROXY", "HTTPS_PROXY", "https_proxy")
_PROXY_SCHEMES = frozenset({"http", "https", "socks5", "socks5h", "socks4", "socks4a"})



def resolve_proxy(flag: str | None, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return (proxy URL, where it came from) from ``--proxy`` > NBA_ML_PROXY > NBA_API_PROXY >
    HTTPS_PROXY; (None, None) for a direct connection. Raise ConfigError (exit 2) when the chosen
    value is not a proxy URL like ``http://user:pass@host:3128``; the message never shows the
    credentials.
    """
    candidates = [("--proxy", flag)] + [(name, environ.get(name)) for name in PROXY_VARIABLES]
    for source, value in candidates:
        if value is None or not str(value).strip():
            continue
        url = str(value).strip()
        problem = _proxy_problem(url)
        if problem:
            raise ConfigError(f"{source}={redact_proxy(url)!r} is not a proxy URL like "
                              f"http://host:3128 ({problem})")
        return url, source
    return None, None


def _proxy_problem(url: str) -> str | None:
    if not url.isprintable() or any(ch.isspace() for ch in url):
        return "it holds spaces or control characters"
    if "://" not in url:
        return "no scheme"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "a malformed host or port"
    if parts.scheme.lower() not in _PROXY_SCHEMES:
        return f"scheme {parts.scheme!r} is not one of http, https, socks5"
    if not parts.hostname:
        return "no host"
    del port
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "a path, query or fragment"
    return None


def redact_proxy(url: str | None) -> str | None:
    """Return the proxy URL with its credentials replaced by ``***`` (None stays None)."""
    if not url:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url if sep else ("***" if "@" in url else url)
    return f"{scheme}://***@{rest.rpartition('@')[2]}"


def redact(text: str, proxy: str | None) -> str:
    """Return ``text`` with the proxy's userinfo and password (raw, decoded, encoded) masked."""
    text = str(text)
    if not proxy or "@" not in proxy:
        return re.sub(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@]*@", r"\1***@", text)
    userinfo = proxy.partition("://")[2].rpartition("@")[0]
    secrets = set()
    for value in (userinfo, userinfo.partition(":")[2], userinfo.partition(":")[0]):
        secrets.update({value, unquote(value), quote(value, safe="")})
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text
