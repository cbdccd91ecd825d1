"""Infrastructure: a threshold public good built only when pledges reach its cost."""

from __future__ import annotations

import numpy as np
import pytest

from sim import landscape
from sim.domains import INFRASTRUCTURE
from sim.domains import infrastructure as infra
from sim.state import PartnershipTable
from tests.conftest import hand_year, isolated_model, tied_group

COOPERATE = {"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0, "forms.formal.term": 0}


def test_threshold_rule():
    assert not infra.is_built(99.9, 100.0)
    assert infra.is_built(100.0, 100.0)
    assert infra.duty_cycle(20, 100.0, 0.0) == 0.0
    assert infra.duty_cycle(20, 100.0, 10.0) == 20 / 30


def test_project_is_built_exactly_when_pledges_reach_the_cost():
    m = isolated_model(**COOPERATE, **{"infrastructure.expertise_cost_saving": 0.0})
    members = [0, 1, 2, 3]
    p = m.form_partnership(m.forms["formal"], (INFRASTRUCTURE,), members)
    q = m.params["infrastructure"]
    cost = q["build_cost"] + q["build_cost_per_household"] * m.state.households[members].sum()
    built = False
    for _ in range(25):
        m.step()
        built = bool((m.state.served_until[members] > m.steps).all())
        if built:
            # pledges reached the cost this step: the cost came out of the fund, the rest stays
            assert 0.0 <= p.fund < cost
            break
        assert p.fund < cost  # not built: the pledges are still short of the cost
        assert p.fund > 0.0
    assert built, "four cooperating villages should build within 25 steps"
    assert m.steps > 1  # a project none can pay in one year takes several years of pledges


def test_a_project_nobody_can_afford_is_never_built():
    m = isolated_model(**COOPERATE, **{"infrastructure.build_cost": 1e9})
    m.form_partnership(m.forms["formal"], (INFRASTRUCTURE,), [0, 1, 2])
    for _ in range(10):
        m.step()
    assert not (m.state.served_until > m.steps).any()


def test_groups_build_sooner_than_villages_alone():
    m = isolated_model(**COOPERATE)
    m.form_partnership(m.forms["formal"], (INFRASTRUCTURE,), [0, 1, 2, 3, 4])
    first_served = {}
    for _ in range(30):
        m.step()
        for i in np.flatnonzero(m.state.served_until > m.steps):
            first_served.setdefault(int(i), m.steps)
    alone = [first_served.get(i, 99) for i in range(5, 30)]
    together = [first_served.get(i, 99) for i in range(5)]
    assert max(together) < np.median(alone)


def test_a_free_rider_enjoys_a_built_project_and_neighbours_get_a_spillover():
    """Four partners (an informal group: no enforcement), three of which always contribute
    and one never does (thresholds 0 and above 1, no mistakes). Once their project is built
    the free-rider is served too, paying nothing toward it; a village outside, near the
    project, gets the spill-over share of its irrigation and of its utility."""
    m = isolated_model(
        **{"behaviour.error_rate": 0.0, "forms.informal.term": 0, "infrastructure.pledge_share": 0.5,
           "infrastructure.utility_weight": 0.3, "infrastructure.spillover_radius_km": 1000.0}
    )  # fmt: skip
    members = tied_group(m, 4)
    free_rider = members[3]
    m.state.threshold[:] = 0.0
    m.state.threshold[free_rider] = 1.5
    m.form_partnership(m.forms["informal"], (INFRASTRUCTURE,), members)
    while not (m.state.served_until[members] > m.steps).all():
        m.step()
        assert not m.last_year.contributes[free_rider, INFRASTRUCTURE]
    m.step()  # a year with the project up
    building, farming = m.last_economy.building, m.last_economy.farming
    assert building.served_before[free_rider] and building.paid[free_rider] == 0.0
    assert farming.irrigation[free_rider] == 1.0 and building.utility[free_rider] == pytest.approx(0.3)
    q = m.params["infrastructure"]
    outsiders = [i for i in range(m.state.n) if not (building.served_before[i] or building.served_now[i])]
    assert outsiders, "some village is served by no project"
    assert np.allclose(farming.irrigation[outsiders], q["spillover_share"])  # radius 1000 km: all near one
    assert np.allclose(building.utility[outsiders], q["spillover_share"] * 0.3)


def test_infrastructure_year_of_hand_built_villages():
    """Build cost 100, pledges 10 % of the budget, lifetime 20, upkeep 2. Village 0, alone
    with 90 saved and a budget of 200, pledges 20 and builds (10 left); village 1, alone,
    saves its 10. Villages 2 and 3 share a fund of 85: village 3's pledge is capped at half
    its budget less its running costs (50 - 45 = 5), so the fund reaches 100 exactly and
    the project is built, upkeep split by households (1 each). Village 1, 1 km from
    village 0's project, gets the spill-over. Next year village 3 free-rides: village 2
    covers its upkeep (pays 2); when neither pays, the project decays a year."""
    m = isolated_model(**{"n_villages": 4, "landscape.n_districts": 1})
    s = m.state
    s.x, s.y = np.array([0.0, 1.0, 50.0, 51.0]), np.zeros(4)
    s.budget, s.fund = np.array([200.0, 100.0, 100.0, 100.0]), np.array([90.0, 0.0, 0.0, 0.0])
    s.households = np.full(4, 100.0)
    for name in ("served_until", "upkeep_due", "pledged", "expertise", "pending_cost"):
        getattr(s, name)[:] = 0
    params = {
        **m.params,
        "infrastructure": {**m.params["infrastructure"], "build_cost": 100.0, "pledge_share": 0.1, "lifetime": 20,
                           "upkeep": 2.0, "utility_weight": 0.3, "spillover_share": 0.5,
                           "build_cost_per_household": 0.0, "upkeep_per_household": 0.0},
    }  # fmt: skip
    constants = m.constants()._replace(
        now=1, build_cost=100.0, pledge_share=0.1, lifetime=20, upkeep=2.0, build_cost_per_household=0.0,
        upkeep_per_household=0.0,
    )  # fmt: skip
    table = PartnershipTable(max_members=4)
    table.next_pid[0], table.alive[0], table.size[0], table.fund[0] = 1, True, 2, 85.0
    table.members[0, :2], table.domains[0, INFRASTRUCTURE] = [2, 3], True
    partnership = np.full((4, 3), -1)
    partnership[[2, 3], INFRASTRUCTURE] = 0
    running = np.zeros((4, 3))
    running[3, 0] = 45.0
    spillover = landscape.spillover_neighbours(s.x, s.y, 5.0)

    def year_with(contributes=None):
        return infra.infrastructure_year(
            s, hand_year(partnership, contributes=contributes), running, table, constants, spillover, params
        )

    built = year_with()
    np.testing.assert_allclose(built.paid, [20.0, 10.0, 10.0, 5.0])
    np.testing.assert_allclose(s.fund, [10.0, 10.0, 0.0, 0.0])
    assert table.fund[0] == 0.0 and s.pledged.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert s.served_until.tolist() == [21, 0, 21, 21] and s.upkeep_due.tolist() == [2.0, 0.0, 1.0, 1.0]
    assert built.served_now.tolist() == [True, False, True, True] and not built.served_before.any()
    np.testing.assert_allclose(built.utility, [0.3, 0.3 * 0.5, 0.3, 0.3])
    assert not built.withheld.any()
    contributes = np.ones((4, 3), bool)
    contributes[3, INFRASTRUCTURE] = False
    upkeep = year_with(contributes)
    np.testing.assert_allclose(upkeep.paid, [2.0, 10.0, 2.0, 0.0])  # village 1 still saving: 20 in its fund
    np.testing.assert_allclose(upkeep.withheld, [0.0, 0.0, 0.0, 1.0])
    assert s.served_until.tolist() == [21, 0, 21, 21]
    contributes[2, INFRASTRUCTURE] = False
    year_with(contributes)
    assert s.served_until.tolist() == [21, 0, 20, 20]  # nobody kept it up: a year of its life lost


# --- protection against droughts and floods (infrastructure.protection, perceived_risk) ----------------
def test_expected_averted_loss_is_risk_times_intensity_times_protection_times_farm_income():
    assert infra.expected_averted_loss(0.5, 0.7, 1.0, 2.0) == pytest.approx(0.7)
    assert infra.expected_averted_loss(0.9, 0.7, 0.0, 2.0) == 0.0  # a project that protects nothing
    assert infra.expected_averted_loss(0.0, 0.7, 1.0, 2.0) == 0.0  # nobody perceives a risk


def test_the_risk_deters_free_riding_when_the_own_loss_outweighs_the_groups_pledges():
    """Withholding p delays the build by p / G years: it does not pay when the member's own
    expected averted loss L (per year) is at least G, whatever p; a zero loss deters nobody."""
    loss = np.array([50.0, 36.0, 20.0, 0.0])
    group_pledge = np.array([36.0, 36.0, 36.0, 0.0])
    np.testing.assert_array_equal(infra.risk_deters_free_riding(loss, group_pledge), [True, True, False, False])


def test_a_protecting_project_shields_the_land_it_serves_from_droughts_and_floods():
    from sim.shocks import Shocks

    shocks = Shocks(crop=np.array([0.6, 0.6]), fire=np.array([True, False]), price=0.9, lasting=np.array([0.5, 0.5]))
    felt = infra.shielded(shocks, np.array([True, False]), 0.75)
    np.testing.assert_allclose(felt.crop, [0.15, 0.6])
    np.testing.assert_allclose(felt.lasting, [0.125, 0.5])
    assert felt.price == 0.9 and felt.fire.tolist() == [True, False]
    assert infra.shielded(shocks, np.array([True, False]), 0.0) is shocks  # off: the shocks themselves


def test_a_served_village_loses_less_farm_output_to_a_drought_when_its_project_protects():
    """The same drought year, the same villages and projects: where the project protects
    (protection 1), the villages it serves keep the output the drought would destroy, and the
    economy records that (``Economy.averted``) as the protection's value for learning."""
    from sim import VillageModel

    def revenue(protection: float) -> np.ndarray:
        drought = [{"kind": "drought", "step": 2, "duration": 1, "intensity": 0.7, "district": -1}]
        m = VillageModel(
            "default", rng=5, n_villages=40, steps=2,
            **{"shocks.scheduled": drought, "cooperation.forms": [], "infrastructure.protection": protection},
        )  # fmt: skip
        m.state.served_until[:20] = 25  # villages 0-19 have a project serving them
        m.step()
        m.step()
        return m.last_economy.farming.revenue, m.last_economy.averted

    (plain, none), (protected, averted) = revenue(0.0), revenue(1.0)
    assert none is None and (protected[:20] > 1.5 * plain[:20]).all()
    np.testing.assert_array_equal(protected[20:], plain[20:])
    # what learning counts as the protection's value is what it kept (for every village, served or not)
    np.testing.assert_allclose(averted[:20], protected[:20] - plain[:20], rtol=1e-12)
    assert (averted[20:] > 0).all()
