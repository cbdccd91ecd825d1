"""The EMA Workbench connector (sim/ema.py): names map to EMA identifiers and back exactly,
parameters take their kind and range from the scenario schema, outcomes are run-summary
measures, and every replication has a recorded seed that remakes its run."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import ScenarioError
from sim.ema import as_scenario_keys, ema_model, ema_name, scenario_key
from sim.model import VillageModel
from sim.scenario import flatten, load_scenario
from sim.sweep.experiment import replicate_seed

ema_workbench = pytest.importorskip("ema_workbench")
ROOT = Path(__file__).resolve().parent.parent


def scenario_keys() -> list[str]:
    return sorted(flatten(load_scenario("default").params))


def test_every_scenario_key_maps_to_an_identifier_and_back():
    keys = scenario_keys()
    assert len(keys) > 100
    names = [ema_name(k) for k in keys]
    assert all(n.isidentifier() for n in names)
    assert len(set(names)) == len(keys), "two keys may not share an EMA name"
    assert [scenario_key(n) for n in names] == keys


@given(st.lists(st.from_regex(r"[a-z][a-z0-9]*(_[a-z0-9]+)?", fullmatch=True), min_size=1, max_size=5))
def test_the_mapping_is_exact_both_ways_for_any_dotted_key(parts):
    key = ".".join(parts)
    assert scenario_key(ema_name(key)) == key


def test_a_key_with_a_double_underscore_is_refused():
    with pytest.raises(ScenarioError, match="has no '__'"):
        ema_name("forms.a__b.enforcement")


def test_parameters_take_kind_and_range_from_the_schema():
    model = ema_model(
        "default",
        uncertainties=["behaviour.initial_trust", "forms.temporary.term", "behaviour.rule", "economy.allow_debt"],
        levers=[("forms.formal.enforcement", 0.2, 0.9), ("behaviour.opening", ["trust", "good_faith"])],
        outcomes=["welfare.mean_utility", "welfare.poverty_rate", "cooperation.partnerships.formal"],
    )
    by_name = {p.name: p for p in [*model.uncertainties, *model.levers]}
    trust = by_name["behaviour__initial_trust"]
    assert isinstance(trust, ema_workbench.RealParameter) and (trust.lower_bound, trust.upper_bound) == (0.0, 1.0)
    term = by_name["forms__temporary__term"]
    assert isinstance(term, ema_workbench.IntegerParameter)
    rule = by_name["behaviour__rule"]
    assert isinstance(rule, ema_workbench.CategoricalParameter)
    assert [c.value for c in rule.categories] == [
        "conditional",
        "always_cooperate",
        "always_defect",
        "reinforcement",
        "imitate_best",
    ]
    assert isinstance(by_name["economy__allow_debt"], ema_workbench.BooleanParameter)
    enforcement = by_name["forms__formal__enforcement"]
    assert (enforcement.lower_bound, enforcement.upper_bound) == (0.2, 0.9)
    kinds = {o.name: o.kind for o in model.outcomes}
    assert kinds == {
        "welfare__mean_utility": ema_workbench.ScalarOutcome.MAXIMIZE,
        "welfare__poverty_rate": ema_workbench.ScalarOutcome.MINIMIZE,
        "cooperation__partnerships__formal": ema_workbench.ScalarOutcome.INFO,
    }


def test_money_ranges_are_in_the_scenarios_own_currency():
    default = ema_model("default", uncertainties=["forms.formal.setup_cost"]).uncertainties[0]
    idr = ema_model("indonesia_kerjasama_antar_desa", uncertainties=["forms.formal.setup_cost"]).uncertainties[0]
    line = load_scenario("indonesia_kerjasama_antar_desa").params["economy"]["poverty_line"]
    assert line > 1
    assert idr.lower_bound == pytest.approx(default.lower_bound * line)
    assert idr.upper_bound == pytest.approx(default.upper_bound * line)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"uncertainties": ["behaviour.intial_trust"]}, r"behaviour.intial_trust: not a key .*did you mean"),
        ({"uncertainties": [("behaviour.initial_trust", 0.9, 0.1)]}, r"low < high"),
        ({"uncertainties": ["name"]}, r"free text; give its categories"),
        ({"uncertainties": ["behaviour.initial_trust"], "levers": ["behaviour.initial_trust"]}, r"given twice"),
        ({"outcomes": ["welfare.mean_utilty"]}, r"not a run-summary measure.*did you mean"),
        ({"replications": 0}, r"replications: a whole number >= 1"),
    ],
)
def test_bad_arguments_get_one_line(kwargs, message):
    with pytest.raises(ScenarioError, match=message) as raised:
        ema_model("default", **kwargs)
    assert "\n" not in str(raised.value)


def test_replications_have_recorded_seeds_that_remake_their_runs():
    model = ema_model(
        "default",
        uncertainties=[("behaviour.initial_trust", 0.2, 0.8)],
        levers=[("forms.formal.enforcement", 0.1, 0.9)],
        outcomes=["welfare.mean_utility", "welfare.poverty_rate"],
        replications=2,
        seed=5,
        steps=6,
        n_villages=16,
    )
    assert model.seeds == [replicate_seed(5, 0), replicate_seed(5, 1)]
    with ema_workbench.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=3, policies=1)
    experiments = as_scenario_keys(experiments)
    assert "behaviour.initial_trust" in experiments.columns
    for i, row in experiments.iterrows():
        made = []
        for seed in model.seeds:
            run = VillageModel(
                "default",
                rng=seed,
                steps=6,
                n_villages=16,
                **{k: row[k] for k in ("behaviour.initial_trust", "forms.formal.enforcement")},
            )
            run.run()
            made.append(run.summary())
        assert made[0] != made[1], "the replications are different runs"
        for key in ("welfare.mean_utility", "welfare.poverty_rate"):
            assert outcomes[ema_name(key)][i] == np.mean([m[key] for m in made])


def test_the_documented_example_runs_and_prim_names_boxes():
    text = (ROOT / "docs" / "robustness.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    scope: dict = {}
    exec(compile(code, "docs/robustness.md", "exec"), scope)
    limits = scope["box"].inspect(style="data")[0][1]
    assert set(limits.index) <= {u.name for u in scope["model"].uncertainties} and len(limits.index) >= 1
    assert list(scope["as_scenario_keys"](scope["experiments"]).columns[:3]) == [
        "shocks.drought.severity",
        "behaviour.initial_trust",
        "cooperation.search_radius_km",
    ]


def test_a_list_key_is_a_lever_over_the_lists_given():
    model = ema_model(
        "default",
        uncertainties=[("behaviour.initial_trust", 0.3, 0.7)],
        levers=[("cooperation.forms", [[], ["formal"]])],
        outcomes=["cooperation.partnerships.formal"],
        replications=1,
        steps=6,
        n_villages=16,
    )
    with ema_workbench.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=2, policies=2)
    formal = outcomes["cooperation__partnerships__formal"]
    chosen = [tuple(v) for v in experiments["cooperation__forms"]]
    assert set(chosen) == {(), ("formal",)}
    assert all((f > 0) == (c == ("formal",)) for f, c in zip(formal, chosen, strict=True))
