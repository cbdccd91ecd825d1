"""Membership (sim/membership.py): joining, leaving, exit penalties and refunds."""

from __future__ import annotations

import pytest

from sim.domains import INFRASTRUCTURE, SERVICES
from tests.conftest import isolated_model

COOPERATE = {"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0}


def test_formal_exit_penalty_is_charged_on_early_exit_and_paid_to_partners():
    m = isolated_model(**COOPERATE)
    form = m.forms["formal"]
    p = m.form_partnership(form, (SERVICES,), [0, 1, 2])
    m.step()
    assert not p.term_over()
    before = m.state.pending_cost.sum(axis=1).copy()
    m.leave(0, p, reason="left")
    change = m.state.pending_cost.sum(axis=1) - before
    assert change[0] == pytest.approx(form.exit_penalty)
    assert change[[1, 2]] == pytest.approx([-form.exit_penalty / 2] * 2)
    assert change.sum() == pytest.approx(0.0)
    assert m.state.partnership[0, SERVICES] == -1 and p.size == 2


def test_no_exit_penalty_once_the_term_is_over():
    m = isolated_model(**COOPERATE, **{"forms.formal.renewable": False})
    form = m.forms["formal"]
    p = m.form_partnership(form, (SERVICES,), [0, 1, 2])
    m.table.term_years[p.pid] = form.term  # pretend the term has run out
    assert p.exit_penalty == 0.0


def test_early_exit_costs_the_leaver_in_welfare():
    """Same run twice; in one, village 0 walks out of its formal agreement early."""
    results = []
    for walk_out in (False, True):
        m = isolated_model(**COOPERATE, **{"forms.formal.exit_penalty": 20.0, "forms.formal.term": 10})
        p = m.form_partnership(m.forms["formal"], (SERVICES,), [0, 1, 2])
        m.step()
        if walk_out:
            m.leave(0, p, reason="left")
        m.step()
        results.append(m.state.consumption[0])
    assert results[1] < results[0]


def test_a_leaver_gets_back_its_share_of_the_pledges_to_a_project_not_yet_built():
    m = isolated_model(**COOPERATE, **{"infrastructure.build_cost": 1e9})  # never built
    p = m.form_partnership(m.forms["formal"], (INFRASTRUCTURE,), [0, 1, 2])
    m.step()
    pledged = m.state.pledged[[0, 1, 2]].copy()
    fund, own_fund = p.fund, m.state.fund[0]
    assert fund > 0 and pledged.min() > 0
    m.leave(0, p, reason="left")
    share = fund * pledged[0] / pledged.sum()
    assert m.state.fund[0] == pytest.approx(own_fund + share)  # back into its own fund
    assert p.fund == pytest.approx(fund - share) and m.state.pledged[0] == 0.0
    assert m.state.partnership[0, INFRASTRUCTURE] == -1 and sorted(p.members) == [1, 2]
