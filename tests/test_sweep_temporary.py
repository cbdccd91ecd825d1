"""No temporary file survives a completed sweep or ``--resume`` (sim/sweep/store.py,
ResultStore.clear_temporary): those an atomic write leaves when its sweep is killed, in
any part of the results folder, are removed, and nothing else is."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from sim.io import is_temporary
from sim.sweep.lock import LOCK
from tests.test_store import sweep
from tests.test_sweep import experiment, runs_of


def temporary_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.tmp"))


def contents(folder: Path) -> dict[str, bytes]:
    """The folder's files but the report and the manifest (which say when they were written)."""
    changing = {"manifest.json", "report.md", "report.html"}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name not in changing
    }


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A finished tiny sweep, without its report (named below: making it takes ~10 s)."""
    tmp = tmp_path_factory.mktemp("finished")
    path = experiment(tmp, replicates=1, steps=3, villages=12)
    return path, sweep(path, tmp / "done")


REPORT = ("report.md", "report.html", "figures/forest.png", "figures/timeseries_drought.png")


def plant(folder: Path, beside: str) -> Path:
    """A temporary file as an atomic write of ``beside`` names it (half its bytes, as if killed)."""
    target = folder / beside
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.write(fd, target.read_bytes()[: target.stat().st_size // 2] if target.exists() else b"")
    os.close(fd)
    return Path(name)


def test_resume_removes_every_temporary_file_and_nothing_else(tmp_path, finished):
    path, reference = finished
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    written = [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()]
    assert {"runs.parquet", "timeseries.parquet", "manifest.json"} <= set(written)
    assert any(w.startswith("parts/") for w in written) and any(w.startswith("timeseries/") for w in written)
    (folder / "figures").mkdir()
    planted = [plant(folder, name) for name in [*written, *REPORT]]
    probe = tempfile.mkstemp(prefix=".kerjasama-write-test.", suffix=".tmp", dir=folder)  # check_writable's
    os.close(probe[0])
    planted.append(Path(probe[1]))
    assert all(is_temporary(p.name) for p in planted)
    (folder / "damaged" / "parts").mkdir(parents=True)
    kept = [folder / "notes.tmp", folder / ".mine.tmp", folder / "parts" / "draft.tmp"]
    kept.append(plant(folder / "damaged" / "parts", "p0000-r000.parquet"))  # damaged/ is never touched
    for path_kept in kept[:3]:
        path_kept.write_text("the user's")
    before = contents(folder)
    sweep(path, folder, resume=True)
    assert not [p for p in planted if p.exists()], temporary_files(folder)
    assert temporary_files(folder) == sorted(str(p.relative_to(folder)) for p in kept)
    assert contents(folder) == {k: v for k, v in before.items() if folder / k not in planted}
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(reference))


KILLED_IN_THE_REPORT = """
import os, signal, sys
from sim import io
import sim.report.document as document

def write_then_die(path, write):  # the first figure of the report: killed half-way through its write
    def die(tmp):
        write(tmp)
        os.kill(os.getpid(), signal.SIGKILL)
    io.write_atomically(path, die)

document.write_atomically = write_then_die
from sim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_sweep_killed_in_its_report_leaves_no_temporary_file_after_resume(tmp_path, capfd):
    path = experiment(tmp_path, replicates=1, steps=3, villages=12)
    out = tmp_path / "out"
    command = [sys.executable, "-c", KILLED_IN_THE_REPORT, "sweep", str(path), "--out", str(out), "--workers", "1"]
    killed = subprocess.run(command, capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    left = temporary_files(out)
    assert left and all(name.startswith("figures/.") for name in left), left
    assert (out / LOCK).exists() and not (out / "report.md").exists()
    sweep(path, out, resume=True)
    assert "took over a stale lock" in capfd.readouterr().err
    assert temporary_files(out) == [] and not (out / LOCK).exists()
    assert len(runs_of(out)) == 2


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_signal_during_a_parquet_write_waits_for_the_write_then_takes_effect(tmp_path, monkeypatch, signum):
    """A Ctrl-C inside pyarrow's writer could be swallowed by the writer's clean-up, so a
    sweep neither stopped nor said "interrupted" (seen once in CI): Parquet parts are written
    with signals held (sim.io.signals_held), and the signal takes effect once the file is whole."""
    import signal

    from sim.sweep import runner
    from sim.sweep.store import _atomic_parquet

    write = pd.DataFrame.to_parquet

    def signalled_write(frame, *args, **kwargs):  # the signal arrives in the middle of the write
        os.kill(os.getpid(), getattr(signal, signum))
        return write(frame, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", signalled_write)
    frame = pd.DataFrame({"x": range(1000)})
    # Ctrl-C as in a terminal: a test run started in the background of a non-interactive shell
    # inherits SIGINT ignored, and an ignored signal rightly stays ignored while held too
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with runner.terminate_as_interrupt():  # as during a sweep: SIGTERM stops it as Ctrl-C does
            with pytest.raises(KeyboardInterrupt):
                _atomic_parquet(frame, tmp_path / "part.parquet")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert pd.read_parquet(tmp_path / "part.parquet").equals(frame), "the write was cut short"
    assert not temporary_files(tmp_path)
