"""One sweep at a time per results folder (sim/sweep/lock.py): a folder in use is refused
in one line and left untouched, a stale lock is taken over, and the lock is gone however
the sweep ends."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import ScenarioError
from sim.sweep.lock import LOCK, FolderLock
from tests.test_runner import experiment as slow_experiment
from tests.test_runner import start_sweep, wait_for_parts
from tests.test_store import sweep
from tests.test_sweep import experiment, runs_of


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A finished tiny sweep: (its experiment file, its folder)."""
    tmp = tmp_path_factory.mktemp("finished")
    path = experiment(tmp, replicates=1, steps=3, villages=12)
    return path, sweep(path, tmp / "done")


def copy_of(finished: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    path, folder = finished
    shutil.copytree(folder, tmp_path / "sweep")
    return path, tmp_path / "sweep"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file (bytes and modification time) and folder below ``folder``."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def cli_sweep(path: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--workers", "1", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("args", [["--resume"], []], ids=["resume", "new sweep"])
def test_a_folder_in_use_is_refused_in_one_line_and_left_untouched(tmp_path, finished, args):
    path, folder = copy_of(finished, tmp_path)
    before = snapshot(folder)
    with FolderLock(folder):
        held = snapshot(folder)
        result = cli_sweep(path, folder, *args)
        assert snapshot(folder) == held, "a refused sweep writes nothing"
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, lines
    assert f"{folder}: in use by another sweep (pid {os.getpid()} on host {socket.gethostname()}, since " in lines[0]
    assert f"remove {folder / LOCK} if that process is gone" in lines[0]
    assert snapshot(folder) == before, "the lock is gone once released, nothing else changed"


def test_a_sweep_in_progress_refuses_a_second_one_and_unlocks_on_ctrl_c(tmp_path):
    # 600 runs: far more than one worker finishes while the second sweep starts up (~3 s)
    path = slow_experiment(tmp_path, replicates=300, steps=12, villages=60)
    out = tmp_path / "out"
    first = start_sweep(path, out, "--workers", "1")
    wait_for_parts(first, out, 1)
    holder = json.loads((out / LOCK).read_text())
    assert holder["pid"] == first.pid and holder["host"] == socket.gethostname()
    second = cli_sweep(path, out, "--resume")
    assert second.returncode == 2 and f"in use by another sweep (pid {first.pid} on host" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert json.loads((out / LOCK).read_text()) == holder, "the second sweep left the first one's lock alone"
    assert first.poll() is None, "the first sweep finished before it could be interrupted"
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert not (out / LOCK).exists(), "Ctrl-C releases the lock"
    assert not [p for p in out.rglob("*") if p.name.startswith(LOCK)]


def test_sigterm_releases_the_lock(tmp_path):
    path = slow_experiment(tmp_path, replicates=20, steps=12, villages=60)
    out = tmp_path / "out"
    process = start_sweep(path, out, "--workers", "2")
    wait_for_parts(process, out, 1)
    assert (out / LOCK).exists()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert not (out / LOCK).exists()


STALE = {
    "dead process": lambda: json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "since": "2025-01-01"}),
    "process id reused": lambda: json.dumps(
        {"pid": os.getpid(), "host": socket.gethostname(), "since": "2025-01-01", "process_start": 1}
    ),
    "empty": lambda: "",
    "not a lock": lambda: "{not json",
    "no process id": lambda: json.dumps({"host": socket.gethostname()}),
}


@pytest.mark.parametrize("kind", STALE)
def test_a_stale_lock_is_reported_in_one_line_and_taken_over(tmp_path, finished, capfd, kind):
    path, folder = copy_of(finished, tmp_path)
    (folder / LOCK).write_text(STALE[kind]())
    sweep(path, folder, resume=True)
    lines = [line for line in capfd.readouterr().err.splitlines() if "lock" in line]
    assert len(lines) == 1 and f"{folder}: took over a stale lock (" in lines[0], lines
    assert ("no longer running" in lines[0]) == (kind in ("dead process", "process id reused"))
    assert not (folder / LOCK).exists()
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(finished[1]))


def test_a_lock_held_on_another_host_is_respected(tmp_path, finished):
    path, folder = copy_of(finished, tmp_path)
    (folder / LOCK).write_text(json.dumps({"pid": dead_pid(), "host": "elsewhere", "since": "2025-01-01T00:00:00"}))
    with pytest.raises(ScenarioError, match=r"in use by another sweep \(pid \d+ on host elsewhere, since 2025"):
        sweep(path, folder, resume=True)
    assert (folder / LOCK).exists()


def test_the_lock_is_released_on_an_error_and_on_a_refusal(tmp_path, finished, monkeypatch):
    path, folder = copy_of(finished, tmp_path)
    with pytest.raises(ScenarioError, match="already exist"):
        sweep(path, folder)  # a refusal under the lock
    assert not (folder / LOCK).exists()

    class Broken:
        name, failed = "broken", {}

        def run(self, specs):
            raise RuntimeError("the executor broke")
            yield

        def close(self):
            pass

    monkeypatch.setattr("sim.sweep.orchestrate.make_executor", lambda workers, scheduler: Broken())
    (folder / "parts" / "p0000-r000.parquet").unlink()  # one run to do
    with pytest.raises(RuntimeError, match="the executor broke"):
        sweep(path, folder, resume=True)
    assert not (folder / LOCK).exists()
    with pytest.raises(RuntimeError, match="the executor broke"):
        sweep(path, tmp_path / "new" / "deeper")
    assert not (tmp_path / "new" / "deeper" / LOCK).exists()


def test_a_refused_new_folder_is_not_left_behind(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise ScenarioError("refused")

    monkeypatch.setattr("sim.sweep.store.ResultStore.check", refuse)
    with pytest.raises(ScenarioError, match="refused"):
        sweep(experiment(tmp_path, replicates=1, steps=3), tmp_path / "a" / "b")
    assert not (tmp_path / "a").exists(), "folders the lock created are removed when still empty"


def _contend(folder: str, start, results) -> None:
    """Take the lock at the same moment as the others, each slow to act on what it read
    (so that all of them find the same stale lock)."""
    read_holder = FolderLock._read_holder

    def slow_read_holder(self):
        found = read_holder(self)
        time.sleep(0.3)
        return found

    FolderLock._read_holder = slow_read_holder
    start.wait()
    try:
        with FolderLock(Path(folder)):
            results.put("held")
            time.sleep(1.0)
    except ScenarioError as exc:
        results.put(str(exc))


def test_only_one_of_several_sweeps_takes_over_the_same_stale_lock(tmp_path):
    folder = tmp_path / "contended"
    folder.mkdir()
    (folder / LOCK).write_text(json.dumps({"pid": dead_pid(), "host": socket.gethostname(), "since": "x"}))
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_contend, args=(str(folder), start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(10)
    assert outcomes.count("held") == 1, outcomes
    assert all("in use by another sweep" in o for o in outcomes if o != "held"), outcomes
    assert sorted(p.name for p in folder.iterdir()) == [], "no lock and no set-aside lock is left"
