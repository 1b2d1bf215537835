"""data.proxy: which proxy nba-ml uses, what a proxy URL may look like, and keeping its
credentials out of every message."""

from __future__ import annotations

import pytest

from nba_ml.data import proxy
from nba_ml.data.proxy import (
    PROXY_VARIABLES,
    redact,
    redact_command,
    redact_proxy,
    resolve_proxy,
)
from nba_ml.errors import ConfigError

# ------------------------------------------------------------------------ precedence


@pytest.mark.parametrize(
    ("environ", "flag", "expected"),
    [
        ({}, None, (None, None)),
        ({"HTTPS_PROXY": "http://p:3128"}, None, ("http://p:3128", "HTTPS_PROXY")),
        ({"https_proxy": "http://p:3128"}, None, ("http://p:3128", "https_proxy")),
        (
            {"HTTPS_PROXY": "http://a:1", "NBA_API_PROXY": "http://b:2"},
            None,
            ("http://b:2", "NBA_API_PROXY"),
        ),
        (
            {"NBA_API_PROXY": "http://b:2", "NBA_ML_PROXY": "https://c:3"},
            None,
            ("https://c:3", "NBA_ML_PROXY"),
        ),
        ({"NBA_ML_PROXY": "http://c:3"}, "http://u:pw@d:4", ("http://u:pw@d:4", "--proxy")),
        ({"NBA_ML_PROXY": "  ", "HTTPS_PROXY": "http://a:1"}, None, ("http://a:1", "HTTPS_PROXY")),
    ],
)
def test_proxy_precedence(environ: dict[str, str], flag: str | None, expected: tuple) -> None:
    assert resolve_proxy(flag, environ) == expected


def test_every_source_in_order_flag_first() -> None:
    """Each source wins over every one after it: --proxy > NBA_ML_PROXY > NBA_API_PROXY >
    HTTPS_PROXY > https_proxy."""
    assert PROXY_VARIABLES == ("NBA_ML_PROXY", "NBA_API_PROXY", "HTTPS_PROXY", "https_proxy")
    sources = ["--proxy", *PROXY_VARIABLES]
    for winner in range(len(sources)):
        environ = {
            name: f"http://host{i}:{3000 + i}"
            for i, name in enumerate(sources)
            if i >= winner and name != "--proxy"
        }
        flag = "http://host0:3000" if winner == 0 else None
        assert resolve_proxy(flag, environ) == (
            f"http://host{winner}:{3000 + winner}",
            sources[winner],
        )


def test_a_blank_flag_falls_through_and_values_are_stripped() -> None:
    assert resolve_proxy("", {"NBA_API_PROXY": " http://b:2\n"}) == ("http://b:2", "NBA_API_PROXY")
    assert resolve_proxy(" \t", {}) == (None, None)


def test_a_valid_higher_source_hides_a_malformed_lower_one() -> None:
    # only the chosen value is checked: a broken HTTPS_PROXY under NBA_ML_PROXY is never used
    assert resolve_proxy(None, {"NBA_ML_PROXY": "http://ok:1", "HTTPS_PROXY": "not a url"}) == (
        "http://ok:1",
        "NBA_ML_PROXY",
    )


def test_other_proxy_variables_are_not_consulted() -> None:
    environ = {
        "HTTP_PROXY": "http://plain:80",
        "http_proxy": "http://plain:80",
        "ALL_PROXY": "socks5://all:1080",
    }
    assert resolve_proxy(None, environ) == (None, None)


@pytest.mark.parametrize(
    "url",
    [
        "http://h:3128",
        "https://h:3128",
        "socks5://h:1080",
        "socks5h://u:p@h:1080",
        "socks4://h:1",
        "socks4a://h:1",
        "HTTP://Host:3128",
        "http://[::1]:3128",
        "http://h:3128/",
        "http://h",
    ],
)
def test_accepted_proxy_urls_are_returned_as_given(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proxy, "socks_supported", lambda: True)  # as with nba-ml[socks]
    assert resolve_proxy(url, {}) == (url, "--proxy")


