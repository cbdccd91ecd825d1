"""The year's economy (sim/economy.py): what partnerships cost to run, and the
identity discount on it."""

from __future__ import annotations

import numpy as np
import pytest

from sim import economy
from sim.domains import SERVICES
from sim.forms import load_forms
from sim.scenario import load_scenario
from tests.conftest import hand_year, isolated_model, tied_group

ALONE = -1


def test_identity_lowers_running_costs_and_defection():
    m = isolated_model(
        **{
            "behaviour.error_rate": 0.0,
            "behaviour.initial_trust": 0.4,
            "behaviour.initial_trust_sd": 0.0,
            "behaviour.threshold_sd": 0.0,
            "behaviour.threshold_mean": 0.6,
            "forms.informal.term": 0,
        }
    )
    members = tied_group(m, 4)
    m.form_partnership(m.forms["informal"], (SERVICES,), members)
    m.state.tenure[members, SERVICES] = 5  # past the opening move
    year = m.fix_year()
    fresh_costs = economy.running_costs(year, m.region)[members, SERVICES].copy()
    fresh = m.contributions(year)[members, SERVICES]
    m.ties.years_together[year.partner_edges[SERVICES]] = 30.0  # decades together
    year = m.fix_year()
    old_costs = economy.running_costs(year, m.region)[members, SERVICES]
    old = m.contributions(year)[members, SERVICES]
    assert np.all(old_costs < fresh_costs)
    assert not fresh.any()  # trust 0.4 x all contributed = 0.4 < threshold 0.6 ...
    assert old.all()  # ... but with shared identity the threshold falls to 0.3


def test_running_costs_spread_a_bundle_over_its_domains_and_fall_with_identity():
    """Form 0 is a bundle over the three domains costing 6 per village per year (2 in
    each domain); form 1 costs 3 in the one domain it covers; alone costs nothing.
    Identity 0.4 with a discount of 0.5 takes 20 % off, identity 0.2 takes 10 %."""
    partnership = np.full((5, 3), ALONE)
    partnership[[0, 1]] = 0  # one bundled partnership, in every domain
    partnership[[2, 3], SERVICES] = 1
    identity = np.zeros((5, 3))
    identity[1] = 0.4
    identity[3, SERVICES] = 0.2
    year = hand_year(partnership, form_of=[0, 1], n_forms=2, identity=identity)
    params = {"cooperation": {"identity": {"cost_discount": 0.5}}}
    region = economy.Region(params, [], None, np.array([6.0, 3.0, 0.0]), np.array([3, 1, 1]))
    expected = np.array(
        [[2.0, 2.0, 2.0], [1.6, 1.6, 1.6], [0.0, 3.0, 0.0], [0.0, 2.7, 0.0], [0.0, 0.0, 0.0]],
    )
    np.testing.assert_allclose(economy.running_costs(year, region), expected)


def test_the_region_holds_running_costs_after_subsidy_and_the_domains_a_bundle_covers():
    params = load_scenario("default", {"policy.subsidy_running": 0.25}).params
    forms = list(load_forms(params).values())
    region = economy.Region.of(params, forms, None)
    assert region.running_cost == pytest.approx([0.75 * f.running_cost for f in forms] + [0.0])
    assert list(region.covers) == [len(f.domains) if f.bundle else 1 for f in forms] + [1]
    assert region.covers[[f.name for f in forms].index("long_term")] == 3
    assert region.service_names == [k for k, v in params["services"].items() if isinstance(v, dict)]
