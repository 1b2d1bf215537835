"""The model file format: skops, whose loading builds only types it is allowed to build.

A pickle (the format joblib reads) runs whatever code its author wrote into it when it is
loaded, so a model set used to be safe only as long as its owner was trusted. A skops file
(``skops.io``, by scikit-learn's maintainers) is a zip of a JSON schema and numpy arrays; loading
it audits every type the schema names first and raises before building anything when one is
neither among skops's defaults (scikit-learn's estimators, numpy and scipy basics) nor in
:data:`TRUSTED_TYPES` below. Nothing else is ever imported or called, whoever owns the file.
The ownership rules of :mod:`nba_ml.state.trust` stay as a second wall. Unlike a pickle, two
saves of one model differ in bytes (skops records object ids), so a model's sha256 identifies a
file, not a model.

Imported only to save or load models (it imports skops, which imports scikit-learn), never on
the start-up path of ``check``/``status``.
"""

from __future__ import annotations

import io
import warnings
import zipfile

# The types a saved model may hold beyond skops's defaults, by exact name: never "trust any".
# The project's own estimator (nba_ml.modeling.estimators; tests/modeling/test_estimators.py
# checks that every estimator class defined there is listed here under its current name), and
# the scikit-learn and numpy internals of gradient boosting (the player models) that some skops
# versions do not trust by default (found with skops.io.get_untrusted_types on saved models,
# skops 0.12 with scikit-learn 1.3 and skops 0.16 with scikit-learn 1.9). They are plain data
# holders whose loading runs no code from the file.
TRUSTED_TYPES: tuple[str, ...] = (
    "nba_ml.modeling.distributions.NormalResidualRegressor",
    "nba_ml.modeling.distributions.ScaledResidualDistribution",
    "nba_ml.modeling.estimators.BaselineResidualRegressor",
    "nba_ml.modeling.estimators.KnownListRegressor",
    "numpy.dtype",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.Interval",
    "sklearn._loss.loss.AbsoluteError",
    "sklearn._loss.loss.HalfSquaredError",  # gradient boosting's default loss
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
# Deflate at level 6: a player model shrinks to about 40 % of skops's stored size, and loading
# stays in tens of milliseconds (benchmarks/model_format.py).
COMPRESSION = zipfile.ZIP_DEFLATED
COMPRESS_LEVEL = 6


def dumps_model(model: object) -> bytes:
    """Return the skops bytes of ``model``; raise TypeError when it holds a type that loading
    would refuse (a set that could not be loaded is never written), or what skops raises for a
    type it cannot save."""
    import skops.io

    data = bytes(skops.io.dumps(model, compression=COMPRESSION, compresslevel=COMPRESS_LEVEL))
    refused = untrusted_types(data)
    if refused:
        raise TypeError(
            f"a {type(model).__name__} model holds types nba-ml does not load: "
            f"{', '.join(refused[:3])}"
        )
    return data


def untrusted_types(data: bytes) -> list[str]:
    """Return the types named in the skops bytes ``data`` that loading would refuse (nothing is
    built); raise what skops raises for bytes that are not a skops file."""
    import skops.io

    return [name for name in skops.io.get_untrusted_types(data=data) if name not in TRUSTED_TYPES]


def loads_model(data: bytes) -> tuple[object | None, str | None]:
    """Build one model from skops bytes; return (model, None) or (None, problem), never raising.

    Only the allowed types are built (see the module docstring); a file naming any other type,
    a pickle, or anything that is not a skops file is a problem, and nothing in it runs.
    """
    try:
        import skops.io
        from sklearn.exceptions import InconsistentVersionWarning
        from skops.io.exceptions import UntrustedTypesFoundException
    except ImportError as error:
        return None, f"not loadable: {error}"

    if not zipfile.is_zipfile(io.BytesIO(data)):
        return None, "not loadable: not a skops file (a model saved by an older nba-ml?)"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # includes InconsistentVersionWarning
        try:
            model = skops.io.loads(data, trusted=list(TRUSTED_TYPES))
        except UntrustedTypesFoundException as error:
            return None, f"not loadable: names types nba-ml does not load: {_first_line(error)}"
        except InconsistentVersionWarning as warning:
            return None, (
                f"trained with scikit-learn {warning.original_sklearn_version}, "
                f"running {warning.current_sklearn_version}"
            )
        # A malformed file can surface as any exception; each one is a problem, not a crash.
        except Exception as error:  # noqa: BLE001
            first_line = _first_line(error)
            detail = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
            return None, f"not loadable: {detail}"
    if not callable(getattr(model, "predict", None)):
        return None, f"not a model (loaded a {type(model).__name__})"
    return model, None


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [""])[0][:200]
