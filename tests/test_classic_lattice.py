"""The lattice prisoner's dilemma (sim/classic/lattice.py): exact kernels against a
cell-by-cell reference, and Nowak & May's published results."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from sim import behaviour
from sim.classic import OFFSETS, SpatialGame, asynchronous_sweep, exact_ratio, pd_scores, synchronous_step

# ----------------------------------------------------------------------------- reference implementations


def _neighbours(i: int, j: int, size: int, neighbourhood: str, boundary: str):
    for di, dj in OFFSETS[neighbourhood]:
        a, b = i + di, j + dj
        if boundary == "periodic":
            yield a % size, b % size
        elif 0 <= a < size and 0 <= b < size:
            yield a, b


def _naive_score(lattice, i, j, b, neighbourhood, boundary, self_interaction) -> Fraction:
    n = sum(bool(lattice[a, c]) for a, c in _neighbours(i, j, lattice.shape[0], neighbourhood, boundary))
    if lattice[i, j]:
        return Fraction(n + (1 if self_interaction else 0))
    return Fraction(repr(b)) * n


def _naive_update(lattice, i, j, b, neighbourhood, boundary, self_interaction) -> bool:
    """Cell (i, j) takes the strategy of its best-scoring neighbour if that one scores more
    than itself; among equally good neighbours cooperation wins."""
    size = lattice.shape[0]
    own = _naive_score(lattice, i, j, b, neighbourhood, boundary, self_interaction)
    best, action = None, False
    for a, c in _neighbours(i, j, size, neighbourhood, boundary):
        s = _naive_score(lattice, a, c, b, neighbourhood, boundary, self_interaction)
        if best is None or s > best:
            best, action = s, bool(lattice[a, c])
        elif s == best:
            action = action or bool(lattice[a, c])
    return action if best is not None and best > own else bool(lattice[i, j])


def naive_synchronous(lattice, b, neighbourhood="moore", boundary="periodic", self_interaction=True):
    size = lattice.shape[0]
    out = lattice.copy()
    for i, j in itertools.product(range(size), range(size)):
        out[i, j] = _naive_update(lattice, i, j, b, neighbourhood, boundary, self_interaction)
    return out


def naive_sweep(lattice, order, b, neighbourhood="moore", boundary="periodic", self_interaction=True):
    lattice = lattice.copy()
    size = lattice.shape[0]
    for index in order:
        i, j = divmod(int(index), size)
        lattice[i, j] = _naive_update(lattice, i, j, b, neighbourhood, boundary, self_interaction)
    return lattice


# ----------------------------------------------------------------------------- exact lattice kernels


def test_scores_are_exact_integers():
    assert exact_ratio(1.9) == (19, 10)
    assert exact_ratio(2) == (2, 1)
    assert exact_ratio(1.81) == (181, 100)
    lattice = np.ones((5, 5), dtype=bool)
    lattice[2, 2] = False
    s = pd_scores(lattice, 19, 10, "moore", "periodic", True)
    assert s.dtype == np.int64
    assert s[2, 2] == 19 * 8  # one defector among 8 cooperators: 8 b = 15.2 -> 152 tenths
    assert s[1, 1] == 10 * 8  # a cooperator next to it: 7 neighbours + itself = 8
    assert s[0, 0] == 10 * 9


@pytest.mark.parametrize("neighbourhood", ["moore", "von_neumann"])
@pytest.mark.parametrize("boundary", ["periodic", "fixed"])
@pytest.mark.parametrize("b", [1.5, 1.9, 2.4, 1.0])
def test_synchronous_step_matches_cell_by_cell_reference(neighbourhood, boundary, b):
    """Including the tie cases (b = 1.5, 1.0: a cooperator and a defector can score the same)."""
    rng = np.random.default_rng(7)
    p, q = exact_ratio(b)
    for self_interaction in (True, False):
        for size in (5, 8):
            lattice = rng.random((size, size)) < 0.6
            for _ in range(3):
                expected = naive_synchronous(lattice, b, neighbourhood, boundary, self_interaction)
                got = synchronous_step(lattice, p, q, neighbourhood, boundary, self_interaction)
                assert np.array_equal(got, expected)
                lattice = got


@pytest.mark.parametrize("boundary", ["periodic", "fixed"])
@pytest.mark.parametrize("neighbourhood", ["moore", "von_neumann"])
def test_asynchronous_sweep_equals_random_sequential_order(boundary, neighbourhood):
    """The vectorised sweep gives exactly the lattice of the one-cell-at-a-time loop."""
    rng = np.random.default_rng(11)
    for size in (3, 6, 11):
        lattice = rng.random((size, size)) < 0.8
        for _ in range(3):
            order = rng.permutation(size * size)
            expected = naive_sweep(lattice, order, 1.9, neighbourhood, boundary)
            got, rounds = asynchronous_sweep(lattice, order, 19, 10, neighbourhood, boundary, True)
            assert np.array_equal(got, expected)
            assert 1 <= rounds <= size * size
            lattice = got


def test_lattice_updates_call_the_villages_imitate_best(monkeypatch):
    calls = []
    original = behaviour.imitate_best

    def spy(*args):
        calls.append(args[0].shape)
        return original(*args)

    monkeypatch.setattr(behaviour, "imitate_best", spy)
    SpatialGame("classic/nowak_may", rng=1, steps=2, **{"lattice.size": 10}).run()
    SpatialGame("classic/nowak_may_asynchronous", rng=1, steps=1, **{"lattice.size": 10}).run()
    assert (10, 10) in calls  # synchronous: the whole lattice at once
    assert any(len(shape) == 1 for shape in calls)  # asynchronous: one round of cells at a time


# ----------------------------------------------------------------------------- Nowak & May results


def test_every_b_between_nine_fifths_and_two_gives_the_same_run():
    runs = []
    for b in (1.801, 1.85, 1.9, 1.999):
        m = SpatialGame("classic/nowak_may", rng=3, steps=40, **{"lattice.size": 40, "game.b": b})
        states = [m.lattice.cooperate.copy()]
        while m.running:
            m.step()
            states.append(m.lattice.cooperate.copy())
        runs.append(np.array(states))
    for other in runs[1:]:
        assert np.array_equal(runs[0], other)
    below = SpatialGame("classic/nowak_may", rng=3, steps=40, **{"lattice.size": 40, "game.b": 1.79}).run()
    assert not np.array_equal(below.lattice.cooperate, runs[0][-1])


@pytest.mark.parametrize("boundary", ["fixed", "periodic"])
def test_kaleidoscope_reaches_the_edge_at_step_49_and_stays_symmetric(boundary):
    m = SpatialGame("classic/nowak_may_kaleidoscope", rng=1, steps=80, **{"lattice.boundary": boundary}).run()
    s = m.summary()
    assert s["classic.first_edge_step"] == 49
    assert s["classic.symmetric"] is True
    c = m.lattice.cooperate
    assert np.array_equal(c, np.rot90(c))


def test_random_start_settles_near_nowak_may_value():
    periodic = SpatialGame("classic/nowak_may", rng=2, **{"lattice.size": 100}).run().summary()
    assert abs(periodic["classic.cooperator_fraction_mean"] - (12 * math.log(2) - 8)) < 0.01
    fixed = SpatialGame("classic/nowak_may", rng=2, **{"lattice.size": 100, "lattice.boundary": "fixed"}).run()
    assert fixed.summary()["classic.cooperator_fraction_mean"] > periodic["classic.cooperator_fraction_mean"]


def test_regimes_below_one_point_eight_and_above_two():
    clusters = SpatialGame("classic/nowak_may_clusters", rng=4, **{"lattice.size": 60}).run().summary()
    assert clusters["classic.cooperator_fraction_mean"] > 0.5
    assert clusters["classic.static_cooperator_share"] > 0.5
    defection = SpatialGame("classic/nowak_may_defection", rng=4, **{"lattice.size": 60}).run().summary()
    assert defection["classic.cooperator_fraction_mean"] < 0.1
    assert defection["classic.period"] in (1, 2)  # frozen, or period-2 blinkers


def test_asynchronous_updating_collapses_to_defection():
    s = SpatialGame("classic/nowak_may_asynchronous", rng=5, **{"lattice.size": 40}).run().summary()
    assert s["classic.cooperator_fraction_mean"] < 0.05
    sync = SpatialGame("classic/nowak_may_asynchronous", rng=5, **{"lattice.size": 40, "update": "synchronous"})
    assert sync.run().summary()["classic.cooperator_fraction_mean"] > 0.2
