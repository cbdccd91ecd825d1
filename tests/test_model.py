"""The whole model (sim/model.py): the public API, reproducibility, common random numbers,
Mesa integration, and what cooperation and each of its benefits do to welfare in a run."""

from __future__ import annotations

import json
import subprocess
import sys

import mesa
import numpy as np
import pytest

from sim import VillageModel
from tests.conftest import run_small

SUMMARY_KEYS = [
    "welfare.mean_consumption",
    "welfare.mean_utility",
    "welfare.gini",
    "welfare.poverty_rate",
    "welfare.food_insecurity_rate",
    "efficiency.service_cost_per_household",
    "resilience.resistance",
    "resilience.recovered",
    "resilience.recovery_steps",
    "resilience.loss",
    "resilience.robustness",
    "resilience.cvar5",
    "cooperation.participation.agriculture",
    "cooperation.participation.services",
    "cooperation.participation.infrastructure",
    "cooperation.partnerships.formal",
    "cooperation.partnerships.informal",
    "cooperation.partnerships.long_term",
    "cooperation.partnerships.temporary",
    "cooperation.contribution_rate",
    "cooperation.mean_trust",
]
COLUMNS = [
    "step",
    "mean_consumption",
    "gini",
    "poverty_rate",
    "participation_agriculture",
    "participation_services",
    "participation_infrastructure",
    "partnerships_formal",
    "partnerships_informal",
    "partnerships_long_term",
    "partnerships_temporary",
    "contribution_rate",
    "mean_trust",
    "shock_intensity",
]


def test_public_api_example():
    m = VillageModel(
        scenario="india_sustainable_agriculture", rng=42, n_villages=60, steps=40, **{"forms.formal.enforcement": 0.9}
    )
    m.run()
    assert m.steps == 40 and not m.running
    summary = m.summary()
    for key in SUMMARY_KEYS:
        assert key in summary
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 41
    assert list(df["step"]) == list(range(41))
    for column in COLUMNS:
        assert column in df.columns
    assert df.loc[0, "partnerships_formal"] == 0  # step 0 is the initial state


def test_summary_types_with_and_without_a_scheduled_shock():
    shocked = run_small(2, steps=30).summary()
    assert isinstance(shocked["resilience.recovered"], bool)
    assert shocked["resilience.recovery_steps"] is None or isinstance(shocked["resilience.recovery_steps"], int)
    assert 0 < shocked["resilience.resistance"] <= 1.5
    calm = run_small(2, steps=30, **{"shocks.scheduled": []}).summary()
    for key in ("resistance", "recovered", "recovery_steps", "loss", "robustness"):
        assert calm[f"resilience.{key}"] is None
    assert calm["resilience.cvar5"] is not None  # downside risk under background shocks is always measured


def test_scheduled_shock_is_measured_against_the_same_run_without_it():
    m = run_small(4, steps=30)
    df = m.timeseries()
    before = df["step"] < m.shock_step
    assert np.array_equal(df.loc[before, "mean_consumption"], df.loc[before, "counterfactual_mean_consumption"])
    at = df["step"] == m.shock_step
    assert float(df.loc[at, "affected_mean_consumption"].iloc[0]) < float(
        df.loc[at, "counterfactual_affected_mean_consumption"].iloc[0]
    )
    twin = VillageModel("default", rng=4, n_villages=60, steps=30, **{"shocks.scheduled": []})
    twin.run()
    assert np.array_equal(twin.timeseries()["mean_consumption"], df["counterfactual_mean_consumption"])


def test_same_seed_same_outputs():
    a, b = run_small(7), run_small(7)
    assert a.summary() == b.summary()
    assert a.timeseries().equals(b.timeseries())
    c = run_small(8)
    assert c.summary() != a.summary()


