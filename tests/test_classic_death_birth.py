"""Death-birth updating (sim/classic/death_birth.py): the exact chain against full
enumeration, replicas against the exact results, the model's death-birth run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.classic import (
    DeathBirthReplicas,
    SpatialGame,
    cycle_fixation_exact,
    fixation_estimates,
    initial_replicas,
    regular_graph,
    threshold_bc,
)


def enumerated_fixation(neighbours: np.ndarray, b: float, c: float, w: float) -> float:
    """Exact fixation probability of one cooperator (at a uniformly random node) under
    death-birth updating, by solving the absorbing Markov chain over all 2^N states."""
    nodes, k = neighbours.shape
    states = 1 << nodes
    bits = (np.arange(states)[:, None] >> np.arange(nodes)) & 1  # states x nodes
    counts = np.stack([bits[:, neighbours[:, j]] for j in range(k)]).sum(axis=0)  # cooperating neighbours
    fitness = 1.0 - w + w * (b * counts - c * k * bits)
    transition = np.zeros((states, states))
    for x in range(nodes):
        f = fitness[:, neighbours[x]]  # states x k
        share = f / f.sum(axis=1, keepdims=True)
        for j in range(k):
            newcomer = bits[:, neighbours[x, j]]
            target = (np.arange(states) & ~(1 << x)) | (newcomer << x)
            np.add.at(transition, (np.arange(states), target), share[:, j] / nodes)
    absorbing = [0, states - 1]
    inner = [s for s in range(states) if s not in absorbing]
    q = transition[np.ix_(inner, inner)]
    r = transition[np.ix_(inner, [states - 1])]
    h = np.linalg.solve(np.eye(len(inner)) - q, r)[:, 0]
    value = dict(zip(inner, h, strict=True))
    return float(np.mean([value[1 << x] for x in range(nodes)]))


# ----------------------------------------------------------------------------- death-birth


def test_threshold_formula():
    assert threshold_bc(20, 2) == pytest.approx(2.25)
    assert threshold_bc(36, 4) == pytest.approx(34 / 7)
    assert threshold_bc(8, 4) == math.inf


def test_cycle_chain_equals_full_enumeration():
    for nodes in (4, 5, 7):
        neighbours = regular_graph("ring", nodes)
        for b, w in ((3.0, 0.1), (1.0, 0.2), (5.0, 0.05)):
            assert cycle_fixation_exact(nodes, b, 1.0, w) == pytest.approx(
                enumerated_fixation(neighbours, b, 1.0, w), rel=1e-9
            )


def test_exact_chain_crosses_one_over_n_at_the_finite_n_threshold():
    """Under weak selection the exact fixation probability on a 20-node cycle crosses 1/N at
    b/c = (N-2)/(N/k-2) = 2.25."""
    from scipy.optimize import brentq

    root = brentq(lambda b: cycle_fixation_exact(20, b, 1.0, 0.001) - 1 / 20, 1.0, 4.0)
    assert root == pytest.approx(2.25, rel=0.005)


def _simulate(neighbours, b, w, replicas, seed, pattern="single_cooperator"):
    rng = np.random.default_rng(seed)
    start = initial_replicas(replicas, neighbours.shape[0], pattern, 0.5, rng)
    kernel = DeathBirthReplicas(neighbours, np.array([b, b]), np.array([w, 0.0]), 1.0, start)
    while kernel.running:
        kernel.generation(rng)
    return kernel, fixation_estimates(kernel.fixation_indicators(), kernel.initial_fraction)


@pytest.mark.parametrize(("neighbourhood", "size", "b"), [("ring", 8, 4.0), ("von_neumann", 3, 6.0)])
def test_death_birth_replicas_match_the_exact_chain(neighbourhood, size, b):
    """Strong selection (w = 0.1) so that the test has power; the 3 x 3 torus: all 512 states."""
    neighbours = regular_graph(neighbourhood, size)
    exact = enumerated_fixation(neighbours, b, 1.0, 0.1)
    kernel, est = _simulate(neighbours, b, 0.1, 20_000, seed=8)
    assert kernel.running == 0
    assert abs(est["rho"][0] - exact) < 4 * est["se"][0]
    assert abs(est["rho_cv"][0] - exact) < 4 * est["se_cv"][0]
    nodes = neighbours.shape[0]
    assert abs(est["rho"][1] - 1 / nodes) < 4 * est["se"][1]  # the neutral copy: 1/N
    # favoured exactly above the threshold: 8-cycle 3.0 < 4; 3 x 3 torus N <= 2k: never
    assert (exact > 1 / nodes) == (b > threshold_bc(nodes, neighbours.shape[1]))


def test_death_birth_from_random_starts_and_neutral_martingale():
    neighbours = regular_graph("ring", 10)
    kernel, est = _simulate(neighbours, 2.0, 0.0, 5000, seed=9, pattern="random")
    assert abs(est["rho"][0] - kernel.initial_fraction) < 4 * est["se"][0]


def test_death_birth_model_run_and_summary():
    m = SpatialGame("classic/ohtsuki_cycle", rng=3, **{"death_birth.replicas": 3000}).run()
    s = m.summary()
    assert s["classic.unabsorbed_replicas"] == 0
    assert s["classic.neutral_fixation_probability"] == pytest.approx(1 / 20)
    assert s["classic.threshold_bc"] == pytest.approx(2.25)
    df = m.timeseries()
    assert {"cooperator_fraction", "fixed_cooperators", "fixed_defectors", "running_replicas"} <= set(df.columns)
    assert df["fixed_cooperators"].iloc[-1] + df["fixed_defectors"].iloc[-1] == pytest.approx(1.0)
    assert df["fixed_cooperators"].iloc[-1] == pytest.approx(s["classic.fixation_probability"])
    assert m.running is False and m.steps < 1_000_000  # stopped when every replica was absorbed
