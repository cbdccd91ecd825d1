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


def hand_year(partnership, form_of=None, n_forms: int = 1, contributes=None, identity=None):
    """A :class:`sim.year.Year` built by hand, without ties: ``partnership[i, d]`` is village
    i's partnership id in domain d (-1 alone); ``form_of[pid]`` the form index of each id
    (default 0); ``contributes``: who contributes (members; default everybody), so that
    ``pays`` is contributors and villages alone, as in a step; ``identity[i, d]``: each
    village's mean shared identity with its partners (default 0)."""
    from sim.domains import group_labels
    from sim.year import Year

    partnership = np.asarray(partnership, dtype=np.int64)
    n = partnership.shape[0]
    member = partnership >= 0
    form_of = np.zeros(max(int(partnership.max()) + 1, 1), dtype=np.int64) if form_of is None else np.asarray(form_of)
    form_index = np.where(member, form_of[np.maximum(partnership, 0)], n_forms)
    identity = np.zeros((n, 3)) if identity is None else np.asarray(identity, dtype=float)
    partners = tuple((member[:, d].astype(float), np.zeros(n), identity[:, d]) for d in range(3))
    no_edges = tuple(np.zeros(0, dtype=np.int32) for _ in range(3))
    labels = tuple(group_labels(partnership[:, d]) for d in range(3))
    year = Year(1, member, labels, form_index, no_edges, partners)
    year.contributes = np.ones((n, 3), bool) if contributes is None else np.asarray(contributes, bool)
    year.pays = year.contributes | ~member
    return year
