"""Expected gains of a prospective group (sim/gains.py) against the domain formulas
written directly over the members' arrays, and the tie tables they read."""

from __future__ import annotations

import numpy as np
import pytest

from sim import VillageModel
from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES, agriculture
from sim.domains import infrastructure as infra
from sim.domains import services as svc
from sim.shocks import shock_correlation


def _run(seed: int, **overrides) -> VillageModel:
    return VillageModel("default", rng=seed, n_villages=70, steps=12, **overrides).run()


def _reference_gains(m: VillageModel, form, covered, members) -> np.ndarray:
    """The expected gains of a group written directly with arrays over its members,
    from the domain formulas: what gains.group_gains must compute."""
    s, p = m.state, m.params
    idx = np.asarray(members)
    k = idx.size
    h = s.households[idx]
    dist = np.hypot(s.x[idx][:, None] - s.x[idx][None, :], s.y[idx][:, None] - s.y[idx][None, :])
    trust = np.full((k, k), p["behaviour"]["initial_trust"])
    for a in range(k):
        for b in range(k):
            e = m.ties.edge(idx[a], idx[b])
            if e >= 0:
                trust[a, b] = m.ties.trust[e]
    off = ~np.eye(k, dtype=bool)
    mean_trust = (trust * off).sum(axis=1) / max(k - 1, 1)
    compliance = mean_trust + (1 - mean_trust) * min(1.0, form.enforcement * form.fine)
    consumption = s.reference_consumption[idx]
    gains = np.zeros(k)
    if AGRICULTURE in covered:
        a = p["agriculture"]
        same = s.district[idx][:, None] == s.district[idx][None, :]
        corr = (shock_correlation(dist, same, p["shocks"]) * off).sum(axis=1) / max(k - 1, 1)
        gains += agriculture.expected_gain(
            k,
            corr,
            a["pool_share"],
            s.income_var[idx],
            s.income_mean[idx],
            consumption,
            s.risk_aversion[idx],
            a["marketing_premium"],
            a["marketing_cost"],
            a["marketing_scale"],
            a["marketing_share"],
            h,
            h.sum(),
            compliance,
        )
    if SERVICES in covered:
        host = np.argmax(h)
        gains += svc.expected_gain(
            m._service_fixed,
            p["services"]["coordination_overhead"],
            k,
            h / h.sum(),
            svc.quality_loss(dist[:, host], m._service_decay, m._service_weights),
            consumption,
            h,
            compliance,
        )
    if INFRASTRUCTURE in covered:
        q = p["infrastructure"]
        pledges = q["pledge_share"] * s.budget[idx]
        benefit = q["utility_weight"] * consumption
        if q["irrigates"]:
            benefit = benefit + p["agriculture"]["irrigation_bonus"] * s.income_mean[idx]
        gains += infra.expected_gain(
            q["build_cost"] + q["build_cost_per_household"] * h,
            q["build_cost"] + q["build_cost_per_household"] * h.sum(),
            q["lifetime"],
            q["upkeep"] + q["upkeep_per_household"] * h,
            q["upkeep"] + q["upkeep_per_household"] * h.sum(),
            pledges,
            pledges.sum(),
            h / h.sum(),
            h,
            benefit,
            compliance,
        )
    policy, amortisation = p["policy"], p["cooperation"]["amortisation_steps"]
    running, setup = (
        form.running_cost * (1 - policy["subsidy_running"]),
        form.setup_cost * (1 - policy["subsidy_setup"]),
    )
    costs = (running + setup / amortisation) / h
    return gains - costs


@pytest.mark.parametrize("covered", [(AGRICULTURE,), (SERVICES,), (INFRASTRUCTURE,), (0, 1, 2)])
def test_group_gains_equal_the_domain_formulas_over_members(covered):
    m = _run(3, **{"shocks.scheduled": []})
    rng = np.random.default_rng(0)
    for form in m.form_list:
        for k in (2, 3, 5):
            members = [int(v) for v in rng.choice(m.state.n, size=k, replace=False)]
            np.testing.assert_allclose(
                m.expected_gains(form, covered, members), _reference_gains(m, form, covered, members), rtol=1e-10
            )


def test_pair_tables_hold_each_ties_correlation_and_quality_loss():
    m = VillageModel("default", rng=4, n_villages=120, steps=1)
    s, t, p = m.state, m.ties, m.params
    same = s.district[t.rows] == s.district[t.cols]
    np.testing.assert_allclose(t.corr, shock_correlation(t.distance, same, p["shocks"]), rtol=1e-12)
    loss = sum(
        w * (1.0 - svc.quality(t.distance, decay))
        for w, decay in zip(m._service_weights, m._service_decay, strict=True)
    )
    np.testing.assert_allclose(t.loss, loss, rtol=1e-12, atol=1e-15)
    assert (t.loss > 0).all() and (t.corr > 0).all()


def test_a_protecting_project_adds_its_expected_averted_loss_for_the_extra_years_it_serves():
    """The expected gain of building together counts the loss a protecting project averts
    (perceived risk x intensity x protection x farm income per household) for the extra share
    of years the group's project serves over the member's own: (together - alone) x that loss."""
    risk = {"infrastructure.protection": 0.8, "infrastructure.perceived_risk": 0.5}
    plain = VillageModel("default", rng=3, n_villages=70, steps=1)
    protecting = VillageModel("default", rng=3, n_villages=70, steps=1, **risk)
    form = plain.forms["formal"]  # enforcement x fine >= 1: partners expected to pay in full
    q, s = plain.params["infrastructure"], plain.state
    for members in ([0, 1], [2, 3, 4, 5, 6, 7]):
        idx = np.asarray(members)
        h, pledge = s.households[idx], q["pledge_share"] * s.budget[idx]
        together = infra.duty_cycle(
            q["lifetime"], q["build_cost"] + q["build_cost_per_household"] * h.sum(), pledge.sum()
        )
        alone = infra.duty_cycle(q["lifetime"], q["build_cost"] + q["build_cost_per_household"] * h, pledge)
        averted = 0.5 * q["perceived_intensity"] * 0.8 * s.income_mean[idx]
        extra = protecting.expected_gains(form, (INFRASTRUCTURE,), members) - plain.expected_gains(
            form, (INFRASTRUCTURE,), members
        )
        np.testing.assert_allclose(extra, (together - alone) * averted, rtol=1e-10)
        assert (extra > 0).all()
