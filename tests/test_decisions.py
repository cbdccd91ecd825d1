"""The villages' decisions (sim/decisions.py): one source, compiled or plain Python.

The rules are compiled by Numba; ``NUMBA_DISABLE_JIT=1`` runs the very same functions
as plain Python (how a student steps through a decision). Both must give the same
run. And a village's own view (``Village.decide``) runs the same rule as the yearly
review of all villages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import VillageModel
from tests.golden.runs import run_case

ROOT = Path(__file__).resolve().parent.parent
# golden cases that exercise every branch of the decisions: forms, bundles, terms,
# exit penalties, a mandate, the twin
PLAIN_PYTHON_CASES = (
    "default, shock and twin",
    "long-term bundles",
    "temporary short terms and informal",
    "renewable formal with exit penalty",
    "imitate-best rule, services mandate",
)


def test_plain_python_run_equals_the_compiled_run():
    """The same scenarios stepped with NUMBA_DISABLE_JIT=1 give the same summaries and
    per-step tables as compiled (in a fresh process: the switch is read at import)."""
    script = (
        "import json, sys; from tests.golden.runs import run_case; from sim import decisions; "
        "assert type(decisions.review).__name__ == 'function', 'the rules should run uncompiled'; "
        "runs = {name: run_case(name) for name in sys.argv[1:]}; "
        "print(json.dumps({name: {k: v for k, v in run.items() if k != 'timeseries'} for name, run in runs.items()}))"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, *PLAIN_PYTHON_CASES], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    plain = json.loads(done.stdout)
    for name in PLAIN_PYTHON_CASES:
        compiled = run_case(name)  # on one machine: bit for bit (summary and the per-step table's hash)
        assert plain[name] == {k: v for k, v in compiled.items() if k != "timeseries"}, name


def test_kerjasama_run_works_as_plain_python(tmp_path):
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", "default", "--villages", "40", "--steps", "6", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "summary.json").read_text())["steps"] == 6


def test_the_explorer_model_steps_as_plain_python_too():
    """The explorer's model (sim/controls.py, what the page steps) under NUMBA_DISABLE_JIT=1
    gives the same years as compiled."""
    script = (
        "import json; from sim.controls import ExplorerModel; "
        "m = ExplorerModel('default', seed=7, n_villages=50); [m.step() for _ in range(6)]; "
        "print(json.dumps(m.timeseries().to_dict(orient='list')))"
    )
    runs = []
    for disable in ("1", "0"):
        env = {**os.environ, "NUMBA_DISABLE_JIT": disable}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    assert runs[0]["participation_services"][-1] > 0  # villages did decide something


@pytest.mark.parametrize("overrides", [{}, {"cooperation.forms": ["long_term", "temporary"]}])
def test_each_village_deciding_through_its_view_equals_the_yearly_review(overrides):
    """Village.decide, called village by village in the review's order, is the review."""
    overrides = {"shocks.scheduled": [], **overrides}
    by_model = VillageModel("default", rng=5, n_villages=70, steps=8, **overrides)
    by_view = VillageModel("default", rng=5, n_villages=70, steps=8, **overrides)

    def review_through_views(model=by_view):
        order, reviews, u = model.decision_draws()
        model.table.reserve(3 * model.state.n // 2 + 1)
        for i in order:
            domains = [int(d) for d in np.flatnonzero(reviews[i])]
            if domains:
                model.villages[i].decide(domains, u[i])

    by_view.review_partnerships = review_through_views
    by_model.run()
    by_view.run()
    assert by_model.ended or by_model.partnerships, "the case should exercise partnerships"
    assert by_model.timeseries().equals(by_view.timeseries())
    for name in ("partnership", "expected_gain", "wealth", "fund", "pledged", "host_distance", "tenure"):
        np.testing.assert_array_equal(getattr(by_model.state, name), getattr(by_view.state, name), err_msg=name)


def test_a_village_with_nothing_to_choose_does_nothing():
    m = VillageModel("default", rng=2, n_villages=30, steps=2, **{"cooperation.forms": []})
    village = m.villages[0]
    before = m.state.partnership.copy()
    village.consider_joining(0, 0.5)
    village.consider_leaving(0, 0.5)
    np.testing.assert_array_equal(m.state.partnership, before)
    assert not m.partnerships


@pytest.mark.parametrize("forms", [["formal"], ["long_term"], ["informal", "temporary"]])
def test_growing_a_group_incrementally_equals_asking_every_trial_group(forms):
    """grow_group keeps each member's sums from one trial to the next; the answer must be
    the one of the plain rule: propose to the ranked candidates in order, each joins if it
    is tied to all members so far and every member of the trial group accepts."""
    from sim import decisions, gains
    from sim.domains import DOMAIN_NAMES

    m = VillageModel("default", rng=3, n_villages=120, steps=6, **{"shocks.scheduled": [], "cooperation.forms": forms})
    m.run()  # learned gains, trust and identity away from their initial values
    V, _, E, F, P = m.records()
    g = gains.gain_inputs(V)
    tried = grown = 0
    for form in m.form_list:
        rule = F[form.index]
        for domain in form.domains:
            covered = np.zeros(3, dtype=bool)
            covered[list(form.covered_domains(domain))] = True
            for i in range(m.state.n):
                args = (g, E.indptr, E.cols, E.trust, E.corr, E.loss)
                ranked = decisions.candidates(
                    g,
                    V.partnership,
                    E.indptr,
                    E.cols,
                    E.distance,
                    E.trust,
                    E.corr,
                    E.loss,
                    P.services,
                    P,
                    rule,
                    covered,
                    i,
                )
                fast = decisions.grow_group(*args, E.reverse, P.services, P, rule, covered, i, ranked)
                group = [i]
                for c in ranked:
                    if len(group) >= rule.max_members:
                        break
                    trial = np.array([*group, c], dtype=np.int64)
                    tied = all(m.ties.edge(int(c), int(j)) >= 0 for j in group)
                    if tied and gains.group_accepts(*args, P.services, P, rule, covered, trial):
                        group.append(int(c))
                assert list(fast) == group, (form.name, DOMAIN_NAMES[domain], i)
                tried += 1
                grown += len(group) > 1
    assert tried > 100 and grown > 10  # the cases exercise real groups
