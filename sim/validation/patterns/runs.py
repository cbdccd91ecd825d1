"""How the pattern suite runs the village model: replicates seeded as the sweep runner seeds
them, a measure read after every step, and the row each pattern reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.sweep.experiment import replicate_seed
from sim.validation.check import SEED
from sim.validation.patterns.rules import Verdict


@dataclass
class Pattern:
    """One row of the pattern table: what was observed (with its source), what the model
    gives, the rule and tolerance that compare them, and the settings it ran at. A pattern
    with several parts passes only when every part does."""

    name: str
    level: str  # decision rule, partnership, village, region...
    source: str  # full citation
    observed: str
    simulated: str
    rule: str
    tolerance: str
    passed: bool
    settings: str
    note: str = ""  # why it fails, or what it rests on
    seconds: float = 0.0
    parts: list[tuple[str, Verdict]] = field(default_factory=list)


def seeds(replicates: int) -> list[int]:
    """The seeds of replicates 0 … n-1: ``replicate_seed(SEED, r)``, as a sweep with master
    seed ``SEED`` gives them (so replicate r of two arms faces the same villages and shocks)."""
    return [replicate_seed(SEED, r) for r in range(replicates)]


def run_model(
    scenario: str,
    seed: int,
    overrides: dict[str, Any],
    observe: Callable[[Any], Any] | None = None,
    prepare: Callable[[Any], None] | None = None,
) -> tuple[Any, list[Any]]:
    """Run ``scenario`` with ``overrides`` (dotted keys, ``steps``, ``n_villages``) at ``seed``
    to its horizon; ``prepare(model)`` runs before the first step (e.g. to form lab groups),
    ``observe(model)`` after every step. Returns the model and the observations in step order."""
    from sim.model import VillageModel

    model = VillageModel(scenario, rng=seed, **overrides)
    if prepare is not None:
        prepare(model)
    seen = []
    model.run(None if observe is None else lambda m: seen.append(observe(m)))
    return model, seen


def mutually_tied_groups(model, size: int) -> list[list[int]]:
    """Disjoint groups of ``size`` villages, each pair tied (as partners must be), taken
    greedily in village order: the lab's fixed groups."""
    used: set[int] = set()
    groups = []
    for start in range(model.state.n):
        if start in used:
            continue
        group = [start]
        for j in (int(v) for v in model.ties.neighbours(start)):
            if j in used or j in group:
                continue
            if np.all(model.ties.edges(np.full(len(group), j), np.array(group)) >= 0):
                group.append(j)
            if len(group) == size:
                groups.append(group)
                used.update(group)
                break
    return groups
