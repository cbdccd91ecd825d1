"""The no-shock counterfactual twin: forked at the shock, stepped alongside its model."""

from __future__ import annotations

import numpy as np
import pytest

from sim import VillageModel


def test_twin_started_at_the_shock_equals_a_twin_stepped_from_the_start(monkeypatch):
    """The counterfactual twin is the same run as its model until the scheduled shock,
    so the model copies itself into the twin then instead of stepping both from step 1."""
    overrides = {"shocks.scheduled": [{"kind": "drought", "step": 6, "duration": 2, "intensity": 0.8, "district": 1}]}
    forked = VillageModel("default", rng=4, n_villages=70, steps=12, **overrides).run()
    monkeypatch.setattr(VillageModel, "FORK_TWIN", False)
    stepped = VillageModel("default", rng=4, n_villages=70, steps=12, **overrides).run()
    assert forked.counterfactual.forked and stepped.counterfactual.forked
    assert forked.timeseries().equals(stepped.timeseries())
    assert forked.summary() == stepped.summary()
    twin, reference = forked.counterfactual, stepped.counterfactual
    for name in ("consumption", "partnership", "wealth", "expected_gain"):
        np.testing.assert_array_equal(getattr(twin.state, name), getattr(reference.state, name))
    # the shock made a difference, so the twin is not merely the model itself
    assert not np.array_equal(forked.state.consumption, twin.state.consumption)


def test_an_error_in_the_twin_thread_surfaces_in_the_model():
    m = VillageModel("default", rng=1, n_villages=40, steps=25)

    def broken(*args):
        raise ValueError("twin failed")

    m.counterfactual.review_partnerships = broken
    with pytest.raises(ValueError, match="twin failed"):
        m.run()
    assert m.steps == m.shock_step  # the twin starts (and fails) at the shock
