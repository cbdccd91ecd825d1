"""Contribution rules (sim/behaviour.py) and enforcement; formal versus informal."""

from __future__ import annotations

import numpy as np

from sim import behaviour
from tests.conftest import run_small


def _contribution(seed: int = 21, **overrides) -> tuple[float, float, float]:
    m = run_small(seed, n_villages=80, steps=25, **{"shocks.scheduled": [], **overrides})
    df = m.timeseries()
    active = df[df["partnerships_total"] > 0]
    return (
        float(df["contribution_rate"].iloc[1:].mean()),
        float(active["contribution_rate"].head(3).mean()),
        float(active["contribution_rate"].tail(5).mean()),
    )


def test_strong_enforcement_raises_contributions():
    base = {"cooperation.forms": ["formal"], "behaviour.initial_trust": 0.3}
    seeds = (21, 22, 23)  # one run's rate without enforcement varies by about +-0.1
    strong = np.mean(
        [_contribution(s, **base, **{"forms.formal.enforcement": 1.0, "forms.formal.fine": 2.0})[0] for s in seeds]
    )
    none = np.mean(
        [_contribution(s, **base, **{"forms.formal.enforcement": 0.0, "forms.formal.fine": 0.0})[0] for s in seeds]
    )
    assert strong > 0.9
    assert strong > none + 0.15


def test_without_enforcement_or_trust_informal_contributions_decay():
    """No trust and no enforcement: villages that open in good faith stop contributing
    after the first year (a hand-built case); at the defaults, where new members open on
    trust (behaviour.opening = "trust"), informal groups without trust see contributions
    only by mistake (about the error rate), while enforcement keeps the formal agreement's
    members contributing."""
    from sim.domains import AGRICULTURE
    from tests.conftest import isolated_model

    m = isolated_model(
        **{
            "cooperation.forms": ["informal"],
            "behaviour.initial_trust": 0.0,
            "behaviour.initial_trust_sd": 0.0,
            "behaviour.opening": "good_faith",
            "forms.informal.term": 0,
        }
    )
    for start in range(0, 30, 5):
        m.form_partnership(m.forms["informal"], (AGRICULTURE,), list(range(start, start + 5)))
    rates = []
    for _ in range(3):
        m.step()
        rates.append(m.timeseries()["contribution_rate"].iloc[-1])
    assert rates[0] > 0.9  # everybody opens with good faith...
    assert rates[1] < 0.1  # ...and without trust or enforcement nobody keeps contributing
    no_trust = {"behaviour.initial_trust": 0.0, "shocks.scheduled": []}
    informal = [
        run_small(seed, n_villages=100, steps=20, **{**no_trust, "cooperation.forms": ["informal"]}).summary()
        for seed in range(21, 29)
    ]
    formal = [
        run_small(seed, n_villages=100, steps=20, **{**no_trust, "cooperation.forms": ["formal"]}).summary()
        for seed in range(21, 29)
    ]
    error_rate = 0.02  # behaviour.error_rate in scenarios/default.toml
    assert np.mean([s["cooperation.contribution_rate"] for s in informal]) < 2 * error_rate
    assert np.mean([s["cooperation.contribution_rate"] for s in formal]) > 0.9


def test_rules_do_what_they_say():
    assert not behaviour.conditional_cooperation(
        np.array([0.4]), np.array([0.5]), np.array([0.0]), 0.5, np.array([False])
    )[0]  # noqa: E712
    assert behaviour.conditional_cooperation(np.array([0.4]), np.array([0.5]), np.array([0.5]), 0.5, np.array([False]))[
        0
    ]
    assert behaviour.conditional_cooperation(np.array([0.0]), np.array([0.9]), np.array([0.0]), 0.5, np.array([True]))[
        0
    ]
    assert behaviour.conditional_cooperation(
        np.array([0.0]), np.array([0.9]), np.array([0.0]), 0.5, np.array([False]), np.array([True])
    )[0]
    assert behaviour.reinforcement(np.array([1.0]), np.array([0.0]), 0.01, np.array([0.99]))[0]
    assert behaviour.imitate_best(np.array([False]), np.array([0.0]), np.array([1.0]), np.array([True]))[0]
    assert behaviour.logit_choice(np.array([0.0, 10.0]), 1e-3, 0.0) == 1
    cooperate = run_small(2, steps=10, **{"behaviour.rule": "always_cooperate", "behaviour.error_rate": 0.0}).summary()
    defect = run_small(2, steps=10, **{"behaviour.rule": "always_defect", "behaviour.error_rate": 0.0}).summary()
    assert cooperate["cooperation.contribution_rate"] == 1.0
    assert defect["cooperation.contribution_rate"] == 0.0