@pytest.mark.parametrize("url", ["socks5://h:1080", "socks5h://u:p@h:1080", "socks4://h:1"])
def test_a_socks_proxy_without_pysocks_is_a_usage_error(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # it was accepted, then failed as a temporary error that no retry could fix
    monkeypatch.setattr(proxy, "socks_supported", lambda: False)
    with pytest.raises(ConfigError, match=r"needs PySocks.*nba-ml\[socks\]") as caught:
        resolve_proxy(url, {})
    assert caught.value.exit_code == 2 and ":p@" not in str(caught.value)


# ------------------------------------------------------------------------ malformed values


@pytest.mark.parametrize(
    "value",
    [
        "proxy.example:3128",
        "http://u:s3cr3t@host:99999",
        "ftp://host:21",
        "http://",
        "http://host:3128/path",
        "http://ho st:1",
        "http://host:abc",
    ],
)
def test_a_malformed_proxy_is_a_usage_error_without_the_password(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_proxy(None, {"HTTPS_PROXY": value})
    assert caught.value.exit_code == 2
    assert "s3cr3t" not in str(caught.value) and "HTTPS_PROXY=" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("proxy.example:3128", "no scheme"),
        ("ftp://host:21", "scheme 'ftp' is not one of http, https, socks5"),
        ("http://", "no host"),
        ("http://u:p@:3128", "no host"),
        ("http://host:99999", "a malformed host or port"),
        ("http://[::1", "a malformed host or port"),
        ("http://host:3128/path", "a path, query or fragment"),
        ("http://host:3128?x=1", "a path, query or fragment"),
        ("http://host:3128#top", "a path, query or fragment"),
        ("http://ho st:1", "it holds spaces or control characters"),
        ("http://host:1\x1b[2J", "it holds spaces or control characters"),
    ],
)
def test_the_message_names_the_source_and_the_problem_on_one_line(value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_proxy(value, {})
    message = str(caught.value)
    assert message.startswith("--proxy=") and message.endswith(f"({problem})")
    assert "is not a proxy URL like http://host:3128" in message
    assert "\n" not in message and "\x1b" not in message and caught.value.exit_code == 2


@pytest.mark.parametrize(
    "value",
    [
        "u:s3cr3t@host:1",  # no scheme
        "http://u:s3cr3t@host:99999",  # bad port
        "http://u:pa/s3cr3t@host:1",  # a slash in the password: urlsplit sees a path
        "http://u:pa#s3cr3t@host:1",  # a hash in the password: urlsplit sees a fragment
        "http://u:s3 cr3t@host:1",  # a space in the password
        "ftp://u:s3cr3t@host:21",
    ],
)
def test_no_malformed_value_ever_shows_its_credentials(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_proxy(None, {"NBA_ML_PROXY": value})
    message = str(caught.value)
    assert "cr3t" not in message and "u:" not in message
    assert "***" in message and message.startswith("NBA_ML_PROXY=")


# ------------------------------------------------------------------------ redaction


def test_redaction() -> None:
    url = "http://nba%40user:p%40ss:w0rd@10.0.0.1:3128"
    assert redact_proxy(url) == "http://***@10.0.0.1:3128"
    assert redact_proxy("http://10.0.0.1:3128") == "http://10.0.0.1:3128"
    text = f"failed via {url} (user nba@user, password p@ss:w0rd / p%40ss:w0rd)"
    masked = redact(text, url)
    assert "w0rd" not in masked and "nba@user" not in masked and "10.0.0.1:3128" in masked
    assert redact("see http://a:b@h:1/x", None) == "see http://***@h:1/x"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (None, None),
        ("", ""),
        ("http://h:1", "http://h:1"),
        ("http://u@h:1", "http://***@h:1"),  # a user name alone is hidden too
        ("http://u:p@ss@h:1", "http://***@h:1"),  # an unencoded @ in the password
        ("u:pw@h:1", "***"),  # no scheme: nothing of it is shown
        ("h:1", "h:1"),
    ],
)
def test_redact_proxy(url: str | None, shown: str | None) -> None:
    assert redact_proxy(url) == shown


def test_redact_masks_the_user_and_password_apart_but_not_short_fragments() -> None:
    # the user name alone is masked only where it stands as a word of its own
    proxy = "http://alice:hunter2@proxy.corp:3128"
    text = "proxy.corp refused alice (hunter2); retried http://alice:hunter2@proxy.corp:3128"
    assert redact(text, proxy) == (
        "proxy.corp refused *** (***); retried http://***@proxy.corp:3128"
    )
    assert redact("sent as alice:hunter2 and alice@proxy.corp", proxy) == (
        "sent as *** and ***@proxy.corp"
    )
    # secrets shorter than 3 characters are not masked on their own (every "a" would go)
    assert redact("via http://a:b@h:1 as a b", "http://a:b@h:1") == "via http://***@h:1 as a b"


def test_redact_without_a_proxy_masks_any_url_userinfo() -> None:
    text = "x socks5h://u:p@h:1/ and https://v:w@z and mailto:me@example.org"
    assert redact(text, None) == "x socks5h://***@h:1/ and https://***@z and mailto:me@example.org"
    assert redact("no credentials here", "http://h:1") == "no credentials here"


def test_a_user_name_is_masked_as_a_credential_not_wherever_its_text_appears() -> None:
    # user "nba" turned the message into "stats.***.com unreachable"
    url = "http://nba:s3cret@proxy:3128"
    message = f"stats.nba.com unreachable through {url} (s3cret; nba:s3cret)"
    assert redact(message, url) == (
        "stats.nba.com unreachable through http://***@proxy:3128 (***; ***)"
    )


def test_a_recorded_command_line_never_holds_a_proxy_password() -> None:
    argv = ["/venv/bin/nba-ml", "train", "--proxy", "http://nba:s3cret@proxy:3128", "--force"]
    assert redact_command(argv) == ("/venv/bin/nba-ml train --proxy http://***@proxy:3128 --force")
    assert redact_command(["nba-ml", "ensure", "--proxy=socks5h://u:pw@h:1"]) == (
        "nba-ml ensure --proxy=socks5h://***@h:1"
    )
    assert redact_command(["nba-ml", "--proxy", "u:pw@h:1"]) == "nba-ml --proxy ***"
    assert redact_command(["x", "see", "https://a:b@h"]) == "x see https://***@h"
