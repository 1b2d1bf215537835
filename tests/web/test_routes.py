"""Tests for nba_ml.web.routes: every answer is JSON with the status the exception maps to.

The app under gunicorn, with real model sets and a training beside it, is
tests/system/test_webapp.py; these run Flask's test client on stand-ins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from nba_ml import serving
from nba_ml.errors import ModelsNotReady, UsageError
from nba_ml.serving import api
from nba_ml.serving.live import LivePredictor, ServingInfo
from nba_ml.web.routes import create_app


class Served:
    """A stand-in for a LivePredictor that serves one (fake) set."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.predictor = object()

    def current(self) -> Any:
        return self.predictor

    def info(self) -> ServingInfo:
        return ServingInfo(
            True,
            "g1",
            "2026-12-01T10:00:00+00:00",
            "2026-11-30",
            1,
            False,
            False,
            None,
            answering=True,
        )


@pytest.fixture
def empty(tmp_path: Path) -> FlaskClient:
    live = LivePredictor(tmp_path / "data")  # not started: nothing will ever be served
    return create_app(live).test_client()


@pytest.fixture
def served(tmp_path: Path) -> FlaskClient:
    return create_app(Served(tmp_path / "data")).test_client()  # type: ignore[arg-type]


def test_before_any_set_every_endpoint_answers_503_with_the_reason(
    empty: FlaskClient, tmp_path: Path
) -> None:
    for path in ("/healthz", "/v1/games?home=BOS&away=LAL", "/v1/players?player=2544"):
        answer = empty.get(path)
        assert answer.status_code == 503 and answer.is_json, path
        assert answer.get_json()["error"] == (  # no server path shown to clients
            "no model set is served yet: none installed at <data dir>/models; run `nba-ml ensure`"
        )
        assert str(tmp_path) not in answer.get_data(as_text=True)


def test_healthz_says_what_is_served(served: FlaskClient) -> None:
    answer = served.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "ready": True,
        "generation": "g1",
        "trained_at": "2026-12-01T10:00:00+00:00",
        "last_game_date": "2026-11-30",
        "days_behind": 1,
        "stale": False,
        "loading": False,
        "last_error": None,
        "answering": True,
        "problem": None,
    }


def test_games_and_players_hand_their_query_to_the_api(
    served: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, dict[str, str]]] = []

    def answer(kind: str) -> Any:
        def answer_for(predictor: object, params: Any) -> dict[str, Any]:
            seen.append((kind, dict(params)))
            return {"kind": kind}

        return answer_for

    monkeypatch.setattr(serving, "games_answer", answer("games"))
    monkeypatch.setattr(serving, "players_answer", answer("players"))
    assert served.get("/v1/games?home=BOS&away=LAL").get_json() == {"kind": "games"}
    assert served.get("/v1/players?player=LeBron%20James").get_json() == {"kind": "players"}
    assert seen == [
        ("games", {"home": "BOS", "away": "LAL"}),
        ("players", {"player": "LeBron James"}),
    ]


@pytest.mark.parametrize(
    ("error", "status"), [(UsageError("unknown team 'BOZ'"), 400), (ModelsNotReady("loading"), 503)]
)
def test_expected_errors_map_to_their_status(
    served: FlaskClient, monkeypatch: pytest.MonkeyPatch, error: Exception, status: int
) -> None:
    def fail(*_: object) -> dict[str, Any]:
        raise error

    monkeypatch.setattr(serving, "games_answer", fail)
    answer = served.get("/v1/games?home=BOZ&away=LAL")
    assert (answer.status_code, answer.get_json()) == (status, {"error": str(error)})


def test_an_unexpected_error_is_a_json_500_without_details(
    served: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(*_: object) -> dict[str, Any]:
        raise KeyError("/var/lib/nba-ml/secret")

    monkeypatch.setattr(serving, "players_answer", crash)
    answer = served.get("/v1/players?player=2544")
    assert answer.status_code == 500
    assert answer.get_json() == {"error": "internal error (KeyError)"}
    assert "KeyError" in caplog.text


def test_unknown_paths_and_methods_answer_json(served: FlaskClient) -> None:
    answer = served.get("/v1/nothing")
    assert (answer.status_code, answer.get_json()) == (
        404,
        {"error": "no such endpoint /v1/nothing"},
    )
    answer = served.post("/healthz")
    assert answer.status_code == 405 and answer.get_json()["error"]


def test_today_answers_404_without_a_cached_schedule_and_400_for_bad_input(
    served: FlaskClient,
) -> None:
    answer = served.get("/v1/today?date=2019-10-22")
    assert (
        answer.status_code == 404
        and "no schedule cached for 2019-10-22" in (answer.get_json()["error"])
    )
    answer = served.get("/v1/today?date=tomorrow")
    assert answer.status_code == 400 and "expected YYYY-MM-DD" in answer.get_json()["error"]
    answer = served.get("/v1/today?day=2019-10-22")
    assert (
        answer.status_code == 400
        and "unknown query parameter 'day'" in (answer.get_json()["error"])
    )


def test_a_503_says_when_to_retry_and_today_is_503_before_any_set(empty: FlaskClient) -> None:
    """Before any set every endpoint answers 503 with Retry-After; /v1/today answered 404 ("no
    schedule cached") instead, and 503s had no Retry-After."""
    for path in (
        "/healthz",
        "/v1/games?home=BOS&away=LAL",
        "/v1/players?player=2544",
        "/v1/today",
        "/v1/today?date=2019-10-22",
    ):
        response = empty.get(path)
        assert response.status_code == 503, (path, response.get_json())
        assert response.headers["Retry-After"] == str(api.RETRY_AFTER_SECONDS), path
        assert response.get_json()["error"]
    bad = empty.get("/v1/today?date=tomorrow")  # input is checked first: a 400, no retry
    assert bad.status_code == 400 and "Retry-After" not in bad.headers
