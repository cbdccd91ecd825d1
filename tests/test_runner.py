"""Executors: an interrupted sweep stops at once and keeps its runs, a worker death is
charged to its run only, no worker outlives the sweep, a scheduler that never answers
is an error within seconds."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.design import load_experiment
from sim.sweep.orchestrate import run_sweep
from sim.sweep.runner import POISON_ENV, Execution, InProcess, LocalPool

EXPERIMENT = """
name = "runner"
description = "two arms, tiny"
scenario = "default"
design = "arms"
replicates = {replicates}
seed = 7
steps = {steps}
reference = "alone"
metrics = ["welfare.mean_consumption"]
[set]
"landscape.n_villages" = {villages}
[[arms]]
name = "alone"
set = {{ "cooperation.forms" = [] }}
[[arms]]
name = "formal"
set = {{ "cooperation.forms" = ["formal"] }}
"""


def experiment(tmp_path: Path, replicates=2, steps=4, villages=24) -> Path:
    path = tmp_path / "runner.toml"
    path.write_text(EXPERIMENT.format(replicates=replicates, steps=steps, villages=villages))
    return path


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
        found, frontier = set(), {pid}
        while frontier:
            frontier = {child for child, parent in parents.items() if parent in frontier} - found
            found |= frontier
        return found
    return {child.pid for child in psutil.Process(pid).children(recursive=True)}


def alive(pids: set[int]) -> set[int]:
    """The processes among ``pids`` still running (zombies count as gone)."""
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def parts(out: Path) -> set[str]:
    return {p.stem for p in (out / "parts").glob("*.parquet")} if (out / "parts").exists() else set()


def start_sweep(path: Path, out: Path, *args: str) -> subprocess.Popen:
    """A sweep in a subprocess that takes SIGINT as a terminal's Ctrl-C would deliver it
    (a process group of its own, SIGINT not ignored)."""
    command = ["env", "--default-signal=INT", sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), *args]
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_for_parts(process: subprocess.Popen, out: Path, count: int) -> None:
    deadline = time.monotonic() + 180
    while len(parts(out)) < count:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the sweep stored too few runs"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_sweep_stops_at_once_keeps_its_runs_and_leaves_no_process(tmp_path, signum):
    path = experiment(tmp_path, replicates=20, steps=12, villages=60)
    out = tmp_path / "out"
    process = start_sweep(path, out, "--workers", "2")
    wait_for_parts(process, out, 3)
    children = descendants(process.pid)
    assert children, "the pool's workers should be running"
    kept = parts(out)
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)  # Ctrl-C: the terminal signals every process of the sweep
    else:
        process.send_signal(signum)  # kill PID
    _, err = process.communicate(timeout=60)
    took = time.monotonic() - sent
    print(f"\n{signal.Signals(signum).name}: exit after {took:.2f} s, {len(kept)} runs stored, {len(parts(out))} kept")
    assert process.returncode == 130, err
    assert took < 5, f"took {took:.1f} s to stop"
    assert "interrupted" in err and "Traceback" not in err
    after = parts(out)
    assert kept <= after and len(after) < 40, "the finished runs are kept, the queued ones never computed"
    for run_id in after:
        assert len(pd.read_parquet(out / "parts" / f"{run_id}.parquet")) == 1
        assert len(pd.read_parquet(out / "timeseries" / f"{run_id}.parquet")) == 13
    assert not wait_gone(children, 3), "no process may outlive the sweep"


def test_no_worker_outlives_a_sweep_killed_with_sigkill(tmp_path):
    path = experiment(tmp_path, replicates=20, steps=12, villages=60)
    out = tmp_path / "out"
    process = start_sweep(path, out, "--workers", "2")
    wait_for_parts(process, out, 2)
    children = descendants(process.pid)
    assert children
    process.kill()
    process.communicate()
    left = wait_gone(children, 5)
    for pid in left:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers must exit when the sweep's process is gone"


def test_a_run_that_kills_its_worker_fails_alone_and_the_others_finish(tmp_path, monkeypatch, capfd):
    specs = load_experiment(experiment(tmp_path, replicates=3)).runs()
    poison = specs[1].run_id
    monkeypatch.setenv(POISON_ENV, poison)
    pool = LocalPool(2)
    results = {row["run_id"]: (row, series) for row, series, _ in pool.run(specs)}
    assert sorted(results) == sorted(spec.run_id for spec in specs if spec.run_id != poison)
    assert list(pool.failed) == [poison] and "died 3 times" in pool.failed[poison]
    err = capfd.readouterr().err
    assert f"run {poison} failed" in err and err.count("; running it again") == 2
    for row, series, _ in InProcess().run([spec for spec in specs if spec.run_id != poison]):
        assert results[row["run_id"]][0] == row
        pd.testing.assert_frame_equal(results[row["run_id"]][1], series)


def test_a_sweep_with_a_run_that_kills_workers_ends_incomplete(tmp_path, monkeypatch):
    path = experiment(tmp_path, replicates=2)
    poison = load_experiment(path).runs()[0].run_id
    monkeypatch.setenv(POISON_ENV, poison)
    folder = run_sweep(path, execution=Execution(workers=2), out=tmp_path / "o", progress=False, report=False)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and manifest["runs"]["stored"] == 3
    assert poison not in set(pd.read_parquet(folder / "runs.parquet")["run_id"])
    assert list(manifest["failed"]) == [poison] and "died 3 times" in manifest["failed"][poison]


def test_the_command_line_says_which_runs_failed_and_exits_1(tmp_path, monkeypatch, capfd):
    from sim.cli import main

    path = experiment(tmp_path, replicates=2)
    poison = load_experiment(path).runs()[0].run_id
    monkeypatch.setenv(POISON_ENV, poison)
    assert main(["sweep", str(path), "--workers", "2", "--out", str(tmp_path / "o")]) == 1
    assert "1 run(s) failed" in capfd.readouterr().err


def test_an_error_in_a_run_is_raised_as_in_process(tmp_path):
    specs = load_experiment(experiment(tmp_path, replicates=1)).runs()
    broken = [specs[0], dataclasses.replace(specs[1], overrides={"no_such_parameter": 1})]
    with pytest.raises(Exception) as in_process:
        list(InProcess().run(broken))
    pool = LocalPool(2)
    with pytest.raises(type(in_process.value), match="no_such_parameter"):
        list(pool.run(broken))
    assert not pool._live


def test_a_scheduler_address_that_is_not_dask_fails_within_seconds_in_one_line(tmp_path):
    pytest.importorskip("distributed")
    listener = socket.create_server(("127.0.0.1", 0))  # accepts connections (the kernel does) but never speaks
    port = listener.getsockname()[1]
    out = tmp_path / "o"
    started = time.monotonic()
    with listener:
        result = subprocess.run(
            [sys.executable, "-m", "sim", "sweep", str(experiment(tmp_path)), "--out", str(out)]
            + ["--scheduler", f"tcp://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    took = time.monotonic() - started
    print(f"\nnon-Dask listener: exit {result.returncode} after {took:.1f} s: {result.stderr.strip()}")
    assert result.returncode == 2, result.stderr
    assert took < 20
    assert len(result.stderr.strip().splitlines()) == 1 and "no Dask scheduler answered" in result.stderr
    assert not out.exists()
