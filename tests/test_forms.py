"""Partnership forms: terms, renewals, exit penalties, mandates."""

from __future__ import annotations

import pytest

from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES
from tests.conftest import isolated_model, run_small

COOPERATE = {"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0}


def test_temporary_partnership_ends_at_its_term():
    m = isolated_model(**COOPERATE)
    term = m.forms["temporary"].term
    p = m.form_partnership(m.forms["temporary"], (INFRASTRUCTURE,), [0, 1, 2])
    start = m.steps + 1  # formed between steps: its first year is the next step
    for _ in range(term - 1):
        m.step()
        assert p.pid in m.partnerships
    m.step()
    assert p.pid not in m.partnerships
    ended = m.ended[-1]
    assert ended["reason"] == "term ended" and ended["duration"] == term and ended["start"] == start
    assert (m.state.partnership[[0, 1, 2], INFRASTRUCTURE] == -1).all()


def test_temporary_partnerships_never_outlive_their_term_in_a_run():
    m = run_small(6, n_villages=80, steps=25, **{"cooperation.forms": ["temporary"]})
    term = m.forms["temporary"].term
    temporaries = [e for e in m.ended if e["form"] == "temporary"]
    assert temporaries
    assert all(e["duration"] <= term for e in temporaries)
    assert any(e["reason"] == "term ended" for e in temporaries)
    assert all(p.years < term for p in m.partnerships.values())


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


def test_formal_agreements_are_renewed_by_members_who_gain():
    m = isolated_model(**COOPERATE, **{"behaviour.learning_rate": 1e-6})  # beliefs stay as set
    form = m.forms["formal"]
    p = m.form_partnership(form, (AGRICULTURE,), [0, 1, 2])
    m.state.expected_gain[[0, 1], AGRICULTURE, form.index] = 0.05
    m.state.expected_gain[2, AGRICULTURE, form.index] = -0.05
    for _ in range(form.term):
        m.step()
    assert p.pid in m.partnerships
    assert sorted(p.members) == [0, 1]
    assert p.term_years == 0  # renewed: a new term


def test_long_term_partnership_bundles_domains():
    m = isolated_model(**COOPERATE)
    form = m.forms["long_term"]
    assert form.bundle
    p = m.form_partnership(form, form.covered_domains(SERVICES), [0, 1])
    assert set(p.domains) == {AGRICULTURE, SERVICES, INFRASTRUCTURE}
    assert (m.state.partnership[[0, 1]] == p.pid).all()
    m.leave(1, p, reason="left")
    assert (m.state.partnership[[0, 1]] == -1).all()  # too few members: dissolved everywhere


def test_mandate_restricts_the_form_in_its_domain_including_bundles():
    m = run_small(2, n_villages=80, steps=15, **{"policy.mandate.services": "formal"})
    assert all(f.name == "formal" for f in m.forms_for(SERVICES))
    for p in m.partnerships.values():
        if SERVICES in p.domains:
            assert p.form.name == "formal"
    assert all(e["form"] == "formal" for e in m.ended if "services" in e["domains"])


def test_subsidies_lower_what_villages_pay():
    m = isolated_model(**{"policy.subsidy_setup": 0.5, "policy.subsidy_running": 1.0})
    form = m.forms["formal"]
    record = m.form_rules[form.index]  # what the compiled rules read
    assert record.setup_cost == pytest.approx(0.5 * form.setup_cost)
    assert record.running_cost == 0.0 and m.region.running_cost[form.index] == 0.0


def test_facilitator_widens_search():
    narrow = isolated_model()
    wide = isolated_model(**{"policy.facilitator_radius": 2.0})
    assert wide.ties.degree().mean() > narrow.ties.degree().mean()
