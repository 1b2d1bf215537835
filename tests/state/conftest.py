"""Session fixtures for the state tests: two different small model sets (tests/modelsets.py)."""

from __future__ import annotations

import pytest

from tests.modelsets import make_models


@pytest.fixture(scope="session")
def models_a() -> dict[str, object]:
    return make_models(1)


@pytest.fixture(scope="session")
def models_b() -> dict[str, object]:
    return make_models(2)
