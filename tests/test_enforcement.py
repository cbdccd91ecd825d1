"""Enforcement (sim/enforcement.py): free-riders detected and fined, fines paid to the
group's paying members, and what is paid equals what is received."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import VillageModel, enforcement
from tests.conftest import hand_year

ALONE = -1


def test_fines_are_paid_to_partners_and_balance():
    m = VillageModel(
        "default",
        rng=3,
        n_villages=80,
        steps=15,
        **{
            "forms.formal.enforcement": 1.0,
            "forms.formal.fine": 2.0,
            "behaviour.error_rate": 0.2,
            "cooperation.forms": ["formal"],
        },
    )
    collected = 0.0
    for _ in range(15):
        m.step()
        collected += m.last_fines.paid.sum()
        assert abs(m.fine_imbalance[-1]) <= 1e-9 * max(1.0, m.last_fines.paid.sum())
    assert collected > 0  # mistakes were caught and fined


def test_a_free_ride_is_detected_with_its_forms_probability_and_never_alone():
    # agriculture: villages 0-2 in partnership 0 (form 0), 3 and 4 in partnership 1 (form 1); 5 alone
    partnership = np.full((6, 3), ALONE)
    partnership[:, 0] = [0, 0, 0, 1, 1, ALONE]
    contributes = np.ones((6, 3), bool)
    contributes[[1, 2, 3], 0] = False  # three free-riders
    year = hand_year(partnership, form_of=[0, 1], n_forms=2, contributes=contributes)
    enforcement_of = np.array([0.5, 0.0, 0.0])  # form 0, form 1, alone
    u = np.full((6, 3), 0.4)
    u[2, 0] = 0.6  # a free-rider that escapes detection: 0.6 >= 0.5
    detected = enforcement.detect(year, enforcement_of, u)
    expected = np.zeros((6, 3), bool)
    expected[1, 0] = True  # 0.4 < 0.5; village 3's form detects nothing; payers and villages alone never
    np.testing.assert_array_equal(detected, expected)


def test_a_detected_free_rider_pays_rate_times_withheld_shared_equally_among_payers():
    """Partnership 0 (form 0, fine 2): village 2 withheld 3.0 and is caught, so it pays
    6.0 and each of the two payers receives 3.0. Partnership 2 (form 1, fine 0.5, in
    services): village 1 withheld 4.0, pays 2.0, all to village 0."""
    partnership = np.full((4, 3), ALONE)
    partnership[:, 0] = [0, 0, 0, ALONE]
    partnership[:, 1] = [2, 2, ALONE, ALONE]
    contributes = np.ones((4, 3), bool)
    contributes[2, 0] = contributes[1, 1] = False
    year = hand_year(partnership, form_of=[0, 0, 1], n_forms=2, contributes=contributes)
    detected = ~year.pays
    withheld = np.zeros((4, 3))
    withheld[2, 0], withheld[1, 1] = 3.0, 4.0
    fines = enforcement.settle(year, detected, np.array([2.0, 0.5, 0.0]), withheld)
    paid, received = np.zeros((4, 3)), np.zeros((4, 3))
    paid[2, 0], received[[0, 1], 0] = 6.0, 3.0
    paid[1, 1], received[0, 1] = 2.0, 2.0
    np.testing.assert_allclose(fines.paid, paid)
    np.testing.assert_allclose(fines.received, received)
    assert fines.imbalance == 0.0
    np.testing.assert_array_equal(fines.detected, detected)


def test_a_group_with_nobody_paying_collects_no_fine():
    partnership = np.full((3, 3), ALONE)
    partnership[:, 2] = [0, 0, ALONE]  # both members of the infrastructure partnership free-ride
    contributes = np.ones((3, 3), bool)
    contributes[[0, 1], 2] = False
    year = hand_year(partnership, contributes=contributes)
    withheld = np.zeros((3, 3))
    withheld[[0, 1], 2] = 5.0
    fines = enforcement.settle(year, ~year.pays, np.array([1.0, 0.0]), withheld)
    assert not fines.paid.any() and not fines.received.any()
    assert fines.detected[[0, 1], 2].all()  # caught, but there is nobody to pay the fine to


@st.composite
def _groups(draw):
    """A random year: villages in up to 4 partnerships per domain (or alone), random
    contributions, forms, detection draws and withheld amounts."""
    n = draw(st.integers(1, 12))
    n_forms = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    partnership = rng.integers(-1, 4, size=(n, 3))
    for d in range(3):  # partnership ids are unique across domains, as in the table
        partnership[:, d] = np.where(partnership[:, d] >= 0, partnership[:, d] + 4 * d, -1)
    form_of = rng.integers(0, n_forms, size=12)
    contributes = rng.random((n, 3)) < draw(st.floats(0.0, 1.0))
    year = hand_year(partnership, form_of=form_of, n_forms=n_forms, contributes=contributes)
    enforcement_of = np.append(rng.random(n_forms), 0.0)
    fine_rate = np.append(rng.uniform(0.0, 5.0, n_forms), 0.0)
    withheld = rng.uniform(0.0, 100.0, size=(n, 3))
    return year, enforcement.detect(year, enforcement_of, rng.random((n, 3))), fine_rate, withheld


@settings(max_examples=60, deadline=None)
@given(case=_groups())
def test_fines_paid_equal_fines_received_in_any_group(case):
    year, detected, fine_rate, withheld = case
    fines = enforcement.settle(year, detected, fine_rate, withheld)
    assert fines.paid.sum() == pytest.approx(fines.received.sum(), rel=1e-12, abs=1e-12)
    assert np.all(fines.paid >= 0) and np.all(fines.received >= 0)
    assert not fines.paid[~detected].any()  # only the detected pay
    assert not fines.received[~(year.member & year.pays)].any()  # only paying members receive
    for d, (lab, ng) in enumerate(year.labels):  # and within each group, what is paid is received
        paid = np.bincount(lab, weights=fines.paid[:, d], minlength=ng)
        received = np.bincount(lab, weights=fines.received[:, d], minlength=ng)
        np.testing.assert_allclose(paid, received, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- beyond the sanctions' reach


def test_a_village_beyond_the_sanctions_reach_is_detected_but_never_fined():
    """behaviour.impunity_share: of two caught free-riders in partnership 0 (fine 2, each withheld
    3.0), village 2's fine is never collected; village 1 pays 6.0, shared by the two payers."""
    partnership = np.full((4, 3), ALONE)
    partnership[:, 0] = [0, 0, 0, 0]
    contributes = np.ones((4, 3), bool)
    contributes[[1, 2], 0] = False
    year = hand_year(partnership, contributes=contributes)
    withheld = np.zeros((4, 3))
    withheld[[1, 2], 0] = 3.0
    impunity = np.array([False, False, True, False])
    fines = enforcement.settle(year, ~year.pays, np.array([2.0, 0.0]), withheld, impunity)
    assert fines.paid[1, 0] == 6.0 and fines.paid[2, 0] == 0.0 and fines.paid.sum() == 6.0
    np.testing.assert_allclose(fines.received[[0, 3], 0], [3.0, 3.0])
    assert fines.detected[[1, 2], 0].all() and fines.imbalance == 0.0


