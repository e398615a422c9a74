from __future__ import annotations

import pytest

from .helpers import Directory, build_city


@pytest.fixture
def directory() -> Directory:
    return Directory()


@pytest.fixture
def city() -> Directory:
    return build_city()
