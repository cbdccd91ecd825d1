"""What is fixed for a year (sim/year.py) and the identity kept up to date (sim/learning.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import VillageModel


def _run(seed: int, **overrides) -> VillageModel:
    return VillageModel("default", rng=seed, n_villages=70, steps=12, **overrides).run()


def test_mean_identity_kept_up_to_date_equals_the_mean_over_all_ties():
    m = _run(2, **{"shocks.scheduled": [], "cooperation.forms": ["long_term", "formal"]})
    scale = m.params["cooperation"]["identity"]["scale_steps"]
    direct = np.mean(1.0 - np.exp(-m.ties.years_together / scale))
    assert direct > 0.0
    assert m.timeseries()["mean_identity"].iloc[-1] == pytest.approx(direct, rel=1e-9)


def test_partner_means_equal_the_sums_over_partner_ties():
    from sim import year

    m = _run(3, **{"shocks.scheduled": []})
    s, t = m.state, m.ties
    scale = float(m.params["cooperation"]["identity"]["scale_steps"])
    for d in range(3):
        same = year.partner_edges(t.indptr, t.cols, s.partnership)[d]
        assert same.size > 0
        count, signal, identity = year.partner_means(
            t.rows, t.cols, same, t.trust, s.contributed[:, d], t.years_together, scale, s.n
        )
        partners = np.bincount(t.rows[same], minlength=s.n)
        np.testing.assert_array_equal(count, partners)
        weighted = np.bincount(t.rows[same], weights=t.trust[same] * s.contributed[t.cols[same], d], minlength=s.n)
        level = np.bincount(t.rows[same], weights=1.0 - np.exp(-t.years_together[same] / scale), minlength=s.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.testing.assert_allclose(signal, np.where(partners > 0, weighted / partners, 0.0), rtol=1e-12)
            np.testing.assert_allclose(identity, np.where(partners > 0, level / partners, 0.0), rtol=1e-12)
