"""The reference web app's routes through Flask's test client: no gunicorn, no trained set, no
../shared needed (tests/system/test_webapp.py runs it under gunicorn on real seasons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

DAY = "2019-10-22"


def test_a_503_says_when_to_retry_and_today_is_503_before_any_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before any set every endpoint answers 503
    with Retry-After; /v1/today answered 404 ("no schedule cached") instead, and 503s had no
    Retry-After."""
    import importlib.util

    from nba_ml.serving.api import RETRY_AFTER_SECONDS

    monkeypatch.setenv("NBA_ML_DATA_DIR", str(tmp_path / "data"))
    spec = importlib.util.spec_from_file_location("webapp_under_test",
                                                  ROOT / "examples" / "webapp.py")
    assert spec is not None and spec.loader is not None
    webapp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(webapp)
    try:
        client = webapp.app.test_client()
        for path in ("/healthz", "/v1/games?home=BOS&away=LAL", "/v1/players?player=2544",
                     "/v1/today", f"/v1/today?date={DAY}"):
            response = client.get(path)
            assert response.status_code == 503, (path, response.get_json())
            assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS), path
            assert response.get_json()["error"]
        bad = client.get("/v1/today?date=tomorrow")  # input is checked first: a 400, no retry
        assert bad.status_code == 400 and "Retry-After" not in bad.headers
    finally:
        webapp.live.stop()
