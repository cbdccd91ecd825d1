"""Learning (sim/learning.py): expected gains, trust and shared identity on the ties
between partners, capacity (expertise spilling over) and innovation."""

from __future__ import annotations

import numpy as np
import pytest

from sim import learning
from sim.domains import AGRICULTURE, SERVICES
from sim.state import VillageState
from sim.ties import Ties
from tests.conftest import hand_year, isolated_model, run_small, tied_group

COOPERATE = {"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0, "forms.formal.term": 0}
FIXED_EXPERTISE = {"cooperation.capacity.spill_rate": 0.0, "cooperation.capacity.self_learning": 0.0}
ALONE = -1


def test_capacity_low_expertise_village_learns_faster_with_expert_partners():
    def learn(**extra):
        m = isolated_model(**COOPERATE, **extra)
        group = tied_group(m, 4)
        alone = next(i for i in range(m.state.n) if i not in group)  # same expertise, no partnership
        m.state.expertise[:, AGRICULTURE] = 0.1
        m.state.expertise[group[1:], AGRICULTURE] = 0.9
        m.form_partnership(m.forms["formal"], (AGRICULTURE,), group)
        for _ in range(5):
            m.step()
        return m.state.expertise[group[0], AGRICULTURE], m.state.expertise[alone, AGRICULTURE]

    learner, alone = learn()
    assert learner > alone + 0.1
    learner, alone = learn(**{"cooperation.capacity.spill_rate": 0.0})  # without spill-over: alike
    assert learner == pytest.approx(alone)


def test_innovation_rate_rises_with_partners_diversity():
    overrides = {
        **COOPERATE,
        **FIXED_EXPERTISE,
        "cooperation.innovation.base_rate": 0.0,
        "cooperation.innovation.diversity_rate": 1.0,
        "n_villages": 40,
        "steps": 40,
    }
    m = isolated_model(**overrides)
    m.state.local_knowledge[:, AGRICULTURE] = 0.5
    for start in range(0, 20, 4):  # five diverse groups
        m.state.local_knowledge[start : start + 4, AGRICULTURE] = [0.05, 0.35, 0.65, 0.95]
        m.form_partnership(m.forms["formal"], (AGRICULTURE,), list(range(start, start + 4)))
    for start in range(20, 40, 4):  # five groups of equals
        m.form_partnership(m.forms["formal"], (AGRICULTURE,), list(range(start, start + 4)))
    start_productivity = m.state.productivity.copy()
    year = m.fix_year()
    year.contributes = np.ones((m.state.n, 3), bool)
    diversity = learning.partner_diversity(m.state, year, AGRICULTURE)
    assert diversity[:20].min() > 0.3 and diversity[20:].max() == 0.0
    for _ in range(30):
        m.step()
    gained = m.state.productivity / start_productivity
    assert gained[:20].mean() > 1.05  # diverse groups adopted new practices...
    assert np.allclose(gained[20:], 1.0)  # ...groups of equals, with no base rate, never did


def test_identity_accumulates_with_years_together():
    m = isolated_model(**COOPERATE)
    group = tied_group(m, 3)
    m.form_partnership(m.forms["long_term"], (AGRICULTURE, SERVICES, 2), group)
    levels = []
    for _ in range(4):
        m.step()
        levels.append(m.villages[group[0]].identity(SERVICES))
    assert levels == sorted(levels) and levels[-1] > levels[0] > 0


def test_trust_follows_reciprocity():
    cooperate = run_small(2, steps=15, **{"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0})
    defect = run_small(2, steps=15, **{"behaviour.rule": "always_defect", "behaviour.error_rate": 0.0})
    start = cooperate.params["behaviour"]["initial_trust"]
    assert cooperate.summary()["cooperation.mean_trust"] > start
    assert defect.summary()["cooperation.mean_trust"] < start


# --- known answers on hand-built villages ------------------------------------------------
def _pair_in_agriculture(extra_villages: int = 0):
    """Villages 0 and 1 partners in agriculture (partnership 0, form 0); any others alone."""
    partnership = np.full((2 + extra_villages, 3), ALONE)
    partnership[[0, 1], AGRICULTURE] = 0
    return partnership


def test_partner_diversity_is_the_spread_of_what_contributing_partners_bring_and_0_alone():
    """The local knowledge (expertise at the start) of the members who contributed: a pair
    bringing 0.2 and 0.6 (standard deviation 0.2); equals (0); a village alone (0); a trio
    bringing 0.1, 0.5 and 0.9 of which the last free-rides: the two contributors exchange
    0.1 and 0.5 (0.2), the free-rider takes no part (0). Learned expertise does not count."""
    partnership = np.full((8, 3), ALONE)
    partnership[[0, 1], AGRICULTURE] = 0
    partnership[[2, 3], AGRICULTURE] = 1
    partnership[[5, 6, 7], AGRICULTURE] = 2
    contributes = np.ones((8, 3), bool)
    contributes[7, AGRICULTURE] = False
    brought = np.array([0.2, 0.6, 0.5, 0.5, 0.9, 0.1, 0.5, 0.9])
    s = VillageState(8, local_knowledge=np.column_stack([brought, brought, brought]), expertise=np.full((8, 3), 0.7))
    diversity = learning.partner_diversity(s, hand_year(partnership, contributes=contributes), AGRICULTURE)
    np.testing.assert_allclose(diversity, [0.2, 0.2, 0.0, 0.0, 0.0, 0.2, 0.2, 0.0], atol=1e-12)


def test_new_practices_raise_productivity_and_lower_service_costs():
    """Base rate 0, diversity rate 1: the diverse pair (0, 1; diversity 0.2) adopts a new
    farming practice on a draw below 0.2 (village 0: 0.1, not village 1: 0.3); village 2,
    alone, never does. In services the pair is as diverse: village 0 cuts its service
    cost by the gain (10 %), down to at most 80 % off (village 1, at 0.21 already)."""
    partnership = _pair_in_agriculture(1)
    partnership[[0, 1], SERVICES] = 1
    s = VillageState(
        3,
        local_knowledge=np.array([[0.2, 0.2, 0], [0.6, 0.6, 0], [0.9, 0.9, 0]]),
        productivity=np.array([1.0, 2.0, 3.0]),
        service_efficiency=np.array([1.0, 0.21, 1.0]),
    )
    u = np.array([[0.1, 0.1], [0.3, 0.0], [0.0, 0.0]])  # villages x (agriculture, services)
    inn = {"base_rate": 0.0, "diversity_rate": 1.0, "productivity_gain": 0.1}
    adopted = learning.innovate(s, hand_year(partnership), inn, u)
    assert adopted == 3  # village 0 in both domains, village 1 in services
    np.testing.assert_allclose(s.productivity, [1.1, 2.0, 3.0])
    np.testing.assert_allclose(s.service_efficiency, [0.9, 0.2, 1.0])


def test_members_expect_of_their_form_what_they_realised_and_reinforce_what_they_did():
    """Learning rate 0.5: village 0 (contributed, gained 1.0) moves its expected gain of
    form 0 from 0.2 to 0.6 and its propensity to contribute from 0 to 0.5; village 1
    (free-rode, gained -1.0) its propensity to free-ride; village 2, alone, learns nothing."""
    contributes = np.ones((3, 3), bool)
    contributes[1, AGRICULTURE] = False
    year = hand_year(_pair_in_agriculture(1), contributes=contributes)
    s = VillageState(
        3,
        expected_gain=np.full((3, 3, 1), 0.2),
        experience=np.zeros((3, 3, 1)),
        propensity=np.zeros((3, 3, 2)),
    )
    gain = np.array([[1.0, 5.0, 5.0], [-1.0, 5.0, 5.0], [7.0, 7.0, 7.0]])
    learning.learn_expectations(s, year, gain, 0.5)
    assert s.expected_gain[:, AGRICULTURE, 0] == pytest.approx([0.6, -0.4, 0.2])
    assert s.experience[:, AGRICULTURE, 0].tolist() == [1, 1, 0]
    assert s.propensity[0, AGRICULTURE].tolist() == [0.5, 0.0]  # contribute, free-ride
    assert s.propensity[1, AGRICULTURE].tolist() == [0.0, -0.5]
    assert np.all(s.expected_gain[:, 1:] == 0.2)  # in services and infrastructure all are alone
    np.testing.assert_array_equal(s.payoff, np.where(year.member, gain, 0.0))


def test_trust_on_a_tie_follows_what_the_partner_did_and_expertise_spills_from_the_better():
    """Two partners 1 km apart, trust 0.5 each way; village 0 contributed, village 1
    free-rode. Village 1's trust in 0 rises by gain 0.2 x transparency 2 x (1 - 0.5) to
    0.7; village 0's trust in 1 falls by loss 0.3 and then the sanction 0.1:
    0.5 x 0.7 x 0.9 = 0.315. Both ties gain identity_rate 1.5 years together. Village 1
    learns from the better village 0: spill rate 0.5 x (0.9 - 0.1) x contributed x trust 0.7."""
    ties = Ties(np.array([0.0, 1.0]), np.array([0.0, 0.0]), 5.0, 5)
    ties.trust[:] = 0.5
    contributes = np.ones((2, 3), bool)
    contributes[1, AGRICULTURE] = False
    year = hand_year(_pair_in_agriculture(), contributes=contributes)
    year.partner_edges = (np.array([0, 1], dtype=np.int32), *year.partner_edges[1:])
    s = VillageState(2, expertise=np.array([[0.9, 0.0, 0.0], [0.1, 0.0, 0.0]]))
    rates = learning.FormRates(np.array([2.0, 1.0]), np.array([0.1, 0.0]), np.array([1.5, 0.0]))
    params = {
        "behaviour": {"trust_gain": 0.2, "trust_loss": 0.3},
        "cooperation": {"capacity": {"spill_rate": 0.5, "self_learning": 0.0}, "identity": {"scale_steps": 10.0}},
    }
    growth = learning.learn_on_partner_ties(s, ties, year, rates, params)
    assert ties.edge(0, 1) == 0 and ties.edge(1, 0) == 1
    assert ties.trust == pytest.approx([0.5 * 0.7 * 0.9, 0.7])
    assert ties.years_together.tolist() == [1.5, 1.5]
    assert growth == pytest.approx(2 * (1.0 - np.exp(-0.15)))
    assert s.expertise[:, AGRICULTURE] == pytest.approx([0.9, 0.1 + 0.5 * 0.8 * 0.7])
    assert not ties.scratch.any()  # working space left as zeros
