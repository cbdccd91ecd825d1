"""Enforcement (sim/enforcement.py): free-riders detected and fined, fines paid to the
group's paying members, and what is paid equals what is received."""

from __future__ import annotations

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
