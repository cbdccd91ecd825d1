"""Partnership forms (sim/forms.py): bundles, mandates, the form records the compiled rules read."""

from __future__ import annotations

import pytest

from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES
from tests.conftest import isolated_model, run_small

COOPERATE = {"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0}


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
