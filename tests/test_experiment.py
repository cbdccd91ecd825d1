"""An experiment once read (sim/sweep/experiment.py): its runs, their paired seeds and overrides."""

from __future__ import annotations

from sim.sweep.design import load_experiment
from sim.sweep.experiment import Experiment, replicate_seed, sizes


def test_replicate_seeds_are_paired_across_arms_and_recorded():
    exp = load_experiment("partnership_forms", quick=True)
    by_replicate: dict[int, set[int]] = {}
    for run in exp.runs():
        by_replicate.setdefault(run.replicate, set()).add(run.seed)
        assert run.seed == replicate_seed(exp.seed, run.replicate)
    assert all(len(seeds) == 1 for seeds in by_replicate.values())
    assert len({next(iter(s)) for s in by_replicate.values()}) == exp.replicates
    assert replicate_seed(1, 0) != replicate_seed(2, 0)


def test_runs_cross_points_and_replicates_with_the_experiment_s_steps():
    points = [
        {"arm": arm, "condition": "", "factors": {}, "overrides": {"forms.formal.enforcement": value}}
        for arm, value in (("low", 0.1), ("high", 0.9))
    ]
    exp = Experiment("t", "", "default", "arms", 3, 7, 5, ["welfare.mean_consumption"], "low", {}, points=points)
    exp._base = "the loaded base scenario"  # what workers receive with each run (not loaded here)
    runs = exp.runs()
    assert sizes(exp) == (2, 6) and len(runs) == 6
    assert [r.run_id for r in runs[:4]] == ["p0000-r000", "p0000-r001", "p0000-r002", "p0001-r000"]
    assert runs[4].arm == "high" and runs[4].overrides == {"forms.formal.enforcement": 0.9, "steps": 5}
    assert runs[1].seed == runs[4].seed == replicate_seed(7, 1) and runs[0].scenario == "the loaded base scenario"
    assert exp.describe()["runs"] == 6
