"""Sweeps end to end: same results on any executor, crash-safe storage, resume, refusals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import ScenarioError
from sim.sweep.orchestrate import run_sweep
from sim.sweep.runner import Execution

SMALL = """
name = "small"
description = "two arms, tiny"
scenario = "default"
design = "arms"
replicates = {replicates}
seed = 99
steps = {steps}
reference = "alone"
metrics = ["welfare.mean_consumption", "resilience.resistance"]
[set]
"landscape.n_villages" = {villages}
[[arms]]
name = "alone"
label = "No cooperation"
set = {{ "cooperation.forms" = [] }}
[[arms]]
name = "formal"
label = "Formal agreements"
set = {{ "cooperation.forms" = ["formal"] }}
[[conditions]]
name = "drought"
label = "Drought"
set = {{ "shocks.scheduled" = [{{ kind = "drought", step = 3, duration = 1, intensity = 0.8, district = -1 }}] }}
"""


def experiment(tmp_path: Path, replicates=3, steps=6, villages=24, name="small.toml") -> Path:
    path = tmp_path / name
    path.write_text(SMALL.format(replicates=replicates, steps=steps, villages=villages))
    return path


def runs_of(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet")


@pytest.fixture(scope="module")
def reference_runs(tmp_path_factory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("ref")
    folder = run_sweep(experiment(tmp), execution=Execution(workers=1), out=tmp / "one", progress=False, report=False)
    return runs_of(folder)


def test_results_folder_layout_and_report(tmp_path):
    folder = run_sweep(
        experiment(tmp_path, replicates=2), execution=Execution(workers=1), out=tmp_path / "out", progress=False
    )
    runs = runs_of(folder)
    assert len(runs) == 2 * 2
    assert {"run_id", "point", "arm", "condition", "replicate", "seed", "welfare.mean_consumption"} <= set(runs.columns)
    assert not [c for c in runs.columns if "time" in c.lower() and c != "resilience.recovery_steps"]
    assert len(list((folder / "timeseries").glob("*.parquet"))) == 4
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs"]["stored"] == 4
    assert manifest["experiment_sha256"] and "experiment_text" in manifest and manifest["versions"]["mesa"]
    assert manifest["base_scenario"]["parameters"]["landscape.n_villages"] == 24
    html = (folder / "report.html").read_text()
    assert "data:image/png;base64," in html and "http" not in html
    assert "against No cooperation" in (folder / "brief.md").read_text()
    assert (folder / "report.md").read_text().startswith((folder / "brief.md").read_text())


def test_paired_seeding_same_shocks_across_arms(tmp_path, reference_runs):
    runs = reference_runs
    for _, group in runs.groupby("replicate"):
        assert group["seed"].nunique() == 1
    assert runs.groupby("replicate")["seed"].first().nunique() == 3
    folder = tmp_path / "one"
    run_sweep(experiment(tmp_path), execution=Execution(workers=1), out=folder, progress=False, report=False)
    series = pd.concat(pd.read_parquet(p) for p in sorted((folder / "timeseries").glob("*.parquet")))
    series["replicate"] = series["run_id"].str[-3:]
    series["point"] = series["run_id"].str[:5]
    for _, group in series.groupby("replicate"):
        shocks = group.pivot(index="step", columns="point", values="shock_intensity")
        assert (shocks.nunique(axis=1) == 1).all()  # every arm saw the same shocks


def test_same_results_with_two_workers(tmp_path, reference_runs):
    folder = run_sweep(
        experiment(tmp_path), execution=Execution(workers=2), out=tmp_path / "two", progress=False, report=False
    )
    pd.testing.assert_frame_equal(runs_of(folder), reference_runs)


def test_same_results_on_a_dask_cluster(tmp_path, reference_runs):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        folder = run_sweep(
            experiment(tmp_path),
            execution=Execution(scheduler=cluster.scheduler_address),
            out=tmp_path / "dask",
            progress=False,
            report=False,
        )
    pd.testing.assert_frame_equal(runs_of(folder), reference_runs)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["executor"].startswith("dask")


def test_resume_refusals(tmp_path):
    path = experiment(tmp_path, replicates=1, steps=3)
    folder = run_sweep(
        path, execution=Execution(workers=1), out=tmp_path / "r", resume=True, progress=False, report=False
    )  # missing: starts
    assert len(runs_of(folder)) == 2
    with pytest.raises(ScenarioError, match="already exist; use --resume"):
        run_sweep(path, execution=Execution(workers=1), out=folder, progress=False, report=False)
    again = run_sweep(
        path, execution=Execution(workers=1), out=folder, resume=True, progress=False, report=False
    )  # nothing left to do
    assert len(runs_of(again)) == 2
    other = experiment(tmp_path, replicates=2, steps=3, name="other.toml")
    with pytest.raises(ScenarioError, match="different experiment file"):
        run_sweep(other, execution=Execution(workers=1), out=folder, resume=True, progress=False, report=False)
    with pytest.raises(ScenarioError, match="different experiment file"):
        run_sweep(
            path, execution=Execution(workers=1), out=folder, resume=True, quick=True, progress=False, report=False
        )


def test_sigkill_then_resume_gives_exactly_the_uninterrupted_results(tmp_path):
    path = experiment(tmp_path, replicates=5, steps=12, villages=60)
    clean = run_sweep(path, execution=Execution(workers=1), out=tmp_path / "clean", progress=False, report=False)
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(path), "--workers", "1", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        parts = list((out / "parts").glob("*.parquet")) if (out / "parts").exists() else []
        if len(parts) >= 3:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = len(list((out / "parts").glob("*.parquet")))
    assert 3 <= stored < 10, "the sweep should be killed part-way"
    assert not (out / "runs.parquet").exists()
    result = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(path), "--workers", "1", "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    resumed = runs_of(out)
    pd.testing.assert_frame_equal(resumed, runs_of(clean))
    assert resumed["run_id"].is_unique and len(resumed) == 10
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"]["stored_before"] == stored and manifest["resumed"]


def test_readable_with_duckdb_without_kerjasama(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    folder = run_sweep(
        experiment(tmp_path, replicates=1, steps=3),
        execution=Execution(workers=1),
        out=tmp_path / "d",
        progress=False,
        report=False,
    )
    con = duckdb.connect()
    count = con.execute(f"SELECT count(*) FROM read_parquet('{folder}/runs.parquet')").fetchone()[0]
    steps = con.execute(f"SELECT count(*) FROM read_parquet('{folder}/timeseries/*.parquet')").fetchone()[0]
    assert count == 2 and steps == 2 * 4


def test_cli_sweep_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\nscenario = "default"\nseed = 1\ndesign = "arms"\n[[arms]]\nname = "a"\nset = { "forms.formal.fine" = -1 }\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(bad), "--out", str(tmp_path / "o")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "arms.0.set: forms.formal.fine" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_worker_that_dies_loses_and_duplicates_nothing(tmp_path, reference_runs, monkeypatch, capfd):
    marker = tmp_path / "killed-once"
    monkeypatch.setenv("KERJASAMA_KILL_WORKER_ONCE", str(marker))
    folder = run_sweep(
        experiment(tmp_path), execution=Execution(workers=2), out=tmp_path / "crash", progress=False, report=False
    )
    assert marker.exists(), "a worker should have died"
    assert "worker process died" in capfd.readouterr().err
    pd.testing.assert_frame_equal(runs_of(folder), reference_runs)


def test_bad_executor_arguments_write_nothing_and_leave_no_trap(tmp_path):
    path = experiment(tmp_path, replicates=1, steps=3)
    out = tmp_path / "o"
    for args in (["--workers", "0"], ["--scheduler", "notanaddress"]):
        result = subprocess.run(
            [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), *args], capture_output=True, text=True
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not out.exists()
    assert len(runs_of(run_sweep(path, execution=Execution(workers=1), out=out, progress=False, report=False))) == 2


def test_resume_refuses_a_changed_base_scenario(tmp_path):
    scenario = tmp_path / "base.toml"
    scenario.write_text('name = "base"\ndescription = "d"\n[landscape]\nn_villages = 24\n')
    path = tmp_path / "exp.toml"
    path.write_text(
        SMALL.format(replicates=1, steps=3, villages=24).replace('scenario = "default"', f'scenario = "{scenario}"')
    )
    folder = run_sweep(path, execution=Execution(workers=1), out=tmp_path / "o", progress=False, report=False)
    scenario.write_text('name = "base"\ndescription = "d"\n[landscape]\nn_villages = 24\nhouseholds_mean = 300.0\n')
    with pytest.raises(ScenarioError, match=r"base scenario changed .*landscape\.households_mean"):
        run_sweep(path, execution=Execution(workers=1), out=folder, resume=True, progress=False, report=False)


def test_a_sweep_manifest_written_from_a_tmp_folder_names_no_machine_path(tmp_path):
    from tests.test_io import machine_paths

    folder = run_sweep(
        experiment(tmp_path, replicates=1, steps=3),
        execution=Execution(workers=1),
        out=tmp_path / "o",
        progress=False,
        report=False,
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["experiment_file"] == "small.toml"
    assert manifest["base_scenario"]["file"] == "scenarios/default.toml"
    assert machine_paths(manifest, tmp_path) == []
