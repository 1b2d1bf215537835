"""The HTTP API's requests and answers, kept out of any web framework.

``nba_ml.web.routes`` (Flask) only routes: it hands the query parameters of ``/v1/games``,
``/v1/players`` and ``/v1/today`` to :func:`games_answer` / :func:`players_answer` /
:func:`today_answer` and maps the exceptions to status codes with :func:`error_status`. The
validation and its messages are the CLI's own: teams, players and dates go through
``Predictor.predict_games`` / ``predict_players`` and ``parse_day`` exactly as ``nba-ml predict``
does, and an answer is the prediction's own JSON form (``as_dict``, as ``--json`` prints it);
only the query-string forms (``home=1|0``, a missing parameter) are parsed here. Every answer
carries what served it (judged for the day asked), and a 503 carries ``Retry-After``
(:func:`error_headers`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_ml.data.seasons import today_in_chicago
from nba_ml.errors import ModelsNotReady, ServingBusy, UsageError
from nba_ml.serving.inputs import parse_day
from nba_ml.serving.lines import parse_lines
from nba_ml.serving.predictor import Predictor
from nba_ml.serving.slate import NoSchedule, day_slate
from nba_ml.state.layout import DATA_DIR_SHOWN

if TYPE_CHECKING:
    from nba_ml.serving.availability import Availability
    from nba_ml.serving.live import LivePredictor, ServingInfo

MAX_PARAMETER = 100  # characters: longer values are refused before any lookup
RETRY_AFTER_SECONDS = 30  # what a 503 (no model set yet) tells clients to wait

_TRUE = {"1", "true", "yes", "home"}
_FALSE = {"0", "false", "no", "away"}


GAMES_PARAMETERS = ("home", "away", "date", "out")
PLAYERS_PARAMETERS = ("player", "opponent", "home", "date", "line", "out")
TODAY_PARAMETERS = ("date", "out")
# parameters that may be given more than once (``line=points:24.5&line=rebounds:8``,
# ``out=Jayson Tatum&out=Jaylen Brown``)
REPEATABLE = ("line", "out")
MAX_OUT = 30  # players a request may name out


def check_parameters(params: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Raise UsageError for a query parameter the endpoint does not take (a misspelt ``home``
    would silently predict the mean of both venues) or one given twice (which value was
    meant?). ``params`` may be any mapping; a multi-valued one (Werkzeug's ``MultiDict``)
    tells repeats by ``getlist``."""
    unknown = [name for name in params if name not in allowed]
    if unknown:
        name = str(unknown[0])[:MAX_PARAMETER]  # repr escapes control characters: one line
        raise UsageError(
            f"unknown query parameter {name!r} (this endpoint takes {', '.join(allowed)})"
        )
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        for name in allowed:
            if name not in REPEATABLE and len(getlist(name)) > 1:
                raise UsageError(f"query parameter {name!r} given more than once")


def _parameter(params: Mapping[str, str], name: str, *, required: bool) -> str | None:
    value = params.get(name)
    if value is None or not str(value).strip():
        if required:
            raise UsageError(f"missing query parameter {name!r}")
        return None
    text = str(value).strip()
    if len(text) > MAX_PARAMETER:
        raise UsageError(f"query parameter {name!r} is longer than {MAX_PARAMETER} characters")
    return text


