"""Serve stats.nba.com offline to nba_api's own HTTP code, with fault injection (a test helper).

Two ways in:

* ``ReplayAdapter`` is a requests transport adapter: nba_api builds and sends its real request,
  and the adapter answers from recorded cassettes or synthetic bodies, routed by query parameters,
  counting every request. No socket is opened::

      adapter = ReplayAdapter()
      adapter.route(league_game_log(load_cassette(T_2025_26)), Season="2025-26", PlayerOrTeam="T",
                    SeasonType="Regular Season")
      adapter.route(sequence(faults.http_503, faults.connection_refused, body), Season="2020-21")
      refresh_cache(raw_dir, ["2025-26"], today=..., session=adapter.session(),
                    sleep=clock.sleep, clock=clock.monotonic)
      assert adapter.count(Season="2025-26") == 4

  A responder is a ``Reply``, a dict (a JSON 200), str/bytes (a 200 body), an exception instance
  or class (raised by the transport, as requests would), a callable ``(Call) -> responder``, or a
  ``sequence(...)`` of those (consumed in order, the last one repeating). Routes are matched by
  the parameters given (the others are wildcards), the most recently added route first; a request
  no route matches raises ``UnexpectedRequest`` (an AssertionError, never retried by nba-ml).

* ``LocalStatsServer`` is a real HTTP server on 127.0.0.1 (in a thread) with socket-level faults
  (slow drip, stall, reset mid-body, HTTP errors); ``redirect_session(server.base_url)`` returns a
  session whose adapter sends nba_api's ``https://stats.nba.com/...`` requests to it.
  ``closed_port()`` gives a port nothing listens on (connection refused).

``FakeClock`` gives ``sleep``/``monotonic`` that advance together: backoff never really sleeps.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import gzip
import http.server
import io
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import urllib3
from requests.adapters import HTTPAdapter

SHARED = Path(__file__).resolve().parents[2] / "shared"
CASSETTES = SHARED / "data" / "nba-api-cassettes"
GAMELOGS = SHARED / "data" / "gamelogs"

if not CASSETTES.is_dir():  # a fresh clone with nothing beside it: these tests need ../shared
    pytest.skip(
        f"needs the recorded stats.nba.com responses in {CASSETTES} (../shared)",
        allow_module_level=True,
    )
T_2025_26 = "leaguegamelog_T_2025-26_regular_partial.json"  # 1688 team rows, 2025-10-21..2026-02-21

JSON_TYPE = "application/json; charset=utf-8"
TEAM_HEADERS: tuple[str, ...] = (
    "SEASON_ID",
    "TEAM_ID",
    "TEAM_ABBREVIATION",
    "TEAM_NAME",
    "GAME_ID",
    "GAME_DATE",
    "MATCHUP",
    "WL",
    "MIN",
    "FGM",
    "FGA",
    "FG_PCT",
    "FG3M",
    "FG3A",
    "FG3_PCT",
    "FTM",
    "FTA",
    "FT_PCT",
    "OREB",
    "DREB",
    "REB",
    "AST",
    "STL",
    "BLK",
    "TOV",
    "PF",
    "PTS",
    "PLUS_MINUS",
    "VIDEO_AVAILABLE",
)
# LeagueGameLog in player mode: PLAYER_ID, PLAYER_NAME after SEASON_ID, FANTASY_PTS at the end.
PLAYER_HEADERS: tuple[str, ...] = (
    "SEASON_ID",
    "PLAYER_ID",
    "PLAYER_NAME",
    *TEAM_HEADERS[1:-1],
    "FANTASY_PTS",
    "VIDEO_AVAILABLE",
)
_TYPE_DIGITS = {"Regular Season": "2", "PlayIn": "5", "Playoffs": "4"}
# Play-in games, which the shared CSVs lack: made-up rows (scores as reported at the time) for the
# match-ups of the 2020 and 2021 play-ins: (date, home, away, home points, away points).
PLAY_IN_GAMES: dict[str, list[tuple[str, str, str, int, int]]] = {
    "2019-20": [("2020-08-15", "POR", "MEM", 126, 122)],
    "2020-21": [
        ("2021-05-18", "BOS", "WAS", 118, 100),
        ("2021-05-18", "IND", "CHA", 144, 117),
        ("2021-05-19", "LAL", "GSW", 103, 100),
        ("2021-05-19", "MEM", "SAS", 100, 96),
        ("2021-05-20", "WAS", "IND", 142, 115),
        ("2021-05-21", "GSW", "MEM", 112, 117),
    ],
}


# --------------------------------------------------------------------------- replies and routes


@dataclasses.dataclass
class Reply:
    """One HTTP answer: status, body (bytes, str, or a dict sent as JSON), extra headers."""

    status: int = 200
    body: bytes | str | dict[str, Any] = b""
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    content_type: str = JSON_TYPE

    def encoded(self) -> bytes:
        if isinstance(self.body, dict):
            return json.dumps(self.body, separators=(",", ":")).encode()
        return self.body.encode() if isinstance(self.body, str) else bytes(self.body)


@dataclasses.dataclass(frozen=True)
class Call:
    """One request the adapter received."""

    method: str
    url: str
    endpoint: str  # "leaguegamelog"
    params: dict[str, str]  # the query string, blank values kept ("DateFrom": "")
    headers: dict[str, str]
    timeout: Any


Responder = Any  # Reply | dict | str | bytes | BaseException | type[BaseException] | Callable


class UnexpectedRequest(AssertionError):
    """The replay adapter received a request no route answers."""


class Sequence:
    """Answers with each responder in turn; the last one answers every later request."""

    def __init__(self, *responders: Responder) -> None:
        if not responders:
            raise ValueError("a sequence needs at least one responder")
        self._responders = list(responders)
        self._lock = threading.Lock()
        self.used = 0

    def __call__(self, call: Call) -> Responder:
        with self._lock:
            responder = self._responders[min(self.used, len(self._responders) - 1)]
            self.used += 1
        return responder


def sequence(*responders: Responder) -> Sequence:
    """Return a responder answering with ``responders`` in order, repeating the last one."""
    return Sequence(*responders)


class ReplayAdapter(HTTPAdapter):
    """A transport adapter that answers from routes instead of the network, recording each call."""

    def __init__(self, *, route_manifest: bool = False) -> None:
        super().__init__(max_retries=0)
        self.calls: list[Call] = []
        self._routes: list[tuple[str, dict[str, str], Responder]] = []
        self._lock = threading.Lock()
        if route_manifest:
            self.route_manifest()

    # -- routing
    def route(
        self, responder: Responder, *, endpoint: str = "leaguegamelog", **params: str
    ) -> None:
        """Answer requests to ``endpoint`` whose query has all of ``params`` with ``responder``."""
        self._routes.append((endpoint, {k: str(v) for k, v in params.items()}, responder))

    def route_manifest(self, endpoint: str = "leaguegamelog") -> None:
        """Answer each exact request recorded in the cassettes' MANIFEST.json with its body."""
        for entry in json.loads((CASSETTES / "MANIFEST.json").read_text()):
            parts = urlsplit(entry["request_uri"])
            if parts.path.rstrip("/").rsplit("/", 1)[-1] != endpoint:
                continue
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            body = (CASSETTES / entry["file"]).read_bytes()
            self.route(Reply(entry.get("status", 200), body), endpoint=endpoint, **params)

    def session(self) -> requests.Session:
        """Return a requests.Session that sends everything through this adapter."""
        session = requests.Session()
        session.trust_env = False
        session.mount("https://", self)
        session.mount("http://", self)
        return session

    # -- what happened
    def count(self, **params: str) -> int:
        """Return how many requests had all of ``params`` in their query."""
        return len(self.matching(**params))

    def matching(self, **params: str) -> list[Call]:
        """Return the recorded calls whose query has all of ``params``."""
        wanted = {k: str(v) for k, v in params.items()}
        return [c for c in self.calls if all(c.params.get(k) == v for k, v in wanted.items())]

    # -- transport
    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        call = Call(
            method=request.method or "GET",
            url=request.url or "",
            endpoint=parts.path.rstrip("/").rsplit("/", 1)[-1],
            params=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={
                key: value.decode() if isinstance(value, bytes) else value
                for key, value in request.headers.items()
            },
            timeout=timeout,
        )
        with self._lock:
            self.calls.append(call)
            routes = list(reversed(self._routes))
        for endpoint, params, responder in routes:
            wanted = all(call.params.get(k) == v for k, v in params.items())
            if endpoint == call.endpoint and wanted:
                return self._answer(request, call, responder)
        raise UnexpectedRequest(f"no replay route for {call.url}")

    def _answer(
        self, request: requests.PreparedRequest, call: Call, responder: Responder
    ) -> requests.Response:
        for _ in range(100):
            if isinstance(responder, BaseException):
                raise responder
            if isinstance(responder, type) and issubclass(responder, BaseException):
                raise responder(f"injected {responder.__name__}")
            if callable(responder) and not isinstance(responder, Reply):
                responder = responder(call)
                continue
            break
        if isinstance(responder, (dict, str, bytes)):
            responder = Reply(200, responder)
        if not isinstance(responder, Reply):
            raise TypeError(f"not a responder: {responder!r}")
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(responder.encoded()),
            headers={"Content-Type": responder.content_type, **responder.headers},
            status=responder.status,
            reason=http.HTTPStatus(responder.status).phrase,
            preload_content=False,
            decode_content=True,
            request_url=request.url,
        )
        return self.build_response(request, raw)


