"""Fixation under death-birth updating (sim/validation/fixation.py): the threshold fit."""

from __future__ import annotations

import numpy as np

from sim.validation.fixation import _threshold_fit


def test_threshold_fit_recovers_a_known_root():
    rng = np.random.default_rng(0)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    noise = rng.normal(0.0, 1.0, size=(4, 20_000))
    diff = 0.01 * (x[:, None] - 2.5) + noise
    root, se = _threshold_fit(x, diff)
    assert abs(root - 2.5) < 4 * se
    assert 0 < se < 1
