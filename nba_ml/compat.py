"""Every reach into another library's private API (or the C library's), in one place.

Each function here uses a name its owner does not promise to keep; ``tests/test_compat.py``
has one test per reach, so an upgrade that removes or changes one fails there, by name,
rather than somewhere in training or serving. Every caller keeps working without the reach
(it falls back to the public path, or does without) unless its docstring says otherwise.
Typer's copy of Click is the CLI's reach: ``nba_ml.cli.compat`` (Typer is imported only in
``cli/``). The type names of scikit-learn internals that model files may hold are a trust list,
not a reach: ``nba_ml.state.modelfile.TRUSTED_TYPES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# --------------------------------------------------------------------------------------------
# scikit-learn: HistGradientBoosting's binning (modeling.estimators.reusing_bins)

# the signatures of HistGradientBoosting*._bin_data that reusing the bins was written against:
# scikit-learn 1.3 to 1.7 bin without weights, 1.8 and later with them
BIN_DATA_PARAMETERS = ["self", "X", "sample_weight", "is_training_data"]
BIN_DATA_PARAMETERS_UNWEIGHTED = ["self", "X", "is_training_data"]


def _bin_data_parameters(estimator: Any) -> list[str] | None:
    import inspect

    method = getattr(type(estimator), "_bin_data", None)
    if method is None:
        return None
    parameters = list(inspect.signature(method).parameters)
    if parameters in (BIN_DATA_PARAMETERS, BIN_DATA_PARAMETERS_UNWEIGHTED):
        return parameters
    return None


def bin_data_method(estimator: Any) -> Callable[..., Any] | None:
    """Return ``_bin_data`` of a histogram gradient boosting estimator's class as a function
    ``(estimator, X, sample_weight, is_training_data)`` whatever the scikit-learn version (the
    versions without weights are called only with ``sample_weight=None``), or None when it is
    missing or has a signature not known here (the caller then bins as usual)."""
    parameters = _bin_data_parameters(estimator)
    if parameters is None:
        return None
    method = type(estimator)._bin_data
    if parameters == BIN_DATA_PARAMETERS:
        return method

    def unweighted(self: Any, X: Any, sample_weight: Any, is_training_data: bool) -> Any:
        if sample_weight is not None:
            raise ValueError("this scikit-learn bins without sample weights")
        return method(self, X, is_training_data)

    return unweighted


def replace_bin_data(estimator: Any, function: Callable[..., Any] | None) -> None:
    """Make ``estimator`` bin through ``function(X, sample_weight, is_training_data)`` (an
    instance attribute over the class's method, called as the class's fit calls it: without
    ``sample_weight`` before scikit-learn 1.8); None: back to the class's own."""
    if function is None:
        del estimator._bin_data
    elif _bin_data_parameters(estimator) == BIN_DATA_PARAMETERS_UNWEIGHTED:

        def unweighted(X: Any, is_training_data: bool) -> Any:
            return function(X, None, is_training_data)

        estimator._bin_data = unweighted
    else:
        estimator._bin_data = function


def bin_mapper(estimator: Any) -> Any:
    """Return the bin mapper ``_bin_data`` fitted on the training data."""
    return estimator._bin_mapper


def set_bin_mapper(estimator: Any, mapper: Any) -> None:
    """Give ``estimator`` a bin mapper fitted by an earlier fit of the very same data."""
    estimator._bin_mapper = mapper


# --------------------------------------------------------------------------------------------
# requests and nba_api: the response body and status (data.transport, data.upstream)


def set_response_body(response: Any, body: bytes) -> None:
    """Make ``body`` (read by us, bounded) the content of a streamed ``requests.Response``, as
    if requests had read it: ``.content``, ``.text`` and ``.json()`` then return it."""
    response._content = body
    response._content_consumed = True


def nba_response_status(response: Any) -> int | None:
    """Return the HTTP status of an ``nba_api`` ``NBAResponse`` (None when it keeps none)."""
    return getattr(response, "_status_code", None)


# --------------------------------------------------------------------------------------------
# the C library through ctypes: Linux and glibc calls with no Python API


def die_with_parent(signal_number: int) -> bool:
    """Ask the kernel to send ``signal_number`` to this process when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``, Linux); return whether it was set."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, signal_number) == 0  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        return False


_malloc_trim: Any = None


def trim_heap() -> bool:
    """Hand the heap pages glibc keeps after large frees back to the OS (``malloc_trim(0)``);
    return whether the call exists here (False off glibc: nothing done)."""
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes

        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)
    return bool(_malloc_trim)
