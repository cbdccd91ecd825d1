"""Services: the shared-cost formula, quality by distance, and consent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.domains import SERVICES, group_labels
from sim.domains import services as svc
from sim.state import VillageState
from tests.conftest import hand_year, isolated_model, run_small


@given(
    fixed=st.floats(0.1, 100.0),
    phi=st.floats(0.0, 1.0),
    households=st.lists(st.floats(10.0, 5000.0), min_size=1, max_size=9),
)
def test_each_member_pays_exactly_its_share_of_F_times_overhead(fixed, phi, households):
    h = np.array(households)
    k = h.size
    labels, n_groups = group_labels(np.zeros(k, dtype=np.int64))
    weight = svc.cost_weights(h, labels, n_groups, "population")
    bill, funded = svc.shared_fixed_costs(fixed, phi, labels, n_groups, weight, np.ones(k, bool))
    assert funded.all()
    expected = fixed * (1 + phi * (k - 1)) * h / h.sum()
    assert np.allclose(bill, expected)
    assert bill.sum() == pytest.approx(fixed * (1 + phi * (k - 1)))
    if k > 1 and phi < 0.99:  # sharing: the group pays less in total than k villages alone
        assert bill.sum() < k * fixed


def test_alone_is_a_group_of_one():
    h = np.array([100.0, 300.0])
    labels, n = group_labels(np.array([-1, -1]))
    weight = svc.cost_weights(h, labels, n, "equal")
    bill, _ = svc.shared_fixed_costs(6.0, 0.2, labels, n, weight, np.ones(2, bool))
    assert np.allclose(bill, 6.0)


def test_free_riders_shift_the_cost_to_payers_and_nobody_paying_runs_nothing():
    labels, n = group_labels(np.array([0, 0, 0, 1, 1]))
    weight = svc.cost_weights(np.ones(5), labels, n, "equal")
    pays = np.array([True, True, False, False, False])
    bill, funded = svc.shared_fixed_costs(3.0, 0.0, labels, n, weight, pays)
    assert np.allclose(bill[:3], [1.5, 1.5, 0.0])
    assert funded[:3].all() and not funded[3:].any()


def test_quality_decays_with_distance():
    q = svc.quality(np.array([0.0, 8.0, 16.0]), 8.0)
    assert q[0] == 1.0
    assert q[1] == pytest.approx(np.exp(-1))
    assert q[2] < q[1]


def test_members_pay_the_formula_in_a_running_model():
    m = isolated_model(**{"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0})
    members = [0, 1, 2]
    p = m.form_partnership(m.forms["formal"], (SERVICES,), members)
    assert p.size == 3
    m.step()
    fire = m.params["services"]["fire"]
    phi = m.params["services"]["coordination_overhead"]
    h = m.state.households[members]
    # fire quality at each member follows its distance to the host (most households)
    host = members[int(np.argmax(h))]
    distance = np.hypot(m.state.x[members] - m.state.x[host], m.state.y[members] - m.state.y[host])
    assert np.allclose(m.state.quality[members, 0], np.exp(-distance / fire["decay_km"]))
    labels, n = group_labels(m.state.partnership[:, SERVICES])
    weight = svc.cost_weights(m.state.households, labels, n, "population")
    bill, _ = svc.shared_fixed_costs(fire["fixed_cost"], phi, labels, n, weight, np.ones(m.state.n, bool))
    assert np.allclose(bill[members], fire["fixed_cost"] * (1 + phi * 2) * h / h.sum())


def test_nobody_joins_a_service_group_that_makes_it_worse_off():
    m = run_small(9, n_villages=80, steps=25, **{"cooperation.domains": ["services"]})
    consents = [gain for p in list(m.partnerships.values()) for gain in p.consent.values()]
    assert consents, "service groups should form in the default landscape"
    assert min(consents) >= 0.0
    # and a group that would cost a member more than going alone is refused
    form = m.forms["formal"]
    far = [int(np.argmin(m.state.x)), int(np.argmax(m.state.x))]
    assert np.any(m.expected_gains(form, (SERVICES,), far) < 0)


def test_sharing_services_lowers_spending_per_unit_of_quality():
    shared = run_small(
        4,
        **{"cooperation.domains": ["services"], "cooperation.forms": ["formal"], "behaviour.rule": "always_cooperate"},
    ).summary()
    alone = run_small(4, "autarky").summary()
    assert shared["cooperation.participation.services"] > 0.2
    assert shared["efficiency.service_cost_per_quality"] < alone["efficiency.service_cost_per_quality"]
    assert shared["efficiency.service_cost_per_household"] < alone["efficiency.service_cost_per_household"]


def test_services_year_of_a_hand_built_group_with_a_free_rider():
    """One service (fire: F = 6, 0.01 per household, decay 10 km, weight 0.2), overhead
    0.5, equal split. Villages 0-2 share it (host 0; 1 and 2 at 5 and 10 km), village 2
    free-rides; village 3 is alone. The group's fixed cost 6 x (1 + 0.5 x 2) = 12 falls
    on the two payers (6 each); the free-rider withholds its third (4) and is still
    served. Village 0's services expertise 0.4 saves 0.5 x 0.4 of its per-household
    cost (1.0 for 100 households)."""
    params = {
        "coordination_overhead": 0.5,
        "cost_split": "equal",
        "expertise_cost_saving": 0.5,
        "fire": {"fixed_cost": 6.0, "cost_per_household": 0.01, "decay_km": 10.0, "utility_weight": 0.2},
    }
    partnership = np.full((4, 3), -1)
    partnership[:3, SERVICES] = 0
    contributes = np.ones((4, 3), bool)
    contributes[2, SERVICES] = False
    expertise = np.zeros((4, 3))
    expertise[0, SERVICES] = 0.4
    s = VillageState(
        4,
        households=np.full(4, 100.0),
        expertise=expertise,
        service_efficiency=np.ones(4),
        quality=np.zeros((4, 1)),
        host_distance=np.array([0.0, 5.0, 10.0, 0.0]),
    )
    out = svc.services_year(s, hand_year(partnership, contributes=contributes), params, ["fire"])
    quality = np.exp(-np.array([0.0, 0.5, 1.0, 0.0]))
    np.testing.assert_allclose(s.quality[:, 0], quality)
    np.testing.assert_allclose(out.bill, [6.0 + 0.8, 6.0 + 1.0, 0.0 + 1.0, 6.0 + 1.0])
    np.testing.assert_allclose(out.alone_cost, [6.0 + 0.8, 7.0, 7.0, 7.0])
    np.testing.assert_allclose(out.withheld, [0.0, 0.0, 4.0, 0.0])
    np.testing.assert_allclose(out.quality_gap, 0.2 * (quality - 1.0))
    assert out.spending == pytest.approx(6.8 + 7.0 + 1.0 + 7.0)
    assert out.quality_households == pytest.approx(100.0 * quality.sum())
