"""Shared helpers: small, fast model runs."""

from __future__ import annotations

import numpy as np
import pytest

from sim import VillageModel

SMALL = {"n_villages": 60, "steps": 20}


def small_model(seed: int = 1, scenario: str = "default", **overrides) -> VillageModel:
    """A 60-village, 20-step model (override with n_villages=..., steps=...)."""
    kwargs = {**SMALL, **overrides}
    return VillageModel(scenario, rng=seed, **kwargs)


def run_small(seed: int = 1, scenario: str = "default", **overrides) -> VillageModel:
    model = small_model(seed, scenario, **overrides)
    model.run()
    return model


def isolated_model(**overrides) -> VillageModel:
    """A model whose villages review nothing on their own: tests form partnerships by hand."""
    defaults = {"behaviour.review_probability": 0.0, "shocks.scheduled": [], "n_villages": 30, "steps": 30}
    return VillageModel("default", rng=3, **{**defaults, **overrides})


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def tied_group(model: VillageModel, size: int, exclude: tuple[int, ...] = ()) -> list[int]:
    """``size`` villages that are all tied to each other (as real partners are)."""
    for seed_village in range(model.state.n):
        if seed_village in exclude:
            continue
        group = [seed_village]
        for j in model.ties.neighbours(seed_village):
            if int(j) not in exclude and np.all(model.ties.edges(np.full(len(group), j), np.array(group)) >= 0):
                group.append(int(j))
            if len(group) == size:
                return group
    raise AssertionError(f"no {size} mutually tied villages")