def parse_venue(value: str | None) -> bool | None:
    """Return True (home), False (away) or None (unknown) for ``home=1|0`` (also true/false,
    yes/no, home/away); raise UsageError for anything else."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f"invalid home {value!r}: expected 1 (home) or 0 (away)")


def _date(params: Mapping[str, str]) -> str | None:
    date = _parameter(params, "date", required=False)
    if date is not None:
        parse_day(date)  # the one date rule; the predictor applies it again (cheap)
    return date


def availability(predictor: Predictor, params: Mapping[str, str], date: object) -> Availability:
    """Return who the request knows to be out (issue #23): its ``out=`` players (repeatable,
    each a name or id or a comma-separated list of them), then the data directory's injury
    report (``serving.availability.REPORT_NAMES``, read again whenever it changes); raise
    UsageError for an unknown player. Applied to a copy of the day's rows: one request's
    ``out=`` never changes what another sees."""
    from nba_ml.serving.availability import report_path

    getlist = getattr(params, "getlist", None)
    raw = getlist("out") if getlist is not None else [params.get("out") or ""]
    names = [part.strip() for value in raw for part in str(value).split(",") if part.strip()]
    if len(names) > MAX_OUT:
        raise UsageError(f"at most {MAX_OUT} players may be given out=")
    for name in names:
        if len(name) > MAX_PARAMETER:
            raise UsageError(f"query parameter 'out' is longer than {MAX_PARAMETER} characters")
    return predictor.availability(names, report_path(predictor.data_dir, None), date=date)


def served(predictor: Predictor, date: object = None) -> dict[str, Any]:
    """Return what serves an answer for ``date`` (None: today in Chicago): generation,
    trained-at, the data's last game, days behind and stale judged for that day, and a warning
    when stale (``Predictor.provenance``)."""
    return predictor.provenance(date).as_dict()


def today_date(params: Mapping[str, str]) -> dt.date:
    """Return the day ``GET /v1/today[?date=YYYY-MM-DD]`` asks for (default: today in
    Chicago); raise UsageError for another parameter or a bad date."""
    check_parameters(params, TODAY_PARAMETERS)
    date = _date(params)
    return today_in_chicago() if date is None else parse_day(date)


def today_answer(live: LivePredictor, params: Mapping[str, str]) -> dict[str, Any]:
    """Answer ``GET /v1/today[?date=YYYY-MM-DD]``: what is served (``live.info()``), the
    day's slate cached in ``live.data_dir`` (``serving.slate``, as ``nba-ml predict today``) and
    what served it. Raises UsageError for bad input (checked first), ModelsNotReady before any
    set is loaded (schedule cached or not), then NoSchedule when none is cached for the day."""
    day = today_date(params)
    chosen = _parameter(params, "date", required=False) is not None
    predictor = live.current()
    result = day_slate(
        live.data_dir,
        day,
        lambda: predictor,
        chosen=chosen,
        availability=lambda used, when: availability(used, params, when.isoformat()),
    )
    return {
        **live.info().as_dict(),
        **result.as_dict(),
        **served(predictor, day if chosen else None),
    }


def games_answer(predictor: Predictor, params: Mapping[str, str]) -> dict[str, Any]:
    """Answer ``GET /v1/games?home=BOS&away=LAL[&date=YYYY-MM-DD]``."""
    check_parameters(params, GAMES_PARAMETERS)
    home = _parameter(params, "home", required=True)
    away = _parameter(params, "away", required=True)
    date = _date(params)
    assert home is not None and away is not None
    listed = availability(predictor, params, date)
    return predictor.predict_games([(home, away)], date=date, availability=listed)[0].as_dict()


def players_answer(predictor: Predictor, params: Mapping[str, str]) -> dict[str, Any]:
    """Answer ``GET /v1/players?player=NAME-or-ID[&opponent=][&home=1|0][&date=]
    [&line=STAT:NUMBER ...]``: the expected stats, their quantiles and each line's P(over),
    P(under) and (whole lines) P(push); a bad line is a UsageError (400) naming it."""
    check_parameters(params, PLAYERS_PARAMETERS)
    player = _parameter(params, "player", required=True)
    opponent = _parameter(params, "opponent", required=False)
    is_home = parse_venue(_parameter(params, "home", required=False))
    date = _date(params)
    getlist = getattr(params, "getlist", None)
    texts = getlist("line") if getlist is not None else [params.get("line")]
    asked = parse_lines([str(t) for t in texts if t is not None], separator=":")
    request = {"player": player, "opponent": opponent, "is_home": is_home}
    listed = availability(predictor, params, date)
    return predictor.predict_players([request], date=date, lines=asked, availability=listed)[
        0
    ].as_dict()


def error_headers(error: Exception) -> dict[str, str]:
    """Return the HTTP headers an error answer carries: ``Retry-After`` on a 503 (no model set
    yet: one is installed by ``nba-ml ensure`` or the nightly training)."""
    return health_headers(error_status(error))


def health_headers(status: int) -> dict[str, str]:
    """Return the HTTP headers of a ``/healthz`` answer: ``Retry-After`` on a 503."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}


def error_status(error: Exception) -> int:
    """Return the HTTP status of an exception: 400 bad input, 404 no schedule cached for the
    day asked, 503 no set yet or busy with another date's rows (retry), 500 otherwise."""
    if isinstance(error, UsageError):
        return 400
    if isinstance(error, NoSchedule):
        return 404
    if isinstance(error, (ModelsNotReady, ServingBusy)):
        return 503
    return 500


def public_text(text: str, data_dir: Path | str) -> str:
    """Return ``text`` for a client: the server's data directory (as given and resolved)
    replaced by ``<data dir>``; the server's log keeps the whole text."""
    paths = {str(data_dir)}
    with contextlib.suppress(OSError, RuntimeError):
        paths.add(str(Path(data_dir).resolve()))
    for path in sorted(paths, key=len, reverse=True):
        if len(path) > 1:
            text = text.replace(path, DATA_DIR_SHOWN)
    return text


def health_answer(info: ServingInfo, data_dir: Path | str) -> tuple[dict[str, Any], int]:
    """Return (JSON body, status) of ``GET /healthz``: 200 with what is served while every
    request the served set accepts can be answered, else 503 with the reason in ``error``
    (no set yet; the day's rows could not be prepared; the game data was altered)."""
    body = info.as_dict()
    for name in ("last_error", "problem"):
        if isinstance(body.get(name), str):
            body[name] = public_text(body[name], data_dir)
    if info.answering:
        return body, 200
    return {"error": body["problem"] or "requests cannot be answered", **body}, 503
