"""One test per reach into a private API (nba_ml.compat): an upgrade of scikit-learn,
requests or nba_api that removes or changes one fails here, under the reach's name."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

from nba_ml import compat


def _small_boosting() -> tuple[Any, np.ndarray, np.ndarray]:
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    return HistGradientBoostingRegressor(max_iter=5), X, X[:, 0] + rng.normal(size=200)


def test_scikit_learn_bin_data_keeps_its_signature() -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor

    method = compat.bin_data_method(HistGradientBoostingRegressor())
    assert method is not None, "HistGradientBoosting*._bin_data is gone or changed signature"


def test_scikit_learn_bin_data_without_weights_is_called_as_older_versions_call_it() -> None:
    # scikit-learn 1.3 to 1.7: ``_bin_data(self, X, is_training_data)``; the floor check runs
    # the real one, this runs the adapter on any version
    from sklearn.ensemble import HistGradientBoostingRegressor

    calls: list[tuple[object, bool]] = []

    class Older(HistGradientBoostingRegressor):
        def _bin_data(self, X: object, is_training_data: bool) -> object:
            calls.append((X, is_training_data))
            return "binned"

    estimator = Older()
    method = compat.bin_data_method(estimator)
    assert method is not None
    assert method(estimator, "X", None, True) == "binned"
    assert calls == [("X", True)]
    with pytest.raises(ValueError, match="without sample weights"):
        method(estimator, "X", [1.0], True)
    seen: list[tuple[object, object, bool]] = []
    compat.replace_bin_data(estimator, lambda X, w, training: seen.append((X, w, training)))
    estimator._bin_data("V", False)  # as the older fit calls it
    assert seen == [("V", None, False)]
    compat.replace_bin_data(estimator, None)
    assert "_bin_data" not in vars(estimator)


def test_scikit_learn_fit_bins_through_bin_data_and_keeps_the_mapper() -> None:
    model, X, y = _small_boosting()
    original = compat.bin_data_method(model)
    assert original is not None
    calls: list[bool] = []

    def counting(X: object, sample_weight: object, is_training_data: bool) -> object:
        calls.append(is_training_data)
        return original(model, X, sample_weight, is_training_data)

    compat.replace_bin_data(model, counting)
    try:
        model.fit(X, y)
    finally:
        compat.replace_bin_data(model, None)
    assert calls and calls[0] is True, "fit no longer bins through _bin_data"
    assert "_bin_data" not in vars(model)
    mapper = compat.bin_mapper(model)
    assert hasattr(mapper, "bin_thresholds_"), "_bin_mapper is not the fitted bin mapper"
    compat.set_bin_mapper(model, mapper)
    assert compat.bin_mapper(model) is mapper


def test_requests_response_takes_a_body_read_elsewhere() -> None:
    import requests

    response = requests.Response()
    response.status_code = 200
    compat.set_response_body(response, b'{"resultSets": []}')
    assert response.content == b'{"resultSets": []}'
    assert response.json() == {"resultSets": []}


def test_nba_api_response_keeps_its_status() -> None:
    from nba_api.library.http import NBAResponse

    response = NBAResponse(response="{}", status_code=503, url="https://stats.nba.com/x")
    assert compat.nba_response_status(response) == 503


@pytest.mark.skipif(sys.platform != "linux", reason="prctl(PR_SET_PDEATHSIG) is Linux only")
def test_prctl_sets_the_parent_death_signal() -> None:
    # in a child process: the signal would otherwise stay set on the test run
    script = textwrap.dedent(
        """
        import ctypes, signal
        from nba_ml import compat
        assert compat.die_with_parent(signal.SIGUSR1)
        found = ctypes.c_int()
        ctypes.CDLL(None).prctl(2, ctypes.byref(found))  # PR_GET_PDEATHSIG
        assert found.value == signal.SIGUSR1, found.value
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibc_malloc_trim_is_there() -> None:
    assert compat.trim_heap() is True
