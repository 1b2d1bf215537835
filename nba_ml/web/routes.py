"""The reference web app's routes (Flask): each hands its query to :mod:`nba_ml.serving.api`
or :mod:`nba_ml.commands.today` and maps the exceptions to status codes. No logic lives here.

Endpoints (JSON):
    GET /healthz                                         200: what is served; 503 before any set
    GET /v1/games?home=BOS&away=LAL[&date=YYYY-MM-DD]    home win probability
    GET /v1/players?player=NAME-or-ID[&opponent=LAL][&home=1|0][&date=YYYY-MM-DD]
    GET /v1/today[?date=YYYY-MM-DD]                      the day's slate (cached by the nightly
                                                         run): each game and its likely players;
                                                         404 when no schedule is cached
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from nba_ml.commands.today import NoSchedule, slate
from nba_ml.data.seasons import today_in_chicago
from nba_ml.errors import NbaMlError
from nba_ml.serving import api
from nba_ml.serving.inputs import parse_day
from nba_ml.serving.live import LivePredictor


def create_app(live: LivePredictor) -> Flask:
    """Return the Flask app answering from ``live`` (started by the caller)."""
    app = Flask("nba_ml.web")

    def _error(error: Exception) -> tuple[Any, int]:
        status = api.error_status(error)
        if status == 500:
            app.logger.error("%s", error)
        return jsonify({"error": str(error)}), status

    @app.get("/healthz")
    def healthz() -> tuple[Any, int]:
        info = live.info()
        if not info.ready:
            try:
                live.current()  # raises ModelsNotReady with the reason
            except NbaMlError as error:
                return _error(error)
        return jsonify(info.as_dict()), 200

    @app.get("/v1/games")
    def games() -> tuple[Any, int]:
        try:
            return jsonify(api.games_answer(live.current(), request.args)), 200
        except NbaMlError as error:
            return _error(error)

    @app.get("/v1/players")
    def players() -> tuple[Any, int]:
        try:
            return jsonify(api.players_answer(live.current(), request.args)), 200
        except NbaMlError as error:
            return _error(error)

    @app.get("/v1/today")
    def today() -> tuple[Any, int]:
        try:
            api.check_parameters(request.args, api.TODAY_PARAMETERS)
            date = request.args.get("date")
            day = parse_day(date) if date else today_in_chicago()
            result = slate(live.data_dir / "raw", day, live.current)
            return jsonify({**result.as_dict(), **live.info().as_dict()}), 200
        except NoSchedule as error:
            return jsonify({"error": str(error)}), 404
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

    return app
