"""Whom nba-ml trusts before it loads a file: the rule of OpenSSH's StrictModes and sudo.

Loading a model or the saved game data runs no code from the file (skops and numpy formats,
:mod:`nba_ml.state.modelfile`, :mod:`nba_ml.state.gametables`); as a second wall, a file is
loaded only when no less trusted user could have written it or swapped it in (a forged model
could still predict wrong). A file, and every directory from it up to ``/``, must be

- owned by root, by the user running nba-ml, or by an owner named in ``NBA_ML_TRUSTED_OWNER``
  (user names or numeric uids, comma-separated: e.g. ``nba-ml`` for a web server that serves
  the models the ``nba-ml`` user trains), and
- writable by neither its group nor other users.

One exception, for the parents of the data directory only: a directory with the sticky bit
(``/tmp``, ``/var/tmp``) may be writable by everyone, because there nobody can rename or delete
an entry they do not own; the entry below it must still pass. The data directory itself and
everything nba-ml writes below it never may. Symbolic links along the way are judged by their
owner (their mode means nothing), and their targets by the same rule.

Whoever is trusted can do anything the trusting process can; no check here stops them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from nba_ml.errors import ConfigError
from nba_ml.state.files import describe_os_error, is_ascii_number, safe_text

TRUSTED_OWNER_ENV = "NBA_ML_TRUSTED_OWNER"
_GROUP_OTHER_WRITE = stat.S_IWGRP | stat.S_IWOTH


def trusted_uids(environ: Mapping[str, str] | None = None) -> frozenset[int]:
    """Return root, this process's effective user and the owners named in NBA_ML_TRUSTED_OWNER.

    Raise ConfigError when the variable names a user that does not exist.
    """
    environ = os.environ if environ is None else environ
    uids = {0, os.geteuid()}
    raw = environ.get(TRUSTED_OWNER_ENV, "")
    for name in (part.strip() for part in raw.replace(" ", ",").split(",")):
        if not name:
            continue
        if is_ascii_number(name):
            uids.add(int(name))
            continue
        import pwd

        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            raise ConfigError(
                f"{TRUSTED_OWNER_ENV}={safe_text(repr(raw))}: no user named {safe_text(repr(name))}"
            ) from None
    return frozenset(uids)


def status_problem(
    info: os.stat_result, trusted: Iterable[int], *, allow_sticky: bool = False
) -> str | None:
    """Return why a file or directory with this status must not be trusted, or None.

    ``allow_sticky`` accepts a sticky directory that others may write (a parent like /tmp).
    """
    if info.st_uid not in trusted:
        return f"owned by another user (uid {info.st_uid})"
    if stat.S_ISLNK(info.st_mode):
        return None  # a symlink's mode is always 0777 and means nothing
    bits = info.st_mode & _GROUP_OTHER_WRITE
    if not bits:
        return None
    if allow_sticky and stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX:
        return None
    if bits == _GROUP_OTHER_WRITE:
        return "writable by group and other users"
    return "writable by other users" if bits & stat.S_IWOTH else "writable by group"


_MAX_SYMLINKS = 40  # as the kernel's limit (ELOOP)


def _traversed(path: str) -> tuple[list[tuple[str, os.stat_result]], str | None]:
    """Return every entry the kernel looks up to resolve ``path``, in order, with its lstat:
    ``/``, each component, and wherever a symbolic link leads, hop by hop (so a link in another
    user's directory, pointing to a link, is seen too); and a problem, or None. Entries that do
    not exist are left out (judged by whoever creates them)."""
    entries = [("/", os.lstat("/"))]
    pending = list(reversed(path.split("/")))
    current, hops = "/", 0
    while pending:
        name = pending.pop()
        if name in ("", "."):
            continue
        if name == "..":
            current = os.path.dirname(current)  # `current` holds no symlink: as the kernel does
            continue
        candidate = os.path.join(current, name)
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            current = candidate
            continue
        except OSError as error:
            return entries, f"{safe_text(candidate)} cannot be checked: {describe_os_error(error)}"
        entries.append((candidate, info))
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        hops += 1
        try:
            target = os.readlink(candidate)
        except OSError as error:
            return entries, f"{safe_text(candidate)} cannot be checked: {describe_os_error(error)}"
        if hops > _MAX_SYMLINKS:
            return entries, f"{safe_text(str(path))} has too many levels of symbolic links"
        if target.startswith("/"):
            current = "/"
        pending.extend(reversed(target.split("/")))
    return entries, None


def path_problem(
    path: Path | str,
    trusted: Iterable[int],
    *,
    top: Path | str | None = None,
) -> str | None:
    """Return why ``path`` (and every directory above it, following symlinks) is untrusted.

    Every entry resolving ``path`` looks up is judged, including each symbolic link on the way
    and each directory its target passes through. ``top`` is the data directory: it and
    everything below it are judged strictly; the directories on the way to it may be sticky
    world-writable directories. Return e.g. "/home/alice is owned by another user (uid 1000)",
    or None when all is trusted.
    """
    trusted = frozenset(trusted)
    entries, problem = _traversed(_absolute(path))
    # Sticky directories are accepted on the way to the data directory, never at it or below.
    end = _absolute(path if top is None else top)
    way = entries if top is None else _traversed(end)[0]
    above = {entry for entry, _ in way} - {os.path.realpath(end)}
    for entry, info in reversed(entries):  # the nearest problem first
        reason = status_problem(info, trusted, allow_sticky=entry in above)
        if reason:
            return f"{safe_text(entry)} is {reason}"
    return problem


def _absolute(path: Path | str) -> str:
    text = os.fspath(path)
    return text if os.path.isabs(text) else os.path.join(os.getcwd(), text)
