"""The reference web app's routes (Flask): each hands its query to the serving layer's answers
(``nba_ml.serving``: ``games_answer``, ``players_answer``, ``today_answer``, ``health_answer``)
and maps the exceptions to status codes (``error_status``). No logic lives here, and only the
names ``nba_ml.serving`` declares public are used.

Endpoints (JSON):
    GET /healthz                                         200: what is served; 503 before any set
    GET /v1/games?home=BOS&away=LAL[&date=YYYY-MM-DD]    home win probability
    GET /v1/players?player=NAME-or-ID[&opponent=LAL][&home=1|0][&date=YYYY-MM-DD]
    GET /v1/today[?date=YYYY-MM-DD]                      the day's slate (cached by the nightly
                                                         run): each game and its likely players;
                                                         503 before any set is loaded, then
                                                         404 when no schedule is cached

A 503 carries ``Retry-After``. Two gunicorn workers each follow the installed set on their own:
for the few seconds after a new set is installed, one may answer from the new generation and
the other from the old (each answer names its ``generation``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from nba_ml import serving
from nba_ml.errors import NbaMlError
from nba_ml.serving import LivePredictor


def create_app(live: LivePredictor) -> Flask:
    """Return the Flask app answering from ``live`` (started by the caller)."""
    app = Flask("nba_ml.web")
    _add_answers(app, live)
    _add_today(app, live)
    _add_error_handlers(app)
    return app


def _error_answer(
    app: Flask, live: LivePredictor, error: Exception
) -> tuple[Any, int, dict[str, str]]:
    """Return the JSON answer to ``error`` with its status and headers."""
    status = serving.error_status(error)
    if status >= 500:  # the log has the whole line; the client no server path
        app.logger.error("%s", error)
    body = {"error": serving.public_text(str(error), live.data_dir)}
    return jsonify(body), status, serving.error_headers(error)


def _add_answers(app: Flask, live: LivePredictor) -> None:
    """Add the health, game and player endpoints, each answering from ``live``."""

    @app.get("/healthz")
    def healthz() -> tuple[Any, ...]:
        body, status = serving.health_answer(live.info(), live.data_dir)  # 503: cannot answer
        return jsonify(body), status, serving.health_headers(status)

    @app.get("/v1/games")
    def games() -> tuple[Any, ...]:
        try:
            return jsonify(serving.games_answer(live.current(), request.args)), 200
        except NbaMlError as error:
            return _error_answer(app, live, error)

    @app.get("/v1/players")
    def players() -> tuple[Any, ...]:
        try:
            return jsonify(serving.players_answer(live.current(), request.args)), 200
        except NbaMlError as error:
            return _error_answer(app, live, error)


def _add_today(app: Flask, live: LivePredictor) -> None:
    """Add the day's slate, answering from ``live`` and the schedule cached beside it."""

    @app.get("/v1/today")
    def today() -> tuple[Any, ...]:
        try:  # 503 while no set is loaded, schedule cached or not; then 404 without one
            return jsonify(serving.today_answer(live, request.args)), 200
        except NbaMlError as error:
            return _error_answer(app, live, error)


def _add_error_handlers(app: Flask) -> None:
    """Answer an unknown endpoint and any unexpected error in JSON too."""

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