# --------------------------------------------------------------------------- faults


class faults:
    """Responders that simulate what goes wrong with stats.nba.com (fresh exceptions per call)."""

    _POOL = "HTTPSConnectionPool(host='stats.nba.com', port=443)"

    @staticmethod
    def connection_refused(call: Call | None = None) -> Exception:
        return requests.ConnectionError(
            f"{faults._POOL}: Max retries exceeded with url: /stats/leaguegamelog (Caused by "
            "NewConnectionError('Failed to establish a new connection: [Errno 111] "
            "Connection refused'))"
        )

    @staticmethod
    def dns_failure(call: Call | None = None) -> Exception:
        return requests.ConnectionError(
            f"{faults._POOL}: Max retries exceeded with url: /stats/leaguegamelog (Caused by "
            "NameResolutionError(\"Failed to resolve 'stats.nba.com' ([Errno -2] Name or service "
            'not known)"))'
        )

    @staticmethod
    def connection_reset(call: Call | None = None) -> Exception:
        return requests.ConnectionError(
            urllib3.exceptions.ProtocolError(
                "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
            )
        )

    @staticmethod
    def read_timeout(call: Call | None = None) -> Exception:
        timeout = call.timeout if call is not None else None
        read = timeout[1] if isinstance(timeout, tuple) else timeout or 30
        return requests.ReadTimeout(f"{faults._POOL}: Read timed out. (read timeout={read})")

    @staticmethod
    def connect_timeout(call: Call | None = None) -> Exception:
        return requests.ConnectTimeout(
            f"{faults._POOL}: Max retries exceeded (Caused by ConnectTimeoutError("
            "'Connection to stats.nba.com timed out. (connect timeout=30)'))"
        )

    @staticmethod
    def reset_mid_body(call: Call | None = None) -> Exception:
        return requests.exceptions.ChunkedEncodingError(
            urllib3.exceptions.ProtocolError(
                "Connection broken: IncompleteRead(65536 bytes read, 203045 more expected)"
            )
        )

    @staticmethod
    def http_429(call: Call | None = None) -> Reply:
        return Reply(429, "", {"Retry-After": "5"}, "text/plain")

    @staticmethod
    def http_500(call: Call | None = None) -> Reply:
        return Reply(500, '{"Message":"An error has occurred."}')

    @staticmethod
    def http_503(call: Call | None = None) -> Reply:
        return Reply(503, "<html><body>Service Unavailable</body></html>", {}, "text/html")

    @staticmethod
    def http_400(call: Call | None = None) -> Reply:
        return Reply(400, "Season is required", {}, "text/plain")

    @staticmethod
    def html_page(call: Call | None = None) -> Reply:
        return Reply(
            200,
            "<!DOCTYPE html><html><head><title>Access Denied</title></head>"
            "<body>Reference #18.abc</body></html>",
            {},
            "text/html",
        )

    @staticmethod
    def blank(call: Call | None = None) -> Reply:
        return Reply(200, b"")

    @staticmethod
    def empty_object(call: Call | None = None) -> Reply:
        return Reply(200, "{}")

    @staticmethod
    def truncated(body: Mapping[str, Any], fraction: float = 0.5) -> Reply:
        text = json.dumps(body, separators=(",", ":"))
        return Reply(200, text[: max(1, int(len(text) * fraction))])

    @staticmethod
    def missing_columns(body: Mapping[str, Any], *columns: str) -> dict[str, Any]:
        return drop_columns(body, *columns)

    @staticmethod
    def zero_rows(body: Mapping[str, Any]) -> dict[str, Any]:
        return with_rows(body, [])


