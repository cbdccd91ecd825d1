"""The robustness design (design = "robustness"; sim/sweep/robustness.py, sim/report/robustness.py):
policies crossed with sampled worlds under common random numbers; win shares, regret and the
robust choices; PRIM failure boxes that find a planted region and nothing in noise; the same
results on any executor and after kill -9 and resume; a report that opens with the answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import ScenarioError
from sim.sweep import robustness as rb
from sim.sweep.design import load_experiment
from sim.sweep.orchestrate import run_sweep
from sim.sweep.runner import Execution

pytest.importorskip("ema_workbench")
pytest.importorskip("SALib")
ROOT = Path(__file__).resolve().parent.parent

TINY = """
name = "tiny_robustness"
scenario = "default"
design = "robustness"
samples = {samples}
replicates = {replicates}
seed = 3
steps = {steps}
reference = "autarky"
metrics = ["welfare.mean_utility", "welfare.poverty_rate"]
{extra}
[set]
"landscape.n_villages" = {villages}
[ranges]
"behaviour.initial_trust" = [0.2, 0.8]
"shocks.drought.severity" = [0.1, 0.8]
[[arms]]
name = "autarky"
label = "No cooperation"
set = {{ "cooperation.forms" = [] }}
[[arms]]
name = "formal"
label = "Formal agreements"
set = {{ "cooperation.forms" = ["formal"] }}
[[arms]]
name = "informal"
label = "Informal working groups"
set = {{ "cooperation.forms" = ["informal"] }}
"""


def tiny(tmp_path: Path, samples=4, replicates=2, steps=5, villages=16, extra="", name="tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(TINY.format(samples=samples, replicates=replicates, steps=steps, villages=villages, extra=extra))
    return path


# ------------------------------------------------------------------ the design


def test_every_policy_runs_in_every_world_with_common_random_numbers(tmp_path):
    exp = load_experiment(tiny(tmp_path, samples=5, replicates=3))
    assert exp.design == "robustness" and exp.objective == "welfare.mean_utility"
    runs = exp.runs()
    assert len(runs) == 5 * 3 * 3
    frame = pd.DataFrame(
        [{"world": r.condition, "arm": r.arm, "replicate": r.replicate, "seed": r.seed, **r.factors} for r in runs]
    )
    assert frame.groupby("world")["arm"].nunique().eq(3).all()
    # a world is the same values under every policy, and differs from the other worlds
    per_world = frame.groupby("world")[["behaviour.initial_trust", "shocks.drought.severity"]].nunique()
    assert (per_world == 1).all().all()
    assert frame.drop_duplicates("world")["behaviour.initial_trust"].nunique() == 5
    # replicate r has one seed everywhere: policies and worlds are compared on the same draws
    assert (frame.groupby("replicate")["seed"].nunique() == 1).all()
    assert frame["seed"].nunique() == 3
    forms = {r.arm: r.overrides["cooperation.forms"] for r in runs}
    assert forms == {"autarky": [], "formal": ["formal"], "informal": ["informal"]}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('objective = "welfare.gini"', r"objective: must be one of the metrics"),
        ("[[conditions]]\nname = 'x'\nset = {}", r"conditions: not used by design 'robustness'"),
        ("[factors]\n'behaviour.initial_trust' = [0.1]", r"factors: not used by design 'robustness'"),
    ],
)
def test_bad_robustness_files_get_one_line(tmp_path, extra, message):
    with pytest.raises(ScenarioError, match=message) as raised:
        load_experiment(tiny(tmp_path, extra=extra))
    assert "\n" not in str(raised.value)


def test_the_objective_needs_a_better_direction(tmp_path):
    path = tmp_path / "goal.toml"
    path.write_text(
        tiny(tmp_path)
        .read_text()
        .replace('metrics = ["welfare.mean_utility"', 'metrics = ["cooperation.partnerships.formal"')
    )
    with pytest.raises(ScenarioError, match=r"metrics.0: 'cooperation.partnerships.formal' is neither better higher"):
        load_experiment(path)


def test_a_policy_may_not_set_an_uncertainty(tmp_path):
    text = (
        tiny(tmp_path)
        .read_text()
        .replace(
            'set = { "cooperation.forms" = ["formal"] }',
            'set = { "cooperation.forms" = ["formal"], "behaviour.initial_trust" = 0.9 }',
        )
    )
    path = tmp_path / "clash.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"arms.1.set.behaviour.initial_trust: is also an uncertainty"):
        load_experiment(path)


def test_the_shipped_experiment_loads_and_its_quick_variant_is_small():
    full = load_experiment(ROOT / "experiments" / "robustness.toml")
    quick = load_experiment(ROOT / "experiments" / "robustness.toml", quick=True)
    assert full.reference == "autarky" and len(full.arms) >= 5 and len(full.ranges) >= 6
    assert len(quick.runs()) <= 600, "the quick variant must run in under 3 minutes on 2 cores"


# ------------------------------------------------------------------ the numbers


def world_frame(values: dict[str, list[float]], better_is_lower=False) -> pd.DataFrame:
    rows = []
    for policy, column in values.items():
        for w, v in enumerate(column):
            rows.append({"condition": rb.world_name(w), "arm": policy, "m": v})
    return pd.DataFrame(rows)


def test_regret_is_the_shortfall_from_the_best_policy_of_each_world():
    table = world_frame({"a": [1.0, 2.0, 3.0], "b": [2.0, 1.0, 3.5], "c": [1.5, 1.9, 0.0]})
    regrets = rb.regret(table, "m", "higher", ["a", "b", "c"])
    np.testing.assert_allclose(regrets.to_numpy(), [[1.0, 0.0, 0.5], [0.0, 1.0, 0.1], [0.5, 0.0, 3.5]])
    choice = rb.regret_summary(regrets)
    assert choice.minimax == "a"  # largest regrets: a 1.0, b 1.0 (tie: first), c 3.5
    lower = rb.regret(table, "m", "lower", ["a", "b", "c"])
    np.testing.assert_allclose(lower.loc["w002"].to_numpy(), [3.0, 3.5, 0.0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(-5, 5), min_size=3, max_size=3), min_size=1, max_size=12))
def test_regret_is_never_negative_and_zero_for_some_policy_in_every_world(rows):
    values = np.array(rows)
    table = world_frame({p: list(values[:, i]) for i, p in enumerate("abc")})
    regrets = rb.regret(table, "m", "higher", list("abc"))
    assert (regrets.to_numpy() >= 0).all()
    assert (regrets.min(axis=1) == 0).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.integers(1, 60))
def test_win_share_intervals_stay_inside_zero_one(wins, extra):
    worlds = wins + extra - 1 if wins + extra - 1 >= wins else wins
    worlds = max(worlds, 1)
    wins = min(wins, worlds)
    low, high = rb.wilson(wins, worlds)
    assert 0.0 <= low <= wins / worlds <= high <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.data(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_interval_is_scipys(worlds, data, confidence):
    from scipy import stats

    wins = data.draw(st.integers(0, worlds))
    ci = stats.binomtest(wins, worlds).proportion_ci(confidence_level=confidence, method="wilson")
    assert rb.wilson(wins, worlds, confidence) == pytest.approx((ci.low, ci.high), rel=1e-12, abs=1e-15)


def test_win_shares_count_strict_wins_against_each_other_policy():
    table = world_frame({"ref": [1.0, 1.0, 1.0, 1.0], "x": [2.0, 0.5, 1.0, 3.0]})
    shares = rb.win_shares(table, "m", "higher", ["ref", "x"], ["ref"]).set_index("policy")
    assert shares.loc["x", "wins"] == 2 and shares.loc["x", "ties"] == 1 and shares.loc["x", "worlds"] == 4
    assert shares.loc["x", "low"] < 0.5 < shares.loc["x", "high"]
    assert list(rb.failures(table, "m", "higher", "x", "ref")) == [False, True, True, False]


def test_prim_finds_a_planted_failure_region_and_not_the_noise_dimension():
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"severity": rng.uniform(0, 1, 120), "noise": rng.uniform(0, 1, 120)})
    failing = pd.Series(x["severity"] > 0.6)
    box = rb.failure_box(x, failing)
    assert [lim.key for lim in box.limits] == ["severity"]
    assert 0.5 < box.limits[0].low < 0.7 and box.limits[0].high is None
    assert box.coverage >= 0.9 and box.density >= 0.9


def test_prim_names_no_box_for_failures_scattered_at_random():
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"a": rng.uniform(0, 1, 60), "b": rng.uniform(0, 1, 60)})
    box = rb.failure_box(x, pd.Series(rng.uniform(0, 1, 60) < 0.3))
    assert not box.limits and box.reason == "few"


def test_no_box_when_a_policy_never_or_always_fails():
    x = pd.DataFrame({"a": np.linspace(0, 1, 10)})
    assert rb.failure_box(x, pd.Series([False] * 10)).reason == "none"
    assert rb.failure_box(x, pd.Series([True] * 10)).reason == "all"
    assert rb.failure_box(x, pd.Series([True, True] + [False] * 8)).reason == "few"


# ------------------------------------------------------------------ sweeps and the report


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("robust")
    path = tiny(tmp, samples=6, replicates=2, steps=6, villages=20)
    return path, run_sweep(path, execution=Execution(workers=1), out=tmp / "one", progress=False)


def test_the_same_results_on_two_workers_and_on_dask(tmp_path, one_worker):
    path, folder = one_worker
    reference = pd.read_parquet(folder / "runs.parquet")
    two = run_sweep(path, execution=Execution(workers=2), out=tmp_path / "two", progress=False, report=False)
    pd.testing.assert_frame_equal(pd.read_parquet(two / "runs.parquet"), reference)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        dask = run_sweep(
            path,
            execution=Execution(scheduler=cluster.scheduler_address),
            out=tmp_path / "dask",
            progress=False,
            report=False,
        )
    pd.testing.assert_frame_equal(pd.read_parquet(dask / "runs.parquet"), reference)


def test_kill_9_then_resume_gives_exactly_the_uninterrupted_results(tmp_path, one_worker):
    path, folder = one_worker
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(path), "--workers", "1", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while (
        time.monotonic() < deadline
        and len(list((out / "parts").glob("*.parquet")) if (out / "parts").exists() else []) < 3
    ):
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = len(list((out / "parts").glob("*.parquet")))
    assert 3 <= stored < 36
    result = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(path), "--workers", "1", "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), pd.read_parquet(folder / "runs.parquet"))
    assert json.loads((out / "manifest.json").read_text())["resumed"]


def test_the_report_opens_with_the_answer(one_worker):
    _, folder = one_worker
    text = (folder / "report.md").read_text()
    answer = text.index("## The answer")
    assert answer < text.index("## Where each policy fails") < text.index("## The uncertainties sampled")
    assert "| policy | beats No cooperation in (share of worlds [95 % CI]) | regret: median |" in text
    assert "minimax" in text and "90th-percentile" in text
    assert "not calibrated" in text and "not a probability distribution" in text
    for figure in ("robustness_regret.png", "robustness_failures.png"):
        assert (folder / "figures" / figure).exists()
    # every share in the tables is a share of worlds inside [0, 100] %
    shares = [int(s) for s in __import__("re").findall(r"(\d+) % \[(?:\d+), (?:\d+)\]", text)]
    assert shares and all(0 <= s <= 100 for s in shares)