def test_enforcement_does_not_deter_a_village_beyond_its_reach():
    """Members of a form whose enforcement deters are deterred from free-riding whatever their
    partners do (behaviour.deterred, rule (a) of the conditional rule), unless their fines are
    never collected."""
    from sim import behaviour

    m = VillageModel("default", rng=1, n_villages=20, steps=1)
    partnership = np.full((4, 3), ALONE)
    partnership[:, 0] = 0
    year = hand_year(partnership)
    rule = dataclasses.replace(m.contribution_rule, deters=np.array([True, False]))  # form 0, alone
    s = dataclasses.replace(m.state, n=4)
    s.impunity = np.array([False, True, False, True])
    np.testing.assert_array_equal(behaviour.deterred(year, s, rule, 0), [True, False, True, False])
    assert not behaviour.deterred(year, s, rule, 1).any()  # alone in services: nothing deters
    s.impunity = None  # a state built without the draw: nobody has impunity
    assert behaviour.deterred(year, s, rule, 0).all()


def test_impunity_keeps_free_riders_withholding_under_full_audits():
    """Pattern 6's audited arm (indonesia_kerjasama_antar_desa, infrastructure formal, audits at
    100 %): with no impunity a full audit deters every free rider and little is missing; when half
    the villages are beyond the sanctions' reach, their free riders keep withholding. Paired seeds."""
    from sim.validation.patterns import cases

    arm = {"n_villages": 80, "forms.formal.enforcement": 1.0, "behaviour.free_rider_share": 0.3}
    runs = cases.seeds(3)
    reached = np.array([cases.missing_share(s, 25, {**arm, "behaviour.impunity_share": 0.0}) for s in runs])
    beyond = np.array([cases.missing_share(s, 25, {**arm, "behaviour.impunity_share": 0.5}) for s in runs])
    assert reached.max() < 0.06  # the error rate's mistakes, nearly all
    assert (beyond - reached).min() > 0.05  # every seed: about 0.3 x 0.5 of villages withhold


def test_impunity_is_drawn_only_when_some_village_has_it():
    """A scenario without impunity draws nothing for it (every other endowment as before); with it,
    the share of villages beyond the sanctions' reach is about the scenario's, the rest unchanged."""
    plain = VillageModel("default", rng=5, n_villages=400, steps=1)
    some = VillageModel("default", rng=5, n_villages=400, steps=1, **{"behaviour.impunity_share": 0.4})
    assert not plain.state.impunity.any()
    assert 0.3 < some.state.impunity.mean() < 0.5
    np.testing.assert_array_equal(plain.state.threshold, some.state.threshold)
    np.testing.assert_array_equal(plain.state.households, some.state.households)
