"""How partnerships end (sim/lifecycle.py): terms run out, collapse, renewal."""

from __future__ import annotations

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


def test_a_partnership_nobody_contributes_to_collapses_after_collapse_steps_years():
    """``cooperation.collapse_steps`` = 3: three years in a row without a single
    contribution, and the partnership dissolves; its members are alone again."""
    m = isolated_model(**{"behaviour.rule": "always_defect", "behaviour.error_rate": 0.0, "forms.informal.term": 0})
    p = m.form_partnership(m.forms["informal"], (SERVICES,), [0, 1, 2])
    for _ in range(2):
        m.step()
        assert p.pid in m.partnerships
    m.step()
    assert p.pid not in m.partnerships
    assert m.ended[-1]["reason"] == "collapsed" and m.ended[-1]["duration"] == 3 and m.ended[-1]["size"] == 3
    assert (m.state.partnership[[0, 1, 2], SERVICES] == -1).all()
