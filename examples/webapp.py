"""A reference web app serving nba-ml predictions; copy it and adapt.

    pip install '.[web]'
    NBA_ML_DATA_DIR=/var/lib/nba-ml gunicorn --chdir examples --workers 2 webapp:app

Endpoints (JSON):
    GET /healthz                                         200: what is served; 503 before any set
    GET /v1/games?home=BOS&away=LAL[&date=YYYY-MM-DD]    home win probability
    GET /v1/players?player=NAME-or-ID[&opponent=LAL][&home=1|0][&date=YYYY-MM-DD]
    GET /v1/today[?date=YYYY-MM-DD]                      the day's slate (cached by the nightly
                                                         run): each game and its likely players;
                                                         404 when no schedule is cached (once a
                                                         set is loaded: 503 before)

Every prediction carries what served it: ``generation``, ``trained_at``, ``last_game_date``,
``days_behind`` and ``stale`` (judged for the day asked, not today), and ``warning`` when stale.

Each worker holds one ``LivePredictor``: it starts answering 503 (with ``Retry-After``; every
endpoint, /v1/today included) until a model set is installed (``nba-ml ensure`` or the nightly
training), then follows every newly installed generation without a restart. Bad input answers
400 with the CLI's message in ``error``; never a 500 for input.
Without ``--preload`` (the default) each worker imports this module and loads its own set; with
``--preload`` the master loads one too, and each forked worker restarts its own watcher.
Workers swap on their own: for a few seconds after a new set is installed, one worker may answer
from the new generation while another still answers from the old (each answer names its
``generation``); a client that needs one generation throughout compares that field.

Settings: ``NBA_ML_DATA_DIR`` (the data directory, else nba-ml's default) and
``NBA_ML_SERVING_CHECK_SECONDS`` (seconds between two looks at ``<data-dir>/models``, default 2).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask, jsonify, request

from nba_ml.commands.today import NoSchedule, slate
from nba_ml.errors import ConfigError, NbaMlError
from nba_ml.serving import api
from nba_ml.serving.live import LivePredictor

LOG_FORMAT = "%(asctime)s - %(levelname)s - %(message)s"
if not logging.getLogger().handlers:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S")

# Exit status 4 is gunicorn's "App failed to load": the server stops with that one line. Any
# other status (1 included) has gunicorn start a new worker at once, failing the same way.
APP_LOAD_ERROR = 4

try:
    live = LivePredictor.from_environment().start()
except ConfigError as error:  # one line, not a traceback, and no worker boots
    sys.stderr.write(f"webapp: {error}\n")
    raise SystemExit(APP_LOAD_ERROR) from None

app = Flask(__name__)


def _error(error: Exception) -> tuple[Any, int, dict[str, str]]:
    status = api.error_status(error)
    if status >= 500:  # the log has the whole line; the client no server path
        app.logger.error("%s", error)
    body = {"error": api.public_text(str(error), live.data_dir)}
    return jsonify(body), status, api.error_headers(error)


@app.get("/healthz")
def healthz() -> tuple[Any, ...]:
    body, status = api.health_answer(live.info(), live.data_dir)  # 503 when it cannot answer
    return jsonify(body), status, api.health_headers(status)


@app.get("/v1/games")
def games() -> tuple[Any, ...]:
    try:
        return jsonify(api.games_answer(live.current(), request.args)), 200
    except NbaMlError as error:
        return _error(error)


@app.get("/v1/players")
def players() -> tuple[Any, ...]:
    try:
        return jsonify(api.players_answer(live.current(), request.args)), 200
    except NbaMlError as error:
        return _error(error)


@app.get("/v1/today")
def today() -> tuple[Any, ...]:
    try:
        day = api.today_date(request.args)
        chosen = bool(request.args.get("date", "").strip())
        predictor = live.current()  # 503 while no set is loaded, whether a schedule is cached
        result = slate(live.data_dir / "raw", day, lambda: predictor, chosen=chosen)
        return jsonify({**live.info().as_dict(), **result.as_dict(),
                        **api.served(predictor, day if chosen else None)}), 200
    except NoSchedule as error:
        return jsonify({"error": api.public_text(str(error), live.data_dir)}), 404
    except NbaMlError as error:
        return _error(error)


@app.errorhandler(404)
def not_found(_error: Exception) -> tuple[Any, int]:
    return jsonify({"error": f"no such endpoint {request.path}"}), 404


@app.errorhandler(Exception)
def unexpected(error: Exception) -> tuple[Any, int]:
    """Whatever else went wrong: a JSON 500 and one log line (no HTML page, no traceback)."""
    code = getattr(error, "code", None)
    if isinstance(code, int) and 400 <= code < 500:  # Flask's own 4xx (405, ...)
        return jsonify({"error": str(error)}), code
    app.logger.error("%s: %s", type(error).__name__, error)
    return jsonify({"error": f"internal error ({type(error).__name__})"}), 500