def test_same_seed_in_a_fresh_process():
    code = (
        "import json; from sim import VillageModel; "
        "m = VillageModel('default', rng=7, n_villages=60, steps=20); m.run(); "
        "print(json.dumps(m.summary(), sort_keys=True))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    here = json.loads(json.dumps(run_small(7).summary(), sort_keys=True))
    assert json.loads(out) == here


def test_common_random_numbers_across_scenarios():
    """Two scenarios with the same seed face the same villages and the same shocks."""
    a = run_small(11, steps=15)
    b = run_small(11, "autarky", steps=15)
    for name in ("x", "y", "households", "land", "district", "threshold", "risk_aversion"):
        assert np.array_equal(getattr(a.state, name), getattr(b.state, name))
    assert np.array_equal(a.timeseries()["shock_intensity"], b.timeseries()["shock_intensity"])
    assert np.array_equal(a.timeseries()["fires"], b.timeseries()["fires"])
    assert not np.array_equal(a.timeseries()["mean_consumption"], b.timeseries()["mean_consumption"])


def test_batch_run_unmodified():
    rows = mesa.batch_run(
        VillageModel,
        parameters={"scenario": "default", "n_villages": [20, 40]},
        rng=[1, 2, 3],
        max_steps=20,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 6
    again = mesa.batch_run(
        VillageModel,
        parameters={"scenario": "default", "n_villages": [20, 40]},
        rng=[1, 2, 3],
        max_steps=20,
        number_processes=1,
        display_progress=False,
    )
    assert rows == again
    by_seed = {(r["n_villages"], r["rng"]): r["mean_consumption"] for r in rows}
    assert by_seed[(20, 1)] != by_seed[(20, 2)]
    assert all(r["Step"] == 20 for r in rows)


def test_cooperation_off_equals_autarky_and_forms_change_nothing():
    """The forms allowed and their parameters, with no domain open to cooperation, give
    every village the trajectory of the autarky scenario (no forms at all); so do other
    parameters of the forms (tests/test_mechanisms.py switches cooperation off in two more ways)."""
    autarky = run_small(5, "autarky")
    off = run_small(5, **{"cooperation.domains": []})
    tweaked = run_small(
        5,
        **{
            "cooperation.domains": [],
            "forms.formal.enforcement": 0.1,
            "forms.informal.running_cost": 9.0,
            "forms.temporary.term": 1,
        },
    )
    assert off.form_list and len(autarky.form_list) == 0
    for other in (autarky, tweaked):
        assert np.array_equal(off.state.consumption, other.state.consumption)
        assert np.array_equal(off.state.wealth, other.state.wealth)
        assert off.timeseries().equals(other.timeseries())
    assert not off.partnerships and not off.ended
    assert off.summary()["cooperation.contribution_rate"] == 0.0


def test_cooperation_shows_up_in_welfare():
    """All forms allowed versus autarky, same seeds (paired): higher utility and consumption."""
    gains = []
    for seed in (1, 2, 3):
        coop = run_small(seed, n_villages=80, steps=25, **{"shocks.scheduled": []}).summary()
        alone = run_small(seed, "autarky", n_villages=80, steps=25, **{"shocks.scheduled": []}).summary()
        gains.append(
            (
                coop["welfare.mean_utility"] - alone["welfare.mean_utility"],
                coop["welfare.mean_consumption"] - alone["welfare.mean_consumption"],
            )
        )
    gains = np.array(gains)
    assert (gains > 0).all()


@pytest.mark.parametrize(
    "switch_off",
    [
        {"cooperation.capacity.spill_rate": 0.0},  # (innovation is off in both arms, below)
        {"cooperation.innovation.diversity_rate": 0.0},
        {"services.coordination_overhead": 1.0},  # sharing a service saves nothing
        {"cooperation.identity.cost_discount": 0.0, "cooperation.identity.threshold_discount": 0.0},
    ],
    ids=["capacity", "innovation", "efficiency", "identity"],
)
def test_each_benefit_contributes_to_welfare(switch_off):
    """Switching one benefit off lowers welfare (paired seeds, same villages and shocks;
    tests/test_mechanisms.py checks capacity and innovation at the defaults, with margins)."""
    on, off = [], []
    for seed in (1, 2, 3):
        common = {"shocks.scheduled": [], "behaviour.rule": "always_cooperate"}
        if "cooperation.identity.cost_discount" in switch_off:  # identity acts through conditional cooperation
            common["behaviour.rule"] = "conditional"
        if "services.coordination_overhead" in switch_off:  # services alone: no knock-on effects on other domains
            common["cooperation.domains"] = ["services"]
        on.append(run_small(seed, n_villages=80, steps=25, **common).summary()["welfare.mean_utility"])
        off.append(run_small(seed, n_villages=80, steps=25, **common, **switch_off).summary()["welfare.mean_utility"])
    assert np.mean(on) > np.mean(off)


def test_villages_are_mesa_agents_and_partnerships_match_the_village_arrays():
    from sim.agents import Village

    m = run_small(3, steps=5)
    assert len(m.agents_by_type[Village]) == 60
    assert m.partnerships, "some partnerships should exist after 5 steps"
    for pid, p in m.partnerships.items():  # the table and the villages' arrays tell the same story
        assert p.size >= 2 and len(set(p.members)) == p.size
        for d in p.domains:
            assert (m.state.partnership[p.members, d] == pid).all()
    in_any = {(i, d) for p in m.partnerships.values() for i in p.members for d in p.domains}
    assert in_any == {(int(i), int(d)) for i, d in zip(*np.nonzero(m.state.partnership >= 0), strict=True)}
    village = m.villages[0]
    assert village.households == m.state.households[0]
    assert all(village.partnership(d) is None or 0 in village.partnership(d).members for d in range(3))


def _summary_of(seed: int) -> dict:
    return run_small(seed, steps=10).summary()


def test_same_results_in_worker_processes():
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = list(pool.map(_summary_of, [1, 2]))
    assert remote == [_summary_of(1), _summary_of(2)]


def test_summary_keys_nest_cleanly():
    """No key is both a value and a prefix of another (the dotted keys form a tree)."""
    keys = list(run_small(1, steps=6).summary())
    assert not [a for a in keys for b in keys if b.startswith(a + ".")]


def test_shock_draws_made_ahead_equal_draws_made_on_demand():
    ahead, on_demand = (VillageModel("default", rng=5, n_villages=60) for _ in range(2))
    ahead.environment.prefetch(4)
    drawn_ahead, drawn_now = ahead.environment.draw(4), on_demand.environment.draw(4)
    np.testing.assert_array_equal(drawn_ahead.crop, drawn_now.crop)
    np.testing.assert_array_equal(drawn_ahead.fire, drawn_now.fire)
    assert drawn_ahead.price == drawn_now.price
