"""The proxy nba-ml sends stats.nba.com requests through, and keeping its credentials secret.

Precedence: ``--proxy`` > ``NBA_ML_PROXY`` > ``NBA_API_PROXY`` (nba_api's own) > ``HTTPS_PROXY``
(``https_proxy``). A value that is not a proxy URL is a usage error (exit 2). A proxy URL's
userinfo never appears in a message: :func:`redact_proxy` shows ``http://***@host:3128``,
:func:`redact` masks the userinfo and password wherever they occur in a text, and
:func:`redact_command` a command line before it is recorded (the lock file, ``status``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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
            raise ConfigError(
                f"{source}={redact_proxy(url)!r} is not a proxy URL like "
                f"http://host:3128 ({problem})"
            )
        if url.lower().startswith("socks") and not socks_supported():
            raise ConfigError(
                f"{source}={redact_proxy(url)!r}: a SOCKS proxy needs PySocks, "
                "which is not installed (pip install 'nba-ml[socks]'), or use an "
                "http:// proxy"
            )
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
    text = redact(text, None)  # every URL's userinfo, this proxy's included
    userinfo = proxy.partition("://")[2].rpartition("@")[0]
    user, _, password = userinfo.partition(":")
    secrets = set()
    for value in (userinfo, password):  # the credentials, wherever they appear
        secrets.update({value, unquote(value), quote(value, safe="")})
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    # The user name alone only where it stands as a word of its own ("alice", "alice@host"),
    # never inside another one: user "nba" made "stats.nba.com unreachable" "stats.***.com".
    for name in {user, unquote(user)}:
        if len(name) >= 3:
            text = re.sub(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", "***", text)
    return text


def socks_supported() -> bool:
    """Whether requests can use a SOCKS proxy here (PySocks installed: ``nba-ml[socks]``)."""
    import importlib.util

    return importlib.util.find_spec("socks") is not None


def redact_command(argv: Sequence[str]) -> str:
    """Return the command line ``argv`` fit to be recorded (the training lock's holder, shown
    by ``status``): the value of ``--proxy`` (``--proxy URL`` or ``--proxy=URL``) shown as
    :func:`redact_proxy` shows it, and the userinfo of any other URL masked."""
    shown: list[str] = []
    proxy_next = False
    for arg in map(str, argv):
        if proxy_next:
            shown.append(redact_proxy(arg) or arg)
        elif arg.startswith("--proxy="):
            shown.append("--proxy=" + (redact_proxy(arg[len("--proxy=") :]) or ""))
        else:
            shown.append(redact(arg, None))
        proxy_next = arg == "--proxy" and not proxy_next
    return " ".join(shown)
