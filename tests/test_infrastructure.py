"""Infrastructure: a threshold public good built only when pledges reach its cost."""

from __future__ import annotations

import numpy as np
import pytest

from sim.domains import INFRASTRUCTURE
from sim.domains import infrastructure as infra
from tests.conftest import isolated_model

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
    cost = m.params["infrastructure"]["build_cost"]
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


def test_free_riders_enjoy_a_built_project_and_neighbours_get_a_spillover():
    m = isolated_model(
        **COOPERATE, **{"infrastructure.spillover_radius_km": 1000.0, "infrastructure.pledge_share": 0.5}
    )
    m.form_partnership(m.forms["formal"], (INFRASTRUCTURE,), [0, 1, 2, 3])
    while not (m.state.served_until[[0, 1, 2, 3]] > m.steps).all():
        m.step()
    u_member = m.state.utility[0] - np.log(m.state.consumption[0])
    outsiders = [i for i in range(4, 30) if m.state.served_until[i] <= m.steps and m.ties.degree()[i] > 0]
    assert outsiders
    spill = m.params["infrastructure"]["spillover_share"] * m.params["infrastructure"]["utility_weight"]
    neighbour_of_served = [i for i in outsiders if (m.state.served_until[m.ties.neighbours(i)] > m.steps).any()]
    assert neighbour_of_served
    i = neighbour_of_served[0]
    service_part = sum(
        m.params["services"][s]["utility_weight"] * m.state.quality[i, k] for k, s in enumerate(m.service_names)
    )
    assert m.state.utility[i] - np.log(m.state.consumption[i]) - service_part == pytest.approx(spill)
    assert u_member > spill
