"""The public goods check (sim/validation/public_goods.py): where a curve crosses a level."""

from __future__ import annotations

import numpy as np
import pytest

from sim.validation.public_goods import _crossing


def test_crossing():
    assert _crossing(np.array([0.8, 0.9, 1.1, 1.2]), np.array([0.1, 0.3, 0.7, 0.8]), 0.5) == (pytest.approx(1.0))
    assert _crossing(np.array([1.0, 2.0]), np.array([0.1, 0.2]), 0.5) is None
