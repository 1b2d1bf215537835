"""state.files: atomic writes, safe bounded reads, bounded JSON, one time parser."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from nba_ml.state.files import (
    FileDamaged,
    atomic_write,
    describe_os_error,
    loads_json,
    parse_utc,
    read_json_file,
    read_regular_file,
    safe_text,
)


def test_atomic_write_replaces_and_leaves_no_litter(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    atomic_write(target, "one")
    atomic_write(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]


def test_atomic_write_replaces_a_symlink_instead_of_following_it(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    link = tmp_path / "link"
    link.symlink_to(victim)
    atomic_write(link, "new")
    assert victim.read_text() == "keep"
    assert not link.is_symlink() and link.read_text() == "new"


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "x"
    target.write_text("old")

    with pytest.raises(TypeError):
        atomic_write(target, 12345)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_read_refuses_fifos_devices_directories_and_symlinks_without_blocking(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(FileDamaged, match="FIFO"):
        read_regular_file(fifo)
    with pytest.raises(FileDamaged, match="character device"):
        read_regular_file("/dev/zero", follow_symlinks=True)
    with pytest.raises(FileDamaged, match="directory"):
        read_regular_file(tmp_path)
    real = tmp_path / "real"
    real.write_text("x")
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(FileDamaged, match="symbolic link"):
        read_regular_file(tmp_path / "link")
    assert read_regular_file(tmp_path / "link", follow_symlinks=True) == b"x"
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "missing")


def test_read_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"a" * 1000)
    assert read_regular_file(big, limit=1000) == b"a" * 1000
    with pytest.raises(FileDamaged, match="too large"):
        read_regular_file(big, limit=999)


def test_deeply_nested_json_is_refused_on_one_line(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(FileDamaged, match="nests deeper") as caught:
        loads_json(deep, source="m.json")
    assert "\n" not in str(caught.value)
    brackets = "[" * 100
    assert loads_json('{"a": "' + brackets + '"}') == {"a": brackets}
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(FileDamaged, match="invalid JSON"):
        read_json_file(path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(FileDamaged, match="UTF-8"):
        read_json_file(path)


def test_parse_utc() -> None:
    utc = dt.timezone.utc
    assert parse_utc("2026-11-28T09:00:00Z") == dt.datetime(2026, 11, 28, 9, tzinfo=utc)
    assert parse_utc("2026-11-28T10:00:00+01:00") == dt.datetime(2026, 11, 28, 9, tzinfo=utc)
    assert parse_utc("2026-11-28T09:00:00") == dt.datetime(2026, 11, 28, 9, tzinfo=utc)
    for bad in (
        None,
        "",
        "  ",
        "yesterday",
        5,
        [],
        "2026-13-01",
        # valid ISO times outside what a UTC datetime holds: they raised OverflowError,
        # and `status` on a manifest with such a trained_at ended as "a bug"
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
    ):
        assert parse_utc(bad) is None


def test_safe_text_and_os_error_wording() -> None:
    assert safe_text("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    assert safe_text("plain") == "plain"
    assert describe_os_error(OSError(13, "Permission denied")) == "permission denied"
    assert describe_os_error(OSError()) == "oSError"


def test_is_ascii_number_takes_the_digits_0_to_9_only() -> None:
    from nba_ml.state.files import is_ascii_number

    assert is_ascii_number("0") and is_ascii_number("2544") and is_ascii_number("007")
    for text in ("", " 1", "1.5", "-3", "+3", "\u00b2", "\u0661\u0660", "\uff11", "1e3"):
        assert not is_ascii_number(text), text
