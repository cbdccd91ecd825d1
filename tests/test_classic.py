"""Classic games (sim/classic/): exact kernels, published results, scenarios, seeding, command line."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from sim import ScenarioError, behaviour, classic, load_scenario
from sim.classic import (
    OFFSETS,
    SCHEMA,
    DeathBirthReplicas,
    SpatialGame,
    asynchronous_sweep,
    cycle_fixation_exact,
    exact_ratio,
    fixation_estimates,
    initial_replicas,
    load_classic,
    pd_scores,
    regular_graph,
    synchronous_step,
    threshold_bc,
)
from sim.scenario import SCENARIO_DIR, available_scenarios, flatten, read_toml

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


# ----------------------------------------------------------------------------- public goods


def test_public_good_payoff():
    labels = np.array([0, 0, 0, 1, 1])
    act = np.array([True, False, True, False, False])
    pay = behaviour.public_good_payoff(act, labels, 2, 3.0, 1.0)
    assert pay == pytest.approx([3 * 2 / 3 - 1, 2.0, 1.0, 0.0, 0.0])
    # contributing changes one's own payoff by c (r/G - 1), whatever the others do
    for others in range(3):
        a = np.array([False] + [True] * others + [False] * (2 - others))
        gain = behaviour.public_good_payoff(~a & (np.arange(3) == 0) | a, np.zeros(3, int), 1, 2.4, 1.0)[0]
        gain -= behaviour.public_good_payoff(a, np.zeros(3, int), 1, 2.4, 1.0)[0]
        assert gain == pytest.approx(2.4 / 3 - 1)


def test_reinforce_is_the_village_learning_step(monkeypatch):
    assert behaviour.reinforce(np.array([1.0]), np.array([3.0]), 0.25) == pytest.approx([1.5])
    from sim import VillageModel

    calls = []
    original = behaviour.reinforce
    monkeypatch.setattr(behaviour, "reinforce", lambda *a: calls.append(1) or original(*a))
    VillageModel("default", rng=1, n_villages=40, steps=4).run()
    assert calls, "the village model learns through behaviour.reinforce"


def test_learners_stop_contributing_exactly_when_r_below_group_size():
    low = SpatialGame("classic/public_goods", rng=1, **{"game.r": 3.0, "steps": 600, "burn_in": 300}).run()
    high = SpatialGame("classic/public_goods", rng=1, **{"game.r": 7.0, "steps": 600, "burn_in": 300}).run()
    assert low.summary()["classic.cooperator_fraction_mean"] < 0.1
    assert high.summary()["classic.cooperator_fraction_mean"] > 0.7


# ----------------------------------------------------------------------------- scenarios and seeding


def test_root_file_holds_every_key_and_shipped_files_validate():
    root = flatten(read_toml(SCENARIO_DIR / "classic" / "nowak_may.toml"))
    assert set(root) == set(SCHEMA)
    names = classic.classic_scenarios()
    assert "classic/nowak_may" in names and len(names) >= 8
    for name in names:
        path = SCENARIO_DIR / f"{name}.toml"
        text = path.read_text()
        assert text.lstrip().startswith("#"), f"{name} opens with a comment"
        assert read_toml(path).get("model") == "spatial_game"
        scenario = load_classic(name)
        assert scenario.params["description"]
        assert classic.is_spatial_game(name)


def test_listing_separates_the_two_models():
    every = available_scenarios()
    assert "default" in every and "classic/nowak_may" in every
    assert all(not n.startswith("classic/") for n in available_scenarios("villages"))
    assert all(n.startswith("classic/") for n in available_scenarios("spatial_game"))


def test_village_loader_refuses_a_classic_file():
    with pytest.raises(ScenarioError, match="classic-game scenario") as info:
        load_scenario("classic/nowak_may")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"game.b": "high"}, "override: game.b: must be a number"),
        ({"game.b": -0.5}, "override: game.b: -0.5 is out of range"),
        ({"lattice.size": 2}, "override: lattice.size: 2 is out of range"),
        ({"lattice.size": 10.5}, "whole number"),
        ({"lattice.boundary": "open"}, "allowed: one of 'periodic', 'fixed'"),
        ({"update": "death_birth"}, "does not play game.kind = 'prisoners_dilemma'"),
        ({"lattice.neighbourhood": "ring"}, "lattice.neighbourhood: 'ring' does not play"),
        ({"nonsense": 1}, "override: nonsense: unknown key"),
        ({"game.bb": 1}, "game.bb: unknown key; allowed: game.kind, game.b"),
        ({"game": 1}, "is a table"),
        ({"n_villages": 3}, "has no villages"),
        ({"game.b": 1.0000000001}, "at most 9 decimals"),
        ({"game.self_interaction": "yes"}, "true or false"),
    ],
)
def test_bad_values_are_refused_with_the_key(overrides, fragment):
    with pytest.raises(ScenarioError) as info:
        load_classic("classic/nowak_may", overrides)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_combinations_and_files(tmp_path):
    with pytest.raises(ScenarioError, match="boundary: death_birth needs 'periodic'"):
        load_classic("classic/ohtsuki_cycle", {"lattice.boundary": "fixed"})
    with pytest.raises(ScenarioError, match="fitness 1 - w"):
        load_classic("classic/ohtsuki_torus", {"death_birth.selection": 0.3})
    with pytest.raises(ScenarioError, match="groups of 5"):
        load_classic("classic/public_goods", {"lattice.size": 1001})
    bad = tmp_path / "bad.toml"
    bad.write_text('model = "spatial_game"\nextends = "classic/nowak_may"\n[lattice]\nsise = 3\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: lattice.sise: unknown key"):
        load_classic(str(bad))
    bad.write_text('model = "spatial_game"\nextends = "classic/nowak_may"\nlattice = 3\n')
    with pytest.raises(ScenarioError, match="lattice: must be a table"):
        load_classic(str(bad))
    bad.write_text('model = "spatial_game"\nname = "x"\n')
    with pytest.raises(ScenarioError, match="missing"):
        load_classic(str(bad))
    bad.write_text('extends = "classic/nowak_may"\n')
    with pytest.raises(ScenarioError, match="must say model"):
        load_classic(str(bad))


def test_same_seed_same_run_different_seed_different_run():
    kw = {"steps": 30, "lattice.size": 30}
    a = SpatialGame("classic/nowak_may_asynchronous", rng=7, **kw).run().timeseries()
    b = SpatialGame("classic/nowak_may_asynchronous", rng=7, **kw).run().timeseries()
    c = SpatialGame("classic/nowak_may_asynchronous", rng=8, **kw).run().timeseries()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_mesa_conventions():
    import mesa

    m = SpatialGame("classic/nowak_may", rng=5, steps=3, **{"lattice.size": 12})
    assert isinstance(m, mesa.Model)
    assert m.scenario.rng == 5 and m.scenario.model is m
    assert m.scenario.get("lattice.size") == 12
    rows = mesa.batch_run(
        SpatialGame,
        parameters={"scenario": "classic/nowak_may", "steps": 3, "lattice.size": [10, 12]},
        rng=[1, 2],
        max_steps=3,
        number_processes=1,
        display_progress=False,
    )
    assert len({(r["lattice.size"], r["rng"]) for r in rows}) == 4


# ----------------------------------------------------------------------------- command line


def kerjasama(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True)


def test_run_writes_the_same_outputs(tmp_path):
    out = tmp_path / "nm"
    result = kerjasama("run", "classic/nowak_may", "--steps", "30", "--set", "lattice.size=40", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "cooperators" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == "spatial_game" and summary["steps"] == 30
    assert 0.0 <= summary["classic.cooperator_fraction_mean"] <= 1.0
    series = pd.read_csv(out / "timeseries.csv")
    assert list(series["step"]) == list(range(31))
    assert "cooperator_fraction" in series.columns
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["lattice.size"] == 40 and manifest["seed"] == 42
    for name in ("cooperators", "lattice"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    db = tmp_path / "db"
    result = kerjasama("run", "classic/ohtsuki_cycle", "--set", "death_birth.replicas=500", "--out", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    assert (db / "figures" / "fixation.png").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", "game.b=abc"], "override: game.b: must be a number"),
        (["--set", "lattice.sise=3"], "override: lattice.sise: unknown key"),
        (["--villages", "5"], "--villages: a spatial_game scenario has no villages"),
        (["--steps", "0"], "override: steps: 0 is out of range"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, fragment):
    out = tmp_path / "out"
    result = kerjasama("run", "classic/nowak_may", *args, "--out", str(out))
    assert result.returncode == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_check_and_scenarios_list_classic():
    ok = kerjasama("check", "classic/ohtsuki_torus")
    assert ok.returncode == 0 and "OK" in ok.stdout and "death_birth" in ok.stdout
    listing = kerjasama("scenarios")
    assert "classic/nowak_may_kaleidoscope" in listing.stdout
