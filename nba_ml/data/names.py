"""Names as people type them: players and teams found whatever the accents, case and suffixes.

``fold`` is the one comparison form: accents and case folded ("Jokić" and "JOKIC" are
"jokic"), apostrophes and periods dropped ("D'Angelo" is "dangelo", "P.J." is "pj"), any other
punctuation a blank ("Karl-Anthony" is "karl anthony"). A player's name matches with or without
its suffix (Jr., Sr., II, III, IV, V), and a first or last name alone matches when one player
has it. A team is its code (any of ``schema.TEAM_ALIASES``), its city, its nickname or both
("BOS", "Boston", "Celtics", "Boston Celtics", "Sixers"). Suggestions are ranked so the name
meant comes first: by closeness, then the most recently active player.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable

from nba_ml.data.schema import TEAMS, canonical_team

SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
MIN_PREFIX = 3  # characters typed before a name's beginning counts as a close match
CUTOFF = 0.6  # closeness (difflib's ratio) below which no name is suggested
MARGIN = 0.1  # names suggested are at most this much less close than the closest
CODE_CUTOFF = 0.3  # the same for a typed team code: three letters share little

# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"}
)
_DROPPED = re.compile(r"['’‘`´.]")
_BLANKS = re.compile(r"[\W_]+")

# Each franchise's city and nickname, then the other names people use for it.
TEAM_NAMES: dict[str, tuple[str, ...]] = {
    "ATL": ("Atlanta", "Hawks"),
    "BOS": ("Boston", "Celtics", "Celts"),
    "BKN": ("Brooklyn", "Nets"),
    "CHA": ("Charlotte", "Hornets"),
    "CHI": ("Chicago", "Bulls"),
    "CLE": ("Cleveland", "Cavaliers", "Cavs"),
    "DAL": ("Dallas", "Mavericks", "Mavs"),
    "DEN": ("Denver", "Nuggets"),
    "DET": ("Detroit", "Pistons"),
    "GSW": ("Golden State", "Warriors", "Dubs"),
    "HOU": ("Houston", "Rockets"),
    "IND": ("Indiana", "Pacers"),
    "LAC": ("LA", "Clippers", "Los Angeles Clippers", "Clips"),
    "LAL": ("LA", "Lakers", "Los Angeles Lakers"),
    "MEM": ("Memphis", "Grizzlies", "Grizz"),
    "MIA": ("Miami", "Heat"),
    "MIL": ("Milwaukee", "Bucks"),
    "MIN": ("Minnesota", "Timberwolves", "Wolves", "T-Wolves"),
    "NOP": ("New Orleans", "Pelicans", "Pels"),
    "NYK": ("New York", "Knicks"),
    "OKC": ("Oklahoma City", "Thunder", "Oklahoma"),
    "ORL": ("Orlando", "Magic"),
    "PHI": ("Philadelphia", "76ers", "Sixers", "Philly"),
    "PHX": ("Phoenix", "Suns"),
    "POR": ("Portland", "Trail Blazers", "Blazers", "Trailblazers"),
    "SAC": ("Sacramento", "Kings"),
    "SAS": ("San Antonio", "Spurs"),
    "TOR": ("Toronto", "Raptors"),
    "UTA": ("Utah", "Jazz"),
    "WAS": ("Washington", "Wizards", "Wiz"),
}


def fold(text: object) -> str:
    """Return the comparison form of a name: accent- and case-folded, apostrophes and periods
    dropped, other punctuation and blanks one space ("Nikola Jokić" -> "nikola jokic")."""
    decomposed = unicodedata.normalize("NFD", str(text))  # not NFKD: "²" is no "2"
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = _DROPPED.sub("", bare.casefold().translate(_LETTERS))
    return " ".join(_BLANKS.sub(" ", bare).split())


def without_suffix(folded: str) -> str:
    """Return a folded name without its trailing suffix ("jimmy butler iii" -> "jimmy
    butler"); a name that is only a suffix is kept."""
    words = folded.split()
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)


