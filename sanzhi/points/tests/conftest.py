from __future__ import annotations

import pytest

from sanzhi.core.testing import Town
from sanzhi.points.testing import PointsWorld, build_points_world


@pytest.fixture
def pw(town: Town) -> PointsWorld:
    return build_points_world(town)
