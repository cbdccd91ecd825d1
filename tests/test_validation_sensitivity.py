"""The sensitivity check (sim/validation/sensitivity.py): the Ishigami function's analytic indices."""

from __future__ import annotations

import pytest

from sim.validation.sensitivity import ishigami_exact


def test_ishigami_exact_indices():
    s1, st = ishigami_exact()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)