# --------------------------------------------------------------------------- bodies


def load_cassette(name: str = T_2025_26) -> dict[str, Any]:
    """Return a recorded response body, parsed."""
    return json.loads((CASSETTES / name).read_bytes())


def result_set(body: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Return the headers and rows of a body's first result set."""
    first = body["resultSets"][0]
    return list(first["headers"]), first["rowSet"]


def rows_as_dicts(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    headers, rows = result_set(body)
    return [dict(zip(headers, row, strict=True)) for row in rows]


def game_log_body(
    season: str,
    season_type: str,
    mode: str,
    headers: Iterable[str],
    rows: list[list[Any]],
    date_from: str | None = None,
) -> dict[str, Any]:
    """Return a LeagueGameLog response as stats.nba.com shapes it."""
    return {
        "resource": "leaguegamelog",
        "parameters": {
            "LeagueID": "00",
            "Season": season,
            "SeasonType": season_type,
            "PlayerOrTeam": mode,
            "Counter": 0,
            "Sorter": "DATE",
            "Direction": "ASC",
            "DateFrom": date_from or None,
            "DateTo": None,
        },
        "resultSets": [{"name": "LeagueGameLog", "headers": list(headers), "rowSet": rows}],
    }


def empty_body(season: str, season_type: str, mode: str) -> dict[str, Any]:
    """Return a valid response with no rows (a season or playoffs not started yet)."""
    headers = TEAM_HEADERS if mode == "T" else PLAYER_HEADERS
    return game_log_body(season, season_type, mode, headers, [])


def with_rows(body: Mapping[str, Any], rows: list[list[Any]]) -> dict[str, Any]:
    """Return a copy of ``body`` with its first result set holding ``rows``."""
    copy = json.loads(json.dumps(body))
    copy["resultSets"][0]["rowSet"] = rows
    return copy


def drop_columns(body: Mapping[str, Any], *columns: str) -> dict[str, Any]:
    """Return a copy of ``body`` without ``columns`` (headers and values)."""
    headers, rows = result_set(body)
    keep = [i for i, name in enumerate(headers) if name not in columns]
    copy = json.loads(json.dumps(body))
    copy["resultSets"][0]["headers"] = [headers[i] for i in keep]
    copy["resultSets"][0]["rowSet"] = [[row[i] for i in keep] for row in rows]
    return copy


def league_game_log(body: Mapping[str, Any]) -> Callable[[Call], dict[str, Any]]:
    """Return a responder that serves ``body`` like the real endpoint: DateFrom/DateTo filter rows.

    DateFrom and DateTo are "MM/DD/YYYY" and inclusive; the echoed parameters carry them.
    """
    headers, rows = result_set(body)
    date_index = headers.index("GAME_DATE")

    def parse(value: str) -> str | None:
        if not value:
            return None
        month, day, year = value.split("/")
        return f"{year}-{month}-{day}"

    def respond(call: Call) -> dict[str, Any]:
        low, high = parse(call.params.get("DateFrom", "")), parse(call.params.get("DateTo", ""))
        if low is None and high is None:
            return dict(body)
        kept = [
            r
            for r in rows
            if (low is None or r[date_index][:10] >= low)
            and (high is None or r[date_index][:10] <= high)
        ]
        answer = with_rows(body, kept)
        answer["parameters"]["DateFrom"] = call.params.get("DateFrom") or None
        answer["parameters"]["DateTo"] = call.params.get("DateTo") or None
        return answer

    return respond


@functools.cache
def _team_ids() -> dict[str, tuple[int, str]]:
    from nba_api.stats.static import teams

    return {t["abbreviation"]: (t["id"], t["full_name"]) for t in teams.get_teams()}


def _number(value: str) -> int | float | None:
    if value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() and "." not in value else number


@functools.cache
def _csv_rows(kind: str, season: str) -> tuple[dict[str, str], ...]:
    with (GAMELOGS / f"{kind}_game_logs_{season}.csv").open(newline="") as handle:
        return tuple(csv.DictReader(handle))


def _game_key(row: Mapping[str, str]) -> tuple[str, str, str]:
    """Return (date, home, away) of a CSV row; MATCHUP is "BOS vs. PHI" home, "PHI @ BOS" away."""
    team, matchup = row["TEAM_ABBREVIATION"], row["MATCHUP"]
    opponent = matchup.split()[-1]
    home, away = (team, opponent) if " vs. " in matchup else (opponent, team)
    return row["GAME_DATE"], home, away


def _game_ids(
    season: str, season_type: str, rows: Iterable[Mapping[str, str]]
) -> dict[tuple[str, str, str], str]:
    """Return a 10-character GAME_ID for each (date, home, away) game, numbered by date."""
    prefix = f"00{_TYPE_DIGITS[season_type]}{season[2:4]}"
    games = sorted({_game_key(row) for row in rows})
    return {game: f"{prefix}{n:05d}" for n, game in enumerate(games, start=1)}


@functools.cache
def _csv_body_json(season: str, season_type: str, mode: str, limit: int | None) -> str:
    kind = "team" if mode == "T" else "player"
    source = [r for r in _csv_rows(kind, season) if r["SEASON_TYPE"] == season_type][:limit]
    team_rows = [r for r in _csv_rows("team", season) if r["SEASON_TYPE"] == season_type]
    game_ids = _game_ids(season, season_type, team_rows)
    season_id = f"{_TYPE_DIGITS[season_type]}{season[:4]}"
    headers = TEAM_HEADERS if mode == "T" else PLAYER_HEADERS
    rows = []
    for record in source:
        team_id, team_name = _team_ids().get(record["TEAM_ABBREVIATION"], (0, ""))
        values: dict[str, Any] = {
            "SEASON_ID": season_id,
            "TEAM_ID": team_id,
            "TEAM_NAME": team_name,
            "GAME_ID": game_ids.get(_game_key(record), "0000000000"),
            "VIDEO_AVAILABLE": 1,
        }
        for name, value in record.items():
            if name in ("SEASON_TYPE", "TEAM_ID"):
                continue
            text_columns = (
                "PLAYER_NAME",
                "TEAM_ABBREVIATION",
                "TEAM_NAME",
                "GAME_DATE",
                "MATCHUP",
                "WL",
            )
            values[name] = value if name in text_columns else _number(value)
        if mode == "P":
            values["PLAYER_ID"] = int(record["PLAYER_ID"])
        rows.append([values.get(h) for h in headers])
    rows.sort(key=lambda row: (row[headers.index("GAME_DATE")], row[headers.index("GAME_ID")]))
    return json.dumps(game_log_body(season, season_type, mode, headers, rows))


def play_in_body(
    season: str, mode: str, games: list[tuple[str, str, str, int, int]] | None = None
) -> dict[str, Any]:
    """Return a PlayIn LeagueGameLog response (GAME_ID 005..., SEASON_ID 5...) of ``games``
    (default: PLAY_IN_GAMES of the season; none for older seasons); player mode has one made-up
    player per team row."""
    rows = []
    for number, (day, home, away, home_pts, away_pts) in enumerate(
        PLAY_IN_GAMES.get(season, []) if games is None else games, start=1
    ):
        for team, pts, other_pts, matchup in (
            (away, away_pts, home_pts, f"{away} @ {home}"),
            (home, home_pts, away_pts, f"{home} vs. {away}"),
        ):
            team_id, name = _team_ids()[team]
            values = {
                "SEASON_ID": f"5{season[:4]}",
                "TEAM_ID": team_id,
                "TEAM_ABBREVIATION": team,
                "TEAM_NAME": name,
                "GAME_ID": f"005{season[2:4]}00{100 + number:03d}",
                "GAME_DATE": day,
                "MATCHUP": matchup,
                "WL": "W" if pts > other_pts else "L",
                "MIN": 240,
                "PTS": pts,
                "REB": 44,
                "AST": 25,
                "PLUS_MINUS": pts - other_pts,
                "VIDEO_AVAILABLE": 1,
            }
            rows.append([values.get(h) for h in TEAM_HEADERS])
    body = game_log_body(season, "PlayIn", "T", TEAM_HEADERS, rows)
    return body if mode == "T" else player_body_from_team_body(body)


def csv_body(season: str, season_type: str, mode: str, limit: int | None = None) -> dict[str, Any]:
    """Return a LeagueGameLog response rebuilt from the shared CSV game logs (2017-18..2020-21).

    ``limit`` keeps only the first rows of the file (fast to build, encode and parse).
    """
    return json.loads(_csv_body_json(season, season_type, mode, limit))


def route_csv_season(adapter: ReplayAdapter, season: str, limit: int | None = None) -> None:
    """Route every request of a finished season (2017-18..2020-21) to its CSV-built bodies, and
    its play-in requests to ``play_in_body`` (empty before 2019-20)."""
    for mode in ("T", "P"):
        for season_type in ("Regular Season", "Playoffs"):
            adapter.route(
                league_game_log(csv_body(season, season_type, mode, limit)),
                Season=season,
                SeasonType=season_type,
                PlayerOrTeam=mode,
            )
        adapter.route(
            league_game_log(play_in_body(season, mode)),
            Season=season,
            SeasonType="PlayIn",
            PlayerOrTeam=mode,
        )


SCOREBOARD = "scoreboardv3_2025-11-05.json"  # ScoreboardV3 of 2025-11-05: 11 games


def scoreboard_for(day: str | None = None, games: list[Any] | None = None) -> dict[str, Any]:
    """Return the recorded ScoreboardV3 (11 games), re-dated to ``day`` and/or with ``games``."""
    body = load_cassette(SCOREBOARD)
    if day is not None:
        body["scoreboard"]["gameDate"] = day
    if games is not None:
        body["scoreboard"]["games"] = games
    return body


def route_schedule(adapter: ReplayAdapter, games: list[Any] | None = None) -> None:
    """Answer every ScoreboardV3 request with the recorded slate, dated as asked."""
    adapter.route(
        lambda call: scoreboard_for(call.params.get("GameDate"), games), endpoint="scoreboardv3"
    )


def player_body_from_team_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return a player-mode body with one made-up player per team row (scores the team's points)."""
    headers, rows = result_set(body)
    players = []
    for row in rows:
        team = dict(zip(headers, row, strict=True))
        values = {
            **team,
            "PLAYER_ID": int(team["TEAM_ID"]) * 10 + 1,
            "PLAYER_NAME": f"{team['TEAM_ABBREVIATION']} Scorer",
            "FANTASY_PTS": 0.0,
        }
        players.append([values.get(h) for h in PLAYER_HEADERS])
    parameters = body.get("parameters", {})
    return game_log_body(
        parameters.get("Season", ""),
        parameters.get("SeasonType", ""),
        "P",
        PLAYER_HEADERS,
        players,
        parameters.get("DateFrom"),
    )


# --------------------------------------------------------------------------- clock


class FakeClock:
    """A monotonic clock that only moves when ``sleep`` (or ``advance``) is called."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --------------------------------------------------------------------------- a real local server

Behaviour = Callable[[http.server.BaseHTTPRequestHandler], None]


class LocalStatsServer:
    """An HTTP server on 127.0.0.1 answering every request with ``behaviour`` (a context manager).

    Each behaviour is bounded in time, so the server always stops; ``hits`` counts requests.
    """

    def __init__(self, behaviour: Behaviour | list[Behaviour]) -> None:
        self.behaviours = behaviour if isinstance(behaviour, list) else [behaviour]
        self.hits = 0
        self.paths: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                index = min(server.hits, len(server.behaviours) - 1)
                server.hits += 1
                server.paths.append(self.path)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server.behaviours[index](self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def __enter__(self) -> LocalStatsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _send_head(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    length: int,
    content_type: str = JSON_TYPE,
    encoding: str | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    if encoding:
        handler.send_header("Content-Encoding", encoding)
    handler.send_header("Content-Length", str(length))
    handler.end_headers()
    handler.wfile.flush()


def serve(
    body: bytes | str | Mapping[str, Any], status: int = 200, compress: bool = False
) -> Behaviour:
    """Answer with ``body`` at once (gzip-encoded, as stats.nba.com does, when ``compress``)."""
    data = Reply(status, dict(body) if isinstance(body, Mapping) else body).encoded()
    if compress:
        data = gzip.compress(data)

    def behaviour(handler: http.server.BaseHTTPRequestHandler) -> None:
        _send_head(handler, status, len(data), encoding="gzip" if compress else None)
        handler.wfile.write(data)

    return behaviour


def drip(body: bytes | str | Mapping[str, Any], interval: float, limit: float) -> Behaviour:
    """Send the headers, then a few bytes every ``interval`` seconds, giving up after ``limit``."""
    data = Reply(200, dict(body) if isinstance(body, Mapping) else body).encoded()

    def behaviour(handler: http.server.BaseHTTPRequestHandler) -> None:
        _send_head(handler, 200, len(data))
        started = time.monotonic()
        for start in range(0, len(data), 16):
            if time.monotonic() - started > limit:
                break
            handler.wfile.write(data[start : start + 16])
            handler.wfile.flush()
            time.sleep(interval)
        handler.close_connection = True

    return behaviour


def stall(body: bytes | str | Mapping[str, Any], seconds: float) -> Behaviour:
    """Send the headers and half the body, then go silent for ``seconds`` and hang up."""
    data = Reply(200, dict(body) if isinstance(body, Mapping) else body).encoded()

    def behaviour(handler: http.server.BaseHTTPRequestHandler) -> None:
        _send_head(handler, 200, len(data))
        handler.wfile.write(data[: len(data) // 2])
        handler.wfile.flush()
        time.sleep(seconds)
        handler.close_connection = True

    return behaviour


def reset_mid_body(body: bytes | str | Mapping[str, Any]) -> Behaviour:
    """Promise the whole body, send a part, then reset the connection (TCP RST)."""
    data = Reply(200, dict(body) if isinstance(body, Mapping) else body).encoded()

    def behaviour(handler: http.server.BaseHTTPRequestHandler) -> None:
        _send_head(handler, 200, len(data))
        handler.wfile.write(data[: max(1, len(data) // 3)])
        handler.wfile.flush()
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True

    return behaviour


def status(code: int, body: str = "", content_type: str = "text/html") -> Behaviour:
    """Answer with an HTTP status and a small body."""
    data = body.encode()

    def behaviour(handler: http.server.BaseHTTPRequestHandler) -> None:
        _send_head(handler, code, len(data), content_type)
        handler.wfile.write(data)

    return behaviour


def closed_port() -> int:
    """Return a loopback port nothing listens on (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedirectAdapter(HTTPAdapter):
    """Sends requests for https://stats.nba.com to ``base_url`` instead (a local test server)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url.rstrip("/")
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        request = request.copy()
        request.url = (request.url or "").replace("https://stats.nba.com", self.base_url, 1)
        request.headers.pop("Host", None)
        self.urls.append(request.url)
        kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)


def redirect_session(base_url: str) -> requests.Session:
    """Return a session whose stats.nba.com requests go to ``base_url`` (no proxies, no env)."""
    session = requests.Session()
    session.trust_env = False
    session.mount("https://stats.nba.com", RedirectAdapter(base_url))
    return session


def iter_cache_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the rows of a cache file as dicts."""
    yield from rows_as_dicts(json.loads(path.read_bytes()))
