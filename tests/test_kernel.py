"""The compiled decisions (sim/kernel.py) against the readable rules (sim/agents.py).

``VillageModel(engine="python")`` runs Village.decide / consider_joining /
consider_leaving / seek_partners one village at a time in plain Python; the default
engine runs the same rules compiled. Both must give the same run, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import VillageModel
from sim.domains import AGRICULTURE, INFRASTRUCTURE, SERVICES, agriculture
from sim.domains import infrastructure as infra
from sim.domains import services as svc
from sim.shocks import shock_correlation

CASES = {
    "all forms": {},
    "formal only, low trust": {"cooperation.forms": ["formal"], "behaviour.initial_trust": 0.2},
    "long-term bundles": {"cooperation.forms": ["long_term"]},
    "temporary, short terms": {"cooperation.forms": ["temporary", "informal"], "forms.temporary.term": 2},
    "renewable formal with exit penalty": {
        "cooperation.forms": ["formal"],
        "forms.formal.term": 3,
        "forms.formal.exit_penalty": 0.5,
    },
    "reinforcement rule": {"behaviour.rule": "reinforcement"},
    "imitate-best rule, mandate": {"behaviour.rule": "imitate_best", "policy.mandate.services": "formal"},
    "equal cost split, hot logit": {"services.cost_split": "equal", "behaviour.temperature": 0.2},
}


def _run(engine: str, seed: int, **overrides) -> VillageModel:
    return VillageModel("default", rng=seed, n_villages=70, steps=12, engine=engine, **overrides).run()


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_decisions_equal_the_readable_rules(case):
    overrides = {"shocks.scheduled": [], **CASES[case]}
    fast, slow = _run("compiled", 5, **overrides), _run("python", 5, **overrides)
    assert fast.ended or fast.partnerships, "the case should exercise partnerships"
    assert fast.timeseries().equals(slow.timeseries())
    for name in ("partnership", "expected_gain", "wealth", "fund", "pledged", "host_distance", "tenure"):
        np.testing.assert_array_equal(getattr(fast.state, name), getattr(slow.state, name), err_msg=name)
    made = int(fast.table.next_pid[0])
    assert made == int(slow.table.next_pid[0])
    for name in ("form", "alive", "size", "members", "years", "reason", "fund"):
        np.testing.assert_array_equal(getattr(fast.table, name)[:made], getattr(slow.table, name)[:made])


def test_engines_agree_with_a_scheduled_shock_and_its_counterfactual():
    fast, slow = _run("compiled", 9), _run("python", 9)
    assert fast.counterfactual is not None and fast.counterfactual.engine == "compiled"
    assert slow.counterfactual.engine == "python"
    assert fast.summary() == slow.summary()


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        VillageModel("default", rng=1, n_villages=10, engine="fortran")


def _reference_gains(m: VillageModel, form, covered, members) -> np.ndarray:
    """The expected gains of a group written directly with arrays over its members,
    from the domain formulas: what kernel.group_gains must compute."""
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
    compliance = mean_trust + (1 - mean_trust) * form.enforced_compliance
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
            a["marketing_share"],
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
            q["build_cost"],
            q["lifetime"],
            q["upkeep"],
            pledges,
            pledges.sum(),
            h / h.sum(),
            h,
            benefit,
            compliance,
        )
    costs = (m.running_cost(form) + m.setup_cost(form) / m.amortisation) / h
    return gains - costs


@pytest.mark.parametrize("covered", [(AGRICULTURE,), (SERVICES,), (INFRASTRUCTURE,), (0, 1, 2)])
def test_group_gains_equal_the_domain_formulas_over_members(covered):
    m = _run("compiled", 3, **{"shocks.scheduled": []})
    rng = np.random.default_rng(0)
    for form in m.form_list:
        for k in (2, 3, 5):
            members = [int(v) for v in rng.choice(m.state.n, size=k, replace=False)]
            np.testing.assert_allclose(
                m.expected_gains(form, covered, members), _reference_gains(m, form, covered, members), rtol=1e-10
            )


def test_twin_started_at_the_shock_equals_a_twin_stepped_from_the_start(monkeypatch):
    """The counterfactual twin is the same run as its model until the scheduled shock,
    so the model copies itself into the twin then instead of stepping both from step 1."""
    overrides = {"shocks.scheduled": [{"kind": "drought", "step": 6, "duration": 2, "intensity": 0.8, "district": 1}]}
    forked = VillageModel("default", rng=4, n_villages=70, steps=12, **overrides).run()
    monkeypatch.setattr(VillageModel, "FORK_TWIN", False)
    stepped = VillageModel("default", rng=4, n_villages=70, steps=12, **overrides).run()
    assert forked.counterfactual.forked and stepped.counterfactual.forked
    assert forked.timeseries().equals(stepped.timeseries())
    assert forked.summary() == stepped.summary()
    twin, reference = forked.counterfactual, stepped.counterfactual
    for name in ("consumption", "partnership", "wealth", "expected_gain"):
        np.testing.assert_array_equal(getattr(twin.state, name), getattr(reference.state, name))
    # the shock made a difference, so the twin is not merely the model itself
    assert not np.array_equal(forked.state.consumption, twin.state.consumption)


def test_mean_identity_kept_up_to_date_equals_the_mean_over_all_ties():
    m = _run("compiled", 2, **{"shocks.scheduled": [], "cooperation.forms": ["long_term", "formal"]})
    scale = m.params["cooperation"]["identity"]["scale_steps"]
    direct = np.mean(1.0 - np.exp(-m.ties.years_together / scale))
    assert direct > 0.0
    assert m.timeseries()["mean_identity"].iloc[-1] == pytest.approx(direct, rel=1e-9)


def test_an_error_in_the_twin_thread_surfaces_in_the_model():
    m = VillageModel("default", rng=1, n_villages=40, steps=25)

    def broken(*args):
        raise ValueError("twin failed")

    m.counterfactual.decide_contributions = broken
    with pytest.raises(ValueError, match="twin failed"):
        m.run()
    assert m.steps == m.shock_step  # the twin starts (and fails) at the shock


# --- the tables and passes that replace numpy expressions ---------------------------------
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


def test_partner_means_equal_the_sums_over_partner_ties():
    from sim import kernel

    m = _run("compiled", 3, **{"shocks.scheduled": []})
    s, t = m.state, m.ties
    scale = float(m.params["cooperation"]["identity"]["scale_steps"])
    for d in range(3):
        same = kernel.partner_edges(t.indptr, t.cols, s.partnership)[d]
        assert same.size > 0
        count, signal, identity = kernel.partner_means(
            t.rows, t.cols, same, t.trust, s.contributed[:, d], t.years_together, scale, s.n
        )
        partners = np.bincount(t.rows[same], minlength=s.n)
        np.testing.assert_array_equal(count, partners)
        weighted = np.bincount(t.rows[same], weights=t.trust[same] * s.contributed[t.cols[same], d], minlength=s.n)
        level = np.bincount(t.rows[same], weights=1.0 - np.exp(-t.years_together[same] / scale), minlength=s.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.testing.assert_allclose(signal, np.where(partners > 0, weighted / partners, 0.0), rtol=1e-12)
            np.testing.assert_allclose(identity, np.where(partners > 0, level / partners, 0.0), rtol=1e-12)


def test_any_neighbour_equals_a_brute_force_search():
    from scipy.spatial import cKDTree

    from sim import kernel

    m = VillageModel("default", rng=6, n_villages=150, steps=1)
    s = m.state
    flag = np.random.default_rng(0).random(s.n) < 0.1
    radius = m.params["infrastructure"]["spillover_radius_km"]
    pairs = cKDTree(np.column_stack([s.x, s.y])).query_pairs(radius, output_type="ndarray")
    expected = np.zeros(s.n, dtype=bool)
    expected[pairs[:, 0][flag[pairs[:, 1]]]] = True
    expected[pairs[:, 1][flag[pairs[:, 0]]]] = True
    np.testing.assert_array_equal(kernel.any_neighbour(*m._spillover, flag), expected)


def test_villages_are_numbered_along_space_keeping_their_draws():
    from sim.model import morton_order

    m = VillageModel("default", rng=8, n_villages=400, steps=1)
    s, t = m.state, m.ties
    area = m.params["landscape"]["area_km"]
    np.testing.assert_array_equal(morton_order(s.x, s.y, area), np.arange(s.n))  # already in that order
    # partners-to-be (tied villages) are close in number: far closer than in a random numbering
    gap = np.abs(t.rows.astype(np.int64) - t.cols).mean()
    assert gap < s.n / 8
    # renumbering moves whole villages: each still lies around its own district's centre
    spread = m.params["landscape"]["district_spread_km"]
    for d in range(m.params["landscape"]["n_districts"]):
        inside = s.district == d
        assert np.std(s.x[inside]) < 2 * spread and np.std(s.y[inside]) < 2 * spread
    sizes = np.bincount(s.district)
    assert sizes.max() - sizes.min() <= 1  # districts are still equal-sized