@functools.lru_cache(maxsize=8192)
def _parts(name: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return a folded name's forms compared with typed text: (the whole name with and without
    its suffix, its first and last name and its words run together, its words)."""
    base = without_suffix(name)
    words = tuple(base.split()) or ("",)
    return (
        tuple(dict.fromkeys((name, base))),
        tuple(dict.fromkeys((words[0], words[-1], "".join(words)))),
        words,
    )


def closeness(
    typed: str, name: str, matcher: difflib.SequenceMatcher[str] | None = None, floor: float = 0.0
) -> float:
    """Return how close the folded ``typed`` is to the folded ``name`` (0 to 1): difflib's
    ratio against the whole name (with and without its suffix) or, for one typed word, against
    its first or last name; 0.95 when ``name`` or one of its words starts with what was typed
    (at least MIN_PREFIX characters). ``matcher`` (``SequenceMatcher(b=typed)``) may be given
    to compare one typed text with many names quickly; closeness below ``floor`` is 0."""
    if not typed or not name:
        return 0.0
    whole, single, words = _parts(name)
    parts = whole + single if " " not in typed else whole
    if len(typed) >= MIN_PREFIX and any(p.startswith(typed) for p in parts + words):
        return 0.95
    matcher = matcher or difflib.SequenceMatcher(None, b=typed)
    best = 0.0
    for part in parts:  # the cheap upper bounds first, as difflib.get_close_matches does
        matcher.set_seq1(part)
        bar = max(best, floor)
        if matcher.real_quick_ratio() >= bar and matcher.quick_ratio() >= bar:
            best = max(best, matcher.ratio())
    return best if best >= floor else 0.0


def _typed(text: object) -> str | None:
    """Return the folded form of typed text, or None when it holds control characters (never
    a name: refused rather than cleaned up)."""
    raw = str(text).strip()
    return fold(raw) if raw.isprintable() else None


# ---------------------------------------------------------------------------------- teams


def _team_keys() -> dict[str, frozenset[str]]:
    keys: dict[str, set[str]] = {}
    for code, (city, nickname, *others) in TEAM_NAMES.items():
        for name in (city, nickname, f"{city} {nickname}", *others):
            keys.setdefault(fold(name), set()).add(code)
    return {key: frozenset(codes) for key, codes in keys.items()}


TEAM_KEYS: dict[str, frozenset[str]] = _team_keys()


def find_teams(text: object) -> list[str]:
    """Return the teams ``text`` names: one for a code, nickname, city or full name, two for
    "LA" or "Los Angeles" (sorted), none when it names no NBA team."""
    raw = str(text).strip()
    code = canonical_team(raw) if raw.isprintable() else None
    if code is not None:
        return [code]
    typed = _typed(raw)
    if not typed:
        return []
    typed = {"los angeles": "la"}.get(typed, typed)
    return sorted(TEAM_KEYS.get(typed, ()))


def close_teams(text: object, count: int = 3) -> list[str]:
    """Return up to ``count`` team codes closest to ``text`` (a misspelt code, city or
    nickname), the closest first."""
    typed = _typed(text)
    if not typed:
        return []
    scores: dict[str, float] = {}
    upper = typed.upper().replace(" ", "")
    for code in TEAMS:
        scores[code] = (
            difflib.SequenceMatcher(None, upper, code).ratio() if len(upper) <= 3 else 0.0
        )
    for key, codes in TEAM_KEYS.items():
        score = closeness(typed, key) if len(typed) > 3 else 0.0
        for code in codes:
            scores[code] = max(scores[code], score)
    cutoff = CODE_CUTOFF if len(upper) <= 3 else CUTOFF
    ranked = sorted(
        (code for code, score in scores.items() if score >= cutoff),
        key=lambda code: (-scores[code], code),
    )
    return ranked[:count]


# -------------------------------------------------------------------------------- players


class PlayerNames:
    """The players' names, looked up as people type them.

    Built from ``(player_id, name)`` pairs in order of recency (the most recently active
    last): a name shared by two ids is the most recent one's, and suggestions tie-break on
    recency.
    """

    def __init__(self, players: Iterable[tuple[int, str]]) -> None:
        self.names: dict[int, str] = {}
        self._recency: dict[int, int] = {}
        self._exact: dict[str, int] = {}
        self._folded: dict[str, int] = {}
        self._keys: dict[str, set[int]] = {}
        for rank, (player_id, name) in enumerate(players):
            self.names[player_id] = str(name)
            self._recency[player_id] = rank
            self._exact[unicodedata.normalize("NFKC", str(name)).casefold()] = player_id
            folded = fold(name)
            self._folded[folded] = player_id
            base = without_suffix(folded)
            words = base.split()
            keys = {base} | (
                {words[0], " ".join(words[1:]), words[-1], " ".join(words[:-1])}
                if len(words) > 1
                else set()
            )
            for key in keys - {""}:
                self._keys.setdefault(key, set()).add(player_id)

    def candidates(self, text: str) -> list[int]:
        """Return the ids ``text`` names: one for a name (exact, folded, with or without its
        suffix) or a first or last name only one player has; several, most recent first, for
        a first or last name that several have; none otherwise."""
        exact = self._exact.get(unicodedata.normalize("NFKC", text.strip()).casefold())
        if exact is not None:
            return [exact]
        typed = _typed(text)
        if not typed:
            return []
        if typed in self._folded:
            return [self._folded[typed]]
        found = self._keys.get(without_suffix(typed), set())
        if len(found) > 1:  # the same whole name spelt with and without a suffix: one wins
            whole = {i for i in found if without_suffix(fold(self.names[i])) == typed}
            found = {max(whole, key=self._recency.__getitem__)} if whole else found
        return sorted(found, key=lambda i: -self._recency[i])

    def suggest(self, text: str, count: int = 3) -> list[str]:
        """Return up to ``count`` names closest to ``text``, the closest (then the most recently
        active) first: none less than CUTOFF close, nor MARGIN less close than the closest."""
        typed = _typed(text)
        if not typed:
            return []
        matcher = difflib.SequenceMatcher(None, b=typed)
        scored = [
            (
                closeness(typed, folded, matcher, CUTOFF),
                self._recency[player_id],
                self.names[player_id],
            )
            for folded, player_id in self._folded.items()
        ]
        best = max((item[0] for item in scored), default=0.0)
        scored = [item for item in scored if item[0] >= max(CUTOFF, best - MARGIN)]
        scored.sort(key=lambda item: (-item[0], -item[1]))
        out: list[str] = []
        for _, _, name in scored:
            if name not in out:
                out.append(name)
        return out[:count]
